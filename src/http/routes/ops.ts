import type { FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { Type, type Static } from 'typebox';
import type { TokenVerifier } from '../../auth/verifier.ts';
import { AppError } from '../../domain/errors.ts';
import { StringEnum } from '../../schema/typebox.ts';
import { problem } from '../schemas.ts';
import type { App, AuditLogWriter } from '../types.ts';

export interface ReadinessCheck {
  name: string;
  /** Throws when the layer is down; may return detail (e.g. the FHIR outbox backlog). */
  check: () => Promise<void | Record<string, unknown>>;
  /** false: the service still works without it (the remote FHIR index catches up from the outbox). */
  required?: boolean;
}

export interface OpsDeps {
  verify: TokenVerifier;
  audit: AuditLogWriter;
  /** Liveness beyond "the process answers": false when a part we own (the embedded PostgreSQL) cannot come back. */
  health?: () => { ok: boolean; detail?: string };
}

/** Each readiness check gets this long; a layer that has not answered by then is reported down (timeout). */
export const READINESS_CHECK_TIMEOUT_MS = 1500;

const readinessBody = Type.Object({
  status: StringEnum(['ready', 'degraded', 'unavailable']),
  layers: Type.Array(
    Type.Object({
      layer: Type.String(),
      status: StringEnum(['ok', 'down']),
      required: Type.Boolean(),
      detail: Type.Optional(Type.Unknown({ description: 'admin only: what was checked, or why the layer is down' })),
    }),
  ),
});

const healthBody = Type.Object({ status: StringEnum(['ok', 'unhealthy']), detail: Type.Optional(Type.String()) });

export function opsRoutes(app: App, checks: ReadinessCheck[], registry: Registry, deps: OpsDeps): void {
  app.get('/healthz', {
    config: { auth: false },
    schema: {
      tags: ['operations'],
      summary: 'The process is alive (503 when a part it supervises, the embedded PostgreSQL, cannot be brought back: restart it)',
      response: { 200: healthBody, 503: healthBody },
    },
    handler: async (_request, reply) => {
      const h = deps.health?.() ?? { ok: true };
      if (!h.ok) {
        reply.code(503);
        return { status: 'unhealthy' as const, detail: h.detail };
      }
      return { status: 'ok' as const };
    },
  });

  app.get('/readyz', {
    config: { auth: false },
    schema: {
      tags: ['operations'],
      summary: 'Every storage layer answers',
      description:
        'Public: overall status and each layer ok/down, nothing else. With an admin bearer token (or `?verbose`, which requires one) the answer adds each layer\'s detail: store names, doctor findings, errors. Each check is given 1.5 s, so the answer comes within 2 s.',
      querystring: Type.Object({ verbose: Type.Optional(Type.String()) }),
      response: { 200: readinessBody, 503: readinessBody, 401: problem, 403: problem },
    },
    handler: async (request, reply) => {
      const verbose = await wantsDetail(request, request.query.verbose !== undefined, deps);
      const results = await Promise.all(
        checks.map(async (c) => {
          try {
            const detail = await withTimeout(c.check(), READINESS_CHECK_TIMEOUT_MS, c.name);
            return { layer: c.name, status: 'ok' as const, required: c.required !== false, ...(detail ? { detail } : {}) };
          } catch (e) {
            return { layer: c.name, status: 'down' as const, required: c.required !== false, detail: (e as Error).message };
          }
        }),
      );
      const ready = results.every((r) => r.status === 'ok' || !r.required);
      const degraded = results.some((r) => r.status !== 'ok');
      if (!ready) reply.code(503).header('retry-after', '5');
      const layers = verbose ? results : results.map(({ layer, status, required }) => ({ layer, status, required }));
      const status: Static<typeof readinessBody>['status'] = ready ? (degraded ? 'degraded' : 'ready') : 'unavailable';
      return { status, layers };
    },
  });

  app.get('/metrics', {
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics (admin); scrapers use QUILL_METRICS_PORT, a listener of its own on loopback',
      response: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: Type.String() } } }, 401: problem, 403: problem },
    },
    handler: async (request, reply) => {
      // the Node version, per-route counts and the scrubber's totals (about the number of documents): admins only
      if (!request.ctx.principal?.roles.includes('admin')) {
        const e = new AppError('forbidden', '/metrics needs the admin role (or QUILL_METRICS_PORT, a listener of its own on loopback)');
        await auditDenied(request, deps, e, '/metrics');
        throw e;
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  });
}

/**
 * Details (paths, bucket, key ARN, CORS origins, error text) only for an admin: asked for by sending a bearer token
 * or `?verbose`. A bad token or a non-admin is refused (and audited) rather than silently given the public answer.
 */
async function wantsDetail(request: FastifyRequest, verboseAsked: boolean, deps: OpsDeps): Promise<boolean> {
  const header = request.headers.authorization;
  const asked = header !== undefined || verboseAsked;
  if (!asked) return false;
  const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header) : null;
  try {
    if (!match) throw new AppError('unauthenticated', '/readyz details need an admin bearer token');
    request.ctx.principal = await deps.verify(match[1]!);
    if (!request.ctx.principal.roles.includes('admin')) throw new AppError('forbidden', '/readyz details need the admin role');
    return true;
  } catch (e) {
    await auditDenied(request, deps, e, '/readyz');
    throw e;
  }
}

/** A refused operations request, on the trail like every denial. */
async function auditDenied(request: FastifyRequest, deps: OpsDeps, e: unknown, route: string): Promise<void> {
  await deps
    .audit(request.ctx, { action: 'auth', outcome: 'denied', errorCode: (e as AppError).code ?? 'invalid_token', detail: { route, method: request.method } })
    .catch((ae) => request.log.error({ err: ae }, 'could not write audit row for a refused request'));
}

function withTimeout<T>(p: Promise<T>, ms: number, name: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
  });
  p.catch(() => undefined); // a check that fails after its timeout must not become an unhandled rejection
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
