// Faults end quickly and cleanly: a blob store that fails before reading the body (read-only filesystem), one that
// fills up mid-upload (ENOSPC), and database errors during a request. Every upload must get an answer (a hang fails
// the fetch's abort guard), the intent must end 'aborted', and the attempt must be audited under the right code.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PATIENT, DISCHARGE, pdfBytes, sha256 } from '../support/fixtures.ts';
import { startAzurite } from '../support/azurite.ts';
import { azureEnv, newBucket, newContainer, requireServers, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startSeaweed } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { builtInStore } from '../../src/config/store-config.ts';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Not a timing assertion: a request that never answers (the bug) fails here instead of hanging the suite. */
const HANG_GUARD_MS = 30_000;

const asRoot = process.getuid?.() === 0;
let mountDir: string;
let mounted = false;

/** A small tmpfs we can make read-only or full (as root); otherwise a directory whose write bit we remove. */
async function makeStoreDir(): Promise<void> {
  mountDir = await mkdtemp(path.join(os.tmpdir(), 'quill-faults-fs-'));
  if (asRoot) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0755', 'tmpfs', mountDir]);
    mounted = true;
  }
}
async function readOnly(on: boolean): Promise<void> {
  if (mounted) execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, mountDir]);
  else await chmod(mountDir, on ? 0o555 : 0o755);
}

function pdfOfSize(n: number): Buffer {
  const head = pdfBytes('fault');
  return Buffer.concat([head, randomBytes(Math.max(0, n - head.length))]);
}

