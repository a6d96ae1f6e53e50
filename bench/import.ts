/**
 * Bulk import against the API's own upload rate, for the same files, side by side on one running service (printed,
 * never asserted):
 *  - API: N files POSTed as raw bodies to /v1/documents by C concurrent clients (the service's upload path);
 *  - import: the same N files in a manifest, `quill-docstore import --concurrency C` beside the running service (the
 *    same upload protocol, in the command's own process, sharing the service's database and store).
 * Rounds alternate which goes first (interleaved, so a slow moment of this shared machine hits both). The import's rate
 * is given by its own clock (the run) and by the wall clock of the whole command (process start, connecting, the
 * manifest's first pass included: what a short import pays once).
 * Usage: npm run bench:import [-- --store fs|s3 --cases 100KB:2000,5MB:100 --clients 8 --rounds 3]
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makePdf, printTable, timeUpload } from './support/common.ts';
import { BIN, startBenchService } from './support/service.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'fs' }, cases: { type: 'string', default: '100KB:2000,5MB:100' }, clients: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' } } });
const SIZES: Record<string, number> = { '10KB': 10_000, '100KB': 100_000, '1MB': 1_000_000, '5MB': 5_000_000, '20MB': 20_000_000 };
const CLIENTS = Number(values.clients);
const ROUNDS = Number(values.rounds);

const svc = await startBenchService(values.store!, 'import');
try {
  const token = await svc.token('bench', 'clinician');
  const rows: string[][] = [];
  let manifests = 0;
  for (const c of values.cases!.split(',')) {
    const [label, n] = c.split(':') as [string, string];
    const size = SIZES[label];
    const count = Number(n);
    if (!size || !(count > 0)) throw new Error(`unknown case ${c} (size:count, sizes ${Object.keys(SIZES).join(' ')})`);
    const dir = path.join(svc.work, `files-${label}`);
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (let i = 0; i < count; i++) files.push((await makePdf(path.join(dir, `f${i}.pdf`), size)).file);
    const api: number[] = [];
    const run: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const viaApi = async () => api.push(count / (await uploadAll(token, files, size)));
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
  console.log(`\nstore: ${values.store}; ${CLIENTS} API clients, import --concurrency ${CLIENTS}; median of ${ROUNDS} interleaved rounds; client, service, import, PostgreSQL${values.store === 's3' ? ', SeaweedFS' : ''} on this machine`);
  printTable(['files', 'API upload', 'import (run)', 'import (whole command)', 'import/API (run)', 'import/API (command)'], rows);
} finally {
  await svc.stop();
}

/** Every file through the API by CLIENTS concurrent clients: seconds. */
async function uploadAll(token: string, files: string[], size: number): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < files.length) await timeUpload(svc.base, token, files[next++]!, size);
    }),
  );
  return (performance.now() - t) / 1000;
}

/** The same files by `quill-docstore import`: the run's own seconds and the whole command's. */
async function importAll(files: string[], tag: string): Promise<{ run: number; wall: number }> {
  const manifest = path.join(svc.work, `manifest-${tag}.csv`);
  await writeFile(manifest, `path,patient,type,title,sourceId\n${files.map((f, i) => `${path.relative(svc.work, f)},9434765919,373942005,bench,${tag}-${i}`).join('\n')}\n`);
  const t = performance.now();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'import', '--manifest', manifest, '--root', svc.work, '--concurrency', String(CLIENTS), '--json', '--progress-interval', '3600'], { env: svc.env, stdio: ['ignore', 'pipe', 'inherit'] });
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
