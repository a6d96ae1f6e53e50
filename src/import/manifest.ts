import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type TransformCallback } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';

/**
 * A bulk import's manifest, read as a stream (never held whole): CSV with a header row, or NDJSON with one object per
 * line. Each row comes out with its line number in the file (the CSV header is line 1; a CSV row whose quoted value
 * spans lines is numbered by its first line), or, when the row itself cannot be read, with why.
 */

/** The columns (CSV header names, NDJSON keys) a manifest may have. */
export const MANIFEST_COLUMNS = ['path', 'patient', 'type', 'title', 'date', 'author', 'sha256', 'sourceId'] as const;
export type ManifestColumn = (typeof MANIFEST_COLUMNS)[number];
const REQUIRED: readonly ManifestColumn[] = ['path', 'patient', 'type', 'title', 'sourceId'];

export type ManifestFields = Partial<Record<ManifestColumn, string>>;

export type ManifestRow = { line: number; fields: ManifestFields } | { line: number; unreadable: string };

/** The manifest as a whole cannot be used (unknown format, a bad header): nothing is imported. */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

export type ManifestFormat = 'csv' | 'ndjson';

export function manifestFormat(file: string): ManifestFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  throw new ManifestError(`the manifest must be a .csv or .ndjson file: ${file}`);
}

export function readManifest(file: string): AsyncGenerator<ManifestRow> {
  return manifestFormat(file) === 'csv' ? readCsv(file) : readNdjson(file);
}

/** How many rows the manifest has (a quick parse with no checks), for the progress line's total. */
export async function countManifestRows(file: string): Promise<number> {
  let n = 0;
  for await (const _ of readManifest(file)) n++;
  return n;
}

const isColumn = (name: string): name is ManifestColumn => (MANIFEST_COLUMNS as readonly string[]).includes(name);

function checkHeader(names: string[]): ManifestColumn[] {
  const unknown = names.filter((n) => !isColumn(n));
  if (unknown.length) throw new ManifestError(`unknown column(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')} in the header; the columns are ${MANIFEST_COLUMNS.join(', ')}`);
  const twice = names.filter((n, i) => names.indexOf(n) !== i);
  if (twice.length) throw new ManifestError(`column(s) ${[...new Set(twice)].join(', ')} appear more than once in the header`);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) throw new ManifestError(`the header lacks the required column(s) ${missing.join(', ')}`);
  return names as ManifestColumn[];
}

/** Empty values are absent (an optional column left blank). */
function fieldsOf(columns: readonly ManifestColumn[], values: readonly string[]): ManifestFields {
  const f: ManifestFields = {};
  columns.forEach((c, i) => {
    const v = values[i];
    if (v !== undefined && v !== '') f[c] = v;
  });
  return f;
}

async function* readCsv(file: string): AsyncGenerator<ManifestRow> {
  // relax_quotes: a quote inside an unquoted value is kept as written (legacy exports have `12" x 8" scan`); a row with
  // the wrong number of fields is refused alone (the parser stays in step). A quote that opens and never closes, or
  // text after a closing quote, leaves the rest of the file unreadable with certainty: that stops the manifest, naming
  // the line, rather than skipping rows nobody would be told about.
  const parser = parse({ bom: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, info: true, raw: true });
  const source = createReadStream(file);
  const lf = new CrlfToLf();
  source.on('error', (e) => parser.destroy(e));
  lf.on('error', (e) => parser.destroy(e));
  source.pipe(lf).pipe(parser);
  let columns: ManifestColumn[] | null = null;
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
      const values = r.record.map((v) => v.trim());
      const line = firstLine(r.info.lines, r.raw);
      if (!columns) {
        columns = checkHeader(values);
        continue;
      }
      if (values.length !== columns.length) yield { line, unreadable: `the row has ${values.length} field(s), the header ${columns.length}` };
      else yield { line, fields: fieldsOf(columns, values) };
    }
  } catch (e) {
    const err = e as CsvError & { lines?: number };
    if (typeof err.code === 'string' && err.code.startsWith('CSV_')) {
      throw new ManifestError(`the manifest cannot be read from line ${err.lines ?? '?'} on: ${err.message.replace(/\s+/g, ' ')}; correct it and run the import again (rows before it are kept)`);
    }
    throw e;
  } finally {
    source.destroy();
  }
  if (!columns) throw new ManifestError('the manifest is empty (a CSV manifest starts with its header row)');
}

/**
 * CRLF to LF before parsing, so a line is a line however the file was written: csv-parse, on CRLF files, counted a
 * CRLF inside a quoted value as two lines and mixed the blank lines into the next row. Hand-written because it is a
 * few lines: the one subtlety is a CR at the end of a chunk whose LF starts the next.
 */
class CrlfToLf extends Transform {
  #pendingCr = false;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let text = (this.#pendingCr ? '\r' : '') + chunk.toString('latin1');
    this.#pendingCr = text.endsWith('\r');
    if (this.#pendingCr) text = text.slice(0, -1);
    cb(null, Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1'));
  }
  override _flush(cb: TransformCallback): void {
    cb(null, this.#pendingCr ? Buffer.from('\r', 'latin1') : undefined);
  }
}

/** info.lines is the line a record ends on; raw is its text (with any blank lines skipped before it, and its newline). */
function firstLine(lastLine: number, raw: string): number {
  const text = raw.replace(/^\n+/, '').replace(/\n$/, '');
  return lastLine - (text.match(/\n/g)?.length ?? 0);
}

async function* readNdjson(file: string): AsyncGenerator<ManifestRow> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    line++;
    const t = line === 1 ? text.replace(/^\uFEFF/, '') : text;
    if (t.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      yield { line, unreadable: `not JSON: ${(e as Error).message}` };
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      yield { line, unreadable: 'each line must be a JSON object' };
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    const unknown = entries.map(([k]) => k).filter((k) => !isColumn(k));
    const notText = entries.filter(([k, x]) => isColumn(k) && x !== null && typeof x !== 'string').map(([k]) => k);
    if (unknown.length) yield { line, unreadable: `unknown key(s) ${unknown.map((u) => JSON.stringify(u)).join(', ')}; the keys are ${MANIFEST_COLUMNS.join(', ')}` };
    else if (notText.length) yield { line, unreadable: `${notText.join(', ')} must be string(s)` };
    else {
      const f: ManifestFields = {};
      for (const [k, x] of entries) if (typeof x === 'string' && x.trim() !== '') f[k as ManifestColumn] = x.trim();
      yield { line, fields: f };
    }
  }
}
