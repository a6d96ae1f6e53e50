import type { Sql } from './sql.ts';

/**
 * What the PostgreSQL server says about itself: settings, roles, WAL archiving, its control data. No application table
 * is read here (those have their repositories); backups, `doctor` and restores ask through these.
 */

export async function serverVersion(sql: Sql): Promise<string> {
  const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
  return row?.v ?? '?';
}

/** The settings base backups depend on, by name (wal_level, summarize_wal, archive_mode, server_version). */
export async function backupSettings(sql: Sql): Promise<Record<string, string>> {
  const rows = await sql<{ name: string; setting: string }[]>`select name, setting from pg_settings where name in ('wal_level', 'summarize_wal', 'archive_mode', 'server_version')`;
  return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
}

/** The cluster's identity and current timeline (pg_control). */
export async function controlData(sql: Sql): Promise<{ sysid: string; tli: number }> {
  const [ctl] = await sql<{ sysid: string; tli: number }[]>`select (select system_identifier::text from pg_control_system()) as sysid, (select timeline_id from pg_control_checkpoint()) as tli`;
  return ctl!;
}

/** The timeline the server writes WAL on now (a promotion moves it on before its first checkpoint does). */
export async function currentTimeline(sql: Sql): Promise<number> {
  const [r] = await sql<{ file: string }[]>`select pg_walfile_name(pg_current_wal_lsn()) as file`;
  return parseInt(r!.file.slice(0, 8), 16);
}

/** Whether this role may take base backups (and switch WAL segments, for a restore's marker), and the WAL settings they need. */
export async function backupCapability(sql: Sql): Promise<{ repl: boolean; switch_wal: boolean; wal_level: string; archive_mode: string } | undefined> {
  const [r] = await sql<{ repl: boolean; switch_wal: boolean; wal_level: string; archive_mode: string }[]>`
    select (select rolreplication or rolsuper from pg_roles where rolname = current_user) as repl,
           has_function_privilege('pg_switch_wal()', 'execute') as switch_wal,
           current_setting('wal_level') as wal_level, current_setting('archive_mode') as archive_mode`;
  return r;
}

/** A provider's own setting (azure.*, rds.*, aurora*) or administrator role, where the server has one. */
export async function providerMarkers(sql: Sql): Promise<{ setting: string | null; role: string | null }> {
  const settings = await sql<{ name: string }[]>`
    select name from pg_settings where name like 'azure.%' or name like 'rds.%' or name like 'aurora%' limit 1`;
  const roles = await sql<{ rolname: string }[]>`select rolname from pg_roles where rolname in ('rds_superuser', 'azure_pg_admin', 'cloudsqlsuperuser') limit 1`;
  return { setting: settings[0]?.name ?? null, role: roles[0]?.rolname ?? null };
}

export async function archiveSetting(sql: Sql): Promise<{ mode: string; command: string } | undefined> {
  const [s] = await sql<{ mode: string; command: string }[]>`select current_setting('archive_mode') as mode, current_setting('archive_command') as command`;
  return s;
}

/** pg_stat_archiver: the last segment archived and the last that failed. */
export async function archiverStatus(sql: Sql) {
  const [arch] = await sql<{ archived: string | null; archived_at: Date | null; failed: string | null; failed_at: Date | null; failed_count: number }[]>`
    select last_archived_wal as archived, last_archived_time as archived_at, last_failed_wal as failed, last_failed_time as failed_at, failed_count::int from pg_stat_archiver`;
  return arch;
}

/** Gives the current WAL segment a transaction, switches to the next one and names the one switched from. */
export async function switchWal(sql: Sql): Promise<string> {
  await sql`select pg_current_xact_id()`;
  const [w] = await sql<{ file: string }[]>`select pg_walfile_name(pg_switch_wal()) as file`;
  return w!.file;
}
