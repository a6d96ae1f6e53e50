// How long requests wait with the embedded PostgreSQL stopped (SIGSTOP of the postmaster and its backends), at the
// configured QUILL_DB_TIMEOUT_MS, with more concurrent requests than the pool has connections (20).
// Run: node bench/db-stall.ts [concurrency] (QUILL_DB_TIMEOUT_MS from the environment, default 5000)
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { mintDevToken } from '../src/auth/dev-token.ts';
import { createService } from '../src/bootstrap.ts';
import { loadConfig } from '../src/config/config.ts';

const concurrency = Number(process.argv[2] ?? 40);
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-stall-'));
const secret = randomBytes(32).toString('base64url');
const cfg = loadConfig({ ...process.env, HOST: '127.0.0.1', PORT: '0', QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, LOG_LEVEL: 'silent', DATABASE_URL: '' });
const service = await createService(cfg, pino({ level: 'silent' }));
await service.app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`;
const token = await mintDevToken(Buffer.from(secret), cfg.jwt, { sub: 'bench', roles: ['clinician'] });
const h = { authorization: `Bearer ${token}` };
const warm = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/v1/documents?patient=9434765919`, { headers: h })));
console.log('warm-up', warm.map((r) => r.status).join(','));

const pm = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
const kids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((p) => {
  try {
    const s = readFileSync(`/proc/${p}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === pm;
  } catch {
    return false;
  }
});
const group = [pm, ...kids];
group.forEach((p) => process.kill(p, 'SIGSTOP'));
try {
  const t0 = Date.now();
  const readyz = fetch(`${base}/readyz`).then((r) => ({ status: r.status, ms: Date.now() - t0 }));
  const results = await Promise.all(
    Array.from({ length: concurrency }, async () => {
      const t = Date.now();
      const r = await fetch(`${base}/v1/documents?patient=9434765919`, { headers: h });
      return { status: r.status, ms: Date.now() - t };
    }),
  );
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  console.log(`QUILL_DB_TIMEOUT_MS=${cfg.dbTimeoutMs}, ${concurrency} concurrent reads, pool 20: statuses ${[...new Set(results.map((r) => r.status))].join(',')}; ` +
    `min ${ms[0]} ms, median ${ms[Math.floor(ms.length / 2)]} ms, max ${ms[ms.length - 1]} ms; /readyz ${JSON.stringify(await readyz)}`);
} finally {
  group.forEach((p) => process.kill(p, 'SIGCONT'));
}
await service.close();
await rm(dataDir, { recursive: true, force: true });
process.exit(0);
