/**
 * Resumable (tus) upload throughput against a plain upload of the same file, through the same running service
 * (printed, never asserted):
 *  - plain: POST /v1/documents with the file as a raw streamed body (one request);
 *  - tus, one PATCH: tus-js-client with the file in one request (what a client on a good link does);
 *  - tus, 8 MiB chunks: tus-js-client with 8 MiB PATCHes (what the page does, so a cut loses at most one chunk).
 * Also the server's peak RSS (VmHWM) during each upload.
 * Usage: npm run bench:resumable [-- --store fs|s3 --sizes 100MB,500MB --runs 2]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tus from 'tus-js-client';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';
import { createVersionedBucket, startSeaweed, type SeaweedServer } from '../test/support/seaweedfs.ts';
import { makePdf, timeUpload, waitReady } from './support/common.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'fs' }, sizes: { type: 'string', default: '100MB,500MB' }, runs: { type: 'string', default: '2' } } });
const SIZES: Record<string, number> = { '10MB': 10_000_000, '100MB': 100_000_000, '500MB': 500_000_000, '1GiB': 1024 ** 3 };
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const RUNS = Number(values.runs);

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-tus-'));
await chmod(work, 0o755);
const secret = randomBytes(32).toString('base64url');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env: NodeJS.ProcessEnv = { ...process.env, QUILL_DATA_DIR: path.join(work, 'data'), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3) };
const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });

let server: ChildProcess | null = null;
let seaweed: SeaweedServer | null = null;
try {
  if (values.store === 's3') {
    seaweed = await startSeaweed();
    await createVersionedBucket(seaweed.endpoint, { accessKeyId: seaweed.accessKeyId, secretAccessKey: seaweed.secretAccessKey, region: seaweed.region }, 'bench-tus');
    Object.assign(env, { QUILL_BLOB_STORE: 's3', QUILL_S3_BUCKET: 'bench-tus', QUILL_S3_ENDPOINT: seaweed.endpoint, QUILL_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: seaweed.accessKeyId, AWS_SECRET_ACCESS_KEY: seaweed.secretAccessKey, AWS_REGION: seaweed.region });
  }
  server = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(`${base}/readyz`, 300);
  const rows: string[][] = [];
  for (const label of values.sizes!.split(',')) {
    const size = SIZES[label];
    if (!size) throw new Error(`unknown size ${label}`);
    const { file, sha256 } = await makePdf(path.join(work, `doc-${size}.pdf`), size);
    const best = { plain: Infinity, one: Infinity, chunked: Infinity };
    const peak = { plain: 0, one: 0, chunked: 0 };
    for (let i = 0; i < RUNS; i++) {
      for (const [k, run] of [['plain', async () => (await timeUpload(base, token, file, size)).seconds], ['one', () => tusUpload(file, size, sha256, Number.POSITIVE_INFINITY)], ['chunked', () => tusUpload(file, size, sha256, 8 * 1024 * 1024)]] as const) {
        await resetPeak(server.pid!);
        best[k] = Math.min(best[k], await run());
        peak[k] = Math.max(peak[k], await peakRss(server.pid!));
      }
    }
    const rate = (s: number) => size / s;
    rows.push([`${label} plain POST`, mib(rate(best.plain)), '100 %', rss(peak.plain)]);
    rows.push([`${label} tus, one PATCH`, mib(rate(best.one)), pct(best.plain / best.one), rss(peak.one)]);
    rows.push([`${label} tus, 8 MiB chunks`, mib(rate(best.chunked)), pct(best.plain / best.chunked), rss(peak.chunked)]);
    await rm(file);
  }
  console.log(`\nstore: ${values.store}; best of ${RUNS} runs each; client, service, PostgreSQL${seaweed ? ', SeaweedFS' : ''} on this machine`);
  printTable(['upload', 'throughput', 'vs plain', 'server peak RSS'], rows);
} finally {
  server?.kill('SIGTERM');
  if (server) await new Promise((r) => server!.once('exit', r));
  await seaweed?.stop();
  await rm(work, { recursive: true, force: true });
}

async function tusUpload(file: string, size: number, sha256: string, chunkSize: number): Promise<number> {
  // up to 1 GiB the file is handed over as a Buffer (as a browser hands over a Blob: slices cost nothing), so the
  // numbers are the service's, not tus-js-client's stream buffering in Node
  const source = size <= 1024 ** 3 ? readFileSync(file) : createReadStream(file);
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    new tus.Upload(source, {
      endpoint: `${base}/v1/uploads`,
      headers: { authorization: `Bearer ${token}` },
      uploadSize: size,
      chunkSize,
      metadata: { patient: '9434765919', type: '373942005', title: 'bench', filetype: 'application/pdf', filename: 'bench.pdf', sha256 },
      retryDelays: null,
      onError: reject,
      onSuccess: () => resolve(),
    }).start();
  });
  return (performance.now() - t) / 1000;
}

async function resetPeak(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function mib(bytesPerSec: number): string {
  return `${(bytesPerSec / 1024 ** 2).toFixed(0)} MiB/s`;
}
function pct(x: number): string {
  return `${(x * 100).toFixed(0)} %`;
}
function rss(b: number): string {
  return `${(b / 1024 ** 2).toFixed(0)} MiB`;
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
}
