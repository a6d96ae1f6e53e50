// The embedded PostgreSQL under fault: stopped (SIGSTOP of the postmaster and its backends) every wait is bounded
// and answers 503; /readyz answers while it is stopped; killed (SIGKILL of the postmaster) it is restarted with
// crash recovery and the service serves again; when it cannot come back, /healthz says so.
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { createService, type Service } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config/config.ts';
import { pdfBytes, uploadRaw } from '../support/fixtures.ts';

/** A request that never answers fails here instead of hanging the suite (not a timing assertion). */
const HANG_GUARD_MS = 30_000;
const DB_TIMEOUT_MS = 2000;

let dataDir: string;
let service: Service;
let base: string;
let token: string;
let admin: string;
const logs: { level: number; msg: string }[] = [];
const stopped = new Set<number>();

function postmasterPid(): number {
  return Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
}
/** The postmaster's children (its backends and auxiliary processes). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}
const signal = (pids: number[], sig: NodeJS.Signals) => {
  for (const p of pids) {
    try {
      process.kill(p, sig);
      if (sig === 'SIGSTOP') stopped.add(p);
      if (sig === 'SIGCONT') stopped.delete(p);
    } catch {
      // already gone
    }
  }
};
const get = (url: string, headers: Record<string, string> = {}) => fetch(`${base}${url}`, { headers, signal: AbortSignal.timeout(HANG_GUARD_MS) });
const auth = (t: string) => ({ authorization: `Bearer ${t}` });

async function eventually<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(250);
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-supervise-'));
  const secret = randomBytes(32).toString('base64url');
  const cfg = loadConfig({ HOST: '127.0.0.1', PORT: '0', QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, QUILL_DB_TIMEOUT_MS: String(DB_TIMEOUT_MS), LOG_LEVEL: 'info' });
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  service = await createService(cfg, log);
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`;
  const key = Buffer.from(secret, 'utf8');
  token = await mintDevToken(key, cfg.jwt, { sub: 'dr.supervised', roles: ['clinician'] });
  admin = await mintDevToken(key, cfg.jwt, { sub: 'ops', roles: ['admin'] });
});

afterAll(async () => {
  signal([...stopped], 'SIGCONT');
  await service?.close();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('embedded PostgreSQL stopped (SIGSTOP)', () => {
  it('requests answer 503 storage_unavailable, /readyz answers unavailable, the lost audit row is logged; all well after SIGCONT', async () => {
    const created = await uploadRaw(base, token, pdfBytes('before stop'));
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await get(`/v1/documents/${id}`, auth(token))).status).toBe(200);

    const pm = postmasterPid();
    const group = [pm, ...childrenOf(pm)];
    signal(group, 'SIGSTOP');
    const timings: Record<string, number> = {};
    try {
      let t0 = Date.now();
      const ready = await get('/readyz');
      timings.readyz = Date.now() - t0;
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body.layers.find((l: { layer: string }) => l.layer === 'database')).toEqual({ layer: 'database', status: 'down', required: true });

      const timed = async (name: string, p: () => Promise<Response>) => {
        const t = Date.now();
        const r = await p();
        timings[name] = Date.now() - t;
        return r;
      };
      const [read, list, up] = await Promise.all([
        timed('read', () => get(`/v1/documents/${id}`, auth(token))),
        timed('list', () => get(`/v1/documents?patient=9434765919`, auth(token))),
        timed('upload', () => uploadRaw(base, token, pdfBytes('while stopped'))),
      ]);
      for (const res of [read, list, up]) {
        expect(res.status).toBe(503);
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await res.json()).toMatchObject({ code: 'storage_unavailable' });
      }
      // the audit rows of those failures cannot be written while the database is stopped: logged at error level
      await eventually('the lost audit rows are logged', async () => logs.some((l) => l.level === 50 && /could not write audit row/.test(l.msg)), HANG_GUARD_MS);
      expect((await get('/healthz')).status).toBe(200); // stopped is not dead: no restart for this
    } finally {
      signal(group, 'SIGCONT');
    }
    console.log(`[embedded-supervision] PostgreSQL stopped, QUILL_DB_TIMEOUT_MS=${DB_TIMEOUT_MS}: ${JSON.stringify(timings)} (ms)`);
    await eventually('reads work again after SIGCONT', async () => (await get(`/v1/documents/${id}`, auth(token))).status === 200);
    const ready = await (await get('/readyz')).json();
    expect(ready.status).toBe('ready');
  }, 120_000);
});

describe('embedded PostgreSQL killed (SIGKILL)', () => {
  it('is restarted with crash recovery, logged at error level, and the service serves again', async () => {
    const created = await uploadRaw(base, token, pdfBytes('before kill'));
    expect(created.status).toBe(201);
    const { id } = await created.json();
    const before = postmasterPid();
    process.kill(before, 'SIGKILL');
    await eventually('the death is logged', async () => logs.some((l) => l.level === 50 && /exited unexpectedly/.test(l.msg)));
    const res = await eventually('a read answers 200 again', async () => {
      const r = await get(`/v1/documents/${id}`, auth(token));
      return r.status === 200 ? r : null;
    });
    expect((await res.json()).id).toBe(id);
    expect(postmasterPid()).not.toBe(before);
    expect(logs.some((l) => l.level === 50 && /restarted/.test(l.msg))).toBe(true);
    const up = await uploadRaw(base, token, pdfBytes('after restart'));
    expect(up.status).toBe(201);
    expect((await get('/healthz')).status).toBe(200);
  }, 120_000);

  it('when it cannot come back (a stuck backend holds its shared memory), /healthz answers 503; once it can, 200 again', async () => {
    const pm = postmasterPid();
    const backends = childrenOf(pm);
    expect(backends.length).toBeGreaterThan(0);
    signal(backends, 'SIGSTOP'); // stopped children keep the old shared memory attached: PostgreSQL refuses to start
    process.kill(pm, 'SIGKILL');
    try {
      const h = await eventually('/healthz turns 503', async () => {
        const r = await get('/healthz');
        return r.status === 503 ? r : null;
      }, 90_000);
      expect(await h.json()).toMatchObject({ status: 'unhealthy' });
    } finally {
      signal(backends, 'SIGCONT'); // they notice the postmaster is gone and exit
    }
    await eventually('/healthz answers 200 again', async () => (await get('/healthz')).status === 200, 60_000);
    await eventually('an upload works again', async () => (await uploadRaw(base, token, pdfBytes('after recovery'))).status === 201, 60_000);
    const details = await (await get('/readyz', auth(admin))).json();
    expect(details.layers.find((l: { layer: string }) => l.layer === 'database')).toMatchObject({ status: 'ok' });
  }, 180_000);
});
