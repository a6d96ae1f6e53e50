// Service instances behind HAProxy on a 3-member Patroni cluster (no single point of failure, issue 21):
// 1. A rolling restart: three instances (`node bin/quill-docstore.js start`, as operators run it) behind HAProxy,
//    health-checked on /readyz, each stopped with SIGTERM and started again in turn while clients upload (raw,
//    multipart, tus; some uploads large enough to be in flight at a stop) and download through the balancer: zero
//    failed client requests, every instance exits 0, every acknowledged document reads back intact.
// 2. The crash soak's CI version (test/support/crash-soak.ts; 200 crashes: npm run bench:crash-soak): 30 SIGKILLs of
//    a service instance or of the PostgreSQL primary at random instants under mixed load, each followed by the checks
//    (readback, reconcile twice, audit chain): nothing acknowledged lost, no 5xx other than 503, nothing left behind.
// Without etcd/Patroni/HAProxy installed (test-servers/patroni/install.sh) the file is skipped; under CI=true it fails.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { formatSoak, runCrashSoak } from '../support/crash-soak.ts';
import { DISCHARGE, PATIENT, sha256 } from '../support/fixtures.ts';
import { freePort, haproxyAvailable, serviceHAProxyConfig, startHAProxy, type HAProxy } from '../support/haproxy.ts';
import { startInstances, type Instance } from '../support/instances.ts';
import { patroniAvailable, startPatroniCluster, type PatroniCluster } from '../support/patroni.ts';

const available = (await patroniAvailable()) && (await haproxyAvailable());
if (!available && process.env.CI) throw new Error('etcd/Patroni/HAProxy are not installed: run test-servers/patroni/install.sh (.ci/servers does)');

