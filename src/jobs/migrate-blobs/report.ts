import type { MigrateFailure, MigrationProgress } from './progress.ts';

export interface MigrateBlobsReport {
  from: string;
  to: string;
  runId: string;
  /** Versions found in the source store. */
  total: number;
  totalBytes: number;
  /** Copied and verified in the target, row repointed (adopted ones included). */
  copied: number;
  /** Of those, how many were already in the target from an interrupted run and were verified and adopted. */
  adopted: number;
  /** Versions already in the target store when the run started, or moved by someone else meanwhile. */
  skipped: number;
  failed: MigrateFailure[];
  /** Bytes copied (source → target). */
  bytes: number;
  elapsedMs: number;
  /** Versions still in the source store at the end (failed ones, or uploads that arrived during the run). */
  remaining: number;
}

/** The run's final report from its counters, with what is still in the source store. */
export function migrationReport(progress: MigrationProgress, runId: string, remaining: number, endedAt: number): MigrateBlobsReport {
  const p = progress.current;
  return {
    from: p.from,
    to: p.to,
    runId,
    total: p.total,
    totalBytes: p.totalBytes,
    copied: p.copied,
    adopted: p.adopted,
    skipped: p.skipped,
    failed: progress.failures,
    bytes: p.bytes,
    elapsedMs: endedAt - p.startedAt,
    remaining,
  };
}
