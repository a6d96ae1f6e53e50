import { AppError } from '../domain/errors.ts';
import { daysInMonth, INT4_MAX } from '../domain/input-limits.ts';
import { isValidNhsNumber } from '../domain/nhs-number.ts';
import type { BuiltinSearch, DateParam, TokenParam } from './builtin-index-repository.ts';
import { NHS_NUMBER_SYSTEM } from './systems.ts';

export type Params = Record<string, string | string[] | undefined>;

export const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
export const orList = (v: string | string[] | undefined): string[] => all(v).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

export const SUPPORTED = ['patient.identifier', 'status', 'type', 'category', 'identifier', 'date', 'period', '_count', '_offset', '_format'];

export function token(s: string): TokenParam {
  const i = s.indexOf('|');
  return i < 0 ? { system: null, code: s } : { system: s.slice(0, i) || null, code: s.slice(i + 1) };
}

/** Bounds as PostgreSQL reads them: past year 9999 is 'infinity'; before year 1 does not exist. */
function pgBound(d: Date, raw: string): string {
  const y = d.getUTCFullYear();
  if (Number.isNaN(d.getTime()) || y < 1) throw new AppError('validation_failed', `not a FHIR date: ${raw}`, { field: 'date' });
  return y > 9999 ? 'infinity' : d.toISOString();
}

/** A UTC midnight; setUTCFullYear rather than Date.UTC, which reads years 0..99 as 1900..1999. */
function utcDate(y: number, monthIndex: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(y, monthIndex, day);
  return d;
}

/** A FHIR date search value with its prefix, as the half-open range its precision covers. */
export function parseDateParam(raw: string): DateParam {
  const bad = () => new AppError('validation_failed', `not a FHIR date: ${raw.slice(0, 100)}`, { field: 'date' });
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(raw);
  if (!m) throw bad();
  const prefix = (m[1] ?? 'eq') as DateParam['prefix'];
  const [y, mo, d, t] = [Number(m[2]), m[3] ? Number(m[3]) : null, m[4] ? Number(m[4]) : null, m[5]];
  // FHIR has no year 0000, and a day must exist in its month (no 2026-02-30)
  if (y < 1 || (mo !== null && (mo < 1 || mo > 12)) || (d !== null && (d < 1 || d > daysInMonth(y, mo!)))) throw bad();
  if (t) {
    if (!/^T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/.test(t)) throw bad();
    const at = new Date(`${m[2]}-${m[3]}-${m[4]}${t}`);
    if (Number.isNaN(at.getTime())) throw bad();
    return { prefix, start: pgBound(at, raw), end: pgBound(new Date(at.getTime() + 1000), raw) };
  }
  const start = utcDate(y, (mo ?? 1) - 1, d ?? 1);
  const end = d ? utcDate(y, mo! - 1, d + 1) : mo ? utcDate(y, mo, 1) : utcDate(y + 1, 0, 1);
  return { prefix, start: pgBound(start, raw), end: pgBound(end, raw) };
}

export const DEFAULT_COUNT = 20;
export const MAX_COUNT = 100;

export function wholeNumber(v: string | string[] | undefined, field: string, fallback: number): number {
  const values = all(v);
  if (values.length === 0) return fallback;
  if (values.length > 1) throw new AppError('validation_failed', `${field} is given more than once`, { field });
  const s = values[0]!;
  if (!/^[0-9]{1,10}$/.test(s) || Number(s) > INT4_MAX) throw new AppError('validation_failed', `${field} must be a whole number from 0 to ${INT4_MAX}`, { field });
  return Number(s);
}

/**
 * What every search of the built-in index shares (ITI-67, and ITI-66 for Lists): parameter values are texts without
 * NUL, only the supported parameters, exactly one patient.identifier naming a valid NHS number, and the paging.
 */
export function parseSearchFrame(q: Params, supported: readonly string[]): { patient: string; count: number; offset: number } {
  for (const [k, v] of Object.entries(q)) {
    const ok = v === undefined || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
    if (!ok) throw new AppError('validation_failed', `search parameter ${k.slice(0, 100)} must be text (or a list of texts)`, { field: k.slice(0, 100) });
    if (all(v).some((x) => x.includes('\u0000'))) throw new AppError('validation_failed', `search parameter ${k.slice(0, 100)} contains a NUL character`, { field: k.slice(0, 100) });
  }
  const unknown = Object.keys(q).filter((k) => !supported.includes(k));
  if (unknown.length) throw new AppError('validation_failed', `unsupported search parameter(s): ${unknown.join(', ')}`, { supported });
  const pid = all(q['patient.identifier']);
  if (pid.length !== 1) throw new AppError('validation_failed', `patient.identifier=${NHS_NUMBER_SYSTEM}|<NHS number> is required once`, { field: 'patient.identifier' });
  const t = token(pid[0]!);
  if ((t.system !== null && t.system !== NHS_NUMBER_SYSTEM) || !isValidNhsNumber(t.code)) {
    throw new AppError('invalid_nhs_number', `patient.identifier must be ${NHS_NUMBER_SYSTEM}|<valid NHS number>`, { field: 'patient.identifier' });
  }
  // Whole numbers written as digits only (no 1e300, no 0x10). A _count above the maximum is capped, as FHIR search
  // allows a server to (and HAPI does); the Bundle's links carry the _count actually used.
  const count = Math.min(wholeNumber(q._count, '_count', DEFAULT_COUNT), MAX_COUNT);
  const offset = wholeNumber(q._offset, '_offset', 0);
  return { patient: t.code, count, offset };
}

/** ITI-67 parameters for the built-in index. A patient is required: searches are always for one patient. */
export function parseSearch(q: Params): BuiltinSearch {
  const { patient, count, offset } = parseSearchFrame(q, SUPPORTED);
  return {
    patient,
    status: orList(q.status),
    type: orList(q.type).map(token),
    category: orList(q.category).map(token),
    identifier: orList(q.identifier).map((s) => token(s).code),
    date: all(q.date).map(parseDateParam),
    period: all(q.period).map(parseDateParam),
    count,
    offset,
  };
}
