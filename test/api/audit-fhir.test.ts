import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_PATIENT, pdfBytes, PATIENT, uploadMultipart } from '../support/fixtures.ts';
import { validateR4 } from '../support/fhir-validate.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

let s: TestServer;
let clinician: string;
let auditor: string;
beforeAll(async () => {
  s = await startTestServer();
  clinician = await s.token('dr.fhir', ['clinician']);
  auditor = await s.token('aud.fhir', ['auditor']);
});
afterAll(() => s?.close());

describe('the audit trail as FHIR R4 AuditEvent (IHE BALP)', () => {
  it('answers ?_format=fhir with a valid Bundle of AuditEvents, denials included', async () => {
    const doc = await (await uploadMultipart(s.baseUrl, clinician, pdfBytes('balp'))).json();
    await fetch(`${s.baseUrl}/v1/documents/${doc.id}/content`, { headers: { authorization: `Bearer ${clinician}` } });
    await fetch(`${s.baseUrl}/v1/audit`, { headers: { authorization: `Bearer ${clinician}` } }); // denied
    const res = await fetch(`${s.baseUrl}/v1/audit?_format=fhir&limit=50`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    const bundle = await res.json();
    validateR4(bundle);
    const events = bundle.entry.map((e: { resource: Record<string, unknown> }) => e.resource);
    for (const e of events) validateR4(e);
    const create = events.find((e: { subtype: { code: string }[]; entity?: { what: { reference?: string } }[] }) => e.subtype[0]!.code === 'create' && e.entity?.some((x) => x.what.reference === `DocumentReference/${doc.id}`));
    expect(create).toMatchObject({ action: 'C', outcome: '0', agent: [{ who: { identifier: { value: 'dr.fhir' } }, requestor: true, network: { address: '127.0.0.1' } }, { requestor: false }] });
    expect(create.entity.some((x: { what: { identifier?: { value: string } } }) => x.what.identifier?.value === PATIENT)).toBe(true);
    expect(events.some((e: { outcome: string; agent: { who: { identifier?: { value: string } } }[] }) => e.outcome === '4' && e.agent[0]!.who.identifier?.value === 'dr.fhir')).toBe(true);
  });

  it('streams the same events as NDJSON from the CLI, and audits the export itself', async () => {
    const r = await exportCli([]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const [{ n }] = (await s.sql`select count(*)::int as n from audit_events`) as unknown as [{ n: number }];
    expect(lines.length).toBe(n - 1); // every row but the export's own, written when it finished
    expect(lines.map((l) => Number(l.id))).toEqual([...lines.map((l) => Number(l.id))].sort((a, b) => a - b));
    for (const l of lines.slice(0, 20)) validateR4(l);
    const [last] = await s.sql`select action, outcome, actor, detail from audit_events order by id desc limit 1`;
    expect(last).toMatchObject({ action: 'audit.export', outcome: 'success', detail: { count: lines.length, trusted: true } });
    expect(last!.actor).toMatch(/^operator:/);
  });

  it('exports as the user a --token names: the patients claim limits it, and a clinician is refused', async () => {
    await uploadMultipart(s.baseUrl, clinician, pdfBytes('other patient'), { patient: OTHER_PATIENT });
    const scoped = await exportCli(['--token', await s.token('aud.scoped', ['auditor'], [PATIENT])]);
    expect(scoped.code, scoped.stderr).toBe(0);
    const events = scoped.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThan(0);
    const patients = new Set(events.flatMap((e) => (e.entity ?? []).map((x: { what?: { identifier?: { value?: string } } }) => x.what?.identifier?.value)).filter((v) => /^\d{10}$/.test(v ?? '')));
    expect(patients).toEqual(new Set([PATIENT]));

    const refused = await exportCli(['--token', clinician]);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    const [row] = await s.sql`select outcome, error_code from audit_events where action = 'audit.export' and actor = 'dr.fhir'`;
    expect(row).toMatchObject({ outcome: 'denied', error_code: 'forbidden' });
  });

  it('refuses malformed filters with a usage message, before touching the database', async () => {
    for (const bad of [['--from', '2026-02-30'], ['--to', '0050-01-01x'], ['--patient', '1234567890'], ['--document', 'x']]) {
      const r = await exportCli(bad);
      expect(r.code, bad.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/must be/);
    }
  });
});

function exportCli(extra: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('bin/quill-docstore.js'), 'audit', 'export', '--ndjson', ...extra], {
      env: { ...process.env, DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir, QUILL_JWT_SECRET: s.secret.toString('utf8'), LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
