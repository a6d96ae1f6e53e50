import { SignJWT } from 'jose';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_PATIENT, PATIENT, pdfBytes, pngBytes, sha256, uploadMultipart, uploadRaw } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { expectProblem } from '../support/problem.ts';
import { builtInStore } from '../../src/config/store-config.ts';

const MAX = 256 * 1024;
let s: TestServer;
let clinician: string;
let scoped: string; // may only see OTHER_PATIENT
let auditor: string;
let admin: string;
let docId: string; // a PATIENT document

beforeAll(async () => {
  s = await startTestServer({ QUILL_MAX_UPLOAD_BYTES: String(MAX) });
  clinician = await s.token('dr.alice', ['clinician']);
  scoped = await s.token('dr.scoped', ['clinician'], [OTHER_PATIENT]);
  auditor = await s.token('aud.carol', ['auditor']);
  admin = await s.token('root', ['admin']);
  docId = (await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('target'))).json()).id;
});
afterAll(() => s?.close());

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function blobFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else out.push(path.join(dir, e.name));
    }
  };
  await walk(builtInStore(s.cfg, 'fs').dir);
  return out.sort();
}

/** Snapshot of everything an upload could leave behind. */
async function state() {
  const [docs] = await s.sql`select count(*)::int as n from documents`;
  const [versions] = await s.sql`select count(*)::int as n from document_versions`;
  const [pending] = await s.sql`select count(*)::int as n from upload_intents where state = 'pending'`;
  const [fhir] = await s.sql`select count(*)::int as n from fhir_document_references`;
  return { docs: docs!.n, versions: versions!.n, pending: pending!.n, fhir: fhir!.n, files: await blobFiles() };
}

async function lastAudit() {
  const [row] = await s.sql`select * from audit_events order by id desc limit 1`;
  return row!;
}

describe('authentication', () => {
  it('refuses a missing token and audits the refusal', async () => {
    const res = await fetch(`${s.baseUrl}/v1/documents/${docId}`);
    await expectProblem(res, 401, 'unauthenticated');
    expect(res.headers.get('www-authenticate')).toContain('Bearer');
    expect(await lastAudit()).toMatchObject({ action: 'auth', outcome: 'denied', error_code: 'unauthenticated', actor: null });
  });

  it('refuses forged, expired, wrong-audience, wrong-issuer and alg=none tokens', async () => {
    const forged = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('mallory').setIssuer(s.cfg.jwt.issuer).setAudience(s.cfg.jwt.audience).setExpirationTime('1h').sign(new Uint8Array(32).fill(7));
    const expired = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('old').setIssuer(s.cfg.jwt.issuer).setAudience(s.cfg.jwt.audience).setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_600).sign(new Uint8Array(s.secret));
    const wrongAud = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer(s.cfg.jwt.issuer).setAudience('someone-else').setExpirationTime('1h').sign(new Uint8Array(s.secret));
    const wrongIss = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuer('evil').setAudience(s.cfg.jwt.audience).setExpirationTime('1h').sign(new Uint8Array(s.secret));
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', roles: ['admin'], iss: s.cfg.jwt.issuer, aud: s.cfg.jwt.audience, exp: 9999999999 })).toString('base64url')}.`;
    for (const t of [forged, expired, wrongAud, wrongIss, none, 'not.a.jwt']) {
      const res = await fetch(`${s.baseUrl}/v1/documents/${docId}`, { headers: auth(t) });
      await expectProblem(res, 401, 'invalid_token');
    }
    const [{ n }] = (await s.sql`select count(*)::int as n from audit_events where action = 'auth' and error_code = 'invalid_token'`) as unknown as [{ n: number }];
    expect(n).toBeGreaterThanOrEqual(6);
  });
});

