import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStores } from '../domain/ports.ts';
import { systemContext } from '../domain/principal.ts';
import { runDisposals, type RemoteRemover } from '../retention/disposal.ts';
import { documentsWithStoreRetentionDrift } from '../documents/repository.ts';
import { syncStoreRetention } from '../retention/store-retention.ts';

export interface RetentionReconcileReport {
  /** Documents stored before retention existed, given their class and retainUntil now. */
  retentionComputed: number;
  /** Approved disposals a crash interrupted, finished now (document ids). */
  disposalsFinished: string[];
  disposalsFailed: { documentId: string; error: string }[];
  /** Documents whose Object Lock date or legal hold in the store was brought in step with the database. */
  locksExtended: number;
  legalHoldsChanged: number;
  lockErrors: { documentId: string; error: string }[];
}

/**
 * The records-governance part of `reconcile`: finishes approved disposals that a crash interrupted (each step is
 * idempotent, see retention/disposal.ts) and re-applies Object Lock dates and legal holds that a crash after a
 * commit left unapplied. Runs before the orphan scan, so a half-disposed document's bytes are never reported missing.
 */
export async function reconcileRetention(sql: Sql, blobs: BlobStores, log: Logger, removeRemote: RemoteRemover, backfill: () => Promise<number> = async () => 0): Promise<RetentionReconcileReport> {
  const ctx = systemContext('reconcile');
  const retentionComputed = await backfill();
  const run = await runDisposals({ sql, log, blobs, removeRemote }, ctx);
  const sync = await syncStoreRetention({ sql, blobs, log }, await documentsWithStoreRetentionDrift(sql));
  return { retentionComputed, disposalsFinished: run.destroyed, disposalsFailed: run.failed, locksExtended: sync.locked, legalHoldsChanged: sync.holdsChanged, lockErrors: sync.errors };
}
