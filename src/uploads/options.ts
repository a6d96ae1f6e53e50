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
}