describe('authorisation', () => {
  it('refuses the wrong role on each route, with a denied audit row', async () => {
    const cases: [string, RequestInit & { url: string }, string][] = [
      ['auditor cannot read documents', { url: `/v1/documents/${docId}`, headers: auth(auditor) }, 'forbidden'],
      ['auditor cannot upload', { url: '/v1/documents?patient=9434765919&type=373942005&title=x', method: 'POST', headers: { ...auth(auditor), 'content-type': 'application/pdf' }, body: new Uint8Array(pdfBytes()) }, 'forbidden'],
      ['clinician cannot read the audit trail', { url: '/v1/audit', headers: auth(clinician) }, 'forbidden'],
      ['clinician cannot enter-in-error', { url: `/v1/documents/${docId}`, method: 'DELETE', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'because' }) }, 'forbidden'],
      ['auditor cannot search FHIR', { url: `/fhir/DocumentReference?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|${PATIENT}`, headers: auth(auditor) }, 'forbidden'],
    ];
    for (const [name, { url, ...init }, code] of cases) {
      const res = await fetch(`${s.baseUrl}${url}`, init);
      expect(res.status, name).toBe(403);
      await expectProblem(res, 403, code);
      expect((await lastAudit()).outcome, name).toBe('denied');
    }
  });

  it("refuses another patient's document on every route", async () => {
    const before = await state();
    const routes: [string, RequestInit][] = [
      [`/v1/documents/${docId}`, {}],
      [`/v1/documents/${docId}/download-url`, { method: 'POST' }],
      [`/v1/documents/${docId}/download`, {}],
      [`/v1/documents/${docId}/content`, {}],
      [`/v1/documents?patient=${PATIENT}`, {}],
      [`/fhir/DocumentReference/${docId}`, {}],
      [`/fhir/DocumentReference?patient.identifier=https://fhir.nhs.uk/Id/nhs-number|${PATIENT}`, {}],
    ];
    for (const [url, init] of routes) {
      const res = await fetch(`${s.baseUrl}${url}`, { ...init, headers: auth(scoped), redirect: 'manual' });
      await expectProblem(res, 403, 'patient_forbidden');
      expect(await lastAudit(), url).toMatchObject({ actor: 'dr.scoped', outcome: 'denied', patient_nhs: PATIENT, error_code: 'patient_forbidden' });
    }
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(pdfBytes())], { type: 'application/pdf' }), 'x.pdf');
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents/${docId}/versions`, { method: 'POST', headers: auth(scoped), body: form }), 403, 'patient_forbidden');
    await expectProblem(await uploadMultipart(s.baseUrl, scoped, pdfBytes(), { patient: PATIENT }), 403, 'patient_forbidden');
    await expectProblem(await uploadRaw(s.baseUrl, scoped, pdfBytes(), { patient: PATIENT }), 403, 'patient_forbidden');
    // but the scoped user's own patient works
    expect((await uploadRaw(s.baseUrl, scoped, pdfBytes(), { patient: OTHER_PATIENT })).status).toBe(201);
    const after = await state();
    expect(after.docs).toBe(before.docs + 1);
  });

  it('answers 404 problem for an unknown document and 400 for a malformed id', async () => {
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents/00000000-0000-4000-8000-000000000000`, { headers: auth(clinician) }), 404, 'not_found');
    await expectProblem(await fetch(`${s.baseUrl}/v1/documents/..%2F..%2Fetc%2Fpasswd`, { headers: auth(clinician) }), 400, 'validation_failed');
  });
});

