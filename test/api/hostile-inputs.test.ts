import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCHARGE, PATIENT, pdfBytes, uploadMultipart, uploadRaw } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { NHS_NUMBER_SYSTEM } from '../../src/fhir/systems.ts';
import { expectProblem } from '../support/problem.ts';

// Every input here reached PostgreSQL unchecked before (a 500, often with no audit row): each must now be a 4xx
// problem, and the attempt must still be on the audit trail.
let s: TestServer;
let clinician: string;
let recordsManager: string;
let auditor: string;
let docId: string;

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const pid = `patient.identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${PATIENT}`)}`;

beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.hostile', ['clinician']);
  recordsManager = await s.token('rm.hostile', ['records-manager']);
  auditor = await s.token('aud.hostile', ['auditor']);
  const res = await uploadMultipart(s.baseUrl, clinician, pdfBytes('target'), { fields: { date: '2026-03-01' } });
  expect(res.status).toBe(201);
  docId = (await res.json()).id;
});
afterAll(() => s?.close());

async function lastAudit() {
  const [row] = await s.sql`select * from audit_events order by id desc limit 1`;
  return row!;
}

async function counts() {
  const [r] = await s.sql`select (select count(*)::int from documents) as docs, (select count(*)::int from upload_intents where state = 'pending') as pending`;
  return r!;
}

describe('integers out of range', () => {
  for (const bad of ['2147483648', '1e22', '99999999999999999999']) {
    it(`version=${bad} is a 400 on every route, and the attempt is audited`, async () => {
      const routes: [string, string, RequestInit, string][] = [
        ['GET', `/v1/documents/${docId}?version=${bad}`, {}, 'document.read'],
        ['GET', `/v1/documents/${docId}/content?version=${bad}`, {}, 'document.content'],
        ['GET', `/v1/documents/${docId}/download?version=${bad}`, {}, 'document.download-url'],
      ];
      for (const [method, url, init, action] of routes) {
        const before = await lastAudit();
        await expectProblem(await fetch(`${s.baseUrl}${url}`, { method, headers: auth(clinician), ...init }), 400, 'validation_failed');
        const row = await lastAudit();
        expect(BigInt(row.id)).toBeGreaterThan(BigInt(before.id));
        expect(row).toMatchObject({ action, outcome: 'failed', error_code: 'validation_failed', actor: 'dr.hostile', document_id: docId });
        expect(JSON.stringify(row.detail)).toContain(bad);
      }
      // a JSON number out of range in the download-url body
      await expectProblem(
        await fetch(`${s.baseUrl}/v1/documents/${docId}/download-url`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: `{"version": ${bad}}` }),
        400,
        'validation_failed',
      );
      expect(await lastAudit()).toMatchObject({ action: 'document.download-url', outcome: 'failed', document_id: docId });
    });
  }

  it('refuses an audit cursor past bigint, and audits the attempt', async () => {
    await expectProblem(await fetch(`${s.baseUrl}/v1/audit?cursor=9999999999999999999`, { headers: auth(auditor) }), 400, 'validation_failed');
    expect(await lastAudit()).toMatchObject({ action: 'audit.read', outcome: 'failed', error_code: 'validation_failed', actor: 'aud.hostile' });
  });

  it('refuses FHIR _offset=1e300 and other non-digit numbers, and caps _count at the maximum', async () => {
    for (const q of ['_offset=1e300', '_offset=-1', '_offset=0x10', '_count=1e2', '_offset=99999999999']) {
      await expectProblem(await fetch(`${s.baseUrl}/fhir/DocumentReference?${pid}&${q}`, { headers: auth(clinician) }), 400, 'validation_failed');
      expect(await lastAudit()).toMatchObject({ action: 'fhir.search', outcome: 'failed', error_code: 'validation_failed' });
    }
    const res = await fetch(`${s.baseUrl}/fhir/DocumentReference?${pid}&_count=500`, { headers: auth(clinician) });
    expect(res.status).toBe(200);
    const bundle = await res.json();
    const self = new URL(bundle.link.find((l: { relation: string }) => l.relation === 'self').url);
    expect(self.searchParams.get('_count')).toBe('100');
    expect(bundle.total).toBeGreaterThanOrEqual(1);
  });
});

describe('NUL bytes', () => {
  it('refuses a NUL in every kind of text, writes nothing, and audits each attempt', async () => {
    const before = await counts();
    await expectProblem(await uploadRaw(s.baseUrl, clinician, pdfBytes(), { title: 'a\u0000b' }), 400, 'validation_failed');
    expect(await lastAudit()).toMatchObject({ action: 'document.create', outcome: 'failed', error_code: 'validation_failed' });
    await expectProblem(await uploadMultipart(s.baseUrl, clinician, pdfBytes(), { fields: { description: 'x\u0000y' } }), 400, 'validation_failed');
    expect(await lastAudit()).toMatchObject({ action: 'document.create', outcome: 'failed', error_code: 'validation_failed' });
    await expectProblem(
      await fetch(`${s.baseUrl}/v1/documents/${docId}`, { method: 'DELETE', headers: { ...auth(recordsManager), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong\u0000patient' }) }),
      400,
      'validation_failed',
    );
    expect(await lastAudit()).toMatchObject({ action: 'document.enter-in-error', outcome: 'failed', document_id: docId });
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&type=%00`, { headers: auth(clinician) }), 400, 'validation_failed');
    await expectProblem(await fetch(`${s.baseUrl}/v1/audit?actor=%00`, { headers: auth(auditor) }), 400, 'validation_failed');
    await expectProblem(await fetch(`${s.baseUrl}/fhir/DocumentReference?${pid}&status=cur%00rent`, { headers: auth(clinician) }), 400, 'validation_failed');
    await expectProblem(
      await fetch(`${s.baseUrl}/fhir/DocumentReference/_search`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: JSON.stringify({ 'patient.identifier': `${NHS_NUMBER_SYSTEM}|${PATIENT}`, type: '\u0000' }) }),
      400,
      'validation_failed',
    );
    expect(await lastAudit()).toMatchObject({ action: 'fhir.search', outcome: 'failed' });
    expect(await counts()).toEqual(before);
    const [doc] = await s.sql`select status from documents where id = ${docId}`;
    expect(doc!.status).toBe('current');
  });
});

