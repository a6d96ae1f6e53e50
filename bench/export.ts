/**
 * A patient's subject-access export against reading the same bytes, on one running service (printed, never asserted):
 *  - export: GET /v1/patients/{nhs}/export, the zip read to its end (every file SHA-256 verified while written);
 *  - reads: GET /v1/documents/{id}/content for each of the patient's documents in turn (also SHA-256 verified), the
 *    same bytes one document at a time, as a client fetching the record itself would.
 * Rounds alternate which goes first. Also the service's peak RSS during each (VmHWM, reset before each).
 * Usage: npm run bench:export [-- --store fs|s3 --files 16 --size 32MB --rounds 3]
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makePdf, printTable, timeUpload } from './support/common.ts';
import { startBenchService } from './support/service.ts';

const { values } = parseArgs({ options: { store: { type: 'string', default: 'fs' }, files: { type: 'string', default: '16' }, size: { type: 'string', default: '32MB' }, rounds: { type: 'string', default: '3' } } });
const SIZES: Record<string, number> = { '1MB': 1_000_000, '8MB': 8_000_000, '32MB': 32_000_000, '64MB': 64_000_000 };
const PATIENT = '9434765919'; // the patient bench/support/common.ts uploads for
const FILES = Number(values.files);
const SIZE = SIZES[values.size!];
const ROUNDS = Number(values.rounds);
if (!SIZE) throw new Error(`unknown size ${values.size} (${Object.keys(SIZES).join(' ')})`);

const svc = await startBenchService(values.store!, 'export');
try {
  const clinician = await svc.token('bench', 'clinician');
  const manager = await svc.token('bench.rm', 'records-manager');
  const ids: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const { file } = await makePdf(path.join(svc.work, `doc-${i}.pdf`), SIZE);
    ids.push((await timeUpload(svc.base, clinician, file, SIZE)).id);
    await rm(file);
  }
  const total = FILES * SIZE;
  const best = { exported: Infinity, read: Infinity };
  const peak = { exported: 0, read: 0 };
  let zipBytes = 0;
  const runs = [
    ['exported', async () => {
      const t = performance.now();
      zipBytes = await drain(await fetch(`${svc.base}/v1/patients/${PATIENT}/export`, { headers: { authorization: `Bearer ${manager}` } }));
      return (performance.now() - t) / 1000;
    }],
    ['read', async () => {
      const t = performance.now();
      for (const id of ids) await drain(await fetch(`${svc.base}/v1/documents/${id}/content`, { headers: { authorization: `Bearer ${clinician}` } }));
      return (performance.now() - t) / 1000;
    }],
  ] as const;
  for (let r = 0; r < ROUNDS; r++) {
    for (const [k, run] of r % 2 === 0 ? runs : [...runs].reverse()) {
      await svc.resetPeak();
      best[k] = Math.min(best[k], await run());
      peak[k] = Math.max(peak[k], await svc.peakRss());
    }
  }
  const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  console.log(`\nstore: ${values.store}; one patient, ${FILES} documents of ${values.size} (${mib(total)}; the zip ${mib(zipBytes)}); best of ${ROUNDS} interleaved rounds; client, service, PostgreSQL${values.store === 's3' ? ', SeaweedFS' : ''} on this machine`);
  printTable(['', 'throughput', 'vs reads', 'server peak RSS'], [
    ['GET /content of each document in turn', `${mib(total / best.read)}/s`, '100 %', mib(peak.read)],
    ['GET /v1/patients/{nhs}/export (the zip)', `${mib(total / best.exported)}/s`, `${((best.read / best.exported) * 100).toFixed(0)} %`, mib(peak.exported)],
  ]);
} finally {
  await svc.stop();
}

/** Reads an answer's body to its end (it must be a 200); its length. */
async function drain(res: Response): Promise<number> {
  if (res.status !== 200) throw new Error(`${res.url}: ${res.status} ${await res.text()}`);
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) n += chunk.length;
  return n;
}
