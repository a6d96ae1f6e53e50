import { externalIdentityProvider } from '../../auth/keys.ts';
import { createLogger, createService } from '../../bootstrap.ts';
import { loadConfig } from '../../config/config.ts';
import { builtInStore } from '../../config/store-config.ts';

/** `start`: the service, until SIGINT or SIGTERM. */
export async function start(): Promise<number> {
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
  const metrics = service.metricsAddress();
  process.stderr.write(
    `\nQuill Document Store is running at ${base}\n  API docs (Swagger UI): ${base}/docs\n${metrics ? `  Metrics (Prometheus, no token): http://${metrics.host.includes(':') ? `[${metrics.host}]` : metrics.host}:${metrics.port}/metrics\n` : ''}  Database: ${cfg.databaseUrl ? 'DATABASE_URL' : `embedded PostgreSQL in ${cfg.dataDir}/pg`}; blobs: ${cfg.blobStore}${cfg.blobStore === 'fs' ? ` in ${builtInStore(cfg, 'fs').dir}` : ''}; FHIR: ${cfg.fhir.url ?? `built-in at ${base}/fhir`}\n  ${tokenHint}\n\n`,
  );
  return new Promise<number>(() => undefined); // runs until a signal
}
