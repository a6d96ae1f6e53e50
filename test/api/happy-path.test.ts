import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCHARGE, jpegBytes, PATIENT, pdfBytes, pngBytes, sha256, uploadMultipart, uploadRaw } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let clinician: string;
let manager: string;
let auditor: string;

beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.alice', ['clinician']);
  manager = await s.token('rm.bob', ['records-manager']);
  auditor = await s.token('aud.carol', ['auditor']);
});
afterAll(() => s?.close());

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe('the whole flow on embedded defaults', () => {
  it('uploads multipart, hashes byte for byte, and serves metadata', async () => {
    const bytes = pdfBytes('discharge');
    const res = await uploadMultipart(s.baseUrl, clinician, bytes, { fields: { description: 'after appendicectomy', date: '2026-11-20', author: 'RX1' } });
    expect(res.status).toBe(201);
    const doc = await res.json();
    expect(res.headers.get('location')).toBe(`/v1/documents/${doc.id}`);
    expect(doc).toMatchObject({
      version: 1,
      patient: PATIENT,
      type: { code: DISCHARGE, system: 'http://snomed.info/sct' },
      title: 'Discharge summary',
      description: 'after appendicectomy',
      date: '2026-11-20',
      author: 'RX1',
      contentType: 'application/pdf',
      size: bytes.length,
      sha256: sha256(bytes),
      createdBy: 'dr.alice',
      filename: 'letter.pdf',
      fhir: { state: 'indexed', id: doc.id },
    });
    const got = await (await fetch(`${s.baseUrl}/v1/documents/${doc.id}`, { headers: auth(clinician) })).json();
    expect(got.sha256).toBe(sha256(bytes));
    expect(got.versions).toHaveLength(1);
  });

  it('uploads a raw body with a matching Repr-Digest and recognises each allowed type', async () => {
    for (const [bytes, type] of [
      [pdfBytes('raw'), 'application/pdf'],
      [pngBytes(), 'image/png'],
      [jpegBytes(), 'image/jpeg'],
      [Buffer.from('Plain clinical note\nline two\n'), 'text/plain'],
    ] as const) {
      const digest = `sha-256=:${Buffer.from(sha256(bytes), 'hex').toString('base64')}:`;
      const res = await uploadRaw(s.baseUrl, clinician, bytes, { contentType: type, headers: { 'repr-digest': digest } });
      expect(res.status, type).toBe(201);
      const doc = await res.json();
      expect(doc.contentType).toBe(type);
      expect(doc.sha256).toBe(sha256(bytes));
    }
  });

  it('hands out a download URL valid for an hour that fetches the exact bytes, and a redirect to one', async () => {
    const bytes = pdfBytes('download');
    const doc = await (await uploadMultipart(s.baseUrl, clinician, bytes, { filename: 'Clinic letter – final.pdf' })).json();
    const before = Date.now();
    const res = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: auth(clinician) });
    expect(res.status).toBe(200);
    const link = await res.json();
    expect(link).toMatchObject({ sha256: sha256(bytes), size: bytes.length, contentType: 'application/pdf', version: 1 });
    const ttl = Date.parse(link.expiresAt) - before;
    expect(ttl).toBeGreaterThan(3590_000);
    expect(ttl).toBeLessThanOrEqual(3601_000);
    const fetched = await fetch(link.url);
    expect(fetched.status).toBe(200);
    expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(bytes));
    expect(fetched.headers.get('content-disposition')).toContain(`filename*=UTF-8''Clinic%20letter%20%E2%80%93%20final.pdf`);

    const shorter = await (await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: JSON.stringify({ expiresIn: 60 }) })).json();
    expect(Date.parse(shorter.expiresAt) - Date.now()).toBeLessThanOrEqual(61_000);
    const tooLong = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: JSON.stringify({ expiresIn: 10 ** 7 }) });
    expect(tooLong.status).toBe(400);

    const redirect = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download`, { headers: auth(clinician), redirect: 'manual' });
    expect(redirect.status).toBe(303);
    const viaRedirect = await fetch(redirect.headers.get('location')!);
    expect(sha256(Buffer.from(await viaRedirect.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('streams content through the service with Repr-Digest and ETag', async () => {
    const bytes = Buffer.concat([pdfBytes('stream'), Buffer.alloc(3 * 1024 * 1024, 7)]);
    const doc = await (await uploadRaw(s.baseUrl, clinician, bytes)).json();
    const res = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content`, { headers: auth(clinician) });
    expect(res.status).toBe(200);
    expect(res.headers.get('repr-digest')).toBe(`sha-256=:${Buffer.from(sha256(bytes), 'hex').toString('base64')}:`);
    expect(res.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    expect(res.headers.get('content-length')).toBe(String(bytes.length));
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('keeps earlier versions readable when a new version is added', async () => {
    const v1 = pdfBytes('v1');
    const v2 = pdfBytes('v2 corrected');
    const doc = await (await uploadMultipart(s.baseUrl, clinician, v1)).json();
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(v2)], { type: 'application/pdf' }), 'v2.pdf');
    const res = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/versions`, { method: 'POST', headers: auth(clinician), body: form });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: doc.id, version: 2, sha256: sha256(v2) });
    const meta = await (await fetch(`${s.baseUrl}/v1/documents/${doc.id}`, { headers: auth(clinician) })).json();
    expect(meta.currentVersion).toBe(2);
    expect(meta.versions.map((v: { version: number; sha256: string }) => [v.version, v.sha256])).toEqual([
      [2, sha256(v2)],
      [1, sha256(v1)],
    ]);
    const old = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content?version=1`, { headers: auth(clinician) });
    expect(sha256(Buffer.from(await old.arrayBuffer()))).toBe(sha256(v1));
    const cur = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content`, { headers: auth(clinician) });
    expect(sha256(Buffer.from(await cur.arrayBuffer()))).toBe(sha256(v2));
    const fhir = await (await fetch(`${s.baseUrl}/fhir/DocumentReference/${doc.id}`, { headers: auth(clinician) })).json();
    expect(fhir.meta.versionId).toBe('2');
    expect(fhir.content[0].attachment.hash).toBe(Buffer.from(require_sha1(v2), 'hex').toString('base64'));
  });

  it('lists a patient newest first with cursor paging and filters, hiding entered-in-error', async () => {
    const patient = '9434765870';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await uploadMultipart(s.baseUrl, clinician, pdfBytes(`p${i}`), { patient, type: i % 2 ? '371530004' : DISCHARGE, fields: { date: `2026-0${i + 1}-15` } });
      ids.push((await r.json()).id);
    }
    const page1 = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&limit=2`, { headers: auth(clinician) })).json();
    expect(page1.items.map((d: { id: string }) => d.id)).toEqual([ids[4], ids[3]]);
    const page2 = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&limit=2&cursor=${page1.nextCursor}`, { headers: auth(clinician) })).json();
    expect(page2.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);
    const page3 = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&limit=2&cursor=${page2.nextCursor}`, { headers: auth(clinician) })).json();
    expect(page3.items.map((d: { id: string }) => d.id)).toEqual([ids[0]]);
    expect(page3.nextCursor).toBeNull();

    const byType = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&type=371530004`, { headers: auth(clinician) })).json();
    expect(byType.items.map((d: { id: string }) => d.id)).toEqual([ids[3], ids[1]]);
    const byDate = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&from=2026-02-01&to=2026-03-31`, { headers: auth(clinician) })).json();
    expect(byDate.items.map((d: { id: string }) => d.id)).toEqual([ids[2], ids[1]]);

    const del = await fetch(`${s.baseUrl}/v1/documents/${ids[4]}`, { method: 'DELETE', headers: { ...auth(manager), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong patient' }) });
    expect(del.status).toBe(200);
    expect(await del.json()).toMatchObject({ status: 'entered-in-error', enteredInErrorReason: 'wrong patient' });
    const after = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}`, { headers: auth(clinician) })).json();
    expect(after.items.map((d: { id: string }) => d.id)).not.toContain(ids[4]);
    const withHidden = await (await fetch(`${s.baseUrl}/v1/documents?patient=${patient}&includeEnteredInError=true`, { headers: auth(manager) })).json();
    expect(withHidden.items.map((d: { id: string }) => d.id)).toContain(ids[4]);
    // bytes and history are kept
    const kept = await fetch(`${s.baseUrl}/v1/documents/${ids[4]}/content`, { headers: auth(manager) });
    expect(kept.status).toBe(200);
    const fhir = await (await fetch(`${s.baseUrl}/fhir/DocumentReference/${ids[4]}`, { headers: auth(clinician) })).json();
    expect(fhir.status).toBe('entered-in-error');
    expect(fhir.docStatus).toBe('entered-in-error');
  });

  it('records every access in the audit trail, readable by auditors', async () => {
    const doc = await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('audited'))).json();
    await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: auth(clinician), body: null });
    const res = await fetch(`${s.baseUrl}/v1/audit?document=${doc.id}`, { headers: { ...auth(auditor), 'user-agent': 'audit-test' } });
    expect(res.status).toBe(200);
    const { items } = await res.json();
    expect(items.map((e: { action: string }) => e.action)).toEqual(['document.download-url', 'document.create']);
    expect(items[0]).toMatchObject({ actor: 'dr.alice', roles: ['clinician'], outcome: 'success', documentId: doc.id, version: 1, patient: PATIENT, clientIp: '127.0.0.1' });
    expect(items[0].requestId).toBeTruthy();
    expect(items[0].userAgent).toBeTruthy();
    const byActor = await (await fetch(`${s.baseUrl}/v1/audit?actor=dr.alice&limit=1`, { headers: auth(auditor) })).json();
    expect(byActor.items).toHaveLength(1);
    expect(byActor.nextCursor).toBeTruthy();
    // the audit read itself is audited
    const reads = await (await fetch(`${s.baseUrl}/v1/audit?actor=aud.carol`, { headers: auth(auditor) })).json();
    expect(reads.items.some((e: { action: string }) => e.action === 'audit.read')).toBe(true);
  });

  it('answers the built-in FHIR R4 endpoint: metadata, read, searchset with paging', async () => {
    const patient = '9990000018'; // valid check digit
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await (await uploadMultipart(s.baseUrl, clinician, pdfBytes(`f${i}`), { patient })).json()).id);
    const meta = await fetch(`${s.baseUrl}/fhir/metadata`);
    expect(meta.headers.get('content-type')).toContain('application/fhir+json');
    expect((await meta.json()).fhirVersion).toBe('4.0.1');
    const read = await (await fetch(`${s.baseUrl}/fhir/DocumentReference/${ids[0]}`, { headers: auth(clinician) })).json();
    expect(read).toMatchObject({
      resourceType: 'DocumentReference',
      id: ids[0],
      status: 'current',
      masterIdentifier: { system: 'urn:ietf:rfc:3986', value: `urn:uuid:${ids[0]}` },
      subject: { identifier: { system: 'https://fhir.nhs.uk/Id/nhs-number', value: patient } },
      custodian: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code' } },
    });
    expect(read.content[0].attachment.url).toBe(`${s.baseUrl}/v1/documents/${ids[0]}/content`);
    const q = `patient.identifier=${encodeURIComponent(`https://fhir.nhs.uk/Id/nhs-number|${patient}`)}`;
    const page = await (await fetch(`${s.baseUrl}/fhir/DocumentReference?${q}&_count=2&status=current&type=${DISCHARGE}`, { headers: auth(clinician) })).json();
    expect(page.resourceType).toBe('Bundle');
    expect(page.type).toBe('searchset');
    expect(page.total).toBe(3);
    expect(page.entry).toHaveLength(2);
    const next = page.link.find((l: { relation: string }) => l.relation === 'next').url;
    const page2 = await (await fetch(next, { headers: auth(clinician) })).json();
    expect(page2.entry).toHaveLength(1);
    const all = [...page.entry, ...page2.entry].map((e: { resource: { id: string } }) => e.resource.id).sort();
    expect(all).toEqual([...ids].sort());
    const today = new Date().toISOString().slice(0, 10);
    const dated = await (await fetch(`${s.baseUrl}/fhir/DocumentReference?${q}&date=ge${today}`, { headers: auth(clinician) })).json();
    expect(dated.total).toBe(3);
    const none = await (await fetch(`${s.baseUrl}/fhir/DocumentReference?${q}&date=lt2000-01-01`, { headers: auth(clinician) })).json();
    expect(none.total).toBe(0);
  });

  it('serves the document types, health, readiness, metrics, OpenAPI 3.1 and Swagger UI', async () => {
    const types = await (await fetch(`${s.baseUrl}/v1/document-types`, { headers: auth(clinician) })).json();
    expect(types.types.map((t: { code: string }) => t.code)).toContain(DISCHARGE);
    expect((await fetch(`${s.baseUrl}/healthz`)).status).toBe(200);
    const ready = await (await fetch(`${s.baseUrl}/readyz`)).json();
    expect(ready.status).toBe('ready');
    // /metrics is an admin's (or QUILL_METRICS_PORT's listener's): test/api/security.test.ts
    const metrics = await (await fetch(`${s.baseUrl}/metrics`, { headers: { authorization: `Bearer ${await s.token('ops.admin', ['admin'])}` } })).text();
    expect(metrics).toContain('quill_http_request_duration_seconds');
    const spec = await (await fetch(`${s.baseUrl}/openapi.json`)).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.paths['/v1/documents'].post.requestBody.content['multipart/form-data']).toBeTruthy();
    const docs = await fetch(`${s.baseUrl}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});

import { createHash } from 'node:crypto';
function require_sha1(b: Buffer): string {
  return createHash('sha1').update(b).digest('hex');
}
