import { AppError } from '../domain/errors.ts';

/** The store cannot be written or reached now; trying again later (or elsewhere) may work. */
const UNAVAILABLE = new Set([
  'EROFS', // read-only filesystem
  'EACCES',
  'EPERM',
  'EIO',
  'ESTALE', // NFS handle gone
  'ENOTCONN',
  'EMFILE',
  'ENFILE',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** Out of space or quota: 507, which a client should not simply retry. */
const FULL = new Set(['ENOSPC', 'EDQUOT']);

/**
 * The one mapping from system (errno/socket) errors of any blob store to the service's codes: unwritable or
 * unreachable → 503 storage_unavailable with Retry-After; full → 507 insufficient_storage. Returns null for errors
 * that are not system errors (each store maps its own protocol errors, then calls this for the rest).
 */
export function storeSystemError(e: unknown, store: string, what: string): AppError | null {
  if (e instanceof AppError) return e;
  const err = e as { code?: unknown; message?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (!code) return null;
  const first = String(err?.message ?? code).split('\n')[0];
  if (FULL.has(code)) return new AppError('insufficient_storage', `the ${store} store is out of space (${what}: ${code})`, { layer: 'blob' }, { cause: e });
  if (UNAVAILABLE.has(code)) return new AppError('storage_unavailable', `the ${store} store is unavailable (${what}: ${first})`, { layer: 'blob' }, { cause: e, retryAfter: 5 });
  return null;
}

/** storeSystemError, or the error itself when it is not a system error. */
export const mapStoreError = (e: unknown, store: string, what: string): unknown => storeSystemError(e, store, what) ?? e;
