import { uploadIdOfKey } from '../domain/blob-keys.ts';
import type { DocumentWithVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { isFinal } from '../documents/composed-upload.ts';
import type { ComposedInput } from '../documents/service.ts';
import { carriedDigests } from './carried-hash.ts';
import { closeUpload } from './close-upload.ts';
import type { ResumableUploadsOptions } from './options.ts';
import * as repo from './repository.ts';
import type { ResumableUpload } from './repository.ts';
import { toNewMetadata } from './upload-metadata.ts';

/** How long a claimed commit may run before another request may take it over. */
const COMMIT_STALE_SECONDS = 3600;

/**
 * The last byte is in: the object the store put together from the PATCHes becomes the document's bytes where it is
 * (DocumentService.create / addVersion with a ComposedInput: intent, finish under the key, one transaction for
 * metadata, version, audit, built-in FHIR index and outbox). Nothing is copied, and nothing is read back unless the
 * hash carried across the PATCHes was lost or malware scanning is on (documents/composed-upload.ts). Then the working
 * objects are removed. The commit is keyed by the upload (migration 018: its one intent names it): a retry after an
 * answer a failover cut finds the version the first attempt made, and so does this request when its own commit
 * failed after the database committed it.
 */
export async function commitUpload(o: Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log' | 'documents'>, ctx: RequestContext, upload: ResumableUpload): Promise<DocumentWithVersion> {
  if (!upload.compose || !upload.blobKey || !upload.contentType) throw new AppError('internal_error', 'a received upload has no composed object');
  if (!(await repo.claimCommit(o.sql, upload.id, COMMIT_STALE_SECONDS))) {
    throw new AppError('upload_offset_conflict', 'this upload is being committed by another request');
  }
  // a commit whose answer was lost (a failover cut it after the server committed) went through: its intent says so
  const already = await o.documents.committedUpload(upload.id);
  if (already) return closeCommitted(o, upload, already);
  const store = await o.blobs.of(upload.blobStore);
  const compose = upload.compose;
  const meta = upload.metadata;
  let finished = upload.finished;
  const input: ComposedInput = {
    composed: {
      store,
      documentId: upload.targetDocumentId ?? upload.newDocumentId!,
      key: upload.blobKey,
      size: upload.length,
      contentType: upload.contentType,
      digests: await carriedDigests(upload.id, upload.length),
      // the key's own upload id, as every upload's intent is named (domain/blob-keys.ts)
      intentId: uploadIdOfKey(upload.blobKey),
      uploadId: upload.id,
      finished,
      finish: async () => {
        const put = await store.composer.finish(compose);
        finished = { versionId: put.versionId };
        await repo.recordFinished(o.sql, upload.id, finished);
        return put;
      },
    },
    filename: meta.filename ?? null,
    expectedSha256: meta.sha256 ? Buffer.from(meta.sha256, 'hex') : null,
  };
  let result: DocumentWithVersion;
  try {
    result = upload.targetDocumentId ? await o.documents.addVersion(ctx, upload.targetDocumentId, input) : await o.documents.create(ctx, toNewMetadata(meta), input);
  } catch (e) {
    // the outcome of a cut commit is its intent's: committed (by this request or one racing it) is a success
    const committed = await o.documents.committedUpload(upload.id).catch(() => null);
    if (committed) return closeCommitted(o, upload, committed);
    if (isFinal(e)) {
      // digest mismatch, wrong type, malware, no longer permitted, bytes changed in the store…: final. The bytes
      // and working objects go; the refusal is already audited.
      await closeUpload(o, { ...upload, finished }, { state: 'failed', errorCode: (e as AppError).code });
    } else {
      // storage or database trouble: keep everything, so an empty PATCH at the full offset retries the commit
      await repo.releaseCommit(o.sql, upload.id).catch(() => undefined);
    }
    throw e;
  }
  return closeCommitted(o, upload, result);
}

/** The upload became this version: closed, its working objects removed (the object itself is the version's now). */
async function closeCommitted(o: Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log'>, upload: ResumableUpload, result: DocumentWithVersion): Promise<DocumentWithVersion> {
  // the commit finished the object under its key, even when a cut kept that from being recorded: nothing to give up
  const finished = upload.finished ?? { versionId: result.version.blobVersionId };
  await closeUpload(o, { ...upload, finished }, { state: 'committed', documentId: result.document.id, documentVersion: result.version.version });
  return result;
}
