import { backupSettings, controlData } from '../db/server-facts.ts';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { connect, type Sql } from '../db/sql.ts';
import { LOCKS, withAdvisoryLock } from '../db/advisory-lock.ts';
import { backupDataDir, baseDir, listBackups, META, type BackupMeta } from './catalog.ts';
import { openLiveDatabase, type LiveDatabase } from './live-database.ts';
import { ensurePgTools } from './pg-tools.ts';
import { runTool, startTool } from './run-tool.ts';
import { segmentName, segnoOfLsn } from './wal-names.ts';
import { expireBackups, type ExpiryReport } from './expire.ts';
import { backupRemote, mirrorToRemote, type MirrorReport } from './remote-mirror.ts';

export interface BackupProgress {
  phase: 'backup' | 'verify';
  doneKb: number;
  totalKb: number;
  startedAt: number;
}

export class BackupBusyError extends Error {
  override name = 'BackupBusyError';
}

/** One key for every instance and command: only one backup runs against a database at a time. */
export const BACKUP_LOCK = LOCKS.backup;

export interface BackupResult {
  backup: BackupMeta;
  expired: ExpiryReport;
  /** QUILL_BACKUP_STORE=s3|azure: what went to the bucket/container. */
  mirrored: MirrorReport | null;
  elapsedMs: number;
}

/**
 * `backup run`: a base backup with pg_basebackup (incremental on the newest backup unless full is asked for, none
 * exists, or the server is not the one the last backup was taken from), checked with pg_verifybackup, and only then
 * given its metadata file (so listed as good). It is written under <id>.partial and renamed when good: an interrupted
 * backup is never listed, and the next run removes it. Expired backups and WAL are removed afterwards.
 */
export async function runBackup(cfg: Config, log: Logger, opts: { full?: boolean; onProgress?: (p: BackupProgress) => void; signal?: AbortSignal } = {}): Promise<BackupResult> {
  const t0 = Date.now();
  const bin = await ensurePgTools({ log: (m) => log.warn(m) });
  const live = await openLiveDatabase(cfg, log);
  const sql = connect(live.url, { max: 2 });
  try {
    const r = await withAdvisoryLock(sql, BACKUP_LOCK, async () => {
      const backup = await takeBackup(cfg, log, bin, live, sql, opts);
      const expired = await expireBackups(cfg.backup, log);
      const remote = await backupRemote(cfg);
      const mirrored = remote ? await mirrorToRemote(cfg, log, remote) : null;
      return { backup, expired, mirrored, elapsedMs: Date.now() - t0 };
    });
    if (!r.ran) throw new BackupBusyError('another backup of this database is running (advisory lock held); try again when it ends');
    return r.value;
  } finally {
    await sql.end({ timeout: 5 });
    await live.release();
  }
}

