import type postgres from 'postgres';

/**
 * Sends requests while every audit-chain lane is held (migration 012's advisory locks), so that the first statements
 * wait on a lane and the requests arriving meanwhile queue behind them; releases the lanes once `queued()` reaches
 * `expected` (or after 2.5 s, well inside the statements' 5 s lock timeout). Makes group commit certain in a test
 * rather than a matter of timing.
 */
export async function withAuditLanesHeld<T>(sql: postgres.Sql, queued: () => number, expected: number, send: () => Promise<T>): Promise<T> {
  const hold = await sql.reserve();
  await hold`select pg_advisory_lock(1364544588, l) from generate_series(0, 15) l`;
  let pending: Promise<T>;
  try {
    pending = send();
    for (const until = Date.now() + 2500; queued() < expected && Date.now() < until; ) await new Promise((r) => setTimeout(r, 10));
  } finally {
    await hold`select pg_advisory_unlock_all()`;
    hold.release();
  }
  return pending;
}
