// Three service instances (separate processes, different ports) on one PostgreSQL database and one filesystem store,
// as behind a load balancer: uploads and reads spread across them, any instance reads what another wrote, and when one
// instance is SIGKILLed under upload load, clients that retry on another instance lose nothing.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { DISCHARGE, PATIENT } from '../support/fixtures.ts';
import { createTestDatabase } from '../support/database.ts';
import { runCli } from '../support/live-stores.ts';
import { freePorts } from '../support/process.ts';

const BIN = path.resolve(import.meta.dirname, '../../bin/quill-docstore.js');
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Instance {
  base: string;
  proc: ChildProcess;
  exited: Promise<unknown>;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let work: string;
let token: string;
const instances: Instance[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  work = await mkdtemp(path.join(os.tmpdir(), 'quill-multi-'));
  const secret = randomBytes(32).toString('base64url');
  const shared = {
    DATABASE_URL: db.url,
    QUILL_FS_DIR: path.join(work, 'blobs'),
    QUILL_URL_SIGNING_KEY: randomBytes(32).toString('base64url'),
    QUILL_FS_KEK: randomBytes(32).toString('base64url'),
    QUILL_JWT_SECRET: secret,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  const ports = await freePorts(3);
  for (const [i, port] of ports.entries()) {
    const proc = spawn(process.execPath, [BIN, 'start'], {
      env: { ...process.env, ...shared, PORT: String(port), QUILL_DATA_DIR: path.join(work, `data${i}`) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    proc.stderr!.on('data', () => undefined);
    const exited = new Promise((r) => proc.once('exit', r));
    const base = `http://127.0.0.1:${port}`;
    instances.push({ base, proc, exited });
    for (let t = 0; ; t++) {
      if (proc.exitCode !== null) throw new Error(`instance ${i} exited with ${proc.exitCode}`);
      if (await fetch(`${base}/readyz`).then((r) => r.ok, () => false)) break;
      if (t > 600) throw new Error(`instance ${i} not ready`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'multi', roles: ['clinician'] });
}, 120_000);

afterAll(async () => {
  for (const i of instances) {
    if (i.proc.exitCode === null && i.proc.signalCode === null) {
      i.proc.kill('SIGTERM');
      await i.exited;
    }
  }
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

describe('three instances on one database and one store', () => {
  it('spread uploads and reads; a SIGKILLed instance loses nothing for clients that retry elsewhere', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const acked = new Map<string, { sha: string; by: number }>();
    const servedBy = [0, 0, 0];
    const gaveUp: string[] = [];
    let retries = 0;
    let stop = false;

    const upload = async (body: Buffer, first: number): Promise<void> => {
      for (let attempt = 0; attempt < 6; attempt++) {
        const i = (first + attempt) % 3;
        const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: 'multi' });
        try {
          const r = await fetch(`${instances[i]!.base}/v1/documents?${q}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: new Uint8Array(body) });
          const text = await r.text();
          if (r.status === 201) {
            acked.set(JSON.parse(text).id, { sha: sha(body), by: i });
            servedBy[i]!++;
            return;
          }
          if (r.status < 500) throw new Error(`refused ${r.status}: ${text.slice(0, 200)}`);
        } catch (e) {
          if ((e as Error).message.startsWith('refused')) throw e;
        }
        retries++; // connection refused/reset or 5xx: the next instance
      }
      gaveUp.push(sha(body));
    };
    const client = async (c: number) => {
      for (let n = 0; !stop; n++) await upload(Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(50_000 + ((c * 131 + n * 977) % 100_000))]), (c + n) % 3);
    };

    const load = [0, 1, 2, 3, 4, 5].map(client);
    await waitFor(() => acked.size >= 30);
    // the clients are not told: they find out by a refused or cut connection, and retry on the next instance
    instances[0]!.proc.kill('SIGKILL');
    const before = acked.size;
    await waitFor(() => acked.size >= before + 40);
    stop = true;
    await Promise.all(load);

    expect(gaveUp, 'every upload succeeded on some instance').toEqual([]);
    expect(servedBy.every((n) => n > 0), `uploads spread across instances: ${servedBy}`).toBe(true);
    expect(retries, 'uploads sent to the killed instance were retried elsewhere').toBeGreaterThan(0);
    // every acknowledged document is readable, byte for byte, from both surviving instances, whichever wrote it
    for (const [id, { sha: want }] of acked) {
      for (const i of [1, 2]) {
        const r = await fetch(`${instances[i]!.base}/v1/documents/${id}/content`, { headers: auth });
        expect(r.status, `document ${id} from instance ${i}`).toBe(200);
        expect(sha(new Uint8Array(await r.arrayBuffer()))).toBe(want);
      }
    }
    // a download URL issued by one instance is served by another (one signing key, one store)
    const [someId] = [...acked.keys()];
    const link = await (await fetch(`${instances[1]!.base}/v1/documents/${someId}/download-url`, { method: 'POST', headers: auth })).json();
    const other = new URL(link.url);
    const fetched = await fetch(`${instances[2]!.base}${other.pathname}${other.search}`);
    expect(fetched.status).toBe(200);
    expect(sha(new Uint8Array(await fetched.arrayBuffer()))).toBe(acked.get(someId!)!.sha);
    // nothing acknowledged is missing; at most the uploads cut off by the kill committed without an answer
    const pg = (await import('postgres')).default(db.url, { max: 1, onnotice: () => undefined });
    try {
      const [row] = await pg<{ n: number }[]>`select count(*)::int as n from documents`;
      expect(row!.n).toBeGreaterThanOrEqual(acked.size);
      expect(row!.n - acked.size).toBeLessThanOrEqual(6); // at most one in flight per client at the kill
    } finally {
      await pg.end();
    }
    console.log(`[multi] ${acked.size} uploads acknowledged (by instance: ${servedBy.join(' / ')}), ${retries} retried on another instance after the kill`);
  }, 180_000);
});

describe('jobs across instances', () => {
  it('runs one reconcile at a time: a second one, from any instance, is refused with exit 75 while the first holds the lock', async () => {
    const env = { DATABASE_URL: db.url, QUILL_FS_DIR: path.join(work, 'blobs'), QUILL_DATA_DIR: path.join(work, 'data-cli'), QUILL_JWT_SECRET: 'x'.repeat(32) };
    const pg = (await import('postgres')).default(db.url, { max: 1, onnotice: () => undefined });
    const held = await pg.reserve();
    try {
      await held`select pg_advisory_lock(hashtext('quill-docstore:reconcile'))`;
      const busy = await runCli(['reconcile'], env);
      expect(busy.code).toBe(75);
      expect(busy.stderr).toContain('another reconcile run holds the lock');
    } finally {
      await held`select pg_advisory_unlock_all()`;
      held.release();
      await pg.end();
    }
    const free = await runCli(['reconcile', '--json'], env);
    expect(free.code, free.stderr).toBe(0);
    expect(JSON.parse(free.stdout.trim()).missingBlobs).toEqual([]);
  }, 60_000);
});

async function waitFor(cond: () => boolean, timeoutMs = 90_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
