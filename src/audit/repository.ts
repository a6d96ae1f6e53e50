import type postgres from 'postgres';
import type { Db } from '../db/sql.ts';
import type { RequestContext } from '../domain/principal.ts';
import type { AuditEntry, AuditRecord } from './audit-event.ts';

/** Every statement on audit_events and audit_chain_head (the audit trail and its hash chain). */

/** AuditColumns as the column definitions of `jsonb_to_recordset(…) as r(…)`, for statements that take them as JSON. */
export const AUDIT_COLUMNS_RECORDSET = `actor text, roles text[], action text, outcome text, document_id uuid, error_code text, detail jsonb,
  client_ip text, user_agent text, request_id text`;

/**
 * The audit_events insert for a data-modifying CTE whose `source` yields every column of AuditColumns (as auditColumns
 * made them) plus `version` and `patient_nhs`: one row per source row.
 */
export function auditInsertRows(db: Db, source: postgres.PendingQuery<postgres.Row[]>) {
  return db`insert into audit_events (actor, roles, action, outcome, document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id)
    select actor, roles, action, outcome, document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id from (${source}) src
    returning id`;
}

/** One audit row (recordAudit, after sanitising): the request's columns from ctx, the entry's from e. */
export function insertAudit(db: Db, ctx: RequestContext, e: AuditEntry) {
  const source = db`select ${e.patient ?? null}::text as patient_nhs, ${e.version ?? null}::int as version, null::jsonb as detail`;
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

/**
 * The access log of a patient's record, oldest first, in batches: every row about the patient or about one of these
 * documents (a row of a refused read may name the document without the patient).
 */
export async function* iterateAccessLog(db: Db, patient: string, documentIds: string[], batch = 1000): AsyncGenerator<AuditRecord> {
  let after = '0';
  for (;;) {
    const rows = await db<Row[]>`select * from audit_events
      where (patient_nhs = ${patient} or document_id = any(${documentIds}::uuid[])) and id > ${after}::bigint
      order by id limit ${batch}`;
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

// ---- the hash chain (audit_chain_head, and audit_events' chain columns) ----

// The canonical text, spelled here rather than calling the database's audit_canonical() so that a replaced function
// cannot make verification agree with edited rows. Must stay identical to migration 008.
const CANON = `jsonb_build_array(chain_lane, chain_seq, id, (extract(epoch from at) * 1000000)::bigint, actor, roles, action, outcome,
  document_id, version, patient_nhs, error_code, detail, client_ip, user_agent, request_id)::text`;

export interface ChainRow {
  chain_seq: bigint;
  id: bigint;
  prev_hash: Buffer | null;
  row_hash: Buffer | null;
  canon: string;
}

/** Every lane's head: its last position and that row's hash. */
export function chainHeads(db: Db) {
  return db<{ lane: number; seq: bigint; hash: Buffer }[]>`select lane, seq, hash from audit_chain_head order by lane`;
}

/** Rows that never joined a chain (written with the chain trigger disabled). */
export function unchainedRows(db: Db, limit: number) {
  return db<{ id: bigint }[]>`select id from audit_events where chain_seq is null or chain_lane is null order by id limit ${limit}`;
}

/** Every lane some row names (a lane may have rows but no head, if its head row was deleted). */
export async function chainLanes(db: Db): Promise<number[]> {
  return (await db<{ lane: number }[]>`select distinct chain_lane as lane from audit_events where chain_lane is not null`).map((r) => r.lane);
}

/** One keyset page of a lane, from position fromSeq, with each row's canonical text. */
export function chainPage(db: Db, lane: number, fromSeq: number, limit: number) {
  return db<ChainRow[]>`
    select chain_seq, id, prev_hash, row_hash, ${db.unsafe(CANON)} as canon
    from audit_events where chain_lane = ${lane} and chain_seq >= ${fromSeq} order by chain_seq limit ${limit}`;
}
