import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { DocumentService } from '../documents/service.ts';

/** What resumable uploads are built with (bootstrap.ts); each step takes the part it needs. */
export interface ResumableUploadsOptions {
  sql: Sql;
  blobs: BlobStores;
  documents: DocumentService;
  log: Logger;
  valueSet: DocumentValueSet;
  allowedContentTypes: string[];
  maxUploadBytes: number;
  expiryHours: number;
  /** QUILL_MAX_OPEN_UPLOADS: uploads one user may have receiving at once. */
  maxOpenUploads: number;
  /** QUILL_TUS_MIN_PATCH_BYTES: the fewest bytes a PATCH may carry unless it ends the upload. */
  minPatchBytes: number;
}
