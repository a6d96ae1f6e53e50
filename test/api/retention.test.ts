// Records governance on the real service (fs store, real PostgreSQL): retention computed and recomputed from patient
// facts, every refusal of an early or held destruction, four-eyes disposal ending in a certificate, a disposal
// interrupted after approval and finished by reconcile, and break-glass reads.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bootstrap.ts';
import { BlobStoreRegistry } from '../../src/blobstores/store-registry.ts';
import { reconcileRetention } from '../../src/jobs/reconcile-retention.ts';
import { DISCHARGE, OTHER_PATIENT, PATIENT, pdfBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { expectProblem } from '../support/problem.ts';
import { builtInStore } from '../../src/config/store-config.ts';

let s: TestServer;
let clinician: string;
let scoped: string; // a clinician whose patients claim names only OTHER_PATIENT
let rm1: string;
let rm2: string;
let admin: string;
let auditor: string;
const today = new Date().toISOString().slice(0, 10);
const addYears = (d: string, n: number) => `${Number(d.slice(0, 4)) + n}${d.slice(4)}`;

beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.alice', ['clinician']);
  scoped = await s.token('dr.scoped', ['clinician'], [OTHER_PATIENT]);
  rm1 = await s.token('rm.one', ['records-manager']);
  rm2 = await s.token('rm.two', ['records-manager']);
  admin = await s.token('root', ['admin']);
  auditor = await s.token('aud.carol', ['auditor']);
});
afterAll(() => s?.close());

