import { backupCapability, currentTimeline, providerMarkers } from '../db/server-facts.ts';
import { holdSessionLock, LOCKS, type HeldLock } from '../db/advisory-lock.ts';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Sql } from '../db/sql.ts';
import { listBackups, type BackupMeta } from './catalog.ts';
import { BackupBusyError, runBackup } from './take-backup.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { connect, primaryUrl } from '../db/sql.ts';
import { backupRemote, mirrorToRemote } from './remote-mirror.ts';

/**
 * What is due now: a full backup every fullIntervalHours, when none exists, and when the server writes on another
 * timeline than the last backup's (a failover or a restore promoted a server: a new chain starts on the new timeline,
 * at once); else an incremental one hourly.
 */
export function dueBackup(backups: BackupMeta[], b: Pick<Config['backup'], 'fullIntervalHours' | 'incrementalIntervalMinutes'>, now = new Date(), timeline?: number): 'full' | 'incremental' | null {
  const lastFull = backups.filter((m) => m.kind === 'full').at(-1);
  if (!lastFull || now.getTime() - new Date(lastFull.startedAt).getTime() >= b.fullIntervalHours * 3600_000) return 'full';
  const last = backups.at(-1)!;
  if (timeline !== undefined && last.timeline !== timeline) return 'full';
  return now.getTime() - new Date(last.startedAt).getTime() >= b.incrementalIntervalMinutes * 60_000 ? 'incremental' : null;
}

export interface BackupScheduler {
  stop(): Promise<void>;
}

/** The first tick: at once on a deployment with no backup yet (so `doctor` is green within minutes of the first start). */
const FIRST_TICK_EMPTY_MS = 2_000;
const FIRST_TICK_MS = 60_000;

/**
 * A backup that failed because the database could not be reached or went away under it (a failover, a restart): the
 * next tick tries again on whichever server is primary then, without the back-off meant for a broken disk.
 */
const isOutage = (e: unknown): boolean =>
  isDatabaseUnavailable(e) ||
  /Connection refused|server closed the connection|terminating connection|could not (receive|send) data|no primary among|the database system is (shutting down|starting up|in recovery mode|not yet accepting)|recovery is in progress|ECONNRESET|ECONNREFUSED|timeout expired/i.test((e as Error)?.message ?? '');

/**
 * Daily full + hourly incremental backups inside the service. Several instances may run: each minute every one tries
 * a session advisory lock on its own connection; the one holding it (until it stops or dies) is the only one that
 * backs up. runBackup's own lock also keeps a cron `backup run` from overlapping. The holder checks its connection on
 * every tick: after a failover the lock stayed on the old primary, and the instances race for it again on the new one.
 * A deployment with no backup yet takes its first full backup at once, and so does one whose primary moved to a new
 * timeline (dueBackup).
 */
export function startBackupScheduler(cfg: Config, sql: Sql, log: Logger, opts: { tickMs?: number; firstTickMs?: number } = {}): BackupScheduler {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let running: Promise<void> | null = null;
  let leader: HeldLock | null = null;
  const stopping = new AbortController();
  // after a failed backup, wait 1, 2, 4 … up to 60 minutes before the next attempt (a broken disk is not hammered)
  let failures = 0;
  let notBefore = 0;
  const tick = async () => {
    if (Date.now() < notBefore) return;
    try {
      if (leader && !(await leader.alive())) {
        log.warn('the backup scheduler lost its database session (a failover or restart); taking the lock again');
        void leader.release();
        leader = null;
      }
      if (!leader) {
        leader = await holdSessionLock(sql, LOCKS.backupScheduler);
        if (!leader) return;
        log.info('this instance takes the scheduled backups');
      }
      const kind = dueBackup(await listBackups(cfg.backup), cfg.backup, new Date(), await currentTimeline(sql));
      if (!kind) {
        // between backups, ship newly archived WAL off the machine every tick (QUILL_BACKUP_STORE=s3|azure)
        const remote = await backupRemote(cfg);
        if (remote) await mirrorToRemote(cfg, log, remote);
        return;
      }
      const r = await runBackup(cfg, log, { full: kind === 'full', signal: stopping.signal });
      failures = 0;
      log.info({ backup: r.backup.id, kind: r.backup.kind, sizeBytes: r.backup.sizeBytes, ms: r.elapsedMs, expired: r.expired.backupsRemoved.length }, 'scheduled backup done');
    } catch (e) {
      if (stopped) log.info({ err: (e as Error).message }, 'scheduled backup stopped with the service (its partial copy is removed by the next run)');
      else if (e instanceof BackupBusyError) log.info('scheduled backup skipped: another backup is running');
      else if (isOutage(e)) log.warn({ err: (e as Error).message }, 'scheduled backup could not run: the database is unavailable (a failover?); trying again at the next tick');
      else {
        failures++;
        const waitMin = Math.min(60, 2 ** (failures - 1));
        notBefore = Date.now() + waitMin * 60_000;
        log.error({ err: (e as Error).message, failures, retryInMinutes: waitMin }, 'scheduled backup FAILED; see `quill-docstore doctor` and `quill-docstore backup run`');
      }
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = null;
        schedule(opts.tickMs ?? 60_000);
      });
    }, ms);
    timer.unref();
  };
  if (opts.firstTickMs !== undefined) schedule(opts.firstTickMs);
  else void listBackups(cfg.backup).then((b) => schedule(b.length ? FIRST_TICK_MS : FIRST_TICK_EMPTY_MS), () => schedule(FIRST_TICK_MS));
  return {
    stop: async () => {
      stopped = true;
      stopping.abort();
      if (timer) clearTimeout(timer);
      await running;
      await leader?.release();
    },
  };
}

