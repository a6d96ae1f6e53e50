/**
 * Resumable (tus) uploads against a plain upload of the same file, through the same running service, on each store
 * (printed, never asserted). In every round the three run back to back (plain, tus, plain, tus…), so each ratio
 * compares uploads made under the same machine load:
 *  - plain: POST /v1/documents with the file as a raw streamed body (one request);
 *  - tus, one PATCH: tus-js-client with the file in one request (what a client on a good link does);
 *  - tus, 8 MiB PATCHes: tus-js-client with 8 MiB chunks (what the page does, so a cut loses at most one chunk).
 * Per upload: wall time and CPU seconds of the service's process, of the service with its embedded PostgreSQL (the
 * processes under it), and of the store's server (SeaweedFS, Azurite), read from /proc. The ratio is the median over rounds of plain time / tus
 * time; the server's peak RSS (VmHWM) is shown too.
 * Usage: npm run bench:resumable [-- --stores fs,s3,azure --size-mib 96 --rounds 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tus from 'tus-js-client';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';
import { startAzurite, type AzuriteServer } from '../test/support/azurite.ts';
import { newBucket, newContainer, s3Env, azureEnv } from '../test/support/live-stores.ts';
import { startSeaweed, type SeaweedServer } from '../test/support/seaweedfs.ts';
import http from 'node:http';
import { makePdf, median, printTable, waitReady } from './support/common.ts';

const { values } = parseArgs({ options: { stores: { type: 'string', default: 'fs,s3,azure' }, 'size-mib': { type: 'string', default: '96' }, rounds: { type: 'string', default: '3' } } });
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const ROUNDS = Number(values.rounds);
const SIZE = Number(values['size-mib']) * 1024 * 1024;
const CHUNK = 8 * 1024 * 1024;
const TICKS = 100; // clock ticks per second in /proc/<pid>/stat (USER_HZ)
const KINDS = ['plain', 'one', 'chunked'] as const;
type Kind = (typeof KINDS)[number];

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-tus-'));
await chmod(work, 0o755);
const secret = randomBytes(32).toString('base64url');
const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });
const { file, sha256 } = await makePdf(path.join(work, 'doc.pdf'), SIZE);
const bytes = readFileSync(file); // tus-js-client gets a Buffer, as a browser hands it a Blob: the numbers are the service's

interface Sample {
  seconds: number;
  /** CPU seconds: the service's node process; the service with its PostgreSQL; the store's server. */
  cpu: { service: number; group: number; store: number };
}

