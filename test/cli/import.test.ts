// quill-docstore import, spawned beside a running service on a real PostgreSQL and the encrypted fs store: --dry-run
// reports a refused row of each kind and writes nothing; then a manifest of 10,000 files with the same refused rows is
// imported while the import is SIGKILLed twice at random instants and started again; the third run finishes with exact
// counts: every file imported exactly once (one document, one import row, one document.import audit row with its source id), each
// stored SHA-256 the file's own and every stored version re-read and verified by `scrub`, every refused row in the
// report with its line number, and nothing committed points at what the kills left half-stored. Also: NDJSON
// manifests, a bad header, and two runs of one manifest at once (no duplicate).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../support/live-stores.ts';
import { DISCHARGE, PATIENT, pdfBytes, sha256 } from '../support/fixtures.ts';
import { randomNhsNumber } from '../support/nhs-numbers.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const N = 10_000;
const CONCURRENCY = '16';
const MAX_BYTES = 4096;

let s: TestServer;
let work: string;
let env: Record<string, string>;
/** source id → SHA-256 of its file, for every row that must be imported */
const expected = new Map<string, string>();
/** line → refusal code, for every row of the manifest that must be refused */
let refusals: Map<number, string>;
let manifest: string;
/** the same kinds of refusal among 50 good rows */
let small: string;
let smallRefusals: Map<number, string>;
const ids: string[] = [];
let patients: string[];

