import type { Db } from '../../db/sql.ts';

/** SQL for disposal_batches and their disposal_items: four-eyes proposals and their decisions. */

export interface DisposalBatch {
  id: string;
  state: 'proposed' | 'approved' | 'rejected' | 'completed';
  reason: string;
  proposedBy: string;
  proposedAt: Date;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionNote: string | null;
  completedAt: Date | null;
  documents: string[];
}

const batchSelect = (db: Db) => db`select b.id, b.state, b.reason, b.proposed_by as "proposedBy", b.proposed_at as "proposedAt", b.decided_by as "decidedBy",
  b.decided_at as "decidedAt", b.decision_note as "decisionNote", b.completed_at as "completedAt",
  coalesce((select array_agg(i.document_id::text order by i.document_id) from disposal_items i where i.batch_id = b.id), '{}') as documents
  from disposal_batches b`;

export async function insertBatch(db: Db, b: { id: string; reason: string; proposedBy: string; documents: string[] }): Promise<DisposalBatch> {
  await db`insert into disposal_batches (id, state, reason, proposed_by) values (${b.id}, 'proposed', ${b.reason}, ${b.proposedBy})`;
  for (const d of b.documents) await db`insert into disposal_items (batch_id, document_id) values (${b.id}, ${d})`;
  return (await findBatch(db, b.id))!;
}

/** Those of the documents already proposed in a batch still awaiting its decision. */
export async function documentsInOpenBatch(db: Db, ids: string[]): Promise<string[]> {
  const rows = await db<{ document_id: string }[]>`select i.document_id from disposal_items i join disposal_batches b on b.id = i.batch_id
    where b.state = 'proposed' and i.document_id = any(${ids}::uuid[])`;
  return rows.map((r) => r.document_id);
}

export async function findBatch(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<DisposalBatch | null> {
  const rows = await db<DisposalBatch[]>`${batchSelect(db)} where b.id = ${id} ${opts.forUpdate ? db`for update of b` : db``}`;
  return rows[0] ?? null;
}

export async function listBatches(db: Db, state?: string): Promise<DisposalBatch[]> {
  return db<DisposalBatch[]>`${batchSelect(db)} ${state ? db`where b.state = ${state}` : db``} order by b.proposed_at desc limit 500`;
}

export async function decideBatch(db: Db, id: string, state: 'approved' | 'rejected', by: string, note: string | null): Promise<void> {
  await db`update disposal_batches set state = ${state}, decided_by = ${by}, decided_at = now(), decision_note = ${note} where id = ${id}`;
}

export async function completeBatchIfDone(db: Db, id: string): Promise<void> {
  await db`update disposal_batches b set state = 'completed', completed_at = now() where b.id = ${id} and b.state = 'approved'
    and not exists (select 1 from destruction_certificates c where c.batch_id = b.id and c.state = 'destroying')`;
}

export interface DueDocument {
  id: string;
  patient: string;
  type: { system: string; code: string; display: string };
  title: string;
  retentionClass: string;
  retainUntil: string;
  createdAt: Date;
}

/** Past retainUntil (strictly before today, UTC), not on hold, not already in a disposal: keyset-paged on (retain_until, id). */
export async function dueDocuments(db: Db, after: { retainUntil: string; id: string } | null, limit: number): Promise<DueDocument[]> {
  const rows = await db<(Omit<DueDocument, 'type'> & { type_system: string; type_code: string; type_display: string })[]>`
    select d.id, d.patient_nhs as patient, d.type_system, d.type_code, d.type_display, d.title, d.retention_class as "retentionClass",
           to_char(d.retain_until, 'YYYY-MM-DD') as "retainUntil", d.created_at as "createdAt"
    from documents d
    where d.retain_until < (now() at time zone 'UTC')::date and d.disposal_id is null and not document_on_hold(d)
      and not exists (select 1 from disposal_items i join disposal_batches b on b.id = i.batch_id where i.document_id = d.id and b.state = 'proposed')
      ${after ? db`and (d.retain_until, d.id) > (${after.retainUntil}::date, ${after.id}::uuid)` : db``}
    order by d.retain_until, d.id limit ${limit}`;
  return rows.map(({ type_system, type_code, type_display, ...r }) => ({ ...r, type: { system: type_system, code: type_code, display: type_display } }));
}
