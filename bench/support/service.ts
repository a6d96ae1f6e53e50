// Running the real service for a benchmark: `bin/quill-docstore.js start` in its own data directory (its own embedded
// PostgreSQL unless DATABASE_URL is given), a clinician's token for it, its CPU (the process tree, PostgreSQL included)
// and its memory read from /proc (startService); or on a fresh scratch directory, on the fs store or a bucket of a
// SeaweedFS started for it, with the environment that points operator commands at it (startBenchService).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createVersionedBucket, startSeaweed, type SeaweedServer } from '../../test/support/seaweedfs.ts';
import { treeCpuSeconds } from './proc-cpu.ts';
import { waitReady } from './common.ts';

export const BIN = path.resolve(import.meta.dirname, '../../bin/quill-docstore.js');

export interface BenchService {
  name: string;
  base: string;
  proc: ChildProcess;
  /** Bearer token of a clinician (sub "bench"). */
  token: string;
  /** CPU seconds used so far by the service's process tree (its embedded PostgreSQL included). */
  cpu(): number;
  /** Resets the peak RSS (VmHWM) of the service's Node process. */
  resetPeak(): Promise<void>;
  /** The peak RSS (VmHWM) of its Node process since the last resetPeak, bytes. */
  peakRss(): Promise<number>;
  /** Its current RSS, bytes. */
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts `bin/quill-docstore.js start` with the benchmarks' defaults (loopback, warnings only, no background scrubbing
 * or backups beside the load, 2 GiB upload limit) and `env` on top; resolves once /readyz answers.
 */
export async function startService(name: string, dataDir: string, env: Record<string, string> = {}, extraRoots: () => number[] = () => []): Promise<BenchService> {
  const secret = randomBytes(32).toString('base64url');
  const port = await freePort();
  const proc = spawn(process.execPath, [BIN, 'start'], {
    env: {
      ...process.env,
      QUILL_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      QUILL_JWT_SECRET: secret,
      LOG_LEVEL: 'warn',
      QUILL_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3),
      QUILL_SCRUB_RATE: '0',
      QUILL_BACKUP_SCHEDULE: 'false',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`${name} exited with code ${code} before it was ready`))));
  await Promise.race([waitReady(`${base}/readyz`, 1200), exited]);
  const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });
  return {
    name,
    base,
    proc,
    token,
    cpu: () => treeCpuSeconds(proc.pid!, ...extraRoots()),
    resetPeak: () => resetPeak(proc.pid!),
    peakRss: () => statusField(proc.pid!, 'VmHWM'),
    rss: () => statusField(proc.pid!, 'VmRSS'),
    stop: async () => {
      if (proc.exitCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    },
  };
}

/** A service on a scratch directory of its own, for benchmarks that run operator commands beside it. */
export interface ScratchService {
  base: string;
  /** The service's environment: a command run with it works beside the service (same database and store). */
  env: NodeJS.ProcessEnv;
  /** A scratch directory, removed by stop(). */
  work: string;
  token(sub: string, role: string): Promise<string>;
  resetPeak(): Promise<void>;
  /** The service's peak RSS since the last resetPeak (VmHWM), bytes. */
  peakRss(): Promise<number>;
  stop(): Promise<void>;
}

/** The service on a fresh scratch directory (its own embedded PostgreSQL), on the fs store or a SeaweedFS bucket (`s3`). */
export async function startBenchService(store: string, name: string): Promise<ScratchService> {
  const work = await mkdtemp(path.join(os.tmpdir(), `quill-bench-${name}-`));
  await chmod(work, 0o755); // the embedded PostgreSQL runs as its own user
  const secret = randomBytes(32).toString('base64url');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, QUILL_DATA_DIR: path.join(work, 'data'), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_SCRUB_RATE: '0' };
  delete env.DATABASE_URL;
  let seaweed: SeaweedServer | null = null;
  let server: ChildProcess | null = null;
  const stop = async () => {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await new Promise((r) => server!.once('exit', r));
    await seaweed?.stop();
    await rm(work, { recursive: true, force: true });
  };
  try {
    if (store === 's3') {
      seaweed = await startSeaweed();
      await createVersionedBucket(seaweed.endpoint, seaweed, `bench-${name}`);
      Object.assign(env, { QUILL_BLOB_STORE: 's3', QUILL_S3_BUCKET: `bench-${name}`, QUILL_S3_ENDPOINT: seaweed.endpoint, QUILL_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: seaweed.accessKeyId, AWS_SECRET_ACCESS_KEY: seaweed.secretAccessKey, AWS_REGION: seaweed.region });
    } else if (store !== 'fs') throw new Error(`--store is fs or s3, not ${store}`);
    server = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const base = `http://127.0.0.1:${port}`;
    await waitReady(`${base}/readyz`, 600);
    const pid = server.pid!;
    return {
      base,
      env,
      work,
      token: (sub, role) => mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub, roles: [role] }),
      resetPeak: () => resetPeak(pid),
      peakRss: () => statusField(pid, 'VmHWM'),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Linux: writing 5 to /proc/<pid>/clear_refs resets VmHWM. */
export async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

/** A size field of /proc/<pid>/status (VmHWM, VmRSS), bytes. */
export async function statusField(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
}
