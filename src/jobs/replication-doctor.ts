import type { Sql } from '../db/sql.ts';
import { newestVersionsInStore } from '../documents/repository.ts';
import type { BlobStore, StoreCheck } from '../domain/ports.ts';

/**
 * `doctor`'s replication-lag finding, where the store lets it be read: S3 (AWS CRR, MinIO) reports each object
 * version's replication status, so the oldest recent version still PENDING gives the lag, and a FAILED one fails the
 * check. Other stores say where to look instead (SeaweedFS filer.sync, Azure object replication / GRS Last Sync Time).
 */
export async function replicationChecks(store: BlobStore, sql: Sql, sample = 20): Promise<StoreCheck[]> {
  const s3 = store as BlobStore & { replicationStatus?: (key: string, versionId: string | null) => Promise<string | null> };
  if (store.kind !== 's3' || !s3.replicationStatus) {
    const where = store.kind === 'azure' ? 'Azure: `az storage account show --expand geoReplicationStats` (Last Sync Time) or the object replication policy status' : 'fs: replicate the directory (or its disk) yourself';
    return [{ name: 'blob.replication', ok: true, detail: `replication lag is not readable through this store's API; ${where} (docs/blob-stores.md: Replicating the blob store)` }];
  }
  const rows = await newestVersionsInStore(sql, 's3', sample);
  if (!rows.length) return [{ name: 'blob.replication', ok: true, detail: 'no document versions yet to read a replication status from' }];
  const statuses: ReplicationSample[] = [];
  for (const r of rows) {
    const status = await s3.replicationStatus(r.blobKey, r.blobVersionId).catch(() => undefined);
    if (status !== undefined) statuses.push({ status, at: r.createdAt, key: r.blobKey }); // unreadable (another bucket): skipped
  }
  return [summarizeReplication(statuses)];
}

export interface ReplicationSample {
  status: string | null;
  at: Date;
  key: string;
}

/** The finding from the newest versions' replication statuses: FAILED fails; the oldest PENDING one is the lag. */
export function summarizeReplication(statuses: ReplicationSample[], now = Date.now()): StoreCheck {
  if (!statuses.length || statuses.every((x) => x.status === null))
    return { name: 'blob.replication', ok: true, detail: 'the bucket reports no replication status (no replication rule, or SeaweedFS filer.sync, whose lag shows in its own logs): see docs/blob-stores.md, Replicating the blob store' };
  const failed = statuses.filter((x) => x.status === 'FAILED');
  const pending = statuses.filter((x) => x.status === 'PENDING');
  const lagS = pending.length ? Math.round((now - Math.min(...pending.map((p) => p.at.getTime()))) / 1000) : 0;
  if (failed.length)
    return { name: 'blob.replication', ok: false, detail: `${failed.length} of the ${statuses.length} newest versions FAILED to replicate (e.g. ${failed[0]!.key})`, fix: "check the replication rule, the target bucket (versioning on) and the replication role's permissions" };
  return { name: 'blob.replication', ok: true, detail: `${statuses.length - pending.length} of the ${statuses.length} newest versions replicated${pending.length ? `; ${pending.length} pending, the oldest for ${lagS} s (the replication lag)` : ' (lag 0)'}` };
}
