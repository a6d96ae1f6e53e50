import { parseArgs } from 'node:util';
import { openLiveDatabase } from '../../backup/live-database.ts';
import { verifyRestore, type VerifyRestoreReport } from '../../backup/verify-restore.ts';
import { openCommand, openRemoteIndex, type Command } from '../../bootstrap.ts';
import { ConfigError } from '../../config/config.ts';
import { connect, type Sql } from '../../db/sql.ts';
import { reconcileFhir } from '../../jobs/reconcile-fhir.ts';
import { statusLine } from '../progress.ts';

/** `verify-restore [--database-url <url>] [--restore-point <time>] [--json]`: every layer of a database checked against the others. */
export async function verifyRestoreCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { 'database-url': { type: 'string' }, 'restore-point': { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const cmd = openCommand('verify-restore');
  const { cfg } = cmd;
  const point = values['restore-point'] ? new Date(values['restore-point']) : null;
  if (point && Number.isNaN(point.getTime())) throw new ConfigError('--restore-point must be an ISO-8601 time');
  const live = values['database-url'] ? null : await openLiveDatabase(cfg, cmd.log, { as: 'app' });
  const sql = connect(values['database-url'] ?? live!.url, { max: 4 });
  try {
    // the service's own database gets the remote FHIR index re-synced; another one (a copy) is only checked
    const r = await runVerify(cmd, sql, point, values['database-url'] ? 'skip' : 'resync');
    process.stdout.write(values.json ? `${JSON.stringify(r)}\n` : formatVerify(r));
    return r.ok ? 0 : 1;
  } finally {
    await sql.end({ timeout: 5 });
    await live?.release();
    await cmd.close();
  }
}

/** The cross-store check on `sql` (a restored copy, or the live database), with the command's stores. */
export async function runVerify(cmd: Command, sql: Sql, restorePoint: Date | null, remoteMode: 'resync' | 'skip' | 'resync-later'): Promise<VerifyRestoreReport> {
  const { cfg, log } = cmd;
  let done = '';
  const bar = statusLine(() => `verify: ${done}`);
  try {
    return await verifyRestore(sql, {
      stores: await cmd.stores(),
      restorePoint,
      builtinFhir: !cfg.fhir.url,
      // the index of the database checked here (a side copy has its own deployment id): not cmd.remote()
      resyncRemote: remoteMode === 'resync' && cfg.fhir.url ? async () => reconcileFhir(sql, (await openRemoteIndex(cfg, sql))!, log) : null,
      log,
      onProgress: (d, t) => {
        done = `${d}/${t} versions hashed`;
        bar.tick();
      },
    });
  } finally {
    bar.done();
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
