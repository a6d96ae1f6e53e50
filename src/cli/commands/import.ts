import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openCommand, type Command } from '../../bootstrap.ts';
import type { BlobStore } from '../../domain/ports.ts';
import { countManifestRows, ManifestError, manifestFormat } from '../../import/manifest.ts';
import type { Refusal } from '../../import/rows.ts';
import { runImport, type ImportProgress, type ImportSummary } from '../../import/run-import.ts';
import { importSources } from '../../import/sources.ts';
import { operatorContext } from '../operator.ts';
import { duration, eta, itemRate, mib, percent, progressBar, rate } from '../progress.ts';

const USAGE = 'usage: quill-docstore import --manifest <file.csv|file.ndjson> [--root <dir>] [--concurrency N] [--dry-run] [--report <file.ndjson>] [--json] [--progress-interval <seconds>]\n';

/** Rows in flight at once unless --concurrency says otherwise (bench/import.ts). */
export const DEFAULT_IMPORT_CONCURRENCY = 8;

/**
 * `import --manifest FILE`: a legacy archive into the store, row by row through the upload protocol, as the operator
 * who runs it; resumable (run it again after a kill or a failure: what was committed is skipped). Exit 0 when every
 * row is imported (or was already), 1 when any row was refused (each in --report), 2 on a bad manifest.
 */
export async function runImportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      manifest: { type: 'string' },
      root: { type: 'string' },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      report: { type: 'string' },
      json: { type: 'boolean' },
      'progress-interval': { type: 'string' },
    },
    strict: true,
  });
  const concurrency = values.concurrency === undefined ? DEFAULT_IMPORT_CONCURRENCY : Number(values.concurrency);
  const interval = values['progress-interval'] === undefined ? 5 : Number(values['progress-interval']);
  if (!values.manifest || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64 || !(interval > 0)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const manifest = path.resolve(values.manifest);
  // relative paths are under --root, by default the manifest's own directory
  const root = path.resolve(values.root ?? path.dirname(manifest));
  let total: number;
  try {
    manifestFormat(manifest);
    await access(manifest);
    await access(root);
    total = await countManifestRows(manifest);
  } catch (e) {
    if (!(e instanceof ManifestError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    process.stderr.write(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }

  const cmd = openCommand('import');
  const dryRun = values['dry-run'] === true;
  const report = values.report ? createWriteStream(values.report) : null;
  try {
    const stores = await cmd.stores();
    if (!dryRun) await stores.live.ping();
    const { sql } = await cmd.db();
    const progress = progressBar<ImportProgress>(process.stderr, importWording(path.basename(manifest), dryRun), interval * 1000);
    const run = runImport(
      {
        sql,
        documents: await cmd.documents(),
        sources: importSources(root, (bucket) => storeOfBucket(cmd, bucket)),
        valueSet: cmd.cfg.valueSet,
        allowedContentTypes: cmd.cfg.allowedContentTypes,
        maxUploadBytes: cmd.cfg.maxUploadBytes,
        ctx: operatorContext(cmd, ['admin']),
        log: cmd.log,
      },
      { manifest, concurrency, dryRun, total, onProgress: (p) => progress.update(p), onRefused: (r) => report && writeLine(report, r) },
    );
    const summary = await run.finally(() => progress.finish());
    process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary, values.report ?? null));
    return summary.refused ? 1 : 0;
  } catch (e) {
    if (e instanceof ManifestError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    process.stderr.write('import stopped: run the same command again to resume (rows already imported are skipped)\n');
    throw e;
  } finally {
    if (report) await new Promise((resolve) => report.end(resolve));
    await cmd.close();
  }
}

/** The configured S3 store (built-in or named) whose bucket that is. */
async function storeOfBucket(cmd: Command, bucket: string): Promise<BlobStore | null> {
  const s = cmd.cfg.stores.find((x) => x.kind === 's3' && x.bucket === bucket);
  return s ? (await cmd.stores()).open(s.name) : null;
}

async function writeLine(out: WriteStream, r: Refusal): Promise<void> {
  if (!out.write(`${JSON.stringify(r)}\n`)) await once(out, 'drain');
}

function importWording(manifest: string, dryRun: boolean) {
  const verb = dryRun ? 'checked' : 'imported';
  return {
    counts: (p: ImportProgress) => `${p.done}/${p.total} rows  ${mib(p.bytes)}`,
    tail: (p: ImportProgress) => `  ${p.imported} ${verb}, ${p.alreadyImported} already, ${p.refused} refused`,
    plain: (p: ImportProgress, at: number) =>
      `import${dryRun ? ' --dry-run' : ''} ${manifest}: ${p.done}/${p.total} rows (${percent(p)}), ${mib(p.bytes)}, ${rate(p, at)}, ${itemRate(p, at, 'rows')}, ETA ${eta(p, at)}; ` +
      `${verb} ${p.imported}, already imported ${p.alreadyImported}, refused ${p.refused}`,
  };
}

function formatSummary(s: ImportSummary, reportFile: string | null): string {
  const secs = s.elapsedMs / 1000;
  const codes = Object.entries(s.refusedByCode)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  const lines = [
    `import${s.dryRun ? ' --dry-run' : ''} ${path.basename(s.manifest)}: ${s.rows} rows (run ${s.runId})`,
    `  ${s.dryRun ? 'would import    ' : 'imported        '} ${s.imported} (${mib(s.bytes)} in ${duration(secs)}, ${mib(s.bytes / Math.max(secs, 0.001))}/s, ${Math.round(s.imported / Math.max(secs, 0.001))} rows/s)`,
    `  already imported ${s.alreadyImported} (by an earlier run: skipped)`,
    `  refused          ${s.refused}${codes ? ` (${codes})` : ''}${s.refused ? (reportFile ? `: every one in ${reportFile}` : ': add --report <file> to list them') : ''}`,
  ];
  return `${lines.join('\n')}\n`;
}
