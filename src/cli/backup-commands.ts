import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, publicBaseUrl, type Config } from '../config/config.ts';
import { createLogger, openStores } from '../bootstrap.ts';
import { connect } from '../db/sql.ts';
import { remoteFhirIndexFromConfig } from '../fhir/remote-index.ts';
import { deploymentId } from '../documents/outbox-repository.ts';
import { reconcileFhir } from '../jobs/reconcile-fhir.ts';
import { listBackups, listWal, restoreWindow } from '../backup/catalog.ts';
import { BackupBusyError, runBackup, type BackupProgress } from '../backup/take-backup.ts';
import { verifyBackups } from '../backup/verify-backups.ts';
import { BackupDamaged, describeWindow, restore, RestoreRefused } from '../backup/restore.ts';
import { verifyRestore, type VerifyRestoreReport } from '../backup/verify-restore.ts';
import { openLiveDatabase } from '../backup/live-database.ts';
import { WalChainError } from '../backup/wal-check.ts';
import { PgToolsError } from '../backup/pg-tools.ts';
import { backupRemote, pullFromRemote } from '../backup/remote-mirror.ts';
import { duration, mib } from './progress.ts';

const logger = (cfg: Config) => createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, 2);

/** Errors these commands explain themselves: message on stderr, exit 1 (75 when another backup holds the lock). */
async function guarded(run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof BackupBusyError) {
      process.stderr.write(`${e.message}\n`);
      return 75; // EX_TEMPFAIL
    }
    if (e instanceof RestoreRefused || e instanceof WalChainError || e instanceof PgToolsError || e instanceof BackupDamaged) {
      process.stderr.write(`${e.message}\n`);
      if (e instanceof RestoreRefused && e.window.earliest) process.stderr.write(`restorable window: ${describeWindow(e.window)}\n`);
      return 1;
    }
    throw e;
  }
}

/** A terminal gets one redrawn line; anything else nothing (the result line says it all). */
function progressLine(label: string) {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update(text: string) {
      if (!tty || Date.now() - last < 100) return;
      last = Date.now();
      process.stderr.write(`\r\x1b[2K${label}: ${text}`.slice(0, (process.stderr.columns ?? 100) - 1));
    },
    done() {
      if (tty && last) process.stderr.write('\r\x1b[2K');
    },
  };
}

