/**
 * MinIO beside SeaweedFS, printed (never asserted): upload and download rates through the API with the service on
 * MinIO, the same with the service on SeaweedFS, and a raw lib-storage `Upload` / `GetObject` to the same MinIO
 * bucket with the service's part size, queue size, SHA-256 checksum and SSE (the baseline: no service in between).
 * The three run interleaved, round after round (MinIO API, SeaweedFS API, MinIO raw, …) in one process, so the machine's
 * load falls on all of them alike; each figure is the median of --rounds, and the ratios are of medians.
 *  - upload: a raw-body POST /v1/documents of a PDF file (streamed from disk), 201 received;
 *  - download: GET /v1/documents/{id}/content read to the end (the service re-verifies SHA-256 while streaming).
 * Small sizes repeat the transfer (sequentially) until about 20 MB have moved, so one request's latency is not the rate.
 * Usage: npm run bench:minio [-- --layout single|erasure|distributed --sizes 100KB,10MB,100MB --rounds 3]
 * Needs the MinIO binaries (test-servers/minio/build.sh) and the weed binary (test-servers/seaweedfs/build.sh).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';
import { startMinio, type MinioLayout, type MinioServer } from '../test/support/minio.ts';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../test/support/seaweedfs.ts';
import { makePdf, median, mib, printTable, timeUpload, waitReady } from './support/common.ts';
import { timeRawDownload, timeRawUpload } from './support/raw-s3.ts';

const { values } = parseArgs({ options: { layout: { type: 'string', default: 'erasure' }, sizes: { type: 'string', default: '100KB,10MB,100MB' }, rounds: { type: 'string', default: '3' } } });
const LAYOUT = values.layout as MinioLayout;
if (!['single', 'erasure', 'distributed'].includes(LAYOUT)) throw new Error('--layout is single, erasure or distributed');
const SIZES: Record<string, number> = { '100KB': 100_000, '1MB': 1_000_000, '10MB': 10_000_000, '100MB': 100_000_000, '1GiB': 1024 ** 3 };
const ROUNDS = Number(values.rounds);
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const BUCKET = 'bench-docs';

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-minio-'));
await chmod(work, 0o755); // as root, embedded PostgreSQL runs as 'postgres' and must reach its directory
const secret = randomBytes(32).toString('base64url');
const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });

interface Service {
  base: string;
  proc: ChildProcess;
}

/** The service as its own process (embedded PostgreSQL in its own data dir) on an S3 store. */
async function startService(name: string, s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string }): Promise<Service> {
  const port = await freePort();
  const env = {
    ...process.env,
    QUILL_DATA_DIR: path.join(work, name),
    PORT: String(port),
    HOST: '127.0.0.1',
    QUILL_JWT_SECRET: secret,
    LOG_LEVEL: 'warn',
    QUILL_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3),
    QUILL_SCRUB_RATE: '0', // the background scrubber would read beside the measurement
    QUILL_BACKUP_SCHEDULE: 'false',
    QUILL_BLOB_STORE: 's3',
    QUILL_S3_BUCKET: BUCKET,
    QUILL_S3_ENDPOINT: s3.endpoint,
    QUILL_S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  };
  const proc = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  await waitReady(`${base}/readyz`, 600);
  return { base, proc };
}

/** GET the document's bytes through the service, to the end: seconds. */
function timeDownload(base: string, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http
      .get(`${base}/v1/documents/${id}/content`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`download ${res.statusCode}`));
        res.on('data', () => undefined);
        res.on('end', () => resolve((performance.now() - t) / 1000));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

let minio: MinioServer | null = null;
let seaweed: SeaweedServer | null = null;
const services: Service[] = [];
try {
  [minio, seaweed] = await Promise.all([startMinio({ layout: LAYOUT }), startSeaweed()]);
  for (const s of [minio, seaweed]) await createVersionedBucket(s.endpoint, s, BUCKET);
  const onMinio = await startService('minio', minio);
  const onSeaweed = await startService('seaweedfs', seaweed);
  services.push(onMinio, onSeaweed);
  const raw = s3Client(minio);

  const sides = ['API on MinIO', 'API on SeaweedFS', 'raw SDK on MinIO'] as const;
  type Side = (typeof sides)[number];
  const up = new Map<string, number[]>();
  const down = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);

  for (const label of values.sizes!.split(',')) {
    const size = SIZES[label];
    if (!size) throw new Error(`unknown size ${label}`);
    const { file } = await makePdf(path.join(work, `doc-${label}.pdf`), size);
    const repeat = Math.max(1, Math.min(50, Math.round(20_000_000 / size)));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const side of sides as readonly Side[]) {
        let upS = 0;
        let downS = 0;
        for (let i = 0; i < repeat; i++) {
          if (side === 'raw SDK on MinIO') {
            const r = await timeRawUpload(raw, BUCKET, file);
            upS += r.seconds;
            downS += await timeRawDownload(raw, BUCKET, r.key, r.versionId);
          } else {
            const svc = side === 'API on MinIO' ? onMinio : onSeaweed;
            const r = await timeUpload(svc.base, token, file, size);
            upS += r.seconds;
            downS += await timeDownload(svc.base, r.id);
          }
        }
        add(up, `${label}|${side}`, (size * repeat) / upS);
        add(down, `${label}|${side}`, (size * repeat) / downS);
      }
      process.stderr.write(`${label}: round ${round}/${ROUNDS} done\n`);
    }
    await rm(file);
  }
  raw.destroy();

  const rows: string[][] = [];
  for (const label of values.sizes!.split(',')) {
    for (const [what, m] of [['upload', up], ['download', down]] as const) {
      const [apiMinio, apiSeaweed, rawMinio] = sides.map((s) => median(m.get(`${label}|${s}`)!));
      rows.push([`${what} ${label}`, mib(apiMinio!), mib(apiSeaweed!), mib(rawMinio!), `${((apiMinio! / rawMinio!) * 100).toFixed(0)} %`, `${(apiMinio! / apiSeaweed!).toFixed(2)}`]);
    }
  }
  console.log(`\nMinIO ${LAYOUT} (SSE-S3, versioned bucket, SHA-256 checksums) beside SeaweedFS 4.53 (weed mini), one client, median of ${ROUNDS} interleaved rounds, ${os.cpus().length} cores`);
  printTable(['transfer', ...sides, 'API on MinIO / raw', 'MinIO API / SeaweedFS API'], rows);
} finally {
  for (const s of services) {
    s.proc.kill('SIGTERM');
    await new Promise((r) => s.proc.once('exit', r));
  }
  await Promise.all([minio?.stop(), seaweed?.stop()]);
  await rm(work, { recursive: true, force: true });
}
