import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { baseDir, chainOf, listBackups, listWal, type BackupMeta } from './catalog.ts';
import type { BackupConfig } from '../config/backup.ts';
import { walArchiveDir } from '../db/archive-settings.ts';
import { parseSegmentName } from './wal-names.ts';

export interface ExpiryReport {
  backupsRemoved: string[];
  walRemoved: number;
  /** The oldest backup kept: every restore inside the window starts from it or a later one. */
  anchor: string | null;
}

/**
 * Which backups a restore inside the retention window still needs: a restore to the window's first instant starts
 * from the newest backup finished by then, so that backup's whole chain (its full backup and the incrementals between)
 * is the anchor, and everything from the anchor's full backup on is kept; WAL is kept from the anchor's start segment.
 * Nothing is removed when there is no full backup older than the window start (the window is not yet filled).
 */
export function planExpiry(backups: BackupMeta[], retentionDays: number, now = new Date()): { keep: BackupMeta[]; remove: BackupMeta[]; anchor: BackupMeta | null } {
  const windowStart = now.getTime() - retentionDays * 86_400_000;
  const done = backups.filter((m) => new Date(m.finishedAt).getTime() <= windowStart);
  if (!done.length) return { keep: backups, remove: [], anchor: backups.find((m) => m.kind === 'full') ?? null };
  const anchor = chainOf(backups, done.at(-1)!)[0]!;
  const keep = backups.filter((m) => m.startedAt >= anchor.startedAt);
  return { keep, remove: backups.filter((m) => !keep.includes(m)), anchor };
}

export async function expireBackups(b: BackupConfig, log: Logger, now = new Date()): Promise<ExpiryReport> {
  const backups = await listBackups(b);
  const { remove, anchor } = planExpiry(backups, b.retentionDays, now);
  for (const m of remove) {
    await rm(path.join(baseDir(b), m.id), { recursive: true, force: true });
    log.info({ backup: m.id }, 'expired backup removed (older than the retention window and not needed by any restore inside it)');
  }
  let walRemoved = 0;
  if (anchor && remove.length) {
    const from = parseSegmentName(anchor.startWal).segno;
    for (const w of await listWal(b)) {
      if (w.segno >= from) continue;
      await rm(path.join(walArchiveDir(b), w.name), { force: true });
      walRemoved++;
    }
  }
  return { backupsRemoved: remove.map((m) => m.id), walRemoved, anchor: anchor?.id ?? null };
}
