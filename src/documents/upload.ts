import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import { documentBlobKey } from '../domain/blob-keys.ts';
import type { DocumentVersion } from '../domain/document.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { BlobStore } from '../domain/ports.ts';
import type { Principal } from '../domain/principal.ts';
import { faultPoint } from './fault-points.ts';
import { HashingStream, offloadHashing } from './hashing-stream.ts';
import { cleanFilename } from './metadata.ts';
import * as repo from './repository.ts';
import { TypeSniffer } from './type-sniffer.ts';
import { runUploadPipeline } from './upload-pipeline.ts';
import { applyVerdict, NOT_SCANNED, scanTapFor, type UploadScanning } from './upload-scan.ts';

export interface UploadInput {
  body: Readable;
  /** null when the client did not declare a type (or declared application/octet-stream). */
  declaredType: string | null;
  filename: string | null;
  expectedSha256: Buffer | null;
  /** The body's declared length (Content-Length; for a form, the whole form's): large or unknown ones hash off-thread. */
  sizeHint?: number | null | undefined;
  /** A resumable upload's commit: its id keys the commit (one version per upload, however often it is retried). */
  resumableUploadId?: string | null | undefined;
}

export interface UploadDeps {
  sql: Sql;
  store: BlobStore;
  log: Logger;
  allowedContentTypes: string[];
  maxUploadBytes: number;
  /** Malware scanning (null: QUILL_CLAMD_URL unset, versions recorded not-scanned). */
  scanning: UploadScanning | null;
}

/** Bytes that are in the store under a fresh key, checked, with their intent still pending until the commit. */
export interface StoredBytes {
  intentId: string;
  version: Omit<DocumentVersion, 'createdAt' | 'version'>;
}

/**
 * Steps 1 and 2 of the upload protocol: record an intent naming a fresh key, then stream the bytes to it through the
 * size limit, SHA-256/SHA-1 hashing, the magic-byte type check and the malware scanner, in one pass. The scanner's
 * verdict is awaited before returning (so before the commit). Anything refused is removed again.
 */
export async function storeBytes(d: UploadDeps, p: Principal, documentId: string, input: UploadInput, retainUntil: Date | null = null): Promise<StoredBytes> {
  const intentId = randomUUID();
  const blobKey = documentBlobKey(documentId, intentId);
  const store = d.store;
  await repo.insertIntent(d.sql, { id: intentId, documentId, blobStore: store.kind, blobKey, createdBy: p.sub, resumableUploadId: input.resumableUploadId ?? null });
  faultPoint('after-intent');
  const hasher = new HashingStream({ sha1: true, maxBytes: d.maxUploadBytes, offload: offloadHashing(input.sizeHint) });
  const sniffer = new TypeSniffer(d.allowedContentTypes, input.declaredType);
  const tap = scanTapFor(d.scanning);
  const opts = { contentType: input.declaredType ?? 'application/octet-stream', expectedSha256: input.expectedSha256 ?? undefined, retainUntil: retainUntil ?? undefined };
  // The source feeds the size/hash and type checks, whose output is what the store reads: one pass over the bytes.
  // Wait for both sides so a failed upload is fully cleaned up (temp file, multipart upload) before answering.
  const { checked: piped, stored, sourceFailure } = await runUploadPipeline(input.body, tap ? [hasher, sniffer, tap] : [hasher, sniffer], (body) => store.put(blobKey, body, opts));
  if (piped.status === 'rejected' || stored.status === 'rejected') {
    await repo.finishIntent(d.sql, intentId, 'aborted').catch(() => undefined);
    // The cause, in order: a check's refusal (too large, wrong type: the checks fail first), the client going away
    // (the store then sees its input fail, which is not the store's fault), the store's own failure.
    const checkError = piped.status === 'rejected' ? piped.reason : null;
    const storeError = stored.status === 'rejected' ? stored.reason : null;
    throw toUploadError(isAppError(checkError) ? checkError : (sourceFailure ?? storeError ?? checkError));
  }
  const put = stored.value;
  if (!sniffer.detected) throw new AppError('empty_body');
  const digests = hasher.digests();
  if (digests.size === 0) {
    await discard(d, intentId, blobKey, put.versionId);
    throw new AppError('empty_body');
  }
  const filename = cleanFilename(input.filename);
  let scan = NOT_SCANNED;
  if (tap && d.scanning) {
    try {
      scan = applyVerdict(d.scanning, await tap.verdict, { filename, sha256: digests.sha256, size: digests.size }, d.log);
    } catch (e) {
      await discard(d, intentId, blobKey, put.versionId);
      throw e;
    }
  }
  if (input.expectedSha256 && input.expectedSha256.toString('hex') !== digests.sha256) {
    await discard(d, intentId, blobKey, put.versionId);
    throw new AppError('digest_mismatch', 'the sha-256 digest you sent does not match the bytes received', { received: digests.sha256 });
  }
  if (put.storeSha256 && put.storeSha256 !== digests.sha256) {
    await discard(d, intentId, blobKey, put.versionId);
    throw new AppError('integrity_failure', 'the blob store computed a different SHA-256 for the bytes it stored');
  }
  faultPoint('after-blob');
  return {
    intentId,
    version: {
      documentId,
      blobStore: store.kind,
      blobKey,
      blobVersionId: put.versionId,
      contentType: sniffer.detected,
      size: digests.size,
      sha256: digests.sha256,
      sha1: digests.sha1,
      filename,
      createdBy: p.sub,
      ...scan,
    },
  };
}

/**
 * Removal of bytes the metadata will never point at, after a refusal or a failed commit. Whether a commit failed is
 * decided by the intent, not by the error: a commit whose answer was lost (a failover cut the connection after the
 * server committed) has moved its intent to committed, and its bytes are a version's. So the intent is moved to
 * aborted first, only while pending, and the bytes removed only then. When the database cannot be asked (the same
 * outage), nothing is removed: `reconcile` decides later, by the same intent. Best effort: reconcile catches the rest.
 */
export async function discard(d: Pick<UploadDeps, 'sql' | 'store' | 'log'>, intentId: string, key: string, versionId: string | null): Promise<void> {
  try {
    if (!(await repo.finishIntent(d.sql, intentId, 'aborted'))) {
      d.log.info({ key }, 'the commit of this upload went through after all (its intent is not pending): its bytes are kept');
      return;
    }
    await d.store.delete(key, versionId);
    await repo.deleteIntent(d.sql, intentId);
  } catch (e) {
    d.log.warn({ err: e, key }, 'could not remove discarded upload; reconcile will');
  }
}

function toUploadError(e: unknown): unknown {
  if (isAppError(e)) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ABORT_ERR') return new AppError('upload_aborted', undefined, {}, { cause: e });
  const inner = (e as { cause?: unknown })?.cause;
  if (isAppError(inner)) return inner;
  return e;
}
