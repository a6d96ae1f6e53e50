import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BackupConfig } from '../config/backup.ts';
import { walArchiveDir } from '../db/archive-settings.ts';
import type { WalFile } from './catalog.ts';
import { parseLsn, SEGMENT_BYTES } from './wal-names.ts';

/**
 * PostgreSQL timelines in the WAL archive. A promotion (a Patroni failover or switchover, a restore) starts a new
 * timeline: the promoted server archives `<tli>.history`, which names every ancestor timeline and the LSN at which it
 * was left, and from then on its segments carry the new timeline's number. A restore to an instant after a failover
 * replays the old timeline up to the switch and the new one after it; the archive check follows the same path.
 */

/** One ancestor line of a history file: timeline `tli` was left at LSN `end`. */
export interface TimelineSwitch {
  tli: number;
  end: bigint;
}

export interface TimelineHistory {
  tli: number;
  /** When the history file was archived: the promotion, give or take the archiver's delay. */
  archivedAt: Date;
  /** The ancestors, oldest first. */
  switches: TimelineSwitch[];
}

/** A timeline on a restore's path: WAL from `begin` (null: from the start) to `end` (null: open). */
export interface TimelineSpan {
  tli: number;
  begin: bigint | null;
  end: bigint | null;
}

export const historyFileName = (tli: number): string => `${tli.toString(16).toUpperCase().padStart(8, '0')}.history`;

/** A history file's text: `<parent tli>\t<switch LSN>\t<reason>` per line (comments and blank lines skipped). */
export function parseHistory(text: string): TimelineSwitch[] {
  const out: TimelineSwitch[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [tli, lsn] = t.split(/\s+/);
    if (!tli || !lsn || !/^\d+$/.test(tli)) throw new Error(`not a timeline history line: ${t}`);
    out.push({ tli: Number(tli), end: parseLsn(lsn) });
  }
  return out;
}

/** Every timeline history file in the archive. */
export async function listHistories(b: Pick<BackupConfig, 'dir'>): Promise<TimelineHistory[]> {
  const dir = walArchiveDir(b);
  if (!existsSync(dir)) return [];
  const out: TimelineHistory[] = [];
  for (const name of await readdir(dir)) {
    if (!/^[0-9A-F]{8}\.history$/.test(name)) continue;
    const file = path.join(dir, name);
    out.push({ tli: parseInt(name.slice(0, 8), 16), archivedAt: (await stat(file)).mtime, switches: parseHistory(await readFile(file, 'utf8')) });
  }
  return out.sort((a, b2) => a.tli - b2.tli);
}

/** The timelines WAL must be read from to reach timeline `tli`, oldest first, each with the LSNs it covers. */
export function timelinePath(histories: readonly TimelineHistory[], tli: number): TimelineSpan[] {
  const h = histories.find((x) => x.tli === tli);
  if (!h) return [{ tli, begin: null, end: null }];
  const path: TimelineSpan[] = [];
  let begin: bigint | null = null;
  for (const s of h.switches) {
    path.push({ tli: s.tli, begin, end: s.end });
    begin = s.end;
  }
  path.push({ tli, begin, end: null });
  return path;
}

/**
 * The timeline a restore from a backup (taken on `from.timeline`, starting at `from.startLsn`) follows to reach
 * `target`: the path to the newest timeline descending from the backup's, left at the first timeline that was still
 * the live one at the target — its successor promoted after the target, and a segment of its own archived after the
 * target (so the archive holds a commit past it). A timeline abandoned by a restore therefore serves instants before
 * that restore; after a failover, an instant in the outage (the old timeline's last segment is archived only as
 * `.partial`) follows the new timeline, which holds the same commits up to the switch. `target` undefined: the newest.
 */
export function recoveryTimeline(histories: readonly TimelineHistory[], wal: readonly WalFile[], from: { timeline: number; startLsn: string }, target?: Date): TimelineSpan[] {
  const start = parseLsn(from.startLsn);
  // descendants of the backup's timeline that left it after the backup started
  const reachable = histories.filter((h) => h.switches.some((s) => s.tli === from.timeline && s.end >= start)).map((h) => h.tli);
  const newest = Math.max(from.timeline, ...reachable);
  const chain = timelinePath(histories, newest).filter((s) => s.tli >= from.timeline);
  if (target === undefined) return chain;
  for (let i = 0; i < chain.length - 1; i++) {
    const next = histories.find((h) => h.tli === chain[i + 1]!.tli)!;
    const archivedAfter = wal.some((w) => w.tli === chain[i]!.tli && w.mtime.getTime() > target.getTime());
    if (next.archivedAt.getTime() > target.getTime() && archivedAfter) return chain.slice(0, i + 1).map((s, j) => (j === i ? { ...s, end: null } : s));
  }
  return chain;
}

/** The timeline PostgreSQL reads segment `segno` from on this path: the newest one that had begun by that segment. */
export function timelineOfSegment(path: readonly TimelineSpan[], segno: bigint): number {
  for (let i = path.length - 1; i >= 0; i--) {
    const begin = path[i]!.begin;
    if (begin === null || begin / SEGMENT_BYTES <= segno) return path[i]!.tli;
  }
  return path[0]!.tli;
}
