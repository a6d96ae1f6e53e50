import { isAppError } from '../../domain/errors.ts';

/** One line for a failure reason in the report: the error's code, then its message. */
export function describeError(e: unknown): string {
  if (isAppError(e)) return `${e.code}: ${e.message}`;
  const err = e as { code?: string; message?: string } | null;
  return `${err?.code ? `${err.code}: ` : ''}${err?.message ?? String(e)}`;
}
