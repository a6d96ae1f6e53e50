import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
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
            await c.check();
            return { layer: c.name, status: 'ok' as const };
          } catch (e) {
            return { layer: c.name, status: 'down' as const, detail: (e as Error).message };
          }
        }),
      );
      const ready = results.every((r) => r.status === 'ok');
      if (!ready) reply.code(503).header('retry-after', '5');
      return { status: ready ? 'ready' : 'unavailable', layers: results };
    },
  });

  app.get('/metrics', {
    config: { auth: false },
    schema: { tags: ['operations'], summary: 'Prometheus metrics' },
    handler: async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
  });
}
