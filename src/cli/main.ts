import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, publicBaseUrl, type Config } from '../config/config.ts';
import { createLogger, createService, openDatabase } from '../bootstrap.ts';
import { externalIdentityProvider, jwtSecret, urlSigningKey } from '../auth/keys.ts';
import { mintDevToken } from '../auth/dev-token.ts';
import { Roles } from '../domain/principal.ts';
import { isValidNhsNumber } from '../domain/nhs-number.ts';
import { createBlobStore } from '../blobstores/create-blob-store.ts';
import { reconcile } from '../jobs/reconcile.ts';
import { reconcileFhir } from '../jobs/reconcile-fhir.ts';
import { reconcileRetention } from '../jobs/reconcile-retention.ts';
import { BlobStoreRegistry } from '../blobstores/store-registry.ts';
import { RetentionService } from '../retention/retention-service.ts';
import { deploymentId } from '../documents/outbox-repository.ts';
import { remoteFhirIndexFromConfig } from '../fhir/remote-index.ts';
import { HELP } from './help.ts';
import { reportFailure, stackOf } from './failure.ts';
import { once } from 'node:events';
import { AuditService } from '../audit/audit-service.ts';
import { createVerifier } from '../auth/verifier.ts';
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { AppError } from '../domain/errors.ts';
import { BLOB_STORE_KINDS, isBlobStoreKind, type BlobStore, type BlobStoreKind } from '../domain/ports.ts';
import { runDoctor } from '../jobs/doctor.ts';
import { requireVersionedStore } from '../blobstores/startup-gate.ts';
import { LOCKS, withAdvisoryLock } from '../db/advisory-lock.ts';
import { migrateBlobs, type MigrateBlobsReport } from '../jobs/migrate-blobs.ts';
import { duration, mib, progressRenderer } from './progress.ts';
import { toAuditEvent } from '../fhir/audit-event.ts';
import { runAuditVerify, runEncryptFs, runRotateKey, runScrub } from './integrity-commands.ts';
import { backupCommand, restoreCommand, verifyRestoreCommand } from './backup-commands.ts';
import { keepUnreferencedSeconds } from '../backup/reconcile-guard.ts';
import { runRescan } from './scan-commands.ts';

/** Commands other than start log warnings and worse unless LOG_LEVEL asks for more; fd 2 keeps stdout for the report. */
const commandLogger = (cfg: Config, fd = 1) => createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, fd);

/** What createBlobStore needs outside the running service: the fs URL key and the configured public URL. */
const storeDeps = async (cfg: Config) => ({ signingKey: await urlSigningKey(cfg), baseUrl: () => publicBaseUrl(cfg) });

