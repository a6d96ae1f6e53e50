import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * Keep-alive HTTP and HTTPS agents whose sockets are closed after `idleMs` with no byte moving either way, so a
 * store that takes the connection and then goes silent fails the request (a reset the SDK retries, then reports)
 * instead of holding it for ever. Idle rather than total time: a long upload or download is fine while bytes move.
 * For SDKs that offer only a total per-try timeout (Azure's tryTimeoutInMs would cut long block uploads); written
 * by hand because Node's own agent `timeout` option only closes sockets that sit unused in the pool.
 */
export interface IdleTimeoutAgents {
  http: http.Agent;
  https: https.Agent;
}

export function idleTimeoutAgents(idleMs: number, options: { maxSockets?: number } = {}): IdleTimeoutAgents {
  const o = { keepAlive: true, maxSockets: options.maxSockets ?? 64 };
  return { http: new IdleHttpAgent(idleMs, o), https: new IdleHttpsAgent(idleMs, o) };
}

function closeWhenIdle(socket: Duplex | null | undefined, idleMs: number): void {
  if (socket instanceof net.Socket) socket.setTimeout(idleMs, () => socket.destroy());
}

class IdleHttpAgent extends http.Agent {
  readonly #idleMs: number;
  constructor(idleMs: number, o: http.AgentOptions) {
    super(o);
    this.#idleMs = idleMs;
  }
  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    closeWhenIdle(socket, this.#idleMs);
    return socket;
  }
}

class IdleHttpsAgent extends https.Agent {
  readonly #idleMs: number;
  constructor(idleMs: number, o: https.AgentOptions) {
    super(o);
    this.#idleMs = idleMs;
  }
  override createConnection(options: http.ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    closeWhenIdle(socket, this.#idleMs);
    return socket;
  }
}
