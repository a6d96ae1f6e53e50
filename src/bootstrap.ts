import { readFileSync } from 'node:fs';
import { systemContext, type RequestContext } from './domain/principal.ts';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { recordAudit } from './audit/audit-log.ts';
import { externalIdentityProvider, jwtSecret, urlSigningKey } from './auth/keys.ts';
import { createVerifier } from './auth/verifier.ts';
import { createBlobStore } from './blobstores/create-blob-store.ts';
import { BlobStoreRegistry } from './blobstores/store-registry.ts';
import { loadConfig, publicBaseUrl, type Config } from './config/config.ts';
import { createLogger } from './config/logger.ts';
import { beginDatabase, openDatabase, type Database, type OpeningDatabase, type Timed } from './db/open-database.ts';
import { ping, type Sql } from './db/sql.ts';
import { hashWorkerReady } from './documents/hash-offload.ts';
import { DocumentService } from './documents/service.ts';
import { buildApp } from './http/app.ts';
import { ResumableUploads } from './uploads/resumable-uploads.ts';
import { remoteFhirIndexFromConfig, type RemoteFhirIndex } from './fhir/remote-index.ts';
import { cachedDoctor } from './blobstores/store-checks.ts';
import { requireVersionedStore } from './blobstores/startup-gate.ts';
import { outboxStats, startOutboxWorker } from './documents/fhir-outbox-worker.ts';
import { deploymentId } from './documents/outbox-repository.ts';
import { AuditService } from './audit/audit-service.ts';
import { FhirIndexService } from './fhir/index-service.ts';
import { RetentionService } from './retention/retention-service.ts';
import { runDisposals } from './retention/disposal.ts';
import { startIntegrity } from './integrity/background.ts';
import { startScanning } from './scanning/background.ts';
import { startBackupsIfApplicable } from './backup/scheduler.ts';

export { createLogger, openDatabase, type Database };

/**
 * Every configured blob store, for the service and for every command: the live one (QUILL_BLOB_STORE) built now, the
 * others (fs, s3, azure and the QUILL_STORES names) when first asked for. Each version is read from the store it
 * lives in, so this is the one way to reach a store.
 */
export async function openStores(cfg: Config, baseUrl: () => string = () => publicBaseUrl(cfg)): Promise<BlobStoreRegistry> {
  const deps = { signingKey: await urlSigningKey(cfg), baseUrl };
  const create = (name: string) => createBlobStore(cfg, name, deps);
  return new BlobStoreRegistry(await create(cfg.blobStore), create, cfg.stores.map((s) => s.name));
}

/** The remote FHIR index of this deployment (QUILL_FHIR_URL), or null where the built-in index serves. */
export async function openRemoteIndex(cfg: Config, sql: Sql, baseUrl: () => string = () => publicBaseUrl(cfg)): Promise<RemoteFhirIndex | null> {
  return cfg.fhir.url ? remoteFhirIndexFromConfig(cfg, baseUrl, await deploymentId(sql)) : null;
}

/** Records governance, built one way for the service and for `reconcile`. */
export function createRetention(cfg: Config, p: { sql: Sql; log: Logger; blobs: BlobStoreRegistry; remote: RemoteFhirIndex | null; baseUrl?: () => string; onIndexWork?: () => void }): RetentionService {
  return new RetentionService({
    sql: p.sql,
    log: p.log,
    blobs: p.blobs,
    schedule: cfg.retentionSchedule,
    valueSet: cfg.valueSet,
    index: { baseUrl: p.baseUrl ?? (() => publicBaseUrl(cfg)), odsCode: cfg.odsCode, remoteFhir: Boolean(p.remote), ...(p.onIndexWork ? { onIndexWork: p.onIndexWork } : {}) },
  });
}

/** The log of an operator command: warnings and worse unless LOG_LEVEL asks for more, on stderr (stdout is its report). */
export const commandLogger = (cfg: Config): Logger => createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, 2);

/**
 * What an operator command works with, built the one way for every command: its configuration and log, the audit
 * context of its run (systemContext), and — each opened on first use — the database (the running service's own on the
 * embedded default, so every command runs beside the live service), the blob stores, the remote FHIR index and
 * records governance. close() releases whatever was opened.
 */
export interface Command {
  cfg: Config;
  log: Logger;
  ctx: RequestContext;
  db(): Promise<Database>;
  stores(): Promise<BlobStoreRegistry>;
  remote(): Promise<RemoteFhirIndex | null>;
  retention(): Promise<RetentionService>;
  close(): Promise<void>;
}

