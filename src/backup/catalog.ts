import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BackupConfig } from '../config/backup.ts';
import { isSegmentName, parseSegmentName } from './wal-names.ts';
import { walArchiveDir } from '../db/archive-settings.ts';

/**
 * The backup repository (a directory):
 *   base/<id>/data/              a pg_basebackup (plain format, with its own WAL), full or incremental
 *   base/<id>/quill-backup.json  what `backup list` shows; written last, only after pg_verifybackup passed
 *   base/<id>.partial/           a backup being taken, or one that was interrupted: never listed, removed by the next run
 *   wal/                         archived WAL segments (archive_command)
 */
export interface BackupMeta {
  id: string;
  kind: 'full' | 'incremental';
  /** The backup an incremental one was taken against (its backup_manifest). */
  parent: string | null;
  startedAt: string;
  finishedAt: string;
  startLsn: string;
  stopLsn: string;
  timeline: number;
  startWal: string;
  sizeBytes: number;
  verified: boolean;
  verifiedAt: string;
  systemIdentifier: string;
  serverVersion: string;
}

export const META = 'quill-backup.json';
export const baseDir = (b: Pick<BackupConfig, 'dir'>): string => path.join(b.dir, 'base');
export const backupDataDir = (b: Pick<BackupConfig, 'dir'>, id: string): string => path.join(baseDir(b), id, 'data');

/** Finished, verified backups, oldest first. Anything without its metadata file (interrupted) is not a backup. */
export async function listBackups(b: Pick<BackupConfig, 'dir'>): Promise<BackupMeta[]> {
  const dir = baseDir(b);
  if (!existsSync(dir)) return [];
  const out: BackupMeta[] = [];
  for (const name of await readdir(dir)) {
    if (name.endsWith('.partial') || name.endsWith('.pid')) continue;
    try {
      const meta = JSON.parse(await readFile(path.join(dir, name, META), 'utf8')) as BackupMeta;
      if (meta.verified && meta.id === name) out.push(meta);
    } catch {
      // no metadata: never finished or never verified
    }
  }
  return out.sort((a, b2) => a.startedAt.localeCompare(b2.startedAt));
}

export interface WalFile {
  name: string;
  tli: number;
  segno: bigint;
  size: number;
  mtime: Date;
}

export async function listWal(b: Pick<BackupConfig, 'dir'>): Promise<WalFile[]> {
  const dir = walArchiveDir(b);
  if (!existsSync(dir)) return [];
  const out: WalFile[] = [];
  for (const name of await readdir(dir)) {
    if (!isSegmentName(name)) continue;
    const st = await stat(path.join(dir, name));
    out.push({ name, ...parseSegmentName(name), size: st.size, mtime: st.mtime });
  }
  return out.sort((x, y) => (x.segno === y.segno ? x.tli - y.tli : x.segno < y.segno ? -1 : 1));
}

/** The backups a restore from `last` needs: its full backup, then each incremental on top of it, in order. */
export function chainOf(backups: BackupMeta[], last: BackupMeta): BackupMeta[] {
  const byId = new Map(backups.map((m) => [m.id, m]));
  const chain: BackupMeta[] = [last];
  let cur = last;
  while (cur.kind === 'incremental') {
    const parent = cur.parent ? byId.get(cur.parent) : undefined;
    if (!parent) throw new Error(`backup ${cur.id} is incremental on ${cur.parent}, which is not in the repository`);
    chain.unshift(parent);
    cur = parent;
  }
  return chain;
}

export interface RestoreWindow {
  earliest: Date | null;
  latest: Date | null;
}

/**
 * Earliest: the end of the oldest kept full backup (a restore starts from a consistent backup). Latest: the newest
 * archived WAL segment (or backup end), as the archive holds nothing later. A restore to a time after the last commit
 * in that WAL is refused by PostgreSQL itself; `restore` first writes and archives a marker commit when it can reach
 * the live database, so the window reaches "now".
 */
export function restoreWindow(backups: BackupMeta[], wal: WalFile[]): RestoreWindow {
  const fulls = backups.filter((m) => m.kind === 'full');
  if (!fulls.length) return { earliest: null, latest: null };
  const earliest = new Date(fulls[0]!.finishedAt);
  const times = [...backups.map((m) => new Date(m.finishedAt).getTime()), ...wal.map((w) => w.mtime.getTime())];
  return { earliest, latest: new Date(Math.max(...times)) };
}
