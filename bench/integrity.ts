/**
 * Integrity-at-rest benchmarks, printed as a table (never asserted in tests):
 *  - the filesystem store's put and get throughput with encryption at rest (the default) against plaintext
 *    (QUILL_FS_ENCRYPTION=false), same disk, same streaming path, put fsynced as always; the cost as a ratio;
 *  - the scrubber's read-and-verify path (get + decrypt + SHA-256, no rate limit) in MiB/s;
 *  - a Range read of 1 MiB from the middle of a large encrypted object (only the covering chunks are decrypted).
 *  - the same through the API: POST /v1/documents (raw body) and GET /content against two running services, one
 *    with QUILL_FS_ENCRYPTION=false, requests alternating between them so both see the same machine load.
 *  - audit rows written per second by 32 concurrent writers with the hash-chain trigger on and off (embedded PostgreSQL).
 * Usage: npm run bench:integrity [-- --size-mib 512 --api-mib 256 --runs 3]
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod } from 'node:fs/promises';
import http from 'node:http';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded.ts';
import { connect } from '../src/db/sql.ts';
import { migrate } from '../src/db/migrate.ts';
import { recordAudit } from '../src/audit/audit-log.ts';
import { createLogger } from '../src/bootstrap.ts';
import { FsBlobStore } from '../src/blobstores/fs-store.ts';
import { Keyring } from '../src/blobstores/encryption/keyring.ts';
import { digestObject } from '../src/integrity/scrubber.ts';
import { timeUpload, waitReady } from './support/common.ts';

const { values } = parseArgs({ options: { 'size-mib': { type: 'string', default: '512' }, 'api-mib': { type: 'string', default: '256' }, runs: { type: 'string', default: '3' } } });
const MiB = 1024 * 1024;
const size = Number(values['size-mib']) * MiB;
const runs = Number(values.runs);

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-int-'));
await chmod(work, 0o755); // as root, embedded PostgreSQL runs as 'postgres' and must reach its directory
try {
  const keyring = await Keyring.load({ kek: null, previous: [], file: path.join(work, 'fs-kek'), generate: true });
  const stores = {
    plaintext: new FsBlobStore({ dir: path.join(work, 'plain'), signingKey: randomBytes(32), baseUrl: () => '' }),
    encrypted: new FsBlobStore({ dir: path.join(work, 'enc'), signingKey: randomBytes(32), baseUrl: () => '', keyring }),
  };
  // 1 MiB of random bytes repeated: incompressible per chunk, and generating it costs nothing during the timing
  const block = randomBytes(MiB);
  const source = () => Readable.from((function* () { for (let i = 0; i < size / MiB; i++) yield block; })(), { objectMode: false });

  const best = { plaintext: { put: 0, get: 0 }, encrypted: { put: 0, get: 0 } };
  let scrubRate = 0;
  for (let r = 0; r < runs; r++) {
    for (const kind of ['plaintext', 'encrypted'] as const) {
      const store = stores[kind];
      const key = `documents/bench/${kind}-${r}`;
      let t = process.hrtime.bigint();
      await store.put(key, source(), { contentType: 'application/pdf' });
      const putS = Number(process.hrtime.bigint() - t) / 1e9;
      t = process.hrtime.bigint();
      const h = createHash('sha256');
      for await (const c of await store.get(key, null)) h.update(c as Buffer); // as /content does: hash while streaming
      h.digest();
      const getS = Number(process.hrtime.bigint() - t) / 1e9;
      best[kind].put = Math.max(best[kind].put, size / MiB / putS);
      best[kind].get = Math.max(best[kind].get, size / MiB / getS);
      if (kind === 'encrypted') {
        t = process.hrtime.bigint();
        await digestObject(store, key, null);
        scrubRate = Math.max(scrubRate, size / MiB / (Number(process.hrtime.bigint() - t) / 1e9));
      }
      if (r < runs - 1) await store.delete(key, null);
    }
  }
  let t = process.hrtime.bigint();
  let got = 0;
  for await (const c of await stores.encrypted.getRange(`documents/bench/encrypted-${runs - 1}`, null, { start: Math.floor(size / 2), end: Math.floor(size / 2) + MiB - 1 })) got += (c as Buffer).length;
  const rangeMs = Number(process.hrtime.bigint() - t) / 1e6;

  const pct = (e: number, p: number) => `${(((p - e) / p) * 100).toFixed(1)} %`;
  const rows = [
    ['fs put (upload path, fsync)', best.plaintext.put, best.encrypted.put, pct(best.encrypted.put, best.plaintext.put)],
    ['fs get + SHA-256 (download path)', best.plaintext.get, best.encrypted.get, pct(best.encrypted.get, best.plaintext.get)],
  ];
  process.stdout.write(`\nIntegrity at rest, ${size / MiB} MiB objects, best of ${runs} (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? '?'})\n\n`);
  process.stdout.write('| path | plaintext MiB/s | encrypted MiB/s | cost of encryption |\n|---|---:|---:|---:|\n');
  for (const [name, p, e, c] of rows) process.stdout.write(`| ${name} | ${(p as number).toFixed(0)} | ${(e as number).toFixed(0)} | ${c} |\n`);
  process.stdout.write(`\nscrub read + decrypt + SHA-256 (unthrottled): ${scrubRate.toFixed(0)} MiB/s\n`);
  process.stdout.write(`Range read of ${got / MiB} MiB from the middle of the encrypted object: ${rangeMs.toFixed(1)} ms\n`);
  await apiBench();
  await auditChainBench();
} finally {
  await rm(work, { recursive: true, force: true });
}

async function apiBench(): Promise<void> {
  const apiSize = Number(values['api-mib']) * MiB;
  if (!apiSize) return;
  const secret = randomBytes(32).toString('base64url');
  const token = await mintDevToken(Buffer.from(secret), { issuer: 'quill-docstore-dev', audience: 'quill-docstore', rolesClaim: 'roles' }, { sub: 'bench', roles: ['clinician'] });
  const file = path.join(work, 'doc.pdf');
  const out = createWriteStream(file);
  out.write('%PDF-1.7\n%bench\n');
  const block = randomBytes(MiB);
  for (let left = apiSize - 16; left > 0; left -= MiB) if (!out.write(block.subarray(0, Math.min(left, MiB)))) await new Promise((r) => out.once('drain', r));
  await new Promise<void>((r, j) => out.end((e?: Error) => (e ? j(e) : r())));

  const servers: { name: string; base: string; proc: ChildProcess }[] = [];
  try {
    for (const [name, enc] of [['plaintext', 'false'], ['encrypted', 'true']] as const) {
      const port = await freePort();
      const proc = spawn(process.execPath, [path.resolve(import.meta.dirname, '../bin/quill-docstore.js'), 'start'], {
        env: { ...process.env, QUILL_DATA_DIR: path.join(work, `api-${name}`), PORT: String(port), HOST: '127.0.0.1', QUILL_JWT_SECRET: secret, LOG_LEVEL: 'warn', QUILL_MAX_UPLOAD_BYTES: String(2 * 1024 ** 3), QUILL_FS_ENCRYPTION: enc, QUILL_SCRUB_RATE: '0' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      servers.push({ name, base: `http://127.0.0.1:${port}`, proc });
    }
    for (const s of servers) await waitReady(`${s.base}/readyz`, 600);
    const best: Record<string, { up: number; down: number }> = { plaintext: { up: 0, down: 0 }, encrypted: { up: 0, down: 0 } };
    for (let r = 0; r < runs; r++) {
      for (const s of servers) {
        const up = await timeUpload(s.base, token, file, apiSize);
        const down = await timeDownload(s.base, token, up.id);
        best[s.name]!.up = Math.max(best[s.name]!.up, apiSize / MiB / up.seconds);
        best[s.name]!.down = Math.max(best[s.name]!.down, apiSize / MiB / down);
      }
    }
    const pct = (e: number, p: number) => `${(((p - e) / p) * 100).toFixed(1)} %`;
    process.stdout.write(`\nThrough the API (${apiSize / MiB} MiB PDF, raw body upload / GET /content, best of ${runs})\n\n`);
    process.stdout.write('| request | plaintext fs MiB/s | encrypted fs MiB/s | cost of encryption |\n|---|---:|---:|---:|\n');
    process.stdout.write(`| upload | ${best.plaintext!.up.toFixed(0)} | ${best.encrypted!.up.toFixed(0)} | ${pct(best.encrypted!.up, best.plaintext!.up)} |\n`);
    process.stdout.write(`| download /content | ${best.plaintext!.down.toFixed(0)} | ${best.encrypted!.down.toFixed(0)} | ${pct(best.encrypted!.down, best.plaintext!.down)} |\n`);
  } finally {
    for (const s of servers) {
      s.proc.kill('SIGTERM');
      await new Promise((r) => s.proc.once('exit', r));
    }
  }
}

function timeDownload(base: string, token: string, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http.get(`${base}/v1/documents/${id}/content`, { headers: { authorization: `Bearer ${token}` } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`download ${res.statusCode}`));
      res.on('data', () => undefined);
      res.on('end', () => resolve((performance.now() - t) / 1000));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function auditChainBench(): Promise<void> {
  const pg = await startEmbeddedPostgres(path.join(work, 'audit-pg'), createLogger('warn'));
  const sql = connect(pg.url, { max: 32 });
  try {
    await migrate(sql);
    const ctx = { principal: { sub: 'bench', roles: ['clinician'], patients: null }, clientIp: '127.0.0.1', userAgent: 'bench', requestId: 'bench' };
    const rate = async (seconds: number) => {
      let n = 0;
      const end = Date.now() + seconds * 1000;
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (Date.now() < end) {
            await recordAudit(sql, ctx, { action: 'document.read', outcome: 'success', documentId: null, patient: '9434765919', detail: { n } });
            n++;
          }
        }),
      );
      return n / seconds;
    };
    await rate(1); // warm up
    const rows: [string, number][] = [];
    for (let r = 0; r < runs; r++) {
      rows.push(['chained', await rate(3)]);
      await sql`alter table audit_events disable trigger audit_events_chain`;
      rows.push(['unchained', await rate(3)]);
      await sql`alter table audit_events enable trigger audit_events_chain`;
    }
    const best = (k: string) => Math.max(...rows.filter(([x]) => x === k).map(([, v]) => v));
    process.stdout.write(`\nAudit rows/s, 32 concurrent autocommit writers, best of ${runs}: with the hash chain ${best('chained').toFixed(0)}, without ${best('unchained').toFixed(0)} (${(((best('unchained') - best('chained')) / best('unchained')) * 100).toFixed(1)} % cost)\n`);
  } finally {
    await sql.end({ timeout: 5 });
    await pg.stop();
  }
}
