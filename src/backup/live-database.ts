import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { runningEmbeddedUrl } from '../db/embedded-endpoint.ts';
import { primaryUrl } from '../db/sql.ts';

export interface LiveDatabase {
  /** A connection URL (with password) for postgres.js: one server, the primary when the URL names several. */
  url: string;
  /** libpq keywords without the password (for pg_basebackup -d) and the password for PGPASSWORD. */
  conninfo: string;
  password: string;
  embedded: boolean;
  /** Stops the embedded server if this call started it. */
  release(): Promise<void>;
}

/**
 * The service's database for backup commands, as one server: with `as: 'backup'` (the default) the backup role's
 * QUILL_BACKUP_DATABASE_URL, else DATABASE_URL; of a multi-host URL (a Patroni cluster) the member that is the primary
 * now, so that pg_basebackup, pg_switch_wal() and the backup's own statements all reach the same server. Or the
 * embedded server, reached on its port while the service runs (backups and checks run beside it), started for the
 * command when it is not running.
 */
export async function openLiveDatabase(cfg: Config, log: Logger, opts: { start?: boolean; as?: 'backup' | 'app' } = {}): Promise<LiveDatabase> {
  const external = (opts.as === 'app' ? null : cfg.backup.databaseUrl) ?? cfg.databaseUrl;
  if (external) return { ...fromUrl(await primaryUrl(external, cfg.dbTimeoutMs)), embedded: false, release: async () => undefined };
  const pgDir = path.join(cfg.dataDir, 'pg');
  const running = await runningEmbeddedUrl(cfg.dataDir);
  if (running) return { ...fromUrl(running.url), embedded: true, release: async () => undefined };
  if (opts.start === false) throw new Error(`the embedded PostgreSQL in ${pgDir} is not running`);
  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) throw new Error(`no embedded PostgreSQL in ${pgDir} (and DATABASE_URL is not set)`);
  const e = await startEmbeddedPostgres(cfg.dataDir, log, { backup: cfg.backup });
  return { ...fromUrl(e.url), embedded: true, release: () => e.stop() };
}

export function fromUrl(url: string): { url: string; conninfo: string; password: string } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  const q = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const parts = [`host=${q(u.hostname)}`, `port=${u.port || '5432'}`, `user=${q(decodeURIComponent(u.username))}`, `dbname=${q(decodeURIComponent(u.pathname.slice(1)) || 'postgres')}`];
  for (const [k, v] of u.searchParams) if (/^(sslmode|sslrootcert|sslcert|sslkey|application_name|connect_timeout)$/.test(k)) parts.push(`${k}=${q(v)}`);
  return { url, conninfo: parts.join(' '), password };
}
