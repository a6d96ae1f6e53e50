import { describe, expect, it } from 'vitest';
import { duration, progressBarLine, progressPlainLine, progressRenderer } from '../../src/cli/progress.ts';
import type { MigrateProgress } from '../../src/jobs/migrate-blobs.ts';

const MiB = 1024 * 1024;
const at = (over: Partial<MigrateProgress> = {}): MigrateProgress => ({
  from: 'fs',
  to: 's3',
  total: 10,
  totalBytes: 100 * MiB,
  done: 4,
  copied: 4,
  adopted: 0,
  skipped: 0,
  failed: 0,
  bytes: 40 * MiB,
  startedAt: 0,
  ...over,
});

describe('migrate-blobs progress', () => {
  it('draws one bar line with count, bytes, rate and ETA that fits the terminal', () => {
    const line = progressBarLine(at(), 4_000, 100);
    expect(line).toMatch(/^\[#+-+\] 4\/10 versions {2}40\.0 MiB\/100\.0 MiB {2}10\.0 MiB\/s {2}ETA 6s$/);
    expect(line.length).toBeLessThanOrEqual(100);
    expect(progressBarLine(at({ failed: 2 }), 4_000, 120)).toContain('2 failed');
  });

  it('writes plain lines for logs', () => {
    expect(progressPlainLine(at(), 4_000)).toBe('migrate-blobs fs → s3: 4/10 versions (40%), 40.0 MiB of 100.0 MiB, 10.0 MiB/s, ETA 6s; copied 4, skipped 0, failed 0');
  });

  it('on a TTY redraws the same line (\\r) at most every 100 ms and ends it; otherwise prints periodic lines', () => {
    let now = 0;
    const tty: string[] = [];
    const r = progressRenderer({ isTTY: true, columns: 80, write: (s) => tty.push(s) }, 5_000, () => now);
    r.update(at({ done: 1 }));
    now = 50;
    r.update(at({ done: 2 }));
    now = 150;
    r.update(at({ done: 3 }));
    r.finish();
    expect(tty.filter((s) => s.startsWith('\r\x1b[2K'))).toHaveLength(3); // first, the one after 100 ms, the final one
    expect(tty.at(-1)).toBe('\n');

    now = 0;
    const plain: string[] = [];
    const p = progressRenderer({ isTTY: false, write: (s) => plain.push(s) }, 1_000, () => now);
    for (let i = 0; i < 30; i++) {
      now = i * 100;
      p.update(at({ done: i % 10 }));
    }
    p.finish();
    expect(plain.every((s) => s.endsWith('\n') && !s.includes('\r'))).toBe(true);
    expect(plain).toHaveLength(1 + 2 + 1); // at 0, 1 s, 2 s, and the final line
  });

  it('formats durations', () => {
    expect(duration(5)).toBe('5s');
    expect(duration(125)).toBe('2m05s');
    expect(duration(3 * 3600 + 7 * 60)).toBe('3h07m');
    expect(duration(Number.POSITIVE_INFINITY)).toBe('?');
  });
});