async function takeBackup(cfg: Config, log: Logger, bin: string, live: LiveDatabase, sql: Sql, opts: { full?: boolean; onProgress?: (p: BackupProgress) => void; signal?: AbortSignal }): Promise<BackupMeta> {
  const settings = await backupSettings(sql);
  if (settings.wal_level === 'minimal') throw new Error('wal_level=minimal: base backups need wal_level=replica (restart the server with it)');
  const ctl = await controlData(sql);
  await removeInterrupted(cfg.backup.dir, log);
  const previous = (await listBackups(cfg.backup)).filter((m) => m.systemIdentifier === ctl!.sysid);
  const parent = previous.at(-1);
  let kind: 'full' | 'incremental' = 'incremental';
  let why = '';
  if (opts.full) [kind, why] = ['full', 'asked for'];
  else if (!parent) [kind, why] = ['full', 'no earlier backup of this database'];
  else if (parent.timeline !== ctl!.tli) [kind, why] = ['full', `the server is on timeline ${ctl!.tli} (a restore happened), the last backup on ${parent.timeline}`];
  else if (settings.summarize_wal !== 'on') [kind, why] = ['full', 'summarize_wal is off, so incremental backups are impossible'];
  const startedAt = new Date();
  const id = `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${kind === 'full' ? 'full' : 'incr'}`;
  const partial = path.join(baseDir(cfg.backup), `${id}.partial`);
  await mkdir(partial, { recursive: true, mode: 0o700 });
  const data = path.join(partial, 'data');
  log.info({ id, kind, why: why || undefined, parent: kind === 'incremental' ? parent!.id : undefined }, 'backup started');
  const args = ['-d', live.conninfo, '-D', data, '-c', 'fast', '-X', 'stream', '-P', '--no-password', '-l', `quill-docstore ${id}`];
  if (cfg.backup.maxRate) args.push('-r', cfg.backup.maxRate);
  if (kind === 'incremental') args.push(`--incremental=${path.join(backupDataDir(cfg.backup, parent!.id), 'backup_manifest')}`);
  const t0 = Date.now();
  opts.signal?.throwIfAborted();
  const run = startTool(bin, 'pg_basebackup', args, {
    signal: opts.signal,
    env: { PGPASSWORD: live.password },
    onStart: (pid) => void writeFile(path.join(partial, 'pg_basebackup.pid'), String(pid)).catch(() => undefined),
    onLine: (line) => {
      const m = /^\s*(\d+)\/(\d+) kB/.exec(line);
      if (m) opts.onProgress?.({ phase: 'backup', doneKb: Number(m[1]), totalKb: Number(m[2]), startedAt: t0 });
    },
  });
  await run.done;
  opts.onProgress?.({ phase: 'verify', doneKb: 0, totalKb: 0, startedAt: t0 });
  await runTool(bin, 'pg_verifybackup', ['-q', data], { signal: opts.signal });
  const label = await readFile(path.join(data, 'backup_label'), 'utf8');
  const startLsn = /START WAL LOCATION: ([0-9A-F]+\/[0-9A-F]+)/.exec(label)?.[1];
  const tli = Number(/START TIMELINE: (\d+)/.exec(label)?.[1]);
  const manifest = JSON.parse(await readFile(path.join(data, 'backup_manifest'), 'utf8')) as { 'WAL-Ranges': { Timeline: number; 'Start-LSN': string; 'End-LSN': string }[] };
  const stopLsn = manifest['WAL-Ranges'].at(-1)?.['End-LSN'];
  if (!startLsn || !stopLsn || !tli) throw new Error(`backup ${id}: could not read its start/stop LSN from backup_label and backup_manifest`);
  const meta: BackupMeta = {
    id,
    kind,
    parent: kind === 'incremental' ? parent!.id : null,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    startLsn,
    stopLsn,
    timeline: tli,
    startWal: segmentName(tli, segnoOfLsn(startLsn)),
    sizeBytes: await duBytes(data),
    verified: true,
    verifiedAt: new Date().toISOString(),
    systemIdentifier: ctl!.sysid,
    serverVersion: settings.server_version ?? '?',
  };
  await rm(path.join(partial, 'pg_basebackup.pid'), { force: true });
  await writeFile(path.join(partial, META), `${JSON.stringify(meta, null, 2)}\n`);
  await rename(partial, path.join(baseDir(cfg.backup), id));
  log.info({ id, kind, sizeBytes: meta.sizeBytes, ms: Date.now() - t0 }, 'backup finished and verified');
  return meta;
}

/** Interrupted backups (a kill, a crash): stop a pg_basebackup left running by a killed command, then remove them. */
async function removeInterrupted(dir: string, log: Logger): Promise<void> {
  const base = path.join(dir, 'base');
  if (!existsSync(base)) return;
  for (const name of await readdir(base)) {
    if (!name.endsWith('.partial')) continue;
    const pidFile = path.join(base, name, 'pg_basebackup.pid');
    const pid = Number(await readFile(pidFile, 'utf8').catch(() => ''));
    if (pid > 0) {
      try {
        if ((await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('pg_basebackup')) process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    log.warn({ backup: name }, 'removing an interrupted backup (never listed as good)');
    await rm(path.join(base, name), { recursive: true, force: true });
  }
}

export async function duBytes(p: string): Promise<number> {
  const st = await stat(p);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const e of await readdir(p, { withFileTypes: true })) total += await duBytes(path.join(p, e.name));
  return total;
}