/**
 * Whether this service backs the database up itself: the embedded one always; DATABASE_URL when its role may
 * replicate (pg_basebackup) and the server keeps enough WAL (wal_level replica). Otherwise the provider's or the DBA's
 * backups apply (managed PostgreSQL: its point-in-time restore), and the reason is returned.
 */
export async function selfBackupApplies(cfg: Config, sql: Sql): Promise<{ applies: boolean; reason: string; managed: string | null }> {
  const managed = await managedProvider(sql);
  if (!cfg.databaseUrl) return { applies: true, reason: 'embedded PostgreSQL: WAL archiving and base backups by this service', managed: null };
  if (managed) return { applies: false, reason: `${managed}: the provider's automated backups and point-in-time restore apply (not pg_basebackup)`, managed };
  const role = cfg.backup.databaseUrl ? 'QUILL_BACKUP_DATABASE_URL' : 'DATABASE_URL';
  const r = await backupRoleCapability(cfg, sql);
  if (!r?.repl)
    return { applies: false, reason: `${role}: this role has no REPLICATION right, so pg_basebackup cannot run; the DBA's backups apply (or set QUILL_BACKUP_DATABASE_URL to a role with REPLICATION: docs/backups.md)`, managed: null };
  if (r.wal_level === 'minimal') return { applies: false, reason: `${role}: wal_level=minimal, base backups impossible`, managed: null };
  if (r.archive_mode === 'off')
    return { applies: false, reason: `${role}: archive_mode=off, so no point-in-time recovery; set archive_command to copy into ${cfg.backup.dir}/wal (see docs/backups.md) for this service's backups`, managed: null };
  const marker = r.switch_wal ? '' : '; this role may not call pg_switch_wal(), so a restore reaches only the last archived segment (GRANT EXECUTE ON FUNCTION pg_switch_wal() TO it)';
  return { applies: true, reason: `${role} with replication rights and WAL archiving: base backups by this service into ${cfg.backup.dir}, from the primary${marker}`, managed: null };
}

/** backupCapability of the role backups connect as: QUILL_BACKUP_DATABASE_URL's (on the primary), else the service's own. */
async function backupRoleCapability(cfg: Config, sql: Sql): ReturnType<typeof backupCapability> {
  if (!cfg.backup.databaseUrl) return backupCapability(sql);
  const b = connect(await primaryUrl(cfg.backup.databaseUrl, cfg.dbTimeoutMs), { max: 1, timeoutMs: cfg.dbTimeoutMs });
  try {
    return await backupCapability(b);
  } finally {
    await b.end({ timeout: 1 });
  }
}

/** Azure Database for PostgreSQL and Amazon RDS/Aurora announce themselves through their own settings and roles. */
async function managedProvider(sql: Sql): Promise<string | null> {
  const markers = await providerMarkers(sql);
  const name = markers.setting ?? '';
  if (name.startsWith('azure.')) return 'Azure Database for PostgreSQL';
  if (name.startsWith('rds.') || name.startsWith('aurora')) return 'Amazon RDS / Aurora PostgreSQL';
  const role = markers.role;
  return role === 'rds_superuser' ? 'Amazon RDS PostgreSQL' : role === 'azure_pg_admin' ? 'Azure Database for PostgreSQL' : role === 'cloudsqlsuperuser' ? 'Google Cloud SQL' : null;
}

/** The service's start: schedule backups when they apply here (QUILL_BACKUP_SCHEDULE, and see selfBackupApplies). */
export async function startBackupsIfApplicable(cfg: Config, sql: Sql, log: Logger): Promise<BackupScheduler | null> {
  if (!cfg.backup.schedule) return null;
  const which = await selfBackupApplies(cfg, sql).catch((e: Error) => ({ applies: false, reason: `could not tell: ${e.message}`, managed: null }));
  log.info({ backups: which.applies, reason: which.reason }, which.applies ? 'scheduled backups on (daily full, hourly incremental)' : 'scheduled backups off');
  return which.applies ? startBackupScheduler(cfg, sql, log) : null;
}
