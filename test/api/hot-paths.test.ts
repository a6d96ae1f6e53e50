// The two hottest reads, the list page and the download URL: their audit trail exactly — a success row only when the
// read is allowed, with its version, patient and detail; a refusal gives its error and a denied/failed row, and no
// success row. (Any faster path for these reads, such as one statement for the read and its audit row, must keep
// these passing.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_PATIENT, PATIENT, pdfBytes, uploadMultipart } from '../support/fixtures.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { withAuditLanesHeld } from '../support/audit-lanes.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { StatementBatcher } from '../../src/db/statement-batcher.ts';
import { isInputError } from '../../src/db/errors.ts';
import { readVersionsAudited, type AuditedVersionRead } from '../../src/documents/repository.ts';

let s: TestServer;
let clinician: string;
let doc: string;
let retracted: string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const rows = (action: string, actor: string) =>
  s.sql<{ outcome: string; error_code: string | null; document_id: string | null; version: number | null; patient_nhs: string | null; detail: Record<string, unknown> | null }[]>`
    select outcome, error_code, document_id, version, patient_nhs, detail from audit_events where action = ${action} and actor = ${actor} order by id`;

beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.hot', ['clinician']);
  doc = (await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('v1'))).json()).id;
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(pdfBytes('v2'))], { type: 'application/pdf' }), 'v2.pdf');
  expect((await fetch(`${s.baseUrl}/v1/documents/${doc}/versions`, { method: 'POST', headers: auth(clinician), body: form })).status).toBe(201);
  retracted = (await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('gone'))).json()).id;
  const rm = await s.token('rm.hot', ['records-manager']);
  const eie = await fetch(`${s.baseUrl}/v1/documents/${retracted}`, { method: 'DELETE', headers: { ...auth(rm), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong patient' }) });
  expect(eie.status).toBe(200);
});
afterAll(() => s?.close());

describe('download URL: access check and audit row', () => {
  it('writes exactly one success row naming the version it issued, with the expiry it returned', async () => {
    const t = await s.token('dl.current', ['clinician']);
    const res = await fetch(`${s.baseUrl}/v1/documents/${doc}/download-url`, { method: 'POST', headers: { ...auth(t), 'content-type': 'application/json' }, body: JSON.stringify({ expiresIn: 120 }) });
    expect(res.status).toBe(200);
    const body = await res.json();
    const audit = await rows('document.download-url', 'dl.current');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: 'success', error_code: null, document_id: doc, version: 2, patient_nhs: PATIENT });
    expect(audit[0]!.detail).toEqual({ expiresAt: body.expiresAt });
    // an older version by number
    const v1 = await fetch(`${s.baseUrl}/v1/documents/${doc}/download-url`, { method: 'POST', headers: { ...auth(t), 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }) });
    expect(v1.status).toBe(200);
    expect((await rows('document.download-url', 'dl.current')).map((r) => r.version)).toEqual([2, 1]);
  });

  it('refuses a patient outside the caller scope with 403 patient_forbidden: a denied row, no success row', async () => {
    const t = await s.token('dl.scoped', ['clinician'], [OTHER_PATIENT]);
    const res = await fetch(`${s.baseUrl}/v1/documents/${doc}/download-url`, { method: 'POST', headers: auth(t) });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('patient_forbidden');
    expect(await rows('document.download-url', 'dl.scoped')).toEqual([expect.objectContaining({ outcome: 'denied', error_code: 'patient_forbidden', patient_nhs: PATIENT, document_id: doc })]);
  });

  it('refuses an entered-in-error document to a clinician, and issues it (audited) to a records manager', async () => {
    const t = await s.token('dl.eie', ['clinician']);
    const res = await fetch(`${s.baseUrl}/v1/documents/${retracted}/download-url`, { method: 'POST', headers: auth(t) });
    expect(res.status).not.toBe(200);
    expect((await res.json()).code).toBe('document_entered_in_error');
    expect((await rows('document.download-url', 'dl.eie')).map((r) => r.outcome)).toEqual(['failed']);
    const rm = await s.token('dl.rm', ['records-manager']);
    expect((await fetch(`${s.baseUrl}/v1/documents/${retracted}/download-url`, { method: 'POST', headers: auth(rm) })).status).toBe(200);
    expect(await rows('document.download-url', 'dl.rm')).toEqual([expect.objectContaining({ outcome: 'success', version: 1, document_id: retracted })]);
  });

  it('answers 404 for a missing document or version without a success row', async () => {
    const t = await s.token('dl.missing', ['clinician']);
    const none = await fetch(`${s.baseUrl}/v1/documents/00000000-0000-4000-8000-000000000000/download-url`, { method: 'POST', headers: auth(t) });
    expect(none.status).toBe(404);
    const noVersion = await fetch(`${s.baseUrl}/v1/documents/${doc}/download-url`, { method: 'POST', headers: { ...auth(t), 'content-type': 'application/json' }, body: JSON.stringify({ version: 9 }) });
    expect(noVersion.status).toBe(404);
    const audit = await rows('document.download-url', 'dl.missing');
    expect(audit.map((r) => r.outcome)).toEqual(['failed', 'failed']);
    expect(audit[1]).toMatchObject({ document_id: doc, patient_nhs: PATIENT });
  });
});

