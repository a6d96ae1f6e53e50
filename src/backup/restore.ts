import { archiveSetting, switchWal } from '../db/server-facts.ts';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { connect } from '../db/sql.ts';
import { databaseUrlParts } from '../db/database-url.ts';
import { backupDataDir, chainOf, listBackups, listWal, restoreWindow, type BackupMeta, type RestoreWindow } from './catalog.ts';
import { walArchiveDir } from '../db/archive-settings.ts';
import { openLiveDatabase } from './live-database.ts';
import { runningPostmaster } from '../db/embedded-endpoint.ts';
import { ensurePgTools } from './pg-tools.ts';
import { PgServerExited, prepareDataDir, startPgServer } from './pg-server.ts';
import { runTool } from './run-tool.ts';
import { listHistories, recoveryTimeline } from './timelines.ts';
import { checkWalChain, WalChainError, type WalCheck } from './wal-check.ts';

export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
  readonly window: RestoreWindow;
  constructor(message: string, window: RestoreWindow) {
    super(message);
    this.window = window;
  }
}

export interface RestoreReport {
  target: string;
  into: string;
  chain: string[];
  wal: WalCheck;
  /** PostgreSQL's own words on where replay stopped. */
  stoppedAt: string | null;
  elapsedMs: number;
  inPlace: { previousDir: string } | null;
}

export interface RestoredServer {
  url: string;
  stop(): Promise<void>;
}

export const describeWindow = (w: RestoreWindow): string =>
  w.earliest && w.latest ? `${w.earliest.toISOString()} … ${w.latest.toISOString()}` : '(empty: no backup has been taken)';

/**
 * `restore`: rebuilds the database as it was at `to` into a new directory — the chain of backups ending with the
 * newest one finished by then, combined with pg_combinebackup, then the archived WAL replayed to `to`
 * (recovery_target_time; PostgreSQL stops before the first commit after it) and promoted. The archive is checked first
 * (gaps, damaged segments) and a target outside the window is refused. The restored server is left running for the
 * caller's checks (`verify`), then stopped. Never touches the live database; `inPlace` (service stopped) swaps the
 * restored directory in for <data dir>/pg and keeps the old one beside it.
 */