/** Returns the process exit code. */
export async function main(argvIn: string[]): Promise<number> {
  const debug = argvIn.includes('--debug');
  const argv = argvIn.filter((a) => a !== '--debug');
  const [command = 'help', ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start();
      case 'token':
        return await token(rest);
      case 'reconcile':
        return await runReconcile(rest);
      case 'audit':
        return rest[0] === 'verify' ? await runAuditVerify(rest.slice(1)) : await auditExport(rest);
      case 'scrub':
        return await runScrub(rest);
      case 'rescan':
        return await runRescan(rest);
      case 'rotate-key':
        return await runRotateKey(rest);
      case 'migrate':
        return await runMigrate();
      case 'doctor':
        return await runDoctorCommand(rest);
      case 'migrate-blobs':
        return rest.includes('fs-encrypted') ? await runEncryptFs(rest) : await runMigrateBlobs(rest);
      case 'backup':
        return await backupCommand(rest);
      case 'restore':
        return await restoreCommand(rest);
      case 'verify-restore':
        return await verifyRestoreCommand(rest);
      case 'config':
        return printConfig();
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP);
        return 0;
      default:
        process.stderr.write(`unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 78; // EX_CONFIG
    }
    if (e instanceof AppError) {
      process.stderr.write(`${e.message}\n`);
      if (debug && e.cause) process.stderr.write(`${stackOf(e.cause)}\n`);
      return e.code === 'storage_unavailable' ? 69 : e.code === 'insufficient_storage' ? 73 : 1; // EX_UNAVAILABLE, EX_CANTCREAT
    }
    if (e instanceof TypeError && (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    return reportFailure(e, debug);
  }
}

async function start(): Promise<number> {
  const cfg = loadConfig();
  const log = createLogger(cfg.logLevel);
  const service = await createService(cfg, log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    await service.close().catch((e) => log.error({ err: e }, 'error while shutting down'));
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await service.app.listen({ host: cfg.host, port: cfg.port });
  const base = service.baseUrl();
  const tokenHint = externalIdentityProvider(cfg)
    ? 'Tokens come from your identity provider.'
    : 'Get a development token: npx quill-docstore token --sub alice --role clinician';
  process.stderr.write(
    `\nQuill Document Store is running at ${base}\n  API docs (Swagger UI): ${base}/docs\n  Database: ${cfg.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${cfg.dataDir}/pg`}; blobs: ${cfg.blobStore}${cfg.blobStore === 'fs' ? ` in ${cfg.fs.dir}` : ''}; FHIR: ${cfg.fhir.url ?? `built-in at ${base}/fhir`}\n  ${tokenHint}\n\n`,
  );
  return new Promise<number>(() => undefined); // runs until a signal
}

async function token(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { sub: { type: 'string' }, role: { type: 'string', multiple: true }, patient: { type: 'string', multiple: true }, expires: { type: 'string' } },
    strict: true,
  });
  const cfg = loadConfig();
  if (externalIdentityProvider(cfg)) {
    process.stderr.write('refused: an external identity provider is configured (QUILL_JWKS_URL or QUILL_JWT_SECRET); get tokens from it\n');
    return 1;
  }
  const roles = values.role ?? [];
  const bad = roles.filter((r) => !(Roles as readonly string[]).includes(r));
  if (!values.sub || roles.length === 0 || bad.length) {
    process.stderr.write(`usage: quill-docstore token --sub <user> --role <${Roles.join('|')}> [--patient <NHS number>]\n`);
    return 2;
  }
  const badPatients = (values.patient ?? []).filter((p) => !isValidNhsNumber(p));
  if (badPatients.length) {
    process.stderr.write(`not valid NHS numbers: ${badPatients.join(', ')}\n`);
    return 2;
  }
  const secret = (await jwtSecret(cfg))!;
  process.stdout.write(`${await mintDevToken(secret, cfg.jwt, { sub: values.sub, roles, patients: values.patient, expiresIn: values.expires })}\n`);
  return 0;
}

