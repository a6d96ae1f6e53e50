/**
 * Benchmarks, printed as a table (never asserted in tests):
 *  - upload time through the API (raw streamed body) for 1 MB, 100 MB and 1 GiB, against the same bytes written
 *    without the service, in interleaved rounds (baseline, API, API, baseline, …; which goes first alternates): with
 *    --store fs, copying the file on the same disk (read + write + fsync, as the service does; the service's default
 *    store, so encrypted at rest); with --store s3, a raw lib-storage Upload to the same SeaweedFS with the same SDK,
 *    part size, queue size, checksum and SSE;
 *  - the service's CPU per upload (its process tree: Node, its PostgreSQL, and SeaweedFS for s3) and the server's peak
 *    RSS (VmHWM) during each size's uploads;
 *  - download-url requests/s and p50/p99 latency at 50 connections (autocannon), audit row written each time.
 * Usage: npm run bench [-- --store fs|s3 --sizes 1MB,100MB,1GiB --rounds 3 --duration 10]
 * --store s3 needs the SeaweedFS binary (test-servers/seaweedfs/build.sh).
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../test/support/seaweedfs.ts';
import { makePdf, median, mib, printTable, timeCopy, timeUpload } from './support/common.ts';
import { timeRawUpload } from './support/raw-s3.ts';
import { treeCpuSeconds } from './support/proc-cpu.ts';
import { startService, type BenchService } from './support/service.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'fs' }, sizes: { type: 'string', default: '1MB,100MB,1GiB' }, rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '10' } } });
if (values.store !== 'fs' && values.store !== 's3') throw new Error('--store is fs or s3');
const SIZES: Record<string, number> = { '1MB': 1_000_000, '100MB': 100_000_000, '1GiB': 1024 ** 3 };
const ROUNDS = Number(values.rounds);

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-'));
await chmod(work, 0o755); // as root, embedded PostgreSQL runs as 'postgres' and must reach its directory
const env: Record<string, string> = {};
let service: BenchService | null = null;
let seaweed: SeaweedServer | null = null;
let baseline: (file: string) => Promise<number> = timeCopy;
let baselineName = 'cp + fsync, same disk';
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
  const weedPid = seaweed?.pid;
  service = await startService('quill', path.join(work, 'data'), env, () => (weedPid ? [weedPid] : []));
  const svc = service;
  // SeaweedFS's CPU is part of both sides' cost for s3: read it with the baseline's too
  const weedCpu = () => (weedPid ? treeCpuSeconds(weedPid) : 0);
  const rows: string[][] = [];
  let lastId = '';
  for (const label of values.sizes!.split(',')) {
    const size = SIZES[label];
    if (!size) throw new Error(`unknown size ${label}`);
    const { file } = await makePdf(path.join(work, `doc-${size}.pdf`), size);
    const api: number[] = [];
    const base: number[] = [];
    const cpu: number[] = [];
    const baseCpu: number[] = [];
    await svc.resetPeak();
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 ? ['api', 'base'] : ['base', 'api'];
      for (const which of order) {
        if (which === 'base') {
          const c0 = weedCpu();
          base.push(await baseline(file));
          baseCpu.push(weedCpu() - c0);
        } else {
          const c0 = svc.cpu();
          const up = await timeUpload(svc.base, svc.token, file, size);
          cpu.push(svc.cpu() - c0);
          api.push(up.seconds);
          lastId = up.id;
        }
      }
    }
    const peak = await svc.peakRss();
    const ratios = api.map((s, i) => s / base[i]!);
    rows.push([
      `upload ${label}`,
      `${median(api).toFixed(2)} s (${mib(size / median(api))})`,
      `${median(base).toFixed(2)} s (${mib(size / median(base))})`,
      `**${(median(api) / median(base)).toFixed(2)}×** (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      `${median(cpu).toFixed(2)} s${weedPid ? ` / ${median(baseCpu).toFixed(2)} s` : ''}`,
      `${(peak / 1024 ** 2).toFixed(0)} MiB`,
    ]);
    await rm(file);
  }
  const lat = await downloadUrlLoad(svc, lastId, Number(values.duration));
  console.log(`\nstore: ${values.store}${seaweed ? ' (SeaweedFS 4.53, versioned bucket, SSE AES256, SHA-256 checksums)' : ' (embedded PostgreSQL, local disk, encrypted at rest)'}; medians of ${ROUNDS} interleaved rounds; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  printTable(['measure', 'API', baselineName, 'API time / baseline (spread)', `CPU per upload${weedPid ? ' (service + SeaweedFS / SeaweedFS for the raw Upload)' : ' (service + PostgreSQL)'}`, 'server peak RSS'], rows);
  printTable(['download-url (50 connections)', 'requests/s', 'p50', 'p99', 'errors'], [['POST /v1/documents/{id}/download-url', lat.rps.toFixed(0), `${lat.p50} ms`, `${lat.p99} ms`, String(lat.errors)]]);
} finally {
  await service?.stop();
  await seaweed?.stop();
  await rm(work, { recursive: true, force: true });
}

async function downloadUrlLoad(s: BenchService, id: string, duration: number) {
  const r = await autocannon({ url: `${s.base}/v1/documents/${id}/download-url`, method: 'POST', connections: 50, duration, headers: { authorization: `Bearer ${s.token}` } });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}
