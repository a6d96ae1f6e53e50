import type { FastifyInstance, HTTPMethods, RouteOptions } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { sendProblem } from './problem.ts';


/**
 * Collects every route as it is registered; `install` (after all routes) answers the other methods on each known
 * path with 405 and an Allow header (RFC 9110 §15.5.6), instead of a 404 that says the resource does not exist.
 */
export function methodNotAllowed(app: FastifyInstance): { install(): void } {
  const byUrl = new Map<string, Set<string>>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const set = byUrl.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) set.add(m.toUpperCase());
    byUrl.set(route.url, set);
  });
  return {
    install() {
      // every method Fastify routes (GET … QUERY, TRACE), in a stable order for the Allow header
      const METHODS = app.supportedMethods.filter((m) => m !== 'CONNECT') as HTTPMethods[];
      for (const [url, allowed] of [...byUrl.entries()]) {
        const others = METHODS.filter((m) => !allowed.has(m));
        if (!others.length || url === '*' || url.startsWith('/docs')) continue;
        const allow = METHODS.filter((m) => allowed.has(m)).join(', ');
        app.route({
          method: others,
          url,
          config: { auth: false },
          schema: { hide: true },
          // answer before any body is read or validated
          onRequest: async (request, reply) => {
            reply.header('allow', allow);
            return sendProblem(reply, request, new AppError('method_not_allowed', `${request.method} is not supported here; allowed: ${allow}`, { allow }));
          },
          handler: async () => undefined,
        });
      }
    },
  };
}
