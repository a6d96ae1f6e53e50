/**
 * Which PostgreSQL driver and pool holds its rate under load: postgres.js (what the service uses) against
 * node-postgres (pg + pg-pool), each with a pool of 20 connections and 50 concurrent callers running the service's
 * hot statement (a list page of 50 with its audit row, one statement), interleaved (postgres.js, pg, postgres.js, …).
 * Prints each pass's rate per window, last window / first, p50/p99, and the client's own CPU per query.
 * Usage: node bench/driver-soak.ts [--seconds 60] [--rounds 2] [--documents 200000]
 */
import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import postgres from 'postgres';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' }, rounds: { type: 'string', default: '2' }, documents: { type: 'string', default: '200000' } } });
const SECONDS = Number(values.seconds);
const WINDOW = SECONDS / 6;
const CALLERS = 50;
const POOL = 20;
const PATIENTS = 1000;

// A list page with its audit row in one statement (a data-modifying CTE), spelled out for both drivers.
const STATEMENT = `
  with page as (
    select d.*, to_jsonb(v) as v from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version
    where d.patient_nhs = $1 and d.status = 'current' order by d.created_at desc, d.id desc limit 51
  ), audited as (
    insert into audit_events (actor, roles, action, outcome, patient_nhs, detail, client_ip, user_agent, request_id)
    select 'bench', '{clinician}', 'document.list', 'success', $1, jsonb_build_object('count', (select count(*) from page)), '127.0.0.1', 'bench', $2
    returning id
  )
  select * from page order by created_at desc, id desc`;

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-driver-'));
await chmod(work, 0o755);
const db = await startEmbeddedPostgres(path.join(work, 'pg'), pino({ level: 'warn' }));
try {
  const admin = postgres(db.url, { max: 2, onnotice: () => undefined });
  await migrate(admin);
  await admin`
    insert into documents (id, patient_nhs, type_system, type_code, type_display, title, current_version, created_at, created_by)
    select gen_random_uuid(), lpad((9000000000 + i % ${PATIENTS})::text, 10, '0'), 's', 'c', 'd', 't', 1, now() - make_interval(secs => i), 'bench'
    from generate_series(1, ${Number(values.documents)}::int) i`;
  await admin`
    insert into document_versions (document_id, version, blob_store, blob_key, content_type, size, sha256, sha1, created_by)
    select id, 1, 'fs', 'seed/' || id, 'application/pdf', 1000, md5(id::text) || md5(id::text), md5(id::text) || '00000000', 'bench' from documents`;
  await admin`vacuum analyze`;
  await admin.end();
  console.log(`${Number(values.documents).toLocaleString()} documents over ${PATIENTS} patients; pool ${POOL}, ${CALLERS} callers, ${SECONDS} s per pass, windows of ${WINDOW} s`);

  const drivers: Record<string, () => { query: (patient: string) => Promise<number>; end: () => Promise<void> }> = {
    'postgres.js 3.4.9': () => {
      const s = postgres(db.url, { max: POOL, onnotice: () => undefined });
      return { query: async (p) => (await s.unsafe(STATEMENT, [p, randomUUID()], { prepare: true })).length, end: () => s.end() };
    },
    [`node-postgres ${(pg as unknown as { version?: string }).version ?? '8'}`]: () => {
      const pool = new pg.Pool({ connectionString: db.url, max: POOL });
      return { query: async (p) => (await pool.query({ name: 'list', text: STATEMENT, values: [p, randomUUID()] })).rowCount ?? 0, end: () => pool.end() };
    },
  };
  const rows: string[][] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [name, make] of Object.entries(drivers)) {
      const d = make();
      const counts: number[] = [];
      const lat: number[] = [];
      const started = performance.now();
      const cpu0 = process.cpuUsage();
      let i = 0;
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          while (performance.now() - started < SECONDS * 1000) {
            const t = performance.now();
            const n = await d.query(lpadNhs(i++ % PATIENTS));
            if (n === 0) throw new Error('empty page');
            lat.push(performance.now() - t);
            const w = Math.floor((performance.now() - started) / 1000 / WINDOW);
            counts[w] = (counts[w] ?? 0) + 1;
          }
        }),
      );
      const cpu = process.cpuUsage(cpu0);
      await d.end();
      const rates = counts.slice(0, 6).map((c) => c / WINDOW);
      lat.sort((a, b) => a - b);
      rows.push([
        `${name} (round ${round})`,
        rates.map((r) => r.toFixed(0)).join(', '),
        `${((rates.at(-1)! / rates[0]!) * 100).toFixed(0)} %`,
        `${(lat.length / SECONDS).toFixed(0)}/s`,
        `${lat[Math.floor(lat.length / 2)]!.toFixed(1)} / ${lat[Math.floor(lat.length * 0.99)]!.toFixed(1)} ms`,
        `${((cpu.user + cpu.system) / 1000 / lat.length).toFixed(3)} ms`,
      ]);
      console.log(rows.at(-1)!.join(' | '));
    }
  }
  printTable(['driver', 'rate per window (req/s)', 'last / first', 'overall', 'p50 / p99', 'client CPU/query'], rows);
} finally {
  await db.stop();
  await rm(work, { recursive: true, force: true });
}

function lpadNhs(i: number): string {
  return String(9000000000 + i).padStart(10, '0');
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${line(head)}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${rows.map(line).join('\n')}`);
}