function upload(s: TestServer, token: string, bytes: Buffer, form: 'multipart' | 'raw'): Promise<Response> {
  const signal = AbortSignal.timeout(HANG_GUARD_MS);
  const headers = { authorization: `Bearer ${token}` };
  if (form === 'raw') {
    const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: 'Fault test' });
    return fetch(`${s.baseUrl}/v1/documents?${q}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/pdf' }, body: new Uint8Array(bytes), signal });
  }
  const f = new FormData();
  f.set('patient', PATIENT);
  f.set('type', DISCHARGE);
  f.set('title', 'Fault test');
  f.set('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'fault.pdf');
  return fetch(`${s.baseUrl}/v1/documents`, { method: 'POST', headers, body: f, signal });
}

/** Listens on a stopped store's loopback port, so nobody else can take it; each connection goes to `onConnection`. */
function holdPort(port: number, onConnection: (socket: net.Socket) => void): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () =>
      resolve({
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      }),
    );
  });
}

/** Resets every connection at once: a store that is down. */
const resetEveryConnection = (port: number) => holdPort(port, (socket) => socket.resetAndDestroy());

/** Takes every connection and never answers: a store that hangs, or a wrong service on its port. */
const answerNothing = (port: number) => holdPort(port, () => undefined);

/** One keep-alive connection for every request, so a request body left half-read would stall the next request. */
function oneConnection() {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const send = (method: string, url: string, headers: Record<string, string>, body?: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(url, { method, agent, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, signal: AbortSignal.timeout(HANG_GUARD_MS) }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });
  return { agent, send };
}

describe('fs store faults', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    await makeStoreDir();
    s = await startTestServer({ QUILL_FS_DIR: mountDir });
    token = await s.token('dr.faults', ['clinician']);
  });
  afterAll(async () => {
    await s?.close();
    if (mounted) execFileSync('umount', ['-l', mountDir]);
    await rm(mountDir, { recursive: true, force: true });
  });

  const counts = async () => {
    const [r] = await s.sql`select (select count(*)::int from documents) as docs, (select count(*)::int from upload_intents where state = 'pending') as pending`;
    return r as { docs: number; pending: number };
  };

  it('a read-only store answers every upload, small or large, with 503 storage_unavailable and Retry-After; intents aborted; audited', async () => {
    expect((await upload(s, token, pdfOfSize(60), 'raw')).status).toBe(201);
    const before = await counts();
    await readOnly(true);
    try {
      const cases = [60, 100 * KiB, 3 * MiB].flatMap((n) => (['raw', 'multipart'] as const).map((form) => ({ n, form })));
      for (const { n, form } of cases) {
        const res = await upload(s, token, pdfOfSize(n), form);
        expect({ n, form, status: res.status, body: res.status === 503 ? null : await res.clone().text() }).toEqual({ n, form, status: 503, body: null });
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ code: 'storage_unavailable', layer: 'blob' });
      }
      expect(await counts()).toEqual(before);
      const audited = await s.sql`select outcome, error_code from audit_events where action = 'document.create' and outcome <> 'success'`;
      expect(audited).toHaveLength(cases.length);
      expect(new Set(audited.map((r) => `${r.outcome}/${r.error_code}`))).toEqual(new Set(['failed/storage_unavailable']));
      const aborted = await s.sql`select count(*)::int as n from upload_intents where state = 'aborted'`;
      expect(aborted[0]!.n).toBe(cases.length);
    } finally {
      await readOnly(false);
    }
    // and the store works again once writable
    expect((await upload(s, token, pdfOfSize(100 * KiB), 'multipart')).status).toBe(201);
  }, 120_000);

  it('after a refused 3 MB upload the same keep-alive connection answers the next request', async () => {
    const { agent, send } = oneConnection();
    const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: 'One connection' });
    const post = () => send('POST', `${s.baseUrl}/v1/documents?${q}`, { authorization: `Bearer ${token}`, 'content-type': 'application/pdf' }, pdfOfSize(3 * MiB));
    try {
      await readOnly(true);
      try {
        expect((await post()).status).toBe(503);
        expect((await send('GET', `${s.baseUrl}/healthz`, {})).status).toBe(200);
        expect((await post()).status).toBe(503);
      } finally {
        await readOnly(false);
      }
      expect((await send('GET', `${s.baseUrl}/healthz`, {})).status).toBe(200);
    } finally {
      agent.destroy();
    }
  }, 120_000);

  it('a read-only store answers a resumable (tus) PATCH of 100 KB or 600 KB with 503; the connection stays usable and the upload resumes', async () => {
    const { agent, send } = oneConnection();
    try {
      const auth = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
      const b64 = (v: string) => Buffer.from(v).toString('base64');
      const bytes = pdfOfSize(600 * KiB); // part and document both fit the 2 MiB filesystem
      const created = await send('POST', `${s.baseUrl}/v1/uploads`, {
        ...auth,
        'upload-length': String(bytes.length),
        'upload-metadata': `patient ${b64(PATIENT)},type ${b64(DISCHARGE)},title ${b64('Resumable fault')},filetype ${b64('application/pdf')},filename ${b64('r.pdf')}`,
      });
      expect(created.status).toBe(201);
      const url = new URL(String(created.headers.location), s.baseUrl).toString();
      const patch = (body: Buffer) => send('PATCH', url, { ...auth, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, body);
      await readOnly(true);
      try {
        for (const n of [100 * KiB, bytes.length]) {
          const res = await patch(bytes.subarray(0, n));
          expect({ n, status: res.status }).toEqual({ n, status: 503 });
          expect(JSON.parse(res.body)).toMatchObject({ code: 'storage_unavailable' });
          expect((await send('GET', `${s.baseUrl}/healthz`, {})).status).toBe(200); // same connection, answered
        }
      } finally {
        await readOnly(false);
      }
      expect((await patch(bytes)).status).toBe(204);
    } finally {
      agent.destroy();
    }
  }, 120_000);

  it.skipIf(!asRoot)('a full store answers 507 insufficient_storage (audited), leaves nothing behind, and is usable after', async () => {
    const before = await counts();
    for (const form of ['raw', 'multipart'] as const) {
      const res = await upload(s, token, pdfOfSize(3 * MiB), form); // larger than the 2 MiB filesystem
      expect(res.status).toBe(507);
      expect(await res.json()).toMatchObject({ code: 'insufficient_storage', status: 507 });
    }
    expect(await counts()).toEqual(before);
    const audited = await s.sql`select error_code from audit_events where action = 'document.create' and error_code = 'insufficient_storage'`;
    expect(audited).toHaveLength(2);
    const small = pdfOfSize(50 * KiB);
    const ok = await upload(s, token, small, 'raw');
    expect(ok.status).toBe(201);
    expect((await ok.json()).sha256).toBe(sha256(small));
  }, 120_000);
});

describe('database errors during a request', () => {
  let s: TestServer;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer({ QUILL_DB_TIMEOUT_MS: '1500' });
    token = await s.token('dr.dbfaults', ['clinician']);
  });
  afterAll(async () => {
    await s?.close();
  });

  async function auditedRead(id: string): Promise<string[]> {
    for (let i = 0; ; i++) {
      const rows = await s.sql`select outcome, error_code from audit_events where action = 'document.read' and document_id = ${id}`;
      if (rows.length || i > 100) return rows.map((r) => `${r.outcome}/${r.error_code}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Holds an exclusive lock on documents so the service's next read of it waits; returns the release function. */
  async function lockDocuments(): Promise<() => Promise<void>> {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const tx = s.sql.begin(async (t) => {
      await t`lock table documents in access exclusive mode`;
      locked();
      await released;
    });
    await isLocked;
    return async () => {
      release();
      await tx;
    };
  }

  it('a statement that waits longer than QUILL_DB_TIMEOUT_MS answers 503 storage_unavailable, audited as such', async () => {
    const created = await upload(s, token, pdfOfSize(2 * KiB), 'raw');
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const release = await lockDocuments();
    try {
      const res = await fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(HANG_GUARD_MS) });
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ code: 'storage_unavailable', layer: 'database' });
    } finally {
      await release();
    }
    // written in the background when the database failed the request: wait for it
    expect(await auditedRead(id)).toEqual(['failed/storage_unavailable']);
  });

  it('a backend terminated under a request answers 503 and is audited as storage_unavailable, not internal_error', async () => {
    const created = await upload(s, token, pdfOfSize(2 * KiB), 'raw');
    const { id } = await created.json();
    const release = await lockDocuments();
    try {
      const pending = fetch(`${s.baseUrl}/v1/documents/${id}`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(HANG_GUARD_MS) });
      // wait until the service's query is queued behind our lock, then kill that backend
      let killed = 0;
      for (let i = 0; i < 100 && killed === 0; i++) {
        const [r] = await s.sql`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and pid <> pg_backend_pid()`;
        killed = r!.n;
        if (!killed) await new Promise((r) => setTimeout(r, 20));
      }
      // at least the request's own backend; a background job of the service (scrubber, retention) that happened to
      // queue behind the same lock is terminated with it, which is harmless (it retries) and not what is checked here
      expect(killed).toBeGreaterThanOrEqual(1);
      const res = await pending;
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ code: 'storage_unavailable' });
    } finally {
      await release();
    }
    // written in the background when the database failed the request: wait for it
    expect(await auditedRead(id)).toEqual(['failed/storage_unavailable']);
  });
});