describe('bad uploads leave nothing behind', () => {
  const cases: [string, () => Promise<Response>, number, string][] = [
    ['bad NHS number', () => uploadMultipart(s.baseUrl, clinician, pdfBytes(), { patient: '9434765918' }), 400, 'invalid_nhs_number'],
    ['unknown type', () => uploadRaw(s.baseUrl, clinician, pdfBytes(), { type: '123' }), 400, 'unknown_document_type'],
    ['missing title', () => uploadRaw(s.baseUrl, clinician, pdfBytes(), { title: '  ' }), 400, 'validation_failed'],
    ['impossible date', () => uploadRaw(s.baseUrl, clinician, pdfBytes(), { fields: { date: '2026-02-30' } }), 400, 'validation_failed'],
    ['declared PDF but bytes are PNG', () => uploadRaw(s.baseUrl, clinician, pngBytes(), { contentType: 'application/pdf' }), 415, 'content_type_mismatch'],
    ['multipart declared PNG but bytes are PDF', () => uploadMultipart(s.baseUrl, clinician, pdfBytes(), { contentType: 'image/png' }), 415, 'content_type_mismatch'],
    ['a type not on the allow-list (zip)', () => uploadRaw(s.baseUrl, clinician, Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100)]), { contentType: 'application/zip' }), 415, 'unsupported_media_type'],
    ['binary junk declared text', () => uploadRaw(s.baseUrl, clinician, Buffer.from([0, 1, 2, 3, 255, 254]), { contentType: 'text/plain' }), 415, 'unsupported_media_type'],
    ['digest mismatch (raw, Repr-Digest)', () => uploadRaw(s.baseUrl, clinician, pdfBytes(), { headers: { 'repr-digest': `sha-256=:${Buffer.alloc(32, 1).toString('base64')}:` } }), 400, 'digest_mismatch'],
    ['digest mismatch (raw, Content-Digest)', () => uploadRaw(s.baseUrl, clinician, pdfBytes(), { headers: { 'content-digest': `sha-256=:${Buffer.alloc(32, 2).toString('base64')}:` } }), 400, 'digest_mismatch'],
    ['digest mismatch (multipart sha256 field)', () => uploadMultipart(s.baseUrl, clinician, pdfBytes(), { fields: { sha256: sha256('other') } }), 400, 'digest_mismatch'],
    ['malformed digest header', () => uploadRaw(s.baseUrl, clinician, pdfBytes(), { headers: { 'repr-digest': 'sha-256=:abc:' } }), 400, 'invalid_digest_header'],
    ['empty raw body', () => uploadRaw(s.baseUrl, clinician, Buffer.alloc(0)), 400, 'empty_body'],
    ['empty multipart file', () => uploadMultipart(s.baseUrl, clinician, Buffer.alloc(0)), 400, 'empty_body'],
    ['oversize raw body (Content-Length)', () => uploadRaw(s.baseUrl, clinician, Buffer.concat([pdfBytes(), Buffer.alloc(MAX)])), 413, 'payload_too_large'],
    ['oversize multipart', () => uploadMultipart(s.baseUrl, clinician, Buffer.concat([pdfBytes(), Buffer.alloc(MAX)])), 413, 'payload_too_large'],
    [
      'oversize chunked body (no Content-Length)',
      () => {
        const chunks = [pdfBytes(), Buffer.alloc(MAX / 2), Buffer.alloc(MAX / 2), Buffer.alloc(1024)];
        const body = new ReadableStream({ pull(c) { const n = chunks.shift(); if (n) c.enqueue(new Uint8Array(n)); else c.close(); } });
        return fetch(`${s.baseUrl}/v1/documents?patient=${PATIENT}&type=373942005&title=big`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/pdf' }, body, duplex: 'half' } as RequestInit);
      },
      413,
      'payload_too_large',
    ],
  ];

  for (const [name, send, status, code] of cases) {
    it(`${name} → ${status} ${code}`, async () => {
      const before = await state();
      await expectProblem(await send(), status, code);
      const after = await state();
      expect(after).toEqual(before);
      expect(await lastAudit()).toMatchObject({ action: 'document.create', outcome: 'failed', error_code: code });
    });
  }

  it('keeps only the last segment of a path-like filename and quotes it safely on download', async () => {
    for (const hostile of ['../../etc/passwd', '..\\..\\windows\\system.ini', 'a\r\nSet-Cookie: x=1.pdf', '"; evil=1.pdf']) {
      const res = await uploadRaw(s.baseUrl, clinician, pdfBytes(), { fields: { filename: hostile } });
      expect(res.status, hostile).toBe(201);
      const doc = await res.json();
      expect(doc.filename).not.toMatch(/[\/\\\r\n]/);
      const link = await (await fetch(`${s.baseUrl}/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: auth(clinician) })).json();
      const dl = await fetch(link.url);
      expect(dl.status).toBe(200);
      expect(dl.headers.get('set-cookie')).toBeNull();
      expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"\\\r\n]*"; filename\*=UTF-8''[A-Za-z0-9%._~!$&+=:@^`|{}#,-]*$/);
    }
    const files = await blobFiles();
    expect(files.every((f) => f.startsWith(builtInStore(s.cfg, 'fs').dir + path.sep))).toBe(true);
  });
});

