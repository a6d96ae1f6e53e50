import { describe, expect, it } from 'vitest';
import type { BackupMeta } from '../../src/backup/catalog.ts';
import { planExpiry } from '../../src/backup/expire.ts';
import { dueBackup } from '../../src/backup/scheduler.ts';

const day = 86_400_000;
const now = new Date('2026-06-30T12:00:00Z');
let n = 0;
function backup(daysAgo: number, kind: 'full' | 'incremental', parent: BackupMeta | null = null): BackupMeta {
  const t = new Date(now.getTime() - daysAgo * day);
  return {
    id: `b${++n}-${kind}`,
    kind,
    parent: parent?.id ?? null,
    startedAt: t.toISOString(),
    finishedAt: new Date(t.getTime() + 60_000).toISOString(),
    startLsn: '0/0',
    stopLsn: '0/0',
    timeline: 1,
    startWal: '000000010000000000000001',
    sizeBytes: 1,
    verified: true,
    verifiedAt: t.toISOString(),
    systemIdentifier: '1',
    serverVersion: '18.4',
  };
}

describe('retention: nothing a restore inside the window needs is expired', () => {
  it('keeps the full backup (and the incrementals on it) that the window start restores from', () => {
    const f1 = backup(40, 'full');
    const i1 = backup(39, 'incremental', f1);
    const f2 = backup(33, 'full');
    const i2 = backup(32, 'incremental', f2);
    const i3 = backup(29.5, 'incremental', i2); // inside the window
    const f3 = backup(20, 'full');
    const { keep, remove, anchor } = planExpiry([f1, i1, f2, i2, i3, f3], 30, now);
    // a restore to now-30d starts from i2, whose chain begins at f2
    expect(anchor?.id).toBe(f2.id);
    expect(keep.map((m) => m.id)).toEqual([f2.id, i2.id, i3.id, f3.id]);
    expect(remove.map((m) => m.id)).toEqual([f1.id, i1.id]);
  });

  it('removes nothing while the window is not yet filled', () => {
    const f = backup(10, 'full');
    const i = backup(9, 'incremental', f);
    expect(planExpiry([f, i], 30, now).remove).toEqual([]);
  });

  it('never removes the only full backup an old chain still needs', () => {
    const f = backup(60, 'full');
    const incs = [backup(45, 'incremental', f)];
    incs.push(backup(1, 'incremental', incs[0]!));
    const { remove } = planExpiry([f, ...incs], 30, now);
    expect(remove).toEqual([]);
  });
});

describe('schedule: daily full, hourly incremental', () => {
  const b = { fullIntervalHours: 24, incrementalIntervalMinutes: 60 };
  it('asks for a full backup when there is none, or the last full one is a day old', () => {
    expect(dueBackup([], b, now)).toBe('full');
    expect(dueBackup([backup(1.01, 'full')], b, now)).toBe('full');
  });
  it('asks for an incremental one an hour after the last backup, and nothing before', () => {
    const f = backup(0.5, 'full');
    expect(dueBackup([f], b, now)).toBe('incremental');
    const i = backup(0.02, 'incremental', f); // ~29 minutes ago
    expect(dueBackup([f, i], b, now)).toBeNull();
  });
  it('asks for a full backup at once when the server writes on another timeline (a failover promoted a standby)', () => {
    const f = backup(0.5, 'full');
    const i = backup(0.02, 'incremental', f);
    expect(dueBackup([f, i], b, now, i.timeline)).toBeNull();
    expect(dueBackup([f, i], b, now, i.timeline + 1)).toBe('full');
  });
});

describe('doctor: replication lag from the newest versions’ replication status', () => {
  const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);
  it('reports the oldest pending version as the lag, fails on a FAILED one, and says when nothing is reported', async () => {
    const { summarizeReplication } = await import('../../src/jobs/replication-doctor.ts');
    const t = now.getTime();
    expect(summarizeReplication([{ status: 'COMPLETED', at: at(5), key: 'a' }, { status: 'PENDING', at: at(42), key: 'b' }, { status: 'PENDING', at: at(7), key: 'c' }], t)).toMatchObject({
      ok: true,
      detail: expect.stringContaining('2 pending, the oldest for 42 s'),
    });
    expect(summarizeReplication([{ status: 'COMPLETED', at: at(1), key: 'a' }, { status: 'FAILED', at: at(9), key: 'b' }], t)).toMatchObject({ ok: false, detail: expect.stringContaining('1 of the 2 newest versions FAILED') });
    expect(summarizeReplication([{ status: null, at: at(1), key: 'a' }], t).detail).toContain('reports no replication status');
    expect(summarizeReplication([{ status: 'COMPLETED', at: at(1), key: 'a' }], t).detail).toContain('(lag 0)');
  });
});
