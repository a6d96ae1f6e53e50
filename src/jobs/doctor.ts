import { serverVersion } from '../db/server-facts.ts';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { storeChecks } from '../blobstores/store-checks.ts';
import { openEmbedded } from '../db/embedded-access.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { connect } from '../db/sql.ts';
import type { BlobStore, StoreCheck } from '../domain/ports.ts';
import { backupChecks } from './backup-doctor.ts';
import { replicationChecks } from './replication-doctor.ts';
import { scannerFromConfig } from '../scanning/background.ts';
import { scannerChecks } from '../scanning/scanner-checks.ts';

export interface DoctorReport {
  ok: boolean;
  checks: StoreCheck[];
}

/**
 * `quill-docstore doctor`: PostgreSQL (reachable, every migration applied), a blob store's own findings
 * (bucket/container, versioning, encryption, CORS, lifecycle) and the malware scanner (scanning/scanner-checks.ts).
 * Read-only, except the probe blob Azure needs to see whether uploads get a versionId (written and removed again).
 */
export async function runDoctor(cfg: Config, store: BlobStore, log: Logger): Promise<DoctorReport> {
  const [db, blob, scanner] = await Promise.all([checkDatabase(cfg, log, store), storeChecks(store), scannerChecks(scannerFromConfig(cfg), cfg.maxUploadBytes, cfg.scan.whenDown)]);
  const checks = [...db, ...blob, ...scanner];
  return { ok: checks.every((c) => c.ok), checks };
}

async function checkDatabase(cfg: Config, log: Logger, store: BlobStore): Promise<StoreCheck[]> {
  let url = cfg.databaseUrl;
  let embedded: { stop(): Promise<void> } | null = null;
  const where = url ? describeUrl(url) : `embedded PostgreSQL in ${path.join(cfg.dataDir, 'pg')}`;
  try {
    if (!url) {
      // Starting the embedded server is the only way to look inside it; never initialise one from here.
      if (!existsSync(path.join(cfg.dataDir, 'pg', 'PG_VERSION'))) {
        return [{ name: 'database.connect', ok: false, detail: `no embedded PostgreSQL in ${path.join(cfg.dataDir, 'pg')} and DATABASE_URL is not set`, fix: 'set DATABASE_URL, or run `quill-docstore migrate` once to create the embedded database' }];
      }
      // the running service's server when there is one; a server of our own only when none runs
      const e = await openEmbedded(cfg.dataDir, log, { shareRunning: true, backup: cfg.backup });
      embedded = e;
      await e.ready;
      url = e.url;
    }
  } catch (e) {
    return [{ name: 'database.connect', ok: false, detail: `could not start ${where}: ${(e as Error).message}`, fix: `check ${cfg.dataDir} (is another quill-docstore using it?)` }];
  }
  const sql = connect(url, { max: 1, timeoutMs: cfg.dbTimeoutMs });
  try {
    let version: string;
    try {
      version = await serverVersion(sql);
    } catch (e) {
      return [{ name: 'database.connect', ok: false, detail: `cannot reach ${where}: ${describeDbError(e)}`, fix: 'check DATABASE_URL (host, port, user, password, database) and that PostgreSQL accepts connections from here' }];
    }
    const checks: StoreCheck[] = [{ name: 'database.connect', ok: true, detail: `PostgreSQL ${version} at ${where}` }];
    try {
      const { files, pending } = await pendingMigrations(sql);
      checks.push(
        pending.length
          ? { name: 'database.migrations', ok: false, detail: `${files.length - pending.length} of ${files.length} migrations applied; pending: ${pending.join(', ')}`, fix: 'quill-docstore migrate (the service also applies them when it starts)' }
          : { name: 'database.migrations', ok: true, detail: `all ${files.length} migrations applied` },
      );
    } catch (e) {
      checks.push({ name: 'database.migrations', ok: false, detail: `could not read schema_migrations: ${describeDbError(e)}`, fix: 'grant this user SELECT on schema_migrations' });
    }
    checks.push(...(await backupChecks(cfg, sql)), ...(await replicationChecks(store, sql).catch(() => [])));
    return checks;
  } finally {
    await sql.end({ timeout: 1 });
    await embedded?.stop();
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`; // never the password
  } catch {
    return 'DATABASE_URL';
  }
}

function describeDbError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return `${err.code ? `${err.code}: ` : ''}${err.message ?? String(e)}`;
}
