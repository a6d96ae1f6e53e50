// tus uploads put together in the store (issue 26): the integrity of the new path. A resume on another instance
// commits the right SHA-256 (the hash carried across PATCHes is then recomputed from the stored object); bytes changed
// in the store before the commit are caught (at the commit when the object is read, else by every verified read);
// a service killed in the middle of an upload leaves nothing that `reconcile` does not remove, and a commit killed
// half-way is retried by the next request.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createTestDatabase } from '../support/database.ts';
import { DISCHARGE, PATIENT, pdfBytes, sha256 } from '../support/fixtures.ts';
import { newBucket, requireServers, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';

const MiB = 1024 * 1024;
const TUS = { 'tus-resumable': '1.0.0' };
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const b64 = (s: string) => Buffer.from(s).toString('base64');
/** A PDF of about `size` bytes: a real header, then random bytes. */
const bigPdf = (size: number) => Buffer.concat([pdfBytes('integrity'), randomBytes(size)]);

async function create(base: string, token: string, bytes: Buffer): Promise<string> {
  const meta = { patient: PATIENT, type: DISCHARGE, title: 'Integrity', filename: 'i.pdf', filetype: 'application/pdf', sha256: sha256(bytes) };
  const r = await fetch(`${base}/v1/uploads`, {
    method: 'POST',
    headers: { ...TUS, ...auth(token), 'upload-length': String(bytes.length), 'upload-metadata': Object.entries(meta).map(([k, v]) => `${k} ${b64(v)}`).join(',') },
  });
  expect(r.status).toBe(201);
  return new URL(r.headers.get('location')!, base).pathname;
}

const patch = (base: string, token: string, upload: string, offset: number, bytes: Buffer) =>
  fetch(`${base}${upload}`, { method: 'PATCH', headers: { ...TUS, ...auth(token), 'content-type': 'application/offset+octet-stream', 'upload-offset': String(offset) }, body: new Uint8Array(bytes) });

/** Sends bytes[from, to) in PATCHes of `size`; every answer must be 204. Returns the last answer. */
async function send(base: string, token: string, upload: string, bytes: Buffer, from: number, to: number, size: number): Promise<Response> {
  let last: Response | null = null;
  for (let at = from; at < to; at += size) {
    last = await patch(base, token, upload, at, bytes.subarray(at, Math.min(to, at + size)));
    expect(last.status, await last.clone().text()).toBe(204);
  }
  return last!;
}

async function content(base: string, token: string, documentId: string): Promise<{ status: number; body: Buffer | null; code?: string }> {
  const r = await fetch(`${base}/v1/documents/${documentId}/content`, { headers: auth(token) });
  if (r.status !== 200) return { status: r.status, body: null, code: ((await r.json()) as { code: string }).code };
  return { status: 200, body: Buffer.from(await r.arrayBuffer()).subarray(0) };
}

const BIN = path.resolve('bin/quill-docstore.js');

/** A service process (its own hash worker: a real other instance), ready to serve. */
async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`service exited: ${err}`);
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) return { child, base };
    await sleep(100);
  }
  throw new Error(`service did not start: ${err}`);
}
const exited = (c: ChildProcess) => new Promise<NodeJS.Signals | null>((r) => (c.exitCode !== null || c.signalCode !== null ? r(c.signalCode) : c.once('exit', (_code, sig) => r(sig))));
const stop = async (c: ChildProcess) => {
  c.kill('SIGTERM');
  await exited(c);
};

