import type { BackupConfig } from '../config/backup.ts';
import type { BackupMeta, WalFile } from './catalog.ts';
import { walArchiveDir } from '../db/archive-settings.ts';
import { runTool, ToolError } from './run-tool.ts';
import { timelineOfSegment, type TimelineSpan } from './timelines.ts';
import { parseSegmentName, SEGMENT_BYTES, segmentName, segnoOfLsn } from './wal-names.ts';

export class WalChainError extends Error {
  override name = 'WalChainError';
  readonly segment: string;
  constructor(message: string, segment: string) {
    super(message);
    this.segment = segment;
  }
}

export interface WalCheck {
  first: string;
  last: string;
  segments: number;
  /** The timelines replayed, oldest first (more than one across a failover). */
  timelines: number[];
}

/**
 * The archived WAL a restore from `from` replays along `path` (its timelines: recoveryTimeline): every segment from the
 * backup's start on (to `until`, the first segment archived after the target, or the newest), each on the timeline
 * PostgreSQL reads it from, must be present — a gap names the missing segment — and must parse: pg_waldump reads
 * every record of each timeline's stretch and checks its CRC, so a damaged segment is named before any restore runs.
 */
export async function checkWalChain(b: Pick<BackupConfig, 'dir'>, bin: string, from: BackupMeta, wal: WalFile[], path: TimelineSpan[], until?: Date): Promise<WalCheck> {
  const start = parseSegmentName(from.startWal).segno;
  const tliOf = (segno: bigint) => timelineOfSegment(path, segno);
  const mine = wal.filter((w) => w.segno >= start && w.tli === tliOf(w.segno));
  const present = new Set(mine.map((w) => w.segno));
  if (!present.has(start)) throw new WalChainError(`WAL segment ${from.startWal} (the start of backup ${from.id}) is missing from ${walArchiveDir(b)}`, from.startWal);
  let end = mine.at(-1)!.segno;
  if (until) {
    const after = mine.find((w) => w.mtime.getTime() > until.getTime());
    if (after) end = after.segno;
  }
  for (let s = start; s <= end; s++) {
    if (!present.has(s)) {
      const name = segmentName(tliOf(s), s);
      throw new WalChainError(`WAL segment ${name} is missing from ${walArchiveDir(b)}: the archive has a gap, so no restore can replay past ${segmentName(tliOf(s - 1n), s - 1n)}`, name);
    }
  }
  const lsn = (n: bigint) => `${(n >> 32n).toString(16).toUpperCase()}/${(n & 0xffffffffn).toString(16).toUpperCase()}`;
  // each timeline's stretch of segments: from where it begins (or the backup's start) to where the next one begins
  for (const [i, span] of path.entries()) {
    const next = path[i + 1];
    const first = span.begin === null ? start : span.begin / SEGMENT_BYTES > start ? span.begin / SEGMENT_BYTES : start;
    const last = next?.begin != null ? (next.begin / SEGMENT_BYTES - 1n < end ? next.begin / SEGMENT_BYTES - 1n : end) : end;
    if (first > last) continue;
    const fromLsn = first === start ? from.startLsn : lsn(first * SEGMENT_BYTES);
    try {
      await runTool(bin, 'pg_waldump', ['-q', '-p', walArchiveDir(b), '-t', String(span.tli), '-s', fromLsn, '-e', lsn((last + 1n) * SEGMENT_BYTES)]);
    } catch (e) {
      const text = e instanceof ToolError ? e.stderr : (e as Error).message;
      // pg_waldump stops at the end of what the archive holds after the last switch: that is the end, not damage
      const atEnd = text.match(/could not find file "([0-9A-F]{24})"/)?.[1];
      if (atEnd && parseSegmentName(atEnd).segno > last) continue;
      const lsns = [...text.matchAll(/at ([0-9A-F]+\/[0-9A-F]+)/g)].map((m) => m[1]!);
      const bad = lsns.at(-1) ? segmentName(span.tli, segnoOfLsn(lsns.at(-1)!)) : '(unknown)';
      throw new WalChainError(`WAL segment ${bad} in ${walArchiveDir(b)} is damaged (pg_waldump: ${text.split('\n').filter(Boolean).at(-1)}); a restore cannot replay past it`, bad);
    }
  }
  return { first: from.startWal, last: segmentName(tliOf(end), end), segments: Number(end - start + 1n), timelines: path.map((p) => p.tli) };
}
