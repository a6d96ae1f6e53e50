// The service on a moving primary (issue 21): a real 3-member Patroni cluster in synchronous mode, the service on its
// multi-host DATABASE_URL, backups as their own role (QUILL_BACKUP_DATABASE_URL) into the cluster's WAL archive.
// 1. Under upload load (raw, multipart and tus; test/support/upload-load.ts) the primary's postmaster is SIGKILLed
//    twice: the process survives, every answer is a success or a 503 problem with Retry-After (never a 500, never a
//    reset), every acknowledged document reads back intact, reconcile leaves nothing behind, the audit chain verifies,
//    and the background loops carry on on the new primary: the backup scheduler (its first full backup at once, then a
//    full one on the new timeline), the integrity scrubber, audit anchoring and, with a FHIR server, the outbox.
// 2. The restore drill after the failovers: from the full backup taken before them, a point-in-time restore to an
//    instant after them (the CLI, as at 3 a.m.) replays across both timeline switches and gives exactly that instant's
//    documents and versions, every byte verified; `backup verify` follows every timeline.
// Without etcd/Patroni installed (test-servers/patroni/install.sh) the file is skipped; under CI=true it fails.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANCHOR_PREFIX, verifyAuditChain } from '../../src/audit/audit-chain.ts';
import { mintDevToken } from '../../src/auth/dev-token.ts';
import { listBackups } from '../../src/backup/catalog.ts';
import { ensurePgTools } from '../../src/backup/pg-tools.ts';
import { startPgServer } from '../../src/backup/pg-server.ts';
import { startBackupScheduler, type BackupScheduler } from '../../src/backup/scheduler.ts';
import { createLogger, createService, type Service } from '../../src/bootstrap.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import { walArchiveDir } from '../../src/db/archive-settings.ts';
import { currentTimeline, switchWal } from '../../src/db/server-facts.ts';
import { connect, primaryUrl } from '../../src/db/sql.ts';
import { outboxStats } from '../../src/documents/fhir-outbox-worker.ts';
import { startIntegrity } from '../../src/integrity/background.ts';
import { scrubStatus } from '../../src/integrity/scrubber.ts';
import { reconcile } from '../../src/jobs/reconcile.ts';
import { hapiBaseUrl } from '../support/hapi-url.ts';
import { APP_PASSWORD, APP_USER, patroniAvailable, startPatroniCluster, type PatroniCluster } from '../support/patroni.ts';
import { readBackFailures, startUploadLoad, type UploadLoad } from '../support/upload-load.ts';
import { pdfBytes, sha256, uploadRaw } from '../support/fixtures.ts';

const available = await patroniAvailable();
if (!available && process.env.CI) throw new Error('etcd/Patroni are not installed: run test-servers/patroni/install.sh (.ci/servers does)');
const hapi = (() => {
  try {
    return hapiBaseUrl();
  } catch (e) {
    if (process.env.CI) throw e;
    return null; // locally without HAPI (QUILL_TEST_HAPI=0): the outbox part is left out
  }
})();

