import path from 'node:path';

/** Backups of PostgreSQL (see docs/backups.md). Names are fixed: operators and checks rely on them. */
export interface BackupConfig {
  /** The local backup repository: base backups and archived WAL (QUILL_BACKUP_DIR, default <data dir>/backups). */
  dir: string;
  retentionDays: number;
  /** Where backups are kept: fs (the directory only) or s3/azure (the directory is a staging copy, mirrored there). */
  store: 'fs' | 's3' | 'azure';
  s3: { bucket: string | null; prefix: string };
  azure: { container: string | null; prefix: string };
  /** Daily full + hourly incremental inside the service (one instance, by advisory lock). */
  schedule: boolean;
  fullIntervalHours: number;
  incrementalIntervalMinutes: number;
  /** archive_timeout of the embedded server: the longest a committed change waits before its WAL is archived. */
  archiveTimeoutSeconds: number;
  /** pg_basebackup --max-rate (e.g. 50M): spares a busy server's disks; null = unthrottled. */
  maxRate: string | null;
  /**
   * The role backups connect as (QUILL_BACKUP_DATABASE_URL): one with REPLICATION (pg_basebackup) and EXECUTE on
   * pg_switch_wal(), which the application's role should not have. null: DATABASE_URL's (or the embedded server's).
   */
  databaseUrl: string | null;
}

export const backupSchemaProperties = {
  QUILL_BACKUP_DIR: { type: 'string' },
  QUILL_BACKUP_RETENTION_DAYS: { type: 'integer', minimum: 1, default: 30 },
  QUILL_BACKUP_STORE: { type: 'string', enum: ['fs', 's3', 'azure'], default: 'fs' },
  QUILL_BACKUP_S3_BUCKET: { type: 'string', minLength: 3 },
  QUILL_BACKUP_S3_PREFIX: { type: 'string', default: 'quill-backups/' },
  QUILL_BACKUP_AZURE_CONTAINER: { type: 'string', minLength: 3 },
  QUILL_BACKUP_AZURE_PREFIX: { type: 'string', default: 'quill-backups/' },
  QUILL_BACKUP_SCHEDULE: { type: 'boolean', default: true },
  QUILL_BACKUP_FULL_INTERVAL_HOURS: { type: 'integer', minimum: 1, default: 24 },
  QUILL_BACKUP_INCREMENTAL_INTERVAL_MINUTES: { type: 'integer', minimum: 1, default: 60 },
  QUILL_BACKUP_ARCHIVE_TIMEOUT_SECONDS: { type: 'integer', minimum: 0, default: 60 },
  QUILL_BACKUP_MAX_RATE: { type: 'string', pattern: '^[0-9]+[kM]?$' },
  QUILL_PG_TOOLS_DIR: { type: 'string' },
  QUILL_BACKUP_DATABASE_URL: { type: 'string', pattern: '^postgres(ql)?://' },
} as const;

type Raw = Record<string, string | number | boolean | undefined>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function backupConfigFrom(raw: Raw, dataDir: string, problems: string[]): BackupConfig {
  const b: BackupConfig = {
    dir: path.resolve(str(raw.QUILL_BACKUP_DIR) ?? path.join(dataDir, 'backups')),
    retentionDays: Number(raw.QUILL_BACKUP_RETENTION_DAYS),
    store: raw.QUILL_BACKUP_STORE as BackupConfig['store'],
    s3: { bucket: str(raw.QUILL_BACKUP_S3_BUCKET), prefix: String(raw.QUILL_BACKUP_S3_PREFIX) },
    azure: { container: str(raw.QUILL_BACKUP_AZURE_CONTAINER), prefix: String(raw.QUILL_BACKUP_AZURE_PREFIX) },
    schedule: raw.QUILL_BACKUP_SCHEDULE !== false,
    fullIntervalHours: Number(raw.QUILL_BACKUP_FULL_INTERVAL_HOURS),
    incrementalIntervalMinutes: Number(raw.QUILL_BACKUP_INCREMENTAL_INTERVAL_MINUTES),
    archiveTimeoutSeconds: Number(raw.QUILL_BACKUP_ARCHIVE_TIMEOUT_SECONDS),
    maxRate: str(raw.QUILL_BACKUP_MAX_RATE),
    databaseUrl: str(raw.QUILL_BACKUP_DATABASE_URL),
  };
  if (b.databaseUrl && !str(raw.DATABASE_URL)) problems.push('QUILL_BACKUP_DATABASE_URL is for an external PostgreSQL (DATABASE_URL); the embedded one is backed up as its own superuser');
  if (b.store === 's3' && !b.s3.bucket) problems.push('QUILL_BACKUP_STORE=s3 needs QUILL_BACKUP_S3_BUCKET');
  if (b.store === 'azure' && !b.azure.container) problems.push('QUILL_BACKUP_STORE=azure needs QUILL_BACKUP_AZURE_CONTAINER');
  if (b.dir.includes("'")) problems.push("QUILL_BACKUP_DIR must not contain a single quote (it is used in PostgreSQL's archive_command)");
  return b;
}
