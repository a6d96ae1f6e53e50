import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createExports, openCommand } from '../../bootstrap.ts';
import { isValidNhsNumber, normaliseNhsNumber } from '../../domain/nhs-number.ts';
import type { ExportProgress } from '../../subject-access/patient-export.ts';
import { operatorContext } from '../operator.ts';
import { duration, eta, mib, percent, progressBar, rate } from '../progress.ts';

const USAGE = 'usage: quill-docstore export --patient <NHS number> --out <file.zip> [--json] [--progress-interval <seconds>]\n';

/**
 * `export --patient NHS --out FILE.zip`: the patient's subject-access export (as GET /v1/patients/{nhs}/export) into
 * a file, as the operator who runs it, with progress on stderr. Written beside the target and renamed into place only
 * once complete and audited: a failed export leaves no file.
 */
export async function runExportCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { patient: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' }, 'progress-interval': { type: 'string' } }, strict: true });
  const patient = normaliseNhsNumber(values.patient ?? '');
  const interval = values['progress-interval'] === undefined ? 5 : Number(values['progress-interval']);
  if (!values.out || !isValidNhsNumber(patient) || !(interval > 0)) {
    process.stderr.write(`${values.patient !== undefined && !isValidNhsNumber(patient) ? '--patient must be a valid NHS number\n' : ''}${USAGE}`);
    return 2;
  }
  const out = path.resolve(values.out);
  const partial = `${out}.partial`;
  const cmd = openCommand('export');
  try {
    const { sql } = await cmd.db();
    const exports = createExports(cmd.cfg, { sql, log: cmd.log, blobs: await cmd.stores() });
    const progress = progressBar<ExportProgress>(process.stderr, exportWording(patient), interval * 1000);
    const started = Date.now();
    const x = await exports.open(operatorContext(cmd, ['admin']), patient, { onProgress: (p) => progress.update(p) });
    try {
      await Promise.all([pipeline(x.stream, createWriteStream(partial, { mode: 0o600 })), x.done]);
      await rename(partial, out);
    } catch (e) {
      await rm(partial, { force: true });
      throw e;
    } finally {
      progress.finish();
    }
    const secs = (Date.now() - started) / 1000;
    const t = x.totals;
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ patient, file: out, ...t, elapsedMs: Date.now() - started })}\n`
        : `export ${patient}: ${out}\n  ${t.documents} current document(s), ${t.files} file(s), ${mib(t.bytes)} in ${duration(secs)} (${mib(t.bytes / Math.max(secs, 0.001))}/s), every file SHA-256 verified\n` +
            `  ${t.enteredInError} entered-in-error (listed without content), ${t.disposed} disposed of (listed by certificate)\n`,
    );
    return 0;
  } finally {
    await cmd.close();
  }
}

function exportWording(patient: string) {
  return {
    counts: (p: ExportProgress) => `${p.done}/${p.total} files  ${mib(p.bytes)}/${mib(p.totalBytes)}`,
    plain: (p: ExportProgress, at: number) => `export ${patient}: ${p.done}/${p.total} files (${percent(p)}), ${mib(p.bytes)} of ${mib(p.totalBytes)}, ${rate(p, at)}, ETA ${eta(p, at)}`,
  };
}