const BIN = fileURLToPath(new URL('../../bin/quill-docstore.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> {
  const t = Date.now();
  while (!(await cond())) {
    if (Date.now() - t > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

type Snapshot = { documents: { id: string; status: string; current_version: number }[]; versions: { document_id: string; version: number; sha256: string }[] };
async function snapshot(sql: postgres.Sql): Promise<Snapshot> {
  return {
    documents: [...(await sql<Snapshot['documents']>`select id::text, status, current_version from documents order by id`)],
    versions: [...(await sql<Snapshot['versions']>`select document_id::text, version, sha256 from document_versions order by document_id, version`)],
  };
}

describe.skipIf(!available)('the service on a Patroni cluster whose primary fails over', () => {
  let pg: PatroniCluster;
  let work = '';
  let cfg: Config;
  let env: NodeJS.ProcessEnv;
  let service: Service;
  let baseUrl = '';
  let token = '';
  let backups: BackupScheduler | null = null;
  let integrity: ReturnType<typeof startIntegrity> | null = null;
  let load: UploadLoad | null = null;
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  const failovers: { at: number; to: string; timeline: number }[] = [];

  beforeAll(async () => {
    process.on('uncaughtExceptionMonitor', onUncaught);
    await ensurePgTools();
    pg = await startPatroniCluster();
    work = await mkdtemp(path.join(os.tmpdir(), 'quill-ha-'));
    await chmod(work, 0o755); // as root, a restore's PostgreSQL runs as 'postgres' and must reach its data directory
    const secret = randomBytes(32).toString('base64url');
    env = {
      DATABASE_URL: pg.databaseUrl,
      QUILL_BACKUP_DATABASE_URL: pg.backupUrl,
      QUILL_BACKUP_DIR: pg.backupDir,
      QUILL_DATA_DIR: path.join(work, 'data'),
      QUILL_JWT_SECRET: secret,
      QUILL_BACKUP_SCHEDULE: 'false', // the scheduler is started below with a 1 s tick
      QUILL_AUDIT_ANCHOR_INTERVAL: '1',
      QUILL_SCRUB_RATE: '64',
      QUILL_SCRUB_INTERVAL_DAYS: '0.00002', // a pass due every second or so
      ...(hapi ? { QUILL_FHIR_URL: hapi } : {}),
      LOG_LEVEL: process.env.QUILL_TEST_LOG ?? 'silent',
    };
    cfg = loadConfig({ ...env, HOST: '127.0.0.1', PORT: '0' });
    const log = createLogger(cfg.logLevel);
    service = await createService(cfg, log);
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(service.app.server.address() as { port: number }).port}`;
    token = await mintDevToken(Buffer.from(secret), cfg.jwt, { sub: 'dr.failover', roles: ['clinician'] });
    // the loops as the service runs them, with short pauses (the service's own start a minute in, retry each minute)
    backups = startBackupScheduler(cfg, service.db.sql, log, { tickMs: 1000 });
    integrity = startIntegrity(service.db.sql, service.blobs, service.blobs.live, log, cfg, { startDelayMs: 0, retryMs: 1000 });
  });

  afterAll(async () => {
    process.off('uncaughtExceptionMonitor', onUncaught);
    await load?.stop();
    await backups?.stop();
    await integrity?.stop();
    await service?.close();
    await pg?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 180_000);

  it('takes the first full backup at once on a new deployment', async () => {
    await until('the first backup', async () => (await listBackups(cfg.backup)).length > 0, 120_000);
    const [first] = await listBackups(cfg.backup);
    expect(first).toMatchObject({ kind: 'full', timeline: 1, verified: true });
  }, 180_000);

  it('two failovers under upload load: 0 acknowledged lost, only 503s in between, nothing left behind, the jobs carry on', async () => {
    load = startUploadLoad(baseUrl, token, { clients: 4 });
    await load.waitFor('uploads before the first kill', () => load!.ackedIn('before') >= 15);
    for (const phase of ['after-1', 'after-2']) {
      const old = await pg.leader();
      if (!old) throw new Error('no leader');
      const at = Date.now();
      old.killPostmaster();
      load.setPhase(phase);
      const next = await pg.waitForLeader({ not: old.name });
      await load.waitFor(`uploads on the new primary ${next.name}`, () => load!.ackedIn(phase) >= 15);
      failovers.push({ at, to: next.name, timeline: await currentTimeline(service.db.sql) });
      await pg.waitHealthy(); // the old primary rejoined before the next kill
    }
    await load.stop();
    const l = load;
    load = null;

    expect(uncaught).toEqual([]);
    expect(l.unexpected).toEqual([]); // no 500, no other status, no reset
    expect(l.refused.length).toBeGreaterThan(0); // the kills were felt, as 503s
    expect(new Set(l.refused.map((r) => r.code))).toEqual(new Set(['storage_unavailable']));
    expect(await readBackFailures(baseUrl, token, l.acked.values())).toEqual([]);
    console.log(`[failover] ${l.acked.size} uploads acknowledged (${['before', 'after-1', 'after-2'].map((p) => `${p} ${l.ackedIn(p)}`).join(', ')}), ${l.refused.length} answered 503 (slowest ${Math.max(...l.refused.map((r) => r.ms))} ms); timelines ${failovers.map((f) => f.timeline).join(', ')}`);

    // the audit chain is whole across both failovers
    const audit = await verifyAuditChain(service.db.sql, service.blobs.live);
    expect(audit.breaks).toEqual([]);
    expect(audit.ok).toBe(true);

    // uploads whose commit a kill cut: reconcile resolves them by their intent, and a second run finds nothing
    const quiet = createLogger('silent');
    const first = await reconcile(service.db.sql, service.blobs.live, quiet, { graceSeconds: 0, keepUnreferencedSeconds: 0 });
    expect(first.missingBlobs).toEqual([]);
    expect(first.errors).toEqual([]);
    const second = await reconcile(service.db.sql, service.blobs.live, quiet, { graceSeconds: 0, keepUnreferencedSeconds: 0 });
    expect([second.staleIntents, second.orphansRemoved, second.cutCommitsClosed ?? 0, second.missingBlobs.length]).toEqual([0, 0, 0, 0]);
    const [left] = await service.db.sql<{ n: number }[]>`select count(*)::int as n from upload_intents where state <> 'committed'`;
    expect(left!.n).toBe(0);

    // the background loops run on the new primary: a full backup on its timeline, a scrub pass and an anchor after it
    const last = failovers.at(-1)!;
    await until('a full backup on the new timeline', async () => (await listBackups(cfg.backup)).some((b) => b.kind === 'full' && b.timeline === last.timeline), 120_000);
    const verified = (await scrubStatus(service.db.sql)).versionsVerified;
    await until('the scrubber verifying versions again', async () => (await scrubStatus(service.db.sql)).versionsVerified > verified, 60_000);
    await uploadRaw(baseUrl, token, pdfBytes('an audit row after the failovers'));
    await until('an audit anchor written after the failovers', async () => {
      for await (const o of service.blobs.live.list(ANCHOR_PREFIX)) if (o.lastModified.getTime() > last.at + 2000) return true;
      return false;
    });
    if (hapi) await until('the FHIR outbox drained into the remote index', async () => (await outboxStats(service.db.sql)).backlog === 0, 120_000);
  }, 600_000);

  it('restores to an instant after the failovers from the backup taken before them, across both timeline switches', async () => {
    const sql = service.db.sql;
    const expected = await snapshot(sql);
    expect(expected.documents.length).toBeGreaterThan(30);
    await sleep(1100);
    const target = new Date().toISOString();
    await sleep(1100);
    const after = await uploadRaw(baseUrl, token, pdfBytes('after the target'));
    expect(after.status).toBe(201);
    // what `restore` does on the live repository (its marker): a commit, then its WAL segment switched and archived
    const backupSql = connect(await primaryUrl(pg.backupUrl), { max: 1 });
    try {
      const file = path.join(pg.archiveDir, await switchWal(backupSql));
      await until('the marker segment in the archive', () => existsSync(file), 60_000);
    } finally {
      await backupSql.end({ timeout: 1 });
    }

    // a repository holding only the full backup taken on timeline 1, before both failovers, and the shared archive
    const [first] = await listBackups(cfg.backup);
    expect(first!.timeline).toBe(1);
    const repo = path.join(work, 'repo-before-failovers');
    await mkdir(path.join(repo, 'base'), { recursive: true });
    await cp(path.join(cfg.backup.dir, 'base', first!.id), path.join(repo, 'base', first!.id), { recursive: true });
    await symlink(walArchiveDir(cfg.backup), path.join(repo, 'wal'));
    const into = path.join(work, 'restored');
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, LOG_LEVEL: 'warn', ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => resolve({ code, out }));
      });
    const r = await run(['restore', '--to', target, '--into', into], { QUILL_BACKUP_DIR: repo });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain(`timelines 1 → ${failovers[0]!.timeline} → ${failovers[1]!.timeline}`);
    expect(r.out).toMatch(/recovery stopping before commit/);
    expect(r.out).toContain('verify-restore: OK');

    // the restored database holds exactly the documents and versions of that instant
    const srv = await startPgServer(await ensurePgTools(), into, {});
    try {
      const restored = postgres(`postgres://${APP_USER}:${APP_PASSWORD}@127.0.0.1:${srv.port}/quill`, { max: 1, onnotice: () => undefined });
      try {
        expect(await snapshot(restored)).toEqual(expected);
      } finally {
        await restored.end({ timeout: 1 });
      }
    } finally {
      await srv.stop();
    }
    expect(expected.versions.map((v) => v.sha256)).not.toContain(sha256(pdfBytes('after the target')));

    // backup verify follows the archive across every timeline, from the first full backup on
    const v = await run(['backup', 'verify']);
    expect(v.code, v.out).toBe(0);
    expect(v.out).toContain('all backups and the WAL chain verified');
  }, 600_000);
});