describe('download URLs', () => {
  it('refuses a tampered URL with 403 and an expired one with 410, both audited', async () => {
    const [{ start }] = (await s.sql`select coalesce(max(id), 0) as start from audit_events`) as unknown as [{ start: bigint }];
    const link = await (await fetch(`${s.baseUrl}/v1/documents/${docId}/download-url`, { method: 'POST', headers: { ...auth(clinician), 'content-type': 'application/json' }, body: JSON.stringify({ expiresIn: 1 }) })).json();
    const u = new URL(link.url);
    const tamperedSig = new URL(u);
    tamperedSig.searchParams.set('sig', `${u.searchParams.get('sig')!.slice(0, -2)}AA`);
    await expectProblem(await fetch(tamperedSig), 403, 'url_invalid');
    const longer = new URL(u);
    longer.searchParams.set('exp', String(Number(u.searchParams.get('exp')) + 86400));
    await expectProblem(await fetch(longer), 403, 'url_invalid');
    const otherUser = new URL(u);
    otherUser.searchParams.set('sub', 'someone-else');
    await expectProblem(await fetch(otherUser), 403, 'url_invalid');
    const otherKey = new URL(u.toString().replace(/documents\/(?:[0-9a-f]{3}\/)?[0-9a-f-]{36}([/_])/, 'documents/000/00000000-0000-4000-8000-000000000000$1'));
    await expectProblem(await fetch(otherKey), 403, 'url_invalid');
    await new Promise((r) => setTimeout(r, 2100));
    await expectProblem(await fetch(u), 410, 'url_expired');
    const rows = await s.sql<{ outcome: string; error_code: string; patient_nhs: string | null; document_id: string | null; detail: { claimedUser?: string } }[]>`
      select outcome, error_code, patient_nhs, document_id, detail from audit_events
      where id > ${String(start)} and action = 'document.blob-fetch' and outcome <> 'success' order by id`;
    // four tampered fetches (signature, expiry, user, key) and one expired, each a denied row
    expect(rows.map((r) => r.error_code)).toEqual(['url_invalid', 'url_invalid', 'url_invalid', 'url_invalid', 'url_expired']);
    expect(rows.every((r) => r.outcome === 'denied')).toBe(true);
    // the URLs that named a real version carry its document and patient; the claimed user is kept as detail
    expect(rows[0]).toMatchObject({ document_id: docId, patient_nhs: PATIENT, detail: { claimedUser: 'dr.alice' } });
    expect(rows[2]!.detail.claimedUser).toBe('someone-else');
    expect(rows[3]!.document_id).toBeNull(); // a key no version has
    expect(rows[4]).toMatchObject({ document_id: docId, patient_nhs: PATIENT });
  });

  it('detects bytes corrupted at rest: the stream aborts before completing and the failure is audited', async () => {
    const bytes = Buffer.concat([pdfBytes('corrupt me'), Buffer.alloc(200_000, 3)]);
    const doc = await (await uploadRaw(s.baseUrl, clinician, bytes)).json();
    const [v] = await s.sql`select blob_key from document_versions where document_id = ${doc.id}`;
    const { chmod, writeFile } = await import('node:fs/promises');
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 10] = 0xff - tampered[tampered.length - 10]!;
    // stored files are read-only (0400); an attacker with the rights to tamper can change that first
    await chmod(path.join(builtInStore(s.cfg, 'fs').dir, v!.blob_key as string), 0o600);
    await writeFile(path.join(builtInStore(s.cfg, 'fs').dir, v!.blob_key as string), tampered);
    const res = await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content`, { headers: auth(clinician) });
    expect(res.status).toBe(200); // headers go first; the body must not complete
    await expect(res.arrayBuffer()).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    // the read is audited as failed; the incident itself (version flagged) has its own integrity_failure row
    const [row] = await s.sql`select * from audit_events where document_id = ${doc.id} and error_code = 'integrity_failure' and action = 'document.content'`;
    expect(row).toMatchObject({ outcome: 'failed', action: 'document.content' });
  });
});

describe('the audit trail is append-only', () => {
  it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    await expect(s.sql`update audit_events set actor = 'x'`).rejects.toThrow(/append-only/);
    await expect(s.sql`delete from audit_events`).rejects.toThrow(/append-only/);
    await expect(s.sql`truncate audit_events`).rejects.toThrow(/append-only/);
    const res = await fetch(`${s.baseUrl}/v1/audit?outcome=denied`, { headers: auth(admin) });
    expect((await res.json()).items.length).toBeGreaterThan(0);
  });
});
