import net from 'node:net';
import type { Host, PrimaryLocator } from './primary-locator.ts';
import { watchStalls } from './stall-watchdog.ts';

/**
 * postgres.js's `socket` option for a pool over a multi-host DATABASE_URL: each new connection goes to the server the
 * locator names as the primary, waiting up to `waitMs` for one while there is none (a failover). When none appears in
 * time the connection fails at once with the locator's NoPrimaryError (code CONNECT_TIMEOUT: an outage, 503 upstream)
 * rather than hang. A connection that fails, or that the server closes (a crash, a shutdown, a demotion), makes the
 * locator probe again before the next connection; one this side ends (idle timeout, pool end) does not.
 * Each socket is stall-watched (stall-watchdog.ts) as on a single host, unless `stallMs` is 0 (unbounded statements).
 */
export function primarySocket(locator: PrimaryLocator, o: { stallMs: number; waitMs: number }) {
  return async (): Promise<net.Socket> => {
    let host: Host;
    try {
      host = await locator.locate(Date.now() + o.waitMs);
    } catch (e) {
      return failedSocket(e as Error); // the pending query gets this error
    }
    const socket = net.connect(host.port, host.host);
    if (o.stallMs > 0) watchStalls(socket, o.stallMs);
    let endedHere = false;
    const end = socket.end.bind(socket) as (...a: unknown[]) => net.Socket;
    socket.end = ((...a: unknown[]) => {
      endedHere = true; // postgres.js ends a session with Terminate through end(); a failure destroys the socket
      return end(...a);
    }) as typeof socket.end;
    socket.once('close', () => {
      if (!endedHere) locator.forget(host);
    });
    return socket;
  };
}

/** A socket that fails with `e` once postgres.js, which it is returned to, has attached its listeners. */
function failedSocket(e: Error): net.Socket {
  const socket = new net.Socket();
  setImmediate(() => socket.destroy(e));
  return socket;
}
