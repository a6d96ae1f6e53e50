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

/** Bidirectional-text controls (RLO, LRI, …) that make `gpj.exe` display as `exe.jpg`. */
export const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
