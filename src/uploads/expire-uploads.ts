import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { LOCKS, withAdvisoryLock } from '../db/advisory-lock.ts';
import type { Sql } from '../db/sql.ts';
import type { BlobStore, BlobStores } from '../domain/ports.ts';
import * as repo from './repository.ts';
import { forgetCarried } from './carried-hash.ts';
import { removeUploadObjects } from './upload-parts.ts';

type Expired = { expired: number; partsRemoved: number; errors: string[] };

/** Marks the uploads of one store past their expiry as expired and removes their objects. Used by `reconcile`. */
export async function expireUploads(sql: Sql, store: BlobStore, log: Logger): Promise<Expired> {
  const out: Expired = { expired: 0, partsRemoved: 0, errors: [] };
  for (const u of await repo.expiredUploads(sql, store.kind)) {
    try {
      if (!(await repo.finishUpload(sql, u.id, { state: 'expired' }))) continue;
      forgetCarried(u.id, u.offset);
      // the unfinished object is given up (S3: its multipart upload aborted); one finished for a commit that never
      // came is an orphan under its key, which reconcile removes
      if (u.compose && !u.finished) await store.composer.abandon(u.compose);
      out.partsRemoved += await removeUploadObjects(store, u.id);
      out.expired++;
      log.info({ upload: u.id, received: u.offset, length: u.length }, 'expired resumable upload removed');
    } catch (e) {
      out.errors.push(`upload ${u.id}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** The background expiry's period: a quarter of QUILL_UPLOAD_EXPIRY_HOURS, between 1 s and 5 minutes. */
export const expiryPeriodMs = (expiryHours: number): number => Math.min(5 * 60_000, Math.max(1000, (expiryHours * 3_600_000) / 4));

/**
 * Expires abandoned uploads inside the service, in every store that holds some, so their parts do not wait for the
 * next `reconcile` (issue 25). One instance at a time: each round takes the expire-uploads advisory lock, and an
 * instance that finds it held skips the round. Stopped by the returned function.
 */
export function startUploadExpiry(sql: Sql, blobs: BlobStores, log: Logger, expiryHours: number): { stop(): Promise<void> } {
  const stopper = new AbortController();
  const period = expiryPeriodMs(expiryHours);
  const round = async () => {
    const done = await withAdvisoryLock(sql, LOCKS.expireUploads, async () => {
      let expired = 0;
      for (const kind of await repo.storesWithExpiredUploads(sql)) {
        const r = await expireUploads(sql, await blobs.of(kind), log);
        expired += r.expired;
        for (const e of r.errors) log.warn({ store: kind, error: e }, 'could not expire a resumable upload; the next round retries');
      }
      return expired;
    });
    if (done.ran && done.value) log.info({ expired: done.value }, 'expired abandoned resumable uploads');
  };
  const loop = (async () => {
    while (!stopper.signal.aborted) {
      try {
        await sleep(period, undefined, { signal: stopper.signal });
        await round();
      } catch (e) {
        if (stopper.signal.aborted) return;
        log.warn({ err: e }, 'background expiry of resumable uploads failed; retrying next round');
      }
    }
  })();
  return {
    stop: async () => {
      stopper.abort();
      await loop;
    },
  };
}
