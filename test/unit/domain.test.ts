import { describe, expect, it } from 'vitest';
import { isValidNhsNumber } from '../../src/domain/nhs-number.ts';
import { parseSha256Digest, parseSha256Field, reprDigest } from '../../src/documents/digest-header.ts';
import { attachmentDisposition } from '../../src/blobstores/content-disposition.ts';
import { buildSignedUrl, verifySignedUrl } from '../../src/blobstores/signed-url.ts';
import { parseDateParam, parseSearch } from '../../src/fhir/search-params.ts';
import { cleanFilename } from '../../src/documents/metadata.ts';

describe('NHS number', () => {
  it('accepts valid numbers and rejects bad check digits, lengths and the check-digit-10 case', () => {
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(isValidNhsNumber('9434765870')).toBe(true);
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(isValidNhsNumber('943476591')).toBe(false);
    expect(isValidNhsNumber('94347659190')).toBe(false);
    expect(isValidNhsNumber('943476591a')).toBe(false);
    // 123456789x: sum = 1*10+2*9+...+9*2 = 210, 210 mod 11 = 1, 11-1 = 10 → no valid check digit exists
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`123456789${d}`)).toBe(false);
  });
});

describe('RFC 9530 digests', () => {
  const hex = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
  const b64 = Buffer.from(hex, 'hex').toString('base64');
  it('reads sha-256 among other algorithms and agrees across fields', () => {
    expect(parseSha256Digest(`sha-512=:AAAA:, sha-256=:${b64}:`)?.toString('hex')).toBe(hex);
    expect(parseSha256Digest(undefined, `sha-256=:${b64}:`)?.toString('hex')).toBe(hex);
    expect(parseSha256Digest('md5=:abc:')).toBeNull();
    expect(reprDigest(hex)).toBe(`sha-256=:${b64}:`);
  });
  it('rejects malformed or disagreeing values', () => {
    expect(() => parseSha256Digest('sha-256=abc')).toThrow();
    expect(() => parseSha256Digest('sha-256=:AAAA:')).toThrow();
    expect(() => parseSha256Digest(`sha-256=:${b64}:`, `sha-256=:${Buffer.alloc(32).toString('base64')}:`)).toThrow(/disagree/);
    expect(parseSha256Field(hex)?.toString('hex')).toBe(hex);
    expect(() => parseSha256Field('xyz')).toThrow();
  });
});

describe('filenames', () => {
  it('keeps the last path segment without control characters', () => {
    expect(cleanFilename('../../etc/passwd')).toBe('passwd');
    expect(cleanFilename('C:\\Users\\x\\letter.pdf')).toBe('letter.pdf');
    expect(cleanFilename('a\r\nb.pdf')).toBe('ab.pdf');
    expect(cleanFilename('..')).toBeNull();
    expect(cleanFilename('')).toBeNull();
  });
  it('quotes Content-Disposition safely', () => {
    expect(attachmentDisposition(null)).toBe('attachment');
    const v = attachmentDisposition('résumé "x"; y.pdf');
    expect(v).toBe(`attachment; filename="r_sum_ _x__ y.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22x%22%3B%20y.pdf`);
  });
});

describe('signed URLs', () => {
  const key = Buffer.alloc(32, 9);
  const claims = { key: 'documents/a/b', versionId: null, expires: Math.floor(Date.now() / 1000) + 60, contentType: 'application/pdf', filename: 'x.pdf', issuedTo: 'alice' };
  const params = (u: string) => Object.fromEntries(new URL(u).searchParams) as Record<string, string>;
  it('verifies what it signed and refuses any change', () => {
    const url = buildSignedUrl('http://h', key, claims);
    expect(verifySignedUrl(key, claims.key, params(url))).toMatchObject(claims);
    expect(() => verifySignedUrl(key, 'documents/a/c', params(url))).toThrow(/not valid/);
    expect(() => verifySignedUrl(Buffer.alloc(32, 8), claims.key, params(url))).toThrow(/not valid/);
    expect(() => verifySignedUrl(key, claims.key, { ...params(url), fn: 'y.pdf' })).toThrow(/not valid/);
  });
  it('refuses an expired URL', () => {
    const url = buildSignedUrl('http://h', key, { ...claims, expires: 1000 });
    expect(() => verifySignedUrl(key, claims.key, params(url))).toThrow(/expired/);
  });
});

describe('FHIR search parameters', () => {
  it('turns date precision and prefixes into ranges', () => {
    expect(parseDateParam('2024')).toEqual({ prefix: 'eq', start: '2024-01-01T00:00:00.000Z', end: '2025-01-01T00:00:00.000Z' });
    expect(parseDateParam('ge2024-02')).toEqual({ prefix: 'ge', start: '2024-02-01T00:00:00.000Z', end: '2024-03-01T00:00:00.000Z' });
    expect(parseDateParam('lt2024-12-31')).toEqual({ prefix: 'lt', start: '2024-12-31T00:00:00.000Z', end: '2025-01-01T00:00:00.000Z' });
    expect(() => parseDateParam('2024-13')).toThrow();
    expect(() => parseDateParam('yesterday')).toThrow();
  });
  it('requires one valid patient identifier and refuses unknown parameters', () => {
    expect(parseSearch({ 'patient.identifier': 'https://fhir.nhs.uk/Id/nhs-number|9434765919', type: 'http://snomed.info/sct|373942005,x' })).toMatchObject({
      patient: '9434765919',
      type: [{ system: 'http://snomed.info/sct', code: '373942005' }, { system: null, code: 'x' }],
      count: 20,
    });
    expect(() => parseSearch({})).toThrow(/required/);
    expect(() => parseSearch({ 'patient.identifier': 'https://fhir.nhs.uk/Id/nhs-number|9434765918' })).toThrow();
    expect(() => parseSearch({ 'patient.identifier': 'https://fhir.nhs.uk/Id/nhs-number|9434765919', _sort: 'x' })).toThrow(/unsupported/);
  });
});
