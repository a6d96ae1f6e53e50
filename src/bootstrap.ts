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
import { requirePatientAccess } from './documents/access.ts';
import { buildApp } from './http/app.ts';
import { metricsRegistry } from './http/metrics.ts';
import { startMetricsListener } from './http/metrics-listener.ts';
import { requestDrain, type ShutdownOptions } from './http/request-drain.ts';
import { ResumableUploads } from './uploads/resumable-uploads.ts';
import { startUploadExpiry } from './uploads/expire-uploads.ts';
import { remoteFhirIndexFromConfig, type RemoteFhirIndex } from './fhir/remote-index.ts';
import { cachedDoctor } from './blobstores/store-checks.ts';
import { requireVersionedStore } from './blobstores/startup-gate.ts';
import { outboxStats, startOutboxWorker } from './documents/fhir-outbox-worker.ts';
import { deploymentId } from './documents/outbox-repository.ts';
import { AuditService } from './audit/audit-service.ts';
import { FhirIndexService } from './fhir/index-service.ts';
import { DocumentRecipient } from './mhd/provide-bundle.ts';
import { SubmissionSetService } from './mhd/list-search.ts';
import { remoteListWriter } from './mhd/remote-lists.ts';
import { RetentionService } from './retention/retention-service.ts';
import { runDisposals } from './retention/disposal.ts';
import { startIntegrity } from './integrity/background.ts';
import { startScanning, uploadScanning } from './scanning/background.ts';
import type { UploadScanning } from './documents/upload-scan.ts';
import { startBackupsIfApplicable } from './backup/scheduler.ts';
import { PatientExports } from './subject-access/patient-export.ts';

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

/** The documents service, built one way for the service and for the commands that store documents (`import`). */
export function createDocuments(
  cfg: Config,
  p: { sql: Sql; log: Logger; blobs: BlobStoreRegistry; remote: RemoteFhirIndex | null; retention: RetentionService; baseUrl?: () => string; onIndexWork?: () => void; scanning?: UploadScanning | null },
): DocumentService {
  return new DocumentService({
    sql: p.sql,
    blobs: p.blobs,
    log: p.log,
    valueSet: cfg.valueSet,
    allowedContentTypes: cfg.allowedContentTypes,
    maxUploadBytes: cfg.maxUploadBytes,
    odsCode: cfg.odsCode,
    downloadUrlTtl: cfg.downloadUrlTtl,
    downloadUrlMaxTtl: cfg.downloadUrlMaxTtl,
    remoteFhir: Boolean(p.remote),
    baseUrl: p.baseUrl ?? (() => publicBaseUrl(cfg)),
    ...(p.onIndexWork ? { onIndexWork: p.onIndexWork } : {}),
    retention: p.retention,
    maxOpenDownloads: cfg.maxOpenDownloads,
    // a command's uploads (import) scan as the service's do; the service passes its own, which counts in /metrics
    scanning: p.scanning !== undefined ? p.scanning : uploadScanning(cfg),
  });
}

/** Subject-access exports, built one way for the route and for `export`. */
export function createExports(cfg: Config, p: { sql: Sql; log: Logger; blobs: BlobStoreRegistry; baseUrl?: () => string }): PatientExports {
  return new PatientExports({ sql: p.sql, log: p.log, blobs: p.blobs, baseUrl: p.baseUrl ?? (() => publicBaseUrl(cfg)), odsCode: cfg.odsCode });
}

/** The log of an operator command: warnings and worse unless LOG_LEVEL asks for more, on stderr (stdout is its report). */
export const commandLogger = (cfg: Config): Logger => createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, 2);

/**
 * What an operator command works with, built the one way for every command: its configuration and log, the audit
 * context of its run (systemContext), and — each opened on first use — the database (the running service's own on the
 * embedded default, so every command runs beside the live service), the blob stores, the remote FHIR index,
 * records governance and the documents service. close() releases whatever was opened.
 */
export interface Command {
  cfg: Config;
  log: Logger;
  ctx: RequestContext;
  db(): Promise<Database>;
  stores(): Promise<BlobStoreRegistry>;
  remote(): Promise<RemoteFhirIndex | null>;
  retention(): Promise<RetentionService>;
  /** The documents service (the upload protocol), for commands that store documents. */
  documents(): Promise<DocumentService>;
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
  const documents = once(async () => createDocuments(cfg, { sql: (await db()).sql, log, blobs: await stores(), remote: await remote(), retention: await retention() }));
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
    documents,
    close: async () => {
      const all = opened.splice(0);
      await Promise.allSettled(all.map((p) => p.then((x) => x.close())));
    },
  };
}

export type { ShutdownOptions };

