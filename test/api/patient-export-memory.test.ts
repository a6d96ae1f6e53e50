// The subject-access export streams with flat memory: a patient with 1 GiB of documents (16 × 64 MiB) is exported from
// a freshly started service in its own process, whose resident memory is sampled throughout. Two bounds:
//  - its peak grows by less than EXPORT_RSS_BOUND (256 MiB, a quarter of the patient's size) over the idle process;
//    measured here: +130-135 MiB, reached in the first seconds (V8's heap settling to its working size with Buffers
//    counted in it, bin/quill-docstore.js), then flat; the same export reading each 64 MiB document whole before
//    writing it measured +414 MiB and fails;
//  - flat: the peak of the export's second half is no more than FLAT_MARGIN (64 MiB) above its first half's, so memory
//    does not grow with what has been exported (an export keeping what it sent, or the archive, would).
// The zip is then opened and every file's SHA-256 checked against the manifest and the bytes uploaded. Bounds on
// memory, not timings: rates are in bench/export.ts.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { freePort } from '../../src/db/embedded.ts';
import { createTestDatabase } from '../support/database.ts';
import { DISCHARGE } from '../support/fixtures.ts';
import { BIN } from '../support/live-stores.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { spawnServer, type ServerProcess } from '../support/process.ts';
import { readZip } from '../support/zip.ts';

const MiB = 1024 * 1024;
const FILES = 16;
const FILE_SIZE = 64 * MiB;
const EXPORT_RSS_BOUND = 256 * MiB;
const FLAT_MARGIN = 64 * MiB;
const PATIENT = randomNhsNumber();

let db: { url: string; drop(): Promise<void> };
let work: string;
let server: ServerProcess;
let serverEnv: NodeJS.ProcessEnv;
let base: string;
let token: string;
const uploaded = new Map<string, string>(); // document id → SHA-256

/** The service's own node process (spawnServer runs it under a small shell supervisor). */
async function servicePid(): Promise<number> {
  const sh = server.child.pid!;
  const children = (await readFile(`/proc/${sh}/task/${sh}/children`, 'utf8')).trim().split(/\s+/).map(Number);
  const node = [];
  for (const pid of children) if ((await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0] === process.execPath) node.push(pid);
  expect(node).toHaveLength(1);
  return node[0]!;
}

const statusKb = async (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** 64 MiB that start like a PDF: a random MiB repeated, each copy stamped with its index so no two files share bytes. */
function pdfStream(n: number, block: Buffer): { stream: Readable; sha256: Promise<string> } {
  const h = createHash('sha256');
  let done!: (s: string) => void;
  const sha256 = new Promise<string>((r) => (done = r));
  const stream = Readable.from(
    (function* () {
      for (let i = 0; i < FILE_SIZE / MiB; i++) {
        const chunk = Buffer.from(block);
        if (i === 0) Buffer.from('%PDF-1.7\n').copy(chunk, 0);
        chunk.writeUInt32BE(n * 1000 + i, 16);
        h.update(chunk);
        yield chunk;
      }
      done(h.digest('hex'));
    })(),
    { objectMode: false },
  );
  return { stream, sha256 };
}

function uploadStream(n: number, block: Buffer): Promise<void> {
  const { stream, sha256 } = pdfStream(n, block);
  return new Promise((resolve, reject) => {
    const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: `Scan ${n}`, filename: `scan-${n}.pdf` });
    const req = http.request(`${base}/v1/documents?${q}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/pdf', 'content-length': String(FILE_SIZE) } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', async () => {
        if (res.statusCode !== 201) return reject(new Error(`upload ${res.statusCode}: ${body}`));
        uploaded.set((JSON.parse(body) as { id: string }).id, await sha256);
        resolve();
      });
    });
    req.on('error', reject);
    stream.pipe(req);
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  work = await mkdtemp(path.join(os.tmpdir(), 'quill-export-mem-'));
  const secret = randomBytes(32).toString('base64url');
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, QUILL_DATA_DIR: path.join(work, 'data'), QUILL_JWT_SECRET: secret, HOST: '127.0.0.1', PORT: String(await freePort()), LOG_LEVEL: 'warn', QUILL_SCRUB_RATE: '0' };
  delete env.QUILL_FHIR_URL;
  serverEnv = env;
  await startService();
  token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'rm.big', roles: ['records-manager'] });
  const block = randomBytes(MiB);
  for (let n = 0; n < FILES; n += 2) await Promise.all([uploadStream(n, block), uploadStream(n + 1, block)]);
  // a fresh process for the export: the uploads' own buffers would otherwise be the baseline, and hide growth
  await server.stop(15_000);
  await startService();
}, 300_000);

async function startService(): Promise<void> {
  server = spawnServer('export-memory', process.execPath, [BIN, 'start'], { env: serverEnv });
  base = (await server.waitForLine(/running at (http:\/\/\S+)/, 120_000))[1]!;
}

afterAll(async () => {
  await server?.stop(15_000);
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
}, 60_000);

describe('export of a 1 GiB patient', () => {
  it(`keeps the service's peak RSS growth under ${EXPORT_RSS_BOUND / MiB} MiB and flat, and every file in the zip matches its SHA-256`, async () => {
    const pid = await servicePid();
    await sleep(500);
    const before = await statusKb(pid, 'VmRSS');
    // peak RSS from here: reset the high-water mark (Linux clear_refs 5), and sample too in case it cannot be reset
    await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
    const samples: { at: number; rss: number }[] = [];
    const sampler = setInterval(() => void statusKb(pid, 'VmRSS').then((rss) => samples.push({ at: Date.now(), rss }), () => undefined), 50);
    const started = Date.now();
    const file = path.join(work, 'export.zip');
    try {
      const res = await fetch(`${base}/v1/patients/${PATIENT}/export`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      await pipeline(Readable.fromWeb(res.body as never), createWriteStream(file));
    } finally {
      clearInterval(sampler);
    }
    const half = started + (Date.now() - started) / 2;
    const peakOf = (xs: { rss: number }[]) => Math.max(before, ...xs.map((x) => x.rss));
    const [firstHalf, secondHalf] = [peakOf(samples.filter((x) => x.at < half)), peakOf(samples.filter((x) => x.at >= half))];
    const peak = Math.max(await statusKb(pid, 'VmHWM'), firstHalf, secondHalf);
    const growth = peak - before;
    const m = (b: number) => Math.round(b / MiB);
    console.log(`[export memory] service RSS before ${m(before)} MiB; peak ${m(peak)} MiB (+${m(growth)} MiB), first half ${m(firstHalf)} MiB, second half ${m(secondHalf)} MiB; ${m(FILES * FILE_SIZE)} MiB exported`);
    expect(samples.length).toBeGreaterThan(20);
    expect(growth).toBeLessThan(EXPORT_RSS_BOUND);
    expect(secondHalf).toBeLessThanOrEqual(firstHalf + FLAT_MARGIN);

    const entries = await readZip(file, (n) => n === 'manifest.json');
    const manifest = JSON.parse(entries.get('manifest.json')!.text!) as { documents: { id: string; versions: { file: string; sha256: string; size: number }[] }[] };
    expect(manifest.documents).toHaveLength(FILES);
    for (const d of manifest.documents) {
      const [v] = d.versions;
      expect(entries.get(v!.file)?.sha256).toBe(v!.sha256);
      expect(entries.get(v!.file)?.size).toBe(FILE_SIZE);
      expect(uploaded.get(d.id)).toBe(v!.sha256);
    }
  }, 300_000);
});