async function runReconcile(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { grace: { type: 'string' }, json: { type: 'boolean' }, fhir: { type: 'boolean' } }, strict: true });
  const cfg = loadConfig();
  const log = commandLogger(cfg);
  const db = await openDatabase(cfg, log, { command: true });
  try {
    if (values.fhir) {
      if (!cfg.fhir.url) throw new ConfigError('reconcile --fhir needs QUILL_FHIR_URL (the built-in index is written in the same transaction and cannot drift)');
      const r = await reconcileFhir(db.sql, remoteFhirIndexFromConfig(cfg, () => publicBaseUrl(cfg), await deploymentId(db.sql))!, log);
      if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        process.stdout.write(
          `reconcile --fhir: ${r.checked} documents checked, ${r.created} created, ${r.updated} updated, ${r.duplicatesRemoved} duplicates removed, ` +
            `${r.extraRemoved} extra removed, ${r.errors.length} errors\n` + r.errors.map((e) => `  ERROR ${e}\n`).join(''),
        );
      return r.errors.length ? 1 : 0;
    }
    const store = await createBlobStore(cfg, cfg.blobStore, await storeDeps(cfg));
    const graceSeconds = values.grace !== undefined ? Number(values.grace) : cfg.orphanGraceSeconds;
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0) throw new ConfigError('--grace must be a whole number of seconds');
    const deps = await storeDeps(cfg);
    const remote = cfg.fhir.url ? remoteFhirIndexFromConfig(cfg, () => publicBaseUrl(cfg), await deploymentId(db.sql)) : null;
    const blobs = new BlobStoreRegistry(store, (kind) => createBlobStore(cfg, kind, deps));
    const governance = new RetentionService({ sql: db.sql, log, blobs, schedule: cfg.retentionSchedule, valueSet: cfg.valueSet, index: { baseUrl: () => publicBaseUrl(cfg), odsCode: cfg.odsCode, remoteFhir: Boolean(remote) } });
    // one run at a time across every instance and operator (several service instances share one database)
    const locked = await withAdvisoryLock(db.sql, LOCKS.reconcile, async () => {
      const retention = await reconcileRetention(db.sql, blobs, log, remote ? (id) => remote.remove(id) : null, () => governance.backfill());
      return { ...(await reconcile(db.sql, store, log, { graceSeconds, keepUnreferencedSeconds: await keepUnreferencedSeconds(cfg, db.sql) })), retention };
    });
    if (!locked.ran) {
      process.stderr.write('reconcile: another reconcile run holds the lock (advisory lock quill-docstore:reconcile); try again when it ends\n');
      return 75;
    }
    const report = locked.value;
    const { retention } = report;
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else
      process.stdout.write(
        `reconcile: ${report.staleIntents} stale upload intents cleared, ${report.expiredUploads ?? 0} expired resumable uploads removed, ${report.orphansRemoved} orphan objects removed (${report.orphanBytes} bytes), ` +
          `${report.incompleteUploadsAborted} unfinished multipart uploads aborted, ` +
          `${report.missingBlobs.length} versions with missing bytes, ${report.errors.length} errors` +
          `${report.keptForRestore ? `; ${report.keptForRestore} unreferenced objects kept (younger than the ${cfg.backup.retentionDays}-day backup window)` : ''}\n` +
          report.missingBlobs.map((m) => `  MISSING ${m.documentId} v${m.version} ${m.key}\n`).join('') +
          report.errors.map((e) => `  ERROR ${e}\n`).join('') +
          `retention: ${retention.retentionComputed} documents given a retention date, ${retention.disposalsFinished.length} interrupted disposals finished, ${retention.disposalsFailed.length} failed, ` +
          `${retention.locksExtended} object locks extended, ${retention.legalHoldsChanged} legal holds brought in step\n` +
          [...retention.disposalsFailed, ...retention.lockErrors].map((e) => `  ERROR ${e.documentId}: ${e.error}\n`).join(''),
      );
    return report.errors.length || report.missingBlobs.length || retention.disposalsFailed.length || retention.lockErrors.length ? 1 : 0;
  } finally {
    await db.close();
  }
}

