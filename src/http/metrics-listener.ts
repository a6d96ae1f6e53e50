import Fastify from 'fastify';
import type { Registry } from 'prom-client';

export interface MetricsListener {
  /** Where it listens (the port the system chose when QUILL_METRICS_PORT is 0). */
  address(): { host: string; port: number };
  close(): Promise<void>;
}

/**
 * /metrics on a listener of its own (QUILL_METRICS_PORT, on QUILL_METRICS_HOST: loopback unless the operator says
 * otherwise), without a token, for a scraper on this machine or in this pod; it answers nothing else. On the API port
 * /metrics needs an admin token (routes/ops.ts): what it shows (the Node version, per-route counts, the scrubber's
 * totals, which approximate the number of documents) is not for every caller.
 */
export async function startMetricsListener(registry: Registry, at: { host: string; port: number }): Promise<MetricsListener> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  await app.listen({ host: at.host, port: at.port });
  const addr = app.server.address();
  const port = addr && typeof addr === 'object' ? addr.port : at.port;
  return { address: () => ({ host: at.host, port }), close: () => app.close() };
}