describe('dates', () => {
  it('refuses dates PostgreSQL cannot hold and dates that do not exist', async () => {
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&from=0000-01-01`, { headers: auth(clinician) }), 400, 'validation_failed');
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&to=2026-02-30`, { headers: auth(clinician) }), 400, 'validation_failed');
    await expectProblem(await fetch(`${s.baseUrl}/v1/audit?from=0000-01-01T00:00:00Z`, { headers: auth(auditor) }), 400, 'validation_failed');
    await expectProblem(await fetch(`${s.baseUrl}/v1/audit?to=2026-02-30T00:00:00Z`, { headers: auth(auditor) }), 400, 'validation_failed');
    for (const d of ['0000', '0000-01-01', '2026-02-30', '2026-13', '2025-02-29', 'ge2026-04-31']) {
      await expectProblem(await fetch(`${s.baseUrl}/fhir/DocumentReference?${pid}&date=${d}`, { headers: auth(clinician) }), 400, 'validation_failed');
    }
    const before = await counts();
    await expectProblem(await uploadMultipart(s.baseUrl, clinician, pdfBytes(), { fields: { date: '2026-02-30' } }), 400, 'validation_failed');
    await expectProblem(await uploadMultipart(s.baseUrl, clinician, pdfBytes(), { fields: { date: '0000-01-01' } }), 400, 'validation_failed');
    await expectProblem(await uploadRaw(s.baseUrl, clinician, pdfBytes(), { fields: { date: '0000-01-01' } }), 400, 'validation_failed');
    expect(await counts()).toEqual(before);
  });

  it('searches year 9999 and reads year 0050 as 0050, not 1950', async () => {
    const nine = await fetch(`${s.baseUrl}/fhir/DocumentReference?${pid}&date=9999`, { headers: auth(clinician) });
    expect(nine.status).toBe(200);
    expect((await nine.json()).total).toBe(0);
    const patient = '9434765870';
    for (const date of ['1950-06-01', '0050-06-01']) expect((await uploadMultipart(s.baseUrl, clinician, pdfBytes(date), { patient, fields: { date } })).status).toBe(201);
    const q = `patient.identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${patient}`)}`;
    const early = await (await fetch(`${s.baseUrl}/fhir/DocumentReference?${q}&period=0050`, { headers: auth(clinician) })).json();
    expect(early.total).toBe(1);
    expect(early.entry[0].resource.context.period.start).toContain('0050-06-01');
    const list = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&to=0099-12-31`, { headers: auth(clinician) })).json();
    expect(list.items.map((d: { date: string }) => d.date)).toEqual(['0050-06-01']);
  });
});