export async function backupCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const usage = 'usage: quill-docstore backup run [--full] [--json] | backup list [--json] | backup verify [--json] | backup pull\n';
  const cfg = loadConfig();
  switch (sub) {
    case 'run': {
      const { values } = parseArgs({ args: rest, options: { full: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
      return guarded(async () => {
        const bar = progressLine('backup');
        const r = await runBackup(cfg, logger(cfg), {
          full: values.full,
          onProgress: (p: BackupProgress) =>
            bar.update(p.phase === 'verify' ? 'pg_verifybackup…' : `${mib(p.doneKb * 1024)} of ${mib(p.totalKb * 1024)} (${p.totalKb ? Math.round((100 * p.doneKb) / p.totalKb) : 0}%)`),
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

export async function restoreCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' }, into: { type: 'string' }, 'in-place': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  const to = values.to === 'latest' ? 'latest' : values.to ? new Date(values.to) : null;
  if (!to || (to !== 'latest' && (Number.isNaN(to.getTime()) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(values.to!))) || Boolean(values.into) === Boolean(values['in-place'])) {
    process.stderr.write('usage: quill-docstore restore --to <ISO-8601 time with zone | latest> (--into <new data dir> | --in-place) [--json]\n');
    return 2;
  }
  const cfg = loadConfig();
  const log = logger(cfg);
  return guarded(async () => {
    let verify: VerifyRestoreReport | null = null;
    let verifyMs = 0;
    const report = await restore(cfg, log, {
      to,
      into: values.into,
      inPlace: values['in-place'],
      onStep: (m) => process.stderr.write(`restore: ${m}\n`),
      verify: async (server) => {
        process.stderr.write('restore: cross-store check of the restored database\n');
        const sql = connect(server.url, { max: 4 });
        const t0 = Date.now();
        try {
          // never re-sync the remote FHIR index from a side copy: it would rewrite the live index to the past
          verify = await runVerify(cfg, sql, to === 'latest' ? null : to, values['in-place'] ? 'resync-later' : 'skip');
        } finally {
          verifyMs = Date.now() - t0;
          await sql.end({ timeout: 5 });
        }
      },
    });
    const v = verify as VerifyRestoreReport | null;
    if (values.json) process.stdout.write(`${JSON.stringify({ ...report, verifyMs, verify: v })}\n`);
    else {
      process.stdout.write(
        `restored to ${report.target} in ${duration(report.elapsedMs / 1000)} from ${report.chain.join(' + ')} + WAL ${report.wal.first} … ${report.wal.last}\n` +
          (report.stoppedAt ? `  PostgreSQL: ${report.stoppedAt}\n` : '') +
          `  data directory: ${report.into}${report.inPlace ? ` (previous one kept in ${report.inPlace.previousDir})` : ''}\n`,
      );
      if (v) process.stdout.write(formatVerify(v));
      process.stdout.write(
        report.inPlace
          ? 'next: start the service, then run `quill-docstore verify-restore` (re-syncs a remote FHIR index) and `quill-docstore backup run --full`\n'
          : `next: inspect it (postgres -D ${report.into}), or restore again with --in-place while the service is stopped\n`,
      );
    }
    return v && !v.ok ? 1 : 0;
  });
}

export async function verifyRestoreCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'database-url': { type: 'string' }, 'restore-point': { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const cfg = loadConfig();
  const point = values['restore-point'] ? new Date(values['restore-point']) : null;
  if (point && Number.isNaN(point.getTime())) throw new ConfigError('--restore-point must be an ISO-8601 time');
  const live = values['database-url'] ? null : await openLiveDatabase(cfg, logger(cfg));
  const sql = connect(values['database-url'] ?? live!.url, { max: 4 });
  try {
    // the service's own database gets the remote FHIR index re-synced; another one (a copy) is only checked
    const r = await runVerify(cfg, sql, point, values['database-url'] ? 'skip' : 'resync');
    process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : formatVerify(r));
    return r.ok ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
    await live?.release();
  }
}

async function runVerify(cfg: Config, sql: ReturnType<typeof connect>, restorePoint: Date | null, remoteMode: 'resync' | 'skip' | 'resync-later'): Promise<VerifyRestoreReport> {
  const stores = await openStores(cfg);
  const bar = progressLine('verify');
  try {
    return await verifyRestore(sql, {
      stores,
      restorePoint,
      builtinFhir: !cfg.fhir.url,
      resyncRemote:
        remoteMode === 'resync' && cfg.fhir.url
          ? async () => reconcileFhir(sql, remoteFhirIndexFromConfig(cfg, () => publicBaseUrl(cfg), await deploymentId(sql))!, logger(cfg))
          : null,
      log: logger(cfg),
      onProgress: (d, t) => bar.update(`${d}/${t} versions hashed`),
    });
  } finally {
    bar.done();
    await stores.close();
  }
}

export function formatVerify(r: VerifyRestoreReport): string {
  const pct = r.versions ? ((100 * r.versionsVerified) / r.versions).toFixed(1) : '100.0';
  const lines = [
    `verify-restore: ${r.documents} documents, ${r.versions} versions; bytes present and SHA-256-verified: ${r.versionsVerified}/${r.versions} (${pct} %)`,
    ...r.missing.map((m) => `  MISSING   ${m.documentId} v${m.version} ${m.store}:${m.key} (${m.reason})`),
    ...r.mismatched.map((m) => `  MISMATCH  ${m.documentId} v${m.version} ${m.store}:${m.key} hashes to ${m.sha256}`),
    `  FHIR index (${r.fhir.index}): ${r.fhir.index === 'builtin' ? `${r.fhir.checked} checked, ${r.fhir.problems.length} problems` : 'see re-sync below'}`,
    ...r.fhir.problems.map((p) => `    ${p}`),
    `  objects newer than the restore point (${r.restorePoint ?? '?'}), no row names them, KEPT: ${r.newerThanRestorePoint.length}`,
    ...r.newerThanRestorePoint.slice(0, 50).map((o) => `    ${o.store}:${o.key} ${o.lastModified} ${o.size} bytes`),
    ...(r.newerThanRestorePoint.length > 50 ? [`    … ${r.newerThanRestorePoint.length - 50} more (--json lists all)`] : []),
    `  unreferenced objects from before the restore point (interrupted uploads; reconcile's business): ${r.unreferencedOlder}`,
    r.remoteFhir === 'skipped'
      ? '  remote FHIR index: not re-synced from this copy (run `quill-docstore verify-restore` on the live database once it is swapped in)'
      : r.remoteFhir
        ? `  remote FHIR index re-synced: ${r.remoteFhir.checked} checked, ${r.remoteFhir.created} created, ${r.remoteFhir.updated} updated, ${r.remoteFhir.duplicatesRemoved + r.remoteFhir.extraRemoved} removed, ${r.remoteFhir.errors.length} errors`
        : '',
    r.ok ? 'verify-restore: OK — every layer agrees' : 'verify-restore: FAILED',
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}
