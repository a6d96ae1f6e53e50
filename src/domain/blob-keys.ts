/**
 * The object key of a document version's bytes, the same in every store: `documents/<fan>/<document id>/<upload id>`,
 * where <fan> is the first three hex digits of the document id (4,096 directories, random since ids are random UUIDs).
 * A key is recorded with its version (document_versions.blob_key) and never reused.
 *
 * The fan-out keeps the filesystem store's documents/ directory small: with one directory per document directly under
 * it, 10 million documents made one directory of 10 million entries (ext4's default htree stops near that size, and
 * every listing, backup and reconcile walks it); fanned out, each of the 4,096 holds about 2,400 at 10 million.
 * Keys written before the fan-out, `documents/<document id>/<upload id>`, stay what their versions record, and are read
 * as they are: nothing is renamed.
 */
const FAN = 3;

export function documentBlobKey(documentId: string, uploadId: string): string {
  return `documents/${documentId.slice(0, FAN)}/${documentId}/${uploadId}`;
}

/** A key of either shape this service writes for a document version (the fanned-out one, or the one from before). */
export const DOCUMENT_BLOB_KEY = /^documents\/(?:[0-9a-f]{3}\/)?[0-9a-f-]{36}\/[0-9a-f-]{36}$/;