async function auditExport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { ndjson: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, patient: { type: 'string' }, document: { type: 'string' }, token: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  // NDJSON is the one format, so a bare `audit export` streams it (--ndjson stays accepted: it is a shipped name).
  const usage =
    'usage: quill-docstore audit export [--ndjson] [--from <ISO time>] [--to <ISO time>] [--patient <NHS number>] [--document <id>] [--token <JWT>]\n' +
    '       quill-docstore audit verify [--from <chain position>] [--json]\n';
  if (positionals[0] !== 'export') {
    process.stderr.write(usage);
    return 2;
  }
  const bad = [
    ...(['from', 'to'] as const).filter((k) => values[k] !== undefined && !isIsoTime(values[k]!)).map((k) => `--${k} must be an ISO-8601 date or date-time`),
    ...(values.patient !== undefined && !isValidNhsNumber(values.patient) ? ['--patient must be a valid NHS number'] : []),
    ...(values.document !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(values.document) ? ['--document must be a document id (UUID)'] : []),
  ];
  if (bad.length) {
    process.stderr.write(`${bad.join('\n')}\n${usage}`);
    return 2;
  }
  const cfg = loadConfig();
  const log = commandLogger(cfg, 2);
  // With --token the export runs as that user (permission and patient scope as GET /v1/audit); without one it is an
  // operator's export with the database's own credentials. Both are audited.
  const token = values.token ?? process.env.QUILL_TOKEN;
  const principal = token ? await createVerifier({ ...cfg.jwt, secret: await jwtSecret(cfg), jwksUrl: cfg.jwt.jwksUrl ?? undefined })(token) : null;
  const ctx = {
    principal: principal ?? { sub: `operator:${userInfo().username}`, roles: [], patients: null },
    clientIp: null,
    userAgent: 'quill-docstore audit export',
    requestId: randomUUID(),
  };
  const db = await openDatabase(cfg, log, { command: true });
  try {
    const base = publicBaseUrl(cfg);
    const q = { from: values.from, to: values.to, patient: values.patient, document: values.document };
    for await (const r of new AuditService(db.sql, log).export(ctx, q, { trusted: principal === null })) {
      if (!process.stdout.write(`${JSON.stringify(toAuditEvent(r, { odsCode: cfg.odsCode, baseUrl: base }))}\n`)) await once(process.stdout, 'drain');
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** An ISO-8601 date or date-time that PostgreSQL can hold (years 1–9999) and that names a real day. */
function isIsoTime(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d); // not Date.UTC, which reads years 0–99 as 1900–1999
  return y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d && !Number.isNaN(Date.parse(v.replace(' ', 'T')));
}

async function runMigrate(): Promise<number> {
  const cfg = loadConfig();
  const db = await openDatabase(cfg, createLogger(cfg.logLevel), { command: true });
  await db.close();
  return 0;
}

/** Closes a store's keep-alive sockets so the command exits promptly. */
const closeStore = (s: BlobStore | undefined) => (s as { destroy?: () => void } | undefined)?.destroy?.();

async function runDoctorCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, store: { type: 'string' } }, strict: true });
  const cfg = loadConfig();
  const kind = (values.store ?? cfg.blobStore) as BlobStoreKind;
  if (!isBlobStoreKind(kind)) {
    process.stderr.write(`usage: quill-docstore doctor [--store ${BLOB_STORE_KINDS.join('|')}] [--json]\n`);
    return 2;
  }
  const log = commandLogger(cfg, 2); // stdout is the report
  const store = await createBlobStore(cfg, kind, await storeDeps(cfg)).catch((e: Error) => {
    throw new ConfigError(`the ${kind} store is not configured: ${e.message}`);
  });
  try {
    const report = await runDoctor(cfg, store, log);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ store: kind, ...report })}\n`);
    } else {
      const width = Math.max(...report.checks.map((c) => c.name.length));
      process.stdout.write(`quill-docstore doctor (database, ${kind} store)\n`);
      for (const c of report.checks) {
        process.stdout.write(`  ${c.ok ? (c.warning ? 'WARN' : 'ok  ') : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}\n`);
        if ((!c.ok || c.warning) && c.fix) process.stdout.write(`        ${' '.repeat(width)}  fix: ${c.fix}\n`);
      }
      const failed = report.checks.filter((c) => !c.ok).length;
      process.stdout.write(failed ? `${failed} of ${report.checks.length} checks failed\n` : `all ${report.checks.length} checks passed\n`);
      if (failed && kind !== 'fs' && cfg.allowUnversioned) process.stdout.write('note: QUILL_ALLOW_UNVERSIONED=true is set (development only)\n');
    }
    return report.ok ? 0 : 1;
  } finally {
    closeStore(store);
  }
}

async function runMigrateBlobs(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { from: { type: 'string' }, to: { type: 'string' }, concurrency: { type: 'string' }, json: { type: 'boolean' }, 'progress-interval': { type: 'string' } },
    strict: true,
  });
  const kinds = `${BLOB_STORE_KINDS.join('|')}|<name in QUILL_STORES>`;
  const usage = `usage: quill-docstore migrate-blobs --from <${kinds}> --to <${kinds}> [--concurrency N] [--json] [--progress-interval <seconds>]\n`;
  const isStoreName = (s: string) => isBlobStoreKind(s) || /^[a-z][a-z0-9-]{0,31}$/.test(s);
  const from = values.from ?? '';
  const to = values.to ?? '';
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  const interval = values['progress-interval'] === undefined ? 5 : Number(values['progress-interval']);
  if (!isStoreName(from) || !isStoreName(to) || from === to || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64 || !(interval > 0)) {
    process.stderr.write(from && from === to ? `--from and --to must differ\n${usage}` : usage);
    return 2;
  }
  const cfg = loadConfig();
  const log = commandLogger(cfg, 2); // stdout is the report
  const deps = await storeDeps(cfg);
  const build = (kind: string) =>
    createBlobStore(cfg, kind, deps).catch((e: Error) => {
      throw new ConfigError(`the ${kind} store is not configured: ${e.message}`);
    });
  let source: BlobStore | undefined;
  let target: BlobStore | undefined;
  try {
    source = await build(from);
    target = await build(to);
    await source.ping();
    // The target gets the same rule as a live store: versioned (or QUILL_ALLOW_UNVERSIONED=true), and reachable.
    await requireVersionedStore(target, cfg, log, 'migration target');
    await target.ping();
    const db = await openDatabase(cfg, log, { command: true });
    try {
      const progress = progressRenderer(process.stderr, interval * 1000);
      const report = await migrateBlobs(db.sql, source, target, log, { concurrency, onProgress: (p) => progress.update(p) });
      progress.finish();
      process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : formatMigrateReport(report));
      return report.failed.length ? 1 : 0;
    } finally {
      await db.close();
    }
  } finally {
    closeStore(source);
    closeStore(target);
  }
}

function formatMigrateReport(r: MigrateBlobsReport): string {
  const secs = r.elapsedMs / 1000;
  const lines = [
    `migrate-blobs ${r.from} → ${r.to}: ${r.total} versions to move (${mib(r.totalBytes)})`,
    `  copied   ${r.copied}${r.adopted ? ` (${r.adopted} already in ${r.to} from an interrupted run: verified and adopted)` : ''}, every one SHA-256-verified in ${r.to}`,
    `  skipped  ${r.skipped} (already in ${r.to})`,
    `  failed   ${r.failed.length}`,
    ...r.failed.map((f) => `    ${f.documentId} v${f.version} ${f.key}: ${f.reason}`),
    `  ${mib(r.bytes)} in ${duration(secs)} (${mib(r.bytes / Math.max(secs, 0.001))}/s); ${r.remaining} versions left in ${r.from}`,
    `  the ${r.from} copies are kept: remove the old store only once backups and point-in-time restores no longer need it`,
  ];
  if (r.failed.length) lines.push('  re-run the same command to retry the failed versions once the cause is fixed');
  return `${lines.join('\n')}\n`;
}

function printConfig(): number {
  const cfg: Config = loadConfig();
  const hide = (v: string | null) => (v ? '[set]' : null);
  const shown = {
    ...cfg,
    databaseUrl: hide(cfg.databaseUrl),
    fs: { ...cfg.fs, signingKey: hide(cfg.fs.signingKey) },
    fsEncryption: { ...cfg.fsEncryption, kek: hide(cfg.fsEncryption.kek), kekPrevious: cfg.fsEncryption.kekPrevious.map(() => '[set]') },
    azure: { ...cfg.azure, connectionString: hide(cfg.azure.connectionString) },
    fhir: { ...cfg.fhir, token: hide(cfg.fhir.token), basicAuth: hide(cfg.fhir.basicAuth) },
    jwt: { ...cfg.jwt, secret: hide(cfg.jwt.secret) },
    valueSet: `${cfg.valueSet.types.length} types, ${cfg.valueSet.categories.length} categories`,
  };
  process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  return 0;
}