const auth = (t: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${t}`, ...extra });
const json = (t: string, method: string, body: unknown) => ({ method, headers: auth(t, { 'content-type': 'application/json' }), body: JSON.stringify(body) });
const api = (p: string, init?: RequestInit) => fetch(`${s.baseUrl}${p}`, init);

async function lastAudit(action: string) {
  const [row] = await s.sql`select * from audit_events where action = ${action} order by id desc limit 1`;
  return row!;
}

async function upload(t: string, fields: Record<string, string> = {}, patient = PATIENT, note = 'x') {
  const res = await uploadMultipart(s.baseUrl, t, pdfBytes(note), { patient, fields });
  return { res, body: (await res.clone().json()) as Record<string, any> };
}

async function blobFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else out.push(path.relative(builtInStore(s.cfg, 'fs').dir, path.join(dir, e.name)));
    }
  };
  await walk(builtInStore(s.cfg, 'fs').dir);
  return out;
}

async function fhirExtension(id: string) {
  const [row] = await s.sql`select resource from fhir_document_references where id = ${id}`;
  const ext = (row?.resource.extension ?? []).find((e: { url: string }) => e.url.endsWith('/retention'));
  return Object.fromEntries((ext?.extension ?? []).map((e: { url: string; valueCode?: string; valueDate?: string }) => [e.url, e.valueCode ?? e.valueDate]));
}

let old: string; // clinical date 2005: past retention once facts are known
let recent: string; // stored today: years to go

describe('retention computed per document', () => {
  it('a new document gets its type class; without the facts it is kept indefinitely, saying what is missing', async () => {
    const a = await upload(clinician, { date: '2005-01-01' }, PATIENT, 'old');
    expect(a.res.status).toBe(201);
    old = a.body.id;
    expect(a.body).toMatchObject({ retentionClass: 'adult', retainUntil: null });
    expect(a.body.retentionMissing).toContain('lastContact');
    const b = await upload(clinician, {}, PATIENT, 'recent');
    recent = b.body.id;
    expect(await fhirExtension(old)).toEqual({ retentionClass: 'adult' });
    // files are written read-only
    const [v] = await s.sql`select blob_key from document_versions where document_id = ${old}`;
    expect((await stat(path.join(builtInStore(s.cfg, 'fs').dir, v!.blob_key))).mode & 0o777).toBe(0o400);
  });

  it('refuses facts from anyone but records managers and admins, and bad facts, each audited', async () => {
    await expectProblem(await api(`/v1/retention/patients/${PATIENT}/facts`, json(clinician, 'PUT', { lastContact: '2010-01-01' })), 403, 'forbidden');
    expect(await lastAudit('retention.facts.set')).toMatchObject({ outcome: 'denied', actor: 'dr.alice', patient_nhs: null });
    await expectProblem(await api(`/v1/retention/patients/${PATIENT}/facts`, json(rm1, 'PUT', { dateOfDeath: addYears(today, 1) })), 400, 'validation_failed');
    await expectProblem(await api(`/v1/retention/patients/${PATIENT}/facts`, json(rm1, 'PUT', { dateOfBirth: '2012-01-01', lastContact: '2010-01-01' })), 400, 'validation_failed');
    await expectProblem(await api(`/v1/retention/patients/1234567890/facts`, json(rm1, 'PUT', { lastContact: '2010-01-01' })), 400, 'invalid_nhs_number');
    expect(await lastAudit('retention.facts.set')).toMatchObject({ outcome: 'failed', actor: 'rm.one', error_code: 'invalid_nhs_number' });
  });

  it('facts set by a records manager recompute every document of the patient in the same transaction, into metadata and FHIR', async () => {
    const res = await api(`/v1/retention/patients/${PATIENT}/facts`, json(rm1, 'PUT', { lastContact: '2010-01-01', dateOfDeath: '2011-06-01' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { documentsRecomputed: { id: string; to: string }[] };
    // adult: 8 years after the last contact (2010-01-01), sooner than 8 years after death
    expect(body.documentsRecomputed).toContainEqual({ id: old, from: null, to: '2018-01-01' });
    const got = (await (await api(`/v1/documents/${old}`, { headers: auth(clinician) })).json()) as Record<string, unknown>;
    expect(got).toMatchObject({ retainUntil: '2018-01-01', retentionMissing: [] });
    expect(await fhirExtension(old)).toEqual({ retentionClass: 'adult', retainUntil: '2018-01-01' });
    // the recent document: its own date proves care today, so 8 years after death is the sooner end
    const r = (await (await api(`/v1/documents/${recent}`, { headers: auth(clinician) })).json()) as Record<string, unknown>;
    expect(r.retainUntil).toBe('2019-06-01');
    const audit = await lastAudit('retention.facts.set');
    expect(audit).toMatchObject({ outcome: 'success', actor: 'rm.one', patient_nhs: PATIENT });
    expect(audit.detail.facts.dateOfDeath).toEqual({ from: null, to: '2011-06-01' });
  });

  it('a records manager reclassifies a document: retainUntil recomputed; a clinician may not; an unknown class is refused', async () => {
    await expectProblem(await api(`/v1/documents/${recent}/retention`, json(clinician, 'PUT', { retentionClass: 'oncology', reason: 'cancer pathway' })), 403, 'forbidden');
    await expectProblem(await api(`/v1/documents/${recent}/retention`, json(rm1, 'PUT', { retentionClass: 'forever', reason: 'keep it' })), 400, 'unknown_retention_class');
    const res = await api(`/v1/documents/${recent}/retention`, json(rm1, 'PUT', { retentionClass: 'oncology', reason: 'cancer pathway' }));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ retentionClass: 'oncology', retainUntil: addYears(today, 30) });
    expect(await lastAudit('retention.class.set')).toMatchObject({ outcome: 'success', document_id: recent });
  });

  it('an upload may override the class only with one its role may set', async () => {
    await expectProblem((await upload(clinician, { retentionClass: 'gp' })).res, 403, 'forbidden');
    await expectProblem((await upload(clinician, { retentionClass: 'nonsense' })).res, 400, 'unknown_retention_class');
    const ok = await upload(clinician, { retentionClass: 'mental-health' }, OTHER_PATIENT);
    expect(ok.body).toMatchObject({ retentionClass: 'mental-health', retainUntil: null });
    expect((await upload(rm1, { retentionClass: 'gp' }, OTHER_PATIENT)).body.retentionClass).toBe('gp');
  });

  it('refuses implausible fact dates (year 0000 once reached PostgreSQL as a 500), through the API and the import', async () => {
    for (const [d, why] of [['0000-01-08', /must be a calendar date/], ['0001-01-01', /cannot be before 1850-01-01/], ['1849-12-31', /cannot be before 1850-01-01/]] as const) {
      const body = await expectProblem(await api(`/v1/retention/patients/${OTHER_PATIENT}/facts`, json(rm1, 'PUT', { lastChildBirth: d })), 400, 'validation_failed');
      expect(body.detail).toMatch(why);
    }
    const res = await api('/v1/retention/facts/import', { method: 'POST', headers: auth(rm1, { 'content-type': 'application/x-ndjson' }), body: JSON.stringify({ patient: OTHER_PATIENT, dateOfBirth: '0000-01-08' }) });
    expect(await res.json()).toMatchObject({ imported: 0, errors: [{ line: 1, code: 'validation_failed' }] });
  });

  it('a PAS feed imports facts as NDJSON, each line on its own, errors reported by line', async () => {
    const lines = [JSON.stringify({ patient: OTHER_PATIENT, dateOfBirth: '1950-02-02' }), '{not json', JSON.stringify({ patient: OTHER_PATIENT, shoeSize: 9 }), JSON.stringify({ patient: OTHER_PATIENT, lastContact: '2020-03-03' })];
    const res = await api('/v1/retention/facts/import', { method: 'POST', headers: auth(rm1, { 'content-type': 'application/x-ndjson' }), body: lines.join('\n') });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { imported: number; errors: { line: number }[] };
    expect(out.imported).toBe(2);
    expect(out.errors.map((e) => e.line)).toEqual([2, 3]);
    const facts = (await (await api(`/v1/retention/patients/${OTHER_PATIENT}/facts`, { headers: auth(rm2) })).json()) as Record<string, unknown>;
    expect(facts).toMatchObject({ dateOfBirth: '1950-02-02', lastContact: '2020-03-03', updatedBy: 'rm.one' });
    const [{ n }] = (await s.sql`select count(*)::int as n from audit_events where action = 'retention.facts.set' and patient_nhs = ${OTHER_PATIENT} and detail->>'source' = 'import'`) as unknown as [{ n: number }];
    expect(n).toBe(2);
    await expectProblem(await api('/v1/retention/facts/import', json(rm1, 'POST', { patient: OTHER_PATIENT })), 415, 'unsupported_media_type');
    await expectProblem(await api('/v1/retention/facts/import', { method: 'POST', headers: auth(clinician, { 'content-type': 'application/x-ndjson' }), body: lines[0] }), 403, 'forbidden');
    const long = await api('/v1/retention/facts/import', { method: 'POST', headers: auth(rm1, { 'content-type': 'application/x-ndjson' }), body: `${'x'.repeat(200_000)}\n${lines[3]}` });
    expect(await long.json()).toMatchObject({ imported: 1, errors: [{ line: 1, code: 'payload_too_large' }] });
  });
});

describe('legal holds and the refusal of early or held destruction', () => {
  it('pages the due list oldest retention first, with a cursor', async () => {
    const THIRD = '9000000009';
    await api(`/v1/retention/patients/${THIRD}/facts`, json(rm1, 'PUT', { lastContact: '1999-01-01', dateOfDeath: '2000-01-01' }));
    for (const d of ['1990-05-05', '1995-05-05', '1998-05-05']) expect((await upload(clinician, { date: d }, THIRD, d)).res.status).toBe(201);
    const seen: { id: string; retainUntil: string }[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (await api(`/v1/retention/due?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers: auth(rm1) })).json()) as { items: { id: string; retainUntil: string }[]; nextCursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(new Set(seen.map((x) => x.id)).size);
    expect(seen.map((x) => x.retainUntil)).toEqual([...seen.map((x) => x.retainUntil)].sort());
    expect(seen.filter((x) => x.retainUntil === '2007-01-01')).toHaveLength(3); // the third patient's: 8 years after the last contact
    expect(seen.map((x) => x.id)).toContain(old);
    await expectProblem(await api('/v1/retention/due?cursor=bm9wZQ', { headers: auth(rm1) }), 400, 'validation_failed');
  });

  it('takes only the cursors it signed: one forged from a listed row is refused, and never reaches PostgreSQL', async () => {
    type Page = { items: { id: string; retainUntil: string }[]; nextCursor: string | null };
    const first = (await (await api('/v1/retention/due?limit=1', { headers: auth(rm1) })).json()) as Page;
    const [row] = first.items;
    expect(first.nextCursor).toBeTruthy();
    // the unsigned form the list once used, built from a real row, and one whose id is 36 dashes (no uuid)
    for (const forged of [`${row!.retainUntil}|${row!.id}`, `2000-01-01|${'-'.repeat(36)}`]) {
      await expectProblem(await api(`/v1/retention/due?cursor=${Buffer.from(forged).toString('base64url')}`, { headers: auth(rm1) }), 400, 'validation_failed');
      expect(await lastAudit('retention.due')).toMatchObject({ outcome: 'failed', actor: 'rm.one', error_code: 'validation_failed' });
    }
    // a genuine cursor pages on, after the row the first page ended with
    const second = (await (await api(`/v1/retention/due?limit=1&cursor=${first.nextCursor}`, { headers: auth(rm1) })).json()) as Page;
    expect(second.items).toHaveLength(1);
    const [next] = second.items;
    expect(next!.retainUntil > row!.retainUntil || (next!.retainUntil === row!.retainUntil && next!.id > row!.id)).toBe(true);
  });

  it('lists only due documents, for records managers only', async () => {
    await expectProblem(await api('/v1/retention/due', { headers: auth(clinician) }), 403, 'forbidden');
    const scopedRm = await s.token('rm.scoped', ['records-manager'], [OTHER_PATIENT]);
    await expectProblem(await api('/v1/retention/due', { headers: auth(scopedRm) }), 403, 'patient_forbidden');
    await expectProblem(await api(`/v1/retention/patients/${PATIENT}/facts`, json(scopedRm, 'PUT', { lastContact: '2010-01-01' })), 403, 'patient_forbidden');
    await expectProblem(await api('/v1/retention/holds', json(scopedRm, 'POST', { scope: 'type', type: DISCHARGE, from: '2000-01-01', to: '2001-01-01', reason: 'inquiry' })), 403, 'patient_forbidden');
    const due = (await (await api('/v1/retention/due', { headers: auth(rm1) })).json()) as { items: { id: string }[] };
    expect(due.items.map((d) => d.id)).toContain(old);
    expect(due.items.map((d) => d.id)).not.toContain(recent);
  });

  it('refuses to propose a document still within its retention (409, audited)', async () => {
    const body = await expectProblem(await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [old, recent], reason: 'annual review' })), 409, 'retention_period_active');
    expect(body.retainUntil).toBe(addYears(today, 30));
    expect(await lastAudit('retention.disposal.propose')).toMatchObject({ outcome: 'failed', error_code: 'retention_period_active', actor: 'rm.one' });
    const [{ n }] = (await s.sql`select count(*)::int as n from disposal_batches`) as unknown as [{ n: number }];
    expect(n).toBe(0);
  });

  it('only records managers and admins set holds; a held document is not due and cannot be proposed; lifting records who and why', async () => {
    await expectProblem(await api('/v1/retention/holds', json(clinician, 'POST', { scope: 'patient', patient: PATIENT, reason: 'claim' })), 403, 'forbidden');
    for (const h of [
      { scope: 'patient', patient: PATIENT, reason: 'clinical negligence claim' },
      { scope: 'type', type: DISCHARGE, from: '2004-01-01', to: '2006-12-31', reason: 'public inquiry moratorium' },
      { scope: 'document', document: old, reason: 'subject access request' },
    ]) {
      const res = await api('/v1/retention/holds', json(admin, 'POST', h));
      expect(res.status).toBe(201);
      const hold = (await res.json()) as { id: string; documents: number; setBy: string };
      expect(hold).toMatchObject({ setBy: 'root' });
      expect(hold.documents).toBeGreaterThanOrEqual(1);
      const due = (await (await api('/v1/retention/due', { headers: auth(rm1) })).json()) as { items: { id: string }[] };
      expect(due.items.map((d) => d.id)).not.toContain(old);
      expect(((await (await api(`/v1/documents/${old}`, { headers: auth(clinician) })).json()) as { legalHold: boolean }).legalHold).toBe(true);
      await expectProblem(await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [old], reason: 'review' })), 409, 'legal_hold');
      expect(await lastAudit('retention.disposal.propose')).toMatchObject({ outcome: 'failed', error_code: 'legal_hold', document_id: old });
      await expectProblem(await api(`/v1/retention/holds/${hold.id}/lift`, json(clinician, 'POST', { reason: 'done' })), 403, 'forbidden');
      const lifted = await api(`/v1/retention/holds/${hold.id}/lift`, json(rm2, 'POST', { reason: 'claim settled' }));
      expect(await lifted.json()).toMatchObject({ liftedBy: 'rm.two', liftReason: 'claim settled' });
    }
    const all = (await (await api('/v1/retention/holds?active=false', { headers: auth(rm1) })).json()) as { items: unknown[] };
    expect(all.items).toHaveLength(3);
    const active = (await (await api('/v1/retention/holds', { headers: auth(rm1) })).json()) as { items: unknown[] };
    expect(active.items).toHaveLength(0);
    expect(((await (await api(`/v1/documents/${old}`, { headers: auth(clinician) })).json()) as { legalHold: boolean }).legalHold).toBe(false);
    expect(await lastAudit('retention.hold.lift')).toMatchObject({ outcome: 'success', actor: 'rm.two' });
  });
});