/** opts.verbose: log at LOG_LEVEL on stdout (a command whose log is its report, `migrate`); else commandLogger. */
export function openCommand(name: string, opts: { cfg?: Config; verbose?: boolean } = {}): Command {
  const cfg = opts.cfg ?? loadConfig();
  const log = opts.verbose ? createLogger(cfg.logLevel) : commandLogger(cfg);
  const once = <T>(make: () => Promise<T>) => {
    let made: Promise<T> | null = null;
    return () => (made ??= make());
  };
  const db = once(() => openDatabase(cfg, log, { command: true }));
  const stores = once(() => openStores(cfg));
  const remote = once(async () => openRemoteIndex(cfg, (await db()).sql));
  const retention = once(async () => createRetention(cfg, { sql: (await db()).sql, log, blobs: await stores(), remote: await remote() }));
  const opened: Promise<{ close(): Promise<void> }>[] = [];
  const track = <T extends { close(): Promise<void> }>(open: () => Promise<T>) => () => {
    const p = open();
    if (!opened.includes(p)) opened.push(p);
    return p;
  };
  return {
    cfg,
    log,
    ctx: systemContext(name),
    db: track(db),
    stores: track(stores),
    remote,
    retention,
    close: async () => {
      const all = opened.splice(0);
      await Promise.allSettled(all.map((p) => p.then((x) => x.close())));
    },
  };
}

export interface Service {
  app: FastifyInstance;
  db: Database;
  blobs: BlobStoreRegistry;
  documents: DocumentService;
  retention: RetentionService;
  baseUrl: () => string;
  remote: RemoteFhirIndex | null;
  close(): Promise<void>;
}

/**
 * The composition root: every layer is chosen here, from configuration, and nowhere else.
 *
 * Start-up runs what does not depend on each other side by side: the database (the embedded PostgreSQL starting and
 * the migrations check; the caller may have begun it already, while this code was loading: opts.database), the blob
 * stores with their versioning gate, the service's keys, and building the HTTP app (its routes and their compiled
 * schemas), which needs no query. Whatever queries waits for the database to be ready, and nothing listens before. An
 * S3/Azure live store that keeps no object versions still stops the start (exit 78) before anything serves; the
 * database begun beside it is closed again. opts.timed times each part (the `start` command logs them once ready).
 */
export async function createService(cfg: Config, log: Logger = createLogger(cfg.logLevel), opts: { database?: Promise<OpeningDatabase>; timed?: Timed } = {}): Promise<Service> {
  const timed: Timed = opts.timed ?? ((_part, work) => work);
  let boundPort: number | undefined;
  const baseUrl = () => publicBaseUrl(cfg, boundPort);
  const opening = opts.database ?? beginDatabase(cfg, log, { timed });
  opening.then((d) => d.ready).catch(() => undefined); // a failure is answered where it is awaited, below
  try {
    return await composeService(cfg, log, timed, baseUrl, (port) => (boundPort = port), opening);
  } catch (e) {
    // nothing serves: whatever did open (the database above all) is closed again
    await opening.then((d) => d.close(), () => undefined);
    throw e;
  }
}

