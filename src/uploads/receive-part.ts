import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, isAppError } from '../domain/errors.ts';
import { SAMPLE_BYTES, TypeSniffer } from '../documents/type-sniffer.ts';
import { closeUpload } from './close-upload.ts';
import type { ResumableUploadsOptions } from './options.ts';
import { PartCounter } from './part-counter.ts';
import type { ResumableUpload, UploadPart } from './repository.ts';
import { feed } from './request-body.ts';
import type { ChecksumAlgorithm } from './tus-headers.ts';
import { declaredType } from './upload-metadata.ts';
import { discardPart, partKey } from './upload-parts.ts';

export interface AppendInput {
  offset: number;
  contentType: string | undefined;
  checksum: { algorithm: ChecksumAlgorithm; digest: Buffer } | null;
  /** The request body: an http.IncomingMessage, read here so a dropped connection keeps what arrived. */
  body: Readable & { complete?: boolean };
}

/**
 * Streams one PATCH's bytes into a new part object at the upload's offset (flat memory: fs writes a temp file and
 * renames, S3 a multipart upload, Azure staged blocks), checking on the way that they fit the upload, that the first
 * bytes are an accepted type, and the request's Upload-Checksum. Null when nothing was kept. The part counts only
 * once the caller records it in the upload's row.
 */
export async function receivePart(o: Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log' | 'allowedContentTypes' | 'minPatchBytes'>, upload: ResumableUpload, input: AppendInput): Promise<UploadPart | null> {
  const store = await o.blobs.of(upload.blobStore);
  const key = partKey(upload);
  const counter = new PartCounter(upload.length - upload.offset, input.checksum?.algorithm ?? null);
  // The first bytes of the file: refuse a wrong type now rather than after the whole file has arrived.
  const sniffer = upload.offset === 0 ? new TypeSniffer(o.allowedContentTypes, declaredType(upload.metadata.filetype)) : null;
  feed(input.body, counter, { keepPartial: !input.checksum });
  const source = sniffer ?? counter;
  // A store that gives up (often before reading a byte) must not leave the checks waiting for a reader: destroy
  // what it was reading, which fails the checks' pipeline and lets feed() drain the request (issue 8).
  const put = store.put(key, source, { contentType: 'application/octet-stream' }).catch((e: unknown) => {
    if (!source.destroyed) source.destroy();
    throw e;
  });
  const [piped, stored] = await Promise.allSettled([sniffer ? pipeline(counter, sniffer) : Promise.resolve(), put]);
  if (piped.status === 'rejected' || stored.status === 'rejected') {
    // the checks' own refusal first; else the store's error (the checks then only saw their stream destroyed)
    const e = piped.status === 'rejected' && (isAppError(piped.reason) || stored.status !== 'rejected') ? piped.reason : (stored as PromiseRejectedResult).reason;
    const err = isAppError(e) ? e : isAppError((e as { cause?: unknown })?.cause) ? ((e as { cause: AppError }).cause) : null;
    if (err && (err.code === 'unsupported_media_type' || err.code === 'content_type_mismatch')) {
      if (sniffer?.shortSample && upload.offset + counter.size < upload.length) {
        // judged on the few bytes of a PATCH that did not end the file: too little to tell, not a wrong file
        throw new AppError('upload_patch_too_small', `the first PATCH must carry at least the file's first ${SAMPLE_BYTES} bytes: its type is checked on them`, {
          minPatchSize: Math.max(o.minPatchBytes, SAMPLE_BYTES),
        });
      }
      // The file itself is wrong: no resume can fix it.
      await closeUpload(o, upload, { state: 'failed', errorCode: err.code });
    }
    throw err ?? e;
  }
  const part: UploadPart = { key, versionId: stored.value.versionId, offset: upload.offset, size: counter.size };
  if (counter.size === 0) {
    await discardPart(o, upload, part);
    return null;
  }
  if (input.checksum && !counter.digest()!.equals(input.checksum.digest)) {
    await discardPart(o, upload, part);
    throw new AppError('checksum_mismatch', `the ${input.checksum.algorithm} of this request's bytes does not match Upload-Checksum`);
  }
  return part;
}