describe('four-eyes disposal', () => {
  let batchId: string;

  it('a proposal can be rejected (by another records manager, or withdrawn by its proposer); its documents are due again', async () => {
    const b = (await (await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [old], reason: 'first look' }))).json()) as { id: string };
    let due = (await (await api('/v1/retention/due', { headers: auth(rm1) })).json()) as { items: { id: string }[] };
    expect(due.items.map((d) => d.id)).not.toContain(old); // already proposed
    await expectProblem(await api('/v1/retention/disposals', json(rm2, 'POST', { documents: [old], reason: 'second look' })), 409, 'disposal_state');
    const res = await api(`/v1/retention/disposals/${b.id}/reject`, json(rm2, 'POST', { note: 'needs clinical review first' }));
    expect(await res.json()).toMatchObject({ state: 'rejected', decidedBy: 'rm.two' });
    await expectProblem(await api(`/v1/retention/disposals/${b.id}/approve`, json(admin, 'POST', {})), 409, 'disposal_state');
    due = (await (await api('/v1/retention/due', { headers: auth(rm1) })).json()) as { items: { id: string }[] };
    expect(due.items.map((d) => d.id)).toContain(old);
  });
  let versionsBefore: { sha256: string; blob_key: string }[];

  it('retention extended after the proposal (a new fact) refuses the approval', async () => {
    const [third] = await s.sql`select id from documents where patient_nhs = '9000000009' order by id limit 1`;
    const b = (await (await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [third!.id], reason: 'past retention' }))).json()) as { id: string };
    // the PAS reports the patient is alive after all, last seen in 2020
    await api('/v1/retention/patients/9000000009/facts', json(rm2, 'PUT', { dateOfDeath: null, lastContact: '2020-01-01' }));
    const body = await expectProblem(await api(`/v1/retention/disposals/${b.id}/approve`, json(rm2, 'POST', {})), 409, 'retention_period_active');
    expect(body.retainUntil).toBe('2028-01-01');
    expect(await s.sql`select 1 from destruction_certificates where document_id = ${third!.id}`).toHaveLength(0);
    await api(`/v1/retention/disposals/${b.id}/reject`, json(rm1, 'POST', { note: 'withdrawn: patient alive' }));
    await api('/v1/retention/patients/9000000009/facts', json(rm2, 'PUT', { dateOfDeath: '2000-01-01', lastContact: '1999-01-01' }));
  });

  it('the proposer cannot approve; a hold set after the proposal refuses the approval', async () => {
    // a second version: every version's bytes must go, and every version's SHA-256 is certified
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(pdfBytes('old v2'))], { type: 'application/pdf' }), 'v2.pdf');
    expect((await api(`/v1/documents/${old}/versions`, { method: 'POST', headers: auth(clinician), body: form })).status).toBe(201);
    versionsBefore = (await s.sql`select sha256, blob_key from document_versions where document_id = ${old} order by version`) as unknown as typeof versionsBefore;
    expect(versionsBefore).toHaveLength(2);

    const res = await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [old], reason: 'past retention, reviewed' }));
    expect(res.status).toBe(201);
    batchId = ((await res.json()) as { id: string }).id;
    await expectProblem(await api(`/v1/retention/disposals/${batchId}/approve`, json(rm1, 'POST', {})), 403, 'four_eyes');
    expect(await lastAudit('retention.disposal.approve')).toMatchObject({ outcome: 'denied', error_code: 'four_eyes' });
    await expectProblem(await api(`/v1/retention/disposals/${batchId}/approve`, json(clinician, 'POST', {})), 403, 'forbidden');

    const hold = (await (await api('/v1/retention/holds', json(rm2, 'POST', { scope: 'document', document: old, reason: 'late claim' }))).json()) as { id: string };
    await expectProblem(await api(`/v1/retention/disposals/${batchId}/approve`, json(rm2, 'POST', {})), 409, 'legal_hold');
    const [b] = await s.sql`select state from disposal_batches where id = ${batchId}`;
    expect(b!.state).toBe('proposed');
    expect((await blobFiles()).filter((f) => versionsBefore.some((v) => v.blob_key === f))).toHaveLength(2);
    await api(`/v1/retention/holds/${hold.id}/lift`, json(rm2, 'POST', { reason: 'claim withdrawn' }));
  });

  it('a second records manager approves: every version destroyed, FHIR entry removed, metadata replaced by a certificate, audit kept', async () => {
    const res = await api(`/v1/retention/disposals/${batchId}/approve`, json(rm2, 'POST', { note: 'checked' }));
    expect(res.status).toBe(200);
    const out = (await res.json()) as { batch: { state: string }; destroyed: string[] };
    expect(out).toMatchObject({ batch: { state: 'completed' }, destroyed: [old] });
    const files = await blobFiles();
    for (const v of versionsBefore) expect(files).not.toContain(v.blob_key);
    expect(await s.sql`select 1 from documents where id = ${old}`).toHaveLength(0);
    expect(await s.sql`select 1 from document_versions where document_id = ${old}`).toHaveLength(0);
    expect(await s.sql`select 1 from fhir_document_references where id = ${old}`).toHaveLength(0);
    await expectProblem(await api(`/v1/documents/${old}`, { headers: auth(clinician) }), 404, 'not_found');

    await expectProblem(await api('/v1/retention/certificates', { headers: auth(clinician) }), 403, 'forbidden');
    const certs = (await (await api(`/v1/retention/certificates?batch=${batchId}`, { headers: auth(auditor) })).json()) as { items: Record<string, any>[] };
    expect(certs.items).toHaveLength(1);
    const c = certs.items[0]!;
    expect(c).toMatchObject({ documentId: old, patient: PATIENT, state: 'destroyed', retentionClass: 'adult', retainUntil: '2018-01-01', clinicalDate: '2005-01-01', proposedBy: 'rm.one', approvedBy: 'rm.two' });
    expect(c.type.code).toBe(DISCHARGE);
    expect(c.versions.map((v: { sha256: string }) => v.sha256)).toEqual(versionsBefore.map((v) => v.sha256));
    expect(c.versions[0].sha256).toBe(sha256(pdfBytes('old')));
    expect(c.destroyedAt).toBeTruthy();
    const scopedAuditor = await s.token('aud.scoped', ['auditor'], [OTHER_PATIENT]);
    await expectProblem(await api('/v1/retention/certificates', { headers: auth(scopedAuditor) }), 403, 'patient_forbidden');
    await expectProblem(await api(`/v1/retention/certificates/${c.id}`, { headers: auth(scopedAuditor) }), 403, 'patient_forbidden');
    expect(((await (await api(`/v1/retention/certificates/${c.id}`, { headers: auth(auditor) })).json()) as { documentId: string }).documentId).toBe(old);

    const trail = await s.sql`select action, outcome from audit_events where document_id = ${old} order by id`;
    expect(trail.map((r) => r.action)).toEqual(expect.arrayContaining(['document.create', 'document.read', 'retention.disposal.propose', 'retention.dispose']));
    expect(trail.find((r) => r.action === 'retention.dispose')!.outcome).toBe('success');
    await expectProblem(await api(`/v1/retention/disposals/${batchId}/approve`, json(admin, 'POST', {})), 409, 'disposal_state');
  });

  it('a crash after approval leaves the document withdrawn with its certificate; reconcile finishes the destruction', async () => {
    // a document past its retention: the patient (GP class) died 20 years ago
    const doc = (await upload(rm1, { retentionClass: 'gp', date: '2001-01-01' }, OTHER_PATIENT, 'gp')).body;
    await api(`/v1/retention/patients/${OTHER_PATIENT}/facts`, json(rm1, 'PUT', { dateOfDeath: '2003-03-03', lastContact: '2003-01-01' }));
    const [v] = await s.sql`select blob_key from document_versions where document_id = ${doc.id}`;
    const link = (await (await api(`/v1/documents/${doc.id}/download-url`, { method: 'POST', headers: auth(rm1) })).json()) as { url: string };
    expect((await fetch(link.url)).status).toBe(200);
    const batch = (await (await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [doc.id], reason: 'GP records of a deceased patient' }))).json()) as { id: string };
    // the approving transaction commits, then the process dies before any byte is deleted
    await s.service.retention.approve({ principal: { sub: 'root', roles: ['admin'], patients: null }, clientIp: null, userAgent: null, requestId: 'crash-test' }, batch.id, null);
    const [cert] = await s.sql`select state from destruction_certificates where document_id = ${doc.id}`;
    expect(cert!.state).toBe('destroying');
    expect(await blobFiles()).toContain(v!.blob_key);
    await expectProblem(await api(`/v1/documents/${doc.id}`, { headers: auth(rm1) }), 410, 'document_disposed');
    // a download link issued before the approval no longer serves it, and says why as every other read does (issue 25)
    await expectProblem(await fetch(link.url), 410, 'document_disposed');

    const report = await reconcileRetention(s.service.db.sql, new BlobStoreRegistry(s.service.blobs.live, () => Promise.reject(new Error('one store'))), createLogger('silent'), null);
    expect(report.disposalsFinished).toEqual([doc.id]);
    expect(await blobFiles()).not.toContain(v!.blob_key);
    const [after] = await s.sql`select state, approved_by from destruction_certificates where document_id = ${doc.id}`;
    expect(after).toMatchObject({ state: 'destroyed', approved_by: 'root' });
    expect(await s.sql`select 1 from documents where id = ${doc.id}`).toHaveLength(0);
    const [b] = await s.sql`select state from disposal_batches where id = ${batch.id}`;
    expect(b!.state).toBe('completed');
    // a re-run finds nothing to do
    expect((await reconcileRetention(s.service.db.sql, new BlobStoreRegistry(s.service.blobs.live, () => Promise.reject(new Error('one store'))), createLogger('silent'), null)).disposalsFinished).toEqual([]);
  });
});

