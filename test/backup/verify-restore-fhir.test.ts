// verify-restore with a remote FHIR index (real HAPI FHIR): on the service's own database it re-syncs the index as
// `reconcile --fhir` does (a DocumentReference lost on the server comes back); on another database (--database-url,
// e.g. a restored side copy) it only checks, and leaves the live index alone.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfBytes, uploadMultipart } from '../support/fixtures.ts';
import { hapiBaseUrl } from '../support/hapi-url.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const hapi = hapiBaseUrl();
let s: TestServer;

function cli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve('bin/quill-docstore.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  s = await startTestServer({ QUILL_FHIR_URL: hapi, QUILL_ODS_CODE: `V${Math.floor(Math.random() * 1e6)}` });
});
afterAll(() => s?.close());

describe('verify-restore and the remote FHIR index', () => {
  it('re-syncs the live index, never from a side copy', async () => {
    const token = await s.token('dr.fhir', ['clinician']);
    const patient = randomNhsNumber();
    for (let i = 0; i < 2; i++) expect((await uploadMultipart(s.baseUrl, token, pdfBytes(`fhir ${i}`), { patient })).status).toBe(201);
    for (let i = 0; i < 300; i++) {
      const [row] = await s.sql<{ n: number }[]>`select count(*)::int as n from fhir_outbox where done_at is null`;
      if (row?.n === 0) break;
      await sleep(200);
    }
    const [doc] = await s.sql<{ id: string; fhir_id: string }[]>`select id::text, fhir_id from documents where patient_nhs = ${patient} and fhir_id is not null limit 1`;
    expect(doc).toBeDefined();
    const byIdentifier = async () => (await (await fetch(`${hapi}/DocumentReference?identifier=urn:uuid:${doc!.id}`)).json()).total as number;
    expect(await byIdentifier()).toBe(1);
    expect((await fetch(`${hapi}/DocumentReference/${doc!.fhir_id}`, { method: 'DELETE' })).ok).toBe(true);
    expect(await byIdentifier()).toBe(0);

    const env = { DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir, QUILL_FHIR_URL: hapi, QUILL_ODS_CODE: s.cfg.odsCode, QUILL_JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'warn' };
    const copy = await cli(['verify-restore', '--database-url', s.cfg.databaseUrl!, '--json'], env);
    expect(copy.code, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ ok: true, remoteFhir: 'skipped', fhir: { index: 'remote' } });
    expect(await byIdentifier()).toBe(0);

    const live = await cli(['verify-restore', '--json'], env);
    expect(live.code, live.stderr).toBe(0);
    const report = JSON.parse(live.stdout);
    expect(report.ok).toBe(true);
    expect(report.remoteFhir.created).toBeGreaterThanOrEqual(1);
    expect(report.remoteFhir.errors).toEqual([]);
    expect(await byIdentifier()).toBe(1);
  });
});
