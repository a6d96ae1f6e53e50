/**
 * 10 million documents: does the cost of the hot paths grow with the table? (printed, never asserted)
 *
 * One embedded PostgreSQL and one service (fs store, encryption on, as shipped) on this machine. The database is seeded
 * through SQL in stages (--stages 100000,1000000,10000000: documents over --patients 100,000 patients, each with its
 * first version, committed upload intent and built-in FHIR DocumentReference; bench/support/seed-documents.ts), and at
 * each stage, in --rounds interleaved rounds of --duration seconds, open-loop at --rate requests/s:
 *  - the first page of a patient's list (50 documents; one of 50 patients holding 250 documents each at every stage);
 *  - a later page (the third, through the cursor the second page returned);
 *  - the same two pages as a raw SELECT issued by this process through postgres.js at the same rate (the baseline of
 *    what this machine allows: no HTTP, no JSON, no audit row);
 *  - a download URL for a document drawn at random from the whole table;
 *  - a 100 KiB upload (at --upload-rate) to a random patient.
 * Each: p50, p99, and the server's CPU per operation (service + PostgreSQL process trees). Then the database's size per
 * million documents and every table's and index's size, and the 10 M / 100 k ratios.
 * The PostgreSQL data directory lives under --dir (default: a new directory in the OS temp dir; about 3 GB per million
 * documents) and is deleted at the end unless --keep. A kept directory can be measured again: a stage at or below the
 * documents it already holds is measured without seeding (a second run at 10 M without 35 minutes of seeding).
 * Usage: npm run bench:10m [-- --stages 100000,1000000,10000000 --rounds 3 --duration 10 --rate 50 --upload-rate 10
 *        --dir DIR --keep]
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import pino from 'pino';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { connect } from '../src/db/sql.ts';
import { migrate } from '../src/db/migrate.ts';
import { median, printTable } from './support/common.ts';
import { httpOk, openLoop, type Figure } from './support/load.ts';
import { postmasterPid, treeCpuSeconds } from './support/proc-cpu.ts';
import { nhsNumbers, seedDocuments, type SeedPlan } from './support/seed-documents.ts';
import { startService, type BenchService } from './support/service.ts';

const { values } = parseArgs({
  options: {
    stages: { type: 'string', default: '100000,1000000,10000000' },
    patients: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    rate: { type: 'string', default: '50' },
    'upload-rate': { type: 'string', default: '10' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const STAGES = values.stages!.split(',').map(Number);
const ROUNDS = Number(values.rounds);
const DURATION = Number(values.duration);
const RATE = Number(values.rate);
const UPLOAD_RATE = Number(values['upload-rate']);
const HEAVY = 50;
const PER_HEAVY = 250;
const plan: SeedPlan = { patients: nhsNumbers(Number(values.patients)), heavy: HEAVY, perHeavy: PER_HEAVY };

const work = values.dir ? path.resolve(values.dir) : await mkdtemp(path.join(os.tmpdir(), 'quill-bench-10m-'));
await mkdir(work, { recursive: true });
await chmod(work, 0o755); // as root, embedded PostgreSQL runs as 'postgres' and must reach its directory
const log = pino({ level: 'warn' });
let service: BenchService | null = null;
const pg = await startEmbeddedPostgres(path.join(work, 'pg'), log);
const pgPid = postmasterPid(path.join(work, 'pg', 'pg'));
const sql = postgres(pg.url, { max: 50, onnotice: () => undefined });
const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });

interface StageResult {
  documents: number;
  seedSeconds: number;
  figures: Map<string, Figure[]>;
  sizes: { name: string; bytes: number }[];
  databaseBytes: number;
}
const results: StageResult[] = [];

try {
  const migrator = connect(pg.url, { max: 1, boundStatements: false });
  await migrate(migrator);
  await migrator.end();
  service = await startService('quill', path.join(work, 'data'), { DATABASE_URL: pg.url }, () => [pgPid]);
  const pgSide = { cpu: () => treeCpuSeconds(pgPid) };
  const auth = { authorization: `Bearer ${service.token}` };
  const body = Buffer.concat([Buffer.from('%PDF-1.7\n%bench\n'), randomBytes(100 * 1024 - 16)]);
  // a kept --dir already holds documents: a stage at or below them is measured without seeding (a second run at 10 M)
  let have = (await sql<{ n: number }[]>`select count(*)::int as n from documents`)[0]!.n;
  for (const target of STAGES) {
    // ---- seed ----
    const t = performance.now();
    // fewer checkpoints (and full-page writes after them) while seeding; put back before measuring
    await sql`alter system set max_wal_size = '8GB'`;
    await sql`select pg_reload_conf()`;
    if (target > have) await seedDocuments(sql, plan, have, target, { bulk: target - have >= 500_000, onProgress: (done) => process.stdout.write(`\r  seeded ${done.toLocaleString()} documents`) });
    await sql`alter system reset max_wal_size`;
    await sql`select pg_reload_conf()`;
    await sql`vacuum analyze documents, document_versions, upload_intents, fhir_document_references`;
    await sql`checkpoint`;
    const seedSeconds = (performance.now() - t) / 1000;
    process.stdout.write(`\n${target.toLocaleString()} documents (seeded ${Math.max(0, target - have).toLocaleString()} in ${seedSeconds.toFixed(0)} s)\n`);
    have = Math.max(have, target);

    // ---- what each round asks for ----
    const heavy = plan.patients.slice(0, HEAVY);
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
    // the third page of each heavy patient: through the API's cursors, and its keyset position for the raw SELECT
    const third = new Map<string, { cursor: string; at: string; id: string }>();
    for (const p of heavy) {
      let cursor = '';
      for (let page = 1; page <= 2; page++) {
        const res = await fetch(`${service.base}/v1/documents?patient=${p}&limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers: auth });
        cursor = ((await res.json()) as { nextCursor: string }).nextCursor;
      }
      const [pos] = await sql<{ at: string; id: string }[]>`
        select created_at::text as at, id::text from documents where patient_nhs = ${p} and disposal_id is null and status = 'current'
        order by created_at desc, id desc offset 99 limit 1`;
      third.set(p, { cursor, ...pos! });
    }
    // documents to issue URLs for, drawn from the whole table
    const sample = (await sql<{ id: string }[]>`select id::text from documents tablesample system (${Math.min(100, (20000 / target) * 100)}) limit 5000`).map((r) => r.id);
    const rawPage = (p: string, after?: { at: string; id: string }, db: postgres.Sql | postgres.TransactionSql = sql) =>
      db`select d.*, case when exists (select 1 from legal_holds where lifted_at is null) then document_on_hold(d) else false end as on_hold,
                 v.version as v_version, v.content_type, v.size, v.sha256, v.filename
          from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version
          where d.patient_nhs = ${p} and d.disposal_id is null and d.status = 'current'
            and (d.created_at, d.id) < (${after?.at ?? 'infinity'}::text::timestamptz, ${after?.id ?? 'ffffffff-ffff-ffff-ffff-ffffffffffff'}::uuid)
          order by d.created_at desc, d.id desc limit 51`.then((rows) => rows.length > 0);
    // the same SELECT and, in its transaction, one committed row the size of an audit row: what any durably audited read
    // costs on this machine at least (a WAL flush per commit), the floor under the list, which writes its audit row
    await sql`create table if not exists bench_audit (at timestamptz not null default now(), actor text, action text, patient text, outcome text)`;
    const rawAuditedPage = (p: string) =>
      sql.begin(async (tx) => {
        const found = await rawPage(p, undefined, tx);
        await tx`insert into bench_audit (actor, action, patient, outcome) values ('bench', 'document.list', ${p}, 'allowed')`;
        return found;
      });
    const measures: [string, number, () => Promise<Figure>][] = [
      ['list, first page', RATE, () => openLoop(service!, RATE, DURATION, () => httpOk(agent, `${service!.base}/v1/documents?patient=${pick(heavy)}&limit=50`, { headers: auth }))],
      ['raw SELECT, first page', RATE, () => openLoop(pgSide, RATE, DURATION, () => rawPage(pick(heavy)))],
      ['raw SELECT + committed audit-sized row, first page', RATE, () => openLoop(pgSide, RATE, DURATION, () => rawAuditedPage(pick(heavy)))],
      ['list, third page (cursor)', RATE, () => openLoop(service!, RATE, DURATION, () => httpOk(agent, `${service!.base}/v1/documents?patient=${pick(heavy)}&limit=50&cursor=${encodeURIComponent(third.get(pick(heavy))!.cursor)}`, { headers: auth }))],
      ['raw SELECT, third page', RATE, () => openLoop(pgSide, RATE, DURATION, () => { const p = pick(heavy); return rawPage(p, third.get(p)); })],
      ['download URL (random document)', RATE, () => openLoop(service!, RATE, DURATION, () => httpOk(agent, `${service!.base}/v1/documents/${pick(sample)}/download-url`, { method: 'POST', headers: auth }))],
      ['upload 100 KiB', UPLOAD_RATE, () => openLoop(service!, UPLOAD_RATE, DURATION, () => httpOk(agent, `${service!.base}/v1/documents?patient=${pick(plan.patients)}&type=373942005&title=bench`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body }))],
    ];
    // warm up: every path once at the rate for a few seconds
    for (const [, , run] of measures) await run().catch(() => undefined);
    const figures = new Map<string, Figure[]>();
    for (let round = 0; round < ROUNDS; round++) {
      process.stdout.write(`  round ${round + 1}/${ROUNDS}\n`);
      for (const [name, , run] of measures) figures.set(name, [...(figures.get(name) ?? []), await run()]);
    }
    const sizes = await sql<{ name: string; bytes: string }[]>`
      select c.relname as name, pg_relation_size(c.oid)::text as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'i') and c.relname in (
        select tablename from pg_tables where tablename in ('documents', 'document_versions', 'upload_intents', 'fhir_document_references', 'audit_events')
        union select indexname from pg_indexes where tablename in ('documents', 'document_versions', 'upload_intents', 'fhir_document_references', 'audit_events'))
      order by pg_relation_size(c.oid) desc`;
    const toast = await sql<{ name: string; bytes: string }[]>`
      select c.relname || ' (TOAST)' as name, pg_total_relation_size(c.reltoastrelid)::text as bytes from pg_class c
      where c.relname in ('documents', 'document_versions', 'upload_intents', 'fhir_document_references', 'audit_events') and c.reltoastrelid <> 0 and pg_total_relation_size(c.reltoastrelid) > 65536`;
    const [{ db }] = (await sql<{ db: string }[]>`select pg_database_size(current_database())::text as db`) as unknown as [{ db: string }];
    results.push({ documents: target, seedSeconds, figures, sizes: [...sizes, ...toast].map((r) => ({ name: r.name, bytes: Number(r.bytes) })), databaseBytes: Number(db) });
    report(results.at(-1)!);
  }
  summary();
} finally {
  agent.destroy();
  await service?.stop();
  await sql.end();
  await pg.stop();
  if (!values.keep) await rm(work, { recursive: true, force: true });
}

function fig(f: Figure): string {
  return `p50 ${f.p50} ms, p99 ${f.p99} ms, ${f.cpuMsPerOp.toFixed(2)} ms CPU${f.errors ? `, ${f.errors} errors` : ''}`;
}

function med(fs: Figure[]): Figure {
  return { rps: median(fs.map((f) => f.rps)), p50: median(fs.map((f) => f.p50)), p99: median(fs.map((f) => f.p99)), errors: fs.reduce((a, f) => a + f.errors, 0), cpuMsPerOp: median(fs.map((f) => f.cpuMsPerOp)) };
}

function report(r: StageResult): void {
  const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  console.log(`\n${r.documents.toLocaleString()} documents: medians of ${ROUNDS} rounds of ${DURATION} s, open loop (load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  printTable(['measure', 'rate', 'figure (median of rounds)', 'rounds (p99)'], [...r.figures].map(([k, fs]) => [k, `${med(fs).rps.toFixed(0)}/s`, fig(med(fs)), fs.map((f) => String(f.p99)).join(', ')]));
  const list = med(r.figures.get('list, first page')!).p99 / med(r.figures.get('raw SELECT, first page')!).p99;
  const later = med(r.figures.get('list, third page (cursor)')!).p99 / med(r.figures.get('raw SELECT, third page')!).p99;
  const audited = r.figures.get('raw SELECT + committed audit-sized row, first page');
  const floor = audited ? `; first page / raw SELECT with a committed row ${(med(r.figures.get('list, first page')!).p99 / med(audited).p99).toFixed(2)}` : '';
  console.log(`list p99 / raw SELECT p99 at the same rate: first page ${list.toFixed(2)}, third page ${later.toFixed(2)}${floor}`);
  console.log(`database ${mib(r.databaseBytes)} (${mib(r.databaseBytes / (r.documents / 1e6))} per million documents); seeded in ${r.seedSeconds.toFixed(0)} s`);
  printTable(['relation', 'size', 'per million documents'], r.sizes.map((s) => [s.name, mib(s.bytes), mib(s.bytes / (r.documents / 1e6))]));
}

function summary(): void {
  const first = results[0]!;
  const last = results.at(-1)!;
  console.log(`\nGrowth: ${first.documents.toLocaleString()} → ${results.map((r) => r.documents.toLocaleString()).slice(1).join(' → ')} documents (ratios last / first; aim ≤ 1.3)`);
  const rows: string[][] = [];
  for (const k of first.figures.keys()) {
    const per = results.map((r) => med(r.figures.get(k)!));
    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    rows.push([k, ...per.map((f) => `p50 ${f.p50}, p99 ${f.p99}, ${f.cpuMsPerOp.toFixed(2)} ms`), `p50 ${ratio(per.at(-1)!.p50, per[0]!.p50)}, p99 ${ratio(per.at(-1)!.p99, per[0]!.p99)}, CPU ${ratio(per.at(-1)!.cpuMsPerOp, per[0]!.cpuMsPerOp)}`]);
  }
  printTable(['measure', ...results.map((r) => `${r.documents.toLocaleString()}`), `${last.documents.toLocaleString()} / ${first.documents.toLocaleString()}`], rows);
}