describe('documents stored before retention existed', () => {
  it('reconcile gives them their class and retainUntil', async () => {
    await s.sql`update documents set retention_basis = null, retain_until = null, retention_class = 'adult', retention_schedule = null where id = ${recent}`;
    const report = await reconcileRetention(s.service.db.sql, new BlobStoreRegistry(s.service.blobs.live, () => Promise.reject(new Error('one store'))), createLogger('silent'), null, () => s.service.retention.backfill());
    expect(report.retentionComputed).toBe(1);
    const [row] = await s.sql`select retention_class, to_char(retain_until, 'YYYY-MM-DD') as d, retention_basis from documents where id = ${recent}`;
    // class back from its type (discharge summary: adult); the patient's facts give 8 years after death
    expect(row).toMatchObject({ retention_class: 'adult', d: '2019-06-01' });
    expect(row!.retention_basis).toContain('8 years after death');
    await api(`/v1/documents/${recent}/retention`, json(rm1, 'PUT', { retentionClass: 'oncology', reason: 'back to the cancer pathway' }));
  });
});

describe('break-glass', () => {
  it('a clinician outside the patient scope is refused without a reason, reads with one, and every use is audited and exported', async () => {
    await expectProblem(await api(`/v1/documents/${recent}`, { headers: auth(scoped) }), 403, 'patient_forbidden');
    await expectProblem(await api(`/v1/documents/${recent}`, { headers: auth(scoped, { 'quill-break-glass': ' ' }) }), 400, 'validation_failed');
    const reason = 'unconscious patient in ED, no consent possible';
    const res = await api(`/v1/documents/${recent}`, { headers: auth(scoped, { 'quill-break-glass': reason }) });
    expect(res.status).toBe(200);
    const content = await api(`/v1/documents/${recent}/content`, { headers: auth(scoped, { 'quill-break-glass': reason }) });
    expect(content.status).toBe(200);
    await content.arrayBuffer();
    const list = await api(`/v1/documents?patient=${PATIENT}`, { headers: auth(scoped, { 'quill-break-glass': reason }) });
    expect(list.status).toBe(200);
    await expectProblem(await api(`/fhir/DocumentReference/${recent}`, { headers: auth(scoped) }), 403, 'patient_forbidden');
    const fhir = await api(`/fhir/DocumentReference/${recent}`, { headers: auth(scoped, { 'quill-break-glass': reason }) });
    expect(fhir.status).toBe(200);
    // writing is never allowed by break-glass
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(pdfBytes('bg'))], { type: 'application/pdf' }), 'x.pdf');
    await expectProblem(await api(`/v1/documents/${recent}/versions`, { method: 'POST', headers: auth(scoped, { 'quill-break-glass': reason }), body: form }), 403, 'patient_forbidden');

    const rows = await s.sql`select action, outcome, detail from audit_events where actor = 'dr.scoped' and detail ? 'breakGlass' order by id`;
    expect(rows.map((r) => r.action)).toEqual(['document.read', 'document.content', 'document.list', 'fhir.read']);
    expect(rows.every((r) => r.detail.breakGlass === reason && r.outcome === 'success')).toBe(true);

    await expectProblem(await api('/v1/audit?breakGlass=true', { headers: auth(clinician) }), 403, 'forbidden');
    const audit = (await (await api('/v1/audit?breakGlass=true', { headers: auth(auditor) })).json()) as { items: { action: string; actor: string }[] };
    expect(audit.items.map((i) => i.action).sort()).toEqual(['document.content', 'document.list', 'document.read', 'fhir.read']);
    const bundle = (await (await api('/v1/audit?breakGlass=true&_format=fhir', { headers: auth(auditor) })).json()) as { entry: { resource: Record<string, any> }[] };
    for (const e of bundle.entry) {
      expect(e.resource.purposeOfEvent[0]).toMatchObject({ coding: [{ code: 'BTG' }], text: reason });
    }
  });
});

