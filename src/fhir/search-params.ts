import { AppError } from '../domain/errors.ts';
import { isValidNhsNumber } from '../domain/nhs-number.ts';
import type { BuiltinSearch, DateParam, TokenParam } from './builtin-index.ts';
import { NHS_NUMBER_SYSTEM } from './systems.ts';

export type Params = Record<string, string | string[] | undefined>;

const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const orList = (v: string | string[] | undefined): string[] => all(v).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

export const SUPPORTED = ['patient.identifier', 'status', 'type', 'category', 'identifier', 'date', 'period', '_count', '_offset', '_format'];

function token(s: string): TokenParam {
  const i = s.indexOf('|');
  return i < 0 ? { system: null, code: s } : { system: s.slice(0, i) || null, code: s.slice(i + 1) };
}

/** A FHIR date search value with its prefix, as the half-open range its precision covers. */
export function parseDateParam(raw: string): DateParam {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb)?(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(?:Z|[+-]\d{2}:\d{2})?)?)?)?$/.exec(raw);
  if (!m) throw new AppError('validation_failed', `not a FHIR date: ${raw}`, { field: 'date' });
  const prefix = (m[1] ?? 'eq') as DateParam['prefix'];
  const [y, mo, d, t] = [Number(m[2]), m[3] ? Number(m[3]) : null, m[4] ? Number(m[4]) : null, m[5]];
  if (t) {
    const at = new Date(`${m[2]}-${m[3]}-${m[4]}${t}`);
    if (Number.isNaN(at.getTime())) throw new AppError('validation_failed', `not a FHIR date: ${raw}`, { field: 'date' });
    return { prefix, start: at.toISOString(), end: new Date(at.getTime() + 1000).toISOString() };
  }
  const start = new Date(Date.UTC(y, (mo ?? 1) - 1, d ?? 1));
  const end = d ? new Date(Date.UTC(y, mo! - 1, d + 1)) : mo ? new Date(Date.UTC(y, mo, 1)) : new Date(Date.UTC(y + 1, 0, 1));
  if (Number.isNaN(start.getTime()) || (mo !== null && (mo < 1 || mo > 12))) throw new AppError('validation_failed', `not a FHIR date: ${raw}`, { field: 'date' });
  return { prefix, start: start.toISOString(), end: end.toISOString() };
}

/** ITI-67 parameters for the built-in index. A patient is required: searches are always for one patient. */
export function parseSearch(q: Params): BuiltinSearch {
  const unknown = Object.keys(q).filter((k) => !SUPPORTED.includes(k));
  if (unknown.length) throw new AppError('validation_failed', `unsupported search parameter(s): ${unknown.join(', ')}`, { supported: SUPPORTED });
  const pid = all(q['patient.identifier']);
  if (pid.length !== 1) throw new AppError('validation_failed', `patient.identifier=${NHS_NUMBER_SYSTEM}|<NHS number> is required once`, { field: 'patient.identifier' });
  const t = token(pid[0]!);
  if ((t.system !== null && t.system !== NHS_NUMBER_SYSTEM) || !isValidNhsNumber(t.code)) {
    throw new AppError('invalid_nhs_number', `patient.identifier must be ${NHS_NUMBER_SYSTEM}|<valid NHS number>`, { field: 'patient.identifier' });
  }
  const count = q._count === undefined ? 20 : Number(all(q._count)[0]);
  const offset = q._offset === undefined ? 0 : Number(all(q._offset)[0]);
  if (!Number.isInteger(count) || count < 0 || count > 100) throw new AppError('validation_failed', '_count must be 0..100', { field: '_count' });
  if (!Number.isInteger(offset) || offset < 0) throw new AppError('validation_failed', '_offset must be a whole number', { field: '_offset' });
  return {
    patient: t.code,
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