describe('download URL: the rules that landed beside the one-statement path', () => {
  const post = (t: string, id: string, headers: Record<string, string> = {}) => fetch(`${s.baseUrl}/v1/documents/${id}/download-url`, { method: 'POST', headers: { ...auth(t), ...headers } });

  it('break-glass: out of scope with a reason is issued, and the success row carries the reason; without one it is denied', async () => {
    const t = await s.token('dl.glass', ['clinician'], [OTHER_PATIENT]);
    const res = await post(t, doc, { 'quill-break-glass': 'patient unconscious in ED' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(await rows('document.download-url', 'dl.glass')).toEqual([
      expect.objectContaining({ outcome: 'success', patient_nhs: PATIENT, version: 2, detail: { expiresAt: body.expiresAt, breakGlass: 'patient unconscious in ED' } }),
    ]);
    // in scope, the same header is not a break-glass read: no reason in the row
    const inScope = await s.token('dl.glass.in', ['clinician'], [PATIENT]);
    const ok = await post(inScope, doc, { 'quill-break-glass': 'not needed' });
    expect(ok.status).toBe(200);
    expect((await rows('document.download-url', 'dl.glass.in'))[0]!.detail).toEqual({ expiresAt: (await ok.json()).expiresAt });
    // an auditor has no read permission: break-glass does not give one
    const auditor = await s.token('dl.glass.auditor', ['auditor'], [OTHER_PATIENT]);
    expect((await post(auditor, doc, { 'quill-break-glass': 'curious' })).status).toBe(403);
    expect((await rows('document.download-url', 'dl.glass.auditor')).map((r) => r.outcome)).toEqual(['denied']);
  });

  it('a quarantined version is refused: 409 content_quarantined, a failed row and no success row', async () => {
    const own = (await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('to be flagged'))).json()).id as string;
    await s.sql`update document_versions set integrity_failed_at = now(), integrity_detail = 'test' where document_id = ${own} and version = 1`;
    const t = await s.token('dl.quarantine', ['clinician']);
    const res = await post(t, own);
    expect(res.status).toBe(409);
    expect((await res.json()).code).toBe('content_quarantined');
    expect(await rows('document.download-url', 'dl.quarantine')).toEqual([expect.objectContaining({ outcome: 'failed', error_code: 'content_quarantined', version: 1, patient_nhs: PATIENT })]);
  });

  it('a document under an approved disposal is refused (document_disposed), with no success row, and is gone from the list', async () => {
    const own = (await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('to be disposed of'))).json()).id as string;
    const rm = await s.token('dl.disposed', ['records-manager']);
    const listed = async () => ((await (await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&limit=200`, { headers: auth(rm) })).json()).items as { id: string }[]).map((d) => d.id);
    expect(await listed()).toContain(own);
    await s.sql`update documents set disposal_id = gen_random_uuid() where id = ${own}`;
    const res = await post(rm, own);
    expect((await res.json()).code).toBe('document_disposed');
    expect((await rows('document.download-url', 'dl.disposed')).map((r) => [r.outcome, r.error_code])).toEqual([['failed', 'document_disposed']]);
    expect(await listed()).not.toContain(own);
  });
});

describe('list: the page and its audit row', () => {
  it('pages with a cursor, counting in each audit row only the documents it returned', async () => {
    const t = await s.token('ls.pages', ['clinician']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: auth(t) });
      const body = (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((d) => d.id));
      cursor = body.nextCursor;
    } while (cursor);
    const all = (await s.sql<{ id: string }[]>`select id from documents where patient_nhs = ${PATIENT} and status = 'current' and disposal_id is null order by created_at desc, id desc`).map((r) => r.id);
    expect(seen).toEqual(all);
    expect((await rows('document.list', 'ls.pages')).map((r) => r.detail)).toEqual(all.map(() => ({ count: 1 })));
  });

  it('break-glass on a list: the row carries the reason; a legal hold shows on the listed document', async () => {
    const t = await s.token('ls.glass', ['clinician'], [OTHER_PATIENT]);
    await s.sql`insert into legal_holds (id, scope, document_id, reason, set_by) values (gen_random_uuid(), 'document', ${doc}, 'inquiry', 'test')`;
    try {
      const res = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&limit=200`, { headers: { ...auth(t), 'quill-break-glass': 'transfer from another trust' } });
      expect(res.status).toBe(200);
      const items = (await res.json()).items as { id: string; legalHold: boolean }[];
      expect(items.find((d) => d.id === doc)?.legalHold).toBe(true);
      expect(items.filter((d) => d.id !== doc).every((d) => d.legalHold === false)).toBe(true);
      expect(await rows('document.list', 'ls.glass')).toEqual([expect.objectContaining({ outcome: 'success', detail: { count: items.length, breakGlass: 'transfer from another trust' } })]);
    } finally {
      await s.sql`delete from legal_holds where document_id = ${doc}`;
    }
  });


  it('concurrent listings with different patients, filters and cursors share statements, each with its own page and row', async () => {
    const t = await s.token('ls.many', ['clinician']);
    const rm = await s.token('ls.many.rm', ['records-manager']);
    const patient = randomNhsNumber();
    const ids: string[] = [];
    for (const date of ['2020-01-01', '2021-01-01', '2022-01-01']) {
      ids.unshift((await (await uploadMultipart(s.baseUrl, t, pdfBytes(date), { patient, fields: { date } })).json()).id);
    }
    const eie = await fetch(`${s.baseUrl}/v1/documents/${ids[1]}`, { method: 'DELETE', headers: { ...auth(rm), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong patient' }) });
    expect(eie.status).toBe(200);
    const get = (token: string, q: string) => fetch(`${s.baseUrl}/v1/documents?patient=${patient}&${q}`, { headers: auth(token) }).then(async (r) => ({ status: r.status, ids: (((await r.json()) as { items?: { id: string }[] }).items ?? []).map((d) => d.id) }));
    const first = (await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&limit=1`, { headers: auth(t) })).json()) as { nextCursor: string };
    const cases: [token: string, query: string, expected: string[]][] = [
      [t, 'limit=1', [ids[0]!]],
      [t, 'limit=50', [ids[0]!, ids[2]!]],
      [t, `limit=1&cursor=${encodeURIComponent(first.nextCursor)}`, [ids[2]!]],
      [rm, 'limit=50&includeEnteredInError=true', ids],
      [t, 'limit=50&from=2021-06-01', [ids[0]!]],
      [t, 'limit=50&to=2021-06-01', [ids[2]!]],
      [t, 'limit=50&type=1000000000000', []],
    ];
    const before = s.service.documents.listBatching;
    const ROUNDS = 6;
    const send = () => Promise.all(Array.from({ length: ROUNDS }, () => cases.map(([token, q]) => get(token, q))).flat());
    const got = await withAuditLanesHeld(s.sql, () => s.service.documents.listBatching.queued, ROUNDS * cases.length - 2, send);
    expect(got).toEqual(Array.from({ length: ROUNDS }, () => cases.map(([, , expected]) => ({ status: 200, ids: expected }))).flat());
    const after = s.service.documents.listBatching;
    expect(after.statements - before.statements).toBeLessThan(after.inputs - before.inputs);
    const counts = (await rows('document.list', 'ls.many')).slice(1).map((r) => [r.patient_nhs, r.detail?.count]);
    const expectedCounts = cases.filter(([token]) => token === t).map(([, , expected]) => [patient, expected.length]);
    expect(counts.sort()).toEqual(Array.from({ length: ROUNDS }, () => expectedCounts).flat().sort());
  });

  it('records one success row with the count of the page it returned', async () => {
    const t = await s.token('ls.one', ['clinician']);
    const res = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&limit=1`, { headers: auth(t) });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.items).toHaveLength(1);
    const empty = await fetch(`${s.baseUrl}/v1/documents?patient=${OTHER_PATIENT}`, { headers: auth(t) });
    expect((await empty.json()).items).toHaveLength(0);
    const audit = await rows('document.list', 'ls.one');
    expect(audit).toEqual([
      expect.objectContaining({ outcome: 'success', patient_nhs: PATIENT, detail: { count: 1 } }), // the entered-in-error one is hidden
      expect.objectContaining({ outcome: 'success', patient_nhs: OTHER_PATIENT, detail: { count: 0 } }),
    ]);
  });

  it('refuses a patient outside the scope before any page is read: a denied row only', async () => {
    const t = await s.token('ls.scoped', ['clinician'], [OTHER_PATIENT]);
    const res = await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}`, { headers: auth(t) });
    expect(res.status).toBe(403);
    expect((await rows('document.list', 'ls.scoped')).map((r) => r.outcome)).toEqual(['denied']);
  });
});

describe('download URLs group-committed: many requests in one statement, each with its own answer and row', () => {
  it('concurrent requests of different callers share statements, and each gets exactly its own outcome and audit row', async () => {
    const cases: { actor: string; roles: string[]; patients: string[] | null; headers: Record<string, string>; id: () => string; status: number; rows: (string | number | null)[][] }[] = [
      { actor: 'gc.in', roles: ['clinician'], patients: [PATIENT], headers: {}, id: () => doc, status: 200, rows: [['success', null, 2]] },
      { actor: 'gc.out', roles: ['clinician'], patients: [OTHER_PATIENT], headers: {}, id: () => doc, status: 403, rows: [['denied', 'patient_forbidden', null]] },
      { actor: 'gc.glass', roles: ['clinician'], patients: [OTHER_PATIENT], headers: { 'quill-break-glass': 'emergency' }, id: () => doc, status: 200, rows: [['success', null, 2]] },
      { actor: 'gc.eie', roles: ['clinician'], patients: null, headers: {}, id: () => retracted, status: 409, rows: [['failed', 'document_entered_in_error', null]] },
      { actor: 'gc.rm', roles: ['records-manager'], patients: null, headers: {}, id: () => retracted, status: 200, rows: [['success', null, 1]] },
      { actor: 'gc.none', roles: ['clinician'], patients: null, headers: {}, id: () => '00000000-0000-4000-8000-00000000beef', status: 404, rows: [['failed', 'not_found', null]] },
    ];
    const tokens = await Promise.all(cases.map((c) => s.token(c.actor, c.roles, c.patients ?? undefined)));
    const before = s.service.documents.urlReadBatching;
    const ROUNDS = 8;
    const send = () => Promise.all(Array.from({ length: ROUNDS }, () => cases.map((c, i) => fetch(`${s.baseUrl}/v1/documents/${c.id()}/download-url`, { method: 'POST', headers: { ...auth(tokens[i]!), ...c.headers } }))).flat());
    const statuses = (await withAuditLanesHeld(s.sql, () => s.service.documents.urlReadBatching.queued, ROUNDS * cases.length - 2, send)).map((r) => r.status);
    expect(statuses).toEqual(Array.from({ length: ROUNDS }, () => cases.map((c) => c.status)).flat());
    const after = s.service.documents.urlReadBatching;
    // they did share statements: fewer statements than reads (the refused-before-reading ones never reach one)
    expect(after.statements - before.statements).toBeLessThan(after.inputs - before.inputs);
    for (const c of cases) {
      const got = (await rows('document.download-url', c.actor)).map((r) => [r.outcome, r.error_code, r.outcome === 'success' ? r.version : null]);
      expect(got, c.actor).toEqual(Array.from({ length: ROUNDS }, () => c.rows).flat());
    }
    const glass = await rows('document.download-url', 'gc.glass');
    expect(glass.every((r) => r.detail?.breakGlass === 'emergency')).toBe(true);
    expect((await rows('document.download-url', 'gc.in')).every((r) => r.detail && !('breakGlass' in r.detail))).toBe(true);
  });

  it('a statement PostgreSQL refuses for one input is re-run per input: only that read fails, and no row is written for it', async () => {
    const batcher = new StatementBatcher({ run: (reads: AuditedVersionRead[]) => readVersionsAudited(s.sql, reads), maxInFlight: 1, maxBatch: 64, separable: isInputError });
    const read = (id: string, actor: string) =>
      batcher.submit({ id, want: null, reader: { patients: null, breakGlass: null, breakGlassAsked: false, canDelete: false }, audit: { actor, roles: ['clinician'], action: 'document.download-url', outcome: 'success', document_id: null, error_code: null, detail: null, client_ip: null, user_agent: null, request_id: actor } });
    const first = read(doc, 'gc.sep.0');
    const rest = [read(doc, 'gc.sep.1'), read('not-a-uuid', 'gc.sep.bad'), read(doc, 'gc.sep.2')];
    await first;
    const settled = await Promise.allSettled(rest);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((settled[1] as PromiseRejectedResult).reason as { code: string }).code).toBe('22P02');
    expect((settled[0] as PromiseFulfilledResult<{ audited: boolean } | null>).value?.audited).toBe(true);
    expect(batcher.stats.statements).toBe(5); // the first, the refused batch of three, then each of the three alone
    const written = await s.sql<{ actor: string }[]>`select actor from audit_events where actor like 'gc.sep.%' order by actor`;
    expect(written.map((r) => r.actor)).toEqual(['gc.sep.0', 'gc.sep.1', 'gc.sep.2']);
  });
});

describe('the one-statement download-URL path', () => {
  it('agreed with access.ts on every case above (access.ts decides the answer either way: only this count shows a rule missing from its SQL)', () => {
    expect(s.service.documents.accessRuleDisagreements).toBe(0);
  });
});
