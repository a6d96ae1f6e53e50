// Load figures with their CPU cost: a closed-loop autocannon run or a sequence of single operations against a side
// whose CPU can be read, and the side-by-side summary (medians of interleaved rounds, the ratio and its spread).
import autocannon from 'autocannon';
import http from 'node:http';
import { median } from './common.ts';

export interface Side {
  name: string;
  base: string;
  /** CPU seconds so far of the side's process tree (its PostgreSQL included). */
  cpu(): number;
}

export interface Figure {
  /** Operations per second. */
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  cpuMsPerOp: number;
}

/** A closed-loop autocannon run: requests/s, latency, errors (incl. non-2xx) and the side's CPU per request. */
export async function load(side: Side, o: autocannon.Options): Promise<Figure> {
  const c0 = side.cpu();
  const r = await autocannon(o);
  const ops = r.requests.total;
  const cpu = side.cpu() - c0;
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, cpuMsPerOp: ops ? (cpu * 1000) / ops : NaN };
}

/** `n` operations one after the other (each returns its seconds): their rate, latency and the side's CPU per operation. */
export async function sequence(side: Side, n: number, op: () => Promise<number>): Promise<Figure> {
  const c0 = side.cpu();
  const lat: number[] = [];
  for (let i = 0; i < n; i++) lat.push(await op());
  const cpu = side.cpu() - c0;
  const total = lat.reduce((a, x) => a + x, 0);
  const sorted = lat.map((s) => s * 1000).sort((a, b) => a - b);
  return { rps: n / total, p50: Math.round(median(sorted)), p99: Math.round(sorted.at(-1)!), errors: 0, cpuMsPerOp: (cpu * 1000) / n };
}

/** GET a URL to the end, dropping the bytes: seconds. */
export function timeGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http
      .get(url, { headers }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode}`));
        res.on('data', () => undefined);
        res.on('end', () => resolve((performance.now() - t) / 1000));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Interleaved rounds of two sides on one measure: the median of each side's figures, the ratio of the medians (a / b)
 * and the spread of the per-round ratios.
 */
export function compare(a: Figure[], b: Figure[]): { a: Figure; b: Figure; ratio: number; spread: [number, number] } {
  const med = (fs: Figure[]): Figure => ({
    rps: median(fs.map((f) => f.rps)),
    p50: median(fs.map((f) => f.p50)),
    p99: median(fs.map((f) => f.p99)),
    errors: fs.reduce((s, f) => s + f.errors, 0),
    cpuMsPerOp: median(fs.map((f) => f.cpuMsPerOp)),
  });
  const ratios = a.map((f, i) => f.rps / b[i]!.rps);
  const ma = med(a);
  const mb = med(b);
  return { a: ma, b: mb, ratio: ma.rps / mb.rps, spread: [Math.min(...ratios), Math.max(...ratios)] };
}

/**
 * Open-loop load: operations start at `rate` per second (Poisson: exponential gaps) for `seconds`, whether or not the
 * earlier ones have finished; each latency counts from the operation's scheduled start, so a stall shows in the
 * figures instead of slowing the load (autocannon's rate option fires every connection on the same tick, which
 * measures bursts). `op` resolves true when the operation succeeded. Hand-written: a dozen lines.
 */
export async function openLoop(side: Pick<Side, 'cpu'>, rate: number, seconds: number, op: () => Promise<boolean>): Promise<Figure> {
  const lat: number[] = [];
  let errors = 0;
  const c0 = side.cpu();
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let at = 0; at < seconds * 1000; at += -Math.log(1 - Math.random()) * (1000 / rate)) {
    const wait = started + at - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const scheduled = started + at;
    inflight.push(
      op().then(
        (ok) => {
          if (!ok) errors++;
          lat.push(performance.now() - scheduled);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inflight);
  const cpu = side.cpu() - c0;
  lat.sort((a, b) => a - b);
  const q = (p: number) => Math.round((lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? NaN) * 10) / 10;
  return { rps: lat.length / ((performance.now() - started) / 1000), p50: q(0.5), p99: q(0.99), errors, cpuMsPerOp: lat.length ? (cpu * 1000) / lat.length : NaN };
}

/** One HTTP request over `agent`, the body read to the end: resolves whether it answered 2xx. */
export function httpOk(agent: http.Agent, url: string, o: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: o.method ?? 'GET', headers: o.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode! >= 200 && res.statusCode! < 300));
      res.on('error', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.end(o.body);
  });
}
