import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

export interface ShutdownOptions {
  /** How long to keep serving, not ready, so that load balancers stop sending requests here (QUILL_SHUTDOWN_GRACE_S). */
  graceMs: number;
  /** How long requests in flight (uploads included) may take to finish after that (QUILL_SHUTDOWN_TIMEOUT_S). */
  timeoutMs: number;
  /** Aborted (a second signal): skip what is left of both waits. */
  hurry?: AbortSignal;
}

/** Resolves after ms, or at once when `hurry` aborts. */
function pause(ms: number, hurry?: AbortSignal): Promise<void> {
  if (ms <= 0 || hurry?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      hurry?.removeEventListener('abort', done);
      resolve();
    }
    hurry?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The requests in flight on the HTTP server, and the drain of a stopping instance: once started, every answer not yet
 * begun carries `Connection: close`, so keep-alive connections (a balancer's pool) end after their current request
 * instead of being cut between two.
 */
export function requestDrain() {
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const closeAfter = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
  };
  const start = () => {
    draining = true;
    for (const res of inFlight) closeAfter(res);
  };
  return {
    /** True once the stop began: /readyz answers 503 (layer `instance`). */
    get draining() {
      return draining;
    },
    watch(server: Server) {
      server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
        inFlight.add(res);
        res.once('close', () => inFlight.delete(res));
        if (draining) closeAfter(res);
      });
    },
    inFlight: () => inFlight.size,
    /**
     * The HTTP side of a graceful stop: not ready at once; after graceMs no new connection is taken and the requests in
     * flight finish, for at most timeoutMs (then their connections are cut, and counted).
     */
    async stop(app: FastifyInstance, log: Logger, o: ShutdownOptions): Promise<{ cut: number }> {
      start();
      log.info({ graceMs: o.graceMs, inFlight: inFlight.size }, 'stopping: not ready any more; waiting for load balancers to notice');
      await pause(o.graceMs, o.hurry);
      log.info({ inFlight: inFlight.size, timeoutMs: o.timeoutMs }, 'stopping: no new connections; finishing the requests in flight');
      const closed = app.close();
      // connections that went idle after their last answer (keep-alive) are closed as they do
      const idle = setInterval(() => app.server.closeIdleConnections(), 100);
      let cut = 0;
      try {
        if (!(await Promise.race([closed.then(() => true), pause(o.timeoutMs, o.hurry).then(() => false)]))) {
          cut = inFlight.size;
          log.warn({ cut }, 'stopping: requests still in flight after QUILL_SHUTDOWN_TIMEOUT_S; cutting their connections');
          app.server.closeAllConnections();
          await closed;
        }
      } finally {
        clearInterval(idle);
      }
      return { cut };
    },
  };
}
