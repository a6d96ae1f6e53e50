// Which timelines a restore replays, and from which timeline each WAL segment is read: a failover (or a restore)
// promotes a server onto a new timeline, and a restore to an instant after it must cross the switch. The real thing,
// on a Patroni cluster, is test/ha/service-failover.test.ts.
import { describe, expect, it } from 'vitest';
import type { WalFile } from '../../src/backup/catalog.ts';
import { parseHistory, recoveryTimeline, timelineOfSegment, timelinePath, type TimelineHistory } from '../../src/backup/timelines.ts';
import { parseLsn, SEGMENT_BYTES } from '../../src/backup/wal-names.ts';
import { databaseUrlParts, withHost } from '../../src/db/database-url.ts';

const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 10, 0, s));
const seg = (tli: number, segno: number, archived: number): WalFile => ({ name: '', tli, segno: BigInt(segno), size: 16 << 20, mtime: at(archived) });

describe('timeline history files', () => {
  it('parses the ancestors and their switch points', () => {
    expect(parseHistory('1\t0/5000000\tno recovery target specified\n\n2\t0/9A3F1C8\tno recovery target specified\n')).toEqual([
      { tli: 1, end: parseLsn('0/5000000') },
      { tli: 2, end: parseLsn('0/9A3F1C8') },
    ]);
    expect(() => parseHistory('garbage')).toThrow(/not a timeline history line/);
  });

  it('gives each segment the newest timeline begun by it (the switch segment comes from the new timeline)', () => {
    const histories: TimelineHistory[] = [{ tli: 2, archivedAt: at(30), switches: [{ tli: 1, end: 5n * SEGMENT_BYTES + 100n }] }];
    const path = timelinePath(histories, 2);
    expect(path).toEqual([
      { tli: 1, begin: null, end: 5n * SEGMENT_BYTES + 100n },
      { tli: 2, begin: 5n * SEGMENT_BYTES + 100n, end: null },
    ]);
    expect([3, 4, 5, 6].map((s) => timelineOfSegment(path, BigInt(s)))).toEqual([1, 1, 2, 2]);
  });
});

describe('the timeline a restore follows', () => {
  // a backup on timeline 1 at segment 2; a failover at segment 5 (promotion at 0:30); timeline 2 from there on
  const backup = { timeline: 1, startLsn: `0/${(2n * SEGMENT_BYTES + 40n).toString(16).toUpperCase()}` };
  const failover: TimelineHistory[] = [{ tli: 2, archivedAt: at(30), switches: [{ tli: 1, end: 5n * SEGMENT_BYTES + 100n }] }];
  const wal = [seg(1, 2, 5), seg(1, 3, 10), seg(1, 4, 20), seg(2, 5, 35), seg(2, 6, 50)];

  it('follows a failover to an instant after it, and to the newest instant', () => {
    expect(recoveryTimeline(failover, wal, backup, at(40)).map((s) => s.tli)).toEqual([1, 2]);
    expect(recoveryTimeline(failover, wal, backup).map((s) => s.tli)).toEqual([1, 2]);
  });

  it('an instant in the outage (the old timeline archived nothing after it) follows the new timeline too', () => {
    expect(recoveryTimeline(failover, wal, backup, at(25)).map((s) => s.tli)).toEqual([1, 2]);
  });

  it('an instant before a restore that abandoned the rest of timeline 1 stays on timeline 1', () => {
    // a restore to segment 3's time made timeline 2 at 0:45, while timeline 1 had gone on to segment 5
    const restored: TimelineHistory[] = [{ tli: 2, archivedAt: at(45), switches: [{ tli: 1, end: 3n * SEGMENT_BYTES + 8n }] }];
    const w = [seg(1, 2, 5), seg(1, 3, 10), seg(1, 4, 20), seg(1, 5, 40), seg(2, 3, 50)];
    const path = recoveryTimeline(restored, w, backup, at(30));
    expect(path).toEqual([{ tli: 1, begin: null, end: null }]);
    expect(recoveryTimeline(restored, w, backup, at(55)).map((s) => s.tli)).toEqual([1, 2]);
  });

  it('ignores a timeline that left the backup\'s before the backup started, and one without ancestry in it', () => {
    const early: TimelineHistory[] = [{ tli: 2, archivedAt: at(1), switches: [{ tli: 1, end: SEGMENT_BYTES }] }];
    expect(recoveryTimeline(early, wal, backup, at(40)).map((s) => s.tli)).toEqual([1]);
  });
});

describe('multi-host database URLs', () => {
  const url = 'postgres://quill:p%40ss:word@db1:5432,db2:5433,db3/quill?target_session_attrs=primary&sslmode=require';

  it('reads every host, the credentials and the database', () => {
    const p = databaseUrlParts(url);
    expect(p.hosts).toEqual([{ host: 'db1', port: 5432 }, { host: 'db2', port: 5433 }, { host: 'db3', port: 5432 }]);
    expect([p.user, p.password, p.database, p.params.get('sslmode')]).toEqual(['quill', 'p@ss:word', 'quill', 'require']);
  });

  it('names one host (the primary found), keeping the rest', () => {
    expect(withHost(url, { host: 'db2', port: 5433 }, { target_session_attrs: null })).toBe('postgres://quill:p%40ss:word@db2:5433/quill?sslmode=require');
    expect(new URL(withHost(url, { host: 'db3', port: 5432 })).port).toBe('5432');
  });
});
