import { AppError } from '../domain/errors.ts';

/**
 * Errors that mean "PostgreSQL cannot be reached or did not answer in time" rather than "this request is wrong":
 * socket failures, postgres.js connection states, our own wait bound (QUILL_DB_TIMEOUT_MS), and the server-side
 * codes for shutdown, crash recovery, cancelled/timed-out statements and exhausted connections.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, crash recovery)
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: a standby, or a promoted primary not yet out of recovery (a failover)
]);

export const isDatabaseUnavailable = (e: unknown): boolean => {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'));
};

/** The AppError a database outage becomes (503 storage_unavailable with Retry-After), or null for other errors. */
export function databaseUnavailable(e: unknown): AppError | null {
  if (!isDatabaseUnavailable(e)) return null;
  return new AppError('storage_unavailable', 'the database is unavailable', { layer: 'database' }, { cause: e, retryAfter: 5 });
}

/**
 * PostgreSQL refused a statement for the data it was given (SQLSTATE class 22, data exception, or 23, integrity
 * constraint violation): nothing was committed, and the same statement without the offending input would succeed.
 */
export const isInputError = (e: unknown): boolean => {
  const err = e as { code?: unknown; severity?: unknown } | null;
  return typeof err?.code === 'string' && /^2[23][0-9A-Z]{3}$/.test(err.code) && typeof err.severity === 'string';
};
