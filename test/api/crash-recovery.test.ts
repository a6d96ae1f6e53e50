import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createTestDatabase } from '../support/database.ts';
import { pdfBytes, PATIENT, sha256, uploadRaw } from '../support/fixtures.ts';

/**
 * A service process killed with SIGKILL at each step of an upload must leave a state that `reconcile` repairs:
 * never metadata pointing at missing bytes, and after reconcile no bytes that no metadata points at.
 */
const BIN = path.resolve('bin/quill-docstore.js');
let env: Record<string, string>;
let sql: postgres.Sql;
let dropDb: () => Promise<void>;
let dataDir: string;
let token: string;

beforeAll(async () => {
  const db = await createTestDatabase();
  dropDb = db.drop;
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-crash-'));
  const secret = randomBytes(32).toString('base64url');
  env = { ...process.env, NODE_ENV: 'test', DATABASE_URL: db.url, QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', HOST: '127.0.0.1' } as Record<string, string>;
  sql = postgres(db.url, { max: 2, onnotice: () => undefined });
  token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'dr.crash', roles: ['clinician'] });
});
afterAll(async () => {
  await sql?.end();
  await dropDb?.();
  await rm(dataDir, { recursive: true, force: true });
});

async function startProcess(extra: Record<string, string> = {}): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...env, PORT: String(port), ...extra }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`service exited: ${err}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, base };
    } catch {
      /* not yet */
    }
    await sleep(100);
  }
  throw new Error(`service did not start: ${err}`);
}

const exited = (c: ChildProcess) => new Promise<NodeJS.Signals | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.signalCode) : c.once('exit', (_code, sig) => r(sig))));

async function blobFiles(): Promise<string[]> {
  const root = path.join(dataDir, 'blobs');
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(root, path.join(d, e.name)));
    }
  };
  await walk(root);
  return out.sort();
}

function reconcile(): { status: number | null; report: { staleIntents: number; orphansRemoved: number; missingBlobs: unknown[]; errors: string[] } } {
  const r = spawnSync(process.execPath, [BIN, 'reconcile', '--grace', '0', '--json'], { env, encoding: 'utf8' });
  return { status: r.status, report: JSON.parse(r.stdout.trim().split('\n').pop() || '{}') };
}

/** The invariant: every version's bytes exist; after reconcile, every stored object belongs to a version. */
async function assertConsistent(): Promise<{ staleIntents: number; orphansRemoved: number }> {
  const versions = (await sql`select blob_key from document_versions`).map((r) => r.blob_key as string).sort();
  const files = await blobFiles();
  for (const key of versions) expect(files).toContain(key);
  const { status, report } = reconcile();
  expect(report.missingBlobs).toEqual([]);
  expect(report.errors).toEqual([]);
  expect(status).toBe(0);
  expect(await blobFiles()).toEqual(versions);
  const [{ n }] = (await sql`select count(*)::int as n from upload_intents where state = 'pending'`) as unknown as [{ n: number }];
  expect(n).toBe(0);
  return report;
}

describe('kill -9 at each step of an upload', () => {
  for (const point of ['after-intent', 'after-blob', 'after-commit'] as const) {
    it(`${point}: the process dies, reconcile repairs, the service serves on`, async () => {
      const { child, base } = await startProcess({ QUILL_FAULT_INJECT: point });
      const [docsBefore] = await sql`select count(*)::int as n from documents`;
      const res = await uploadRaw(base, token, pdfBytes(point)).catch((e: Error) => e);
      expect(res).toBeInstanceOf(Error); // the connection died with the process
      expect(await exited(child)).toBe('SIGKILL');
      const [docsAfter] = await sql`select count(*)::int as n from documents`;
      expect(docsAfter!.n).toBe(docsBefore!.n + (point === 'after-commit' ? 1 : 0));
      const repaired = await assertConsistent();
      // after-intent: a pending intent with no bytes; after-blob: bytes no metadata points at; after-commit: nothing to do
      expect(repaired.staleIntents + repaired.orphansRemoved > 0).toBe(point !== 'after-commit');

      const again = await startProcess();
      try {
        const ok = await uploadRaw(again.base, token, pdfBytes(`${point} retry`));
        expect(ok.status).toBe(201);
        const doc = await ok.json();
        const content = await fetch(`${again.base}/v1/documents/${doc.id}/content`, { headers: { authorization: `Bearer ${token}` } });
        expect(sha256(Buffer.from(await content.arrayBuffer()))).toBe(sha256(pdfBytes(`${point} retry`)));
      } finally {
        again.child.kill('SIGTERM');
        await exited(again.child);
      }
    });
  }

  it('mid-stream: bytes half written to a temp file are removed by reconcile', async () => {
    const { child, base } = await startProcess();
    const first = pdfBytes('slow');
    let sent = false;
    const body = new ReadableStream({
      async pull(c) {
        if (!sent) {
          sent = true;
          c.enqueue(new Uint8Array(Buffer.concat([first, Buffer.alloc(64 * 1024, 1)])));
          return;
        }
        await sleep(60_000); // a slow client: the rest never comes
      },
    });
    const pending = fetch(`${base}/v1/documents?patient=${PATIENT}&type=373942005&title=slow`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' }, body, duplex: 'half' } as RequestInit).catch((e: Error) => e);
    for (let i = 0; i < 100 && !(await blobFiles()).some((f) => f.startsWith('.incoming/')); i++) await sleep(50);
    expect((await blobFiles()).some((f) => f.startsWith('.incoming/'))).toBe(true);
    child.kill('SIGKILL');
    await exited(child);
    expect(await pending).toBeInstanceOf(Error);
    expect((await assertConsistent()).orphansRemoved).toBeGreaterThanOrEqual(1);
  });

  it('a /readyz probe file in flight is no orphan for reconcile --grace 0; one a killed process left is removed once a minute old', async () => {
    // the fs store's ping() (every /readyz) creates .incoming/.ping-<uuid> and unlinks it: a reconcile listing at that
    // instant saw an orphan (the crash soak's second reconcile, run while a restarted instance polled its /readyz)
    const incoming = path.join(dataDir, 'blobs', '.incoming');
    await mkdir(incoming, { recursive: true });
    const probe = path.join(incoming, `.ping-${randomUUID()}`);
    await writeFile(probe, '');
    const fresh = reconcile();
    expect(fresh.status).toBe(0);
    expect(fresh.report.orphansRemoved).toBe(0);
    expect(await blobFiles()).toContain(path.relative(path.join(dataDir, 'blobs'), probe));
    const old = new Date(Date.now() - 120_000);
    await utimes(probe, old, old); // as a process killed between the probe's open and its unlink leaves it
    const left = reconcile();
    expect(left.report.orphansRemoved).toBe(1);
    expect(await blobFiles()).not.toContain(path.relative(path.join(dataDir, 'blobs'), probe));
  });
});
