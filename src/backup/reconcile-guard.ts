import type { Config } from '../config/config.ts';
import type { Sql } from '../db/sql.ts';
import { listBackups } from './catalog.ts';
import { selfBackupApplies } from './scheduler.ts';

/**
 * How long `reconcile` must keep an object no version row names: the whole retention window when backups are on
 * (this service backs the database up, or backups exist in the repository), since a point-in-time restore to any
 * instant of it may bring back the row that names the object. 0 otherwise.
 */
export async function keepUnreferencedSeconds(cfg: Config, sql: Sql): Promise<number> {
  const on = (await listBackups(cfg.backup)).length > 0 || (await selfBackupApplies(cfg, sql).catch(() => ({ applies: false }))).applies;
  return on ? cfg.backup.retentionDays * 86_400 : 0;
}