/** Each kind of refusal once, spread among the first `good` files' rows (a row's line is its index + 1: the header is line 1). */
async function writeManifest(name: string, good: number): Promise<{ file: string; refusals: Map<number, string> }> {
  const bad = [
    ['invalid_row', 'archive/x.pdf,9434765919,373942005,Too,many,fields,,,BAD-1'],
    ['validation_failed', row({ path: 'archive/0000/f00000.pdf', sourceId: '' })],
    ['invalid_nhs_number', row({ path: 'archive/0000/f00000.pdf', patient: '9434765918', sourceId: 'BAD-3' })],
    ['unknown_document_type', row({ path: 'archive/0000/f00000.pdf', type: '12345', sourceId: 'BAD-4' })],
    ['file_not_found', row({ path: 'archive/missing.pdf', sourceId: 'BAD-5' })],
    ['file_unreadable', row({ path: 'archive/0000', sourceId: 'BAD-6' })],
    ['invalid_path', row({ path: '../outside.pdf', sourceId: 'BAD-7' })],
    ['digest_mismatch', row({ path: 'archive/0000/f00001.pdf', sha256: '0'.repeat(64), sourceId: 'BAD-8' })],
    ['unsupported_media_type', row({ path: 'archive/program.exe', sourceId: 'BAD-9' })],
    ['empty_body', row({ path: 'archive/empty.pdf', sourceId: 'BAD-10' })],
    ['payload_too_large', row({ path: 'archive/large.pdf', sourceId: 'BAD-11' })],
    ['duplicate_source_id', row({ path: 'archive/0000/f00002.pdf', sourceId: 'SRC-00005' })],
  ] as const;
  const badAt = new Map(bad.map((b, i) => [Math.floor(((i + 1) * good) / (bad.length + 1)), b]));
  const lines = [HEADER];
  const refused = new Map<number, string>();
  for (let i = 0; i < good; i++) {
    const b = badAt.get(i);
    if (b) {
      lines.push(b[1]);
      refused.set(lines.length, b[0]);
    }
    const id = ids[i]!;
    // every tenth row states its SHA-256 (checked), the rest let the import compute it
    lines.push(row({ path: `archive/${String(Math.floor(i / 100)).padStart(4, '0')}/f${String(i).padStart(5, '0')}.pdf`, patient: patients[i % patients.length], title: `"Letter ${i}, scanned"`, sha256: i % 10 === 0 ? expected.get(id) : '', author: i % 3 ? 'Dr Legacy' : '', sourceId: id }));
  }
  const file = path.join(work, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return { file, refusals: refused };
}

const HEADER = 'path,patient,type,title,date,author,sha256,sourceId';
const row = (f: { path: string; patient?: string; type?: string; title?: string; date?: string; author?: string; sha256?: string; sourceId: string }) =>
  [f.path, f.patient ?? PATIENT, f.type ?? DISCHARGE, f.title ?? 'Scanned letter', f.date ?? '2004-03-02', f.author ?? '', f.sha256 ?? '', f.sourceId].join(',');

/**
 * The fs store's directory, on a tmpfs where there is one: each stored file costs two fsyncs (file and directory),
 * which on a shared virtual disk made 10,000 of them most of this file's time. A SIGKILL of the import (the fault
 * tested here) loses nothing the page cache holds, so it tests the same thing; the store's fsyncs are tested where
 * power loss is the subject (crash-recovery.test.ts).
 */
const STORE_PARENT = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
let storeDir: string;

beforeAll(async () => {
  storeDir = await mkdtemp(path.join(STORE_PARENT, 'quill-import-store-'));
  // no background scrub: `scrub` below is to make the whole pass itself
  s = await startTestServer({ QUILL_FS_DIR: storeDir, QUILL_SCRUB_RATE: '0' });
  work = await mkdtemp(path.join(os.tmpdir(), 'quill-import-'));
  env = { DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir, QUILL_FS_DIR: storeDir, QUILL_MAX_UPLOAD_BYTES: String(MAX_BYTES), LOG_LEVEL: 'warn' };
  await mkdir(path.join(work, 'archive'), { recursive: true });
  await writeFile(path.join(work, 'archive', 'program.exe'), Buffer.from('MZ\x90\x00\x03\x00\x00\x00 not a document', 'latin1'));
  await writeFile(path.join(work, 'archive', 'empty.pdf'), Buffer.alloc(0));
  await writeFile(path.join(work, 'archive', 'large.pdf'), Buffer.concat([pdfBytes('large'), Buffer.alloc(MAX_BYTES, 0x20)]));
  patients = Array.from({ length: 50 }, () => randomNhsNumber());
  for (let dir = 0; dir < N / 100; dir++) {
    const d = path.join(work, 'archive', String(dir).padStart(4, '0'));
    await mkdir(d, { recursive: true });
    await Promise.all(
      Array.from({ length: 100 }, (_, j) => {
        const i = dir * 100 + j;
        const bytes = pdfBytes(`legacy record ${i}`);
        expected.set(`SRC-${String(i).padStart(5, '0')}`, sha256(bytes));
        return writeFile(path.join(d, `f${String(i).padStart(5, '0')}.pdf`), bytes);
      }),
    );
  }
  for (const [i, id] of [...expected.keys()].entries()) ids[i] = id;
  ({ file: manifest, refusals } = await writeManifest('manifest.csv', N));
  ({ file: small, refusals: smallRefusals } = await writeManifest('small.csv', 50));
}, 120_000);

afterAll(async () => {
  await s?.close();
  if (work) await rm(work, { recursive: true, force: true });
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
}, 60_000);

const importArgs = (extra: string[] = []) => ['import', '--manifest', manifest, '--concurrency', CONCURRENCY, ...extra];
const count = async (q: Promise<{ n: number }[]>) => (await q)[0]!.n;
const importedRows = () => count(s.sql<{ n: number }[]>`select count(*)::int as n from imported_documents`);

/** Starts an import and SIGKILLs it once at least `after` rows are committed, a random few milliseconds later. */
async function importKilledAfter(after: number): Promise<number> {
  const child: ChildProcess = spawn(process.execPath, [BIN, ...importArgs()], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  while ((await importedRows()) < after) {
    if (child.exitCode !== null) throw new Error(`the import ended before it was killed:\n${stderr}`);
    await sleep(50);
  }
  await sleep(randomInt(0, 300));
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
  // a COMMIT the process sent just before it died may still be applied: count once the database has settled
  await sleep(1_000);
  return importedRows();
}

describe('import of 10,000 files', () => {
  it('--dry-run checks every row (file, hash, type, patient number) and writes nothing', async () => {
    const report = path.join(work, 'dry-run.ndjson');
    const r = await runCli(['import', '--manifest', small, '--dry-run', '--json', '--report', report], env);
    expect(r.code, r.stderr).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ dryRun: true, rows: 50 + smallRefusals.size, imported: 50, alreadyImported: 0, refused: smallRefusals.size });
    const reported = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { line: number; code: string });
    expect(new Map(reported.map((x) => [x.line, x.code]))).toEqual(smallRefusals);
    expect(await count(s.sql<{ n: number }[]>`select count(*)::int as n from documents`)).toBe(0);
    expect(await count(s.sql<{ n: number }[]>`select count(*)::int as n from audit_events where action = 'document.import'`)).toBe(0);
    expect(await count(s.sql<{ n: number }[]>`select count(*)::int as n from upload_intents`)).toBe(0);
  }, 120_000);

  it('killed twice at random instants and run again: every file exactly once, every refusal reported by line', async () => {
    const afterFirst = await importKilledAfter(randomInt(500, 3_000));
    const afterSecond = await importKilledAfter(afterFirst + randomInt(500, 3_000));
    expect(afterSecond).toBeGreaterThan(afterFirst);
    expect(afterSecond).toBeLessThan(N);

    const report = path.join(work, 'refused.ndjson');
    const r = await runCli([...importArgs(['--json', '--report', report])], env);
    expect(r.code, r.stderr).toBe(1); // some rows were refused
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ dryRun: false, rows: N + refusals.size, imported: N - afterSecond, alreadyImported: afterSecond, refused: refusals.size });

    // exactly one document per source id, its bytes the file's
    const rows = await s.sql<{ source_id: string; document_id: string; sha256: string; versions: number; patient_nhs: string; created_by: string }[]>`
      select i.source_id, i.document_id, v.sha256, d.current_version as versions, d.patient_nhs, d.created_by
      from imported_documents i join documents d on d.id = i.document_id join document_versions v on v.document_id = d.id`;
    expect(rows).toHaveLength(N);
    expect(await count(s.sql<{ n: number }[]>`select count(*)::int as n from documents`)).toBe(N);
    expect(await count(s.sql<{ n: number }[]>`select count(*)::int as n from document_versions`)).toBe(N);
    expect(new Set(rows.map((x) => x.source_id)).size).toBe(N);
    const wrong = rows.filter((x) => expected.get(x.source_id) !== x.sha256 || x.versions !== 1 || !x.created_by.startsWith('operator:'));
    expect(wrong).toEqual([]);

    // audited as an import by the operator, one row per document, with its source id
    const audit = await s.sql<{ n: number; docs: number; matching: number; operators: number }[]>`
      select count(*)::int as n, count(distinct a.document_id)::int as docs,
        count(*) filter (where a.detail->>'sourceId' = i.source_id)::int as matching,
        count(*) filter (where a.actor like 'operator:%' and a.patient_nhs = i.patient_nhs)::int as operators
      from audit_events a join (select i.*, d.patient_nhs from imported_documents i join documents d on d.id = i.document_id) i on i.document_id = a.document_id
      where a.action = 'document.import' and a.outcome = 'success'`;
    expect(audit[0]).toEqual({ n: N, docs: N, matching: N, operators: N });

    // the report: every refused row, by its line in the CSV (the header is line 1)
    const reported = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { line: number; code: string; reason: string });
    expect(new Map(reported.map((x) => [x.line, x.code]))).toEqual(refusals);
    expect(reported.every((x) => x.reason.length > 0)).toBe(true);

    // what the kills left half-stored is an ordinary interrupted upload (a pending intent, which reconcile removes after
    // the grace period: crash-recovery.test.ts): at most what was in flight, and no document points at it
    const debris = await s.sql<{ n: number; committed: number }[]>`select count(*)::int as n,
      count(*) filter (where exists (select 1 from document_versions v where v.blob_key = i.blob_key))::int as committed
      from upload_intents i where i.state = 'pending'`;
    expect(debris[0]!.n).toBeLessThanOrEqual(2 * Number(CONCURRENCY));
    expect(debris[0]!.committed).toBe(0);

    // every stored version read back from the store and its SHA-256 recomputed
    const scrub = await runCli(['scrub', '--json'], env);
    expect(scrub.code, scrub.stderr).toBe(0);
    expect(JSON.parse(scrub.stdout)).toMatchObject({ versions: N, findings: [], flagged: [] });

    // a fourth run finds nothing left to do
    const again = await runCli([...importArgs(['--json'])], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, alreadyImported: N, refused: refusals.size });
  }, 600_000);
});

