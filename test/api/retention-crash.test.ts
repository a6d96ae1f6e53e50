// A disposal killed (SIGKILL) after the first document's bytes are deleted, before its metadata is removed: the
// documents are withdrawn with their certificates open, and `quill-docstore reconcile` (the CLI) finishes the job.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createTestDatabase } from '../support/database.ts';
import { pdfBytes, PATIENT, uploadRaw } from '../support/fixtures.ts';
import { runCli } from '../support/live-stores.ts';

const BIN = path.resolve('bin/quill-docstore.js');
let env: Record<string, string>;
let sql: postgres.Sql;
let dropDb: () => Promise<void>;
let dataDir: string;
let secret: string;
const jwt = { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' };
const children: ChildProcess[] = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-disposal-crash-'));
  secret = randomBytes(32).toString('base64url');
  env = { NODE_ENV: 'test', DATABASE_URL: db.url, QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', HOST: '127.0.0.1' };
  sql = postgres(db.url, { max: 2, onnotice: () => undefined });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await sql?.end();
  await dropDb?.();
  await rm(dataDir, { recursive: true, force: true });
});

async function startProcess(extra: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, ...env, PORT: String(port), ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`service exited: ${err}`);
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return { child, base };
    await sleep(100);
  }
  throw new Error(`service did not start: ${err}`);
}

const exited = (c: ChildProcess) => new Promise<NodeJS.Signals | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.signalCode) : c.once('exit', (_code, sig) => r(sig))));

async function blobFiles(): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(dir, e.name));
      else out.push(path.relative(path.join(dataDir, 'blobs'), path.join(dir, e.name)));
    }
  };
  await walk(path.join(dataDir, 'blobs'));
  return out;
}

describe('a disposal killed part-way', () => {
  it('leaves documents withdrawn with open certificates, and reconcile finishes the destruction', async () => {
    const key = Buffer.from(secret);
    const clinician = await mintDevToken(key, jwt, { sub: 'dr.c', roles: ['clinician'] });
    const rm1 = await mintDevToken(key, jwt, { sub: 'rm.one', roles: ['records-manager'] });
    const rm2 = await mintDevToken(key, jwt, { sub: 'rm.two', roles: ['records-manager'] });
    const json = (t: string, body: unknown) => ({ method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    const { child, base } = await startProcess({ QUILL_FAULT_INJECT: 'disposal-after-bytes' });
    await fetch(`${base}/v1/retention/patients/${PATIENT}/facts`, { ...json(rm1, { lastContact: '2001-01-01', dateOfDeath: '2002-01-01' }), method: 'PUT' });
    const ids: string[] = [];
    for (const n of ['one', 'two']) {
      const r = await uploadRaw(base, clinician, pdfBytes(n), { fields: { date: '2000-01-01' } });
      expect(r.status).toBe(201);
      ids.push(((await r.json()) as { id: string }).id);
    }
    const keys = (await sql`select blob_key from document_versions where document_id = any(${ids}::uuid[])`).map((r) => r.blob_key as string);
    expect(keys).toHaveLength(2);
    const batch = (await (await fetch(`${base}/v1/retention/disposals`, json(rm1, { documents: ids, reason: 'past retention' }))).json()) as { id: string };
    // the process dies after deleting the first document's bytes, before removing its metadata
    await fetch(`${base}/v1/retention/disposals/${batch.id}/approve`, json(rm2, {})).then(
      () => undefined,
      () => undefined,
    );
    expect(await exited(child)).toBe('SIGKILL');

    const certs = await sql`select document_id, state from destruction_certificates order by document_id`;
    expect(certs.map((c) => c.state)).toEqual(['destroying', 'destroying']);
    const withdrawn = await sql`select id from documents where disposal_id is not null`;
    expect(withdrawn).toHaveLength(2); // metadata left, but withdrawn: never served
    const files = await blobFiles();
    expect(keys.filter((k) => files.includes(k))).toHaveLength(1); // one document's bytes gone, one's still there

    const out = await runCli(['reconcile', '--json'], env);
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout) as { retention: { disposalsFinished: string[] }; missingBlobs: unknown[] };
    expect(report.retention.disposalsFinished.sort()).toEqual([...ids].sort());
    expect(report.missingBlobs).toEqual([]);
    expect((await blobFiles()).filter((f) => keys.includes(f))).toEqual([]);
    expect((await sql`select state from destruction_certificates`).map((c) => c.state)).toEqual(['destroyed', 'destroyed']);
    expect(await sql`select 1 from documents where id = any(${ids}::uuid[])`).toHaveLength(0);
    expect((await sql`select state from disposal_batches where id = ${batch.id}`)[0]!.state).toBe('completed');
    const [{ n }] = (await sql`select count(*)::int as n from audit_events where action = 'retention.dispose' and outcome = 'success' and actor = 'system:reconcile'`) as unknown as [{ n: number }];
    expect(n).toBe(2);
  });
});