/** Two service processes on one database and one store: the PATCHes of one upload split between them. */
function twoInstances(storeEnv: () => Record<string, string>) {
  const ctx = { a: '', b: '', token: '', sql: null as unknown as postgres.Sql };
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  let db: { url: string; drop(): Promise<void> };
  beforeAll(async () => {
    db = await createTestDatabase();
    ctx.sql = postgres(db.url, { max: 2, onnotice: () => undefined });
    const secret = randomBytes(32).toString('base64url');
    // instances sharing a store share its URL signing key and its key-encryption key
    const env = { ...storeEnv(), NODE_ENV: 'test', DATABASE_URL: db.url, QUILL_JWT_SECRET: secret, QUILL_URL_SIGNING_KEY: randomBytes(32).toString('base64url'), QUILL_FS_KEK: randomBytes(32).toString('base64') };
    for (const name of ['a', 'b'] as const) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), `quill-tus-${name}-`));
      dirs.push(dataDir);
      const p = await startProcess({ ...env, QUILL_DATA_DIR: dataDir });
      children.push(p.child);
      ctx[name] = p.base;
    }
    ctx.token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'dr.integrity', roles: ['clinician'] });
  }, 180_000);
  afterAll(async () => {
    for (const c of children) await stop(c);
    await ctx.sql?.end();
    await db?.drop();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  }, 60_000);
  return ctx;
}

async function resumedElsewhere(ctx: ReturnType<typeof twoInstances>): Promise<string> {
  const { a, b, token } = ctx;
  const bytes = bigPdf(9 * MiB + 12345);
  const upload = await create(a, token, bytes);
  // the first PATCHes on one instance (unaligned sizes: a partial encryption chunk, S3 bytes waiting for a part)...
  await send(a, token, upload, bytes, 0, 3 * MiB + 777, MiB + 259);
  // ...the rest on the other, which holds no hash state for it
  const last = await send(b, token, upload, bytes, 3 * MiB + 777, bytes.length, 4 * MiB);
  expect(last.headers.get('quill-sha256')).toBe(sha256(bytes));
  const documentId = last.headers.get('quill-document-id')!;
  const [v] = await ctx.sql`select sha256, sha1, size, content_type from document_versions where document_id = ${documentId}`;
  expect(v).toMatchObject({ sha256: sha256(bytes), sha1: createHash('sha1').update(bytes).digest('hex'), content_type: 'application/pdf' });
  expect(Number(v!.size)).toBe(bytes.length);
  for (const s of [a, b]) expect(sha256((await content(s, token, documentId)).body!)).toBe(sha256(bytes));
  return upload.split('/').pop()!;
}

describe('tus integrity on the fs store (two instances, one database, one store)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'quill-tus-integrity-'));
  });
  const ctx = twoInstances(() => ({ QUILL_FS_DIR: dir }));
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an upload resumed on another instance after its first PATCHes commits the right SHA-256', async () => {
    const id = await resumedElsewhere(ctx);
    expect(await readdir(path.join(dir, 'uploads', id))).toEqual([]);
  }, 90_000);

  /** Flips one byte of the first encrypted chunk of the upload's composed file, as a faulty disk would. */
  async function corruptStored(upload: string): Promise<void> {
    const id = upload.split('/').pop()!;
    const files = (await readdir(path.join(dir, 'uploads', id))).filter((f) => f.startsWith('compose-'));
    expect(files.length).toBe(1);
    const fh = await open(path.join(dir, 'uploads', id, files[0]!), 'r+');
    try {
      const b = Buffer.alloc(1);
      const at = 1000 + 180; // past the 164-byte header, inside chunk 0
      await fh.read(b, 0, 1, at);
      b[0] = b[0]! ^ 0x40;
      await fh.write(b, 0, 1, at);
    } finally {
      await fh.close();
    }
  }

  it('bytes changed in the store before the commit: caught by the commit that reads them (another instance), never committed', async () => {
    const { a, b, token } = ctx;
    const bytes = bigPdf(3 * MiB);
    const upload = await create(a, token, bytes);
    await send(a, token, upload, bytes, 0, MiB, MiB);
    await corruptStored(upload);
    const last = await patch(b, token, upload, MiB, bytes.subarray(MiB));
    expect(last.status).toBe(500);
    expect(((await last.json()) as { code: string }).code).toBe('integrity_failure');
    const id = upload.split('/').pop()!;
    const [row] = await ctx.sql`select state, error_code, document_id, blob_key, new_document_id from resumable_uploads where id = ${id}`;
    expect(row).toMatchObject({ state: 'failed', error_code: 'integrity_failure', document_id: null });
    expect((await ctx.sql`select 1 from documents where id = ${row!.new_document_id}`).length).toBe(0);
    // neither the object under the document's key nor the working files are left
    await expect(open(path.join(dir, row!.blob_key))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(path.join(dir, 'uploads', id))).toEqual([]);
  }, 60_000);

  it('bytes changed in the store before the commit, on the instance carrying the hash: the digest recorded is of the bytes received, so no read serves the changed bytes', async () => {
    const { a, token } = ctx;
    const bytes = bigPdf(3 * MiB);
    const upload = await create(a, token, bytes);
    await send(a, token, upload, bytes, 0, MiB, MiB);
    await corruptStored(upload);
    const last = await patch(a, token, upload, MiB, bytes.subarray(MiB));
    expect(last.status).toBe(204);
    // the carried SHA-256 (the client's bytes), not one of what the store now holds
    expect(last.headers.get('quill-sha256')).toBe(sha256(bytes));
    const documentId = last.headers.get('quill-document-id')!;
    const read = await content(a, token, documentId);
    expect(read).toMatchObject({ status: 500, code: 'integrity_failure' });
    const [q] = await ctx.sql`select count(*)::int as n from audit_events where document_id = ${documentId} and error_code = 'integrity_failure'`;
    expect(q!.n).toBeGreaterThan(0);
  }, 60_000);
});

