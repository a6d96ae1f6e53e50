// The second security review (issue 25): what an authenticated user (or the holder of a download link) could still do
// that they should not, each shown against a real service on a real PostgreSQL and filesystem store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBytes, uploadRaw } from '../support/fixtures.ts';
import { expectProblem } from '../support/problem.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const json = { 'content-type': 'application/json' };

let s: TestServer;
let clinician: string;
let manager: string;

beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.sec', ['clinician']);
  manager = await s.token('rm.sec', ['records-manager']);
}, 60_000);
afterAll(async () => s?.close());

async function upload(token: string, note: string): Promise<string> {
  const res = await uploadRaw(s.baseUrl, token, pdfBytes(note));
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function downloadUrl(token: string, id: string): Promise<string> {
  const res = await fetch(`${s.baseUrl}/v1/documents/${id}/download-url`, { method: 'POST', headers: auth(token) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { url: string }).url;
}

async function enterInError(id: string): Promise<void> {
  const res = await fetch(`${s.baseUrl}/v1/documents/${id}`, { method: 'DELETE', headers: { ...auth(manager), ...json }, body: JSON.stringify({ reason: 'filed against the wrong patient' }) });
  expect(res.status).toBe(200);
}

describe('finding 2: a signed URL obeys the read rules when it is fetched, not only when it is issued', () => {
  it('a clinician’s URL issued before the document was marked entered-in-error is refused (409), and the refusal audited', async () => {
    const id = await upload(clinician, 'marked after the link was made');
    const url = await downloadUrl(clinician, id);
    expect((await fetch(url)).status).toBe(200);
    await enterInError(id);
    await expectProblem(await fetch(url), 409, 'document_entered_in_error');
    const rows = await s.sql`select actor, outcome, error_code from audit_events where document_id = ${id} and action = 'document.blob-fetch' order by id`;
    expect(rows.map((r) => `${r.actor}:${r.outcome}:${r.error_code}`)).toEqual(['dr.sec:success:null', 'dr.sec:failed:document_entered_in_error']);
  });

  it('a reviewer’s URL carries the reviewer’s right: it serves an entered-in-error document, as /content does for them', async () => {
    const id = await upload(clinician, 'reviewed after marking');
    await enterInError(id);
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents/${id}/download-url`, { method: 'POST', headers: auth(clinician) }), 409, 'document_entered_in_error');
    const url = await downloadUrl(manager, id);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toContain('reviewed after marking');
    // the right is part of what is signed: a clinician's URL cannot be given it
    const clinicianUrl = new URL(url);
    clinicianUrl.searchParams.set('sub', 'dr.sec');
    await expectProblem(await fetch(clinicianUrl), 403, 'url_invalid');
  });

  it('a URL to a document under an approved disposal answers document_disposed, as every other read does', async () => {
    const id = await upload(clinician, 'to be disposed of');
    const url = await downloadUrl(clinician, id);
    // an approved disposal under way: the mark retention/disposal.ts sets before any byte is destroyed
    await s.sql`update documents set disposal_id = gen_random_uuid() where id = ${id}`;
    await expectProblem(await fetch(url), 410, 'document_disposed');
  });
});

describe('finding 6: the service chooses the audit request id; the client’s X-Request-Id is kept as detail', () => {
  it('two users sending the same X-Request-Id get two ids in the trail, each row keeping the client’s value', async () => {
    const id = await upload(clinician, 'request ids');
    const given = 'shared-request-id-25';
    const read = await fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: { ...auth(clinician), 'x-request-id': given } });
    expect(read.status).toBe(200);
    const mark = await fetch(`${s.baseUrl}/v1/documents/${id}`, { method: 'DELETE', headers: { ...auth(manager), ...json, 'x-request-id': given }, body: JSON.stringify({ reason: 'duplicate of another letter' }) });
    expect(mark.status).toBe(200);
    const refused = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: { ...auth(clinician), 'x-request-id': given } });
    const problem = (await refused.json()) as { requestId: string };
    const rows = await s.sql<{ actor: string; action: string; request_id: string; detail: { clientRequestId?: string } | null }[]>`
      select actor, action, request_id, detail from audit_events where document_id = ${id} and action in ('document.read', 'document.enter-in-error', 'document.content') order by id`;
    expect(rows.map((r) => `${r.actor}:${r.action}`)).toEqual(['dr.sec:document.read', 'rm.sec:document.enter-in-error', 'dr.sec:document.content']);
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(3);
    for (const r of rows) {
      expect(r.request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(r.detail?.clientRequestId).toBe(given);
    }
    // the problem names the service's id, the one in the trail
    expect(problem.requestId).toBe(rows[2]!.request_id);
  });
});
