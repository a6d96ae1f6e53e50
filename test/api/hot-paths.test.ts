// The two hottest reads, the list page and the download URL: their audit trail exactly — a success row only when the
// read is allowed, with its version, patient and detail; a refusal gives its error and a denied/failed row, and no
// success row. (Any faster path for these reads, such as one statement for the read and its audit row, must keep
// these passing.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_PATIENT, PATIENT, pdfBytes, uploadMultipart } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

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

describe('list: the page and its audit row', () => {
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
