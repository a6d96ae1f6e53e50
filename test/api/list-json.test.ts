// The list page's items are built as JSON by PostgreSQL (documents/repository.ts ListingPage) while GET
// /v1/documents/:id builds the same Document representation in Node (documentDto); both are made from one field table
// (documents/document-json.ts). They must never drift: every listed item equals its document's GET answer without
// `versions`, for documents exercising every field: category or none, every optional field null or set, hostile
// text, a second version, entered-in-error, a legal hold, retention facts missing, and creation times on millisecond
// and microsecond edges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBytes, uploadMultipart, uploadRaw } from '../support/fixtures.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let clinician: string;
let manager: string;
let patient: string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const HOSTILE = 'Dr "O\'Brien" \\ </script> \u0001\u001f\t\n naïve 日本語 😀 \u2028';

async function upload(res: Promise<Response>): Promise<string> {
  const r = await res;
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

beforeAll(async () => {
  s = await startTestServer();
  patient = randomNhsNumber();
  clinician = await s.token('dr.listjson', ['clinician']);
  manager = await s.token('rm.listjson', ['records-manager']);
  const minimal = await upload(uploadRaw(s.baseUrl, clinician, pdfBytes('minimal'), { patient }));
  // uploads always get a category now; a row without one (the schema allows it) must list as GET shows it: null
  await s.sql`update documents set category_system = null, category_code = null, category_display = null where id = ${minimal}`;
  const full = await upload(
    uploadRaw(s.baseUrl, clinician, pdfBytes('full'), {
      patient,
      title: 'full',
      fields: { category: '734163000', description: 'full', date: '2024-02-29', author: 'full', filename: 'wierd "name".pdf' },
    }),
  );
  // the API refuses control characters in these fields now (issue 25), but rows written before hold them
  await s.sql`update documents set title = ${HOSTILE}, description = ${HOSTILE}, author = ${HOSTILE} where id = ${full}`;
  const twice = await upload(uploadMultipart(s.baseUrl, clinician, pdfBytes('v1'), { patient, filename: 'v1.pdf' }));
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(pdfBytes('v2'))], { type: 'application/pdf' }), 'v2.pdf');
  expect((await fetch(`${s.baseUrl}/v1/documents/${twice}/versions`, { method: 'POST', headers: auth(clinician), body: form })).status).toBe(201);
  const retracted = await upload(uploadRaw(s.baseUrl, clinician, pdfBytes('retracted'), { patient }));
  const eie = await fetch(`${s.baseUrl}/v1/documents/${retracted}`, { method: 'DELETE', headers: { ...auth(manager), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong "patient" \\ again' }) });
  expect(eie.status).toBe(200);
  const held = await upload(uploadRaw(s.baseUrl, clinician, pdfBytes('held'), { patient }));
  await s.sql`insert into legal_holds (id, scope, document_id, reason, set_by) values (gen_random_uuid(), 'document', ${held}, 'inquiry', 'test')`;
  // creation times on the edges of a millisecond, as JavaScript's Date truncates them
  const edges = ['2025-06-30 23:59:59.999999+00', '2025-07-01 00:00:00.000500+00', '2025-07-01 00:00:00+00'];
  for (const [i, at] of edges.entries()) {
    const id = await upload(uploadRaw(s.baseUrl, clinician, pdfBytes(`edge ${i}`), { patient }));
    await s.sql`update documents set created_at = ${at}::timestamptz, updated_at = ${at}::timestamptz where id = ${id}`;
  }
});
afterAll(async () => {
  if (!s) return;
  await s.sql`update legal_holds set lifted_at = now(), lifted_by = 'test', lift_reason = 'done' where lifted_at is null and document_id in (select id from documents where patient_nhs = ${patient})`;
  await s.close();
});

const list = async (query: string): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> => {
  const res = await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&${query}`, { headers: auth(manager) });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  return (await res.json()) as never;
};

describe('list items built by PostgreSQL', () => {
  it('equal, field for field, the GET answer of each document (without its versions)', async () => {
    const { items } = await list('includeEnteredInError=true&limit=200');
    expect(items).toHaveLength(8);
    for (const item of items) {
      const res = await fetch(`${s.baseUrl}/v1/documents/${item.id as string}`, { headers: auth(manager) });
      expect(res.status).toBe(200);
      const { versions, ...single } = (await res.json()) as Record<string, unknown>;
      expect(versions).toBeInstanceOf(Array);
      expect(item).toStrictEqual(single);
    }
    // the fields that differ between the documents are all exercised
    expect(items.some((d) => d.category === null) && items.some((d) => d.category !== null)).toBe(true);
    // hostile text (quotes, backslash, markup, non-ASCII; control characters are cleaned on upload) survives as text
    const hostile = items.find((d) => d.date === '2024-02-29');
    for (const field of ['title', 'description', 'author'] as const) expect(hostile?.[field]).toEqual(expect.stringContaining('Dr "O\'Brien" \\ </script>'));
    expect(hostile?.title).toEqual(expect.stringContaining('naïve 日本語 😀'));
    expect(items.some((d) => d.status === 'entered-in-error' && typeof d.enteredInErrorReason === 'string')).toBe(true);
    expect(items.some((d) => d.legalHold === true)).toBe(true);
    expect(items.some((d) => d.version === 2 && d.currentVersion === 2)).toBe(true);
    expect(items.map((d) => d.createdAt)).toEqual(expect.arrayContaining(['2025-06-30T23:59:59.999Z', '2025-07-01T00:00:00.000Z']));
  });

  it('pages through the same items, in the same order, by cursor', async () => {
    const whole = (await list('includeEnteredInError=true&limit=200')).items;
    const paged: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`includeEnteredInError=true&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(3);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(whole);
    // a page that ends exactly at the last document has no next cursor
    expect((await list('includeEnteredInError=true&limit=8')).nextCursor).toBeNull();
    expect((await list('includeEnteredInError=true&limit=7')).nextCursor).toEqual(expect.any(String));
  });

  it('answers an empty page as an empty list', async () => {
    const nobody = randomNhsNumber();
    const res = await fetch(`${s.baseUrl}/v1/documents?patient=${nobody}`, { headers: auth(manager) });
    expect(await res.json()).toEqual({ items: [], nextCursor: null });
  });
});
