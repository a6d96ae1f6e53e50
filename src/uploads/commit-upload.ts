import { Readable } from 'node:stream';
import type { DocumentWithVersion } from '../domain/document.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { closeUpload } from './close-upload.ts';
import type { ResumableUploadsOptions } from './options.ts';
import * as repo from './repository.ts';
import type { ResumableUpload } from './repository.ts';
import { declaredType, toNewMetadata } from './upload-metadata.ts';
import { readParts } from './upload-parts.ts';

/** How long a claimed commit may run before another request may take it over. */
const COMMIT_STALE_SECONDS = 3600;

/**
 * The last byte is in: the parts are read back in order as one stream into DocumentService.create / addVersion,
 * which hashes (SHA-256 and SHA-1), re-checks type and size, writes the final object under a fresh key with an
 * upload intent, and commits metadata, version, audit, built-in FHIR index and outbox in one transaction. Then the
 * parts are removed.
 *
 * Whole-file SHA-256 across requests and restarts: Node's crypto hash state cannot be serialised, so instead of
 * carrying a hash state between requests the commit re-reads the stored parts and hashes them in the one pass that
 * writes the document's object. The cost is one extra read of the parts, which the commit needs anyway to write a
 * single object; the gain is that no state outside PostgreSQL and the store exists, and the digest is computed over
 * the bytes actually kept, by the same code as every other upload.
 */
export async function commitUpload(o: Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log' | 'documents'>, ctx: RequestContext, upload: ResumableUpload): Promise<DocumentWithVersion> {
  if (!(await repo.claimCommit(o.sql, upload.id, COMMIT_STALE_SECONDS))) {
    throw new AppError('upload_offset_conflict', 'this upload is being committed by another request');
  }
  // a commit whose answer was lost (a failover cut it after the server committed) went through: its intent says so
  const already = await o.documents.committedUpload(upload.id);
  if (already) return closeCommitted(o, upload, already);
  const store = await o.blobs.of(upload.blobStore);
  const meta = upload.metadata;
  const input = {
    body: Readable.from(readParts(store, upload.parts)),
    declaredType: declaredType(meta.filetype),
    filename: meta.filename ?? null,
    expectedSha256: meta.sha256 ? Buffer.from(meta.sha256, 'hex') : null,
    sizeHint: upload.length,
    resumableUploadId: upload.id,
  };
  let result: DocumentWithVersion;
  try {
    result = upload.targetDocumentId ? await o.documents.addVersion(ctx, upload.targetDocumentId, input) : await o.documents.create(ctx, toNewMetadata(meta), input);
  } catch (e) {
    // the outcome of a cut commit is its intent's: committed (by this request or one racing it) is a success
    const committed = await o.documents.committedUpload(upload.id).catch(() => null);
    if (committed) return closeCommitted(o, upload, committed);
    if (isAppError(e) && e.status < 500) {
      // digest mismatch, wrong type, no longer permitted…: final. The parts go; the refusal is already audited.
      await closeUpload(o, upload, { state: 'failed', errorCode: e.code });
    } else {
      // storage or database trouble: keep the parts, so an empty PATCH at the full offset retries the commit
      await repo.releaseCommit(o.sql, upload.id).catch(() => undefined);
    }
    throw e;
  }
  return closeCommitted(o, upload, result);
}

async function closeCommitted(o: Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log'>, upload: ResumableUpload, result: DocumentWithVersion): Promise<DocumentWithVersion> {
  await closeUpload(o, upload, { state: 'committed', documentId: result.document.id, documentVersion: result.version.version });
  return result;
}
