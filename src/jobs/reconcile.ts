import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStore } from '../domain/ports.ts';
import * as repo from '../documents/repository.ts';

export interface ReconcileReport {
  staleIntents: number;
  orphansRemoved: number;
  orphanBytes: number;
  missingBlobs: { documentId: string; version: number; key: string }[];
  errors: string[];
  /** Unreferenced objects kept because a point-in-time restore inside the backup window may point at them. */
  keptForRestore?: number;
}

/**
 * Repairs what a crash can leave behind. Metadata is written only after the bytes, so the only debris is bytes that
 * no version points at: from intents never committed, or (fs) temp files of interrupted uploads. Anything younger
 * than the grace period is left alone, since it may belong to an upload still in flight. It also reports any
 * version whose bytes are missing, which the protocol should make impossible.
 */
export async function reconcile(sql: Sql, store: BlobStore, log: Logger, opts: { graceSeconds: number; checkMissing?: boolean; keepUnreferencedSeconds?: number }): Promise<ReconcileReport> {
  const report: ReconcileReport = { staleIntents: 0, orphansRemoved: 0, orphanBytes: 0, missingBlobs: [], errors: [] };
  for (const intent of await repo.staleIntents(sql, opts.graceSeconds)) {
    if (intent.blobStore !== store.kind) continue;
    try {
      await store.delete(intent.blobKey, null);
      await repo.deleteIntent(sql, intent.id);
      report.staleIntents++;
    } catch (e) {
      report.errors.push(`intent ${intent.id}: ${(e as Error).message}`);
    }
  }
  const cutoff = Date.now() - opts.graceSeconds * 1000;
  // With backups on, a restore to any instant of the retention window may name an object no row names today.
  const keepAfter = Date.now() - (opts.keepUnreferencedSeconds ?? 0) * 1000;
  const present = new Set<string>();
  for await (const obj of store.list('')) {
    present.add(obj.key);
    if (obj.lastModified.getTime() > cutoff) continue;
    if (await repo.findVersionByBlobKey(sql, store.kind, obj.key)) continue;
    // Keys are unique per upload and migrate-blobs keeps them: a key a version holds in another store is either the
    // source copy of a migrated version (kept for point-in-time restores) or a copy an interrupted migration will adopt.
    if ((await sql`select 1 from document_versions where blob_store in ('fs', 's3', 'azure') and blob_key = ${obj.key} limit 1`).length) continue;
    if (obj.lastModified.getTime() > keepAfter) {
      report.keptForRestore = (report.keptForRestore ?? 0) + 1;
      continue;
    }
    try {
      await store.delete(obj.key, obj.versionId);
      report.orphansRemoved++;
      report.orphanBytes += obj.size;
      log.info({ key: obj.key, size: obj.size }, 'removed orphan object');
    } catch (e) {
      report.errors.push(`${obj.key}: ${(e as Error).message}`);
    }
  }
  if (opts.checkMissing !== false) {
    const rows = await sql<{ document_id: string; version: number; blob_key: string }[]>`
      select document_id, version, blob_key from document_versions where blob_store = ${store.kind}`;
    for (const r of rows) if (!present.has(r.blob_key)) report.missingBlobs.push({ documentId: r.document_id, version: r.version, key: r.blob_key });
  }
  return report;
}
