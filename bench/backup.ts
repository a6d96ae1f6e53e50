/**
 * Backup and restore timings for a database of 100 000 documents (seeded through SQL, each with its bytes in the fs
 * store), on the embedded default with WAL archiving: a full backup, an incremental one after 1 000 more documents,
 * and a point-in-time restore (combine + WAL replay + the cross-store check hashing every version's bytes).
 * Usage: npm run bench:backup [-- --documents 100000]   (also part of `npm run bench`)
 */
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { createLogger, openDatabase } from '../src/bootstrap.ts';
import { loadConfig } from '../src/config/config.ts';
import { builtInStore } from '../src/config/store-config.ts';
import type { Sql } from '../src/db/sql.ts';
import { SHA256_EXTENSION } from '../src/fhir/systems.ts';
import { ensurePgTools } from '../src/backup/pg-tools.ts';

const { values } = parseArgs({ options: { documents: { type: 'string', default: '100000' } } });
const N = Number(values.documents);
const BIN = path.resolve(import.meta.dirname, '../bin/quill-docstore.js');
const run = promisify(execFile);

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-backup-'));
await chmod(work, 0o755);
const env: NodeJS.ProcessEnv = { ...process.env, QUILL_DATA_DIR: path.join(work, 'data'), QUILL_BACKUP_SCHEDULE: 'false', LOG_LEVEL: 'warn' };
delete env.DATABASE_URL;
const cfg = loadConfig(env);
await ensurePgTools();
const db = await openDatabase(cfg, createLogger('warn'));
const cli = async (...args: string[]) => {
  const t = performance.now();
  const r = await run(process.execPath, [BIN, ...args], { env, maxBuffer: 256 * 1024 * 1024 });
  return { ms: performance.now() - t, out: r.stdout };
};
const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

try {
  let t = performance.now();
  await seed(db.sql, 0, N);
  const seedMs = performance.now() - t;
  const [{ size }] = (await db.sql<{ size: string }[]>`select pg_database_size(current_database())::text as size`) as unknown as [{ size: string }];

  const full = await cli('backup', 'run', '--full', '--json');
  const fullB = JSON.parse(full.out).backup;
  await seed(db.sql, N, 1000);
  const incr = await cli('backup', 'run', '--json');
  const incrB = JSON.parse(incr.out).backup;
  await seed(db.sql, N + 1000, 100);
  await sleep(1100);
  const target = new Date().toISOString();
  await sleep(1100);
  await seed(db.sql, N + 1100, 100);

  t = performance.now();
  const restore = await cli('restore', '--to', target, '--into', path.join(work, 'restored'), '--json');
  const r = JSON.parse(restore.out);
  if (!r.verify.ok || r.verify.documents !== N + 1100) throw new Error(`restore drill failed: ${JSON.stringify(r.verify).slice(0, 500)}`);
  const restoreMs = performance.now() - t;
  const verify = await cli('verify-restore', '--json');
  const v = JSON.parse(verify.out);

  const rows = [
    ['seed through SQL (documents + versions + FHIR rows + fs bytes)', s(seedMs), `${N} documents, database ${mib(Number(size))}`],
    ['backup run --full (pg_basebackup + pg_verifybackup)', s(full.ms), mib(fullB.sizeBytes)],
    ['backup run (incremental, after 1 000 more documents)', s(incr.ms), mib(incrB.sizeBytes)],
    [`restore --to: checks, pg_combinebackup, WAL replay to the target`, s(restoreMs - r.verifyMs), `${r.chain.length} backups, ${r.wal.segments} WAL segments`],
    [`restore --to: cross-store check of the restored database (${r.verify.versions} versions hashed)`, s(r.verifyMs), r.verify.ok ? 'ok' : 'FAILED'],
    [`verify-restore on the live database (${v.versions} versions hashed)`, s(verify.ms), v.ok ? 'ok' : 'FAILED'],
  ];
  process.stdout.write(`\nbackup and restore, embedded PostgreSQL + fs store, ${N} documents\n| step | time | size / result |\n|---|---|---|\n`);
  for (const row of rows) process.stdout.write(`| ${row.join(' | ')} |\n`);
  process.stdout.write(`RPO: WAL is archived at least every ${cfg.backup.archiveTimeoutSeconds} s while anything is written (archive_timeout)\n`);
} finally {
  await db.close();
  await rm(work, { recursive: true, force: true });
}

/** n documents with one version each, their bytes in the fs store and their built-in FHIR rows, in batches of 5 000. */
async function seed(sql: Sql, from: number, n: number): Promise<void> {
  for (let start = from; start < from + n; start += 5000) {
    const count = Math.min(5000, from + n - start);
    const ids: string[] = [];
    const keys: string[] = [];
    const shas: string[] = [];
    const sha1s: string[] = [];
    const sizes: number[] = [];
    const files: [string, Buffer][] = [];
    for (let i = 0; i < count; i++) {
      const id = randomUUID();
      const bytes = Buffer.from(`%PDF-1.4\n% bench document ${start + i} ${id}\n${'x'.repeat(900)}\n%%EOF\n`);
      const key = `bench/${id.slice(0, 2)}/${id}`;
      files.push([key, bytes]);
      ids.push(id);
      keys.push(key);
      shas.push(createHash('sha256').update(bytes).digest('hex'));
      sha1s.push(createHash('sha1').update(bytes).digest('hex'));
      sizes.push(bytes.length);
    }
    const fsDir = builtInStore(cfg, 'fs').dir;
    for (const dir of new Set(files.map(([k]) => path.dirname(k)))) await mkdir(path.join(fsDir, dir), { recursive: true });
    for (let i = 0; i < files.length; i += 64) await Promise.all(files.slice(i, i + 64).map(([k, b]) => writeFile(path.join(fsDir, k), b)));
    await sql.begin(async (tx) => {
      await tx`insert into documents (id, patient_nhs, type_system, type_code, type_display, title, current_version, created_by)
        select unnest(${ids}::uuid[]), '9434765919', 'http://snomed.info/sct', '373942005', 'Discharge summary', 'bench', 1, 'bench'`;
      await tx`insert into document_versions (document_id, version, blob_store, blob_key, content_type, size, sha256, sha1, created_by)
        select d, 1, 'fs', k, 'application/pdf', z, s, s1, 'bench' from unnest(${ids}::uuid[], ${keys}::text[], ${sizes}::bigint[], ${shas}::text[], ${sha1s}::text[]) as t(d, k, z, s, s1)`;
      await tx`insert into fhir_document_references (id, version_id, patient_nhs, status, type_system, type_code, date, identifier, last_updated, resource)
        select d, 1, '9434765919', 'current', 'http://snomed.info/sct', '373942005', now(), 'urn:uuid:' || d, now(),
          jsonb_build_object('resourceType', 'DocumentReference', 'id', d, 'status', 'current',
            'content', jsonb_build_array(jsonb_build_object('attachment', jsonb_build_object('extension', jsonb_build_array(jsonb_build_object('url', ${SHA256_EXTENSION}::text, 'valueString', s))))))
        from unnest(${ids}::uuid[], ${shas}::text[]) as t(d, s)`;
    });
  }
}
