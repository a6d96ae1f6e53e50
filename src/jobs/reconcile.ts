import { ANCHOR_PREFIX } from '../audit/audit-chain.ts';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStore } from '../domain/ports.ts';
import * as repo from '../documents/repository.ts';
import { expireUploads } from '../uploads/expire-uploads.ts';
import { liveUploadIds, liveUploadKeys } from '../uploads/repository.ts';

export interface ReconcileReport {
  staleIntents: number;
  orphansRemoved: number;
  orphanBytes: number;
  /** Unfinished multipart uploads (S3) older than the grace period, aborted so their parts stop using space. */
  incompleteUploadsAborted: number;
  missingBlobs: { documentId: string; version: number; key: string }[];
  errors: string[];
  /** Resumable uploads past QUILL_UPLOAD_EXPIRY_HOURS: marked expired, their parts removed. */
  expiredUploads?: number;
  /** Unreferenced objects kept because a point-in-time restore inside the backup window may point at them. */
  keptForRestore?: number;
}

/**
 * Repairs what a crash can leave behind. Metadata is written only after the bytes, so the only debris is bytes that
 * no version points at: from intents never committed, (fs) temp files of interrupted uploads, and (S3) unfinished
 * multipart uploads. Anything younger than the grace period is left alone, since it may belong to an upload still in
 * flight. It also reports any version whose bytes are missing, which the protocol should make impossible.
 */
export async function reconcile(sql: Sql, store: BlobStore, log: Logger, opts: { graceSeconds: number; checkMissing?: boolean; keepUnreferencedSeconds?: number }): Promise<ReconcileReport> {
  const report: ReconcileReport = { staleIntents: 0, orphansRemoved: 0, orphanBytes: 0, incompleteUploadsAborted: 0, missingBlobs: [], errors: [] };
  const uploads = await expireUploads(sql, store, log);
  report.expiredUploads = uploads.expired;
  report.errors.push(...uploads.errors);
  // a resumable upload still receiving owns its document key however old: the object it is putting together (an S3
  // multipart upload), or the one its commit finished and will retry
  const liveKeys = await liveUploadKeys(sql, store.kind);
  for (const intent of await repo.staleIntents(sql, opts.graceSeconds)) {
    if (intent.blobStore !== store.kind || liveKeys.has(intent.blobKey)) continue;
    try {
      await store.delete(intent.blobKey, null);
      await repo.deleteIntent(sql, intent.id);
      report.staleIntents++;
    } catch (e) {
      report.errors.push(`intent ${intent.id}: ${(e as Error).message}`);
    }
  }
  const liveUploads = await liveUploadIds(sql, store.kind); // their parts are not orphans, however old
  const cutoff = Date.now() - opts.graceSeconds * 1000;
  // With backups on, a restore to any instant of the retention window may name an object no row names today.
  const keepAfter = Date.now() - (opts.keepUnreferencedSeconds ?? 0) * 1000;
  try {
    report.incompleteUploadsAborted = await store.abortIncompleteUploads(new Date(cutoff), (key) => liveKeys.has(key));
    if (report.incompleteUploadsAborted) log.info({ aborted: report.incompleteUploadsAborted }, 'aborted unfinished multipart uploads');
  } catch (e) {
    report.errors.push(`unfinished uploads: ${(e as Error).message}`);
  }
  const present = new Set<string>();
  for await (const obj of store.list('')) {
    present.add(obj.key);
    if (obj.key.startsWith(ANCHOR_PREFIX)) continue; // audit-chain anchors, not document bytes
    if (obj.lastModified.getTime() > cutoff) continue;
    if (obj.key.startsWith('uploads/') && liveUploads.has(obj.key.split('/')[1]!)) continue;
    if (liveKeys.has(obj.key)) continue;
    // Keys are unique per upload and migrate-blobs keeps them: a key a version holds in any store is either this
    // version's bytes, the source copy of a migrated version (kept for point-in-time restores), or a copy an
    // interrupted migration will adopt.
    if (await repo.blobKeyInUse(sql, obj.key)) continue;
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
    for (const r of await repo.versionKeysInStore(sql, store.kind)) if (!present.has(r.key)) report.missingBlobs.push(r);
  }
  return report;
}
