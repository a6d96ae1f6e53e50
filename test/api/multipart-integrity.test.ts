import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCHARGE, PATIENT, pdfBytes, sha256, uploadMultipart, uploadRaw } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { expectProblem } from '../support/problem.ts';

// Multipart uploads whose integrity checks were silently skipped or misreported before.
let s: TestServer;
let clinician: string;
let docId: string;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/** A PDF of about n bytes: large enough that the parser hands the file part over before the rest of the body. */
const bigPdf = (n: number) => Buffer.concat([pdfBytes('big'), Buffer.alloc(n, 0x20)]);

beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.multi', ['clinician']);
  docId = (await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('base'))).json()).id;
});
afterAll(() => s?.close());

async function state() {
  const [r] = await s.sql`select (select count(*)::int from documents) as docs, (select count(*)::int from document_versions) as versions,
    (select count(*)::int from upload_intents where state = 'pending') as pending`;
  return r!;
}

type Part = [string, string] | ['file', Buffer, string?];
function form(parts: Part[]): FormData {
  const f = new FormData();
  for (const p of parts) {
    if (p[0] === 'file' && Buffer.isBuffer(p[1])) f.append(p[2] ?? 'file', new Blob([new Uint8Array(p[1])], { type: 'application/pdf' }), 'letter.pdf');
    else f.append(p[0], p[1] as string);
  }
  return f;
}
const meta: Part[] = [['patient', PATIENT], ['type', DISCHARGE], ['title', 'Integrity']];
const post = (body: FormData, url = '/v1/documents', headers: Record<string, string> = {}) => fetch(`${s.baseUrl}${url}`, { method: 'POST', headers: { ...auth(clinician), ...headers }, body });

describe('fields after the file part', () => {
  for (const size of [100, 3 * 1024 * 1024]) {
    it(`refuses a sha256 field after a ${size}-byte file part (a wrong digest is never ignored), leaving nothing`, async () => {
      const before = await state();
      const wrong = '0'.repeat(64);
      const body = await expectProblem(await post(form([...meta, ['file', bigPdf(size)], ['sha256', wrong]])), 400, 'invalid_multipart');
      expect(body.detail).toMatch(/sha256.*after the file/);
      expect(await state()).toEqual(before);
      const [row] = await s.sql`select * from audit_events order by id desc limit 1`;
      expect(row).toMatchObject({ action: 'document.create', outcome: 'failed', error_code: 'invalid_multipart' });
    });
  }

  it('still checks a sha256 field sent before the file', async () => {
    const bytes = bigPdf(3 * 1024 * 1024);
    await expectProblem(await post(form([...meta, ['sha256', '0'.repeat(64)], ['file', bytes]])), 400, 'digest_mismatch');
    const ok = await post(form([...meta, ['sha256', sha256(bytes)], ['file', bytes]]));
    expect(ok.status).toBe(201);
  });

  it('answers a clear error when the file part comes before the metadata (3 MB), not invalid_nhs_number', async () => {
    const before = await state();
    const body = await expectProblem(await post(form([['file', bigPdf(3 * 1024 * 1024)], ...meta])), 400, 'invalid_multipart');
    expect(body.detail).toMatch(/before the file part/);
    expect(body.detail).toMatch(/patient, type, title/);
    // a small file first is refused the same way (it used to work only because the parser read ahead)
    await expectProblem(await post(form([['file', pdfBytes()], ...meta])), 400, 'invalid_multipart');
    expect(await state()).toEqual(before);
  });

  it('refuses a second file part instead of dropping it, on create and on a new version', async () => {
    const before = await state();
    const body = await expectProblem(await post(form([...meta, ['file', pdfBytes('one')], ['file', pdfBytes('two'), 'file2']])), 400, 'invalid_multipart');
    expect(body.detail).toMatch(/only one file part/);
    await expectProblem(await post(form([['file', bigPdf(1024 * 1024)], ['file', pdfBytes('two')]]), `/v1/documents/${docId}/versions`), 400, 'invalid_multipart');
    expect(await state()).toEqual(before);
  });

  it('refuses a field sent twice', async () => {
    await expectProblem(await post(form([...meta, ['title', 'again'], ['file', pdfBytes()]])), 400, 'invalid_multipart');
  });
});

describe('digest headers on multipart', () => {
  it('refuses Content-Digest and Repr-Digest on a multipart upload with a clear problem (they cover the whole form)', async () => {
    const before = await state();
    const bytes = pdfBytes('digest');
    const right = `sha-256=:${Buffer.from(sha256(bytes), 'hex').toString('base64')}:`;
    for (const h of ['content-digest', 'repr-digest']) {
      const body = await expectProblem(await post(form([...meta, ['file', bytes]]), '/v1/documents', { [h]: right }), 400, 'digest_unsupported');
      expect(body.detail).toMatch(/sha256 field/);
    }
    await expectProblem(await post(form([['file', bytes]]), `/v1/documents/${docId}/versions`, { 'content-digest': right }), 400, 'digest_unsupported');
    expect(await state()).toEqual(before);
    // the raw form still checks Repr-Digest against the document
    expect((await uploadRaw(s.baseUrl, clinician, bytes, { headers: { 'repr-digest': right } })).status).toBe(201);
  });
});

describe('the same field rules whichever form carries the field', () => {
  it('refuses a 10,000-character title by multipart as by query string', async () => {
    const long = 't'.repeat(10_000);
    await expectProblem(await uploadRaw(s.baseUrl, clinician, pdfBytes(), { title: long }), 400, 'validation_failed');
    const body = await expectProblem(await uploadMultipart(s.baseUrl, clinician, pdfBytes(), { title: long }), 400, 'validation_failed');
    expect(body.field).toBe('title');
    for (const [k, v] of [['description', 'd'.repeat(4001)], ['author', 'a'.repeat(201)], ['patient', '9'.repeat(21)]] as const) {
      await expectProblem(await uploadMultipart(s.baseUrl, clinician, pdfBytes(), { fields: { [k]: v } }), 400, 'validation_failed');
      await expectProblem(await uploadRaw(s.baseUrl, clinician, pdfBytes(), { fields: { [k]: v } }), 400, 'validation_failed');
    }
    // unknown fields are refused by both forms
    await expectProblem(await uploadMultipart(s.baseUrl, clinician, pdfBytes(), { fields: { colour: 'red' } }), 400, 'validation_failed');
    await expectProblem(await uploadRaw(s.baseUrl, clinician, pdfBytes(), { fields: { colour: 'red' } }), 400, 'validation_failed');
  });
});

describe('filenames', () => {
  it('neutralises right-to-left override and other bidi controls in filenames', async () => {
    const f = new FormData();
    for (const [k, v] of meta) f.append(k, v as string);
    f.append('file', new Blob([new Uint8Array(pdfBytes('bidi'))], { type: 'application/pdf' }), 'invoice\u202Efdp.exe\u2066x\u2069\u200F.pdf');
    const res = await post(f);
    expect(res.status).toBe(201);
    const doc = await res.json();
    expect(doc.filename).toBe('invoicefdp.exex.pdf');
    const raw = await uploadRaw(s.baseUrl, clinician, pdfBytes('bidi2'), { fields: { filename: 'a\u202Egnp.pdf' } });
    expect((await raw.json()).filename).toBe('agnp.pdf');
  });
});