/** The soak's CI length: the issue asks for at least 30 (the full run is 200, bench/crash-soak.ts). */
const CRASHES = 30;
const b64 = (v: string) => Buffer.from(v).toString('base64');
const pdf = (n: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(n)]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!available)('service instances on a Patroni cluster', () => {
  let pg: PatroniCluster;
  beforeAll(async () => {
    pg = await startPatroniCluster();
  });
  afterAll(async () => {
    await pg?.stop();
  }, 120_000);

  describe('a rolling restart behind HAProxy', () => {
    let work = '';
    let instances: Instance[] = [];
    let lb: HAProxy | null = null;
    afterAll(async () => {
      await Promise.all(instances.map((i) => i.stop(20_000)));
      await lb?.stop();
      if (work) await rm(work, { recursive: true, force: true });
    }, 120_000);

    it('restarts every instance under upload and download load with zero failed requests', async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'quill-rolling-'));
      const secret = randomBytes(32).toString('base64url');
      const lbPort = await freePort();
      const base = `http://127.0.0.1:${lbPort}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        DATABASE_URL: pg.databaseUrl,
        QUILL_PUBLIC_URL: base,
        QUILL_FS_DIR: path.join(work, 'blobs'),
        QUILL_FS_KEK: randomBytes(32).toString('base64url'),
        QUILL_URL_SIGNING_KEY: randomBytes(32).toString('base64url'),
        QUILL_JWT_SECRET: secret,
        QUILL_BACKUP_SCHEDULE: 'false',
        QUILL_SCRUB_RATE: '0',
        // HAProxy checks every 500 ms and takes an instance out after 2 failed checks: 3 s is ample
        QUILL_SHUTDOWN_GRACE_S: '3',
        QUILL_SHUTDOWN_TIMEOUT_S: '60',
        LOG_LEVEL: 'warn',
      };
      for (const k of ['QUILL_CONFIG_FILE', 'QUILL_FHIR_URL', 'QUILL_CLAMD_URL', 'QUILL_BLOB_STORE']) delete env[k];
      instances = await startInstances(3, (name) => ({ ...env, QUILL_DATA_DIR: path.join(work, name) }));
      lb = await startHAProxy(serviceHAProxyConfig({ port: lbPort, instances: instances.map((i) => ({ name: i.name, port: i.port })), checkMs: 500 }));
      const upAll = async (want: number) => {
        for (let t = Date.now(); Date.now() - t < 30_000; await sleep(100)) if (Object.values(await lb!.states()).filter((s) => s.startsWith('UP')).length === want) return;
        throw new Error(`HAProxy does not see ${want} instances up: ${JSON.stringify(await lb!.states())}`);
      };
      await upAll(3);

      const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'rolling', roles: ['clinician'] });
      const auth = { authorization: `Bearer ${token}` };
      const acked = new Map<string, string>();
      const failed: string[] = [];
      let requests = 0;
      let stop = false;
      const send = async (what: string, url: string, init: RequestInit, ok: number): Promise<Response | null> => {
        requests++;
        try {
          const res = await fetch(`${base}${url}`, { ...init, signal: AbortSignal.timeout(120_000) });
          if (res.status === ok) return res;
          failed.push(`${what}: ${res.status} ${(await res.text()).slice(0, 300)}`);
        } catch (e) {
          failed.push(`${what}: ${(e as Error).message}`);
        }
        return null;
      };
      const client = async (c: number) => {
        for (let n = 0; !stop; n++) {
          const kind = (c + n) % 4;
          // every fifth upload is 8 MiB: long enough to be in flight when its instance is told to stop
          const body = pdf(n % 5 === 4 ? 8 << 20 : 30_000 + ((c * 7919 + n * 104_729) % 300_000));
          if (kind === 0) {
            const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: `rolling ${c}/${n}` });
            const res = await send('raw upload', `/v1/documents?${q}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: new Uint8Array(body) }, 201);
            if (res) acked.set(((await res.json()) as { id: string }).id, sha256(body));
          } else if (kind === 1) {
            const form = new FormData();
            form.set('patient', PATIENT);
            form.set('type', DISCHARGE);
            form.set('title', `rolling ${c}/${n}`);
            form.set('file', new Blob([new Uint8Array(body)], { type: 'application/pdf' }), 'rolling.pdf');
            const res = await send('multipart upload', '/v1/documents', { method: 'POST', headers: auth, body: form }, 201);
            if (res) acked.set(((await res.json()) as { id: string }).id, sha256(body));
          } else if (kind === 2) {
            const tus = { ...auth, 'tus-resumable': '1.0.0' };
            const big = body.length < 700_000 ? pdf(700_000) : body; // each PATCH above any minimum PATCH size
            const created = await send('tus create', '/v1/uploads', {
              method: 'POST',
              headers: { ...tus, 'upload-length': String(big.length), 'upload-metadata': `patient ${b64(PATIENT)},type ${b64(DISCHARGE)},title ${b64(`rolling ${c}/${n}`)},filetype ${b64('application/pdf')}` },
            }, 201);
            if (!created) continue;
            const url = new URL(created.headers.get('location')!, base).pathname;
            const half = Math.floor(big.length / 2);
            const first = await send('tus patch', url, { method: 'PATCH', headers: { ...tus, 'content-type': 'application/offset+octet-stream', 'upload-offset': '0' }, body: new Uint8Array(big.subarray(0, half)) }, 204);
            if (!first) continue;
            const last = await send('tus commit', url, { method: 'PATCH', headers: { ...tus, 'content-type': 'application/offset+octet-stream', 'upload-offset': String(half) }, body: new Uint8Array(big.subarray(half)) }, 204);
            if (last) acked.set(last.headers.get('quill-document-id')!, sha256(big));
          } else if (acked.size) {
            const ids = [...acked.keys()];
            const id = ids[(c * 31 + n) % ids.length]!;
            const res = await send('download', `/v1/documents/${id}/content`, { headers: auth }, 200);
            if (res && sha256(new Uint8Array(await res.arrayBuffer())) !== acked.get(id)) failed.push(`download ${id}: wrong bytes`);
          }
        }
      };
      const load = Array.from({ length: 6 }, (_, c) => client(c));
      const stops: { name: string; code: number | null; ms: number }[] = [];
      try {
        await sleep(3000);
        for (const inst of instances) {
          const before = acked.size;
          const s = await inst.stop(120_000); // SIGTERM: not ready, 3 s grace, the requests in flight finished
          stops.push({ name: inst.name, ...s });
          await inst.start();
          await upAll(3);
          // the others carried the load meanwhile, and it goes on with this one back
          for (let t = Date.now(); acked.size < before + 10 && Date.now() - t < 60_000; ) await sleep(100);
        }
        await sleep(2000);
      } finally {
        stop = true;
        await Promise.all(load);
      }
      console.log(`[rolling restart] ${requests} requests, ${acked.size} documents acknowledged, ${failed.length} failed; stops: ${stops.map((s) => `${s.name} exit ${s.code} in ${s.ms} ms`).join(', ')}`);
      expect(failed).toEqual([]);
      expect(stops.map((s) => s.code)).toEqual([0, 0, 0]);
      expect(acked.size).toBeGreaterThan(30);
      // every acknowledged document reads back intact
      const bad: string[] = [];
      for (const [id, want] of acked) {
        const res = await fetch(`${base}/v1/documents/${id}/content`, { headers: auth });
        if (res.status !== 200 || sha256(new Uint8Array(await res.arrayBuffer())) !== want) bad.push(`${id}: ${res.status}`);
      }
      expect(bad).toEqual([]);
    }, 600_000);
  });

  it(`crash soak: ${CRASHES} SIGKILLs of an instance or the primary under mixed load; nothing acknowledged lost, no 5xx but 503, nothing left behind`, async () => {
    const r = await runCrashSoak({ crashes: CRASHES, instances: 2, clients: 3, windowMs: [300, 1000], cluster: pg, log: (l) => console.log(`[soak] ${l}`) });
    console.log(formatSoak(r));
    expect(r.crashes).toBe(CRASHES);
    expect(r.primaryKills).toBeGreaterThan(0);
    expect(r.instanceKills).toBeGreaterThan(0);
    expect(r.lost).toEqual([]);
    expect(r.serverErrors).toEqual([]);
    expect(r.unexpected).toEqual([]);
    expect(r.inconsistencies).toEqual([]);
    expect(r.auditBreaks).toEqual([]);
    expect(r.acknowledged).toBeGreaterThan(CRASHES * 5);
  }, 1_800_000);
});
