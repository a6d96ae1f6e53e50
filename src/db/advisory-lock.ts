import type { Sql, Tx } from './sql.ts';


/**
 * Runs fn while holding a PostgreSQL session advisory lock named `name`, so one instance (or one operator command) at
 * a time does the work; returns `{ ran: false }` at once when another session holds it. The lock lives on a reserved
 * connection, so it is released when fn ends or when the process dies with its connection.
 */
export async function withAdvisoryLock<T>(sql: Sql, name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const conn = await sql.reserve();
  try {
    const [got] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${name})) as ok`;
    if (!got?.ok) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await conn`select pg_advisory_unlock(hashtext(${name}))`.catch(() => undefined);
    }
  } finally {
    conn.release();
  }
}


/**
 * Takes a transaction-scoped advisory lock named `name`, waiting for it; PostgreSQL releases it when the transaction
 * ends. Shared holders do not wait for each other, only for (and block) an exclusive holder.
 */
export async function xactLock(tx: Tx, name: string, opts: { shared?: boolean } = {}): Promise<void> {
  await (opts.shared ? tx`select pg_advisory_xact_lock_shared(hashtext(${name}))` : tx`select pg_advisory_xact_lock(hashtext(${name}))`);
}
