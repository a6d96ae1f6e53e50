import { parseArgs } from 'node:util';
import { listBackups, listWal, restoreWindow } from '../../backup/catalog.ts';
import { backupRemote, pullFromRemote } from '../../backup/remote-mirror.ts';
import { describeWindow } from '../../backup/restore.ts';
import { runBackup, type BackupProgress } from '../../backup/take-backup.ts';
import { verifyBackups } from '../../backup/verify-backups.ts';
import { openCommand, type Command } from '../../bootstrap.ts';
import { ConfigError } from '../../config/config.ts';
import { duration, mib, statusLine } from '../progress.ts';
import { guarded } from './backup-errors.ts';

/** `backup run [--full] | list | verify | pull`: base backups with PostgreSQL's own tools, and their WAL archive. */
export async function backupCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const cmd = openCommand('backup');
  try {
    return await backupSubcommand(sub, rest, cmd);
  } finally {
    await cmd.close();
  }
}

async function backupSubcommand(sub: string | undefined, rest: string[], { cfg, log }: Command): Promise<number> {
  const usage = 'usage: quill-docstore backup run [--full] [--json] | backup list [--json] | backup verify [--json] | backup pull\n';
  switch (sub) {
    case 'run': {
      const { values } = parseArgs({ args: rest, options: { full: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
      return guarded(async () => {
        let text = '';
        const bar = statusLine(() => `backup: ${text}`);
        const r = await runBackup(cfg, log, {
          full: values.full,
          onProgress: (p: BackupProgress) => {
            text = p.phase === 'verify' ? 'pg_verifybackup…' : `${mib(p.doneKb * 1024)} of ${mib(p.totalKb * 1024)} (${p.totalKb ? Math.round((100 * p.doneKb) / p.totalKb) : 0}%)`;
            bar.tick();
          },
        });
        bar.done();
        if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
        else
          process.stdout.write(
            `backup ${r.backup.id}: ${r.backup.kind}${r.backup.parent ? ` on ${r.backup.parent}` : ''}, ${mib(r.backup.sizeBytes)}, verified (pg_verifybackup), ${duration(r.elapsedMs / 1000)}\n` +
              (r.mirrored ? `mirrored to ${cfg.backup.store}: ${r.mirrored.uploaded} files (${mib(r.mirrored.uploadedBytes)}) uploaded, ${r.mirrored.removed} expired\n` : '') +
              (r.expired.backupsRemoved.length || r.expired.walRemoved ? `expired: ${r.expired.backupsRemoved.length} backup(s), ${r.expired.walRemoved} WAL segment(s) (retention ${cfg.backup.retentionDays} days)\n` : ''),
          );
        return 0;
      });
    }
    case 'list': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true });
      const backups = await listBackups(cfg.backup);
      const wal = await listWal(cfg.backup);
      const window = restoreWindow(backups, wal);
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ dir: cfg.backup.dir, retentionDays: cfg.backup.retentionDays, window, backups, walSegments: wal.length, walBytes: wal.reduce((a, w) => a + w.size, 0) })}\n`);
        return 0;
      }
      process.stdout.write(`backups in ${cfg.backup.dir} (retention ${cfg.backup.retentionDays} days)\n`);
      if (!backups.length) process.stdout.write('  none yet: run `quill-docstore backup run`\n');
      for (const m of backups)
        process.stdout.write(`  ${m.id.padEnd(24)} ${m.kind.padEnd(11)} ${m.startedAt} → ${m.finishedAt}  ${mib(m.sizeBytes).padStart(10)}  ${m.verified ? 'verified' : 'NOT verified'}${m.parent ? `  (on ${m.parent})` : ''}\n`);
      process.stdout.write(`  WAL: ${wal.length} archived segments, ${mib(wal.reduce((a, w) => a + w.size, 0))}${wal.length ? `, ${wal[0]!.name} … ${wal.at(-1)!.name}` : ''}\n`);
      process.stdout.write(`restorable window: ${describeWindow(window)}\n`);
      return 0;
    }
    case 'verify': {
      const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } }, strict: true });
      const r = await verifyBackups(cfg, (m) => (process.stderr.isTTY ? process.stderr.write(`\r\x1b[2Kverify: ${m}`) : undefined));
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else {
        for (const b of r.backups) process.stdout.write(`  ${b.ok ? 'ok  ' : 'FAIL'}  ${b.id}  ${b.detail}\n`);
        process.stdout.write(r.wal.ok ? `  ok    WAL ${r.wal.first} … ${r.wal.last}: ${r.wal.segments} segments, no gap, every record readable\n` : `  FAIL  WAL: ${r.wal.detail}\n`);
        process.stdout.write(r.ok ? 'all backups and the WAL chain verified\n' : r.backups.length ? 'verification FAILED\n' : 'no backups to verify\n');
      }
      return r.ok ? 0 : 1;
    }
    case 'pull': {
      parseArgs({ args: rest, options: {}, strict: true });
      const remote = await backupRemote(cfg);
      if (!remote) throw new ConfigError('backup pull needs QUILL_BACKUP_STORE=s3 or azure (with its bucket/container)');
      const r = await pullFromRemote(cfg, remote, (k) => (process.stderr.isTTY ? process.stderr.write(`\r\x1b[2Kpull: ${k}`) : undefined));
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
      process.stdout.write(`backup pull: ${r.downloaded} files (${mib(r.bytes)}) from ${cfg.backup.store} into ${cfg.backup.dir}\n`);
      return 0;
    }
    default:
      process.stderr.write(usage);
      return 2;
  }
}