const live = requireServers('tus integrity on SeaweedFS');
describe.skipIf(!live)('tus integrity on SeaweedFS (two instances, one database, one bucket)', () => {
  let sw: SeaweedServer;
  let bucket: string;
  let restore: () => void = () => undefined;
  beforeAll(async () => {
    sw = await startSeaweed();
    restore = useAwsCredentials(sw);
    bucket = await newBucket(sw, 'tus-integrity');
  }, 120_000);
  const ctx = twoInstances(() => ({ QUILL_BLOB_STORE: 's3', ...s3Env(sw, bucket) }));
  afterAll(async () => {
    restore();
    await sw?.stop();
  }, 60_000);

  it('an upload resumed on another instance after its first PATCHes commits the right SHA-256 (parts cannot be read before the commit)', async () => {
    await resumedElsewhere(ctx);
  }, 90_000);
});

describe('a killed service in the middle of a tus upload (fs store, processes killed with SIGKILL)', () => {
  let env: Record<string, string>;
  let sql: postgres.Sql;
  let dropDb: () => Promise<void>;
  let dataDir: string;
  let token: string;

  beforeAll(async () => {
    const db = await createTestDatabase();
    dropDb = db.drop;
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-tus-kill-'));
    const secret = randomBytes(32).toString('base64url');
    env = { NODE_ENV: 'test', DATABASE_URL: db.url, QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret };
    sql = postgres(db.url, { max: 2, onnotice: () => undefined });
    token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'dr.kill', roles: ['clinician'] });
  });
  afterAll(async () => {
    await sql?.end();
    await dropDb?.();
    await rm(dataDir, { recursive: true, force: true });
  });

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

  function reconcile(): { status: number | null; report: { staleIntents: number; orphansRemoved: number; expiredUploads?: number; missingBlobs: unknown[]; errors: string[] } } {
    const r = spawnSync(process.execPath, [BIN, 'reconcile', '--grace', '0', '--json'], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, encoding: 'utf8' });
    return { status: r.status, report: JSON.parse(r.stdout.trim().split('\n').pop() || '{}') };
  }

  /** After reconcile: every stored object is a version's, and no intent is pending. */
  async function onlyVersionsLeft(): Promise<void> {
    const versions = (await sql`select blob_key from document_versions`).map((r) => r.blob_key as string).sort();
    expect(await blobFiles()).toEqual(versions);
    const [{ n }] = (await sql`select count(*)::int as n from upload_intents where state = 'pending'`) as unknown as [{ n: number }];
    expect(n).toBe(0);
  }

  const expireNow = (id: string) => sql`update resumable_uploads set expires_at = now() - interval '1 second' where id = ${id}`;

  it('killed mid-PATCH: the upload keeps only its working file, which reconcile removes once the upload expires', async () => {
    const { child, base } = await startProcess(env);
    const bytes = bigPdf(4 * MiB);
    const upload = await create(base, token, bytes);
    const id = upload.split('/').pop()!;
    let sent = false;
    const body = new ReadableStream({
      async pull(c) {
        if (!sent) {
          sent = true;
          c.enqueue(new Uint8Array(bytes.subarray(0, MiB)));
          return;
        }
        await sleep(60_000); // the rest never comes
      },
    });
    const pending = fetch(`${base}${upload}`, { method: 'PATCH', headers: { ...TUS, ...auth(token), 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, body, duplex: 'half' } as RequestInit).catch((e: Error) => e);
    for (let i = 0; i < 200 && !(await blobFiles()).some((f) => f.startsWith(`uploads/${id}/compose-`)); i++) await sleep(50);
    child.kill('SIGKILL');
    await exited(child);
    expect(await pending).toBeInstanceOf(Error);
    // nothing under a document key, nothing counted: only the upload's working file
    expect((await blobFiles()).filter((f) => !f.startsWith('.incoming/'))).toEqual([expect.stringMatching(new RegExp(`^uploads/${id}/compose-`))]);
    const [row] = await sql`select upload_offset, state from resumable_uploads where id = ${id}`;
    expect(row).toMatchObject({ state: 'receiving' });
    expect(Number(row!.upload_offset)).toBe(0);
    // while the upload may still be resumed, reconcile keeps its file
    expect(reconcile().status).toBe(0);
    expect((await blobFiles()).some((f) => f.startsWith(`uploads/${id}/`))).toBe(true);
    await expireNow(id);
    const { status, report } = reconcile();
    expect(status).toBe(0);
    expect(report.expiredUploads).toBe(1);
    expect(report.errors).toEqual([]);
    await onlyVersionsLeft();
  }, 90_000);

  it('killed mid-PATCH, then resumed on a new process: the killed request\'s writer lease keeps the resume out only until it runs out (409 with Retry-After), then the upload commits the right SHA-256', async () => {
    const first = await startProcess(env);
    const bytes = bigPdf(3 * MiB);
    const upload = await create(first.base, token, bytes);
    const id = upload.split('/').pop()!;
    await send(first.base, token, upload, bytes, 0, MiB, MiB);
    let sent = false;
    const body = new ReadableStream({
      async pull(c) {
        if (!sent) {
          sent = true;
          c.enqueue(new Uint8Array(bytes.subarray(MiB, MiB + 512 * 1024)));
          return;
        }
        await sleep(60_000); // the rest never comes
      },
    });
    const pending = fetch(`${first.base}${upload}`, { method: 'PATCH', headers: { ...TUS, ...auth(token), 'content-type': 'application/offset+octet-stream', 'upload-offset': String(MiB) }, body, duplex: 'half' } as RequestInit).catch((e: Error) => e);
    for (let i = 0; i < 200 && !(await sql`select 1 from resumable_uploads where id = ${id} and writer is not null`).length; i++) await sleep(50);
    const second = await startProcess(env); // up before the kill, so the resume comes while the lease is held
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(await pending).toBeInstanceOf(Error);
    try {
      const head = await fetch(`${second.base}${upload}`, { method: 'HEAD', headers: { ...TUS, ...auth(token) } });
      expect(head.headers.get('upload-offset')).toBe(String(MiB));
      // resume as a tus client does: a 409 that says when to come back is waited out
      let answer = await patch(second.base, token, upload, MiB, bytes.subarray(MiB));
      let conflicts = 0;
      while (answer.status === 409) {
        const problem = (await answer.json()) as { code: string };
        expect(problem.code).toBe('upload_offset_conflict');
        const retryAfter = Number(answer.headers.get('retry-after'));
        // a short lease: what a killed request holds back is seconds, not the minute it was
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(10);
        expect(++conflicts, 'the lease of a killed request runs out').toBeLessThan(5);
        await sleep(retryAfter * 1000);
        answer = await patch(second.base, token, upload, MiB, bytes.subarray(MiB));
      }
      expect(answer.status, await answer.clone().text()).toBe(204);
      expect(conflicts, 'the resume came while the killed request still held the lease').toBeGreaterThan(0);
      const documentId = answer.headers.get('quill-document-id')!;
      expect(documentId).toMatch(/^[0-9a-f-]{36}$/);
      const got = await content(second.base, token, documentId);
      expect(got.status).toBe(200);
      expect(sha256(got.body!)).toBe(sha256(bytes));
    } finally {
      await stop(second.child);
    }
    expect(reconcile().status).toBe(0);
    await onlyVersionsLeft();
  }, 120_000);

  for (const point of ['after-intent', 'after-blob'] as const) {
    it(`killed in the commit (${point}): reconcile keeps the live upload's object, the retried commit (on a new process) gives the right document, and nothing is left over`, async () => {
      const bytes = bigPdf(2 * MiB + 99);
      const first = await startProcess({ ...env, QUILL_FAULT_INJECT: point });
      const upload = await create(first.base, token, bytes);
      const id = upload.split('/').pop()!;
      await send(first.base, token, upload, bytes, 0, MiB, MiB);
      expect(await patch(first.base, token, upload, MiB, bytes.subarray(MiB)).catch((e: Error) => e)).toBeInstanceOf(Error);
      expect(await exited(first.child)).toBe('SIGKILL');
      const [row] = await sql`select upload_offset, upload_length, state, finished, blob_key from resumable_uploads where id = ${id}`;
      expect(row).toMatchObject({ state: 'receiving' });
      expect(Number(row!.upload_offset)).toBe(bytes.length);
      if (point === 'after-blob') expect((await blobFiles()).includes(row!.blob_key)).toBe(true);
      // reconcile (no grace) while the upload is live: its object and working files stay; its cut attempt's intent is
      // claimed and removed (so that attempt can no longer commit), and the retried commit writes it again
      expect(reconcile().status).toBe(0);
      if (point === 'after-blob') expect((await blobFiles()).includes(row!.blob_key)).toBe(true);
      expect((await blobFiles()).some((f) => f.startsWith(`uploads/${id}/`))).toBe(true);
      expect(await sql`select state from upload_intents where resumable_upload_id = ${id}`).toEqual([]);

      const again = await startProcess(env);
      try {
        // the commit claimed by the killed process is stale only after an hour: released here as an operator would wait
        await sql`update resumable_uploads set commit_started_at = null where id = ${id}`;
        const retried = await patch(again.base, token, upload, bytes.length, Buffer.alloc(0));
        expect(retried.status, await retried.clone().text()).toBe(204);
        expect(retried.headers.get('quill-sha256')).toBe(sha256(bytes));
        const documentId = retried.headers.get('quill-document-id')!;
        expect(sha256((await content(again.base, token, documentId)).body!)).toBe(sha256(bytes));
      } finally {
        await stop(again.child);
      }
      const { status, report } = reconcile();
      expect(status).toBe(0);
      expect(report.errors).toEqual([]);
      await onlyVersionsLeft();
    }, 120_000);
  }

  it('killed in the commit and abandoned: once the upload expires, reconcile removes its object, working files and intent', async () => {
    const bytes = bigPdf(MiB + 5);
    const first = await startProcess({ ...env, QUILL_FAULT_INJECT: 'after-blob' });
    const upload = await create(first.base, token, bytes);
    const id = upload.split('/').pop()!;
    expect(await patch(first.base, token, upload, 0, bytes).catch((e: Error) => e)).toBeInstanceOf(Error);
    await exited(first.child);
    const [row] = await sql`select blob_key from resumable_uploads where id = ${id}`;
    expect((await blobFiles()).includes(row!.blob_key)).toBe(true);
    await expireNow(id);
    const { status, report } = reconcile();
    expect(status).toBe(0);
    expect(report.errors).toEqual([]);
    expect(report.expiredUploads).toBe(1);
    await onlyVersionsLeft();
  }, 90_000);
});
