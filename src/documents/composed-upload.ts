import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobPutResult, BlobStore } from '../domain/ports.ts';
import type { Principal } from '../domain/principal.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { Digests } from './hash-offload.ts';
import { HashingStream, offloadHashing } from './hashing-stream.ts';
import { cleanFilename } from './metadata.ts';
import * as repo from './repository.ts';
import { faultPoint } from './fault-points.ts';
import { discard, type StoredBytes, type UploadDeps } from './upload.ts';
import { applyVerdict, NOT_SCANNED, scanTapFor } from './upload-scan.ts';

/**
 * Bytes a resumable upload has already put together in the store (BlobComposer) and checked as they arrived: size
 * against the declared length, the type on the first bytes, each request's Upload-Checksum, and (where this process
 * carried it from PATCH to PATCH) the whole file's SHA-256 and SHA-1.
 */
export interface ComposedInput {
  composed: {
    store: BlobStore;
    /** The document the key names (a new document's id, chosen with the key). */
    documentId: string;
    key: string;
    size: number;
    /** Recognised on the first bytes. */
    contentType: string;
    /** Carried across the PATCHes; null when lost: the stored object is then read once to hash it. */
    digests: Digests | null;
    /** The upload's intent: one id for every attempt at its commit (a retry after a crash names the same one). */
    intentId: string;
    /** The resumable upload: its intent names it, so the commit is keyed by the upload (migration 018). */
    uploadId: string;
    /** An earlier attempt already made the object visible under key. */
    finished: { versionId: string | null } | null;
    /** Makes the object visible under key (once its intent is recorded); the caller records that it did. */
    finish(): Promise<BlobPutResult>;
  };
  filename: string | null;
  expectedSha256: Buffer | null;
}

/**
 * Steps 1 and 2 of the upload protocol for composed bytes: the intent naming the key is recorded, then the object
 * is finished under it (fs: a hard link; S3: CompleteMultipartUpload; Azure: the block list), so a crash leaves
 * only bytes that no metadata points at, as for every upload. No byte is copied.
 *
 * One read of the stored object, only when it is needed: the carried hash was lost (the PATCHes crossed instances)
 * or malware scanning is on (clamd's INSTREAM is one connection per file, which cannot stay open across PATCHes that
 * may land on other instances). In that read the bytes are hashed and, with a carried hash, checked against it: bytes
 * changed in the store since they arrived are caught before the commit. Without that read they are caught by every
 * verified read and the scrubber, since the digest recorded is of the bytes as they arrived, never of what the store
 * holds later.
 */
export async function adoptComposed(d: UploadDeps, p: Principal, documentId: string, input: ComposedInput, retainUntil: Date | null = null): Promise<StoredBytes> {
  const c = input.composed;
  const store = d.store;
  const intentId = c.intentId;
  // every attempt: reconcile may have claimed and removed a cut attempt's intent, leaving the upload its bytes
  await repo.ensureIntent(d.sql, { id: intentId, documentId, blobStore: store.kind, blobKey: c.key, createdBy: p.sub, resumableUploadId: c.uploadId });
  let put: BlobPutResult;
  if (c.finished) {
    put = { versionId: c.finished.versionId };
  } else {
    faultPoint('after-intent');
    put = await c.finish();
  }
  const filename = cleanFilename(input.filename);
  try {
    let digests = c.digests;
    let scan = NOT_SCANNED;
    if (!digests || d.scanning) {
      const read = await readStored(d, store, c.key, put.versionId, c.size);
      if (digests && (read.digests.sha256 !== digests.sha256 || read.digests.sha1 !== digests.sha1)) {
        throw new AppError('integrity_failure', 'the stored upload no longer matches the bytes received: it changed in the store before the commit');
      }
      if (read.size !== c.size) throw new AppError('integrity_failure', `the stored upload holds ${read.size} bytes, not the ${c.size} received`);
      digests = read.digests;
      if (d.scanning && read.verdict) scan = applyVerdict(d.scanning, await read.verdict, { filename, sha256: digests.sha256, size: c.size }, d.log);
    }
    if (input.expectedSha256 && input.expectedSha256.toString('hex') !== digests.sha256) {
      throw new AppError('digest_mismatch', 'the sha-256 digest you sent does not match the bytes received', { received: digests.sha256 });
    }
    // where the store enforces retention, the version is locked as put() writes it (S3 Object Lock, Azure immutability)
    if (retainUntil && retainUntil.getTime() > Date.now() && store.retention?.locksDocuments) await store.retention.setRetainUntil(c.key, put.versionId, retainUntil);
    faultPoint('after-blob');
    return {
      intentId,
      version: {
        documentId,
        blobStore: store.kind,
        blobKey: c.key,
        blobVersionId: put.versionId,
        contentType: c.contentType,
        size: c.size,
        sha256: digests.sha256,
        sha1: digests.sha1,
        filename,
        createdBy: p.sub,
        ...scan,
      },
    };
  } catch (e) {
    // a refusal is final, and so are bytes the store no longer holds as received: they go (as for any refused
    // upload). Trouble (the store, the scanner unreachable in refuse mode) keeps them for the retried commit.
    if (isFinal(e)) await discard(d, intentId, c.key, put.versionId);
    throw e;
  }
}

/** The stored object read once: hashed, and streamed to the malware scanner when scanning is on. */
async function readStored(d: UploadDeps, store: BlobStore, key: string, versionId: string | null, size: number) {
  const hasher = new HashingStream({ sha1: true, offload: offloadHashing(size) });
  const tap = scanTapFor(d.scanning);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  await pipeline([await store.get(key, versionId), hasher, ...(tap ? [tap] : []), sink]);
  const h = hasher.digests();
  return { digests: { sha256: h.sha256, sha1: h.sha1 }, size: h.size, verdict: tap?.verdict ?? null };
}

/** A composed upload's commit failed for good: refused (4xx), or its stored bytes are not the ones received. */
export const isFinal = (e: unknown): boolean => isAppError(e) && (e.status < 500 || e.code === 'integrity_failure');
