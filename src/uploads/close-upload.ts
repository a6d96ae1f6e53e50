import type { ResumableUploadsOptions } from './options.ts';
import * as repo from './repository.ts';
import type { ResumableUpload } from './repository.ts';
import { discardUploadObjects } from './upload-parts.ts';

/** Ends an upload (committed, or failed beyond any resume) and removes its working objects. */
export async function closeUpload(o: Pick<ResumableUploadsOptions, 'sql' | 'blobs' | 'log'>, upload: ResumableUpload, end: Parameters<typeof repo.finishUpload>[2]): Promise<void> {
  await repo.finishUpload(o.sql, upload.id, end);
  await discardUploadObjects(o, upload);
}
