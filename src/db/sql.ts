import postgres from 'postgres';
import { urlHosts, withHost } from './database-url.ts';
import { hostName, PrimaryLocator, type Host } from './primary-locator.ts';
import { primarySocket } from './primary-socket.ts';
import { stallWatchedSocket } from './stall-watchdog.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
/** Either a pool or an open transaction: repository functions accept both. */
export type Db = postgres.Sql | postgres.TransactionSql;

/** QUILL_DB_TIMEOUT_MS's default: see docs/configuration.md and docs/operations.md. */
export const DEFAULT_DB_TIMEOUT_MS = 5000;

export interface ConnectOptions {
  max?: number;
  /**
   * The bound on every database wait, in ms: connecting (and authenticating), a statement (server-side
   * statement_timeout and lock_timeout) and a connection on which the server stopped answering (stall watchdog).
   * Default DEFAULT_DB_TIMEOUT_MS.
   */
  timeoutMs?: number;
  /**
   * false for operator commands and migrations, whose statements may legitimately run long: only connecting is
   * bounded then. Default true.
   */
  boundStatements?: boolean;
  /** Told when the primary of a multi-host URL is found or moves (info). */
  log?: { info(obj: object, msg: string): void };
}

/**
 * A pool on DATABASE_URL. With several hosts (`postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=primary`, a
 * Patroni cluster) every new connection goes to the host that meets target_session_attrs now (primary-locator.ts),
 * waiting up to timeoutMs for one during a failover; a single host is used as given.
 */
export function connect(url: string, opts: ConnectOptions = {}): Sql {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  const bound = opts.boundStatements !== false;
  // The server's own statement_timeout answers first while it runs; the watchdog covers a stopped server.
  const stallMs = bound ? timeoutMs + 500 : 0;
  const options = {
    max: opts.max ?? 20,
    onnotice: () => undefined,
    connect_timeout: timeoutMs / 1000,
    idle_timeout: 30,
    types: { bigint: postgres.BigInt },
    transform: { undefined: null },
    ...(bound
      ? {
          connection: {
            statement_timeout: timeoutMs,
            lock_timeout: timeoutMs,
            // a transaction left open by a stuck client must not hold locks for long
            idle_in_transaction_session_timeout: Math.max(60_000, timeoutMs * 4),
          },
        }
      : {}),
  };
  const hosts = urlHosts(url);
  if (hosts.length <= 1) return postgres(url, { ...options, ...(bound ? { socket: stallWatchedSocket(stallMs) as never } : {}) });
  const locator = new PrimaryLocator(hosts, {
    probe: (h) => probe(url, h, timeoutMs),
    onPrimary: (h, previous, ms) =>
      opts.log?.info({ primary: hostName(h), previous: previous && hostName(previous), ms }, previous ? 'database primary moved' : 'database primary found'),
  });
  // postgres.js is given one host, so that it reports connection errors instead of trying the next host with no end
  const socket = primarySocket(locator, { stallMs, waitMs: timeoutMs });
  return postgres(url, { ...options, host: hosts[0]!.host, port: hosts[0]!.port, socket } as typeof options);
}

/** Resolves when a session on `h` meets the URL's target_session_attrs (postgres.js checks it on connecting). */
async function probe(url: string, h: Host, timeoutMs: number): Promise<void> {
  const sql = postgres(url, {
    host: h.host,
    port: h.port,
    max: 1,
    connect_timeout: timeoutMs / 1000,
    fetch_types: false,
    no_subscribe: true,
    onnotice: () => undefined,
    socket: stallWatchedSocket(timeoutMs + 500) as never,
  } as postgres.Options<{}>);
  try {
    await sql`select 1`;
  } finally {
    await sql.end({ timeout: 0 });
  }
}

/**
 * The URL of the one server a tool must talk to (pg_basebackup, pg_switch_wal, a backup's own statements, which must
 * all reach the same server): a single-host URL as it is; of a multi-host URL the member that is the primary now
 * (target_session_attrs=primary whatever the URL says: backups are taken from the primary, see docs/backups.md),
 * waiting up to timeoutMs for one during a failover.
 */
export async function primaryUrl(url: string, timeoutMs = DEFAULT_DB_TIMEOUT_MS): Promise<string> {
  const hosts = urlHosts(url);
  if (hosts.length <= 1) return url;
  const primary = withHost(url, hosts[0]!, { target_session_attrs: 'primary' });
  const locator = new PrimaryLocator(hosts, { probe: (h) => probe(primary, h, timeoutMs) });
  const h = await locator.locate(Date.now() + timeoutMs);
  return withHost(url, h, { target_session_attrs: 'primary' });
}

/** One round trip: the database answers. */
export async function ping(sql: Sql): Promise<void> {
  await sql`select 1`;
}
