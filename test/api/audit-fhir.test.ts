import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBytes, PATIENT, uploadMultipart } from '../support/fixtures.ts';
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

  it('streams the same events as NDJSON from the CLI', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [path.resolve('bin/quill-docstore.js'), 'audit', 'export', '--ndjson'], { env: { ...process.env, DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir, LOG_LEVEL: 'warn' } });
      let buf = '';
      child.stdout.on('data', (d) => (buf += d));
      child.on('exit', (code) => (code === 0 ? resolve(buf) : reject(new Error(`exit ${code}`))));
    });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    const [{ n }] = (await s.sql`select count(*)::int as n from audit_events`) as unknown as [{ n: number }];
    expect(lines.length).toBe(n);
    expect(lines.map((l) => Number(l.id))).toEqual([...lines.map((l) => Number(l.id))].sort((a, b) => a - b));
    for (const l of lines.slice(0, 20)) validateR4(l);
  });
});
