import type { Db } from '../../db/sql.ts';
import type { HoldCoverage } from '../../documents/repository.ts';

/** SQL for legal_holds: holds set and lifted (kept, never deleted). */

/** A hold: what it covers (documents/repository.ts finds those documents), why, and who set and lifted it. */
export interface LegalHold extends HoldCoverage {
  id: string;
  reason: string;
  setBy: string;
  setAt: Date;
  liftedBy: string | null;
  liftedAt: Date | null;
  liftReason: string | null;
}

const holdSelect = (db: Db) => db`select id, scope, document_id as "documentId", patient_nhs as patient, type_code as "typeCode",
  to_char(date_from, 'YYYY-MM-DD') as "dateFrom", to_char(date_to, 'YYYY-MM-DD') as "dateTo", reason, set_by as "setBy", set_at as "setAt",
  lifted_by as "liftedBy", lifted_at as "liftedAt", lift_reason as "liftReason" from legal_holds`;

export async function insertHold(db: Db, h: Omit<LegalHold, 'setAt' | 'liftedBy' | 'liftedAt' | 'liftReason'>): Promise<LegalHold> {
  await db`insert into legal_holds (id, scope, document_id, patient_nhs, type_code, date_from, date_to, reason, set_by)
    values (${h.id}, ${h.scope}, ${h.documentId}, ${h.patient}, ${h.typeCode}, ${h.dateFrom}, ${h.dateTo}, ${h.reason}, ${h.setBy})`;
  return (await findHold(db, h.id))!;
}

export async function findHold(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<LegalHold | null> {
  const rows = await db<LegalHold[]>`${holdSelect(db)} where id = ${id} ${opts.forUpdate ? db`for update` : db``}`;
  return rows[0] ?? null;
}

export async function liftHold(db: Db, id: string, by: string, reason: string): Promise<void> {
  await db`update legal_holds set lifted_by = ${by}, lifted_at = now(), lift_reason = ${reason} where id = ${id}`;
}

export async function listHolds(db: Db, f: { active: boolean; patient?: string | undefined; document?: string | undefined }): Promise<LegalHold[]> {
  return db<LegalHold[]>`${holdSelect(db)} where true
    ${f.active ? db`and lifted_at is null` : db``}
    ${f.patient ? db`and patient_nhs = ${f.patient}` : db``}
    ${f.document ? db`and document_id = ${f.document}` : db``}
    order by set_at desc limit 1000`;
}
