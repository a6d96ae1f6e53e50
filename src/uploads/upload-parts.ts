import type { BlobStore, ComposeState } from '../domain/ports.ts';
import { forgetCarried } from './carried-hash.ts';
import type { ResumableUploadsOptions } from './options.ts';
import type { ResumableUpload, UploadPart } from './repository.ts';

/**
 * An upload's working objects in its blob store, all under `uploads/<id>/`: what the store keeps while it puts the
 * object together (ComposeState.holds: fs's growing file and its tail, S3's bytes waiting to fill a part), and the
 * parts of an upload started before migration 019 (one object per PATCH). Removed when the upload ends; leftovers of
 * a state never recorded are removed at once.
 */

type Stores = Pick<ResumableUploadsOptions, 'blobs' | 'log'>;

export const uploadPrefix = (uploadId: string): string => `uploads/${uploadId}/`;

/** A legacy upload's parts' bytes in offset order, as one stream. */
export async function* readParts(store: BlobStore, parts: UploadPart[]): AsyncGenerator<Buffer> {
  for (const part of [...parts].sort((a, b) => a.offset - b.offset)) {
    for await (const chunk of await store.get(part.key, part.versionId)) yield chunk as Buffer;
  }
}

/** Removes every object under the upload's prefix; returns how many. */
export async function removeUploadObjects(store: BlobStore, uploadId: string): Promise<number> {
  let n = 0;
  for await (const obj of store.list(uploadPrefix(uploadId))) {
    await store.delete(obj.key, obj.versionId);
    n++;
  }
  return n;
}

/** Removes the working objects `from` holds that `to` does not: after `to` was recorded, or instead of it. */
export async function dropHoldings(o: Stores, store: BlobStore, from: ComposeState | null, to: ComposeState | null): Promise<void> {
  const kept = new Set(to?.holds ?? []);
  for (const key of from?.holds ?? []) {
    if (kept.has(key)) continue;
    await store.delete(key, null).catch((e: unknown) => o.log.warn({ err: e, key }, 'could not remove an upload\'s working object; the upload\'s end or reconcile will'));
  }
}

/**
 * Everything the upload still has in its store: the unfinished object given up (S3 aborts its multipart upload), every
 * object under its prefix (listed or not: a crashed request may have left one), its carried hash state. Failures are
 * logged and left to expiry and `reconcile`.
 */
export async function discardUploadObjects(o: Stores, upload: ResumableUpload): Promise<void> {
  forgetCarried(upload.id, upload.offset);
  try {
    const store = await o.blobs.of(upload.blobStore);
    if (upload.compose && !upload.finished) await store.composer.abandon(upload.compose);
    await removeUploadObjects(store, upload.id);
  } catch (e) {
    o.log.warn({ err: e, upload: upload.id }, 'could not remove an upload\'s objects; reconcile will');
  }
}