describe('cursors', () => {
  const forge = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

  it('refuses cursors that decode but are not ours (the old unsigned format, 36 dashes, year 275760, a tampered signature)', async () => {
    const page = await (await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&limit=1`, { headers: auth(clinician) })).json();
    const bad = [
      forge(['2026-01-01T00:00:00.000Z', '-'.repeat(36)]),
      forge(['+275760-09-13T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']),
      'not a cursor',
    ];
    if (page.nextCursor) {
      const [payload, sig] = (page.nextCursor as string).split('.');
      bad.push(`${forge(['2000-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000'])}.${sig}`, `${payload}.${'A'.repeat(22)}`);
    }
    for (const c of bad) {
      await expectProblem(await fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&cursor=${encodeURIComponent(c)}`, { headers: auth(clinician) }), 400, 'validation_failed');
      expect(await lastAudit()).toMatchObject({ action: 'document.list', outcome: 'failed', error_code: 'validation_failed' });
    }
    for (const c of [forge(['1']), '9223372036854775807', `${forge(['9999999999999999999'])}.${'A'.repeat(22)}`]) {
      await expectProblem(await fetch(`${s.baseUrl}/v1/audit?cursor=${encodeURIComponent(c)}`, { headers: auth(auditor) }), 400, 'validation_failed');
    }
  });

  it('pages through documents created within one millisecond without losing any', async () => {
    const patient = '9434765919';
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await uploadMultipart(s.baseUrl, clinician, pdfBytes(`ms${i}`), { patient, type: DISCHARGE, title: `same ms ${i}` })).json()).id);
    // the three share one millisecond and differ in microseconds, as concurrent inserts do
    for (const [i, id] of ids.entries()) await s.sql`update documents set created_at = ${`2090-01-01T00:00:00.123${i}01Z`}::text::timestamptz where id = ${id}`;
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const url: string = `${s.baseUrl}/v1/documents?patient=${patient}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await (await fetch(url, { headers: auth(clinician) })).json();
      seen.push(...page.items.map((d: { id: string }) => d.id));
      cursor = page.nextCursor;
      if (!cursor || seen.length >= 3) break;
    }
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
  });

  it('pages the audit trail with opaque cursors', async () => {
    const first = await (await fetch(`${s.baseUrl}/v1/audit?limit=2`, { headers: auth(auditor) })).json();
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    const second = await (await fetch(`${s.baseUrl}/v1/audit?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`, { headers: auth(auditor) })).json();
    expect(BigInt(second.items[0].id)).toBeLessThan(BigInt(first.items[1].id));
  });
});

describe('typed bodies', () => {
  it('refuses FHIR _search JSON bodies whose values are numbers or objects', async () => {
    for (const extra of [{ _count: 5 }, { status: { $ne: 1 } }, { type: [1, 2] }, { 'patient.identifier': 9434765919 }]) {
      const body = JSON.stringify({ 'patient.identifier': `${NHS_NUMBER_SYSTEM}|${PATIENT}`, ...extra });
      await expectProblem(await fetch(`${s.baseUrl}/fhir/DocumentReference/_search`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body }), 400, 'validation_failed');
    }
    const ok = await fetch(`${s.baseUrl}/fhir/DocumentReference/_search`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/x-www-form-urlencoded' }, body: `${pid}&_count=5` });
    expect(ok.status).toBe(200);
  });

  it('does not coerce JSON: expiresIn must be a JSON integer', async () => {
    for (const body of ['{"expiresIn": true}', '{"expiresIn": "60"}', '{"expiresIn": [60]}', '{"expiresIn": 60.5}', '{"version": "1"}']) {
      await expectProblem(await fetch(`${s.baseUrl}/v1/documents/${docId}/download-url`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body }), 400, 'validation_failed');
    }
    const res = await fetch(`${s.baseUrl}/v1/documents/${docId}/download-url`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: '{"expiresIn": 60}' });
    expect(res.status).toBe(200);
    const r = await res.json();
    const ttl = (Date.parse(r.expiresAt) - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(30);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});

describe('malformed multipart', () => {
  it('refuses multipart/form-data without a boundary', async () => {
    const before = await counts();
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'multipart/form-data' }, body: 'x'.repeat(100) }), 400, 'invalid_multipart');
    expect(await lastAudit()).toMatchObject({ action: 'document.create', outcome: 'failed', error_code: 'invalid_multipart' });
    expect(await counts()).toEqual(before);
  });

  it('refuses a body that ends inside the file part, leaving nothing behind', async () => {
    const before = await counts();
    const b = 'XyZzy';
    const head = [['patient', PATIENT], ['type', DISCHARGE], ['title', 'truncated']].map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('');
    const body = Buffer.concat([Buffer.from(`${head}--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`), pdfBytes('cut'), Buffer.alloc(50_000, 0x20)]);
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents`, { method: 'POST', headers: { ...auth(clinician), 'content-type': `multipart/form-data; boundary=${b}` }, body }), 400, 'upload_aborted');
    expect(await lastAudit()).toMatchObject({ action: 'document.create', outcome: 'failed', error_code: 'upload_aborted' });
    expect(await counts()).toEqual(before);
  });
});

