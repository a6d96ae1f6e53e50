/**
 * The object key of a document version's bytes, the same in every store: `documents/<fan>/<document id>_<upload id>`,
 * where <fan> is the first three hex digits of the document id (4,096 directories, evenly filled since ids are random
 * UUIDs). A key is recorded with its version (document_versions.blob_key) and never reused.
 *
 * For the filesystem store the key is the file's path: one file per version in one of 4,096 directories (about 2,400
 * each at 10 million versions). Before, every document had a directory of its own directly under documents/: 10 million
 * documents made one directory of 10 million entries (ext4's default htree stops near that size, and every listing,
 * backup and reconcile walks it) plus 10 million directories, each an inode, a 4 KiB block and a mkdir on its upload.
 * Keys written before, `documents/<document id>/<upload id>`, stay what their versions record and are read as they
 * are: nothing is renamed.
 */
const FAN = 3;

export function documentBlobKey(documentId: string, uploadId: string): string {
  return `documents/${documentId.slice(0, FAN)}/${documentId}_${uploadId}`;
}

/** The upload id a key of either shape ends with: the id of the intent that wrote it (a resumable upload's one intent). */
export function uploadIdOfKey(key: string): string {
  return key.slice(-36);
}

/** A key of either shape this service writes for a document version (the fanned-out one, or the one from before). */
export const DOCUMENT_BLOB_KEY = /^documents\/(?:[0-9a-f]{3}\/[0-9a-f-]{36}_|[0-9a-f-]{36}\/)[0-9a-f-]{36}$/;
