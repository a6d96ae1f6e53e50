import net from 'node:net';

/**
 * A loopback TCP proxy that can be switched off and on, to take a real server "down" for the client under test
 * without stopping the server itself. Down means connections are refused, as when a server is not running.
 */
export interface TcpProxy {
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Holds every request byte for ms before passing it on (0: straight through), as a slow server would. */
  setDelay(ms: number): void;
  /** Request chunks being held right now. */
  readonly held: number;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let delay = 0;
  let held = 0;
  let server: net.Server | null = null;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        sockets.add(client).add(upstream);
        upstream.pipe(client);
        client.on('data', (chunk) => {
          if (delay === 0) return void upstream.write(chunk);
          held++;
          setTimeout(() => {
            held--;
            if (!upstream.destroyed) upstream.write(chunk);
          }, delay);
        });
        client.on('end', () => setTimeout(() => upstream.end(), delay));
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      if (!server) return resolve();
      server.close(() => resolve());
      server = null;
    });
  await listen();
  return {
    get port() {
      return port;
    },
    get held() {
      return held;
    },
    setDelay: (ms) => void (delay = ms),
    down: stop,
    up: listen,
    close: stop,
  };
}
