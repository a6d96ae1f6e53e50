import { parseArgs } from 'node:util';
import { restore } from '../../backup/restore.ts';
import type { VerifyRestoreReport } from '../../backup/verify-restore.ts';
import { openCommand, type Command } from '../../bootstrap.ts';
import { connect } from '../../db/sql.ts';
import { duration } from '../progress.ts';
import { guarded } from './backup-errors.ts';
import { formatVerify, runVerify } from './verify-restore.ts';

/** `restore --to <time|latest> (--into <dir> | --in-place)`: point-in-time recovery from the backups and WAL archive. */
export async function restoreCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { to: { type: 'string' }, into: { type: 'string' }, 'in-place': { type: 'boolean' }, json: { type: 'boolean' } }, strict: true });
  const to = values.to === 'latest' ? 'latest' : values.to ? new Date(values.to) : null;
  if (!to || (to !== 'latest' && (Number.isNaN(to.getTime()) || !/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(values.to!))) || Boolean(values.into) === Boolean(values['in-place'])) {
    process.stderr.write('usage: quill-docstore restore --to <ISO-8601 time with zone | latest> (--into <new data dir> | --in-place) [--json]\n');
    return 2;
  }
  const cmd = openCommand('restore');
  try {
    return await guarded(() => restoreAndVerify(cmd, to, values));
  } finally {
    await cmd.close();
  }
}

async function restoreAndVerify(cmd: Command, to: Date | 'latest', values: { into?: string | undefined; 'in-place'?: boolean | undefined; json?: boolean | undefined }): Promise<number> {
  const { cfg, log } = cmd;
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
        verify = await runVerify(cmd, sql, to === 'latest' ? null : to, values['in-place'] ? 'resync-later' : 'skip');
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
}
