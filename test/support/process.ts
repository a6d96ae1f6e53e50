// Shared helpers for the real test servers (SeaweedFS, Azurite): spawn a
// server under a supervisor in its own process group, keep the tail of its
// output for error messages, wait for readiness, and stop the whole group.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly name: string;
  /** Last lines of the server's stdout+stderr, for error messages. */
  tail(): string;
  /** Resolves with a RegExp match once a line of output matches. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** SIGTERM to the server, SIGKILL to its process group after `graceMs`. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 60;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Ask every server still running when the test process exits to stop (the
 * supervisor's stdin watchdog covers deaths that skip the 'exit' event).
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      if (child.pid === undefined) continue;
      try {
        process.kill(child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // negative pid: the whole process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/*
 * The server runs under a tiny /bin/sh supervisor that leads its own process
 * group. It forwards SIGTERM/SIGINT to the server and exits only when the
 * server has exited, so `exit` on the ChildProcess means the server is gone.
 * Its stdin is a pipe from this process that is never written: when this
 * process dies for any reason (even SIGKILL, or vitest killing a worker), the
 * pipe closes and the watchdog stops the server, so no server is orphaned.
 */
const SUPERVISOR = `
trap 'kill -TERM "$server" 2>/dev/null' TERM INT
exec 3<&0
"$@" </dev/null 3<&- &
server=$!
(
  trap - TERM INT
  cat <&3 >/dev/null
  kill -TERM "$server" 2>/dev/null || exit 0
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    kill -0 "$server" 2>/dev/null || exit 0
    sleep 0.5
  done
  kill -KILL "$server" 2>/dev/null
) &
while :; do
  wait "$server"
  code=$?
  kill -0 "$server" 2>/dev/null || exit "$code"
done
`;

export function spawnServer(
  name: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): ServerProcess {
  installExitHook();
  const child = spawn('/bin/sh', ['-c', SUPERVISOR, `quill-${name}`, command, ...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true, // own process group, so stop() reaches every process of the server
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => {}); // never written; only its closing matters
  live.add(child);
  const lines: string[] = [];
  const watchers = new Set<(line: string) => void>();
  const echo = process.env.QUILL_TEST_SERVER_LOGS === '1';
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
  });
  child.once('error', (err) => lines.push(`[spawn error] ${err.message}`));

  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines.push(line);
      if (lines.length > TAIL_LINES) lines.shift();
      if (echo) process.stderr.write(`[${name}] ${line}\n`);
      for (const watch of watchers) watch(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const tail = (): string => lines.join('\n');

  return {
    child,
    name,
    tail,
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        for (const line of lines) {
          const m = line.match(pattern);
          if (m) return resolve(m);
        }
        const cleanup = (): void => {
          clearTimeout(timer);
          watchers.delete(watch);
          child.off('exit', onExit);
        };
        const watch = (line: string): void => {
          const m = line.match(pattern);
          if (m) {
            cleanup();
            resolve(m);
          }
        };
        const onExit = (code: number | null, signal: string | null): void => {
          cleanup();
          reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready:\n${tail()}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${tail()}`));
        }, timeoutMs);
        watchers.add(watch);
        child.once('exit', onExit);
      });
    },
    async stop(graceMs = 5000) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        // SIGTERM the supervisor only: it forwards one SIGTERM to the server and waits.
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      child.stdin?.destroy();
      // Supervisor gone: clear whatever is left of the group (the watchdog).
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // group already empty
        }
      }
    },
  };
}

/** Polls `probe` until it returns true; fails early if the server exits. */
export async function waitUntil(
  server: ServerProcess,
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(
        `${server.name} exited (code ${server.child.exitCode}, signal ${server.child.signalCode}) before ${what}:\n${server.tail()}`,
      );
    }
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`${server.name}: timed out after ${timeoutMs} ms waiting for ${what}${detail}:\n${server.tail()}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Asks the kernel for `count` distinct free TCP ports on 127.0.0.1. All
 * listeners are held until every port is known, so the ports differ; another
 * process may still take one before the server binds it, so callers retry.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<Server>((resolve, reject) => {
        const srv = createServer();
        srv.unref();
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve(srv));
      }),
    ),
  );
  const ports = servers.map((srv) => {
    const addr = srv.address();
    if (!addr || typeof addr !== 'object') throw new Error('could not allocate a free port');
    return addr.port;
  });
  await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
  return ports;
}

/** True if 127.0.0.1:port cannot be bound (something holds it). */
export async function isPortInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}