describe('manifests', () => {
  it('NDJSON: keys as the CSV columns, a line that is not a JSON object refused by its line number', async () => {
    const dir = await mkdtemp(path.join(work, 'nd-'));
    await writeFile(path.join(dir, 'a.pdf'), pdfBytes('ndjson a'));
    await writeFile(path.join(dir, 'b.pdf'), pdfBytes('ndjson b'));
    const file = path.join(dir, 'm.ndjson');
    await writeFile(
      file,
      [
        JSON.stringify({ path: 'a.pdf', patient: PATIENT, type: DISCHARGE, title: 'From NDJSON', date: '2001-02-03', sourceId: 'ND-1' }),
        '',
        '{"path": "b.pdf", oops',
        JSON.stringify({ path: 'b.pdf', patient: PATIENT, type: DISCHARGE, title: 'Second', sourceId: 'ND-2', colour: 'blue' }),
        JSON.stringify({ path: 'b.pdf', patient: Number(PATIENT), type: DISCHARGE, title: 'Second', sourceId: 'ND-3' }),
        JSON.stringify({ path: 'b.pdf', patient: PATIENT, type: DISCHARGE, title: 'Second', sourceId: 'ND-4' }),
      ].join('\n'),
    );
    const report = path.join(dir, 'r.ndjson');
    const r = await runCli(['import', '--manifest', file, '--report', report, '--json'], env);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 5, imported: 2, refused: 3 });
    const lines = (await readFile(report, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { line: number; code: string });
    expect(lines.map((l) => [l.line, l.code]).sort()).toEqual([[3, 'invalid_row'], [4, 'invalid_row'], [5, 'invalid_row']]);
    const [doc] = await s.sql<{ title: string; clinical_date: string }[]>`select d.title, to_char(d.clinical_date, 'YYYY-MM-DD') as clinical_date
      from documents d join imported_documents i on i.document_id = d.id where i.source_id = 'ND-1'`;
    expect(doc).toEqual({ title: 'From NDJSON', clinical_date: '2001-02-03' });
  }, 60_000);

  it('a bad header is refused before anything happens (exit 2), naming the column', async () => {
    const file = path.join(work, 'bad-header.csv');
    await writeFile(file, 'path,patient,type,title,sourceid\nx.pdf,9434765919,373942005,T,1\n');
    const r = await runCli(['import', '--manifest', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown column\(s\) "sourceid"/);
  });

  it('two runs of the same manifest at once import each row once', async () => {
    const dir = await mkdtemp(path.join(work, 'twice-'));
    const lines = [HEADER];
    for (let i = 0; i < 200; i++) {
      await writeFile(path.join(dir, `t${i}.pdf`), pdfBytes(`twice ${i}`));
      lines.push(row({ path: `t${i}.pdf`, sourceId: `TWICE-${i}` }));
    }
    const file = path.join(dir, 'm.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const [a, b] = await Promise.all([runCli(['import', '--manifest', file, '--json'], env), runCli(['import', '--manifest', file, '--json'], env)]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    const [x, y] = [JSON.parse(a.stdout), JSON.parse(b.stdout)];
    expect(x.imported + y.imported).toBe(200);
    expect(x.imported + x.alreadyImported).toBe(200);
    expect(y.imported + y.alreadyImported).toBe(200);
    expect(await count(s.sql<{ n: number }[]>`select count(*)::int as n from imported_documents where source_id like 'TWICE-%'`)).toBe(200);
  }, 120_000);
});
