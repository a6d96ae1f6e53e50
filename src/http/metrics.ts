import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics: process defaults, plus the FHIR outbox's gauges when a remote FHIR server is configured. */
export function metricsRegistry(outbox?: () => Promise<{ backlog: number; oldestAgeSeconds: number; failing: number }>): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'quill_' });
  if (outbox) {
    let last: Promise<{ backlog: number; oldestAgeSeconds: number; failing: number }> | null = null;
    const stats = () => (last ??= outbox().finally(() => setTimeout(() => (last = null), 100)));
    new Gauge({ name: 'quill_fhir_outbox_backlog', help: 'FHIR outbox rows not yet written to the remote FHIR server', registers: [registry], collect: async function () { this.set((await stats()).backlog); } });
    new Gauge({ name: 'quill_fhir_outbox_oldest_age_seconds', help: 'Age of the oldest unwritten FHIR outbox row', registers: [registry], collect: async function () { this.set((await stats()).oldestAgeSeconds); } });
    new Gauge({ name: 'quill_fhir_outbox_failing', help: 'FHIR outbox rows that have failed at least once', registers: [registry], collect: async function () { this.set((await stats()).failing); } });
  }
  return registry;
}

/** Request latency by route and status, for every request the app answers. */
export function observeRequests(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'quill_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    duration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
