import { AppError } from '../../domain/errors.ts';
import { storeSystemError } from '../store-errors.ts';

/**
 * What an Azure error means to the service: missing → not_found; unreachable, throttled, 5xx or credential problems
 * → storage_unavailable (503, Retry-After); anything else is passed on as it is.
 */
export function mapAzureError(e: unknown, what: string): unknown {
  if (e instanceof AppError) return e;
  const system = storeSystemError(e, 'Azure', what);
  if (system) return system;
  const status = statusOf(e);
  const code = restCode(e);
  if (status === 404 && code !== 'ContainerNotFound') return new AppError('not_found', 'the stored object is missing', {}, { cause: e });
  const transport = status === undefined && ((e as { name?: unknown }).name === 'RestError' || (code !== undefined && /^(E[A-Z]+|REQUEST_SEND_ERROR)$/.test(code)));
  if (code === 'ContainerNotFound' || transport || (status !== undefined && (status >= 500 || status === 401 || status === 403 || status === 429))) {
    return unavailable(`Azure ${what} failed: ${describe(e)}`, e);
  }
  return e;
}

export const unavailable = (msg: string, cause: unknown): AppError => new AppError('storage_unavailable', msg, { layer: 'blob' }, { cause, retryAfter: 5 });

export function statusOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function restCode(e: unknown): string | undefined {
  const err = e as { code?: unknown; details?: { errorCode?: unknown } } | null;
  if (typeof err?.details?.errorCode === 'string') return err.details.errorCode;
  return typeof err?.code === 'string' ? err.code : undefined;
}

/** One line for an operator: the error's code, first message line and HTTP status. */
export function describe(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  const err = e as { message?: string; name?: string };
  const code = restCode(e);
  const status = statusOf(e);
  const first = (err.message ?? err.name ?? 'error').split('\n')[0];
  return `${code ? `${code}: ` : ''}${first}${status ? ` (HTTP ${status})` : ''}`;
}
