/**
 * Encryption at rest against plaintext, side by side in one run (printed, never asserted): two services on this
 * machine, the same configuration but one with QUILL_FS_ENCRYPTION=false, each with its own embedded PostgreSQL,
 * measured in interleaved rounds (which one goes first alternates) so both see the same machine load:
 *  - 100 KiB raw PDF uploads, --clients (16) closed-loop clients for --duration (10) s;
 *  - 100 KiB downloads (GET /content, verified on the way out), the same clients;
 *  - 100 MiB uploads and downloads, one at a time, --large (2) per round.
 * Each figure: the medians of the rounds, encrypted / plaintext, the spread of the per-round ratios, and each service's
 * CPU per operation (Node + its PostgreSQL).
 * Usage: npm run bench:encryption [-- --rounds 5 --duration 10 --clients 16 --large 2 --large-mib 100]
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makePdf, printTable, timeUpload } from './support/common.ts';
import { compare, load, sequence, timeGet, type Figure } from './support/load.ts';
import { startService, type BenchService } from './support/service.ts';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '10' },
    clients: { type: 'string', default: '16' },
    large: { type: 'string', default: '2' },
    'large-mib': { type: 'string', default: '100' },
    parts: { type: 'string', default: 'small,large' },
  },
});
const ROUNDS = Number(values.rounds);
const DURATION = Number(values.duration);
const CLIENTS = Number(values.clients);
const LARGE = Number(values.large);
const LARGE_BYTES = Number(values['large-mib']) * 1024 * 1024;
const parts = new Set(values.parts!.split(','));

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-enc-'));
await chmod(work, 0o755); // as root, embedded PostgreSQL runs as 'postgres' and must reach its directory
const services: BenchService[] = [];
try {
  // the clients are one user: its bound on downloads in progress (default 10) must not refuse some of them
  const bound = { QUILL_MAX_OPEN_DOWNLOADS: String(CLIENTS) };
  services.push(await startService('plaintext', path.join(work, 'plain'), { ...bound, QUILL_FS_ENCRYPTION: 'false' }));
  services.push(await startService('encrypted', path.join(work, 'enc'), bound));
  const [plain, enc] = services as [BenchService, BenchService];
  const auth = (s: BenchService) => ({ authorization: `Bearer ${s.token}` });
  const uploadUrl = (s: BenchService) => `${s.base}/v1/documents?patient=9434765919&type=373942005&title=bench`;
  const small = Buffer.concat([Buffer.from('%PDF-1.7\n%bench\n'), randomBytes(100 * 1024 - 16)]);
  const large = await makePdf(path.join(work, 'large.pdf'), LARGE_BYTES);
  // one document of each size per service, to download
  const ids = new Map<BenchService, { small: string; large: string }>();
  for (const s of services) {
    const res = await fetch(uploadUrl(s), { method: 'POST', headers: { ...auth(s), 'content-type': 'application/pdf' }, body: new Uint8Array(small) });
    const smallId = ((await res.json()) as { id: string }).id;
    ids.set(s, { small: smallId, large: (await timeUpload(s.base, s.token, large.file, LARGE_BYTES)).id });
  }
  const results = new Map<string, Map<BenchService, Figure[]>>();
  const record = (k: string, s: BenchService, f: Figure) => {
    const m = results.get(k) ?? new Map<BenchService, Figure[]>();
    m.set(s, [...(m.get(s) ?? []), f]);
    results.set(k, m);
  };
  for (let round = 0; round < ROUNDS; round++) {
    console.log(`round ${round + 1}/${ROUNDS}`);
    const order = round % 2 ? [enc, plain] : [plain, enc];
    if (parts.has('small')) {
      for (const s of order) {
        record('upload 100 KiB', s, await load(s, { url: uploadUrl(s), method: 'POST', headers: { ...auth(s), 'content-type': 'application/pdf' }, body: small, connections: CLIENTS, duration: DURATION }));
      }
      for (const s of order) record('download 100 KiB', s, await load(s, { url: `${s.base}/v1/documents/${ids.get(s)!.small}/content`, headers: auth(s), connections: CLIENTS, duration: DURATION }));
    }
    if (parts.has('large')) {
      const label = `${LARGE_BYTES / 1024 / 1024} MiB`;
      for (const s of order) record(`upload ${label}`, s, await sequence(s, LARGE, async () => (await timeUpload(s.base, s.token, large.file, LARGE_BYTES)).seconds));
      for (const s of order) record(`download ${label}`, s, await sequence(s, LARGE, () => timeGet(`${s.base}/v1/documents/${ids.get(s)!.large}/content`, auth(s))));
    }
  }
  const rows: string[][] = [];
  for (const [k, m] of results) {
    const c = compare(m.get(enc)!, m.get(plain)!);
    const mibps = k.includes('MiB') ? (f: Figure) => ` (${((f.rps * LARGE_BYTES) / 1024 ** 2).toFixed(0)} MiB/s)` : () => '';
    const fig = (f: Figure) => `${f.rps.toFixed(f.rps < 10 ? 2 : 0)}/s${mibps(f)}, p50 ${f.p50} ms, p99 ${f.p99} ms`;
    rows.push([k, fig(c.b), fig(c.a), `**${c.ratio.toFixed(2)}** (${c.spread.map((x) => x.toFixed(2)).join('–')})`, `${c.b.cpuMsPerOp.toFixed(2)} / ${c.a.cpuMsPerOp.toFixed(2)} ms`, `${c.b.errors} / ${c.a.errors}`]);
  }
  console.log(`\nencrypted fs store / plaintext fs store, medians of ${ROUNDS} interleaved rounds; ${CLIENTS} clients for 100 KiB (${DURATION} s each), ${LARGE} sequential per round for large; CPU = service process tree incl. its PostgreSQL, per operation; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  printTable(['measure', 'plaintext', 'encrypted', 'encrypted / plaintext (spread)', 'CPU/op plain / enc', 'errors plain / enc'], rows);
} finally {
  await Promise.all(services.map((s) => s.stop()));
  await rm(work, { recursive: true, force: true });
}