export async function restore(
  cfg: Config,
  log: Logger,
  opts: { to: Date | 'latest'; into?: string; inPlace?: boolean; onStep?: (msg: string) => void; verify?: (server: RestoredServer) => Promise<void> },
): Promise<RestoreReport> {
  const t0 = Date.now();
  const step = opts.onStep ?? (() => undefined);
  const bin = await ensurePgTools({ log: step });
  const pgDir = path.join(cfg.dataDir, 'pg');
  if (opts.inPlace) {
    if (cfg.databaseUrl) throw new RestoreRefused('--in-place restores the embedded database only; for DATABASE_URL restore --into a directory and repoint', { earliest: null, latest: null });
    if (runningPostmaster(pgDir) !== null) throw new RestoreRefused(`--in-place needs the service stopped: the embedded PostgreSQL in ${pgDir} is running`, { earliest: null, latest: null });
  } else if (await archiveMarker(cfg, log)) {
    step('wrote a marker commit on the live database and archived its WAL: the window reaches now');
  }
  const backups = await listBackups(cfg.backup);
  const wal = await listWal(cfg.backup);
  const window = restoreWindow(backups, wal);
  if (!window.earliest || !window.latest) throw new RestoreRefused(`no backup in ${cfg.backup.dir}: nothing to restore from`, window);
  const target = opts.to === 'latest' ? window.latest : opts.to;
  if (target < window.earliest || target > window.latest)
    throw new RestoreRefused(`refused: ${target.toISOString()} is outside the restorable window ${describeWindow(window)}`, window);
  const last = backups.filter((m) => new Date(m.finishedAt) <= target).at(-1)!;
  const chain = chainOf(backups, last);
  step(`restoring to ${opts.to === 'latest' ? 'the end of the archived WAL' : target.toISOString()} from ${chain.map((m) => `${m.id}`).join(' + ')} and the archived WAL`);
  const until = opts.to === 'latest' ? undefined : target;
  const timelines = recoveryTimeline(await listHistories(cfg.backup), wal, last, until);
  const timeline = timelines.at(-1)!.tli;
  const walCheck = await checkWalChain(cfg.backup, bin, last, wal, timelines, until);
  step(`WAL ${walCheck.first} … ${walCheck.last}: ${walCheck.segments} segments present and readable${timelines.length > 1 ? ` (timelines ${walCheck.timelines.join(' → ')}: across ${timelines.length - 1} promotion(s), a failover or a restore)` : ''}`);

  const into = path.resolve(opts.inPlace ? `${pgDir}.restore-${stamp()}` : opts.into!);
  if (existsSync(into) && (await readdir(into)).length) throw new RestoreRefused(`${into} exists and is not empty; restore into a new directory`, window);
  if (!opts.inPlace && path.resolve(into) === path.resolve(pgDir)) throw new RestoreRefused('--into is the live data directory; use --in-place (service stopped)', window);
  await mkdir(path.dirname(into), { recursive: true });
  let server: Awaited<ReturnType<typeof startPgServer>> | null = null;
  try {
    await combine(bin, chain, cfg, into, step);
    await writeFile(path.join(into, 'recovery.signal'), '');
    await rm(path.join(into, 'postmaster.pid'), { force: true });
    step('replaying archived WAL');
    const recovery: [string, string][] = [
      ['restore_command', `cp '${walArchiveDir(cfg.backup)}/%f' '%p'`],
      ['recovery_target_action', 'promote'],
      ['recovery_target_timeline', String(timeline)],
    ];
    // PostgreSQL's timestamptz input: '2026-11-30 04:06:45.825+00' (it refuses the ISO 'T…Z' spelling here)
    if (opts.to !== 'latest') recovery.push(['recovery_target_time', target.toISOString().replace('T', ' ').replace('Z', '+00')]);
    await writeRestoreConf(into, [...STANDALONE(into), ...recovery]);
    await prepareDataDir(into);
    try {
      server = await startPgServer(bin, into, {});
    } catch (e) {
      if (e instanceof PgServerExited) throw explainRecoveryFailure(e, target, window);
      throw e;
    }
    const stoppedAt = server.log().find((l) => /recovery stopping|last completed transaction|archive recovery complete|consistent recovery state/.test(l)) ?? null;
    const lines = server.log().filter((l) => /recovery stopping|last completed transaction/.test(l));
    const url = `postgres://${encodeURIComponent(dbUser(cfg))}:${encodeURIComponent(await dbPassword(cfg))}@127.0.0.1:${server.port}/${dbName(cfg)}`;
    await opts.verify?.({ url, stop: () => server!.stop() });
    await server.stop();
    server = null;
    // the recovery settings have done their work; an embedded copy swapped in gets its own archive settings back at
    // its next start, any other copy stays standalone (no synchronous standby to wait for, no archiving)
    await (opts.inPlace ? rm(path.join(into, RESTORE_CONF), { force: true }) : writeRestoreConf(into, STANDALONE(into)));
    let inPlace: RestoreReport['inPlace'] = null;
    if (opts.inPlace) {
      const previousDir = `${pgDir}.before-restore-${stamp()}`;
      await rename(pgDir, previousDir);
      await rename(into, pgDir);
      inPlace = { previousDir };
      step(`swapped in: ${pgDir} is the restored database; the previous one is kept in ${previousDir}`);
    }
    return { target: target.toISOString(), into: opts.inPlace ? pgDir : into, chain: chain.map((m) => m.id), wal: walCheck, stoppedAt: lines.join('; ') || stoppedAt, elapsedMs: Date.now() - t0, inPlace };
  } catch (e) {
    await server?.stop();
    if (opts.inPlace || !(e instanceof Error && e.name === 'VerifyFailed')) await rm(into, { recursive: true, force: true });
    throw e;
  }
}

const RESTORE_CONF = 'quill-restore.conf';

/**
 * A restored copy runs on its own, whatever cluster manager wrote its configuration (a backup of a Patroni member carries
 * Patroni's postgresql.conf: a synchronous standby that will never answer, another member's pg_hba.conf, a
 * primary_conninfo, its own archive settings): overridden here, and never archiving into the live archive.
 */
const STANDALONE = (dir: string): [string, string][] => [
  ['archive_mode', 'off'],
  ['synchronous_standby_names', ''],
  ['primary_conninfo', ''],
  ['primary_slot_name', ''],
  ['hba_file', path.join(dir, 'pg_hba.conf')],
  ['ident_file', path.join(dir, 'pg_ident.conf')],
];

/**
 * Writes `settings` into <dir>/quill-restore.conf, included last by postgresql.conf, so they win over what the backup's
 * configuration says. In a file rather than on the command line: PostgreSQL applies a configuration file's other
 * recovery targets (Patroni writes them all, empty) after the command line's and refuses "multiple recovery targets";
 * here every other target is cleared first and the one wanted comes last.
 */
