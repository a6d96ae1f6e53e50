import type { Db } from '../db/sql.ts';
import type { RequestContext } from '../domain/principal.ts';
import type { AuditEntry } from './audit-event.ts';
import { sanitiseAuditEntry } from './sanitise-entry.ts';
import { insertAudit } from './repository.ts';

/**
 * Writes one audit row, synchronously, in the caller's transaction when given one. There is no in-memory queue:
 * a response is sent only after its audit row is durable, so a crash cannot lose an access.
 */
export async function recordAudit(db: Db, rawCtx: RequestContext, rawEntry: AuditEntry): Promise<void> {
  const { ctx, entry: e } = insertable(rawCtx, rawEntry);
  await insertAudit(db, ctx, e);
}

/** One audit row's own columns, sanitised as recordAudit's, for a statement that writes many requests' rows at once. */
export interface AuditColumns {
  actor: string | null;
  roles: string[];
  action: string;
  outcome: AuditEntry['outcome'];
  document_id: string | null;
  error_code: string | null;
  detail: Record<string, unknown> | null;
  client_ip: string | null;
  user_agent: string | null;
  request_id: string;
}

export function auditColumns(rawCtx: RequestContext, rawEntry: Omit<AuditEntry, 'patient' | 'version'>): AuditColumns {
  const { ctx, entry: e } = insertable(rawCtx, rawEntry);
  return {
    actor: ctx.principal?.sub ?? null,
    roles: ctx.principal?.roles ?? [],
    action: e.action,
    outcome: e.outcome,
    document_id: e.documentId ?? null,
    error_code: e.errorCode ?? null,
    detail: (e.detail as Record<string, unknown> | null | undefined) ?? null,
    client_ip: ctx.clientIp,
    user_agent: ctx.userAgent?.slice(0, 512) ?? null,
    request_id: ctx.requestId,
  };
}

/**
 * The entry as it can be stored: a break-glass reason and the client's own request id go into detail before
 * sanitising, so they are cleaned like any other detail.
 */
function insertable(rawCtx: RequestContext, rawEntry: AuditEntry): { ctx: RequestContext; entry: AuditEntry } {
  const extra = {
    ...(rawEntry.breakGlass ? { breakGlass: rawEntry.breakGlass } : {}),
    ...(rawCtx.clientRequestId ? { clientRequestId: rawCtx.clientRequestId } : {}),
  };
  const withExtra = Object.keys(extra).length ? { ...rawEntry, detail: { ...rawEntry.detail, ...extra } } : rawEntry;
  return sanitiseAuditEntry(rawCtx, withExtra);
}
