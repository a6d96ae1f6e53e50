import { archiverStatus } from '../db/server-facts.ts';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/sql.ts';
import type { StoreCheck } from '../domain/ports.ts';
import { listBackups, listWal, restoreWindow } from '../backup/catalog.ts';
import { selfBackupApplies } from '../backup/scheduler.ts';
import { describeWindow } from '../backup/restore.ts';

/**
 * `doctor`'s backup findings: which backup regime applies to this database (this service's, or a managed provider's
 * PITR, or none), and where this service backs up: is WAL archiving working, is the last backup recent enough.
 */
export async function backupChecks(cfg: Config, sql: Sql): Promise<StoreCheck[]> {
  let which: Awaited<ReturnType<typeof selfBackupApplies>>;
  try {
    which = await selfBackupApplies(cfg, sql);
  } catch (e) {
    return [{ name: 'backup.pitr', ok: false, detail: `could not tell how this database is backed up: ${(e as Error).message}` }];
  }
  if (!which.applies) {
    // managed: the provider's PITR applies; otherwise the DBA's. Not a failure of this service, but said plainly.
    return [{ name: 'backup.pitr', ok: true, detail: `not backed up by this service: ${which.reason}. After any restore, run \`quill-docstore verify-restore\`` }];
  }
  const checks: StoreCheck[] = [];
  const arch = await archiverStatus(sql);
  const failing = arch?.failed_at && (!arch.archived_at || arch.failed_at > arch.archived_at);
  const backups = await listBackups(cfg.backup);
  const window = restoreWindow(backups, await listWal(cfg.backup));
  const last = backups.at(-1);
  const ageH = last ? (Date.now() - new Date(last.finishedAt).getTime()) / 3600_000 : Infinity;
  const stale = ageH > cfg.backup.fullIntervalHours + 2;
  const problems = [
    failing ? `WAL archiving is FAILING (segment ${arch!.failed} since ${arch!.failed_at!.toISOString()}; WAL piles up in pg_wal)` : '',
    !last ? 'no backup has been taken yet' : stale ? `the last backup (${last.id}) is ${ageH.toFixed(1)} h old` : '',
  ].filter(Boolean);
  checks.push({
    name: 'backup.pitr',
    ok: problems.length === 0,
    detail: problems.length
      ? `${which.reason}: ${problems.join('; ')}`
      : `${which.reason}; last backup ${last!.id} (${last!.kind}), WAL archived up to ${arch?.archived ?? '?'}, restorable window ${describeWindow(window)}, retention ${cfg.backup.retentionDays} days`,
    fix: failing ? `check ${cfg.backup.dir}/wal exists and is writable by the PostgreSQL user, and free disk space` : 'quill-docstore backup run (the service also schedules one: QUILL_BACKUP_SCHEDULE)',
  });
  return checks;
}