try {
  const summary: string[][] = [];
  for (const store of values.stores!.split(',')) {
    const r = await benchStore(store);
    for (const row of r) summary.push([store, ...row]);
  }
  console.log(`\n${(SIZE / 1024 ** 2).toFixed(0)} MiB PDF, ${ROUNDS} interleaved rounds (plain, tus one PATCH, tus 8 MiB PATCHes); client, service, PostgreSQL and store server on this machine; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  printTable(['store', 'upload', 'throughput (median)', 'vs plain (median of rounds)', 'rounds', 'service CPU/upload', 'service+PG CPU', 'store server CPU', 'peak RSS'], summary);
} finally {
  await rm(work, { recursive: true, force: true });
}

async function benchStore(store: string): Promise<string[][]> {
  let seaweed: SeaweedServer | null = null;
  let azurite: AzuriteServer | null = null;
  let server: ChildProcess | null = null;
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env, QUILL_DATA_DIR: path.join(work, `data-${store}`), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3) };
  try {
    if (store === 's3') {
      seaweed = await startSeaweed();
      const bucket = await newBucket(seaweed, 'bench-tus');
      Object.assign(env, { QUILL_BLOB_STORE: 's3', ...s3Env(seaweed, bucket), AWS_ACCESS_KEY_ID: seaweed.accessKeyId, AWS_SECRET_ACCESS_KEY: seaweed.secretAccessKey, AWS_REGION: seaweed.region });
    } else if (store === 'azure') {
      azurite = await startAzurite();
      Object.assign(env, { QUILL_BLOB_STORE: 'azure', QUILL_ALLOW_UNVERSIONED: 'true', ...azureEnv(azurite, await newContainer(azurite, 'bench-tus')) });
    } else if (store !== 'fs') {
      throw new Error(`unknown store ${store}`);
    }
    server = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
    await waitReady(`${base}/readyz`, 600);
    const storePid = seaweed?.pid ?? azurite?.pid ?? null;
    const run: Record<Kind, () => Promise<unknown>> = {
      plain: () => plainUpload(base),
      one: () => tusUpload(base, Number.POSITIVE_INFINITY),
      chunked: () => tusUpload(base, CHUNK),
    };
    const samples: Record<Kind, Sample[]> = { plain: [], one: [], chunked: [] };
    const peak: Record<Kind, number> = { plain: 0, one: 0, chunked: 0 };
    for (const k of KINDS) await run[k](); // warm-up: JIT, connections, the hash worker
    for (let i = 0; i < ROUNDS; i++) {
      for (const k of KINDS) {
        await resetPeak(server.pid!);
        samples[k].push(await measure(server.pid!, storePid, run[k]));
        peak[k] = Math.max(peak[k], await peakRss(server.pid!));
      }
      console.error(`[${store}] round ${i + 1}: ${KINDS.map((k) => `${k} ${samples[k].at(-1)!.seconds.toFixed(2)} s`).join(', ')}`);
    }
    const med = (k: Kind, f: (s: Sample) => number) => median(samples[k].map(f));
    const ratios = (k: Kind) => samples.plain.map((p, i) => p.seconds / samples[k][i]!.seconds);
    const label: Record<Kind, string> = { plain: 'plain POST', one: 'tus, one PATCH', chunked: 'tus, 8 MiB PATCHes' };
    return KINDS.map((k) => [
      label[k],
      `${(SIZE / 1024 ** 2 / med(k, (s) => s.seconds)).toFixed(0)} MiB/s`,
      k === 'plain' ? '1.00×' : `${median(ratios(k)).toFixed(2)}×`,
      k === 'plain' ? '' : ratios(k).map((x) => x.toFixed(2)).join(' '),
      `${med(k, (s) => s.cpu.service).toFixed(2)} s${k === 'plain' ? '' : ` (${(med(k, (s) => s.cpu.service) / med('plain', (s) => s.cpu.service)).toFixed(2)}×)`}`,
      `${med(k, (s) => s.cpu.group).toFixed(2)} s`,
      storePid ? `${med(k, (s) => s.cpu.store).toFixed(2)} s` : '',
      `${(peak[k] / 1024 ** 2).toFixed(0)} MiB`,
    ]);
  } finally {
    if (server) {
      process.kill(server.pid!, 'SIGTERM');
      if (server.exitCode === null) await new Promise((r) => server!.once('exit', r));
    }
    await seaweed?.stop();
    await azurite?.stop();
  }
}

async function measure(servicePid: number, storePid: number | null, fn: () => Promise<unknown>): Promise<Sample> {
  const before = await Promise.all([cpuOf(servicePid), cpuOfTree(servicePid), storePid ? cpuOfTree(storePid) : 0]);
  const t = performance.now();
  await fn();
  const seconds = (performance.now() - t) / 1000;
  const after = await Promise.all([cpuOf(servicePid), cpuOfTree(servicePid), storePid ? cpuOfTree(storePid) : 0]);
  return { seconds, cpu: { service: after[0] - before[0], group: after[1] - before[1], store: after[2] - before[2] } };
}

/** POST /v1/documents with the file as the raw body, handed over as one Buffer like tus-js-client's (same client cost). */
function plainUpload(base: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/v1/documents?patient=9434765919&type=373942005&title=bench`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', 'content-length': String(SIZE) },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`upload ${res.statusCode}: ${body}`))));
    });
    req.on('error', reject);
    req.end(bytes);
  });
}

function tusUpload(base: string, chunkSize: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    new tus.Upload(bytes, {
      endpoint: `${base}/v1/uploads`,
      headers: { authorization: `Bearer ${token}` },
      uploadSize: SIZE,
      chunkSize,
      metadata: { patient: '9434765919', type: '373942005', title: 'bench', filetype: 'application/pdf', filename: 'bench.pdf', sha256 },
      retryDelays: null,
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
}

/** utime + stime of one process, in seconds. */
async function cpuOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11] ?? 0) + Number(f[12] ?? 0)) / TICKS;
}

/** utime + stime of a process and every live process under it (the service and its PostgreSQL; a store server). */
async function cpuOfTree(root: number): Promise<number> {
  const procs = new Map<number, { ppid: number; cpu: number }>();
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    procs.set(Number(pid), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS });
  }
  const under = (pid: number): boolean => pid === root || (pid > 1 && procs.has(pid) && under(procs.get(pid)!.ppid));
  let total = 0;
  for (const [pid, p] of procs) if (under(pid)) total += p.cpu;
  return total;
}

async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}