async function writeRestoreConf(dir: string, settings: [string, string][]): Promise<void> {
  const targets = ['recovery_target', 'recovery_target_lsn', 'recovery_target_name', 'recovery_target_time', 'recovery_target_xid'];
  const chosen = settings.filter(([k]) => targets.includes(k));
  const lines = [
    ...settings.filter(([k]) => !targets.includes(k)),
    ...targets.filter((t) => !chosen.some(([k]) => k === t)).map((t): [string, string] => [t, '']),
    ...chosen,
  ].map(([k, v]) => `${k} = '${v.replace(/'/g, "''")}'`);
  await writeFile(path.join(dir, RESTORE_CONF), `# written by quill-docstore restore\n${lines.join('\n')}\n`);
  const conf = path.join(dir, 'postgresql.conf');
  const text = existsSync(conf) ? await readFile(conf, 'utf8') : '';
  if (!text.includes(RESTORE_CONF)) await writeFile(conf, `${text}\ninclude_if_exists = '${RESTORE_CONF}'\n`);
}

export class BackupDamaged extends Error {
  override name = 'BackupDamaged';
}

/**
 * Every backup of the chain is checked against its manifest (pg_verifybackup) before anything is combined, and the
 * combined directory against the manifest pg_combinebackup writes: a damaged file is named, never restored from.
 */
async function combine(bin: string, chain: BackupMeta[], cfg: Config, into: string, step: (m: string) => void): Promise<void> {
  for (const m of chain) {
    try {
      await runTool(bin, 'pg_verifybackup', ['-q', backupDataDir(cfg.backup, m.id)]);
    } catch (e) {
      throw new BackupDamaged(`backup ${m.id} is damaged; no restore will use it:\n${(e as Error).message}`);
    }
  }
  step(`combining ${chain.length} backup(s) into ${into} (each verified with pg_verifybackup)`);
  await runTool(bin, 'pg_combinebackup', [...chain.map((m) => backupDataDir(cfg.backup, m.id)), '-o', into]);
  // its WAL is checked separately (checkWalChain), so -n: files and checksums only
  await runTool(bin, 'pg_verifybackup', ['-q', '-n', into]);
}

/** PostgreSQL ended recovery early (a damaged or missing segment, a target past the WAL): say which, with its words. */
function explainRecoveryFailure(e: PgServerExited, target: Date, window: RestoreWindow): Error {
  const text = e.lines.join('\n');
  const segment = text.match(/(?:WAL segment|log segment|file) "?([0-9A-F]{24})"?/)?.[1];
  const tail = e.lines.filter((l) => /FATAL|PANIC|LOG: {2}(invalid|incorrect|recovery|redo)/.test(l)).slice(-6).join('\n  ');
  if (/recovery ended before configured recovery target was reached/.test(text))
    return new RestoreRefused(
      `the archived WAL ends before ${target.toISOString()}${segment ? ` (replay stopped in segment ${segment})` : ''}: choose an earlier time inside ${describeWindow(window)}\n  ${tail}`,
      window,
    );
  return new WalChainError(`recovery failed${segment ? ` in WAL segment ${segment}` : ''}:\n  ${tail || e.lines.slice(-10).join('\n  ')}`, segment ?? '(unknown)');
}

/**
 * A commit (an xid assigned and committed writes a commit record with its time) followed by a WAL switch, waited for
 * in the archive: afterwards every instant up to now lies before a commit the archive holds, so PostgreSQL can stop there.
 */
async function archiveMarker(cfg: Config, log: Logger): Promise<boolean> {
  let live;
  try {
    live = await openLiveDatabase(cfg, log, { start: false });
  } catch {
    return false;
  }
  const sql = connect(live.url, { max: 1 });
  try {
    const s = await archiveSetting(sql);
    // only when the live server archives into this repository (not a copy of it, not someone else's archive)
    if (s?.mode === 'off' || !s?.command.includes(`'${walArchiveDir(cfg.backup)}/%f'`)) return false;
    const file = path.join(walArchiveDir(cfg.backup), await switchWal(sql));
    for (let i = 0; i < 300 && !existsSync(file); i++) await sleep(100);
    return existsSync(file);
  } catch (e) {
    log.warn({ err: (e as Error).message }, 'could not write the archive marker on the live database');
    return false;
  } finally {
    await sql.end({ timeout: 1 });
    await live.release();
  }
}

const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
// the restored server holds the live database's roles: the service's own (DATABASE_URL's, one host or several) logs in
const dbUser = (cfg: Config) => (cfg.databaseUrl ? databaseUrlParts(cfg.databaseUrl).user : 'quill');
const dbName = (cfg: Config) => (cfg.databaseUrl ? databaseUrlParts(cfg.databaseUrl).database : 'quill');
async function dbPassword(cfg: Config): Promise<string> {
  if (cfg.databaseUrl) return databaseUrlParts(cfg.databaseUrl).password;
  const { readFile } = await import('node:fs/promises');
  return (await readFile(path.join(cfg.dataDir, 'pg-password'), 'utf8')).trim();
}
