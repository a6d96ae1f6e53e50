import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateR4 } from '../support/fhir-validate.ts';
import { pdfBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { hapiBaseUrl } from '../support/hapi-url.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { startProxy } from '../support/tcp-proxy.ts';

/**
 * One ITI-67 / ITI-68 query suite run unchanged against the built-in /fhir endpoint and a real HAPI FHIR JPA
 * server, loaded with the same documents through the outbox; plus the outbox's behaviour when FHIR is down, the
 * idempotency of its writes, and reconcile --fhir repairing drift.
 */
const hapi = hapiBaseUrl();
const SNOMED = 'http://snomed.info/sct';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
let s: TestServer;
let token: string;
const patient = randomNhsNumber();
const other = randomNhsNumber();
const docs: { id: string; fhirId?: string; sha256: string; bytes: Buffer }[] = [];
let odsCode: string;
const otherIds: string[] = [];

async function drained(server: TestServer, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = (await server.sql`select count(*)::int as n from fhir_outbox where done_at is null`) as unknown as [{ n: number }];
    if (n === 0) return;
    if (Date.now() > until) throw new Error(`outbox still has ${n} rows`);
    await sleep(200);
  }
}

beforeAll(async () => {
  odsCode = `T${Math.floor(Math.random() * 1e6)}`;
  s = await startTestServer({ QUILL_FHIR_URL: hapi, QUILL_ODS_CODE: odsCode });
  token = await s.token('dr.index', ['records-manager']);
  const auth = { authorization: `Bearer ${token}` };
  const plan = [
    { type: '373942005', category: undefined, date: '2026-01-10' },
    { type: '4241000179101', category: '721981007', date: '2026-03-05' },
    { type: '371530004', category: undefined, date: '2026-05-20' },
    { type: '373942005', category: '419891008', date: '2026-07-01' },
    { type: '734163000', category: undefined, date: '2026-09-09' },
  ];
  for (const [i, p] of plan.entries()) {
    const bytes = pdfBytes(`iti67-${i}`);
    const res = await uploadMultipart(s.baseUrl, token, bytes, { patient, type: p.type, fields: { date: p.date, ...(p.category ? { category: p.category } : {}), description: `doc ${i}` } });
    expect(res.status).toBe(201);
    const d = await res.json();
    expect(d.fhir.state).toBe('pending');
    docs.push({ id: d.id, sha256: d.sha256, bytes });
  }
  // a second version of doc 0, and doc 4 entered-in-error
  const form = new FormData();
  const v2 = pdfBytes('iti67-0 v2');
  form.set('file', new Blob([new Uint8Array(v2)], { type: 'application/pdf' }), 'v2.pdf');
  expect((await fetch(`${s.baseUrl}/v1/documents/${docs[0]!.id}/versions`, { method: 'POST', headers: auth, body: form })).status).toBe(201);
  docs[0]!.bytes = v2;
  docs[0]!.sha256 = sha256(v2);
  expect((await fetch(`${s.baseUrl}/v1/documents/${docs[4]!.id}`, { method: 'DELETE', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'duplicate' }) })).status).toBe(200);
  otherIds.push((await (await uploadMultipart(s.baseUrl, token, pdfBytes('other patient'), { patient: other })).json()).id);
  await drained(s);
  for (const d of docs) d.fhirId = (await (await fetch(`${s.baseUrl}/v1/documents/${d.id}`, { headers: auth })).json()).fhir.id;
}, 180_000);
afterAll(() => s?.close());

interface Index {
  name: string;
  base: string;
  headers: Record<string, string>;
  idOf: (documentId: string) => string;
}
const indexes = (): Index[] => [
  { name: 'built-in', base: `${s.baseUrl}/fhir`, headers: { authorization: `Bearer ${token}` }, idOf: (id) => id },
  { name: 'HAPI FHIR', base: hapi, headers: {}, idOf: (id) => docs.find((d) => d.id === id)!.fhirId! },
];

/** Follows next links; returns the document ids (from masterIdentifier) of every match. */
async function search(ix: Index, query: string, method: 'GET' | 'POST' = 'GET'): Promise<string[]> {
  const out: string[] = [];
  let res =
    method === 'GET'
      ? await fetch(`${ix.base}/DocumentReference?${query}`, { headers: ix.headers })
      : await fetch(`${ix.base}/DocumentReference/_search`, { method: 'POST', headers: { ...ix.headers, 'content-type': 'application/x-www-form-urlencoded' }, body: query });
  for (let page = 0; page < 50; page++) {
    expect(res.status, `${ix.name} ${query}`).toBe(200);
    const bundle = await res.json();
    expect(bundle.resourceType).toBe('Bundle');
    for (const e of bundle.entry ?? []) out.push(String(e.resource.masterIdentifier.value).replace('urn:uuid:', ''));
    const next = bundle.link?.find((l: { relation: string }) => l.relation === 'next')?.url;
    if (!next) break;
    res = await fetch(next, { headers: ix.headers });
  }
  return out.sort();
}

