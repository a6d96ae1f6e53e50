/**
 * Upload rate with malware scanning against without, interleaved in one run (printed, never asserted): two services
 * on this machine, the same configuration but one with QUILL_CLAMD_URL pointing at a real clamd (test-servers/clamav,
 * private signature database), each fed the same raw PDF uploads in alternating rounds, so both see the same machine
 * load. 100 KiB (many small uploads: the scan's per-file cost) and 20 MiB (streaming: the scan beside the store write).
 * Usage: npm run bench:scan [-- --rounds 5 --small 40 --large 3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort } from '../src/db/embedded.ts';
import { startClamd } from '../test/support/clamav.ts';
import { makePdf, timeUpload, waitReady } from './support/common.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, small: { type: 'string', default: '40' }, large: { type: 'string', default: '3' } } });
const ROUNDS = Number(values.rounds);
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const KiB = 1024;
const MiB = 1024 * KiB;

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-scan-'));
await chmod(work, 0o755);
const secret = randomBytes(32).toString('base64url');
const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });
const clamd = await startClamd();
const services: { name: string; base: string; proc: ChildProcess }[] = [];
try {
  for (const [name, extra] of [['without scanning', {}], ['with scanning', { QUILL_CLAMD_URL: clamd.url }]] as const) {
    const port = await freePort();
    const env = { ...process.env, QUILL_DATA_DIR: path.join(work, name.replace(/ /g, '-')), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_SCRUB_RATE: '0', QUILL_BACKUP_SCHEDULE: 'false', ...extra };
    const proc = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    services.push({ name, base: `http://127.0.0.1:${port}`, proc });
  }
  for (const s of services) await waitReady(`${s.base}/readyz`, 600);
  const rows: string[][] = [];
  for (const [label, size, per] of [['100 KiB', 100 * KiB, Number(values.small)], ['20 MiB', 20 * MiB, Number(values.large)]] as const) {
    const { file } = await makePdf(path.join(work, `doc-${size}.pdf`), size);
    for (const s of services) await timeUpload(s.base, token, file, size); // warm-up
    const seconds = services.map(() => 0);
    const latencies: number[][] = services.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      // alternate which service goes first, so neither always follows the other's background work
      const order = round % 2 ? [1, 0] : [0, 1];
      for (const i of order) {
        for (let k = 0; k < per; k++) {
          const t = (await timeUpload(services[i]!.base, token, file, size)).seconds;
          seconds[i]! += t;
          latencies[i]!.push(t * 1000);
        }
      }
    }
    const n = ROUNDS * per;
    const rate = (i: number) => n / seconds[i]!;
    const p50 = (i: number) => [...latencies[i]!].sort((a, b) => a - b)[Math.floor(n / 2)]!;
    rows.push([
      label,
      `${rate(0).toFixed(1)}/s, ${((rate(0) * size) / MiB).toFixed(1)} MiB/s, p50 ${p50(0).toFixed(1)} ms`,
      `${rate(1).toFixed(1)}/s, ${((rate(1) * size) / MiB).toFixed(1)} MiB/s, p50 ${p50(1).toFixed(1)} ms`,
      `${((rate(1) / rate(0)) * 100).toFixed(0)} %`,
    ]);
    await rm(file);
  }
  console.log(`\nsequential raw PDF uploads, one client, ${ROUNDS} interleaved rounds; clamd ${clamd.url} with a private signature database; all on this machine`);
  const widths = [10, 44, 44, 22];
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(['size', 'without scanning', 'with scanning', 'with / without (rate)']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) console.log(line(r));
} finally {
  for (const s of services) s.proc.kill('SIGTERM');
  await Promise.all(services.map((s) => new Promise((r) => (s.proc.exitCode !== null ? r(null) : s.proc.once('exit', r)))));
  await clamd.stop();
  await rm(work, { recursive: true, force: true });
}
