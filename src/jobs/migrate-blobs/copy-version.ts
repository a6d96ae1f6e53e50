import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { StoredVersionRef } from '../../documents/repository.ts';
import { VerifyingStream } from '../../documents/verifying-stream.ts';
import { isAppError } from '../../domain/errors.ts';
import type { BlobPutResult, BlobStore } from '../../domain/ports.ts';
import { digestObject } from '../../integrity/scrubber.ts';
import { describeError } from './describe-error.ts';

/** A verified copy in the target (the version id the row will point at), or why there is none. */
export type CopyResult = { ok: true; versionId: string | null; adopted: boolean } | { ok: false; reason: string };

/**
 * Copies one version's bytes to the target store and verifies them there. Streams source.get → SHA-256/size check
 * (the last chunk is held back until it matches the metadata, so a corrupt source never completes an upload) →
 * target.put under the same key, with the expected SHA-256 for stores that check it themselves → reads the object
 * back from the target and hashes it. Where the target refuses to overwrite (fs, Azure: object_exists), an earlier
 * run's copy is adopted if it is exactly ours. A copy that fails a check is removed from the target.
 */
export async function copyVersion(source: BlobStore, target: BlobStore, r: StoredVersionRef, onBytes: (n: number) => void): Promise<CopyResult> {
  const src = await source.get(r.blobKey, r.blobVersionId);
  let corrupt: string | null = null;
  // Errors before the final chunk on a SHA-256 or size mismatch, so the target never completes a corrupt object.
  const verifier = new VerifyingStream(r.sha256, r.size, (actual) => (corrupt = actual));
  const [piped, stored] = await Promise.allSettled([
    pipeline(src, new Meter(onBytes), verifier),
    target.put(r.blobKey, verifier, { contentType: r.contentType, expectedSha256: Buffer.from(r.sha256, 'hex') }),
  ]);
  if (corrupt) {
    return { ok: false, reason: `the ${source.kind} copy does not match its recorded SHA-256 (got ${corrupt}); not copied` };
  }
  if (stored.status === 'rejected') {
    const e = stored.reason;
    if (isAppError(e) && e.code === 'object_exists') return adoptExisting(target, r);
    const inspect = piped.status === 'rejected' && isAppError(piped.reason) ? piped.reason : e;
    return { ok: false, reason: `copying to ${target.kind}: ${describeError(inspect)}` };
  }
  if (piped.status === 'rejected') {
    // the store finished but our side failed: do not trust what it holds
    await target.delete(r.blobKey, stored.value.versionId).catch(() => undefined);
    return { ok: false, reason: `reading from ${source.kind}: ${describeError(piped.reason)}` };
  }
  return verifyStored(target, r, stored.value);
}

/** Checks a fresh copy by the store's own SHA-256 if it computed one, then by reading back exactly that version. */
async function verifyStored(target: BlobStore, r: StoredVersionRef, stored: BlobPutResult): Promise<CopyResult> {
  if (stored.storeSha256 && stored.storeSha256 !== r.sha256) {
    await target.delete(r.blobKey, stored.versionId).catch(() => undefined);
    return { ok: false, reason: `the ${target.kind} store computed SHA-256 ${stored.storeSha256}, expected ${r.sha256}` };
  }
  const back = await digestObject(target, r.blobKey, stored.versionId).catch((err: unknown) => ({ error: describeError(err) }));
  if ('error' in back || back.sha256 !== r.sha256 || back.size !== r.size) {
    await target.delete(r.blobKey, stored.versionId).catch(() => undefined);
    const got = 'error' in back ? back.error : `sha256 ${back.sha256}, ${back.size} bytes`;
    return { ok: false, reason: `read-back from ${target.kind} did not verify (${got}; expected ${r.sha256}, ${r.size} bytes)` };
  }
  return { ok: true, versionId: stored.versionId, adopted: false };
}

/** An earlier, interrupted run got this far: the target keeps what it has. Adopt it only if it is exactly ours. */
async function adoptExisting(target: BlobStore, r: StoredVersionRef): Promise<CopyResult> {
  const existing = await digestObject(target, r.blobKey, null).catch((err: unknown) => ({ error: describeError(err) }));
  if ('error' in existing) return { ok: false, reason: `the ${target.kind} store already holds ${r.blobKey} but it cannot be read back: ${existing.error}` };
  if (existing.sha256 !== r.sha256 || existing.size !== r.size) {
    return {
      ok: false,
      reason: `the ${target.kind} store already holds ${r.blobKey} with different bytes (sha256 ${existing.sha256}, ${existing.size} bytes; expected ${r.sha256}, ${r.size} bytes); left as it is`,
    };
  }
  return { ok: true, versionId: await onlyVersionOf(target, r.blobKey), adopted: true };
}

/** The version id of an adopted object, when the store lists exactly one for the key (Azure with versioning). */
async function onlyVersionOf(store: BlobStore, key: string): Promise<string | null> {
  const ids: (string | null)[] = [];
  try {
    for await (const l of store.list(key)) if (l.key === key) ids.push(l.versionId);
  } catch {
    return null;
  }
  return ids.length === 1 ? (ids[0] ?? null) : null;
}

/** Counts bytes as they pass, for progress. */
class Meter extends Transform {
  readonly #onBytes: (n: number) => void;
  constructor(onBytes: (n: number) => void) {
    super();
    this.#onBytes = onBytes;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#onBytes(chunk.length);
    cb(null, chunk);
  }
}
