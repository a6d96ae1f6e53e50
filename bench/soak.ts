/**
 * A mixed soak (issue 26, memory): one service as `npm start` runs it (fs store with encryption at rest, embedded
 * PostgreSQL), --clients closed-loop clients for --minutes, each drawing its next operation at random: a small upload
 * (--upload-kib, raw PDF, to one of 100 patients), the first page of a patient's list, or a download (GET /content,
 * verified on the way out) of a document uploaded earlier. Every --window minutes it prints the rate of each operation,
 * errors, and the service's RSS (median and highest of samples every 5 s); at the end, the last window against the first:
 * rate ratio (aim ≥ 0.95) and RSS ratio (aim within 10 %). Printed, never asserted.
 * The uploads stay small so a long soak fits on the disk (32 KiB × ~50/s × 30 min ≈ 3 GB); the data directory is removed
 * at the end.
 * Usage: npm run bench:soak [-- --minutes 30 --window 5 --clients 16 --upload-kib 32]
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median, printTable } from './support/common.ts';
import { nhsNumbers } from './support/seed-documents.ts';
import { startService } from './support/service.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    window: { type: 'string', default: '5' },
    clients: { type: 'string', default: '16' },
    'upload-kib': { type: 'string', default: '32' },
  },
});
const MINUTES = Number(values.minutes);
const WINDOW_MS = Number(values.window) * 60_000;
const CLIENTS = Number(values.clients);
const UPLOAD = Buffer.concat([Buffer.from('%PDF-1.7\n%soak\n'), randomBytes(Number(values['upload-kib']) * 1024 - 15)]);
const OPS = ['upload', 'list', 'download'] as const;
type Op = (typeof OPS)[number];

interface Window {
  ops: Record<Op, number>;
  errors: number;
  latencies: number[];
  rss: number[];
}
const newWindow = (): Window => ({ ops: { upload: 0, list: 0, download: 0 }, errors: 0, latencies: [], rss: [] });

/** One request over the keep-alive agent, the body read to the end: its status and body (kept only when asked). */
function request(agent: http.Agent, url: string, o: { method?: string; headers: Record<string, string>; body?: Buffer; keep?: boolean }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => o.keep && chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-soak-'));
await chmod(work, 0o755);
// the clients are one user: its bound on downloads in progress must not refuse some of them
const service = await startService('soak', path.join(work, 'data'), { QUILL_MAX_OPEN_DOWNLOADS: String(CLIENTS) });
try {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const auth = { authorization: `Bearer ${service.token}` };
  const patients = nhsNumbers(100);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
  const ids: string[] = [];
  const upload = async (): Promise<number> => {
    const r = await request(agent, `${service.base}/v1/documents?patient=${pick(patients)}&type=373942005&title=soak`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: UPLOAD, keep: true });
    if (r.status === 201) ids.push((JSON.parse(r.body) as { id: string }).id);
    return r.status;
  };
  for (let i = 0; i < 200; i++) await upload(); // something to list and download from the start

  const windows: Window[] = Array.from({ length: Math.ceil((MINUTES * 60_000) / WINDOW_MS) }, newWindow);
  const started = performance.now();
  const end = started + MINUTES * 60_000;
  const index = () => Math.min(windows.length - 1, Math.floor((performance.now() - started) / WINDOW_MS));
  const current = () => windows[index()]!;
  let reported = 0;
  const ticker = setInterval(() => {
    for (; reported < index(); reported++) report(reported, windows[reported]!);
  }, 1000);
  const sampler = setInterval(() => void service.rss().then((b) => current().rss.push(b)), 5000);
  const client = async () => {
    while (performance.now() < end) {
      const op = pick(OPS);
      const t = performance.now();
      let status: number;
      try {
        status = op === 'upload' ? await upload() : (await request(agent, op === 'list' ? `${service.base}/v1/documents?patient=${pick(patients)}&limit=50` : `${service.base}/v1/documents/${pick(ids)}/content`, { headers: auth })).status;
      } catch {
        status = 0;
      }
      const w = current();
      if (status >= 200 && status < 300) {
        w.ops[op]++;
        w.latencies.push(performance.now() - t);
      } else w.errors++;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  clearInterval(ticker);
  clearInterval(sampler);
  agent.destroy();
  for (; reported < windows.length; reported++) report(reported, windows[reported]!);

  const rate = (w: Window) => (w.ops.upload + w.ops.list + w.ops.download) / (WINDOW_MS / 1000);
  const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  const [first, last] = [windows[0]!, windows.at(-1)!];
  console.log(`\nmixed soak, ${MINUTES} min, ${CLIENTS} clients, windows of ${WINDOW_MS / 60_000} min (load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  printTable(
    ['window', 'ops/s (upload / list / download)', 'p50 / p99', 'errors', 'RSS median / highest'],
    windows.map((w, i) => {
      const lat = w.latencies.sort((a, b) => a - b);
      const secs = WINDOW_MS / 1000;
      return [`${i + 1}`, `${rate(w).toFixed(0)} (${(w.ops.upload / secs).toFixed(0)} / ${(w.ops.list / secs).toFixed(0)} / ${(w.ops.download / secs).toFixed(0)})`, `${median(lat).toFixed(1)} / ${(lat[Math.floor(lat.length * 0.99)] ?? NaN).toFixed(1)} ms`, String(w.errors), `${mib(median(w.rss))} / ${mib(Math.max(...w.rss))}`];
    }),
  );
  console.log(`last window / first: rate ${(rate(last) / rate(first)).toFixed(3)} (aim ≥ 0.95), RSS median ${(median(last.rss) / median(first.rss)).toFixed(3)} (aim ≤ 1.10); ${ids.length} documents uploaded`);
} finally {
  await service.stop();
  await rm(work, { recursive: true, force: true });
}

function report(i: number, w: Window): void {
  const secs = WINDOW_MS / 1000;
  console.log(`window ${i + 1}: ${((w.ops.upload + w.ops.list + w.ops.download) / secs).toFixed(0)} ops/s, ${w.errors} errors, RSS median ${(median(w.rss) / 1024 ** 2).toFixed(0)} MiB`);
}