export interface Service {
  app: FastifyInstance;
  db: Database;
  blobs: BlobStoreRegistry;
  documents: DocumentService;
  retention: RetentionService;
  baseUrl: () => string;
  remote: RemoteFhirIndex | null;
  /** Where QUILL_METRICS_PORT's listener listens; null when it is not configured. */
  metricsAddress(): { host: string; port: number } | null;
  /**
   * The graceful stop of an instance behind a load balancer: /readyz answers 503 at once (layer `instance`) and every
   * answer from now on closes its connection; after graceMs, no new connection is taken and the requests in flight
   * are finished, for at most timeoutMs (then their connections are cut, and counted); then the background jobs stop,
   * the pool closes, and the embedded PostgreSQL, if any, stops last. Resolves with how many requests were cut.
   */
  shutdown(o: ShutdownOptions): Promise<{ cut: number }>;
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
  // the SubmissionSet Lists ride on their documents' outbox rows (src/mhd/remote-lists.ts)
  const worker = remote ? startOutboxWorker(db.sql, remote, log, { alsoWrite: remoteListWriter(db.sql, remote) }) : null;
  // these set timers and query only when they fire
  const integrity = startIntegrity(db.sql, blobs, live, log, cfg);
  const scanning = startScanning(db.sql, blobs, log, cfg);
  // started once the database is ready (below)
  let uploadExpiry: { stop(): Promise<void> } | null = null;
  let backups: Awaited<ReturnType<typeof startBackupsIfApplicable>> = null;
  const stopBackground = async () => {
    await integrity.stop();
    await scanning.stop();
    await uploadExpiry?.stop();
    await worker?.stop();
    await backups?.stop();
  };
  /** A start that fails past this point: what started here stops (createService closes the database), then rethrows. */
  const failed = async (e: unknown, app?: FastifyInstance): Promise<never> => {
    await app?.close().catch(() => undefined);
    await stopBackground().catch(() => undefined);
    throw e;
  };
  const verify = createVerifier({ ...cfg.jwt, secret, jwksUrl: cfg.jwt.jwksUrl ?? undefined });
  const retention = createRetention(cfg, { sql: db.sql, log, blobs, remote, baseUrl, onIndexWork: () => worker?.kick() });
  const disposalDeps = { sql: db.sql, log, blobs, removeRemote: remote ? (id: string) => remote.remove(id) : null };
  const drain = requestDrain();
  const documents = createDocuments(cfg, { sql: db.sql, log, blobs, remote, retention, baseUrl, onIndexWork: () => worker?.kick(), scanning: scanning.uploads });
  // the hashing worker of large uploads, loaded now rather than while the first one waits for it
  void hashWorkerReady();
  const metrics = metricsRegistry(remote ? () => outboxStats(db.sql) : undefined);
  integrity.metrics(metrics);
  scanning.metrics(metrics);
  const app = await timed('http app', buildApp({
    log,
    documents,
    audits: new AuditService(db.sql, log),
    fhirIndex: new FhirIndexService(db.sql, log, requirePatientAccess),
    mhd: {
      recipient: new DocumentRecipient({ sql: db.sql, log, batch: (ctx) => documents.batch(ctx), valueSet: cfg.valueSet, maxBundleBytes: cfg.maxBundleBytes }),
      lists: new SubmissionSetService(db.sql, log),
    },
    verify,
    audit: (ctx, e) => recordAudit(db.sql, ctx, e),
    valueSet: cfg.valueSet,
    maxUploadBytes: cfg.maxUploadBytes,
    urlSigningKey: signingKey,
    health: () => db.health(),
    metrics,
    tls: cfg.edge.tls ? { cert: readFileSync(cfg.edge.tls.certFile), key: readFileSync(cfg.edge.tls.keyFile) } : null,
    trustProxy: cfg.edge.trustProxy,
    readiness: [
      // a stopping instance: not ready at once, so that balancers send nothing more (shutdown())
      {
        name: 'instance',
        check: async () => {
          if (drain.draining) throw new Error('shutting down');
        },
      },
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
    sendTimeoutMs: cfg.sendTimeoutMs,
    odsCode: cfg.odsCode,
    retention: { service: retention, runDisposals: (ctx, batchId) => runDisposals(disposalDeps, ctx, { batchId }) },
    web: { devSecret: externalIdentityProvider(cfg) ? null : (secret ?? null), jwt: cfg.jwt, oidc: cfg.oidc, maxUploadBytes: cfg.maxUploadBytes },
    exports: createExports(cfg, { sql: db.sql, log, blobs, baseUrl }),
    uploads: new ResumableUploads({
      sql: db.sql,
      blobs,
      documents,
      log,
      valueSet: cfg.valueSet,
      allowedContentTypes: cfg.allowedContentTypes,
      maxUploadBytes: cfg.maxUploadBytes,
      expiryHours: cfg.uploadExpiryHours,
      maxOpenUploads: cfg.maxOpenUploads,
      minPatchBytes: cfg.tusMinPatchBytes,
    }),
  })).catch((e: unknown) => failed(e));
  app.addHook('onListen', async () => {
    const addr = app.server.address();
    if (addr && typeof addr === 'object') onBound(addr.port);
  });
  drain.watch(app.server);
  // the routes' schemas compile while PostgreSQL starts; then what queries
  await Promise.all([timed('http ready', Promise.resolve(app.ready())), db.ready]).catch((e: unknown) => failed(e, app));
  uploadExpiry = startUploadExpiry(db.sql, blobs, log, cfg.uploadExpiryHours);
  backups = await timed('backups', startBackupsIfApplicable(cfg, db.sql, log)).catch((e: unknown) => failed(e, app));
  const metricsListener =
    cfg.metrics.port === null
      ? null
      : await startMetricsListener(metrics, { host: cfg.metrics.host, port: cfg.metrics.port }).catch((e: unknown) =>
          failed(new Error(`QUILL_METRICS_PORT: cannot listen on ${cfg.metrics.host}:${cfg.metrics.port}: ${(e as Error).message}`, { cause: e }), app),
        );
  return {
    app,
    db,
    blobs,
    documents,
    retention,
    baseUrl,
    remote,
    metricsAddress: () => metricsListener?.address() ?? null,
    shutdown: async (o) => {
      const { cut } = await drain.stop(app, log, o);
      await metricsListener?.close();
      await stopBackground();
      await db.close();
      return { cut };
    },
    close: async () => {
      await metricsListener?.close();
      await app.close();
      await stopBackground();
      await db.close();
    },
  };
}
