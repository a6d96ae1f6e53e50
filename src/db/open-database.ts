import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { openEmbedded } from './embedded-access.ts';
import { migrate } from './migrate.ts';
import { connect, type Sql } from './sql.ts';

export interface Database {
  sql: Sql;
  /** false when the embedded PostgreSQL died and could not be restarted (always true with DATABASE_URL). */
  health(): { ok: boolean; detail?: string };
  close(): Promise<void>;
}

/** How a caller times the parts of its start-up (the service logs them once ready): resolves as `work` does. */
export type Timed = <T>(part: string, work: Promise<T>) => Promise<T>;

const untimed: Timed = (_part, work) => work;

/** A database still opening: its client exists (it connects on first use), `ready` once migrated. */
export interface OpeningDatabase extends Database {
  ready: Promise<void>;
}

/**
 * PostgreSQL: DATABASE_URL, or the embedded server under the data directory. Migrated before use.
 * For operator commands (opts.command): statements are not time-bounded, and on the embedded default the database
 * of a service already running on this data directory is used rather than starting a second server.
 */
export async function openDatabase(cfg: Config, log: Logger, opts: { command?: boolean; timed?: Timed } = {}): Promise<Database> {
  const db = await beginDatabase(cfg, log, opts);
  await db.ready;
  return db;
}

/**
 * openDatabase, answering as soon as the client can be made (an embedded server's port and password are chosen before
 * it starts): the service builds what needs no query meanwhile, and awaits `ready` (the server up, the migrations
 * checked) before anything queries. On a failure to get ready, the client is ended and the server stopped.
 */
export async function beginDatabase(cfg: Config, log: Logger, opts: { command?: boolean; timed?: Timed } = {}): Promise<OpeningDatabase> {
  const timed = opts.timed ?? untimed;
  const embedded = cfg.databaseUrl ? null : await openEmbedded(cfg.dataDir, log, { shareRunning: opts.command === true, backup: cfg.backup });
  const url = cfg.databaseUrl ?? embedded!.url;
  const sql = connect(url, { timeoutMs: cfg.dbTimeoutMs, boundStatements: !opts.command, log });
  const ready = (async () => {
    try {
      if (embedded) await timed('postgres', embedded.ready);
      // Migrations may legitimately run long (DDL on big tables): their own connection, only connecting bounded.
      const migrator = connect(url, { max: 1, timeoutMs: cfg.dbTimeoutMs, boundStatements: false });
      try {
        const applied = await timed('migrations check', migrate(migrator));
        if (applied.length) log.info({ applied }, 'database migrated');
      } finally {
        await migrator.end({ timeout: 1 });
      }
    } catch (e) {
      await sql.end({ timeout: 1 });
      await embedded?.stop();
      throw e;
    }
  })();
  ready.catch(() => undefined); // answered to whoever awaits it
  return {
    sql,
    ready,
    health: () => embedded?.health() ?? { ok: true },
    close: async () => {
      await ready.catch(() => undefined);
      await sql.end({ timeout: 5 });
      await embedded?.stop();
    },
  };
}
