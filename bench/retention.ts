/**
 * Records-governance costs, printed (never asserted in tests): a service on the embedded defaults holds N documents
 * of one patient (uploaded through the API); then, timed:
 *  - recording a date of death (every document of the patient recomputed and its FHIR entry rewritten, one transaction);
 *  - the due list (first page of 100);
 *  - a four-eyes disposal of 100 documents (proposal, approval: certificates, bytes, index, metadata).
 * Usage: node bench/retention.ts [--documents 1000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';

const { values } = parseArgs({ options: { documents: { type: 'string', default: '1000' } } });
const N = Number(values.documents);
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const PATIENT = '9434765919';

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-retention-'));
await chmod(work, 0o755); // as root, embedded PostgreSQL runs as 'postgres' and must reach its directory
const secret = randomBytes(32).toString('base64url');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, QUILL_DATA_DIR: path.join(work, 'data'), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn' };
const jwt = { issuer: 'quill-docstore-dev', audience: 'quill-docstore', secret: null, jwksUrl: null, rolesClaim: 'roles' };
const key = Buffer.from(secret, 'utf8');
const clinician = await mintDevToken(key, jwt, { sub: 'bench.clinician', roles: ['clinician'] });
const rm1 = await mintDevToken(key, jwt, { sub: 'bench.rm1', roles: ['records-manager'] });
const rm2 = await mintDevToken(key, jwt, { sub: 'bench.rm2', roles: ['records-manager'] });
const json = (t: string, method: string, body: unknown) => ({ method, headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await fn();
  return [(performance.now() - t) / 1000, r];
}

let server: ChildProcess | undefined;
try {
  server = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    if (i > 600) throw new Error('the service did not become ready');
    if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
    await sleep(200);
  }
  const pdf = (i: number) => Buffer.from(`%PDF-1.4\n1 0 obj\n<< /Title (doc ${i}) >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n`, 'latin1');
  const [uploadS] = await timed(async () => {
    for (let i = 0; i < N; i++) {
      const q = new URLSearchParams({ patient: PATIENT, type: '373942005', title: `doc ${i}`, date: '2001-01-01' });
      const r = await fetch(`${base}/v1/documents?${q}`, { method: 'POST', headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/pdf' }, body: pdf(i) });
      if (r.status !== 201) throw new Error(`upload ${i}: ${r.status} ${await r.text()}`);
    }
  });
  const [factsS, facts] = await timed(async () => (await fetch(`${base}/v1/retention/patients/${PATIENT}/facts`, json(rm1, 'PUT', { lastContact: '2002-01-01', dateOfDeath: '2003-01-01' }))).json() as Promise<{ documentsRecomputed: unknown[] }>);
  const [dueS, due] = await timed(async () => (await fetch(`${base}/v1/retention/due?limit=100`, { headers: { authorization: `Bearer ${rm1}` } })).json() as Promise<{ items: { id: string }[] }>);
  const ids = due.items.map((d) => d.id);
  const [proposeS, batch] = await timed(async () => (await fetch(`${base}/v1/retention/disposals`, json(rm1, 'POST', { documents: ids, reason: 'bench' }))).json() as Promise<{ id: string }>);
  const [approveS, approved] = await timed(async () => (await fetch(`${base}/v1/retention/disposals/${batch.id}/approve`, json(rm2, 'POST', {}))).json() as Promise<{ destroyed: string[] }>);
  const rows = [
    ['uploads (setup)', `${N} documents`, `${uploadS.toFixed(1)} s`],
    ['facts recorded: retention recomputed + FHIR rewritten', `${facts.documentsRecomputed.length} documents`, `${(factsS * 1000).toFixed(0)} ms`],
    ['due list, first page', `${due.items.length} rows`, `${(dueS * 1000).toFixed(0)} ms`],
    ['disposal proposed', `${ids.length} documents`, `${(proposeS * 1000).toFixed(0)} ms`],
    ['disposal approved and carried out (fs store)', `${approved.destroyed.length} destroyed`, `${(approveS * 1000).toFixed(0)} ms`],
  ];
  console.log('| step | size | time |\n|---|---|---|');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  server?.kill('SIGTERM');
  await new Promise((r) => server?.once('exit', r) ?? r(null));
  await rm(work, { recursive: true, force: true });
}
