import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { DocumentVersion } from '../domain/document.ts';
import type { BlobStores } from '../domain/ports.ts';
import * as docs from '../documents/repository.ts';

/**
 * Keeps what the blob store enforces in step with the database: every stored version of a document is locked (S3
 * Object Lock, Azure immutability) until at least its retention date, and carries a legal hold while any hold covers
 * the document. Runs after the transaction that changed retention or holds, and from `reconcile`; the database
 * records what has been applied (object_lock_until, object_legal_hold), so a crash in between is repaired by a re-run.
 */

/** The instant a lock for "keep through `day`" ends: the start of the next day (UTC); null when already past. */
export function lockDateOf(day: string): Date | null {
  const end = new Date(`${day}T00:00:00Z`);
  end.setUTCDate(end.getUTCDate() + 1);
  return end.getTime() > Date.now() ? end : null;
}

export interface SyncResult {
  locked: number;
  holdsChanged: number;
  errors: { documentId: string; error: string }[];
}

export async function syncStoreRetention(o: { sql: Sql; blobs: BlobStores; log: Logger }, documentIds: string[]): Promise<SyncResult> {
  const out: SyncResult = { locked: 0, holdsChanged: 0, errors: [] };
  for (const id of documentIds) {
    try {
      const row = await docs.retentionRow(o.sql, id);
      if (!row) continue;
      // read once and only when there is something to apply: this runs after every upload
      let located: DocumentVersion[] | null = null;
      const versionsOf = async () => (located ??= await docs.listVersions(o.sql, id));
      const target = row.retainUntil; // the date every version should be locked through
      const lockUntil = target ? lockDateOf(target) : null;
      if (target && lockUntil && (!row.objectLockUntil || target > row.objectLockUntil)) {
        let any = false;
        for (const v of await versionsOf()) {
          const store = await o.blobs.of(v.blobStore);
          if (!store.retention?.locksDocuments) continue;
          await store.retention.setRetainUntil(v.blobKey, v.blobVersionId, lockUntil);
          any = true;
        }
        if (any) {
          await docs.setObjectLockUntil(o.sql, id, target);
          out.locked++;
        }
      }
      if (row.onHold !== row.objectLegalHold) {
        for (const v of await versionsOf()) {
          const store = await o.blobs.of(v.blobStore);
          if (store.retention?.locksDocuments) await store.retention.setLegalHold(v.blobKey, v.blobVersionId, row.onHold);
        }
        // in step now (a store without legal hold has nothing to mirror)
        await docs.setObjectLegalHold(o.sql, id, row.onHold);
        out.holdsChanged++;
      }
    } catch (e) {
      o.log.warn({ err: e, documentId: id }, 'could not bring the store-enforced retention in step');
      out.errors.push({ documentId: id, error: (e as Error).message });
    }
  }
  return out;
}

/**
 * After a commit that may have raised retention or changed holds: brings the stored objects' locks in step, in the
 * background (a failure is logged; reconcile retries). A new version of a held document must be held too: newVersion
 * marks the store out of step first, so the sync re-applies the hold.
 */
export function syncAfterCommit(o: { sql: Sql; blobs: BlobStores; log: Logger }, documentIds: string[], opts: { newVersion?: boolean } = {}): void {
  if (!documentIds.length) return;
  setImmediate(() => {
    (async () => {
      if (opts.newVersion) await docs.markLegalHoldUnapplied(o.sql, documentIds);
      await syncStoreRetention(o, documentIds);
    })().catch((e) => o.log.warn({ err: e }, 'object lock sync failed; reconcile will retry'));
  });
}