const ids = (...i: number[]) => i.map((n) => docs[n]!.id).sort();
const pid = (p: string) => `patient.identifier=${encodeURIComponent(`${NHS}|${p}`)}`;

describe('ITI-67 Find Document References: the same answers from both indexes', () => {
  const today = new Date().toISOString().slice(0, 10);
  const cases: [string, () => string, () => string[]][] = [
    ['patient.identifier', () => pid(patient), () => ids(0, 1, 2, 3, 4)],
    ['another patient', () => pid(other), () => otherIds],
    ['status=current', () => `${pid(patient)}&status=current`, () => ids(0, 1, 2, 3)],
    ['status=entered-in-error', () => `${pid(patient)}&status=entered-in-error`, () => ids(4)],
    ['type (system|code)', () => `${pid(patient)}&type=${encodeURIComponent(`${SNOMED}|373942005`)}`, () => ids(0, 3)],
    ['type (two codes, OR)', () => `${pid(patient)}&type=371530004,734163000`, () => ids(2, 4)],
    ['category', () => `${pid(patient)}&category=${encodeURIComponent(`${SNOMED}|721981007`)}`, () => ids(1)],
    ['date=ge today', () => `${pid(patient)}&date=ge${today}`, () => ids(0, 1, 2, 3, 4)],
    ['date=lt 2000', () => `${pid(patient)}&date=lt2000-01-01`, () => []],
    ['period=ge2026-05-01', () => `${pid(patient)}&period=ge2026-05-01`, () => ids(2, 3, 4)],
    ['identifier', () => `${pid(patient)}&identifier=${encodeURIComponent(`urn:ietf:rfc:3986|urn:uuid:${docs[2]!.id}`)}`, () => ids(2)],
    ['_count=2 with paging', () => `${pid(patient)}&_count=2`, () => ids(0, 1, 2, 3, 4)],
  ];
  for (const [name, query, expected] of cases) {
    it(name, async () => {
      const [builtin, remote] = await Promise.all(indexes().map((ix) => search(ix, query())));
      expect(builtin, 'built-in').toEqual(expected());
      expect(remote, 'HAPI FHIR').toEqual(expected());
    });
  }

  it('POST _search answers as GET does', async () => {
    for (const ix of indexes()) expect(await search(ix, `${pid(patient)}&status=current`, 'POST')).toEqual(ids(0, 1, 2, 3));
  });

  it('GET by id returns the same document, valid R4, with the current version and status', async () => {
    for (const ix of indexes()) {
      for (const [i, d] of docs.entries()) {
        const res = await fetch(`${ix.base}/DocumentReference/${ix.idOf(d.id)}`, { headers: ix.headers });
        expect(res.status, ix.name).toBe(200);
        const dr = await res.json();
        validateR4(dr);
        expect(dr.masterIdentifier.value).toBe(`urn:uuid:${d.id}`);
        expect(dr.status).toBe(i === 4 ? 'entered-in-error' : 'current');
        expect(dr.subject.identifier).toEqual({ system: NHS, value: patient });
        expect(dr.custodian.identifier.value).toBe(odsCode);
        const a = dr.content[0].attachment;
        expect(a.extension.find((e: { url: string }) => e.url.endsWith('attachment-sha256')).valueString).toBe(d.sha256);
        expect(a.url).toBe(`${s.baseUrl}/v1/documents/${d.id}/content`);
        if (ix.name === 'HAPI FHIR') expect(dr.subject.reference).toMatch(/^Patient\//);
      }
    }
  });

  it('ITI-68: attachment.url retrieves the exact bytes with a token', async () => {
    for (const ix of indexes()) {
      const dr = await (await fetch(`${ix.base}/DocumentReference/${ix.idOf(docs[0]!.id)}`, { headers: ix.headers })).json();
      const res = await fetch(dr.content[0].attachment.url, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(docs[0]!.sha256);
      expect((await fetch(dr.content[0].attachment.url)).status).toBe(401);
    }
  });
});

describe('the outbox', () => {
  it('keeps uploads working while FHIR is down, then catches up with no duplicates and no losses', async () => {
    const hapiUrl = new URL(hapi);
    const proxy = await startProxy(Number(hapiUrl.port));
    const viaProxy = `${hapiUrl.protocol}//127.0.0.1:${proxy.port}${hapiUrl.pathname}`;
    const server = await startTestServer({ QUILL_FHIR_URL: viaProxy, QUILL_ODS_CODE: odsCode });
    try {
      const t = await server.token('dr.down', ['clinician']);
      const p = randomNhsNumber();
      await proxy.down();
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await uploadMultipart(server.baseUrl, t, pdfBytes(`down ${i}`), { patient: p });
        expect(res.status).toBe(201);
        made.push((await res.json()).id);
      }
      await sleep(1500);
      const metrics = await (await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${await server.token('ops.admin', ['admin'])}` } })).text();
      expect(metrics).toMatch(/quill_fhir_outbox_backlog 3/);
      expect(Number(/quill_fhir_outbox_oldest_age_seconds ([0-9.]+)/.exec(metrics)?.[1])).toBeGreaterThan(0);
      const ready = await fetch(`${server.baseUrl}/readyz`);
      expect(ready.status).toBe(200); // the record is PostgreSQL and the bytes; the index catching up is not an outage
      const body = await ready.json();
      expect(body.status).toBe('degraded');
      expect(body.layers.find((l: { layer: string }) => l.layer === 'fhir')).toMatchObject({ status: 'down', required: false });
      const [row] = await server.sql`select attempts, last_error from fhir_outbox where done_at is null order by id limit 1`;
      expect(row!.attempts).toBeGreaterThan(0);
      expect(row!.last_error).toBeTruthy();

      await proxy.up();
      await server.sql`update fhir_outbox set next_attempt_at = now() where done_at is null`; // skip the backoff wait
      await drained(server);
      for (const id of made) {
        const found = await (await fetch(`${hapi}/DocumentReference?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|urn:uuid:${id}`)}`)).json();
        expect(found.total ?? found.entry?.length ?? 0).toBe(1);
      }
      const byPatient = await (await fetch(`${hapi}/DocumentReference?${pid(p)}&_total=accurate`)).json();
      expect(byPatient.total).toBe(3);
    } finally {
      await server.close();
      await proxy.close();
    }
  });

  it('a repeated write (a retry after a lost answer) never makes a duplicate', async () => {
    const remote = s.service.remote!;
    const { findDocument, findVersion } = await import('../../src/documents/repository.ts');
    const doc = (await findDocument(s.service.db.sql, docs[1]!.id))!;
    const version = (await findVersion(s.service.db.sql, doc.id, doc.currentVersion))!;
    const first = await remote.upsert(doc, version);
    const second = await remote.upsert(doc, version);
    expect(second).toBe(first);
    const found = await (await fetch(`${hapi}/DocumentReference?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|urn:uuid:${doc.id}`)}`)).json();
    expect(found.entry).toHaveLength(1);
    validateR4(remote.build(doc, version, 'Patient/1'));
  });
});

describe('the outbox worker and PostgreSQL', () => {
  it('holds no transaction open while it waits on the FHIR server (claims are leases)', async () => {
    const hapiUrl = new URL(hapi);
    const proxy = await startProxy(Number(hapiUrl.port));
    const server = await startTestServer({ QUILL_FHIR_URL: `${hapiUrl.protocol}//127.0.0.1:${proxy.port}${hapiUrl.pathname}`, QUILL_ODS_CODE: odsCode });
    try {
      const db = (await server.sql`select current_database() as db`)[0]!.db as string;
      proxy.setDelay(2500);
      const t = await server.token('dr.slow', ['clinician']);
      expect((await uploadMultipart(server.baseUrl, t, pdfBytes('slow fhir'), { patient: randomNhsNumber() })).status).toBe(201);
      // wait until the worker's request is being held by the slow proxy, then look at every session of this database
      for (let i = 0; i < 100 && proxy.held === 0; i++) await sleep(20);
      expect(proxy.held).toBeGreaterThan(0);
      const [lease] = await server.sql`select owner, lease_until > now() as live from fhir_index_leases`;
      expect(lease).toMatchObject({ live: true });
      const open = await server.sql`select pid, state, query from pg_stat_activity where datname = ${db} and state like 'idle in transaction%'`;
      expect(open).toEqual([]);
      proxy.setDelay(0);
      await drained(server);
      expect(await server.sql`select * from fhir_index_leases`).toEqual([]);
    } finally {
      await server.close();
      await proxy.close();
    }
  });
});

