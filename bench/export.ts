/**
 * A patient's subject-access export against reading the same bytes, on one running service (printed, never asserted):
 *  - export: GET /v1/patients/{nhs}/export, the zip read to its end (every file SHA-256 verified while written);
 *  - reads: GET /v1/documents/{id}/content for each of the patient's documents in turn (also SHA-256 verified), the
 *    same bytes one document at a time, as a client fetching the record itself would.
 * Rounds alternate which goes first. Also the service's peak RSS during each (VmHWM, reset before each).
 * Usage: npm run bench:export [-- --store fs|s3 --files 16 --size 32MB --rounds 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';
import { createVersionedBucket, startSeaweed, type SeaweedServer } from '../test/support/seaweedfs.ts';
import { makePdf, timeUpload, waitReady } from './support/common.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'fs' }, files: { type: 'string', default: '16' }, size: { type: 'string', default: '32MB' }, rounds: { type: 'string', default: '3' } } });
const SIZES: Record<string, number> = { '1MB': 1_000_000, '8MB': 8_000_000, '32MB': 32_000_000, '64MB': 64_000_000 };
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const PATIENT = '9434765919'; // the patient bench/support/common.ts uploads for
const FILES = Number(values.files);
const SIZE = SIZES[values.size!];
const ROUNDS = Number(values.rounds);
if (!SIZE) throw new Error(`unknown size ${values.size} (${Object.keys(SIZES).join(' ')})`);

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-export-'));
await chmod(work, 0o755); // the embedded PostgreSQL runs as its own user
const secret = randomBytes(32).toString('base64url');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env: NodeJS.ProcessEnv = { ...process.env, QUILL_DATA_DIR: path.join(work, 'data'), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_SCRUB_RATE: '0' };
delete env.DATABASE_URL;
const mint = (sub: string, role: string) => mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub, roles: [role] });
const clinician = await mint('bench', 'clinician');
const rm1 = await mint('bench.rm', 'records-manager');

let server: ChildProcess | null = null;
let seaweed: SeaweedServer | null = null;
try {
  if (values.store === 's3') {
    seaweed = await startSeaweed();
    await createVersionedBucket(seaweed.endpoint, seaweed, 'bench-export');
    Object.assign(env, { QUILL_BLOB_STORE: 's3', QUILL_S3_BUCKET: 'bench-export', QUILL_S3_ENDPOINT: seaweed.endpoint, QUILL_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: seaweed.accessKeyId, AWS_SECRET_ACCESS_KEY: seaweed.secretAccessKey, AWS_REGION: seaweed.region });
  }
  server = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(`${base}/readyz`, 600);
  const ids: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const { file } = await makePdf(path.join(work, `doc-${i}.pdf`), SIZE);
    ids.push((await timeUpload(base, clinician, file, SIZE)).id);
    await rm(file);
  }
  const total = FILES * SIZE;
  const best = { exported: Infinity, read: Infinity };
  const peak = { exported: 0, read: 0 };
  let zipBytes = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const runs = [
      ['exported', async () => {
        const t = performance.now();
        zipBytes = await drain(await fetch(`${base}/v1/patients/${PATIENT}/export`, { headers: { authorization: `Bearer ${rm1}` } }));
        return (performance.now() - t) / 1000;
      }],
      ['read', async () => {
        const t = performance.now();
        for (const id of ids) await drain(await fetch(`${base}/v1/documents/${id}/content`, { headers: { authorization: `Bearer ${clinician}` } }));
        return (performance.now() - t) / 1000;
      }],
    ] as const;
    for (const [k, run] of r % 2 === 0 ? runs : [...runs].reverse()) {
      await writeFile(`/proc/${server.pid}/clear_refs`, '5').catch(() => undefined);
      best[k] = Math.min(best[k], await run());
      peak[k] = Math.max(peak[k], Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024);
    }
  }
  const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  console.log(`\nstore: ${values.store}; one patient, ${FILES} documents of ${values.size} (${mib(total)}; the zip ${mib(zipBytes)}); best of ${ROUNDS} interleaved rounds; client, service, PostgreSQL${seaweed ? ', SeaweedFS' : ''} on this machine`);
  const widths = [44, 12, 10, 16];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(['', 'throughput', 'vs reads', 'server peak RSS'])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  console.log(line(['GET /content of each document in turn', `${mib(total / best.read)}/s`, '100 %', mib(peak.read)]));
  console.log(line(['GET /v1/patients/{nhs}/export (the zip)', `${mib(total / best.exported)}/s`, `${((best.read / best.exported) * 100).toFixed(0)} %`, mib(peak.exported)]));
} finally {
  server?.kill('SIGTERM');
  if (server) await new Promise((r) => server!.once('exit', r));
  await seaweed?.stop();
  await rm(work, { recursive: true, force: true });
}

/** Reads an answer's body to its end (it must be a 200); its length. */
async function drain(res: Response): Promise<number> {
  if (res.status !== 200) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}
