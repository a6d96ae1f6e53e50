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

export interface ProgressRenderer {
  update(p: MigrateProgress): void;
  /** Draws the final state and ends the line. */
  finish(): void;
}

/** migrate-blobs: a bar with rate and ETA on a terminal, a plain line every intervalMs otherwise (and a last one). */
export function progressRenderer(out: ProgressOut, intervalMs = 5_000, now: () => number = Date.now): ProgressRenderer {
  let last: MigrateProgress | null = null;
  const line = statusLine((width) => (out.isTTY ? progressBarLine(last!, now(), width) : progressPlainLine(last!, now())), { plainEveryMs: intervalMs, final: true, out, now });
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

export function progressBarLine(p: MigrateProgress, at: number, width: number): string {
  const stats = `${p.done}/${p.total} versions  ${mib(p.bytes)}/${mib(p.totalBytes)}  ${rate(p, at)}  ETA ${eta(p, at)}${p.failed ? `  ${p.failed} failed` : ''}`;
  const barWidth = Math.max(10, Math.min(40, width - stats.length - 4));
  const frac = fraction(p);
  const filled = Math.round(frac * barWidth);
  return `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${stats}`.slice(0, width);
}

export function progressPlainLine(p: MigrateProgress, at: number): string {
  return (
    `migrate-blobs ${p.from} → ${p.to}: ${p.done}/${p.total} versions (${Math.round(fraction(p) * 100)}%), ${mib(p.bytes)} of ${mib(p.totalBytes)}, ` +
    `${rate(p, at)}, ETA ${eta(p, at)}; copied ${p.copied}, skipped ${p.skipped}, failed ${p.failed}`
  );
}

/** By bytes when there are any (large objects dominate the time), else by count. */
function fraction(p: MigrateProgress): number {
  if (p.totalBytes > 0) return Math.min(1, p.bytes / p.totalBytes);
  return p.total > 0 ? Math.min(1, p.done / p.total) : 1;
}

const bytesPerSecond = (p: MigrateProgress, at: number): number => p.bytes / Math.max(0.001, (at - p.startedAt) / 1000);

function rate(p: MigrateProgress, at: number): string {
  return `${mib(bytesPerSecond(p, at))}/s`;
}

function eta(p: MigrateProgress, at: number): string {
  if (fraction(p) >= 1) return '0s';
  const bps = bytesPerSecond(p, at);
  if (p.totalBytes > 0 && bps > 0) return duration((p.totalBytes - p.bytes) / bps);
  const elapsed = (at - p.startedAt) / 1000;
  return p.done > 0 ? duration((elapsed / p.done) * (p.total - p.done)) : '?';
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
