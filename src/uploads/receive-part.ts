import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, isAppError } from '../domain/errors.ts';
import type { ComposeState } from '../domain/ports.ts';
import { SAMPLE_BYTES, TypeSniffer } from '../documents/type-sniffer.ts';
import { CarriedHash } from './carried-hash.ts';
import { closeUpload } from './close-upload.ts';
import type { ResumableUploadsOptions } from './options.ts';
import { PartCounter } from './part-counter.ts';
import type { ResumableUpload } from './repository.ts';
import { feed } from './request-body.ts';
import type { ChecksumAlgorithm } from './tus-headers.ts';
import { declaredType } from './upload-metadata.ts';
import { dropHoldings } from './upload-parts.ts';

export interface AppendInput {
  offset: number;
  contentType: string | undefined;
  checksum: { algorithm: ChecksumAlgorithm; digest: Buffer } | null;
  /** The request body: an http.IncomingMessage, read here so a dropped connection keeps what arrived. */
  body: Readable & { complete?: boolean };
}

/** A run of bytes appended to the upload's object, not yet counted. */
export interface Received {
  /** The object's state after them. */
  compose: ComposeState;
  /** How many bytes this request added. */
  size: number;
  /** Recognised on the file's first bytes (a run starting at 0). */
  contentType: string | null;
}

/**
 * Streams one PATCH's bytes onto the end of the upload's object in the store (BlobComposer: fs appends to one file,
 * S3 uploads parts of one multipart upload, Azure stages blocks; flat memory), checking on the way that they fit the
 * upload, that the first bytes are an accepted type and the request's Upload-Checksum, and carrying the file's SHA-256
 * and SHA-1 (carried-hash.ts). Null when nothing was received. The bytes count only once the caller records the new
 * state in the upload's row; until then (and if it never does) the state the row holds stays valid.
 */
export async function receivePart(
  o: Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log' | 'allowedContentTypes' | 'minPatchBytes'>,
  upload: ResumableUpload,
  state: ComposeState,
  input: Pick<AppendInput, 'body' | 'checksum'>,
): Promise<Received | null> {
  const store = await o.blobs.of(upload.blobStore);
  const counter = new PartCounter(upload.length - state.size, input.checksum?.algorithm ?? null);
  // The first bytes of the file: refuse a wrong type now rather than after the whole file has arrived.
  const sniffer = state.size === 0 ? new TypeSniffer(o.allowedContentTypes, declaredType(upload.metadata.filetype)) : null;
  const hash = new CarriedHash(upload.id, state.size);
  feed(input.body, counter, { keepPartial: !input.checksum });
  // A store that gives up (often before reading a byte) must not leave the checks waiting for a reader: destroy
  // what it was reading, which fails the checks' pipeline and lets feed() drain the request (issue 8).
  const appended = store.composer.append(state, hash).catch((e: unknown) => {
    if (!hash.destroyed) hash.destroy();
    throw e;
  });
  const [piped, stored] = await Promise.allSettled([pipeline(sniffer ? [counter, sniffer, hash] : [counter, hash]), appended]);
  if (piped.status === 'rejected' || stored.status === 'rejected') {
    hash.forget();
    // the checks' own refusal first; else the store's error (the checks then only saw their stream destroyed)
    const e = piped.status === 'rejected' && (isAppError(piped.reason) || stored.status !== 'rejected') ? piped.reason : (stored as PromiseRejectedResult).reason;
    const err = isAppError(e) ? e : isAppError((e as { cause?: unknown })?.cause) ? ((e as { cause: AppError }).cause) : null;
    if (err && (err.code === 'unsupported_media_type' || err.code === 'content_type_mismatch')) {
      if (sniffer?.shortSample && state.size + counter.size < upload.length) {
        // judged on the few bytes of a PATCH that did not end the file: too little to tell, not a wrong file
        throw new AppError('upload_patch_too_small', `the first PATCH must carry at least the file's first ${SAMPLE_BYTES} bytes: its type is checked on them`, {
          minPatchSize: Math.max(o.minPatchBytes, SAMPLE_BYTES),
        });
      }
      // The file itself is wrong: no resume can fix it.
      await closeUpload(o, { ...upload, compose: state }, { state: 'failed', errorCode: err.code });
    }
    throw err ?? e;
  }
  const next = stored.value;
  const dropped = async () => {
    hash.forget();
    await dropHoldings(o, store, next, state);
  };
  if (counter.size === 0) {
    await dropped();
    return null;
  }
  if (input.checksum && !counter.digest()!.equals(input.checksum.digest)) {
    await dropped();
    throw new AppError('checksum_mismatch', `the ${input.checksum.algorithm} of this request's bytes does not match Upload-Checksum`);
  }
  return { compose: next, size: counter.size, contentType: sniffer?.detected ?? null };
}
