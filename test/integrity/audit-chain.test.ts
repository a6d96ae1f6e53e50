// The tamper-evident audit trail on a real PostgreSQL: concurrent writers never break the chain; a row edited,
// deleted or inserted directly in SQL by a superuser (lifting the append-only trigger) is reported at that row; a
// chain rewritten consistently is caught by the anchor in the blob store; `audit verify` exits 1 on any break.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anchorAuditChain, verifyAuditChain } from '../../src/audit/audit-chain.ts';
import { recordAudit } from '../../src/audit/audit-log.ts';
import type { RequestContext } from '../../src/domain/principal.ts';
import { uploadRaw, pdfBytes } from '../support/fixtures.ts';
import { runCli } from '../support/live-stores.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PATIENT = '9434765919';
const ctx = (sub: string): RequestContext => ({ principal: { sub, roles: ['clinician'], patients: null }, clientIp: '127.0.0.1', userAgent: 'test', requestId: randomBytes(4).toString('hex') });

let s: TestServer;
const verify = () => verifyAuditChain(s.service.db.sql, s.service.blobs.live);
/** As a superuser: run SQL on audit_events with the append-only trigger lifted (what an insider could do). */
const asSuperuser = (stmt: string) =>
  s.sql.begin(async (tx) => {
    await tx.unsafe('alter table audit_events disable trigger audit_events_no_update');
    await tx.unsafe(stmt);
    await tx.unsafe('alter table audit_events enable trigger audit_events_no_update');
  });
const cli = (args: string[]) => runCli(args, { DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir, LOG_LEVEL: 'silent' });

beforeAll(async () => {
  s = await startTestServer({ QUILL_SCRUB_RATE: '0' });
});
afterAll(async () => {
  await s?.close();
});

describe('audit hash chain', () => {
  it('concurrent writers (requests, uploads and direct inserts on many connections) never break the chain', async () => {
    const token = await s.token('dr', ['clinician'], [PATIENT]);
    await Promise.all([
      ...Array.from({ length: 200 }, (_, i) => recordAudit(s.service.db.sql, ctx(`user-${i % 7}`), { action: 'document.read', outcome: 'success', detail: { i, nested: { z: 1, a: [1, 'x'] } } })),
      ...Array.from({ length: 10 }, () => uploadRaw(s.baseUrl, token, pdfBytes(randomBytes(4).toString('hex')))),
      ...Array.from({ length: 30 }, () => fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}`, { headers: { authorization: `Bearer ${token}` } })),
    ]);
    const r = await verify();
    expect(r.breaks).toEqual([]);
    expect(r.ok).toBe(true);
    const [{ n }] = (await s.sql`select count(*)::int as n from audit_events`) as unknown as [{ n: number }];
    expect(r.rowsChecked).toBe(n);
    expect(r.rowsChecked).toBeGreaterThanOrEqual(240);
    const [head] = await s.sql`select sum(seq)::int as n, count(*) filter (where seq > 0)::int as lanes from audit_chain_head`;
    expect(head!.n).toBe(n);
    expect(r.headRows).toBe(n);
    expect(head!.lanes).toBeGreaterThan(1); // concurrent writers spread over lanes
    const anchor = await anchorAuditChain(s.service.db.sql, s.service.blobs.live);
    expect(anchor?.total).toBe(n);
    const ok = await cli(['audit', 'verify']);
    expect(ok.stdout).toMatch(/the chain is intact/);
    expect(ok.code).toBe(0);
  });

  it('reports a row edited as superuser at that row, and exit 1', async () => {
    const [row] = await s.sql`select id, chain_lane, chain_seq from audit_events order by id offset 57 limit 1`;
    await asSuperuser(`update audit_events set actor = 'mallory' where id = ${row!.id}`);
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.breaks[0]).toMatchObject({ kind: 'edited', id: String(row!.id), lane: row!.chain_lane, seq: Number(row!.chain_seq) });
    const out = await cli(['audit', 'verify', '--json']);
    expect(out.code).toBe(1);
    expect(JSON.parse(out.stdout).breaks[0]).toMatchObject({ kind: 'edited', id: String(row!.id) });
  });

  it('reports a deleted row at its chain position, and an inserted one (chain trigger disabled) by id', async () => {
    const [edited] = await s.sql`select id from audit_events where actor = 'mallory'`;
    const [victim] = await s.sql`select id, chain_lane, chain_seq from audit_events order by id offset 120 limit 1`;
    await asSuperuser(`delete from audit_events where id = ${victim!.id}`);
    // an insert that skips every trigger (session_replication_role = replica), as a superuser could
    const inserted = await s.sql.begin(async (tx) => {
      await tx.unsafe('set local session_replication_role = replica');
      return tx`insert into audit_events (actor, action, outcome, patient_nhs) values ('mallory', 'document.read', 'success', ${PATIENT}) returning id`;
    });
    const r = await verify();
    const kinds = r.breaks.map((b) => [b.kind, b.id ?? `${b.lane}:${b.seq}`]);
    expect(kinds).toContainEqual(['deleted', `${victim!.chain_lane}:${victim!.chain_seq}`]);
    expect(kinds).toContainEqual(['inserted', String(inserted[0]!.id)]);
    expect(r.breaks.find((b) => b.kind === 'edited')?.id).toBe(String(edited!.id));
    // the edit (the earliest row) is reported first
    expect(r.breaks[0]).toMatchObject({ kind: 'edited' });
    expect(r.breaks.filter((b) => b.kind !== 'edited' && b.kind !== 'deleted' && b.kind !== 'inserted')).toEqual([]);
  });

  it('a chain rewritten consistently after an edit passes the row checks but not the anchor', async () => {
    // a fresh server (clean chain), an anchor, then a superuser edits a row and recomputes every later hash and the head
    const t = await startTestServer({ QUILL_SCRUB_RATE: '0' });
    try {
      for (let i = 0; i < 20; i++) await recordAudit(t.service.db.sql, ctx('u'), { action: 'document.read', outcome: 'success' });
      const anchor = await anchorAuditChain(t.service.db.sql, t.service.blobs.live);
      const [victim] = await t.sql`select id, chain_lane, chain_seq from audit_events order by id offset 4 limit 1`;
      const lane = victim!.chain_lane as number;
      const seq = Number(victim!.chain_seq);
      await t.sql.begin(async (tx) => {
        await tx.unsafe('alter table audit_events disable trigger audit_events_no_update');
        await tx.unsafe(`update audit_events set actor = 'mallory' where id = ${victim!.id}`);
        // recompute every later hash of that lane, and its head, exactly as the trigger would have
        await tx.unsafe(`do $$ declare r audit_events; h bytea; begin
          select prev_hash into h from audit_events where chain_lane = ${lane} and chain_seq = ${seq};
          for r in select * from audit_events where chain_lane = ${lane} and chain_seq >= ${seq} order by chain_seq loop
            update audit_events set prev_hash = h, row_hash = sha256(h || convert_to(audit_canonical(r.chain_lane, r.chain_seq, r), 'UTF8')) where id = r.id returning row_hash into h;
          end loop;
          update audit_chain_head set hash = h where lane = ${lane}; end $$`);
        await tx.unsafe('alter table audit_events enable trigger audit_events_no_update');
      });
      const r = await verifyAuditChain(t.service.db.sql, t.service.blobs.live);
      expect(r.ok).toBe(false);
      expect(r.breaks.map((b) => b.kind)).toEqual(['anchor-mismatch']);
      expect(r.breaks[0]).toMatchObject({ lane, seq: anchor!.lanes.find((l) => l.lane === lane)!.seq });
    } finally {
      await t.close();
    }
  });
});
