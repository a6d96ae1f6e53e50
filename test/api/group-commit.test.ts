// Upload commits group-committed in shared transactions (src/db/shared-transaction.ts): against a real PostgreSQL,
// a failing piece fails only itself and nothing of it is committed; over HTTP, concurrent uploads share transactions
// and each is stored, readable and audited as it is alone.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionBatcher } from '../../src/db/shared-transaction.ts';
import { createTestDatabase } from '../support/database.ts';
import { withAuditLanesHeld } from '../support/audit-lanes.ts';
import { pdfBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

describe('transactionBatcher on a real PostgreSQL', () => {
  let db: { url: string; drop(): Promise<void> };
  let sql: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = postgres(db.url, { max: 4, onnotice: () => undefined });
    await sql`create table pieces (name text primary key)`;
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('runs what queued behind a busy slot in one transaction; when one piece fails, each runs again alone and only the failing one is lost', async () => {
    const b = transactionBatcher<string>(sql, { maxInFlight: 1, maxBatch: 10 });
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const put = (name: string) => async (tx: postgres.TransactionSql) => {
      await tx`insert into pieces (name) values (${name})`;
      if (name === 'bad') throw new Error('refused by its own rule');
      return name;
    };
    const first = b.submit(async (tx) => {
      await gate;
      return put('first')(tx);
    });
    const rest = ['a', 'bad', 'c'].map((n) => b.submit(put(n)));
    expect(b.stats.queued).toBe(3);
    open();
    expect(await first).toBe('first');
    const settled = await Promise.allSettled(rest);
    expect(settled.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual(['a', 'refused by its own rule', 'c']);
    expect(b.stats.statements).toBe(5); // the first; the three together (rolled back); each of the three alone
    expect((await sql<{ name: string }[]>`select name from pieces order by name`).map((r) => r.name)).toEqual(['a', 'c', 'first']);
  });
});

describe('uploads group-committed over HTTP', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  it('concurrent uploads share transactions, and each is stored, listed, readable byte for byte and audited once', async () => {
    const t = await s.token('gc.uploader', ['clinician']);
    const N = 12;
    const uploads = Array.from({ length: N }, (_, i) => ({ patient: randomNhsNumber(), bytes: pdfBytes(`group commit ${i}`) }));
    const before = s.service.documents.uploadCommitBatching;
    const send = () => Promise.all(uploads.map((u) => uploadMultipart(s.baseUrl, t, u.bytes, { patient: u.patient }).then(async (r) => ({ status: r.status, body: await r.json() }))));
    const answers = await withAuditLanesHeld(s.sql, () => s.service.documents.uploadCommitBatching.queued, N - 2, send);
    expect(answers.map((a) => a.status)).toEqual(uploads.map(() => 201));
    const after = s.service.documents.uploadCommitBatching;
    expect(after.statements - before.statements).toBeLessThan(after.inputs - before.inputs);
    for (const [i, u] of uploads.entries()) {
      const { id, sha256: digest, patient } = answers[i]!.body as { id: string; sha256: string; patient: string };
      expect(patient).toBe(u.patient);
      expect(digest).toBe(sha256(u.bytes));
      const listed = (await (await fetch(`${s.baseUrl}/v1/documents?patient=${u.patient}`, { headers: { authorization: `Bearer ${t}` } })).json()) as { items: { id: string }[] };
      expect(listed.items.map((d) => d.id)).toEqual([id]);
      const content = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: { authorization: `Bearer ${t}` } });
      expect(Buffer.from(await content.arrayBuffer()).equals(u.bytes)).toBe(true);
    }
    const audited = await s.sql<{ patient_nhs: string }[]>`select patient_nhs from audit_events where actor = 'gc.uploader' and action = 'document.create' and outcome = 'success'`;
    expect(audited.map((r) => r.patient_nhs).sort()).toEqual(uploads.map((u) => u.patient).sort());
    const intents = await s.sql<{ state: string }[]>`select state from upload_intents where created_by = 'gc.uploader'`;
    expect(intents.map((r) => r.state)).toEqual(uploads.map(() => 'committed'));
  });

  it('new versions of one document arriving together: versions 2..N+1, each once, with its own bytes, and nothing left behind', async () => {
    // In one shared transaction each would read the same current version and take the same number; the collision
    // rolls the transaction back and each runs again alone, so every upload still gets its own version.
    const t = await s.token('gc.versioner', ['clinician']);
    const patient = randomNhsNumber();
    const first = (await (await uploadMultipart(s.baseUrl, t, pdfBytes('gc v1'), { patient })).json()) as { id: string };
    const N = 6;
    const versions = Array.from({ length: N }, (_, i) => pdfBytes(`gc v${i + 2}`));
    const before = s.service.documents.uploadCommitBatching;
    const send = () =>
      Promise.all(
        versions.map(async (bytes, i) => {
          const form = new FormData();
          form.set('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), `v${i + 2}.pdf`);
          const r = await fetch(`${s.baseUrl}/v1/documents/${first.id}/versions`, { method: 'POST', headers: { authorization: `Bearer ${t}` }, body: form });
          return { status: r.status, body: (await r.json()) as { version: number; sha256: string } };
        }),
      );
    const answers = await withAuditLanesHeld(s.sql, () => s.service.documents.uploadCommitBatching.queued, N - 2, send);
    expect(answers.map((a) => a.status)).toEqual(versions.map(() => 201));
    const after = s.service.documents.uploadCommitBatching;
    // some of them shared a transaction, collided and ran again alone: the batcher carried more commits than uploads
    expect(after.inputs - before.inputs).toBeGreaterThan(N);
    expect(answers.map((a) => a.body.version).sort((a, b) => a - b)).toEqual(versions.map((_, i) => i + 2));
    for (const [i, a] of answers.entries()) {
      expect(a.body.sha256).toBe(sha256(versions[i]!));
      const content = await fetch(`${s.baseUrl}/v1/documents/${first.id}/content?version=${a.body.version}`, { headers: { authorization: `Bearer ${t}` } });
      expect(Buffer.from(await content.arrayBuffer()).equals(versions[i]!)).toBe(true);
    }
    const meta = (await (await fetch(`${s.baseUrl}/v1/documents/${first.id}`, { headers: { authorization: `Bearer ${t}` } })).json()) as { currentVersion: number; versions: unknown[] };
    expect(meta).toMatchObject({ currentVersion: N + 1 });
    expect(meta.versions).toHaveLength(N + 1);
    const audited = await s.sql<{ version: number }[]>`select version from audit_events where actor = 'gc.versioner' and action = 'document.version.create' and outcome = 'success' order by version`;
    expect(audited.map((r) => r.version)).toEqual(versions.map((_, i) => i + 2));
    const intents = await s.sql<{ state: string }[]>`select state from upload_intents where created_by = 'gc.versioner'`;
    expect(intents.map((r) => r.state)).toEqual([first, ...versions].map(() => 'committed'));
  });
});
