// The import manifest's reader and row checks (pure: a temp file, no server): line numbers as a person reading the CSV
// counts them (the header is line 1; a quoted value spanning lines numbers its row by its first line; blank lines,
// CRLF and a byte-order mark change nothing), unreadable rows in line order, and the header's mistakes stopping all.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultValueSet } from '../../src/domain/document-types.ts';
import { countManifestRows, ManifestError, readManifest, type ManifestRow } from '../../src/import/manifest.ts';
import { isRefusal, toItem } from '../../src/import/rows.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quill-manifest-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function rows(name: string, text: string): Promise<ManifestRow[]> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  const out: ManifestRow[] = [];
  for await (const r of readManifest(file)) out.push(r);
  return out;
}

const lineOf = (r: ManifestRow) => [r.line, 'fields' in r ? r.fields.sourceId : 'unreadable'];

describe('CSV manifests', () => {
  it('numbers rows by the line they start on, the header being line 1', async () => {
    const text = '\uFEFFpath,patient,type,title,sourceId\r\na.pdf,9434765919,373942005,One,A\r\n\r\nb.pdf,9434765919,373942005,"Two\r\nlines",B\r\nc.pdf,9434765919,373942005,Three,C\r\n';
    expect((await rows('crlf.csv', text)).map(lineOf)).toEqual([[2, 'A'], [4, 'B'], [6, 'C']]);
  });

  it('keeps quoted commas, trims around fields, leaves blank optional values out', async () => {
    const [r] = await rows('q.csv', 'path,patient,type,title,date,author,sha256,sourceId\n a.pdf ,9434765919,373942005,"Letter, ward 7",,,,S1\n');
    expect(r).toEqual({ line: 2, fields: { path: 'a.pdf', patient: '9434765919', type: '373942005', title: 'Letter, ward 7', sourceId: 'S1' } });
  });

  it('refuses a row with the wrong number of fields and goes on; keeps a stray quote inside a value as written', async () => {
    const text = 'path,patient,type,title,sourceId\na.pdf,1,2,T,A\nb.pdf,1,2,12" x 8" scan,B\nc.pdf,1,2,T\nd.pdf,1,2,T,D\n';
    const out = await rows('bad.csv', text);
    expect(out.map(lineOf)).toEqual([[2, 'A'], [3, 'B'], [4, 'unreadable'], [5, 'D']]);
    expect(out[1]).toMatchObject({ fields: { title: '12" x 8" scan' } });
    expect(out[2]).toMatchObject({ unreadable: 'the row has 4 field(s), the header 5' });
    expect(await countManifestRows(path.join(dir, 'bad.csv'))).toBe(4);
  });

  it('stops at a quote that never closes, naming the manifest unreadable from there (rather than losing rows unreported)', async () => {
    const text = 'path,patient,type,title,sourceId\na.pdf,1,2,T,A\nb.pdf,1,2,"T"x,B\nc.pdf,1,2,"T,C\nd.pdf,1,2,T,D\n';
    await expect(rows('open.csv', text)).rejects.toThrow(ManifestError);
    await expect(rows('open2.csv', text)).rejects.toThrow(/cannot be read from line \d+ on: Quote Not Closed/);
  });

  it('refuses the whole manifest for an unknown, repeated or missing column', async () => {
    await expect(rows('h1.csv', 'path,patient,type,title,sourceid\n')).rejects.toThrow(ManifestError);
    await expect(rows('h2.csv', 'path,patient,type,title,sourceId,title\n')).rejects.toThrow(/more than once/);
    await expect(rows('h3.csv', 'path,patient,type,sourceId\n')).rejects.toThrow(/lacks the required column\(s\) title/);
    await expect(rows('h4.csv', '')).rejects.toThrow(/empty/);
    await expect(rows('m.txt', 'x')).rejects.toThrow(/\.csv or \.ndjson/);
  });
});

describe('NDJSON manifests', () => {
  it('one object per line, blank lines counted, anything else unreadable by its line', async () => {
    const text = ['{"path":"a.pdf","patient":"9434765919","type":"373942005","title":"A","sourceId":"A"}', '', 'nope', '[1]', '{"sourceId":"B","shoe":"9"}', '{"sourceId":5}'].join('\n');
    const out = await rows('m.ndjson', text);
    expect(out.map(lineOf)).toEqual([[1, 'A'], [3, 'unreadable'], [4, 'unreadable'], [5, 'unreadable'], [6, 'unreadable']]);
    expect(out.slice(1).map((r) => ('unreadable' in r ? r.unreadable : ''))).toEqual([
      expect.stringMatching(/^not JSON/),
      'each line must be a JSON object',
      expect.stringMatching(/^unknown key\(s\) "shoe"/),
      'sourceId must be string(s)',
    ]);
  });
});

describe('row checks', () => {
  const row = (fields: Record<string, string>) => toItem({ line: 7, fields: { path: 'a.pdf', patient: '9434765919', type: '373942005', title: 'T', sourceId: 'S', ...fields } }, defaultValueSet);

  it('accepts a good row, with its SHA-256 as bytes', () => {
    const x = row({ sha256: 'AB'.repeat(32), date: '2004-02-29' });
    expect(isRefusal(x)).toBe(false);
    expect(x).toMatchObject({ line: 7, sourceId: 'S', path: 'a.pdf', meta: { date: '2004-02-29' }, expectedSha256: Buffer.from('ab'.repeat(32), 'hex') });
  });

  it("refuses by the upload's own codes where it has them, and the import's otherwise", () => {
    const code = (fields: Record<string, string>) => {
      const x = row(fields);
      return isRefusal(x) ? x.code : null;
    };
    expect(code({ sourceId: '' })).toBe('validation_failed');
    expect(code({ sourceId: 'x\ty' })).toBe('validation_failed');
    expect(code({ path: '' })).toBe('validation_failed');
    expect(code({ sha256: 'abc' })).toBe('validation_failed');
    expect(code({ date: '2005-02-29' })).toBe('validation_failed');
    expect(code({ title: 'x'.repeat(501) })).toBe('validation_failed');
    expect(code({ patient: '9434765918' })).toBe('invalid_nhs_number');
    expect(code({ type: '1' })).toBe('unknown_document_type');
    expect(toItem({ line: 3, unreadable: 'why' }, defaultValueSet)).toEqual({ line: 3, sourceId: null, path: null, code: 'invalid_row', reason: 'why' });
  });
});
