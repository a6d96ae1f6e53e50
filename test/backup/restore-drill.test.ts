// The restore drill: the service on its embedded default (PostgreSQL with WAL archiving, fs store), documents written
// at several instants, a full and an incremental backup, then a restore to an instant between two uploads — run by
// the real CLI while the service keeps running — must give exactly that instant's documents, versions and statuses,
// with every byte verified and the FHIR index consistent. Then the failure cases: a target outside the window, a
// backup killed mid-way, a missing and a damaged WAL segment.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { createLogger, createService, type Service } from '../../src/bootstrap.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { ensurePgTools } from '../../src/backup/pg-tools.ts';
import { startPgServer, type PgServer } from '../../src/backup/pg-server.ts';
import { runBackup } from '../../src/backup/take-backup.ts';
import { startBackupScheduler } from '../../src/backup/scheduler.ts';
import { keepUnreferencedSeconds } from '../../src/backup/reconcile-guard.ts';
import { backupChecks } from '../../src/jobs/backup-doctor.ts';
import { createTestDatabase } from '../support/database.ts';
import { reconcile } from '../../src/jobs/reconcile.ts';
import { Readable } from 'node:stream';
import { utimes } from 'node:fs/promises';
import { listBackups } from '../../src/backup/catalog.ts';
import { parseSegmentName, segmentName } from '../../src/backup/wal-names.ts';
import { pdfBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { builtInStore } from '../../src/config/store-config.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let tmp = '';
let dataDir = '';
let cfg: Config;
let service: Service;
let baseUrl = '';
let clinician = '';
let manager = '';
let env: NodeJS.ProcessEnv;
const servers: PgServer[] = [];
const children = new Set<ChildProcess>();

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

function cli(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/quill-docstore.js'), ...args], { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

async function upload(note: string): Promise<{ id: string; sha: string }> {
  const bytes = pdfBytes(`${note} ${randomBytes(4).toString('hex')}`);
  const res = await uploadMultipart(baseUrl, clinician, bytes);
  expect(res.status).toBe(201);
  return { id: (await res.json()).id, sha: sha256(bytes) };
}

async function addVersion(id: string, note: string): Promise<void> {
  const form = new FormData();
  form.set('file', new Blob([new Uint8Array(pdfBytes(note))], { type: 'application/pdf' }), 'v.pdf');
  const res = await fetch(`${baseUrl}/v1/documents/${id}/versions`, { method: 'POST', headers: auth(clinician), body: form });
  expect(res.status).toBe(201);
}

async function enterInError(id: string): Promise<void> {
  const res = await fetch(`${baseUrl}/v1/documents/${id}`, { method: 'DELETE', headers: { ...auth(manager), 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'wrong patient' }) });
  expect(res.status).toBe(200);
}

type Snapshot = { documents: { id: string; status: string; current_version: number }[]; versions: { document_id: string; version: number; sha256: string; blob_key: string }[] };
async function snapshot(sql: postgres.Sql): Promise<Snapshot> {
  return {
    documents: [...(await sql<Snapshot['documents']>`select id::text, status, current_version from documents order by id`)],
    versions: [...(await sql<Snapshot['versions']>`select document_id::text, version, sha256, blob_key from document_versions order by document_id, version`)],
  };
}

let expectedAtTarget: Snapshot;
let finalState: Snapshot;
let target = '';

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'quill-drill-'));
  await chmod(tmp, 0o755); // as root, PostgreSQL runs as 'postgres' and must reach the data and backup dirs
  dataDir = path.join(tmp, 'data');
  const secret = randomBytes(32).toString('base64url');
  env = { ...process.env, QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, QUILL_BACKUP_SCHEDULE: 'false', LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  cfg = loadConfig({ HOST: '127.0.0.1', PORT: '0', QUILL_DATA_DIR: dataDir, QUILL_JWT_SECRET: secret, QUILL_BACKUP_SCHEDULE: 'false', LOG_LEVEL: process.env.QUILL_TEST_LOG ?? 'silent' });
  await ensurePgTools();
  service = await createService(cfg, createLogger(cfg.logLevel));
  await service.app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`;
  const key = Buffer.from(secret, 'utf8');
  clinician = await mintDevToken(key, cfg.jwt, { sub: 'dr.alice', roles: ['clinician'] });
  manager = await mintDevToken(key, cfg.jwt, { sub: 'rm.bob', roles: ['records-manager'] });
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const s of servers) await s.stop().catch(() => undefined);
  await service?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('restore drill on the embedded default', () => {
  it('restores exactly the documents, versions and statuses of an instant between two uploads, every byte verified', async () => {
    const log = createLogger('silent');
    const a = await upload('A');
    const b = await upload('B');
    const full = await runBackup(cfg, log, { full: true });
    expect(full.backup).toMatchObject({ kind: 'full', verified: true });

    const c = await upload('C');
    await addVersion(a.id, 'A v2');
    const incr = await runBackup(cfg, log);
    expect(incr.backup).toMatchObject({ kind: 'incremental', parent: full.backup.id, verified: true });

    await enterInError(b.id);
    await upload('D');
    expectedAtTarget = await snapshot(service.db.sql);
    await sleep(1100);
    target = new Date().toISOString();
    await sleep(1100);

    const e = await upload('E');
    await addVersion(a.id, 'A v3');
    await enterInError(c.id);
    finalState = await snapshot(service.db.sql);
    expect(finalState.versions.length).toBe(expectedAtTarget.versions.length + 2); // the drill would prove nothing otherwise
    expect(expectedAtTarget.documents.find((d) => d.id === c.id)?.status).toBe('current');
    expect(expectedAtTarget.documents.find((d) => d.id === b.id)?.status).toBe('entered-in-error');
    expect(expectedAtTarget.documents.find((d) => d.id === a.id)?.current_version).toBe(2);

    // the CLI, while the service keeps running on the same embedded database
    const into = path.join(tmp, 'restored');
    const r = await cli(['restore', '--to', target, '--into', into, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.chain).toEqual([full.backup.id, incr.backup.id]);
    expect(report.stoppedAt).toMatch(/recovery stopping before commit/);
    expect(report.verify).toMatchObject({ ok: true, documents: expectedAtTarget.documents.length, versions: expectedAtTarget.versions.length, versionsVerified: expectedAtTarget.versions.length, missing: [], mismatched: [] });
    expect(report.verify.fhir).toMatchObject({ index: 'builtin', checked: expectedAtTarget.documents.length, problems: [] });
    // bytes written after the restore point are listed and kept
    const newer = report.verify.newerThanRestorePoint.map((o: { key: string }) => o.key).sort();
    const later = finalState.versions.filter((v) => !expectedAtTarget.versions.some((x) => x.blob_key === v.blob_key)).map((v) => v.blob_key).sort();
    expect(newer).toEqual(later);
    for (const key of later) expect(existsSync(path.join(builtInStore(cfg, 'fs').dir, key))).toBe(true);
    expect(later.length).toBe(2);
    expect(finalState.versions.some((v) => v.document_id === e.id)).toBe(true);

    // open the restored database and compare it row for row with what was committed at the target instant
    const bin = await ensurePgTools();
    const srv = await startPgServer(bin, into, {});
    servers.push(srv);
    const password = (await import('node:fs/promises')).readFile(path.join(dataDir, 'pg-password'), 'utf8');
    const sql = postgres(`postgres://quill:${encodeURIComponent((await password).trim())}@127.0.0.1:${srv.port}/quill`, { max: 1, onnotice: () => undefined });
    try {
      expect(await snapshot(sql)).toEqual(expectedAtTarget);
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from fhir_document_references`;
      expect(row?.n).toBe(expectedAtTarget.documents.length);
    } finally {
      await sql.end();
      await srv.stop();
    }
    // the live database is untouched
    expect(await snapshot(service.db.sql)).toEqual(finalState);
  });

  it('refuses a target outside the restorable window and prints the window', async () => {
    for (const to of ['2001-01-01T00:00:00Z', new Date(Date.now() + 3600_000).toISOString()]) {
      const r = await cli(['restore', '--to', to, '--into', path.join(tmp, 'never')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('outside the restorable window');
      expect(r.stderr).toMatch(/restorable window: \d{4}-\d\d-\d\dT[\d:.]+Z … \d{4}-/);
      expect(existsSync(path.join(tmp, 'never'))).toBe(false);
    }
  });

  it('never lists a backup killed mid-way as good, and the next backup succeeds', async () => {
    const before = (await listBackups(cfg.backup)).map((m) => m.id);
    const child = spawn(process.execPath, [path.join(root, 'bin/quill-docstore.js'), 'backup', 'run', '--full'], { env: { ...env, QUILL_BACKUP_MAX_RATE: '32k' }, stdio: 'ignore' });
    children.add(child);
    const base = path.join(cfg.backup.dir, 'base');
    let partial: string | undefined;
    for (let i = 0; i < 600 && !partial; i++) {
      await sleep(50);
      partial = (await readdir(base)).find((n) => n.endsWith('.partial') && existsSync(path.join(base, n, 'data')));
    }
    expect(partial).toBeDefined();
    await sleep(500);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    children.delete(child);
    const listed = JSON.parse((await cli(['backup', 'list', '--json'])).stdout);
    expect(listed.backups.map((m: { id: string }) => m.id)).toEqual(before);

    const next = await cli(['backup', 'run', '--json']);
    expect(next.code, next.stderr).toBe(0);
    const made = JSON.parse(next.stdout).backup;
    expect(made.verified).toBe(true);
    expect(existsSync(path.join(base, partial!))).toBe(false);
    const after = JSON.parse((await cli(['backup', 'list', '--json'])).stdout);
    expect(after.backups.map((m: { id: string }) => m.id)).toEqual([...before, made.id]);
    expect((await cli(['backup', 'verify'])).code).toBe(0);
  });

  it('fails a restore naming a missing WAL segment, and one naming a damaged segment', async () => {
    const backups = await listBackups(cfg.backup);
    const incr = backups.find((m) => m.kind === 'incremental')!;
    // the segment after the incremental backup's holds the writes between it and the target
    const { tli, segno } = parseSegmentName(incr.startWal);
    const needed = segmentName(tli, segno + 1n);

    const missingRepo = path.join(tmp, 'repo-missing');
    await cp(cfg.backup.dir, missingRepo, { recursive: true, preserveTimestamps: true });
    await rm(path.join(missingRepo, 'wal', needed));
    const r1 = await cli(['restore', '--to', target, '--into', path.join(tmp, 'r-missing')], { QUILL_BACKUP_DIR: missingRepo });
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain(`WAL segment ${needed} is missing`);
    expect(existsSync(path.join(tmp, 'r-missing'))).toBe(false);

    const damagedRepo = path.join(tmp, 'repo-damaged');
    await cp(cfg.backup.dir, damagedRepo, { recursive: true, preserveTimestamps: true });
    const file = path.join(damagedRepo, 'wal', needed);
    expect((await stat(file)).size).toBe(16 * 1024 * 1024);
    const fh = await open(file, 'r+');
    await fh.write(Buffer.alloc(512, 0x5a), 0, 512, 200);
    await fh.close();
    const r2 = await cli(['restore', '--to', target, '--into', path.join(tmp, 'r-damaged')], { QUILL_BACKUP_DIR: damagedRepo });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(`WAL segment ${needed}`);
    expect(r2.stderr).toContain('damaged');
    expect(existsSync(path.join(tmp, 'r-damaged'))).toBe(false);
    const v = await cli(['backup', 'verify'], { QUILL_BACKUP_DIR: damagedRepo });
    expect(v.code).toBe(1);
    expect(v.stdout).toContain(needed);

    // a damaged file inside the incremental backup: named by backup verify, and no restore uses it
    const brokenRepo = path.join(tmp, 'repo-broken-backup');
    await cp(cfg.backup.dir, brokenRepo, { recursive: true, preserveTimestamps: true });
    const pgVersion = path.join(brokenRepo, 'base', incr.id, 'data', 'PG_VERSION');
    await (await import('node:fs/promises')).writeFile(pgVersion, '17\n');
    const bv = await cli(['backup', 'verify'], { QUILL_BACKUP_DIR: brokenRepo });
    expect(bv.code).toBe(1);
    expect(bv.stdout).toMatch(new RegExp(`FAIL +${incr.id}`));
    const r3 = await cli(['restore', '--to', target, '--into', path.join(tmp, 'r-broken')], { QUILL_BACKUP_DIR: brokenRepo });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain(`backup ${incr.id} is damaged`);
    expect(existsSync(path.join(tmp, 'r-broken'))).toBe(false);
  });

  it('schedules backups in one instance only (advisory lock), even with two running', async () => {
    const repo = path.join(tmp, 'repo-scheduled');
    const scfg: Config = { ...cfg, backup: { ...cfg.backup, dir: repo } };
    const log = createLogger('silent');
    const a = startBackupScheduler(scfg, service.db.sql, log, { firstTickMs: 10, tickMs: 200 });
    const b = startBackupScheduler(scfg, service.db.sql, log, { firstTickMs: 10, tickMs: 200 });
    try {
      for (let i = 0; i < 200 && (await listBackups(scfg.backup)).length === 0; i++) await sleep(100);
      await sleep(2000); // several more ticks of both
    } finally {
      await a.stop();
      await b.stop();
    }
    const made = await listBackups(scfg.backup);
    expect(made.map((m) => m.kind)).toEqual(['full']);
  });

  it('with backups on, reconcile keeps an unreferenced object younger than the retention window', async () => {
    const store = service.blobs.live;
    const key = `orphans/${randomBytes(8).toString('hex')}`;
    await store.put(key, Readable.from([Buffer.from('bytes a restore may point at')]), { contentType: 'application/pdf' });
    const keep = await keepUnreferencedSeconds(cfg, service.db.sql);
    expect(keep).toBe(30 * 86_400);
    const log = createLogger('silent');
    const r1 = await reconcile(service.db.sql, store, log, { graceSeconds: 0, keepUnreferencedSeconds: keep, checkMissing: false });
    expect(r1.keptForRestore).toBeGreaterThanOrEqual(1);
    expect(existsSync(path.join(builtInStore(cfg, 'fs').dir, key))).toBe(true);
    // once it is older than the window, it goes
    const old = new Date(Date.now() - 31 * 86_400_000);
    await utimes(path.join(builtInStore(cfg, 'fs').dir, key), old, old);
    const r2 = await reconcile(service.db.sql, store, log, { graceSeconds: 0, keepUnreferencedSeconds: keep, checkMissing: false });
    expect(r2.orphansRemoved).toBe(1);
    expect(existsSync(path.join(builtInStore(cfg, 'fs').dir, key))).toBe(false);
  });

  it('doctor says which backup regime applies: this service for the embedded database, not for an unarchived DATABASE_URL', async () => {
    const [embedded] = await backupChecks(cfg, service.db.sql);
    expect(embedded).toMatchObject({ name: 'backup.pitr', ok: true });
    expect(embedded!.detail).toMatch(/^embedded PostgreSQL: WAL archiving and base backups by this service; last backup .* restorable window \d{4}-/);
    const ext = await createTestDatabase();
    const sql = postgres(ext.url, { max: 1, onnotice: () => undefined });
    try {
      const [check] = await backupChecks({ ...cfg, databaseUrl: ext.url }, sql as never);
      expect(check).toMatchObject({ name: 'backup.pitr', ok: true });
      expect(check!.detail).toContain('not backed up by this service: DATABASE_URL: archive_mode=off');
    } finally {
      await sql.end();
      await ext.drop();
    }
  });

  it('restores in place only with the service stopped, keeps the old data directory, and the service runs on the result', async () => {
    const busy = await cli(['restore', '--to', target, '--in-place']);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('--in-place needs the service stopped');
    await service.close();
    const r = await cli(['restore', '--to', target, '--in-place', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.verify).toMatchObject({ ok: true, versions: expectedAtTarget.versions.length, versionsVerified: expectedAtTarget.versions.length });
    expect(report.inPlace.previousDir).toMatch(/pg\.before-restore-/);
    expect(existsSync(path.join(report.inPlace.previousDir, 'PG_VERSION'))).toBe(true);
    service = await createService(cfg, createLogger(cfg.logLevel));
    expect(await snapshot(service.db.sql)).toEqual(expectedAtTarget);
    // while the service runs on it: the cross-store check through its embedded server
    const v = await cli(['verify-restore', '--restore-point', target, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, versionsVerified: expectedAtTarget.versions.length, newerThanRestorePoint: expect.any(Array) });
    expect(JSON.parse(v.stdout).newerThanRestorePoint.length).toBeGreaterThanOrEqual(2);
    // the restored database is a new timeline: the next backup starts a new chain
    const next = await runBackup(cfg, createLogger('silent'));
    expect(next.backup).toMatchObject({ kind: 'full', timeline: 2 });
  });
});