// S3 and Azure stopped under the service: the store fails before taking the body (connection refused). Raw bodies
// are the request itself, which used to be destroyed with the pipeline, resetting the connection instead of answering.
// Then a store that takes the connection and never answers: bounded by the store's idle timeout (QUILL_*_TIMEOUT_MS).
const remoteStores = requireServers('faults: S3 and Azure stores going away');

interface StoreFault {
  /** What takes the stopped store's port. */
  holdPort(port: number): Promise<{ close(): Promise<void> }>;
  env?: { s3: Record<string, string>; azure: Record<string, string> };
  cases: { n: number; form: 'raw' | 'multipart' }[];
  /** Each refused upload answers within this. */
  withinMs: number;
}

/** One upload stored, the store stopped and its port held, then every case answers 503, aborts its intent and is audited. */
async function storeGoneAway(kind: 's3' | 'azure', f: StoreFault): Promise<void> {
  const sw = kind === 's3' ? await startSeaweed() : null;
  const az = kind === 'azure' ? await startAzurite() : null;
  const restore = sw ? useAwsCredentials(sw) : () => undefined;
  let s: TestServer | undefined;
  let storeUp = true;
  let portHolder: { close(): Promise<void> } | undefined;
  try {
    const env = sw
      ? { QUILL_BLOB_STORE: 's3', ...s3Env(sw, await newBucket(sw, 'faults')), ...f.env?.s3 }
      : { QUILL_BLOB_STORE: 'azure', QUILL_ALLOW_UNVERSIONED: 'true', ...azureEnv(az!, await newContainer(az!, 'faults')), ...f.env?.azure };
    s = await startTestServer(env);
    const t = await s.token('dr.remote', ['clinician']);
    expect((await upload(s, t, pdfOfSize(100 * KiB), 'raw')).status).toBe(201);
    await (sw ?? az)!.stop();
    storeUp = false;
    portHolder = await f.holdPort(Number(new URL(sw ? sw.endpoint : az!.blobEndpoint).port));
    for (const { n, form } of f.cases) {
      const started = Date.now();
      const res = await upload(s, t, pdfOfSize(n), form);
      expect({ n, form, status: res.status }).toEqual({ n, form, status: 503 });
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await res.json()).toMatchObject({ code: 'storage_unavailable', layer: 'blob' });
      expect(Date.now() - started).toBeLessThan(f.withinMs);
    }
    const intents = await s.sql`select state, count(*)::int as n from upload_intents group by state order by state`;
    expect(intents.map((r) => [r.state, r.n])).toEqual([
      ['aborted', f.cases.length],
      ['committed', 1],
    ]);
    const audited = await s.sql`select error_code from audit_events where action = 'document.create' and outcome = 'failed'`;
    expect(audited.map((r) => r.error_code)).toEqual(f.cases.map(() => 'storage_unavailable'));
  } finally {
    await s?.close();
    if (storeUp) await (sw ?? az)?.stop();
    await portHolder?.close();
    restore();
  }
}

