// A patient's subject-access export (GET /v1/patients/{nhs}/export and `quill-docstore export`) on the real service
// (fs store, real PostgreSQL): the zip is opened with yauzl and every file's SHA-256 checked against the manifest
// (JSON and CSV) and against the bytes that were uploaded; the FHIR Bundle, the access log (with a break-glass read),
// an entered-in-error document (listed, no content) and a disposed one (listed by its certificate) are in it, another
// patient's are not. Who may export, and that a file failing its SHA-256 aborts the archive (which then cannot be
// opened) and is audited. The memory bound for a 1 GiB patient is in patient-export-memory.test.ts.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCHARGE, pdfBytes, pngBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { runCli } from '../support/live-stores.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { expectProblem } from '../support/problem.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { readZip, type ZipFileEntry } from '../support/zip.ts';

let s: TestServer;
let work: string;
const PATIENT = randomNhsNumber();
const OTHER = randomNhsNumber();
let clinician: string;
let rm1: string;
let rm2: string;
/** document id → version → SHA-256 of the bytes uploaded */
const uploaded = new Map<string, Map<number, string>>();
let current: string[];
let enteredInError: string;
let disposed: string;
let others: string;

const auth = (t: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${t}`, ...extra });
const json = (t: string, method: string, body: unknown) => ({ method, headers: auth(t, { 'content-type': 'application/json' }), body: JSON.stringify(body) });
const api = (p: string, init?: RequestInit) => fetch(`${s.baseUrl}${p}`, init);

async function upload(t: string, bytes: Buffer, o: { patient?: string; date?: string; title?: string; contentType?: string; filename?: string } = {}): Promise<string> {
  const res = await uploadMultipart(s.baseUrl, t, bytes, { patient: o.patient ?? PATIENT, title: o.title ?? 'Letter', contentType: o.contentType, filename: o.filename, fields: o.date ? { date: o.date } : {} });
  expect(res.status, await res.clone().text()).toBe(201);
  const id = ((await res.json()) as { id: string }).id;
  uploaded.set(id, new Map([[1, sha256(bytes)]]));
  return id;
}

async function addVersion(t: string, id: string, bytes: Buffer, contentType: string, filename: string): Promise<void> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(bytes)], { type: contentType }), filename);
  const res = await api(`/v1/documents/${id}/versions`, { method: 'POST', headers: auth(t), body: form });
  expect(res.status, await res.clone().text()).toBe(201);
  uploaded.get(id)!.set(((await res.json()) as { version: number }).version, sha256(bytes));
}

/** GET the export into a file; the answer, and whether its body was read to the end. */
async function exportTo(token: string, patient = PATIENT): Promise<{ res: Response; file: string; complete: boolean }> {
  const res = await api(`/v1/patients/${patient}/export`, { headers: auth(token) });
  const file = path.join(work, `export-${Date.now()}-${Math.random().toString(36).slice(2)}.zip`);
  let complete = true;
  if (res.ok) await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file)).catch(() => (complete = false));
  return { res, file, complete };
}

beforeAll(async () => {
  s = await startTestServer();
  work = await mkdtemp(path.join(os.tmpdir(), 'quill-export-'));
  clinician = await s.token('dr.alice', ['clinician']);
  rm1 = await s.token('rm.one', ['records-manager']);
  rm2 = await s.token('rm.two', ['records-manager']);
  // facts that put the patient's old records past retention (8 years after death), so one can be disposed of
  expect((await api(`/v1/retention/patients/${PATIENT}/facts`, json(rm1, 'PUT', { lastContact: '1999-01-01', dateOfDeath: '2000-01-01' }))).status).toBe(200);

  const letter = await upload(clinician, pdfBytes('discharge letter'), { date: '2024-05-01', title: 'Discharge, ward 7', filename: 'discharge.pdf' });
  await addVersion(clinician, letter, pngBytes(), 'image/png', 'scan.png');
  const big = Buffer.concat([pdfBytes('a longer scan'), Buffer.alloc(3 * 1024 * 1024, 7)]);
  const scan = await upload(clinician, big, { date: '2023-01-02', title: 'Outpatient scan' });
  current = [letter, scan];
  enteredInError = await upload(clinician, pdfBytes('filed against the wrong patient'), { title: 'Someone else’s letter' });
  expect((await api(`/v1/documents/${enteredInError}`, json(rm1, 'DELETE', { reason: 'wrong patient' }))).status).toBe(200);
  disposed = await upload(clinician, pdfBytes('old record'), { date: '1990-05-05', title: 'Ancient letter' });
  const batch = (await (await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [disposed], reason: 'past retention' }))).json()) as { id: string };
  expect((await api(`/v1/retention/disposals/${batch.id}/approve`, json(rm2, 'POST', {}))).status).toBe(200);
  others = await upload(clinician, pdfBytes('another patient'), { patient: OTHER, title: 'Not this patient' });

  // reads that the access log must show: a read, a content download, and a break-glass read by a scoped clinician
  expect((await api(`/v1/documents/${letter}`, { headers: auth(clinician) })).status).toBe(200);
  expect((await api(`/v1/documents/${scan}/content`, { headers: auth(clinician) })).status).toBe(200);
  const scoped = await s.token('dr.scoped', ['clinician'], [OTHER]);
  expect((await api(`/v1/documents/${letter}`, { headers: auth(scoped, { 'quill-break-glass': 'unconscious in A&E' }) })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await s?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every document file in the zip matches the manifest (JSON and CSV) and the bytes uploaded. */
function checkFiles(entries: Map<string, ZipFileEntry>) {
  const manifest = JSON.parse(entries.get('manifest.json')!.text!);
  const files = manifest.documents.flatMap((d: { id: string; versions: { version: number; file?: string; sha256: string; size: number }[] }) =>
    d.versions.filter((v) => v.file).map((v) => ({ id: d.id, ...v })),
  );
  expect(files.length).toBe(3);
  for (const f of files) {
    const entry = entries.get(f.file);
    expect(entry, f.file).toBeDefined();
    expect(entry!.sha256).toBe(f.sha256);
    expect(entry!.size).toBe(f.size);
    expect(uploaded.get(f.id)!.get(f.version)).toBe(f.sha256);
  }
  const csv = entries.get('manifest.csv')!.text!.trim().split('\n');
  expect(csv[0]).toBe('documentId,status,version,file,sha256,size,contentType,typeCode,typeDisplay,title,clinicalDate,createdAt,versionCreatedAt,author,certificateId,destroyedAt');
  for (const f of files) expect(csv.some((l) => l.startsWith(`${f.id},current,${f.version},${f.file},${f.sha256},${f.size},`))).toBe(true);
  const documentEntries = [...entries.keys()].filter((n) => n.startsWith('documents/'));
  expect(documentEntries.sort()).toEqual(files.map((f: { file: string }) => f.file).sort());
  return { manifest, csv };
}

describe('GET /v1/patients/{nhs}/export', () => {
  it('streams a zip: every version of every current document, verified against the manifest; FHIR Bundle; access log; disposed by certificate', async () => {
    const { res, file, complete } = await exportTo(rm1);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain(`patient-${PATIENT}-records-`);
    expect(complete).toBe(true);
    const entries = await readZip(file, (n) => !n.startsWith('documents/'));
    const { manifest, csv } = checkFiles(entries);

    expect(manifest).toMatchObject({ patient: PATIENT, generatedBy: 'rm.one' });
    const byId = new Map(manifest.documents.map((d: { id: string }) => [d.id, d]));
    expect([...byId.keys()].sort()).toEqual([...current, enteredInError].sort());
    expect(byId.get(current[0]!)).toMatchObject({ status: 'current', title: 'Discharge, ward 7', clinicalDate: '2024-05-01', type: { code: DISCHARGE }, currentVersion: 2 });
    // entered in error: listed (so not silently absent), without its title or content
    const eie = byId.get(enteredInError) as Record<string, unknown>;
    expect(eie).toMatchObject({ status: 'entered-in-error' });
    expect(eie.title).toBeUndefined();
    expect(JSON.stringify(manifest)).not.toContain('Someone else');
    expect(csv.filter((l) => l.startsWith(`${enteredInError},entered-in-error,1,,`))).toHaveLength(1);
    // disposed of: listed by the certificate, with each version's SHA-256
    expect(manifest.disposed).toHaveLength(1);
    expect(manifest.disposed[0]).toMatchObject({ documentId: disposed, state: 'destroyed', title: 'Ancient letter', approvedBy: 'rm.two', versions: [{ version: 1, sha256: uploaded.get(disposed)!.get(1) }] });
    expect(csv.some((l) => l.startsWith(`${disposed},disposed,1,,${uploaded.get(disposed)!.get(1)},`) && l.includes(manifest.disposed[0].certificateId))).toBe(true);
    expect(JSON.stringify(manifest)).not.toContain(others);

    const bundle = JSON.parse(entries.get('fhir/DocumentReference-bundle.json')!.text!);
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.entry.map((e: { resource: { id: string } }) => e.resource.id).sort()).toEqual([...current].sort());
    for (const e of bundle.entry) {
      expect(e.resource).toMatchObject({ resourceType: 'DocumentReference', status: 'current', subject: { identifier: { value: PATIENT } } });
      const ext = e.resource.content[0].attachment.extension[0].valueString;
      const id = e.resource.id as string;
      expect(ext).toBe(uploaded.get(id)!.get(Math.max(...uploaded.get(id)!.keys())));
    }

    const log = entries.get('access-log.csv')!.text!.trim().split('\n');
    expect(log[0]).toBe('at,actor,roles,action,outcome,errorCode,documentId,version,breakGlassReason');
    const rows = log.slice(1).map((l) => l.split(','));
    expect(rows.some((r) => r[1] === 'dr.alice' && r[3] === 'document.read' && r[4] === 'success' && r[6] === current[0])).toBe(true);
    expect(rows.some((r) => r[1] === 'dr.alice' && r[3] === 'document.content' && r[6] === current[1])).toBe(true);
    expect(rows.some((r) => r[1] === 'dr.scoped' && r[3] === 'document.read' && r[8] === 'unconscious in A&E')).toBe(true);
    expect(rows.some((r) => r[3] === 'retention.dispose' && r[6] === disposed)).toBe(true);
    expect(rows.some((r) => r[6] === others)).toBe(false);
    expect(entries.get('README.txt')!.text).toContain(PATIENT);

    const [audit] = await s.sql`select actor, outcome, patient_nhs, detail from audit_events where action = 'patient.export' order by id desc limit 1`;
    expect(audit).toMatchObject({ actor: 'rm.one', outcome: 'success', patient_nhs: PATIENT, detail: { documents: 2, files: 3, enteredInError: 1, disposed: 1 } });
  });

  it('is for records managers and admins, within their patient scope; each refusal audited', async () => {
    await expectProblem(await api(`/v1/patients/${PATIENT}/export`, { headers: auth(clinician) }), 403, 'forbidden');
    await expectProblem(await api(`/v1/patients/${PATIENT}/export`, { headers: auth(await s.token('aud', ['auditor'])) }), 403, 'forbidden');
    await expectProblem(await api(`/v1/patients/${PATIENT}/export`, { headers: auth(await s.token('rm.scoped', ['records-manager'], [OTHER])) }), 403, 'patient_forbidden');
    await expectProblem(await api(`/v1/patients/${PATIENT}/export`), 401, 'unauthenticated');
    await expectProblem(await api('/v1/patients/1234567890/export', { headers: auth(rm1) }), 400, 'invalid_nhs_number');
    await expectProblem(await api('/v1/patients/12345/export', { headers: auth(rm1) }), 400, 'validation_failed');
    const denied = await s.sql`select actor, outcome, error_code from audit_events where action = 'patient.export' and outcome = 'denied' order by id`;
    expect(denied.map((r) => [r.actor, r.error_code])).toEqual([['dr.alice', 'forbidden'], ['aud', 'forbidden'], ['rm.scoped', 'patient_forbidden']]);
    const admin = await exportTo(await s.token('root', ['admin']));
    expect(admin.res.status).toBe(200);
    expect(admin.complete).toBe(true);
  });

  it('documented in OpenAPI as application/zip', async () => {
    const doc = (await (await api('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
    expect(Object.keys(doc.paths['/v1/patients/{nhs}/export']!.get!.responses['200']!.content!)).toEqual(['application/zip']);
  });

  it('a file failing its SHA-256 aborts the archive (it cannot be opened), is audited, and quarantines the version', async () => {
    const [letter] = current;
    // the stored bytes no longer match what PostgreSQL says of them (as a corrupted object would)
    const [v] = await s.sql<{ sha256: string }[]>`select sha256 from document_versions where document_id = ${letter!} and version = 1`;
    await s.sql`update document_versions set sha256 = ${'f'.repeat(64)} where document_id = ${letter!} and version = 1`;
    try {
      const { res, file, complete } = await exportTo(rm1);
      expect(res.status).toBe(200); // the archive had started
      expect(complete).toBe(false);
      await expect(readZip(file)).rejects.toThrow();
      // the failure's audit row is written as the server stops the stream, which the client may see end first
      const lastExport = async () => (await s.sql`select outcome, error_code, document_id, version, patient_nhs from audit_events where action = 'patient.export' order by id desc limit 1`)[0];
      await expect.poll(lastExport, { timeout: 10_000 }).toEqual({ outcome: 'failed', error_code: 'integrity_failure', document_id: letter, version: 1, patient_nhs: PATIENT });
      // flagged as any failed read is: the next export refuses at once, before sending anything
      await expect.poll(async () => (await s.sql`select integrity_failed_at from document_versions where document_id = ${letter!} and version = 1`)[0]!.integrity_failed_at).not.toBeNull();
      const again = await expectProblem(await api(`/v1/patients/${PATIENT}/export`, { headers: auth(rm1) }), 409, 'content_quarantined');
      expect(again.detail).toContain(`${letter} v1`);
    } finally {
      await s.sql`update document_versions set sha256 = ${v!.sha256}, integrity_failed_at = null, integrity_detail = null where document_id = ${letter!} and version = 1`;
    }
  });
});

describe('quill-docstore export', () => {
  it('writes the same archive to a file, with progress, as the operator', async () => {
    const out = path.join(work, 'cli.zip');
    const r = await runCli(['export', '--patient', PATIENT, '--out', out, '--json'], { DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ patient: PATIENT, file: out, documents: 2, files: 3, enteredInError: 1, disposed: 1 });
    expect(r.stderr).toMatch(/export \d{10}: 3\/3 files \(100%\)/);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const entries = await readZip(out, (n) => !n.startsWith('documents/'));
    const { manifest } = checkFiles(entries);
    expect(manifest.generatedBy).toMatch(/^operator:/);
    const [audit] = await s.sql`select actor, outcome from audit_events where action = 'patient.export' order by id desc limit 1`;
    expect(audit).toMatchObject({ actor: expect.stringMatching(/^operator:/), outcome: 'success' });
  }, 60_000);

  it('refuses a bad NHS number before doing anything (exit 2)', async () => {
    const r = await runCli(['export', '--patient', '1234567890', '--out', path.join(work, 'x.zip')], { DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--patient must be a valid NHS number');
  });
});
