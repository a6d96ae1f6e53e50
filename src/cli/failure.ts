import { isDatabaseUnavailable } from '../db/errors.ts';

/**
 * The last resort of every command: one clear line on stderr and an exit code; the stack only with --debug.
 * 69 (EX_UNAVAILABLE) when the database could not be reached, 1 otherwise.
 */
export function reportFailure(e: unknown, debug: boolean): number {
  const unavailable = isDatabaseUnavailable(e);
  const message = oneLine(e);
  process.stderr.write(`error: ${unavailable ? `the database is unavailable (${message})` : message}${debug ? '' : ' (run with --debug for details)'}\n`);
  if (debug) process.stderr.write(`${stackOf(e)}\n`);
  return unavailable ? 69 : 1;
}

export const stackOf = (e: unknown): string => (e instanceof Error ? (e.stack ?? e.message) : String(e));

function oneLine(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  const first = (e.message || e.name).split('\n')[0]!.trim();
  const line = typeof code === 'string' && !first.includes(code) ? `${first} [${code}]` : first;
  // e.g. fetch's "fetch failed", whose cause says what failed
  return e.cause instanceof Error ? `${line}: ${oneLine(e.cause)}` : line;
}
