import type { Service } from '../../bootstrap.ts';
import { loadConfig } from '../../config/config.ts';
import { createLogger } from '../../config/logger.ts';
import { beginDatabase, type Timed } from '../../db/open-database.ts';

/**
 * `start`: the service, until SIGINT or SIGTERM.
 *
 * PostgreSQL is begun first, and the rest of the service's code loads while it starts (on the embedded default it is
 * the slowest part after the code itself); under `npm start`, the page's bundle is checked beside them. Once the
 * service listens it logs `ready` with the time since the process began, each part's own time (parts overlap) and when
 * each ended.
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
  const database = beginDatabase(cfg, log, { timed });
  const web = process.env.npm_lifecycle_event === 'start' ? timed('web bundle check', import('../../http/routes/web/web-bundle.ts').then((m) => m.ensureWebBuilt(log))) : null;
  // a failure is answered where each is awaited (below), not as an unhandled rejection meanwhile
  database.then((d) => d.ready).catch(() => undefined);
  web?.catch(() => undefined);
  let service: Service;
  try {
    const { createService } = await timed('code', import('../../bootstrap.ts'));
    service = await createService(cfg, log, { database, timed });
    await web;
  } catch (e) {
    await database.then((d) => d.close(), () => undefined);
    throw e;
  }
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
  await timed('listen', service.app.listen({ host: cfg.host, port: cfg.port }));
  log.info({ readyMs: Math.round(performance.now()), parts, endedAt }, 'ready');
  const [{ externalIdentityProvider }, { builtInStore }] = await Promise.all([import('../../auth/keys.ts'), import('../../config/store-config.ts')]);
  const base = service.baseUrl();
  const tokenHint = externalIdentityProvider(cfg)
    ? 'Tokens come from your identity provider.'
    : 'Get a development token: npx quill-docstore token --sub alice --role clinician';
  process.stderr.write(
    `\nQuill Document Store is running at ${base}\n  API docs (Swagger UI): ${base}/docs\n  Database: ${cfg.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${cfg.dataDir}/pg`}; blobs: ${cfg.blobStore}${cfg.blobStore === 'fs' ? ` in ${builtInStore(cfg, 'fs').dir}` : ''}; FHIR: ${cfg.fhir.url ?? `built-in at ${base}/fhir`}\n  ${tokenHint}\n\n`,
  );
  return new Promise<number>(() => undefined); // runs until a signal
}
