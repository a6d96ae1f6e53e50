import type postgres from 'postgres';
import type { Db } from '../db/sql.ts';
import type { RequestContext } from '../domain/principal.ts';
import type { AuditEntry, AuditRecord } from './audit-event.ts';
import { sanitiseAuditEntry } from './sanitise-entry.ts';

/**
 * Writes one audit row, synchronously, in the caller's transaction when given one. There is no in-memory queue:
 * a response is sent only after its audit row is durable, so a crash cannot lose an access.
 */
export async function recordAudit(db: Db, rawCtx: RequestContext, rawEntry: AuditEntry): Promise<void> {
  const { ctx, entry: e } = insertable(rawCtx, rawEntry);
  await insertAudit(db, ctx, e, db`select ${e.patient ?? null}::text as patient_nhs, ${e.version ?? null}::int as version, null::jsonb as detail`);
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

/** AuditColumns as the column definitions of `jsonb_to_recordset(…) as r(…)`, for statements that take them as JSON. */
export const AUDIT_COLUMNS_RECORDSET = `actor text, roles text[], action text, outcome text, document_id uuid, error_code text, detail jsonb,
  client_ip text, user_agent text, request_id text`;

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
 * The audit_events insert for a data-modifying CTE whose `source` yields every column of AuditColumns (as auditColumns
 * made them) plus `version` and `patient_nhs`: one row per source row.
 */
export function auditInsertRows(db: Db, source: postgres.PendingQuery<postgres.Row[]>) {
  return db`insert into audit_events (actor, roles, action, outcome, document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id)
    select actor, roles, action, outcome, document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id from (${source}) src
    returning id`;
}

/** The entry as it can be stored: a break-glass reason goes into detail before sanitising, so it is cleaned like any other detail. */
function insertable(rawCtx: RequestContext, rawEntry: AuditEntry): { ctx: RequestContext; entry: AuditEntry } {
  const withReason = rawEntry.breakGlass ? { ...rawEntry, detail: { ...rawEntry.detail, breakGlass: rawEntry.breakGlass } } : rawEntry;
  return sanitiseAuditEntry(rawCtx, withReason);
}

/** The one audit_events insert: the request's columns from ctx and e, patient/version/extra detail from source. */
function insertAudit(db: Db, ctx: RequestContext, e: AuditEntry, source: postgres.PendingQuery<postgres.Row[]>) {
  const detail = e.detail ? db.json(e.detail as never) : null;
  return db`insert into audit_events (actor, roles, action, outcome, document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id)
    select ${ctx.principal?.sub ?? null}, ${ctx.principal?.roles ?? []}::text[], ${e.action}, ${e.outcome}, ${e.documentId ?? null}::uuid, src.version,
      src.patient_nhs, ${e.errorCode ?? null}, case when ${detail}::jsonb is null and src.detail is null then null
        else coalesce(${detail}::jsonb, '{}') || coalesce(src.detail, '{}') end, ${ctx.clientIp}, ${ctx.userAgent?.slice(0, 512) ?? null}, ${ctx.requestId}
    from (${source}) src
    returning id`;
}

export interface AuditQuery {
  document?: string | undefined;
  patient?: string | undefined;
  /** A patient-scoped reader sees only rows about these patients. */
  patients?: string[] | null | undefined;
  actor?: string | undefined;
  action?: string | undefined;
  outcome?: string | undefined;
  /** Only break-glass reads. */
  breakGlass?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
  beforeId?: string | undefined;
  limit: number;
}

interface Row {
  id: bigint;
  at: Date;
  actor: string | null;
  roles: string[];
  action: string;
  outcome: AuditRecord['outcome'];
  document_id: string | null;
  version: number | null;
  patient_nhs: string | null;
  error_code: string | null;
  detail: Record<string, unknown> | null;
  client_ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

/** Newest first, keyset-paged on id. */
export async function queryAudit(db: Db, q: AuditQuery): Promise<AuditRecord[]> {
  return (await selectAudit(db, q, 'desc')).map(toRecord);
}

/** Oldest first, in batches, for exports: memory stays bounded whatever the size of the trail. */
export async function* iterateAudit(db: Db, q: Omit<AuditQuery, 'limit' | 'beforeId'>, batch = 1000): AsyncGenerator<AuditRecord> {
  let after = '0';
  for (;;) {
    const rows = await selectAudit(db, { ...q, limit: batch, afterId: after }, 'asc');
    for (const r of rows) yield toRecord(r);
    if (rows.length < batch) return;
    after = String(rows.at(-1)!.id);
  }
}

function selectAudit(db: Db, q: AuditQuery & { afterId?: string }, order: 'asc' | 'desc'): Promise<Row[]> {
  return db<Row[]>`select * from audit_events where true
    ${q.document ? db`and document_id = ${q.document}` : db``}
    ${q.patient ? db`and patient_nhs = ${q.patient}` : db``}
    ${q.patients ? db`and patient_nhs = any(${q.patients}::text[])` : db``}
    ${q.actor ? db`and actor = ${q.actor}` : db``}
    ${q.action ? db`and action = ${q.action}` : db``}
    ${q.outcome ? db`and outcome = ${q.outcome}` : db``}
    ${q.breakGlass ? db`and detail ? 'breakGlass'` : db``}
    ${q.from ? db`and at >= ${q.from}::text::timestamptz` : db``}
    ${q.to ? db`and at < ${q.to}::text::timestamptz` : db``}
    ${q.beforeId ? db`and id < ${q.beforeId}::bigint` : db``}
    ${q.afterId ? db`and id > ${q.afterId}::bigint` : db``}
    order by id ${order === 'asc' ? db`asc` : db`desc`} limit ${q.limit}`;
}

function toRecord(r: Row): AuditRecord {
  return {
    id: String(r.id),
    at: r.at,
    actor: r.actor,
    roles: r.roles,
    action: r.action,
    outcome: r.outcome,
    documentId: r.document_id,
    version: r.version,
    patient: r.patient_nhs,
    errorCode: r.error_code,
    detail: r.detail,
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
  };
}
