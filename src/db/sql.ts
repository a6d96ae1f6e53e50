import postgres from 'postgres';
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
}

export function connect(url: string, opts: ConnectOptions = {}): Sql {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  const bound = opts.boundStatements !== false;
  const multiHost = /^[^?]*@[^/?]*,/.test(url) || /[?&]host=[^&]*,/.test(url);
  return postgres(url, {
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
          // The server's own statement_timeout answers first while it runs; the watchdog covers a stopped server.
          // (postgres.js's own multi-host failover needs its own sockets: no watchdog there.)
          ...(multiHost ? {} : { socket: stallWatchedSocket(timeoutMs + 500) as never }),
        }
      : {}),
  });
}

/** One round trip: the database answers. */
export async function ping(sql: Sql): Promise<void> {
  await sql`select 1`;
}