async function composeService(cfg: Config, log: Logger, timed: Timed, baseUrl: () => string, onBound: (port: number) => void, opening: Promise<OpeningDatabase>): Promise<Service> {
  const stores = timed('stores', (async () => {
    const registry = await openStores(cfg, baseUrl);
    // an S3/Azure live store must keep object versions (or QUILL_ALLOW_UNVERSIONED=true)
    return { registry, doctor: cachedDoctor(registry.live, 60_000, await requireVersionedStore(registry.live, cfg, log)) };
  })());
  const [{ registry: blobs, doctor: blobDoctor }, signingKey, secret, db] = await Promise.all([stores, urlSigningKey(cfg), jwtSecret(cfg), opening]);
  const live = blobs.live;
  // a remote FHIR index reads its deployment id first: it waits for the database
  const remote = cfg.fhir.url ? await timed('fhir', db.ready.then(() => openRemoteIndex(cfg, db.sql, baseUrl))) : null;
  const worker = remote ? startOutboxWorker(db.sql, remote, log) : null;
  // these set timers and query only when they fire
  const integrity = startIntegrity(db.sql, blobs, live, log, cfg);
  const scanning = startScanning(db.sql, blobs, log, cfg);
  const verify = createVerifier({ ...cfg.jwt, secret, jwksUrl: cfg.jwt.jwksUrl ?? undefined });
  const retention = createRetention(cfg, { sql: db.sql, log, blobs, remote, baseUrl, onIndexWork: () => worker?.kick() });
  const disposalDeps = { sql: db.sql, log, blobs, removeRemote: remote ? (id: string) => remote.remove(id) : null };
  const documents = new DocumentService({
    sql: db.sql,
    blobs,
    log,
    valueSet: cfg.valueSet,
    allowedContentTypes: cfg.allowedContentTypes,
    maxUploadBytes: cfg.maxUploadBytes,
    odsCode: cfg.odsCode,
    downloadUrlTtl: cfg.downloadUrlTtl,
    downloadUrlMaxTtl: cfg.downloadUrlMaxTtl,
    remoteFhir: Boolean(remote),
    baseUrl,
    onIndexWork: () => worker?.kick(),
    retention,
    scanning: scanning.uploads,
  });
  // the hashing worker of large uploads, loaded now rather than while the first one waits for it
  void hashWorkerReady();
  const app = await timed('http app', buildApp({
    log,
    documents,
    audits: new AuditService(db.sql, log),
    fhirIndex: new FhirIndexService(db.sql, log),
    verify,
    audit: (ctx, e) => recordAudit(db.sql, ctx, e),
    valueSet: cfg.valueSet,
    maxUploadBytes: cfg.maxUploadBytes,
    urlSigningKey: signingKey,
    health: () => db.health(),
    extraMetrics: (registry) => {
      integrity.metrics(registry);
      scanning.metrics(registry);
    },
    tls: cfg.edge.tls ? { cert: readFileSync(cfg.edge.tls.certFile), key: readFileSync(cfg.edge.tls.keyFile) } : null,
    trustProxy: cfg.edge.trustProxy,
    readiness: [
      { name: 'database', check: () => ping(db.sql) },
      {
        name: 'blob',
        // ping on every call (one cheap request); the doctor findings are cached for a minute
        check: async () => {
          await live.ping();
          const { checkedAt, checks } = await blobDoctor();
          // fix commands are for operators running `doctor`, not for a public endpoint
          return { store: live.kind, doctor: { ok: checks.every((c) => c.ok), checkedAt, checks: checks.map(({ name, ok, detail }) => ({ name, ok, detail })) } };
        },
      },
      ...(remote
        ? [
            {
              name: 'fhir',
              required: false,
              check: async () => {
                const stats = await outboxStats(db.sql);
                try {
                  await remote.client.request('GET', 'metadata?_summary=true');
                } catch (e) {
                  throw new Error(`${(e as Error).message}; outbox backlog ${stats.backlog}, oldest ${Math.round(stats.oldestAgeSeconds)} s`);
                }
                return { outbox: stats };
              },
            },
          ]
        : []),
      integrity.readiness,
      scanning.readiness,
    ],
    baseUrl,
    requestTimeoutMs: cfg.requestTimeoutMs,
    odsCode: cfg.odsCode,
    outboxStats: remote ? () => outboxStats(db.sql) : undefined,
    retention: { service: retention, runDisposals: (ctx, batchId) => runDisposals(disposalDeps, ctx, { batchId }) },
    web: { devSecret: externalIdentityProvider(cfg) ? null : (secret ?? null), jwt: cfg.jwt, oidc: cfg.oidc, maxUploadBytes: cfg.maxUploadBytes },
    uploads: new ResumableUploads({ sql: db.sql, blobs, documents, log, valueSet: cfg.valueSet, allowedContentTypes: cfg.allowedContentTypes, maxUploadBytes: cfg.maxUploadBytes, expiryHours: cfg.uploadExpiryHours }),
  }));
  app.addHook('onListen', async () => {
    const addr = app.server.address();
    if (addr && typeof addr === 'object') onBound(addr.port);
  });
  // the routes' schemas compile while PostgreSQL starts; then what queries
  await Promise.all([timed('http ready', Promise.resolve(app.ready())), db.ready]);
  const backups = await timed('backups', startBackupsIfApplicable(cfg, db.sql, log));
  return {
    app,
    db,
    blobs,
    documents,
    retention,
    baseUrl,
    remote,
    close: async () => {
      await app.close();
      await integrity.stop();
      await scanning.stop();
      await worker?.stop();
      await backups?.stop();
      await db.close();
    },
  };
}
