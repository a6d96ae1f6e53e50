import { parseArgs } from 'node:util';
import { openCommand } from '../../bootstrap.ts';
import { ConfigError, loadConfig } from '../../config/config.ts';
import * as versions from '../../documents/repository.ts';
import { scannerFromConfig } from '../../scanning/background.ts';
import { rescan, type RescanReport } from '../../scanning/rescan.ts';
import { duration, mib } from '../progress.ts';

const USAGE = 'usage: quill-docstore rescan [--since <30d|12h|ISO date>] [--rate <MiB/s>] [--json]\n';

/** `--since 30d`, `--since 12h` or an ISO date/date-time: versions created from then on. */
export function parseSince(v: string, now = Date.now()): Date | null {
  const m = /^(\d+)([dh])$/.exec(v.trim());
  if (m) return new Date(now - Number(m[1]) * (m[2] === 'd' ? 86_400_000 : 3_600_000));
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return null;
  const t = new Date(v);
  return Number.isNaN(t.getTime()) ? null : t;
}

/**
 * `rescan [--since …] [--rate <MiB/s>] [--json]`: every stored version (or those created since --since) read back from
 * its store and scanned by clamd again, beside the live service (one run at a time: it waits for the rescan lock).
 * Held (pending) versions are cleared or quarantined; a version found infected is quarantined and audited. Exit 1
 * when it found anything, when any version is quarantined (as scrub), or when it could not scan something; 69 when
 * clamd is unavailable; 78 when scanning is not configured.
 */
export async function runRescan(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { since: { type: 'string' }, rate: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  const since = values.since === undefined ? null : parseSince(values.since);
  const cfg = loadConfig();
  const rate = values.rate === undefined ? cfg.integrity.scrubRate : Number(values.rate);
  if ((values.since !== undefined && !since) || !(rate >= 0)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const scanner = scannerFromConfig(cfg);
  if (!scanner) throw new ConfigError('rescan needs QUILL_CLAMD_URL (tcp://host:port or unix:/path/clamd.ctl): malware scanning is off');
  const cmd = openCommand('rescan', { cfg });
  try {
    const blobs = await cmd.stores();
    const { sql } = await cmd.db();
    const stopper = new AbortController();
    process.once('SIGINT', () => stopper.abort());
    const r = await rescan(sql, blobs, scanner, cmd.log, { createdSince: since, rateMiBs: rate, waitForLock: true, signal: stopper.signal });
    const quarantined = await versions.infectedVersions(sql);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ...r, cursor: undefined, quarantined })}\n`);
    } else {
      process.stdout.write(`${summary(r, since)}\n${quarantined.map((q) => `  QUARANTINED ${q.documentId} v${q.version} patient ${q.patient} ${q.filename ?? '(no file name)'} sha256 ${q.sha256}: ${q.signature}\n`).join('')}`);
    }
    if (r.scannerUnavailable) return 69;
    // like scrub: 1 while anything is quarantined (found now or before: its bytes wait for information governance)
    return r.found.length || r.problems.length || quarantined.length ? 1 : 0;
  } finally {
    await cmd.close();
  }
}

function summary(r: RescanReport, since: Date | null): string {
  const secs = r.elapsedMs / 1000;
  return [
    `rescan: ${r.versions} version(s)${since ? ` created since ${since.toISOString()}` : ''} scanned, ${mib(r.bytes)} in ${duration(secs)}: ${r.clean} clean, ${r.found.length} found infected and quarantined${r.complete ? '' : ' (stopped before the end)'}`,
    ...r.found.map((f) => `  FOUND ${f.documentId} v${f.version}: ${f.signature}`),
    ...r.problems.map((p) => `  NOT SCANNED ${p.documentId} v${p.version}: ${p.detail}`),
    ...(r.scannerUnavailable ? [`  the scanner became unavailable, so the rescan stopped: ${r.scannerUnavailable}`] : []),
  ].join('\n');
}
