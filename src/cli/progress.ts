import type { MigrateProgress } from '../jobs/migrate-blobs.ts';

/** Where progress goes: a terminal gets one redrawn line, anything else (a log file, CI) plain periodic lines. */
export interface ProgressOut {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(s: string): unknown;
}

/**
 * A command's progress on stderr: a terminal gets one line redrawn at most every 100 ms; anything else gets a plain
 * line every `plainEveryMs` (none when 0). done() ends it: with `final`, the last state is drawn once more (and the
 * line ended); without, a terminal's line is cleared (the command's result line says it all).
 */
export function statusLine(render: (width: number) => string, opts: { plainEveryMs?: number; final?: boolean; out?: ProgressOut; now?: () => number } = {}) {
  const out = opts.out ?? process.stderr;
  const now = opts.now ?? Date.now;
  const tty = Boolean(out.isTTY);
  const every = tty ? 100 : (opts.plainEveryMs ?? 0);
  const width = () => Math.max(40, (out.columns ?? 100) - 1);
  let drawnAt: number | null = null;
  const draw = () => {
    drawnAt = now();
    out.write(tty ? `\r\x1b[2K${render(width()).slice(0, width())}` : `${render(width())}\n`);
  };
  return {
    tick(): void {
      if (every > 0 && (drawnAt === null || now() - drawnAt >= every)) draw();
    },
    done(): void {
      if (opts.final) {
        draw();
        if (tty) out.write('\n');
      } else if (tty && drawnAt !== null) out.write('\r\x1b[2K');
    },
  };
}

/** What every progress bar counts: items done of total, bytes done of totalBytes (0 when not known beforehand). */
export interface Counted {
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
  startedAt: number;
}

/** How a command words its progress: the bar's counts (rate and ETA follow them), what trails it, the plain line. */
export interface ProgressWording<P extends Counted> {
  counts(p: P): string;
  tail?(p: P): string;
  plain(p: P, at: number): string;
}

export interface ProgressRenderer<P extends Counted = MigrateProgress> {
  update(p: P): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

/** A bar with rate and ETA on a terminal, a plain line every intervalMs otherwise (and a last one): on statusLine. */
export function progressBar<P extends Counted>(out: ProgressOut, wording: ProgressWording<P>, intervalMs = 5_000, now: () => number = Date.now): ProgressRenderer<P> {
  let last: P | null = null;
  const line = statusLine((width) => (out.isTTY ? barLine(last!, now(), width, wording) : wording.plain(last!, now())), { plainEveryMs: intervalMs, final: true, out, now });
  return {
    update(p) {
      last = p;
      line.tick();
    },
    finish() {
      if (last) line.done();
    },
  };
}

export function barLine<P extends Counted>(p: P, at: number, width: number, wording: ProgressWording<P>): string {
  const stats = `${wording.counts(p)}  ${rate(p, at)}  ETA ${eta(p, at)}${wording.tail?.(p) ?? ''}`;
  const barWidth = Math.max(10, Math.min(40, width - stats.length - 4));
  const frac = fraction(p);
  const filled = Math.round(frac * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${stats}`.slice(0, width);
}

const migrateWording: ProgressWording<MigrateProgress> = {
  counts: (p) => `${p.done}/${p.total} versions  ${mib(p.bytes)}/${mib(p.totalBytes)}`,
  tail: (p) => (p.failed ? `  ${p.failed} failed` : ''),
  plain: (p, at) =>
    `migrate-blobs ${p.from} → ${p.to}: ${p.done}/${p.total} versions (${percent(p)}), ${mib(p.bytes)} of ${mib(p.totalBytes)}, ` +
    `${rate(p, at)}, ETA ${eta(p, at)}; copied ${p.copied}, skipped ${p.skipped}, failed ${p.failed}`,
};

/** migrate-blobs: a bar with rate and ETA on a terminal, a plain line every intervalMs otherwise (and a last one). */
export const progressRenderer = (out: ProgressOut, intervalMs = 5_000, now: () => number = Date.now): ProgressRenderer<MigrateProgress> => progressBar(out, migrateWording, intervalMs, now);
export const progressBarLine = (p: MigrateProgress, at: number, width: number): string => barLine(p, at, width, migrateWording);
export const progressPlainLine = (p: MigrateProgress, at: number): string => migrateWording.plain(p, at);

/** By bytes when there are any (large objects dominate the time), else by count. */
function fraction(p: Counted): number {
  if (p.totalBytes > 0) return Math.min(1, p.bytes / p.totalBytes);
  return p.total > 0 ? Math.min(1, p.done / p.total) : 1;
}

export const percent = (p: Counted): string => `${Math.round(fraction(p) * 100)}%`;

const elapsed = (p: Counted, at: number): number => Math.max(0.001, (at - p.startedAt) / 1000);

export function rate(p: Counted, at: number): string {
  return `${mib(p.bytes / elapsed(p, at))}/s`;
}

/** Items per second, e.g. "52 rows/s". */
export const itemRate = (p: Counted, at: number, unit: string): string => `${Math.round(p.done / elapsed(p, at))} ${unit}/s`;

export function eta(p: Counted, at: number): string {
  if (fraction(p) >= 1) return '0s';
  const bps = p.bytes / elapsed(p, at);
  if (p.totalBytes > 0 && bps > 0) return duration((p.totalBytes - p.bytes) / bps);
  return p.done > 0 ? duration((elapsed(p, at) / p.done) * (p.total - p.done)) : '?';
}

export function mib(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
