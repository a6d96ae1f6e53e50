// The service's background scrubber: several instances (here two loops on one database) share one checkpointed pass
// under the advisory lock, so every version is verified exactly once per pass, at the configured rate; the pass is
// recorded, and the next one waits for its turn (half of QUILL_SCRUB_INTERVAL_DAYS).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bootstrap.ts';
import { startIntegrity } from '../../src/integrity/background.ts';
import { scrubStatus } from '../../src/integrity/scrubber.ts';
import { uploadRaw } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PATIENT = '9434765919';
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ QUILL_SCRUB_RATE: '0' }); // the service's own loop off: the test runs its own two
});
afterAll(async () => {
  await s?.close();
});

describe('background scrubber', () => {
  it('two instances complete one pass together, each version verified once, then idle until the next is due', async () => {
    const token = await s.token('dr', ['clinician'], [PATIENT]);
    let bytes = 0;
    for (let i = 0; i < 12; i++) {
      const body = Buffer.from(`Clinic letter ${randomBytes(8).toString('hex')} `.repeat(2000 + i * 100));
      expect((await uploadRaw(s.baseUrl, token, body, { contentType: 'text/plain' })).status).toBe(201);
      bytes += body.length;
    }
    const cfg = { ...s.cfg, integrity: { scrubRate: 50, scrubIntervalDays: 30, auditAnchorSeconds: 0, auditAnchorRetainDays: 0 } };
    const log = createLogger('silent');
    const a = startIntegrity(s.service.db.sql, s.service.blobs, s.service.blobs.live, log, cfg, { startDelayMs: 0 });
    const b = startIntegrity(s.service.db.sql, s.service.blobs, s.service.blobs.live, log, cfg, { startDelayMs: 0 });
    try {
      const end = Date.now() + 30_000;
      while (!(await scrubStatus(s.service.db.sql)).lastFullPassAt) {
        if (Date.now() > end) throw new Error('no complete pass in 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      const st = await scrubStatus(s.service.db.sql);
      expect(st.versionsVerified).toBe(12);
      expect(st.bytesVerified).toBe(bytes);
      expect(st.failures).toBe(0);
      expect(st.passStartedAt).toBeNull();
      const unverified = await s.sql`select count(*)::int as n from document_versions where last_verified_at is null`;
      expect(unverified[0]!.n).toBe(0);
      // the next pass is not due for 15 days: nothing more is read
      await new Promise((r) => setTimeout(r, 500));
      expect((await scrubStatus(s.service.db.sql)).versionsVerified).toBe(12);
      // /metrics and /readyz report it
      const metrics = await (await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: `Bearer ${await s.token('ops.admin', ['admin'])}` } })).text();
      expect(metrics).toMatch(new RegExp(`^quill_scrub_bytes_verified_total ${bytes}$`, 'm'));
      expect(metrics).toMatch(/^quill_scrub_last_full_pass_timestamp_seconds [1-9]\d*(\.\d+)?$/m);
      expect(metrics).toMatch(/^quill_scrub_oldest_unverified_seconds \d/m);
      // the public answer has status only; the count is in an admin's detailed answer
      const ready = await (await fetch(`${s.baseUrl}/readyz`, { headers: { authorization: `Bearer ${await s.token('ops.admin', ['admin'])}` } })).json();
      expect(ready.layers.find((l: { layer: string }) => l.layer === 'integrity')).toMatchObject({ status: 'ok', detail: { flagged: 0 } });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);
});
