import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  /** Throws when the layer is down; may return detail (e.g. the FHIR outbox backlog). */
  check: () => Promise<void | Record<string, unknown>>;
  /** false: the service still works without it (the remote FHIR index catches up from the outbox). */
  required?: boolean;
}

export function opsRoutes(app: FastifyInstance, checks: ReadinessCheck[], registry: Registry): void {
  app.get('/healthz', { config: { auth: false }, schema: { tags: ['operations'], summary: 'The process is alive' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { auth: false },
    schema: { tags: ['operations'], summary: 'Every storage layer answers; the detail names the one that does not' },
    handler: async (_request, reply) => {
      const results = await Promise.all(
        checks.map(async (c) => {
          try {
            const detail = await c.check();
            return { layer: c.name, status: 'ok' as const, required: c.required !== false, ...(detail ? { detail } : {}) };
          } catch (e) {
            return { layer: c.name, status: 'down' as const, required: c.required !== false, detail: (e as Error).message };
          }
        }),
      );
      const ready = results.every((r) => r.status === 'ok' || !r.required);
      const degraded = results.some((r) => r.status !== 'ok');
      if (!ready) reply.code(503).header('retry-after', '5');
      return { status: ready ? (degraded ? 'degraded' : 'ready') : 'unavailable', layers: results };
    },
  });

  app.get('/metrics', {
    config: { auth: false },
    schema: { tags: ['operations'], summary: 'Prometheus metrics' },
    handler: async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  });
}
