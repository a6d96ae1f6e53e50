import { ANCHOR_PREFIX } from '../audit/audit-chain.ts';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStore } from '../domain/ports.ts';
import * as repo from '../documents/repository.ts';
import { expireUploads } from '../uploads/expire-uploads.ts';
import { awaitingCommit, finishUpload, liveUploadIds, liveUploadKeys, releaseStaleCommit } from '../uploads/repository.ts';
import { removeUploadObjects } from '../uploads/upload-parts.ts';

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
  /** Resumable uploads whose commit went through but was cut before the upload was closed: closed now, parts removed. */
  cutCommitsClosed?: number;
  /** Resumable uploads whose commit was cut before it went through: its claim released, so the client's retry commits. */
  commitClaimsReleased?: number;
}

/**
 * Repairs what a crash can leave behind. Metadata is written only after the bytes, so the only debris is bytes that
 * no version points at: from intents never committed, (fs) temp files of interrupted uploads, and (S3) unfinished
 * multipart uploads. Anything younger than the grace period is left alone, since it may belong to an upload still in
 * flight. It also reports any version whose bytes are missing, which the protocol should make impossible.
 */
export async function reconcile(sql: Sql, store: BlobStore, log: Logger, opts: { graceSeconds: number; checkMissing?: boolean; keepUnreferencedSeconds?: number }): Promise<ReconcileReport> {
  const report: ReconcileReport = { staleIntents: 0, orphansRemoved: 0, orphanBytes: 0, incompleteUploadsAborted: 0, missingBlobs: [], errors: [] };
  // first the uploads a cut commit left open (closed if it went through), so that expiry never takes one for abandoned
  await resolveCutCommits(sql, store, log, opts.graceSeconds, report);
  const uploads = await expireUploads(sql, store, log);
  report.expiredUploads = uploads.expired;
  report.errors.push(...uploads.errors);
  // a resumable upload still receiving owns its document key however old: the object it is putting together (an S3
  // multipart upload), or the one its commit finished and will retry
  const liveKeys = await liveUploadKeys(sql, store.kind);
  for (const intent of await repo.staleIntents(sql, opts.graceSeconds)) {
    if (intent.blobStore !== store.kind) continue;
    try {
      // claimed first (keyed by the intent): a commit still in flight either got there first or now fails
      if (!(await repo.claimStaleIntent(sql, intent.id))) continue;
      // a live upload's bytes stay its own: its retried commit writes the intent again (documents/composed-upload.ts)
      if (!liveKeys.has(intent.blobKey)) await store.delete(intent.blobKey, null);
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

/**
 * Resumable uploads fully received but left open by a commit that a crash or a failover cut. The commit is keyed by
 * the upload (migration 018): when its intent committed, the upload is closed as that document's and its parts go (a
 * client retry would get the same document); when not, a claim older than the grace period is released, so that the
 * client's retry (an empty PATCH at the full offset) commits it.
 */
async function resolveCutCommits(sql: Sql, store: BlobStore, log: Logger, graceSeconds: number, report: ReconcileReport): Promise<void> {
  for (const u of await awaitingCommit(sql, store.kind)) {
    try {
      const committed = await repo.committedByUpload(sql, u.id);
      if (committed) {
        if (!(await finishUpload(sql, u.id, { state: 'committed', documentId: committed.documentId, documentVersion: committed.version }))) continue;
        await removeUploadObjects(store, u.id);
        report.cutCommitsClosed = (report.cutCommitsClosed ?? 0) + 1;
        log.info({ upload: u.id, documentId: committed.documentId, version: committed.version }, 'closed a resumable upload whose commit went through but was cut');
      } else if (u.claimAgeSeconds !== null && u.claimAgeSeconds >= graceSeconds && (await releaseStaleCommit(sql, u.id, graceSeconds))) {
        report.commitClaimsReleased = (report.commitClaimsReleased ?? 0) + 1;
        log.info({ upload: u.id }, 'released the commit claim of a resumable upload whose commit was cut; the client\'s retry commits it');
      }
    } catch (e) {
      report.errors.push(`upload ${u.id}: ${(e as Error).message}`);
    }
  }
}