describe('a client that goes away mid-body', () => {
  // The connection closes with half the declared bytes sent: the client's doing, not the store's. The refusal is
  // audited as upload_aborted (it was storage_unavailable: the store saw its input fail with ECONNRESET), and
  // nothing is left behind.
  for (const form of ['raw', 'multipart'] as const) {
    it(`${form}: audited as upload_aborted, intent aborted, nothing stored`, async () => {
      const before = await counts();
      const b = 'Gone';
      const file = Buffer.concat([pdfBytes('gone'), Buffer.alloc(200 * 1024, 0x20)]);
      const body =
        form === 'raw'
          ? file
          : Buffer.concat([
              Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
              file,
              Buffer.from(`\r\n--${b}--\r\n`),
            ]);
      const query = `patient=${PATIENT}&type=${DISCHARGE}&title=gone`;
      const contentType = form === 'raw' ? 'application/pdf' : `multipart/form-data; boundary=${b}`;
      const { port } = new URL(s.baseUrl);
      await new Promise<void>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(`POST /v1/documents?${query} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${clinician}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
          socket.write(body.subarray(0, body.length >> 1), () => setTimeout(() => socket.destroy(), 200));
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
      let row: Record<string, unknown> | undefined;
      for (let i = 0; i < 100; i++) {
        [row] = await s.sql`select * from audit_events where action = 'document.create' and outcome = 'failed' and actor = 'dr.hostile' order by id desc limit 1`;
        if (row && (await counts()).pending === before.pending) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(row).toMatchObject({ action: 'document.create', outcome: 'failed', error_code: 'upload_aborted', patient_nhs: PATIENT });
      expect(await counts()).toEqual(before);
    });
  }
});

describe('HTTP edges', () => {
  it('answers an unsupported method on a known path with 405, an Allow header and a problem', async () => {
    const res = await fetch(`${s.baseUrl}/v1/documents/${docId}`, { method: 'PUT', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: '{}' });
    const body = await expectProblem(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD']);
    expect(body.allow).toBe(res.headers.get('allow'));
    const patch = await fetch(`${s.baseUrl}/v1/audit`, { method: 'PATCH', headers: auth(auditor) });
    await expectProblem(patch, 405, 'method_not_allowed');
    expect(patch.headers.get('allow')).toBe('GET, HEAD');
    await expectProblem(await fetch(`${s.baseUrl}/v1/nothing-here`, { headers: auth(clinician) }), 404, 'not_found');
  });

  it("answers the router's own refusals (an over-long or malformed path parameter) as problems", async () => {
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents/${'x'.repeat(300)}/download`, { headers: auth(clinician) }), 414, 'uri_too_long');
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents/%E0%A4%A/download`, { headers: auth(clinician) }), 400, 'validation_failed');
  });

  it('documents the 200 answers of /content and /v1/audit, and every error as problem+json', async () => {
    const doc = await (await fetch(`${s.baseUrl}/openapi.json`)).json();
    const content = doc.paths['/v1/documents/{id}/content'].get.responses;
    expect(Object.keys(content['200'].content)).toEqual(expect.arrayContaining(['application/pdf', 'image/png', 'text/plain']));
    const audit = doc.paths['/v1/audit'].get.responses['200'].content;
    expect(audit['application/json'].schema.properties.items.type).toBe('array');
    expect(audit['application/fhir+json']).toBeDefined();
    expect(doc.paths['/v1/documents/{id}/download'].get.responses['303']).toBeDefined();
    // routes that need no token say so (schemathesis's ignored_auth check relies on it)
    expect(doc.paths['/v1/uploads'].options.security).toEqual([]);
    expect(doc.paths['/v1/uploads'].post.security).toBeUndefined();
    // The one exception, by IHE MHD: a bundle an ITI-65 Provide Document Bundle (POST /fhir) refuses is answered with a
    // FHIR OperationOutcome naming each refused entry, our stable code in each issue's details.coding (docs/decisions.md);
    // before the bundle is read (401) it is a problem like any other
    const errorTypes = (method: string, path: string, status: string) =>
      method === 'post' && path === '/fhir' && status !== '401' ? ['application/fhir+json'] : ['application/problem+json'];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(op.responses.default?.content?.['application/problem+json'], `${method} ${path}`).toBeDefined();
        for (const [status, r] of Object.entries(op.responses)) if (Number(status) >= 400) expect(Object.keys(r.content ?? {}), `${method} ${path} ${status}`).toEqual(errorTypes(method, path, status));
      }
    }
  });

  it('answers headers that are too large with a 431 problem', async () => {
    const { status, type, body } = await new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const req = httpRequest(`${s.baseUrl}/healthz`, { headers: { 'x-big': 'a'.repeat(80_000) } }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: text }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(431);
    expect(type).toContain('application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status: 431, code: 'request_header_fields_too_large' });
  });
});