describe('several instances', () => {
  it('share the outbox through leases and write each document exactly once', async () => {
    // instances behind one load balancer share the public URL that attachment.url is built from
    const second = await startTestServer({ QUILL_FHIR_URL: hapi, QUILL_ODS_CODE: odsCode, QUILL_PUBLIC_URL: s.baseUrl }, { databaseUrl: s.cfg.databaseUrl! });
    try {
      const p = randomNhsNumber();
      const made: string[] = [];
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const target = i % 2 ? second : s;
          const res = await uploadMultipart(target.baseUrl, await target.token('dr.many', ['clinician']), pdfBytes(`many ${i}`), { patient: p });
          expect(res.status).toBe(201);
          made.push((await res.json()).id);
        }),
      );
      await drained(s);
      const found = await (await fetch(`${hapi}/DocumentReference?${pid(p)}&_count=50&_total=accurate`)).json();
      expect(found.total).toBe(10);
      expect(new Set(found.entry.map((e: { resource: { masterIdentifier: { value: string } } }) => e.resource.masterIdentifier.value)).size).toBe(10);
    } finally {
      await second.close();
    }
  });
});

describe('reconcile --fhir', () => {
  it('repairs missing, stale and extra resources, and reports them', async () => {
    const missing = docs[1]!;
    const stale = docs[2]!;
    expect((await fetch(`${hapi}/DocumentReference/${missing.fhirId}`, { method: 'DELETE' })).ok).toBe(true);
    const staleDr = await (await fetch(`${hapi}/DocumentReference/${stale.fhirId}`)).json();
    staleDr.description = 'edited behind our back';
    staleDr.content[0].attachment.size = 1;
    expect((await fetch(`${hapi}/DocumentReference/${stale.fhirId}`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(staleDr) })).ok).toBe(true);
    const extra = { ...staleDr, id: undefined, masterIdentifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:00000000-0000-4000-8000-00000000abcd' }, identifier: undefined };
    delete extra.id;
    const posted = await fetch(`${hapi}/DocumentReference`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(extra) });
    expect(posted.status).toBe(201);

    const run = () => reconcileFhirCli(s);
    const r = await run();
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(report).toMatchObject({ created: 1, updated: 1, errors: [] });
    expect(report.extraRemoved).toBeGreaterThanOrEqual(1);

    const again = JSON.parse((await run()).stdout.trim().split('\n').pop()!);
    expect(again).toMatchObject({ created: 0, updated: 0, extraRemoved: 0, duplicatesRemoved: 0, errors: [] });
    const ix = indexes();
    expect(await search(ix[1]!, pid(patient))).toEqual(await search(ix[0]!, pid(patient)));
    const fixed = await (await fetch(`${hapi}/DocumentReference?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|urn:uuid:${stale.id}`)}`)).json();
    expect(fixed.entry[0].resource.description).toBe('doc 2');
  });

  it('leaves alone the index entries of another deployment sharing the FHIR server', async () => {
    // its own database is another deployment (staging, or a second trust) writing to the same HAPI
    const staging = await startTestServer({ QUILL_FHIR_URL: hapi, QUILL_ODS_CODE: odsCode });
    try {
      const t = await staging.token('dr.staging', ['clinician']);
      const id = (await (await uploadMultipart(staging.baseUrl, t, pdfBytes('staging'), { patient: randomNhsNumber() })).json()).id;
      await drained(staging);
      const byId = async () => (await (await fetch(`${hapi}/DocumentReference?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|urn:uuid:${id}`)}`)).json()).entry ?? [];
      const [entry] = await byId();
      const [dep] = await staging.sql`select id from deployment`;
      const [ours] = await s.sql`select id from deployment`;
      expect(dep!.id).not.toBe(ours!.id);
      expect(entry.resource.meta.tag).toContainEqual(expect.objectContaining({ code: `quill-docstore:${dep!.id}` }));

      const r = await reconcileFhirCli(s);
      expect(r.status, r.stderr).toBe(0);
      expect(await byId()).toHaveLength(1); // still there: not ours to remove
    } finally {
      await staging.close();
    }
  });
});