describe.skipIf(!remoteStores)('remote store faults', () => {
  for (const kind of ['s3', 'azure'] as const) {
    it(`${kind}: an unreachable store answers 100 KB and 3 MB uploads (raw and multipart) with 503; intents aborted; audited`, async () => {
      await storeGoneAway(kind, {
        // Keep the stopped store's port from being taken by another test file's server (ports are picked free, and
        // files run in parallel): a server found there instead would leave the upload waiting on its answer.
        holdPort: resetEveryConnection,
        cases: [100 * KiB, 3 * MiB].flatMap((n) => (['raw', 'multipart'] as const).map((form) => ({ n, form }))),
        withinMs: HANG_GUARD_MS,
      });
    }, 180_000);

    it(`${kind}: a store that takes the connection and never answers fails uploads with 503 within its idle timeout per attempt; intents aborted; audited`, async () => {
      await storeGoneAway(kind, {
        holdPort: answerNothing,
        env: { s3: { QUILL_S3_TIMEOUT_MS: '1000' }, azure: { QUILL_AZURE_TIMEOUT_MS: '1000' } },
        cases: (['raw', 'multipart'] as const).map((form) => ({ n: 100 * KiB, form })),
        // three attempts of one silent second each, with the SDK's backoff between them; before, it never answered
        withinMs: 15_000,
      });
    }, 120_000);
  }
});

describe('/readyz: public status only, details for an admin', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('anonymous: status and ok/down per layer, no paths or findings', async () => {
    const res = await fetch(`${s.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(['layers', 'status']);
    expect(body.status).toBe('ready');
    expect(body.layers).toEqual(expect.arrayContaining([
      { layer: 'database', status: 'ok', required: true },
      { layer: 'blob', status: 'ok', required: true },
    ]));
    for (const l of body.layers) expect(Object.keys(l).sort()).toEqual(['layer', 'required', 'status']);
    expect(JSON.stringify(body)).not.toContain(builtInStore(s.cfg, 'fs').dir);
  });

  it('an admin gets the details; ?verbose without a token is 401, a non-admin 403, both audited', async () => {
    const admin = await s.token('ops.admin', ['admin']);
    const detailed = await (await fetch(`${s.baseUrl}/readyz?verbose`, { headers: { authorization: `Bearer ${admin}` } })).json();
    expect(detailed.layers.find((l: { layer: string }) => l.layer === 'blob').detail).toMatchObject({ store: 'fs', doctor: { ok: true } });
    expect(JSON.stringify(detailed)).toContain(builtInStore(s.cfg, 'fs').dir);

    const anonymous = await fetch(`${s.baseUrl}/readyz?verbose`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const clinician = await s.token('dr.curious', ['clinician']);
    const refused = await fetch(`${s.baseUrl}/readyz`, { headers: { authorization: `Bearer ${clinician}` } });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(await refused.json())).not.toContain(builtInStore(s.cfg, 'fs').dir);
    const rows = await s.sql`select actor, error_code from audit_events where action = 'auth' and outcome = 'denied' and detail->>'route' = '/readyz' order by id`;
    expect(rows.map((r) => [r.actor, r.error_code])).toEqual([
      [null, 'unauthenticated'],
      ['dr.curious', 'forbidden'],
    ]);
  });
});
