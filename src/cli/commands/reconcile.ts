import { parseArgs } from 'node:util';
import { openCommand } from '../../bootstrap.ts';
import { keepUnreferencedSeconds } from '../../backup/reconcile-guard.ts';
import { ConfigError } from '../../config/config.ts';
import { LOCKS, withAdvisoryLock } from '../../db/advisory-lock.ts';
import { reconcile } from '../../jobs/reconcile.ts';
import { reconcileFhir } from '../../jobs/reconcile-fhir.ts';
import { reconcileRetention } from '../../jobs/reconcile-retention.ts';

/** `reconcile [--grace <s>] [--json]`, and `reconcile --fhir`: bring the three layers back in step. */
export async function runReconcile(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { grace: { type: 'string' }, json: { type: 'boolean' }, fhir: { type: 'boolean' } }, strict: true });
  const cmd = openCommand('reconcile');
  const { cfg, log } = cmd;
  try {
    if (values.fhir) {
      if (!cfg.fhir.url) throw new ConfigError('reconcile --fhir needs QUILL_FHIR_URL (the built-in index is written in the same transaction and cannot drift)');
      const r = await reconcileFhir((await cmd.db()).sql, (await cmd.remote())!, log);
      if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        process.stdout.write(
          `reconcile --fhir: ${r.checked} documents checked, ${r.created} created, ${r.updated} updated, ${r.duplicatesRemoved} duplicates removed, ` +
            `${r.extraRemoved} extra removed, ${r.errors.length} errors\n` + r.errors.map((e) => `  ERROR ${e}\n`).join(''),
        );
      return r.errors.length ? 1 : 0;
    }
    const graceSeconds = values.grace !== undefined ? Number(values.grace) : cfg.orphanGraceSeconds;
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0) throw new ConfigError('--grace must be a whole number of seconds');
    const { sql } = await cmd.db();
    const blobs = await cmd.stores();
    const remote = await cmd.remote();
    const governance = await cmd.retention();
    // one run at a time across every instance and operator (several service instances share one database)
    const locked = await withAdvisoryLock(sql, LOCKS.reconcile, async () => {
      const retention = await reconcileRetention(sql, blobs, log, remote ? (id) => remote.remove(id) : null, () => governance.backfill());
      return { ...(await reconcile(sql, blobs.live, log, { graceSeconds, keepUnreferencedSeconds: await keepUnreferencedSeconds(cfg, sql) })), retention };
    });
    if (!locked.ran) {
      process.stderr.write(`reconcile: another reconcile run holds the lock (advisory lock ${LOCKS.reconcile}); try again when it ends\n`);
      return 75;
    }
    const report = locked.value;
    const { retention } = report;
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else
      process.stdout.write(
        `reconcile: ${report.staleIntents} stale upload intents cleared, ${report.expiredUploads ?? 0} expired resumable uploads removed, ${report.orphansRemoved} orphan objects removed (${report.orphanBytes} bytes), ` +
          `${report.incompleteUploadsAborted} unfinished multipart uploads aborted, ` +
          `${report.missingBlobs.length} versions with missing bytes, ${report.errors.length} errors` +
          `${report.keptForRestore ? `; ${report.keptForRestore} unreferenced objects kept (younger than the ${cfg.backup.retentionDays}-day backup window)` : ''}\n` +
          report.missingBlobs.map((m) => `  MISSING ${m.documentId} v${m.version} ${m.key}\n`).join('') +
          report.errors.map((e) => `  ERROR ${e}\n`).join('') +
          `retention: ${retention.retentionComputed} documents given a retention date, ${retention.disposalsFinished.length} interrupted disposals finished, ${retention.disposalsFailed.length} failed, ` +
          `${retention.locksExtended} object locks extended, ${retention.legalHoldsChanged} legal holds brought in step\n` +
          [...retention.disposalsFailed, ...retention.lockErrors].map((e) => `  ERROR ${e.documentId}: ${e.error}\n`).join(''),
      );
    return report.errors.length || report.missingBlobs.length || retention.disposalsFailed.length || retention.lockErrors.length ? 1 : 0;
  } finally {
    await cmd.close();
  }
}
