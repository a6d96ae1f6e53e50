import { AppError } from '../../domain/errors.ts';
import { storeSystemError } from '../store-errors.ts';

/**
 * What an S3 error means to the service: missing → not_found; unreachable, throttled, 5xx or credential problems →
 * storage_unavailable (503, Retry-After); anything else is passed on as it is.
 */
export function mapS3Error(e: unknown, what: string): unknown {
  if (e instanceof AppError) return e;
  const system = storeSystemError(e, 'S3', what);
  if (system) return system;
  const name = errorName(e);
  const status = httpStatus(e);
  if (name === 'NoSuchKey' || name === 'NoSuchVersion' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) {
    return new AppError('not_found', 'the stored object is missing', {}, { cause: e });
  }
  if (isUnavailable(e)) return unavailable(`S3 ${what} failed: ${describe(e)}`, e);
  return e;
}

export const unavailable = (msg: string, cause: unknown): AppError => new AppError('storage_unavailable', msg, { layer: 'blob' }, { cause, retryAfter: 5 });

export const errorName = (e: unknown): string => (typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '');

export function httpStatus(e: unknown): number | undefined {
  const m = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return typeof m?.httpStatusCode === 'number' ? m.httpStatusCode : undefined;
}

/** The store refused the bytes because their checksum did not match. */
/** MinIO refuses to delete a locked version with 400 InvalidRequest "Object is WORM protected and cannot be overwritten". */
export const isWormRefusal = (e: unknown): boolean => errorName(e) === 'InvalidRequest' && /WORM protected/i.test((e as { message?: string }).message ?? '');

export const isDigestError = (e: unknown): boolean => ['BadDigest', 'XAmzContentChecksumMismatch', 'InvalidDigest', 'XAmzContentSHA256Mismatch'].includes(errorName(e));

/** One line for an operator: the error's name, message and HTTP status. */
export function describe(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  const err = e as { name?: string; message?: string; code?: string; errors?: unknown[] };
  const status = httpStatus(e);
  let msg = err.message || err.code || err.name || 'error';
  if (!err.message && Array.isArray(err.errors) && err.errors.length) msg = err.errors.map((x) => describe(x)).join('; ');
  return `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${msg}${status ? ` (HTTP ${status})` : ''}`;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'CredentialsProviderError',
  'ProviderError',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidToken',
  'AccessDenied',
  'NoSuchBucket',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'KMS.DisabledException',
  'KMS.KMSInvalidStateException',
]);

function isUnavailable(e: unknown, depth = 0): boolean {
  if (typeof e !== 'object' || e === null || depth > 4) return false;
  const err = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof err.code === 'string' && NETWORK_CODES.has(err.code)) return true;
  if (UNAVAILABLE_NAMES.has(errorName(e))) return true;
  const status = httpStatus(e);
  if (status !== undefined && (status >= 500 || status === 403 || status === 429)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isUnavailable(x, depth + 1))) return true;
  return isUnavailable(err.cause, depth + 1);
}
