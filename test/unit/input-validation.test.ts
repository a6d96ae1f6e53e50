import { describe, expect, it } from 'vitest';
import { sanitiseAuditEntry } from '../../src/audit/sanitise-entry.ts';
import { parseTrustProxy } from '../../src/config/edge.ts';
import { cleanFilename } from '../../src/documents/metadata.ts';
import { containsNul, isCalendarDate, isTimestamp } from '../../src/domain/input-limits.ts';
import { parseDateParam, parseSearch } from '../../src/fhir/search-params.ts';
import { NHS_NUMBER_SYSTEM } from '../../src/fhir/systems.ts';
import { createCursorCodec } from '../../src/http/cursor.ts';
import { toAppError } from '../../src/http/problem.ts';

describe('calendar dates and timestamps', () => {
  it('accepts real dates in years 0001..9999 and nothing else', () => {
    for (const d of ['0001-01-01', '0050-06-01', '2024-02-29', '9999-12-31']) expect(isCalendarDate(d), d).toBe(true);
    for (const d of ['0000-01-01', '2026-02-30', '2025-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '10000-01-01', '2026-1-1', '']) expect(isCalendarDate(d), d).toBe(false);
    expect(isTimestamp('2026-11-30T10:00:00Z')).toBe(true);
    expect(isTimestamp('2026-11-30T10:00:00.123456+01:00')).toBe(true);
    for (const t of ['0000-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '2026-11-30T24:00:00Z', '+275760-09-13T00:00:00Z', '2026-11-30']) expect(isTimestamp(t), t).toBe(false);
  });

  it('reads FHIR year 0050 as 0050 and bounds year 9999 with infinity', () => {
    expect(parseDateParam('0050')).toEqual({ prefix: 'eq', start: '0050-01-01T00:00:00.000Z', end: '0051-01-01T00:00:00.000Z' });
    expect(parseDateParam('9999')).toMatchObject({ start: '9999-01-01T00:00:00.000Z', end: 'infinity' });
    expect(parseDateParam('ge2024-02-29')).toMatchObject({ prefix: 'ge', start: '2024-02-29T00:00:00.000Z', end: '2024-03-01T00:00:00.000Z' });
    for (const bad of ['0000', '2026-02-30', '2026-13', '2026-01-01T25:00:00Z', 'eq20260101']) expect(() => parseDateParam(bad), bad).toThrow(/not a FHIR date/);
  });
});

describe('FHIR search parameters', () => {
  const patient = `${NHS_NUMBER_SYSTEM}|9434765919`;
  it('caps _count at the maximum and refuses numbers that are not plain digits', () => {
    expect(parseSearch({ 'patient.identifier': patient, _count: '500' }).count).toBe(100);
    expect(parseSearch({ 'patient.identifier': patient, _count: '7' }).count).toBe(7);
    for (const [k, v] of [['_offset', '1e300'], ['_offset', '2147483648'], ['_count', '-1'], ['_count', '']] as const) {
      expect(() => parseSearch({ 'patient.identifier': patient, [k]: v }), `${k}=${v}`).toThrow(/whole number/);
    }
  });
  it('refuses values that are not text', () => {
    expect(() => parseSearch({ 'patient.identifier': patient, status: 5 as never })).toThrow(/must be text/);
    expect(() => parseSearch({ 'patient.identifier': patient, status: { a: 1 } as never })).toThrow(/must be text/);
    expect(() => parseSearch({ 'patient.identifier': patient, status: 'a\u0000' })).toThrow(/NUL/);
  });
});

describe('cursor codec', () => {
  const codec = createCursorCodec(Buffer.alloc(32, 1));
  it('round-trips microsecond keys and audit ids', () => {
    const c = codec.encodeList('2026-11-30T10:00:00.123456Z', '00000000-0000-4000-8000-000000000001');
    expect(codec.decodeList(c)).toEqual({ createdAt: '2026-11-30T10:00:00.123456Z', id: '00000000-0000-4000-8000-000000000001' });
    expect(codec.decodeAudit(codec.encodeAudit('9223372036854775807'))).toBe('9223372036854775807');
  });
  it('refuses forged, tampered, cross-kind and out-of-range cursors', () => {
    const other = createCursorCodec(Buffer.alloc(32, 2));
    const list = codec.encodeList('2026-11-30T10:00:00.123456Z', '00000000-0000-4000-8000-000000000001');
    expect(() => other.decodeList(list)).toThrow(/cursor/);
    expect(() => codec.decodeAudit(list)).toThrow(/cursor/);
    expect(() => codec.decodeList(`${list.slice(0, -2)}AA`)).toThrow(/cursor/);
    expect(() => codec.decodeList(Buffer.from(JSON.stringify(['2026-11-30T10:00:00.000Z', '-'.repeat(36)])).toString('base64url'))).toThrow(/cursor/);
    // well signed but invalid inside: never reaches PostgreSQL
    expect(() => codec.decodeList(codec.encodeList('+275760-09-13T00:00:00.000000Z', '00000000-0000-4000-8000-000000000001'))).toThrow(/cursor/);
    expect(() => codec.decodeList(codec.encodeList('2026-11-30T10:00:00.123456Z', '-'.repeat(36)))).toThrow(/cursor/);
    expect(() => codec.decodeAudit(codec.encodeAudit('9999999999999999999'))).toThrow(/cursor/);
    // the retention due list's cursor: signed, its kind checked, its date and id validated after the signature
    const due = codec.encodeDue('2007-01-01', '00000000-0000-4000-8000-000000000001');
    expect(codec.decodeDue(due)).toEqual({ retainUntil: '2007-01-01', id: '00000000-0000-4000-8000-000000000001' });
    expect(() => other.decodeDue(due)).toThrow(/cursor/);
    expect(() => codec.decodeDue(list)).toThrow(/cursor/);
    expect(() => codec.decodeList(due)).toThrow(/cursor/);
    expect(() => codec.decodeDue(Buffer.from(`2007-01-01|${'-'.repeat(36)}`).toString('base64url'))).toThrow(/cursor/);
    expect(() => codec.decodeDue(codec.encodeDue('2007-01-01', '-'.repeat(36)))).toThrow(/cursor/);
    expect(() => codec.decodeDue(codec.encodeDue('0000-01-01', '00000000-0000-4000-8000-000000000001'))).toThrow(/cursor/);
  });
});

describe('audit sanitising', () => {
  const ctx = { principal: { sub: 'a\u0000b', roles: ['clinician'], patients: null }, clientIp: '127.0.0.1', userAgent: 'x\u0000', requestId: 'r' };
  it('moves values that do not fit their column into detail and strips NULs and lone surrogates', () => {
    const { ctx: c, entry } = sanitiseAuditEntry(ctx, { action: 'document.read', outcome: 'failed', version: 1e22, documentId: '-'.repeat(36), detail: { q: 'x\u0000\ud800' } });
    expect(entry.version).toBeNull();
    expect(entry.documentId).toBeNull();
    expect(entry.detail).toMatchObject({ requestedVersion: '1e+22', requestedDocumentId: '-'.repeat(36) });
    expect(containsNul(entry.detail)).toBe(false);
    expect((entry.detail as { q: string }).q.isWellFormed()).toBe(true);
    expect(c.principal!.sub).not.toContain('\u0000');
    expect(c.userAgent).not.toContain('\u0000');
  });
});

describe('filenames and edges', () => {
  it('removes bidi controls from filenames', () => {
    expect(cleanFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(cleanFilename('a\u2066b\u2069c\u200E\u061C.pdf')).toBe('abc.pdf');
  });
  it('reads QUILL_TRUST_PROXY', () => {
    const p: string[] = [];
    expect(parseTrustProxy(undefined, p)).toBe(false);
    expect(parseTrustProxy('true', p)).toBe(true);
    expect(parseTrustProxy('2', p)).toBe(2);
    expect(parseTrustProxy('10.0.0.0/8, 127.0.0.1', p)).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(p).toEqual([]);
    parseTrustProxy('10.0.0.0/99,nonsense', p);
    expect(p[0]).toMatch(/QUILL_TRUST_PROXY/);
  });
  it("maps Fastify's own 4xx errors to a code of their own", () => {
    const cases: [number, string][] = [[404, 'not_found'], [405, 'method_not_allowed'], [406, 'not_acceptable'], [408, 'request_timeout'], [409, 'conflict'], [411, 'length_required'], [414, 'uri_too_long'], [431, 'request_header_fields_too_large']];
    for (const [statusCode, code] of cases) {
      const e = toAppError(Object.assign(new Error('x'), { statusCode, code: 'FST_SOMETHING' }));
      expect(e.code, String(statusCode)).toBe(code);
      expect(e.status).toBe(statusCode);
    }
  });
});
