/**
 * The hot paths side by side with Supabase Storage (the peer; ../shared/peers/supabase-storage/setup.sh starts it on
 * 127.0.0.1:5000), same machine, same client (autocannon in this process), interleaved rounds (ours, peer, ours,
 * peer, …), medians. Printed, never asserted:
 *  - patient list, a page of 50, 50 connections (also at a --rate below saturation, and with 1 connection, for the
 *    page's own latency), over --documents (1,000,000) seeded through SQL across --patients
 *    (10,000) patients; the peer lists one prefix of the same number of objects, seeded into its own table the same way;
 *  - download-URL issuance, 50 connections (ours: access check + audit row in one statement, durable before the URL);
 *  - 100 KiB and 1 MiB uploads, 16 clients;
 *  - one 200 MiB upload against `cp` of the same file with fsync on the same disk;
 *  - baselines: the raw list SELECT through postgres.js at 50 callers, the disk copy;
 *  - each server's CPU (Node + its PostgreSQL) per operation;
 *  - a soak: the list at 50 connections for --soak seconds, the rate per minute, last minute / first.
 * Usage: node bench/scale.ts [--parts list,url,small,large,soak] [--rounds 3] [--duration 10] [--soak 300] [--rate 100]
 *        [--documents 1000000] [--patients 10000] [--peer http://127.0.0.1:5000 | --peer none]
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import pino from 'pino';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { postmasterPid, treeCpuSeconds } from './support/proc-cpu.ts';
import { makePdf, printTable, timeCopy } from './support/common.ts';
import { httpOk, load as loadFigure, openLoop as openLoopOn, type Figure, type Side as LoadSide } from './support/load.ts';
import { nhsNumbers, seedDocuments } from './support/seed-documents.ts';
import { resetPeak, startService, statusField, type BenchService } from './support/service.ts';

const { values } = parseArgs({
  options: {
    parts: { type: 'string', default: 'list,url,small,large,soak' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    soak: { type: 'string', default: '300' },
    rate: { type: 'string', default: '100' },
    documents: { type: 'string', default: '1000000' },
    patients: { type: 'string', default: '10000' },
    peer: { type: 'string', default: 'http://127.0.0.1:5000' },
    'peer-pg': { type: 'string', default: 'postgresql://postgres:postgres@127.0.0.1:5433/storage' },
    'peer-dir': { type: 'string', default: '/tmp/supa' },
  },
});
const parts = new Set(values.parts!.split(','));
const ROUNDS = Number(values.rounds);
const DURATION = Number(values.duration);
const DOCS = Number(values.documents);
const PATIENTS = Number(values.patients);
const RATE = Number(values.rate);
const RUN = randomBytes(4).toString('hex');
// The peer's service-role key: HS256 with AUTH_JWT_SECRET of ../shared/peers/supabase-storage/env.file.
const PEER_SECRET = process.env.QUILL_BENCH_PEER_JWT_SECRET ?? 'f023d3db-39dc-4ac9-87b2-b2be72e9162b';

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-scale-'));
await chmod(work, 0o755);
const log = pino({ level: 'warn' });
let service: BenchService | null = null;
let db: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
let sql: postgres.Sql | null = null;

/** A server under load: its CPU (process tree and its PostgreSQL) and its Node process, whose peak RSS is read. */
interface Side extends LoadSide {
  pid: number;
}
/** A figure and, for uploads, the server's peak RSS (VmHWM) during it. */
type Measured = Figure & { peakRss?: number };

