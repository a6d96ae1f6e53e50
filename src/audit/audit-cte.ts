import type postgres from 'postgres';
import type { Db } from '../db/sql.ts';
import type { RequestContext } from '../domain/principal.ts';
import type { AuditAction } from './audit-event.ts';
import { sanitiseAuditEntry } from './sanitise-entry.ts';

/** A piece of SQL built with the tagged template. */
export type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** The audit columns a success row fills from a query's own rows (the rest come from the request). */
export interface AuditFromRows {
  action: AuditAction;
  /** SQL expressions over the source relation; null for a column the row does not have. */
  documentId: Fragment | null;
  version: Fragment | null;
  patient: Fragment;
  detail: Fragment | null;
}

/**
 * `insert into audit_events … select … from <source>`: a success audit row written by the same statement that reads
 * what it is about (a data-modifying CTE), so a hot read and its audit row cost one round trip. It is the same row
 * recordAudit writes (same columns, same sanitising of the request's text, same table triggers: the hash chain), and as the statement commits before its result is returned,
 * the row is durable before the caller answers.
 */
export function auditInsertFrom(db: Db, rawCtx: RequestContext, source: Fragment, a: AuditFromRows): Fragment {
  const { ctx } = sanitiseAuditEntry(rawCtx, { action: a.action, outcome: 'success' }); // as recordAudit does
  return db`insert into audit_events (actor, roles, action, outcome, document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id)
    select ${ctx.principal?.sub ?? null}, ${ctx.principal?.roles ?? []}::text[], ${a.action}, 'success', ${a.documentId ?? db`null`}::uuid, ${a.version ?? db`null`}::int,
      ${a.patient}, null, ${a.detail ?? db`null`}::jsonb, ${ctx.clientIp}, ${ctx.userAgent?.slice(0, 512) ?? null}, ${ctx.requestId}
    from ${source}
    returning id`;
}
