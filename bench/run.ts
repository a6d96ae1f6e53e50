/**
 * Benchmarks, printed as a table (never asserted in tests):
 *  - upload throughput through the API (raw streamed body) for 1 MB, 100 MB and 1 GiB, against the same bytes
 *    written without the service: with --store fs, copying the file on the same disk (read + write + fsync, as the
 *    service does); with --store s3, a raw lib-storage Upload to the same SeaweedFS with the same SDK, part size,
 *    queue size, checksum and SSE;
 *  - the server's peak RSS (VmHWM) during the 1 GiB upload;
 *  - download-url requests/s and p50/p99 latency at 50 connections (autocannon), audit row written each time.
 * Usage: npm run bench [-- --store fs|s3 --sizes 1MB,100MB,1GiB --duration 10]
 * --store s3 needs the SeaweedFS binary (test-servers/seaweedfs/build.sh).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../test/support/seaweedfs.ts';
import { makePdf, mib, printTable, timeCopy, timeUpload, waitReady } from './support/common.ts';
import { timeRawUpload } from './support/raw-s3.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'fs' }, sizes: { type: 'string', default: '1MB,100MB,1GiB' }, duration: { type: 'string', default: '10' } } });
if (values.store !== 'fs' && values.store !== 's3') throw new Error('--store is fs or s3');
const SIZES: Record<string, number> = { '1MB': 1_000_000, '100MB': 100_000_000, '1GiB': 1024 ** 3 };
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-'));
await chmod(work, 0o755); // as root, embedded PostgreSQL runs as 'postgres' and must reach its directory
const secret = randomBytes(32).toString('base64url');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env = { ...process.env, QUILL_DATA_DIR: path.join(work, 'data'), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3) };
const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });

let server: ChildProcess | null = null;
let seaweed: SeaweedServer | null = null;
let baseline: (file: string, size: number) => Promise<number> = timeCopy;
let baselineName = 'disk copy';
try {
  if (values.store === 's3') {
    seaweed = await startSeaweed();
    const creds = { accessKeyId: seaweed.accessKeyId, secretAccessKey: seaweed.secretAccessKey, region: seaweed.region };
    await createVersionedBucket(seaweed.endpoint, creds, 'bench-docs');
    await createVersionedBucket(seaweed.endpoint, creds, 'bench-raw');
    Object.assign(env, {
      QUILL_BLOB_STORE: 's3',
      QUILL_S3_BUCKET: 'bench-docs',
      QUILL_S3_ENDPOINT: seaweed.endpoint,
      QUILL_S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: seaweed.accessKeyId,
      AWS_SECRET_ACCESS_KEY: seaweed.secretAccessKey,
      AWS_REGION: seaweed.region,
    });
    const client = s3Client(seaweed);
    baseline = async (file) => (await timeRawUpload(client, 'bench-raw', file)).seconds;
    baselineName = 'raw lib-storage Upload';
  }
  server = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(`${base}/readyz`, 300);
  const rows: string[][] = [];
  let lastId = '';
  for (const label of values.sizes!.split(',')) {
    const size = SIZES[label];
    if (!size) throw new Error(`unknown size ${label}`);
    const { file } = await makePdf(path.join(work, `doc-${size}.pdf`), size);
    const copyS = await baseline(file, size);
    await resetPeak(server.pid!);
    const { seconds, id } = await timeUpload(base, token, file, size);
    const peak = await peakRss(server.pid!);
    lastId = id;
    rows.push([`upload ${label}`, mib(size / seconds), mib(size / copyS), `${((size / seconds / (size / copyS)) * 100).toFixed(0)} %`, `${(peak / 1024 ** 2).toFixed(0)} MiB`]);
    await rm(file);
  }
  const lat = await downloadUrlLoad(lastId, Number(values.duration));
  console.log(`\nstore: ${values.store}${seaweed ? ' (SeaweedFS 4.53, versioned bucket, SSE AES256, SHA-256 checksums)' : ' (embedded PostgreSQL, local disk)'}`);
  printTable(['measure', 'API', baselineName, 'API / baseline', 'server peak RSS'], rows);
  printTable(['download-url (50 connections)', 'requests/s', 'p50', 'p99', 'errors'], [['POST /v1/documents/{id}/download-url', lat.rps.toFixed(0), `${lat.p50} ms`, `${lat.p99} ms`, String(lat.errors)]]);
} finally {
  server?.kill('SIGTERM');
  if (server) await new Promise((r) => server!.once('exit', r));
  await seaweed?.stop();
  await rm(work, { recursive: true, force: true });
}

/** Linux: writing 5 to /proc/<pid>/clear_refs resets VmHWM, so each upload's peak is its own. */
async function resetPeak(pid: number): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

async function peakRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function downloadUrlLoad(id: string, duration: number) {
  const r = await autocannon({ url: `${base}/v1/documents/${id}/download-url`, method: 'POST', connections: 50, duration, headers: { authorization: `Bearer ${token}` } });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}
