import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLogWriter } from './types.ts';
import type { TokenVerifier } from '../auth/verifier.ts';
import { AppError } from '../domain/errors.ts';
import { stripInvisibleControls } from '../domain/input-limits.ts';
import type { RequestContext } from '../domain/principal.ts';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
  interface FastifyContextConfig {
    /** false for the few public routes (health, docs, metrics, signed blob URLs). */
    auth?: boolean;
  }
}

export function baseContext(request: FastifyRequest): RequestContext {
  const given = request.headers['x-request-id'];
  return {
    principal: null,
    clientIp: request.ip ?? null,
    userAgent: request.headers['user-agent'] ?? null,
    requestId: String(request.id),
    clientRequestId: (Array.isArray(given) ? given[0] : given)?.slice(0, 200) || null,
  };
}

/**
 * Authenticates every route unless it opts out with config.auth = false. A missing or bad token is refused with
 * 401 and the refusal is written to the audit trail.
 */
export function authHook(verify: TokenVerifier, audit: AuditLogWriter) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    request.ctx = baseContext(request);
    if (request.routeOptions.config?.auth === false || request.url === '/docs' || request.url.startsWith('/docs/')) return;
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(header) : null;
    try {
      if (!match) throw new AppError('unauthenticated', 'send an Authorization: Bearer <JWT> header');
      request.ctx.principal = await verify(match[1]!);
      const breakGlass = request.headers['quill-break-glass'];
      if (breakGlass !== undefined) request.ctx.principal.breakGlass = breakGlassReason(breakGlass);
    } catch (e) {
      await audit(request.ctx, { action: 'auth', outcome: 'denied', errorCode: (e as AppError).code ?? 'invalid_token', detail: { route: request.routeOptions.url ?? null, method: request.method } });
      throw e;
    }
  };
}

/** The reason stated in a Quill-Break-Glass header: 3 to 500 printable characters (it is written to the audit trail). */
export function breakGlassReason(h: string | string[]): string {
  const v = (Array.isArray(h) ? h.join(', ') : h).trim();
  if (v.length < 3 || v.length > 500 || /[\x00-\x1f\x7f]/.test(v)) {
    throw new AppError('validation_failed', 'Quill-Break-Glass must state a reason (3 to 500 printable characters)', { field: 'Quill-Break-Glass' });
  }
  return stripInvisibleControls(v);
}