try {
  db = await startEmbeddedPostgres(path.join(work, 'pg'), log);
  const pgPid = postmasterPid(path.join(work, 'pg', 'pg', ''));
  sql = postgres(db.url, { max: 50, onnotice: () => undefined });
  // (startService turns the background scrubber off: the seeded versions are metadata without bytes, and it would
  // flag each one as missing, unthrottled since nothing is read, beside the load)
  service = await startService('Quill', path.join(work, 'data'), { DATABASE_URL: db.url }, () => [pgPid]);
  const ours: Side = { name: 'Quill', base: service.base, cpu: service.cpu, pid: service.proc.pid! };
  const auth = { authorization: `Bearer ${service.token}` };

  const peer = await openPeer();
  const peerAuth: Record<string, string> = peer ? { authorization: `Bearer ${peer.token}`, apikey: peer.token } : {};
  if (!peer) console.log(`(peer not reachable at ${values.peer}: our figures only)`);

  // ---- seed ----
  const patients = nhsNumbers(PATIENTS);
  const listPatient = patients[1]!;
  let perPrefix = 0;
  if (parts.has('list') || parts.has('soak')) {
    const t = performance.now();
    await seedDocuments(sql, { patients, heavy: 0, perHeavy: 0 }, 0, DOCS, { bulk: DOCS >= 500_000 });
    console.log(`seeded ${DOCS.toLocaleString()} documents over ${PATIENTS.toLocaleString()} patients through SQL in ${((performance.now() - t) / 1000).toFixed(0)} s`);
    if (peer) {
      const t2 = performance.now();
      perPrefix = await seedPeer(peer.sql, DOCS, PATIENTS);
      console.log(`seeded the peer's storage.objects with ${DOCS.toLocaleString()} rows (${perPrefix} per prefix) in ${((performance.now() - t2) / 1000).toFixed(0)} s`);
    }
  }
  const pdf = (n: number) => Buffer.concat([Buffer.from('%PDF-1.7\n%bench\n'), randomBytes(n - 16)]);
  const one = await httpJson(`${ours.base}/v1/documents?patient=${listPatient}&type=373942005&title=bench`, 'POST', { ...auth, 'content-type': 'application/pdf' }, pdf(10_000));
  const docId = (one as { id: string }).id;
  if (peer) await httpJson(`${values.peer}/object/bench/url/one.pdf`, 'POST', { ...peerAuth, 'content-type': 'application/pdf', 'x-upsert': 'true' }, pdf(10_000));

  const results = new Map<string, { ours: Measured[]; peer: Measured[]; baseline?: Measured[] }>();
  const record = (k: string, who: 'ours' | 'peer' | 'baseline', f: Measured) => {
    const r = results.get(k) ?? { ours: [], peer: [] };
    (r[who] ??= []).push(f);
    results.set(k, r);
  };

  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`round ${round}/${ROUNDS}`);
    if (parts.has('list')) {
      record('list', 'ours', await load(ours, { url: `${ours.base}/v1/documents?patient=${listPatient}&limit=50`, headers: auth, connections: 50 }));
      if (peer) record('list', 'peer', await load(peer.side, { url: `${values.peer}/object/list/bench`, method: 'POST', headers: { ...peerAuth, 'content-type': 'application/json' }, body: JSON.stringify({ prefix: 'p1/', limit: 50 }), connections: 50 }));
      record('list', 'baseline', await rawSelect(sql, listPatient));
      // the first page's latency when 50 connections are open but the load is below saturation (an open-loop rate)
      record(`list, 50 conn. at ${RATE}/s`, 'ours', await openLoop(ours, `${ours.base}/v1/documents?patient=${listPatient}&limit=50`, { method: 'GET', headers: auth }));
      if (peer) record(`list, 50 conn. at ${RATE}/s`, 'peer', await openLoop(peer.side, `${values.peer}/object/list/bench`, { method: 'POST', headers: { ...peerAuth, 'content-type': 'application/json' }, body: JSON.stringify({ prefix: 'p1/', limit: 50 }) }));
      // the same first page with one client: its latency without 50 connections queueing for two cores
      record('list, 1 connection', 'ours', await load(ours, { url: `${ours.base}/v1/documents?patient=${listPatient}&limit=50`, headers: auth, connections: 1 }));
      if (peer) record('list, 1 connection', 'peer', await load(peer.side, { url: `${values.peer}/object/list/bench`, method: 'POST', headers: { ...peerAuth, 'content-type': 'application/json' }, body: JSON.stringify({ prefix: 'p1/', limit: 50 }), connections: 1 }));
    }
    if (parts.has('url')) {
      record('url', 'ours', await load(ours, { url: `${ours.base}/v1/documents/${docId}/download-url`, method: 'POST', headers: auth, connections: 50 }));
      if (peer) record('url', 'peer', await load(peer.side, { url: `${values.peer}/object/sign/bench/url/one.pdf`, method: 'POST', headers: { ...peerAuth, 'content-type': 'application/json' }, body: JSON.stringify({ expiresIn: 3600 }), connections: 50 }));
    }
    if (parts.has('small')) {
      for (const [label, size] of [['100 KiB', 100 * 1024], ['1 MiB', 1024 * 1024]] as const) {
        const body = pdf(size);
        record(`upload ${label}`, 'ours', await withPeak(ours, () => load(ours, { url: `${ours.base}/v1/documents?patient=${patients[2]}&type=373942005&title=bench`, method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body, connections: 16 })));
        if (peer) {
          let n = 0;
          const prefix = `up/${RUN}/${round}-${size}`; // fresh keys every run: the peer answers a reused key with 400
          record(`upload ${label}`, 'peer', await withPeak(peer.side, () => load(peer.side, {
            url: `${values.peer}/object/bench/${prefix}/0.pdf`,
            method: 'POST',
            headers: { ...peerAuth, 'content-type': 'application/pdf' },
            body,
            connections: 16,
            requests: [{ setupRequest: ((req: Record<string, unknown>) => ({ ...req, path: `/object/bench/${prefix}/${n++}.pdf` })) as never }],
          })));
        }
      }
    }
    if (parts.has('large')) {
      const { file } = await makePdf(path.join(work, 'large.pdf'), 200 * 1024 * 1024);
      record('upload 200 MiB', 'baseline', await once(() => timeCopy(file)));
      record('upload 200 MiB', 'ours', await once(() => timeUpload(`${ours.base}/v1/documents?patient=${patients[3]}&type=373942005&title=large`, auth, file), ours));
      if (peer) record('upload 200 MiB', 'peer', await once(() => timeUpload(`${values.peer}/object/bench/large/${round}.pdf`, { ...peerAuth, 'x-upsert': 'true' }, file), peer.side));
      await rm(file);
    }
  }

  // ---- report ----
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const rows: string[][] = [];
  for (const [k, r] of results) {
    const o = { rps: med(r.ours.map((f) => f.rps)), p50: med(r.ours.map((f) => f.p50)), p99: med(r.ours.map((f) => f.p99)), cpu: med(r.ours.map((f) => f.cpuMsPerOp)), err: r.ours.reduce((a, f) => a + f.errors, 0) };
    const p = r.peer.length ? { rps: med(r.peer.map((f) => f.rps)), p99: med(r.peer.map((f) => f.p99)), cpu: med(r.peer.map((f) => f.cpuMsPerOp)), err: r.peer.reduce((a, f) => a + f.errors, 0) } : null;
    // the largest of the rounds' peaks: the most memory each server took under this load
    const peak = (fs: Measured[]) => Math.max(0, ...fs.map((f) => f.peakRss ?? 0)) / 1024 ** 2;
    const rss = peak(r.ours) ? `${peak(r.ours).toFixed(0)} / ${r.peer.length ? `${peak(r.peer).toFixed(0)} MiB (**${(peak(r.ours) / peak(r.peer)).toFixed(2)}**)` : '-'}` : '-';
    const b = r.baseline?.length ? med(r.baseline.map((f) => f.rps)) : null;
    const single = k.startsWith('upload 200');
    const fmt = (x: number) => (single ? `${(1 / x).toFixed(2)} s` : `${x.toFixed(0)}/s`);
    rows.push([
      k,
      `${fmt(o.rps)}${single ? '' : `, p50 ${o.p50} ms, p99 ${o.p99} ms`}`,
      p ? `${fmt(p.rps)}${single ? '' : `, p99 ${p.p99} ms`}` : '-',
      p ? (o.rps / p.rps).toFixed(2) : '-',
      b === null ? '-' : `${fmt(b)} (ours/baseline ${(o.rps / b).toFixed(2)})`,
      `${o.cpu.toFixed(2)} ms`,
      p ? `${p.cpu.toFixed(2)} ms` : '-',
      String(o.err),
      p ? String(p.err) : '-',
      rss,
    ]);
  }
  console.log(`\nmedians of ${ROUNDS} interleaved rounds of ${DURATION} s; rate ratio = ours / peer (> 1: ours faster); CPU = server process tree incl. its PostgreSQL, per operation`);
  console.log('baselines: list = the list SELECT alone through postgres.js (50 callers, no HTTP, no audit); 200 MiB = cp of the file with fsync');
  printTable(['path', 'Quill', 'Supabase Storage', 'ratio', 'baseline', 'Quill CPU/op', 'peer CPU/op', 'Quill errors', 'peer errors', 'peak RSS Quill / peer'], rows);

  if (parts.has('soak')) {
    // the large uploads just before leave gigabytes of dirty pages to the kernel; their writeback is not the service's
    // decay, so the soak starts once it is done
    spawnSync('sync');
    await soak(ours, auth, Number(values.soak), patients);
  }
  await peer?.sql.end();
} finally {
  await service?.stop();
  await sql?.end();
  await db?.stop();
  await rm(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------------

async function openPeer() {
  if (values.peer === 'none') return null;
  try {
    if (!(await fetch(`${values.peer}/status`)).ok) return null;
  } catch {
    return null;
  }
  const token = await new SignJWT({ role: 'service_role' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('2h').sign(new TextEncoder().encode(PEER_SECRET));
  await fetch(`${values.peer}/bucket`, { method: 'POST', headers: { authorization: `Bearer ${token}`, apikey: token, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench' }) });
  const serverPid = Number(readFileSync(`${values['peer-dir']}/server.pid`, 'utf8'));
  const pgPid = postmasterPid(`${values['peer-dir']}/pg/data`);
  return { token, sql: postgres(values['peer-pg']!, { max: 4, onnotice: () => undefined }), side: { name: 'peer', base: values.peer!, cpu: () => treeCpuSeconds(serverPid, pgPid), pid: serverPid } satisfies Side };
}

/** The same number of rows in the peer's storage.objects (prefix p<i mod patients>/), as its file backend records them. */
async function seedPeer(s: postgres.Sql, total: number, prefixes: number): Promise<number> {
  const [have] = await s<{ n: number }[]>`select count(*)::int as n from storage.objects where bucket_id = 'bench' and name like 'p%'`;
  if ((have?.n ?? 0) < total) {
    for (let from = 1; from <= total; from += 100_000) {
      const to = Math.min(total, from + 99_999);
      await s`
        insert into storage.objects (bucket_id, name, owner, metadata, version)
        select 'bench', 'p' || (i % ${prefixes}) || '/' || i || '.pdf', null,
          jsonb_build_object('eTag', '"' || md5(i::text) || '"', 'size', 100000, 'mimetype', 'application/pdf', 'cacheControl', 'no-cache',
            'lastModified', now(), 'contentLength', 100000, 'httpStatusCode', 200), gen_random_uuid()::text
        from generate_series(${from}::int, ${to}::int) i
        on conflict do nothing`;
      process.stdout.write(`\r  peer ${to.toLocaleString()} rows`);
    }
    process.stdout.write('\n');
    await s`vacuum analyze storage.objects`;
  }
  return Math.floor(total / prefixes);
}

/** The list statement alone, no HTTP, no audit: what PostgreSQL and the driver can do at 50 callers. */
async function rawSelect(s: postgres.Sql, patient: string): Promise<Figure> {
  const stop = Date.now() + DURATION * 1000;
  const lat: number[] = [];
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (Date.now() < stop) {
        const t = performance.now();
        // the page's rows as a plain SELECT (the service writes them as JSON and adds its audit row in the same statement)
        await s`select d.*, case when exists (select 1 from legal_holds where lifted_at is null) then document_on_hold(d) else false end as on_hold,
                       v.version as v_version, v.content_type, v.size, v.sha256, v.filename
                from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version
                where d.patient_nhs = ${patient} and d.disposal_id is null and d.status = 'current' order by d.created_at desc, d.id desc limit 51`;
        lat.push(performance.now() - t);
      }
    }),
  );
  lat.sort((a, b) => a - b);
  return { rps: lat.length / DURATION, p50: Math.round(lat[Math.floor(lat.length / 2)]!), p99: Math.round(lat[Math.floor(lat.length * 0.99)]!), errors: 0, cpuMsPerOp: NaN };
}

/** Open-loop requests at RATE over DURATION s (support/load.ts openLoop) on a pool of 50 keep-alive connections. */
async function openLoop(side: Side, url: string, o: { method: string; headers: Record<string, string>; body?: string }): Promise<Figure> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  try {
    return await openLoopOn(side, RATE, DURATION, () => httpOk(agent, url, o));
  } finally {
    agent.destroy();
  }
}

function load(side: Side, o: autocannon.Options): Promise<Figure> {
  return loadFigure(side, { duration: DURATION, ...o });
}

/** A load, with the peak RSS (VmHWM) of the side's Node process during it. */
async function withPeak(side: Side, run: () => Promise<Figure>): Promise<Measured> {
  await resetPeak(side.pid);
  const f = await run();
  return { ...f, peakRss: await statusField(side.pid, 'VmHWM').catch(() => 0) };
}

async function once(fn: () => Promise<number>, side?: Side): Promise<Figure> {
  const c0 = side?.cpu() ?? 0;
  const seconds = await fn();
  const cpu = side ? side.cpu() - c0 : NaN;
  return { rps: 1 / seconds, p50: Math.round(seconds * 1000), p99: Math.round(seconds * 1000), errors: 0, cpuMsPerOp: cpu * 1000 };
}

/** cp with fsync: read, write, fsync the copy, on the same disk. */
function timeUpload(url: string, headers: Record<string, string>, file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/pdf' } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode! < 300 ? resolve((performance.now() - t) / 1000) : reject(new Error(`upload ${res.statusCode}: ${body.slice(0, 300)}`))));
    });
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

async function httpJson(url: string, method: string, headers: Record<string, string>, body: Buffer | string): Promise<unknown> {
  const res = await fetch(url, { method, headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * The list at 50 connections for `seconds` (pages spread over 50 patients), counting completed requests per window
 * (a minute when the soak is 5 minutes or longer, a fifth of it otherwise): the last window's rate against the first.
 */
async function soak(side: Side, headers: Record<string, string>, seconds: number, patients: string[]): Promise<void> {
  const window = seconds >= 300 ? 60 : seconds / 5;
  console.log(`\nsoak: patient list, page of 50, 50 connections, ${seconds} s, windows of ${window} s`);
  const counts: number[] = [];
  const started = Date.now();
  const c0 = side.cpu();
  let i = 0;
  const r = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon(
      {
        duration: seconds,
        connections: 50,
        headers,
        url: side.base,
        requests: [{ setupRequest: ((req: Record<string, unknown>) => ({ ...req, path: `/v1/documents?patient=${patients[i++ % 50]}&limit=50` })) as never }],
      },
      (e, res) => (e ? reject(e) : resolve(res)),
    );
    inst.on('response', () => {
      const w = Math.floor((Date.now() - started) / 1000 / window);
      counts[w] = (counts[w] ?? 0) + 1;
    });
  });
  const cpu = side.cpu() - c0;
  const rates = counts.slice(0, Math.floor(seconds / window)).map((n) => n / window);
  console.log(`  rate per window (req/s): ${rates.map((x) => x.toFixed(0)).join(', ')}`);
  if (rates.length >= 2) console.log(`  last window / first: ${((rates.at(-1)! / rates[0]!) * 100).toFixed(0)} %`);
  console.log(`  overall ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${r.errors + r.non2xx}, CPU ${((cpu * 1000) / r.requests.total).toFixed(2)} ms/op`);
}
