/**
 * Bulk import against the API's own upload rate, for the same files, side by side on one running service (printed,
 * never asserted):
 *  - API: N files POSTed as raw bodies to /v1/documents by C concurrent clients (the service's upload path);
 *  - import: the same N files in a manifest, `quill-docstore import --concurrency C` beside the running service (the
 *    same upload protocol, in the command's own process, sharing the service's database and store).
 * Rounds alternate which goes first (interleaved, so a slow moment of this shared machine hits both). The import's rate
 * is given by its own clock (the run) and by the wall clock of the whole command (process start, connecting, the
 * manifest's first pass included).
 * Usage: npm run bench:import [-- --store fs|s3 --cases 100KB:500,5MB:40 --clients 8 --rounds 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';
import { createVersionedBucket, startSeaweed, type SeaweedServer } from '../test/support/seaweedfs.ts';
import { makePdf, timeUpload, waitReady } from './support/common.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'fs' }, cases: { type: 'string', default: '100KB:500,5MB:40' }, clients: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' } } });
const SIZES: Record<string, number> = { '10KB': 10_000, '100KB': 100_000, '1MB': 1_000_000, '5MB': 5_000_000, '20MB': 20_000_000 };
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const CLIENTS = Number(values.clients);
const ROUNDS = Number(values.rounds);

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-import-'));
await chmod(work, 0o755); // the embedded PostgreSQL runs as its own user
const secret = randomBytes(32).toString('base64url');
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const env: NodeJS.ProcessEnv = { ...process.env, QUILL_DATA_DIR: path.join(work, 'data'), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_SCRUB_RATE: '0' };
delete env.DATABASE_URL;
const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });

let server: ChildProcess | null = null;
let seaweed: SeaweedServer | null = null;
try {
  if (values.store === 's3') {
    seaweed = await startSeaweed();
    await createVersionedBucket(seaweed.endpoint, seaweed, 'bench-import');
    Object.assign(env, { QUILL_BLOB_STORE: 's3', QUILL_S3_BUCKET: 'bench-import', QUILL_S3_ENDPOINT: seaweed.endpoint, QUILL_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: seaweed.accessKeyId, AWS_SECRET_ACCESS_KEY: seaweed.secretAccessKey, AWS_REGION: seaweed.region });
  }
  server = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  await waitReady(`${base}/readyz`, 600);
  const rows: string[][] = [];
  let manifests = 0;
  for (const c of values.cases!.split(',')) {
    const [label, n] = c.split(':') as [string, string];
    const size = SIZES[label];
    const count = Number(n);
    if (!size || !(count > 0)) throw new Error(`unknown case ${c} (size:count, sizes ${Object.keys(SIZES).join(' ')})`);
    const dir = path.join(work, `files-${label}`);
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < count; i++) files.push((await makePdf(path.join(dir, `f${i}.pdf`), size)).file);
    const api: number[] = [];
    const run: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const viaApi = async () => api.push(count / (await uploadAll(files, size)));
      const viaImport = async () => {
        const t = await importAll(files, `${label}-${r}-${manifests++}`);
        run.push(count / t.run);
        wall.push(count / t.wall);
      };
      if (r % 2 === 0) await viaApi().then(viaImport);
      else await viaImport().then(viaApi);
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    rows.push([`${label} × ${count}`, rate(med(api), size), rate(med(run), size), rate(med(wall), size), `${(med(run) / med(api)).toFixed(2)}×`, `${(med(wall) / med(api)).toFixed(2)}×`]);
  }
  console.log(`\nstore: ${values.store}; ${CLIENTS} API clients, import --concurrency ${CLIENTS}; median of ${ROUNDS} interleaved rounds; client, service, import, PostgreSQL${seaweed ? ', SeaweedFS' : ''} on this machine`);
  printTable(['files', 'API upload', 'import (run)', 'import (whole command)', 'import/API (run)', 'import/API (command)'], rows);
} finally {
  server?.kill('SIGTERM');
  if (server) await new Promise((r) => server!.once('exit', r));
  await seaweed?.stop();
  await rm(work, { recursive: true, force: true });
}

/** Every file through the API by CLIENTS concurrent clients: seconds. */
async function uploadAll(files: string[], size: number): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < files.length) await timeUpload(base, token, files[next++]!, size);
    }),
  );
  return (performance.now() - t) / 1000;
}

/** The same files by `quill-docstore import`: the run's own seconds and the whole command's. */
async function importAll(files: string[], tag: string): Promise<{ run: number; wall: number }> {
  const manifest = path.join(work, `manifest-${tag}.csv`);
  await writeFile(manifest, `path,patient,type,title,sourceId\n${files.map((f, i) => `${path.relative(work, f)},9434765919,373942005,bench,${tag}-${i}`).join('\n')}\n`);
  const t = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'import', '--manifest', manifest, '--root', work, '--concurrency', String(CLIENTS), '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`import exited ${code}: ${stdout}`))));
  });
  const wall = (performance.now() - t) / 1000;
  const summary = JSON.parse(out) as { imported: number; elapsedMs: number };
  if (summary.imported !== files.length) throw new Error(`imported ${summary.imported} of ${files.length}`);
  return { run: summary.elapsedMs / 1000, wall };
}

function rate(filesPerSecond: number, size: number): string {
  return `${filesPerSecond.toFixed(0)} files/s (${((filesPerSecond * size) / 1024 ** 2).toFixed(1)} MiB/s)`;
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
}