describe('a changed schedule', () => {
  it('is applied to every document by reconcile (a trust lengthens the adult period to 10 years)', async () => {
    const { mkdtemp, readFile, rm, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'quill-schedule-'));
    const shipped = JSON.parse(await readFile(new URL('../../src/domain/nhs-retention-schedule-2023.json', import.meta.url), 'utf8'));
    for (const c of shipped.classes) if (c.code === 'adult') c.rule = { ...c.rule, years: 10, afterDeathYears: 10 };
    const file = path.join(dir, 'schedule.json');
    await writeFile(file, JSON.stringify(shipped));
    const s2 = await startTestServer({ QUILL_RETENTION_SCHEDULE_FILE: file }, { databaseUrl: s.cfg.databaseUrl! });
    try {
      const before = await s.sql`select to_char(retain_until, 'YYYY-MM-DD') as d from documents where patient_nhs = '9000000009'`;
      expect(before.map((r) => r.d)).toEqual(['2007-01-01', '2007-01-01', '2007-01-01']);
      const [{ n }] = (await s.sql`select count(*)::int as n from documents where disposal_id is null`) as unknown as [{ n: number }];
      expect(await s2.service.retention.backfill()).toBe(n);
      const after = await s.sql`select to_char(retain_until, 'YYYY-MM-DD') as d from documents where patient_nhs = '9000000009'`;
      expect(after.map((r) => r.d)).toEqual(['2009-01-01', '2009-01-01', '2009-01-01']); // 10 years after the last contact
      const [onco] = await s.sql`select retention_class from documents where id = ${recent}`;
      expect(onco!.retention_class).toBe('oncology'); // a class still in the schedule is kept
      expect(await s2.service.retention.backfill()).toBe(0);
    } finally {
      await s2.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
