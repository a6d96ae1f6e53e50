import { AppError } from './errors.ts';

/**
 * Pure checks that keep request values inside what PostgreSQL can store, so a hostile value is refused with a
 * 400 before it reaches a query (where it would end in a 22xxx error and a 500).
 */

/** PostgreSQL `integer` (int4): document versions are stored as one. */
export const INT4_MAX = 2_147_483_647;
/** PostgreSQL `bigint` (int8): audit event ids. */
export const INT8_MAX = 9_223_372_036_854_775_807n;

/** PostgreSQL text (and jsonb) cannot hold U+0000. */
export const hasNul = (s: string): boolean => s.includes('\u0000');

/** True when some string anywhere inside v (object values, array items, keys) holds a NUL. */
export function containsNul(v: unknown, depth = 0): boolean {
  if (typeof v === 'string') return hasNul(v);
  if (depth > 32 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some((x) => containsNul(x, depth + 1));
  return Object.entries(v as Record<string, unknown>).some(([k, x]) => hasNul(k) || containsNul(x, depth + 1));
}

/** A calendar date YYYY-MM-DD that exists (no 2026-02-30) in years 0001..9999 (PostgreSQL has no year 0). */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function daysInMonth(y: number, mo: number): number {
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0..99 as 1900..1999
  const t = new Date(0);
  t.setUTCFullYear(y, mo, 0);
  return t.getUTCDate();
}

/** An RFC 3339 date-time (as JSON schema's `date-time` format) on a real calendar date in years 0001..9999. */
export function isTimestamp(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/.exec(s);
  if (!m || !isCalendarDate(m[1]!)) return false;
  const [h, mi, sec] = [Number(m[2]), Number(m[3]), Number(m[4])];
  if (h > 23 || mi > 59 || sec > 60) return false;
  // PostgreSQL accepts offsets up to ±15:59 (real ones stop at ±14:00)
  if (m[7] !== undefined && (Number(m[7]) > 15 || Number(m[8]) > 59)) return false;
  return true;
}

/**
 * What changes how text displays without being seen: DEL, the C1 controls (U+0080–U+009F, among them the one-character
 * CSI of terminal escapes) and the bidirectional-text controls (RLO, LRI, …: an RLO makes `gpj.exe` display as `exe.jpg`).
 */
const INVISIBLE_CONTROLS = /[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The C0 controls but tab: newlines, ESC (terminal escapes), NUL, … */
const C0_BUT_TAB = /[\x00-\x08\x0a-\x1f]/;

/** Removes the invisible controls: the one cleaning of every name and text a person reads (filenames included). */
export const stripInvisibleControls = (s: string): string => s.replace(INVISIBLE_CONTROLS, '');

/**
 * Free text that people read (a title, description, author, a reason or note): refused when it holds a C0 control
 * other than tab (a newline or an escape has no place in one line shown in a list, FHIR, a certificate or a log),
 * then cleaned of invisible controls and trimmed. Filenames are cleaned the same way (documents/metadata.ts).
 */
export function displayText(value: string, field: string): string {
  if (C0_BUT_TAB.test(value)) throw new AppError('validation_failed', `${field} contains a control character (line breaks, escapes…); only tab is allowed`, { field });
  return stripInvisibleControls(value).trim();
}
