import { describe, expect, it } from 'vitest';
import type { StoredVersionRef } from '../../src/documents/repository.ts';
import { MigrationProgress, type MigrateProgress } from '../../src/jobs/migrate-blobs/progress.ts';
import { migrationReport } from '../../src/jobs/migrate-blobs/report.ts';

const ref = (version: number, size = 10): StoredVersionRef => ({
  documentId: '00000000-0000-4000-8000-000000000001',
  version,
  blobKey: `documents/x/${version}`,
  blobVersionId: null,
  contentType: 'application/pdf',
  size,
  sha256: 'a'.repeat(64),
  patient: '9434765919',
});

describe('migrate-blobs counters and report', () => {
  it('counts each outcome, passes a copy of the counters to onProgress, and reports the failures', () => {
    const seen: MigrateProgress[] = [];
    const p = new MigrationProgress({ from: 'fs', to: 's3', n: 3, bytes: 30, already: 2, startedAt: 1_000 }, (x) => seen.push(x));
    p.emit();
    p.addBytes(10);
    p.settle(ref(1), { kind: 'copied' });
    p.settle(ref(2), { kind: 'adopted' });
    p.settle(ref(3), { kind: 'failed', reason: 'read-back did not verify' });
    p.arrived(ref(4, 7)); // an upload that landed after the first pass
    p.settle(ref(4, 7), { kind: 'skipped' });

    expect(seen[0]).toMatchObject({ total: 3, totalBytes: 30, done: 0, skipped: 2, bytes: 0 });
    expect(seen).toHaveLength(6);
    expect(seen.at(-1)).toEqual({ from: 'fs', to: 's3', total: 4, totalBytes: 37, done: 4, copied: 2, adopted: 1, skipped: 3, failed: 1, bytes: 10, startedAt: 1_000 });
    seen[0]!.done = 99;
    expect(p.current.done).toBe(4); // the caller's copy is not the counters

    const report = migrationReport(p, 'run-1', 1, 4_500);
    expect(report).toEqual({
      from: 'fs', to: 's3', runId: 'run-1', total: 4, totalBytes: 37, copied: 2, adopted: 1, skipped: 3,
      failed: [{ documentId: ref(3).documentId, version: 3, key: 'documents/x/3', reason: 'read-back did not verify' }],
      bytes: 10, elapsedMs: 3_500, remaining: 1,
    });
  });

  it('never reports fewer versions than it finished (an upload that landed during the first pass)', () => {
    const p = new MigrationProgress({ from: 'fs', to: 's3', n: 0, bytes: 0, already: 0, startedAt: 0 });
    p.settle(ref(1), { kind: 'copied' });
    expect(p.current).toMatchObject({ total: 1, done: 1, copied: 1 });
  });
});
