import type { Logger } from 'pino';
import { LOCKS, withAdvisoryLock } from '../db/advisory-lock.ts';
import type { Sql } from '../db/sql.ts';
import * as repo from '../documents/repository.ts';
import type { StoredVersionRef } from '../documents/repository.ts';
import { AppError } from '../domain/errors.ts';
import { systemContext } from '../domain/principal.ts';
import type { BlobStore } from '../domain/ports.ts';
import { describeError } from './migrate-blobs/describe-error.ts';
import { moveVersion, type MoveContext, type Outcome } from './migrate-blobs/move-version.ts';
import { MigrationPlanner } from './migrate-blobs/planner.ts';
import { MigrationProgress, type MigrateProgress } from './migrate-blobs/progress.ts';
import { migrationReport, type MigrateBlobsReport } from './migrate-blobs/report.ts';

export type { MigrateFailure, MigrateProgress } from './migrate-blobs/progress.ts';
export type { MigrateBlobsReport } from './migrate-blobs/report.ts';

/**
 * `quill-docstore migrate-blobs`: moves every document version whose bytes live in one store to another.
 *
 * Per version (migrate-blobs/move-version.ts): a copy verified in the target (copy-version.ts), then, in one
 * transaction, the row repointed (blob_store, blob_key, blob_version_id) guarded by `where blob_store = from` and an
 * audit row written (repoint.ts). Which versions, in passes until none arrive: planner.ts; the counters drawn as
 * progress: progress.ts; the result: report.ts.
 *
 * Killed at any moment, the worst left behind is an object in the target that no row points at yet. A re-run only
 * looks at rows still in the source store; where the target refuses to overwrite (fs, Azure: object_exists) it reads
 * the existing object, and adopts it if its SHA-256 matches the metadata (else reports the version as failed); a
 * versioned S3 bucket simply takes a new version. Source bytes are never deleted.
 */
export interface MigrateBlobsOptions {
  /** Objects in flight at once (default 4). Memory is bounded by the stores' part buffers per object in flight. */
  concurrency?: number;
  /** Called whenever a counter changes; the caller decides how often to draw. */
  onProgress?: (p: MigrateProgress) => void;
  /** Rows fetched per query. */
  pageSize?: number;
}

export async function migrateBlobs(sql: Sql, source: BlobStore, target: BlobStore, log: Logger, opts: MigrateBlobsOptions = {}): Promise<MigrateBlobsReport> {
  if (source.kind === target.kind) throw new AppError('validation_failed', '--from and --to must name different stores');
  const ctx = systemContext('migrate-blobs');
  const move: MoveContext = { sql, source, target, runId: ctx.requestId, ctx };
  // One run at a time: a session advisory lock, released when the run ends or its connection dies with the process.
  const locked = await withAdvisoryLock(sql, LOCKS.migrateBlobs, () => run(move, log, opts));
  if (!locked.ran) throw new AppError('validation_failed', 'another migrate-blobs run holds the lock; wait for it to finish');
  return locked.value;
}

async function run(move: MoveContext, log: Logger, opts: MigrateBlobsOptions): Promise<MigrateBlobsReport> {
  const { sql, runId } = move;
  const [from, to] = [move.source.kind, move.target.kind];
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  const startedAt = Date.now();
  const progress = new MigrationProgress({ from, to, ...(await repo.migrationCounts(sql, from, to)), startedAt }, opts.onProgress);
  progress.emit();
  log.info({ from, to, versions: progress.current.total, bytes: progress.current.totalBytes, concurrency, runId }, 'migrate-blobs: starting');

  const planner = new MigrationPlanner(sql, from, opts.pageSize ?? 100);
  for (let n = 0; ; n++) {
    let found = 0;
    const queue = planner.pass((r) => {
      found++;
      if (n > 0) progress.arrived(r); // an upload that arrived during the previous pass
    });
    await Promise.all(Array.from({ length: concurrency }, () => worker(queue, move, planner, progress, log)));
    if (found === 0) break;
  }

  const report = migrationReport(progress, runId, await repo.countVersionsInStore(sql, from), Date.now());
  log.info({ ...report, failed: report.failed.length }, 'migrate-blobs: finished');
  return report;
}

/** Takes versions from the pass until it ends, moving one at a time. */
async function worker(queue: AsyncGenerator<StoredVersionRef>, move: MoveContext, planner: MigrationPlanner, progress: MigrationProgress, log: Logger): Promise<void> {
  for (;;) {
    const next = await queue.next(); // async generators queue concurrent next() calls
    if (next.done) return;
    const r = next.value;
    const out = await moveVersion(move, r, (n) => progress.addBytes(n)).catch((e: unknown): Outcome => ({ kind: 'failed', reason: describeError(e) }));
    if (out.kind === 'failed' || out.kind === 'skipped') planner.exclude(r);
    if (out.kind === 'failed') log.error({ documentId: r.documentId, version: r.version, key: r.blobKey, reason: out.reason }, 'migrate-blobs: version not moved');
    progress.settle(r, out);
  }
}
