import type { Sql, Tx } from './sql.ts';

/**
 * Every PostgreSQL advisory lock the service takes, in one place and one key space: a lock is named, and its key is
 * `hashtext(name)`. (The audit chain's lanes use a separate two-key space inside migration 012's trigger.)
 *
 * - Session locks live on a reserved connection, so they are released when the work ends or when the process dies
 *   with its connection: one instance (or one operator command) at a time does the work.
 * - Transaction locks are released at commit or rollback: they serialise statements on one thing (a patient's facts,
 *   one user's open uploads).
 */
export const LOCKS = {
  migrate: 'quill-docstore:migrate',
  reconcile: 'quill-docstore:reconcile',
  migrateBlobs: 'quill-docstore:migrate-blobs',
  scrub: 'quill-docstore:scrub',
  rescan: 'quill-docstore:rescan',
  backup: 'quill-docstore:backup',
  backupScheduler: 'quill-docstore:backup-scheduler',
  /** The background expiry of abandoned resumable uploads (uploads/expire-uploads.ts): one instance at a time. */
  expireUploads: 'quill-docstore:expire-uploads',
} as const;

/** Transaction lock: one user's resumable uploads are counted and created one at a time (QUILL_MAX_OPEN_UPLOADS). */
export const openUploadsLock = (user: string): string => `quill-docstore:open-uploads:${user}`;

type Reserved = Awaited<ReturnType<Sql['reserve']>>;

/** A session lock held until release() (or until the process dies with its connection). */
export interface HeldLock {
  release(): Promise<void>;
  /**
   * Whether the session holding the lock still answers. After a failover (or a restart of the server) it does not:
   * the lock went with the old server's session, and another instance may take it on the new primary.
   */
  alive(): Promise<boolean>;
}

/**
 * Takes the session lock `name` on a connection of its own and keeps it: resolves null at once when another session
 * holds it, or (wait) waits for it.
 */
export async function holdSessionLock(sql: Sql, name: string, opts: { wait?: boolean } = {}): Promise<HeldLock | null> {
  const conn: Reserved = await sql.reserve();
  try {
    if (opts.wait) await conn`select pg_advisory_lock(hashtext(${name}))`;
    else {
      const [got] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${name})) as ok`;
      if (!got?.ok) {
        conn.release();
        return null;
      }
    }
  } catch (e) {
    conn.release();
    throw e;
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      try {
        await conn`select pg_advisory_unlock(hashtext(${name}))`.catch(() => undefined);
      } finally {
        conn.release();
      }
    },
    alive: async () => {
      if (released) return false;
      try {
        const [held] = await conn<{ ok: boolean }[]>`
          select exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted) as ok`;
        return held?.ok === true;
      } catch {
        return false;
      }
    },
  };
}

/**
 * Runs fn while holding the session lock `name`; returns `{ ran: false }` at once when another session holds it (or,
 * with wait, waits for it).
 */
export async function withAdvisoryLock<T>(sql: Sql, name: string, fn: () => Promise<T>, opts: { wait?: boolean } = {}): Promise<{ ran: true; value: T } | { ran: false }> {
  const lock = await holdSessionLock(sql, name, opts);
  if (!lock) return { ran: false };
  try {
    return { ran: true, value: await fn() };
  } finally {
    await lock.release();
  }
}

/** Takes the transaction lock `name` (shared: several holders at once, none exclusive), waiting for it. */
export async function xactLock(tx: Tx, name: string, opts: { shared?: boolean } = {}): Promise<void> {
  await (opts.shared ? tx`select pg_advisory_xact_lock_shared(hashtext(${name}))` : tx`select pg_advisory_xact_lock(hashtext(${name}))`);
}
