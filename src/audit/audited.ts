import type { Logger } from 'pino';
import { databaseUnavailable } from '../db/errors.ts';
import type { Db } from '../db/sql.ts';
import { isAppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { outcomeOf, type AuditAction } from './audit-event.ts';
import { recordAudit } from './audit-log.ts';

/** What an audited action is about; filled in as the action learns it, so a refusal records as much as was known. */
export interface AuditTarget {
  documentId?: string | null;
  version?: number | null;
  patient?: string | null;
  /** Set when the read went ahead by break-glass: every audit row of the request carries the reason. */
  breakGlass?: string | null;
  /** What the row's detail says whatever the outcome (a bulk import's source id). */
  detail?: Record<string, unknown> | null;
}

/**
 * Runs fn; if it fails, records the attempt (denied for 401/403, failed otherwise, under the error's code) before
 * rethrowing. Success rows are written by fn itself, inside its own transaction where it has one.
 */
export async function audited<T>(db: Db, log: Logger, ctx: RequestContext, action: AuditAction, target: AuditTarget, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // a database outage is audited as storage_unavailable (what the client is told), not internal_error
    const err = isAppError(e) ? e : databaseUnavailable(e);
    const errorCode = err?.code ?? 'internal_error';
    const written = recordAudit(db, ctx, { action, outcome: outcomeOf(err), ...target, errorCode, detail: err?.auditDetail }).catch((ae) =>
      log.error({ err: ae, action, errorCode, requestId: ctx.requestId }, 'could not write audit row for a refused request'),
    );
    // The database just failed us: answer now (within QUILL_DB_TIMEOUT_MS) and let the audit row land, or be
    // logged at error level, in the background rather than waiting a second bound for it.
    if (!(err?.code === 'storage_unavailable' && err.extra.layer === 'database')) await written;
    throw e;
  }
}
