import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config/config.ts';
import { openEmbedded } from '../db/embedded-access.ts';
import { pendingMigrations } from '../db/migrate.ts';
import { connect } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import type { BlobStore, StoreCheck } from '../domain/ports.ts';

export interface DoctorReport {
  ok: boolean;
  checks: StoreCheck[];
}

/**
 * `quill-docstore doctor`: PostgreSQL (reachable, every migration applied) and a blob store's own findings
 * (bucket/container, versioning, encryption, CORS, lifecycle). Read-only, except the probe blob Azure needs to see
 * whether uploads get a versionId (written and removed again).
 */
export async function runDoctor(cfg: Config, store: BlobStore, log: Logger): Promise<DoctorReport> {
  const [db, blob] = await Promise.all([checkDatabase(cfg, log), storeChecks(store)]);
  const checks = [...db, ...blob];
  return { ok: checks.every((c) => c.ok), checks };
}

/** The store's doctor(); a doctor that throws is itself a failed check, never an exception. */
export async function storeChecks(store: BlobStore): Promise<StoreCheck[]> {
  try {
    return await store.doctor();
  } catch (e) {
    return [{ name: `${store.kind}.doctor`, ok: false, detail: `the ${store.kind} store's checks failed: ${(e as Error).message}` }];
  }
}

async function checkDatabase(cfg: Config, log: Logger): Promise<StoreCheck[]> {
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
      const e = await openEmbedded(cfg.dataDir, log, { shareRunning: true });
      embedded = e;
      url = e.url;
    }
  } catch (e) {
    return [{ name: 'database.connect', ok: false, detail: `could not start ${where}: ${(e as Error).message}`, fix: `check ${cfg.dataDir} (is another quill-docstore using it?)` }];
  }
  const sql = connect(url, { max: 1, timeoutMs: cfg.dbTimeoutMs });
  try {
    let version: string;
    try {
      const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
      version = row?.v ?? '?';
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
    return checks;
  } finally {
    await sql.end({ timeout: 1 });
    await embedded?.stop();
  }
}

/**
 * The start-up rule for a non-fs live store (and a migration target): its objects must be versioned, so metadata can
 * pin each version and nothing a document points at can be replaced. Throws a ConfigError naming the fix unless
 * QUILL_ALLOW_UNVERSIONED=true (development only: Azurite has no versioning); throws storage_unavailable when the
 * store cannot be reached to tell. Returns the checks it ran (the readiness cache starts from them).
 */
export async function requireVersionedStore(store: BlobStore, cfg: Pick<Config, 'allowUnversioned'>, log: Logger, role = 'live store (QUILL_BLOB_STORE)'): Promise<StoreCheck[]> {
  if (store.kind === 'fs') return storeChecks(store); // keys are never reused and files never rewritten: nothing to version
  const checks = await storeChecks(store);
  const versioning = checks.find((c) => c.name.endsWith('.versioning'));
  if (!versioning) {
    const failed = checks.filter((c) => !c.ok);
    const why = failed.map((c) => `${c.name}: ${c.detail}${c.fix ? ` (fix: ${c.fix})` : ''}`).join('; ') || 'no versioning check was reported';
    throw new AppError('storage_unavailable', `the ${store.kind} ${role} could not be checked for versioning: ${why}`, { layer: 'blob' }, { retryAfter: 5 });
  }
  if (versioning.ok) return checks;
  if (cfg.allowUnversioned) {
    log.warn({ store: store.kind, detail: versioning.detail }, 'QUILL_ALLOW_UNVERSIONED=true: using an unversioned blob store (development only; never in production)');
    return checks;
  }
  throw new ConfigError(
    `refusing to use the ${store.kind} ${role}: ${versioning.detail}.\n  fix: ${versioning.fix ?? 'enable object versioning'}\n` +
      '  (QUILL_ALLOW_UNVERSIONED=true accepts an unversioned store for development only, e.g. Azurite.)',
  );
}

export interface CachedDoctor {
  /** The store's checks, re-run at most once per ttl; concurrent callers share one run. */
  (): Promise<{ checkedAt: string; checks: StoreCheck[] }>;
}

/** Keeps /readyz cheap: the deeper checks (several requests; a probe write on Azure) run at most once a minute. */
export function cachedDoctor(store: BlobStore, ttlMs = 60_000, seed?: StoreCheck[]): CachedDoctor {
  let cached: { at: number; value: Promise<{ checkedAt: string; checks: StoreCheck[] }> } | null = seed
    ? { at: Date.now(), value: Promise.resolve({ checkedAt: new Date().toISOString(), checks: seed }) }
    : null;
  return () => {
    if (!cached || Date.now() - cached.at >= ttlMs) {
      const at = Date.now();
      const value = storeChecks(store).then((checks) => ({ checkedAt: new Date(at).toISOString(), checks }));
      cached = { at, value };
    }
    return cached.value;
  };
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
