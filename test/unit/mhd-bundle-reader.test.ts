import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/domain/errors.ts';
import { Base64Decoder } from '../../src/mhd/base64-decoder.ts';
import { readBundle, STREAMED_DATA, type DataStart } from '../../src/mhd/bundle-reader.ts';

/** Feeds `text` in pieces of `size` bytes (every boundary: inside keys, escapes, multi-byte characters, base64 groups). */
const pieces = (text: string, size: number) => {
  const buf = Buffer.from(text);
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return Readable.from(out);
};

interface Read {
  top: Record<string, unknown>;
  entries: Record<string, unknown>[];
  data: { start: DataStart; bytes: Buffer }[];
}

async function read(text: string | Readable, size = 7, maxBytes = 1 << 30): Promise<Read> {
  const entries: Record<string, unknown>[] = [];
  const data: { start: DataStart; bytes: Buffer }[] = [];
  const done: Promise<void>[] = [];
  const top = await readBundle(typeof text === 'string' ? pieces(text, size) : text, {
    openData: (start): Writable => {
      const sink = new PassThrough();
      const chunks: Buffer[] = [];
      sink.on('data', (c: Buffer) => chunks.push(c));
      done.push(new Promise((res) => sink.on('end', () => (data.push({ start, bytes: Buffer.concat(chunks) }), res()))));
      return sink;
    },
    entry: (i, e) => (entries[i] = e),
  }, { maxBytes });
  await Promise.all(done);
  return { top, entries, data };
}

const bundle = (entries: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ resourceType: 'Bundle', type: 'transaction', ...extra, entry: entries });

describe('Base64Decoder', () => {
  it('decodes a value split anywhere, whitespace between groups allowed, the same bytes as a whole decode', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 57, 1000]) {
      const bytes = randomBytes(n);
      const b64 = bytes.toString('base64');
      for (const step of [1, 2, 3, 5, 64]) {
        const d = new Base64Decoder('x');
        const out: Buffer[] = [];
        for (let i = 0; i < b64.length; i += step) out.push(d.push(b64.slice(i, i + step) + (i % 3 === 0 ? '\n' : '')));
        out.push(d.end());
        expect(Buffer.concat(out).equals(bytes), `${n} bytes in steps of ${step}`).toBe(true);
      }
    }
  });

  it('accepts a final group without its padding', () => {
    const d = new Base64Decoder('x');
    expect(Buffer.concat([d.push('QUJDRA'), d.end()]).toString()).toBe('ABCD');
  });

  it('refuses what Buffer.from would silently skip: characters outside the alphabet, padding before the end, a lone character', () => {
    for (const bad of [['QU*D'], ['QQ==QUJD'], ['QQ=', '=A'], ['QUJDR']]) {
      const d = new Base64Decoder('Bundle.entry[1].resource.data');
      expect(() => {
        for (const p of bad) d.push(p);
        d.end();
      }, bad.join('')).toThrow(/Bundle\.entry\[1\]\.resource\.data is not valid base64/);
    }
  });
});

describe('readBundle', () => {
  const pdf = Buffer.from('%PDF-1.4\n% é ü \u2603 \n%%EOF\n');
  const text = bundle([
    { fullUrl: 'urn:uuid:a', resource: { resourceType: 'List', status: 'current', title: 'caf\u00e9 "quoted" \u2603', entry: [{ item: { reference: 'urn:uuid:b' } }] }, request: { method: 'POST', url: 'List' } },
    { fullUrl: 'urn:uuid:b', resource: { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'application/pdf', data: pdf.toString('base64'), size: pdf.length } }] }, request: { method: 'POST', url: 'DocumentReference' } },
    { fullUrl: 'urn:uuid:c', resource: { resourceType: 'Binary', contentType: 'application/pdf', data: pdf.toString('base64') }, request: { method: 'POST', url: 'Binary' } },
  ]);

  it('hands over each entry as it ends, and streams every data value out of it, whatever the chunking', async () => {
    for (const size of [1, 3, 7, 64, 100_000]) {
      const r = await read(text, size);
      expect(r.top).toEqual({ resourceType: 'Bundle', type: 'transaction' });
      expect(r.entries).toHaveLength(3);
      expect((r.entries[0]!.resource as { title: string }).title).toBe('caf\u00e9 "quoted" \u2603');
      const dr = r.entries[1]!.resource as { content: { attachment: Record<string, unknown> }[] };
      expect(dr.content[0]!.attachment).toEqual({ contentType: 'application/pdf', data: STREAMED_DATA, size: pdf.length });
      expect((r.entries[2]!.resource as { data: unknown }).data).toBe(STREAMED_DATA);
      expect(r.data.map((d) => [d.start.path, d.start.fullUrl, d.start.seen.contentType, d.bytes.equals(pdf)])).toEqual([
        ['Bundle.entry[1].resource.content[0].attachment.data', 'urn:uuid:b', 'application/pdf', true],
        ['Bundle.entry[2].resource.data', 'urn:uuid:c', 'application/pdf', true],
      ]);
    }
  });

  it('streams a large Binary without assembling it: the bytes and their hash come out whole', async () => {
    const big = randomBytes(3 * 1024 * 1024 + 1);
    const r = await read(bundle([{ resource: { resourceType: 'Binary', contentType: 'application/pdf', data: big.toString('base64') }, request: { method: 'POST' } }]), 65536);
    expect(createHash('sha256').update(r.data[0]!.bytes).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
  });

  it('leaves base64 elsewhere (not at a data place) to the entry limit', async () => {
    const contained = { resourceType: 'Binary', data: randomBytes(800_000).toString('base64') };
    const e = await read(bundle([{ resource: { resourceType: 'DocumentReference', contained: [contained] }, request: { method: 'POST' } }]), 65536).catch((x: unknown) => x);
    expect(isAppError(e) && e.code).toBe('invalid_bundle');
  });

  it('refuses a body past the bundle limit, malformed JSON, bad base64, a non-object body, too deep a nesting', async () => {
    const cases: [string | Readable, string, number?][] = [
      [text, 'payload_too_large', 100],
      [text.slice(0, -5), 'invalid_bundle'],
      ['{"resourceType": "Bundle", "entry": [}', 'invalid_bundle'],
      [bundle([{ resource: { resourceType: 'Binary', data: 'QU*D' } }]), 'validation_failed'],
      ['[1, 2]', 'invalid_bundle'],
      [`{"a": ${'['.repeat(100)}${']'.repeat(100)}}`, 'invalid_bundle'],
      ['{"entry": "x"}', 'invalid_bundle'],
    ];
    for (const [body, code, max] of cases) {
      const e = await read(body, 7, max).catch((x: unknown) => x);
      expect(isAppError(e) ? e.code : e, String(body).slice(0, 60)).toBe(code);
    }
  });

  it('fails an open data value\'s destination when the body breaks off inside it', async () => {
    const src = new Readable({ read() {} });
    let sink: Writable | null = null;
    const p = readBundle(src, { openData: () => (sink = new PassThrough().resume()), entry: () => undefined }, { maxBytes: 1 << 20 }).catch((x: unknown) => x);
    src.push('{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Binary","data":"QUJD');
    await new Promise((r) => setTimeout(r, 20));
    src.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    const e = await p;
    expect(isAppError(e) && e.code).toBe('upload_aborted');
    expect(sink!.destroyed).toBe(true);
  });
});
