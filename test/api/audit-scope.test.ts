import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_PATIENT, PATIENT, pdfBytes, uploadMultipart } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let clinician: string;
let scopedAuditor: string; // may only see PATIENT's rows
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.alice', ['clinician']);
  scopedAuditor = await s.token('aud.scoped', ['auditor'], [PATIENT]);
  for (const patient of [PATIENT, OTHER_PATIENT]) expect((await uploadMultipart(s.baseUrl, clinician, pdfBytes(patient), { patient })).status).toBe(201);
});
afterAll(() => s?.close());

describe('the patients claim on the audit trail', () => {
  it('limits a scoped auditor to rows about their patients, in JSON and as FHIR', async () => {
    const json = await (await fetch(`${s.baseUrl}/v1/audit?limit=1000`, { headers: auth(scopedAuditor) })).json();
    expect(json.items.length).toBeGreaterThan(0);
    expect(json.items.every((r: { patient: string | null }) => r.patient === PATIENT)).toBe(true);
    const bundle = await (await fetch(`${s.baseUrl}/v1/audit?limit=1000&_format=fhir`, { headers: auth(scopedAuditor) })).json();
    const patients = bundle.entry.flatMap((e: { resource: { entity?: { what?: { identifier?: { value?: string } } }[] } }) =>
      (e.resource.entity ?? []).map((x) => x.what?.identifier?.value).filter((v): v is string => /^\d{10}$/.test(v ?? '')),
    );
    expect(patients.length).toBeGreaterThan(0);
    expect(new Set(patients)).toEqual(new Set([PATIENT]));
    // an unscoped auditor sees both patients' uploads
    const all = await (await fetch(`${s.baseUrl}/v1/audit?action=document.create`, { headers: auth(await s.token('aud.all', ['auditor'])) })).json();
    expect(new Set(all.items.map((r: { patient: string }) => r.patient))).toEqual(new Set([PATIENT, OTHER_PATIENT]));
  });

  it('refuses another patient by name with 403 patient_forbidden, and audits the refusal', async () => {
    const res = await fetch(`${s.baseUrl}/v1/audit?patient=${OTHER_PATIENT}`, { headers: auth(scopedAuditor) });
    expect(res.status).toBe(403);
    expect((await res.json()).code).toBe('patient_forbidden');
    const [row] = await s.sql`select outcome, error_code, patient_nhs from audit_events where actor = 'aud.scoped' and action = 'audit.read' and outcome = 'denied'`;
    expect(row).toMatchObject({ outcome: 'denied', error_code: 'patient_forbidden', patient_nhs: OTHER_PATIENT });
  });
});
