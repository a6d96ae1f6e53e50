import { parseArgs } from 'node:util';
import { openCommand } from '../../bootstrap.ts';
import { repairFlagged } from '../../integrity/repair.ts';
import { scrub, type ScrubProgress } from '../../integrity/scrubber.ts';
import { duration, mib, statusLine } from '../progress.ts';

/** `scrub [--rate <MiB/s>] [--json] [--repair]`: re-reads every stored version against its SHA-256; repairs flags. */
export async function runScrub(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { rate: { type: 'string' }, json: { type: 'boolean' }, repair: { type: 'boolean' } }, strict: true });
  const rate = values.rate === undefined ? 0 : Number(values.rate);
  if (!(rate >= 0)) {
    process.stderr.write('usage: quill-docstore scrub [--rate <MiB/s>] [--json] [--repair]\n');
    return 2;
  }
  const cmd = openCommand('scrub');
  try {
    const blobs = await cmd.stores();
    const { sql } = await cmd.db();
    let p: ScrubProgress | null = null;
    const line = statusLine(
      () => (p ? `scrub: ${p.versions} versions, ${mib(p.bytes)} verified (${mib(p.bytes / Math.max(0.001, (Date.now() - p.startedAt) / 1000))}/s), ${p.failures} failures; store holds ${p.totalVersions} versions, ${mib(p.totalBytes)}` : 'scrub: starting'),
      { plainEveryMs: 5000, final: true },
    );
    const report = await scrub(sql, blobs, cmd.log, { rateMiBs: rate, waitForLock: true, onProgress: (x) => ((p = x), line.tick()) });
    if (!values.json) line.done();
    const repairs = values.repair ? await repairFlagged(sql, blobs, cmd.log) : [];
    const stillFlagged = values.repair ? repairs.filter((r) => !r.repaired).length : report.flagged.length;
    const problems = report.findings.filter((f) => f.problem === 'error').length;
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...report, repairs })}\n`);
    } else {
      const secs = report.elapsedMs / 1000;
      const lines = [
        `scrub: ${report.versions} versions re-read and checked against PostgreSQL, ${mib(report.bytes)} verified in ${duration(secs)} (${mib(report.bytes / Math.max(secs, 0.001))}/s)${report.passComplete ? '; pass complete' : ''}`,
        ...report.findings.map((f) => `  ${f.problem.toUpperCase().padEnd(10)} ${f.documentId} v${f.version} ${f.store}:${f.key}: ${f.detail}`),
        `  ${report.flagged.length} version(s) quarantined (downloads refused)${report.flagged.length && !values.repair ? ': run quill-docstore scrub --repair' : ''}`,
        ...(values.repair ? repairs.map((r) => `  ${r.repaired ? 'REPAIRED' : 'NOT REPAIRED'} ${r.documentId} v${r.version}: ${r.detail}`) : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return (values.repair ? stillFlagged || problems : report.findings.length || report.flagged.length) ? 1 : 0;
  } finally {
    await cmd.close();
  }
}
