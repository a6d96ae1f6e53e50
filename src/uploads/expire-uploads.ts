import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStore } from '../domain/ports.ts';
import * as repo from './repository.ts';
import { removeUploadObjects } from './upload-parts.ts';

/** Marks uploads past their expiry as expired and removes their parts. Used by `reconcile`. */
export async function expireUploads(sql: Sql, store: BlobStore, log: Logger): Promise<{ expired: number; partsRemoved: number; errors: string[] }> {
  const out = { expired: 0, partsRemoved: 0, errors: [] as string[] };
  for (const u of await repo.expiredUploads(sql, store.kind)) {
    try {
      if (!(await repo.finishUpload(sql, u.id, { state: 'expired' }))) continue;
      out.partsRemoved += await removeUploadObjects(store, u.id);
      out.expired++;
      log.info({ upload: u.id, received: u.offset, length: u.length }, 'expired resumable upload removed');
    } catch (e) {
      out.errors.push(`upload ${u.id}: ${(e as Error).message}`);
    }
  }
  return out;
}
