import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

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
  return { http: closingIdleSockets(new http.Agent(o), idleMs), https: closingIdleSockets(new https.Agent(o), idleMs) };
}

/** Every socket the agent opens is destroyed after idleMs without a byte moving (the request then fails with a reset). */
function closingIdleSockets<A extends http.Agent>(agent: A, idleMs: number): A {
  const open = agent.createConnection.bind(agent);
  agent.createConnection = (options, callback) => {
    const socket = open(options, callback);
    if (socket instanceof net.Socket) socket.setTimeout(idleMs, () => socket.destroy());
    return socket;
  };
  return agent;
}
