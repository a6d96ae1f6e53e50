import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackupConfig } from '../config/backup.ts';

/** The file in the embedded data directory holding the archive settings; postgresql.conf includes it. */
export const ARCHIVE_CONF = 'quill-archive.conf';

export const walArchiveDir = (b: Pick<BackupConfig, 'dir'>): string => path.join(b.dir, 'wal');

/**
 * Continuous WAL archiving for the embedded server, written into its data directory (not passed as flags), so every
 * start of that cluster — the service, `doctor`, a CLI command — archives: a start without it would recycle WAL
 * segments unarchived and leave a gap no restore can cross.
 *
 * - wal_level=replica: what base backups and archive recovery need.
 * - summarize_wal=on: WAL summaries, which `pg_basebackup --incremental` reads.
 * - archive_mode=on, archive_command: each finished 16 MB segment is copied into <QUILL_BACKUP_DIR>/wal under a
 *   temporary name of its own (the archiver's pid: several servers may archive into one directory, as every member of
 *   a Patroni cluster does with archive_mode=always), made readable by the group (the service's user reads and
 *   expires the archive when it is not the server's), flushed, then renamed, so a half-copied segment never has a
 *   real name. A segment that is already there with identical bytes counts as archived (a retry after a crash, or
 *   another member's copy); different bytes fail loudly. Timeline history files go the same way.
 * - archive_timeout (QUILL_BACKUP_ARCHIVE_TIMEOUT_SECONDS, default 60): a segment is switched and archived at least
 *   this often while anything is written. So the RPO of the embedded default is about a minute: seconds would need
 *   streaming (pg_receivewal), and each switch archives a whole (mostly empty) 16 MB segment; a minute bounds that to
 *   about 23 GB a day of WAL only on a database busy around the clock, far less in practice.
 */
export function archiveSettings(b: Pick<BackupConfig, 'dir' | 'archiveTimeoutSeconds'>): Record<string, string> {
  const wal = walArchiveDir(b);
  const dst = `'${wal}/%f'`;
  const tmp = `'${wal}/%f.'$$.tmp`;
  const command = `if [ -f ${dst} ]; then cmp -s %p ${dst}; else cp %p ${tmp} && chmod 0640 ${tmp} && sync ${tmp} && mv ${tmp} ${dst} || { rm -f ${tmp}; exit 1; }; fi`;
  return {
    wal_level: 'replica',
    summarize_wal: 'on',
    archive_mode: 'on',
    archive_command: command,
    archive_timeout: String(b.archiveTimeoutSeconds),
    max_wal_senders: '10',
  };
}

const quote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/**
 * Writes the archive settings into <pgDir>/quill-archive.conf and makes postgresql.conf include it (once). Creates the
 * WAL archive directory, owned by the user PostgreSQL runs as (the 'postgres' user when this process is root).
 */
export async function writeArchiveConf(pgDir: string, b: Pick<BackupConfig, 'dir' | 'archiveTimeoutSeconds'>): Promise<void> {
  const wal = walArchiveDir(b);
  await mkdir(wal, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    await chown(wal, uid, gid);
    await chmod(b.dir, 0o711); // PostgreSQL runs as 'postgres' and must reach wal/ (the rest stays root's)
  }
  const body = Object.entries(archiveSettings(b)).map(([k, v]) => `${k} = ${quote(v)}`).join('\n');
  await writeFile(path.join(pgDir, ARCHIVE_CONF), `# written by quill-docstore at every start (QUILL_BACKUP_*); edits are overwritten\n${body}\n`);
  const conf = path.join(pgDir, 'postgresql.conf');
  if (existsSync(conf) && !(await readFile(conf, 'utf8')).includes(ARCHIVE_CONF)) {
    await appendFile(conf, `\ninclude_if_exists = '${ARCHIVE_CONF}'\n`);
  }
}
