// A running service for a benchmark: started from the launcher on a fresh data directory (the embedded default), or
// on a bucket of a SeaweedFS started for it; with the environment that points operator commands at it, tokens, and
// the service's peak RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createVersionedBucket, startSeaweed, type SeaweedServer } from '../../test/support/seaweedfs.ts';
import { waitReady } from './common.ts';

export const BIN = path.resolve(import.meta.dirname, '../../bin/quill-docstore.js');

export interface BenchService {
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

export async function startBenchService(store: string, name: string): Promise<BenchService> {
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
      resetPeak: () => writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined),
      peakRss: async () => Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
}
