import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { INT8_MAX, isCalendarDate, isTimestamp } from '../domain/input-limits.ts';

/**
 * Opaque paging cursors: `<base64url JSON payload>.<base64url HMAC-SHA256, 16 bytes>`. Clients cannot forge or
 * edit one (a tampered cursor is refused before any query runs), and the payload is re-validated strictly after the
 * signature, so a value PostgreSQL would reject can never come from a cursor. The key is derived from the URL
 * signing key, which every instance behind a load balancer shares.
 */
export interface CursorCodec {
  /** Documents list: the row's created_at exactly as PostgreSQL holds it (microseconds) and its id. */
  encodeList(createdAt: string, id: string): string;
  decodeList(cursor: string): { createdAt: string; id: string };
  /** Audit trail: the last event id (a bigint, as text). */
  encodeAudit(id: string): string;
  decodeAudit(cursor: string): string;
  /** Retention due list: the row's retainUntil (a calendar date) and its id. */
  encodeDue(retainUntil: string, id: string): string;
  decodeDue(cursor: string): { retainUntil: string; id: string };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** What `created_at` looks like when selected as cursor text: UTC with exactly six fractional digits. */
const MICROS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export function createCursorCodec(signingKey: Buffer): CursorCodec {
  // a KeyObject: createHmac re-imports a Buffer key on every call (see blobstores/secret-keys.ts)
  const key = createSecretKey(createHmac('sha256', signingKey).update('quill-docstore cursor v1').digest());
  const mac = (kind: string, payload: string) => createHmac('sha256', key).update(`${kind}.${payload}`).digest().subarray(0, 16);
  const invalid = () => new AppError('validation_failed', 'cursor is not valid (use nextCursor from a previous page, unchanged)', { field: 'cursor' });

  const encode = (kind: string, value: unknown[]) => {
    const payload = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${payload}.${mac(kind, payload).toString('base64url')}`;
  };
  const decode = (kind: string, cursor: string): unknown[] => {
    const m = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{22})$/.exec(cursor);
    if (!m) throw invalid();
    const given = Buffer.from(m[2]!, 'base64url');
    if (given.length !== 16 || !timingSafeEqual(given, mac(kind, m[1]!))) throw invalid();
    try {
      const v: unknown = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
      if (!Array.isArray(v)) throw invalid();
      return v;
    } catch {
      throw invalid();
    }
  };

  return {
    encodeList: (createdAt, id) => encode('list', [createdAt, id]),
    decodeList: (cursor) => {
      const [createdAt, id, ...rest] = decode('list', cursor);
      if (rest.length || typeof createdAt !== 'string' || typeof id !== 'string' || !MICROS_UTC.test(createdAt) || !isTimestamp(createdAt) || !UUID.test(id)) throw invalid();
      return { createdAt, id };
    },
    encodeAudit: (id) => encode('audit', [id]),
    decodeAudit: (cursor) => {
      const [id, ...rest] = decode('audit', cursor);
      if (rest.length || typeof id !== 'string' || !/^[1-9][0-9]{0,18}$/.test(id) || BigInt(id) > INT8_MAX) throw invalid();
      return id;
    },
    encodeDue: (retainUntil, id) => encode('due', [retainUntil, id]),
    decodeDue: (cursor) => {
      const [retainUntil, id, ...rest] = decode('due', cursor);
      if (rest.length || typeof retainUntil !== 'string' || typeof id !== 'string' || !isCalendarDate(retainUntil) || !UUID.test(id)) throw invalid();
      return { retainUntil, id };
    },
  };
}