describe('disposal', () => {
  const json = (t: string, body: unknown, method = 'POST') => ({ method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const byIdentifier = async (id: string) => ((await (await fetch(`${hapi}/DocumentReference?identifier=${encodeURIComponent(`urn:ietf:rfc:3986|urn:uuid:${id}`)}`)).json()) as { entry?: unknown[] }).entry ?? [];

  /** A document indexed on HAPI and past its retention, proposed for disposal by one records manager. */
  async function proposedForDisposal(note: string): Promise<{ id: string; fhirId: string; batchId: string; approver: string }> {
    const rm1 = await s.token('rm.one', ['records-manager']);
    const mine = randomNhsNumber();
    const res = await uploadMultipart(s.baseUrl, rm1, pdfBytes(note), { patient: mine, fields: { date: '2005-01-01', description: note } });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: string }).id;
    await drained(s); // written once as uploaded (the outbox merges changes queued before its write, so wait here)
    // facts that put it past its retention (adult: 8 years after the last contact); the FHIR entry is written again
    // with its new retention date, so the server holds two versions of it
    expect((await fetch(`${s.baseUrl}/v1/retention/patients/${mine}/facts`, json(rm1, { lastContact: '2010-01-01' }, 'PUT'))).status).toBe(200);
    await drained(s);
    const fhirId = ((await (await fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: { authorization: `Bearer ${rm1}` } })).json()) as { fhir: { id: string } }).fhir.id;
    expect(await byIdentifier(id)).toHaveLength(1);
    const batch = (await (await fetch(`${s.baseUrl}/v1/retention/disposals`, json(rm1, { documents: [id], reason: 'past retention, reviewed' }))).json()) as { id: string };
    return { id, fhirId, batchId: batch.id, approver: await s.token('rm.two', ['records-manager']) };
  }

  it('deletes the DocumentReference and expunges its history: nothing of a destroyed document stays on the FHIR server', async () => {
    const { id, fhirId, batchId, approver } = await proposedForDisposal('to be destroyed');
    const history = async () => fetch(`${hapi}/DocumentReference/${fhirId}/_history`);
    const before = (await (await history()).json()) as { entry?: unknown[] };
    expect(before.entry!.length).toBeGreaterThanOrEqual(2);

    const approved = await fetch(`${s.baseUrl}/v1/retention/disposals/${batchId}/approve`, json(approver, {}));
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as { destroyed: string[] }).destroyed).toEqual([id]);

    expect([404, 410]).toContain((await fetch(`${hapi}/DocumentReference/${fhirId}`)).status);
    expect(await byIdentifier(id)).toHaveLength(0);
    // a DELETE alone would leave every version readable here
    const after = await history();
    if (after.status === 200) expect(((await after.json()) as { entry?: unknown[] }).entry ?? []).toHaveLength(0);
    else expect([404, 410]).toContain(after.status);
    for (let v = 1; v <= before.entry!.length; v++) expect([404, 410]).toContain((await fetch(`${hapi}/DocumentReference/${fhirId}/_history/${v}`)).status);
    const [row] = await s.sql`select detail from audit_events where action = 'retention.dispose' and document_id = ${id} and outcome = 'success'`;
    expect(row!.detail).toMatchObject({ remoteFhir: 'expunged' });
  });

  it('waits for an index write in flight (an outbox worker holds the document\'s lease), so that write cannot bring the entry back', async () => {
    const { id, fhirId, batchId, approver } = await proposedForDisposal('written while disposed');
    await s.sql`insert into fhir_index_leases (document_id, owner, lease_until) values (${id}, 'worker-mid-write', now() + interval '1 minute')`;
    let answered = false;
    const approving = fetch(`${s.baseUrl}/v1/retention/disposals/${batchId}/approve`, json(approver, {})).finally(() => (answered = true));
    await sleep(1500);
    expect(answered).toBe(false);
    expect(await byIdentifier(id)).toHaveLength(1); // not removed while the write may still land
    await s.sql`delete from fhir_index_leases where document_id = ${id} and owner = 'worker-mid-write'`; // the write is done
    const res = await approving;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { destroyed: string[] }).destroyed).toEqual([id]);
    expect([404, 410]).toContain((await fetch(`${hapi}/DocumentReference/${fhirId}`)).status);
    expect(await s.sql`select 1 from fhir_index_leases where document_id = ${id}`).toHaveLength(0);
  });
});

/** `quill-docstore reconcile --fhir --json` for a test server's deployment, spawned asynchronously (never spawnSync:
 * this process's own services and their outbox workers must keep running meanwhile). */
function reconcileFhirCli(server: TestServer): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('bin/quill-docstore.js'), 'reconcile', '--fhir', '--json'], {
      env: { ...process.env, DATABASE_URL: server.cfg.databaseUrl!, QUILL_DATA_DIR: server.cfg.dataDir, QUILL_FHIR_URL: hapi, QUILL_ODS_CODE: odsCode, QUILL_PUBLIC_URL: server.baseUrl, LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}
