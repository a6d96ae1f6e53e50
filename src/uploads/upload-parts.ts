import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../domain/ports.ts';
import type { ResumableUploadsOptions } from './options.ts';
import type { ResumableUpload, UploadPart } from './repository.ts';

/**
 * An upload's parts in its blob store: one object per accepted PATCH under `uploads/<id>/`, named by the offset it
 * starts at; read back in order for the commit, and removed when the upload ends.
 */

type Stores = Pick<ResumableUploadsOptions, 'blobs' | 'log'>;

/** The key of a new part starting at the upload's current offset (unique, so a retried PATCH never overwrites). */
export function partKey(upload: ResumableUpload): string {
  return `uploads/${upload.id}/${String(upload.offset).padStart(16, '0')}-${randomUUID()}`;
}

/** The parts' bytes in offset order, as one stream. */
export async function* readParts(store: BlobStore, parts: UploadPart[]): AsyncGenerator<Buffer> {
  for (const part of [...parts].sort((a, b) => a.offset - b.offset)) {
    for await (const chunk of await store.get(part.key, part.versionId)) yield chunk as Buffer;
  }
}

/** Removes every object under the upload's prefix; returns how many. */
export async function removeUploadObjects(store: BlobStore, uploadId: string): Promise<number> {
  let n = 0;
  for await (const obj of store.list(`uploads/${uploadId}/`)) {
    await store.delete(obj.key, obj.versionId);
    n++;
  }
  return n;
}

/** Removes one part that will not count; a failure is logged and left to `reconcile`. */
export async function discardPart(o: Stores, upload: ResumableUpload, part: UploadPart): Promise<void> {
  try {
    await (await o.blobs.of(upload.blobStore)).delete(part.key, part.versionId);
  } catch (e) {
    o.log.warn({ err: e, key: part.key }, 'could not remove an upload part; reconcile will');
  }
}

/** Every object under the upload's prefix, listed ones or not (a crashed request may have left one). */
export async function discardParts(o: Stores, upload: ResumableUpload): Promise<void> {
  try {
    await removeUploadObjects(await o.blobs.of(upload.blobStore), upload.id);
  } catch (e) {
    o.log.warn({ err: e, upload: upload.id }, 'could not remove upload parts; reconcile will');
  }
}
