import type { Db } from '../../db/sql.ts';

/** Records governance (src/retention): the documents' retention columns, holds and disposal as the rows see them. */

export interface RetentionRow {
  id: string;
  patient: string;
  retentionClass: string;
  retainUntil: string | null;
  documentDate: string;
  objectLockUntil: string | null;
  objectLegalHold: boolean;
  onHold: boolean;
}

const retentionSelect = (db: Db) => db`
  select d.id, d.patient_nhs as patient, d.retention_class as "retentionClass", to_char(d.retain_until, 'YYYY-MM-DD') as "retainUntil",
         to_char(coalesce(d.clinical_date, (d.created_at at time zone 'UTC')::date), 'YYYY-MM-DD') as "documentDate",
         to_char(d.object_lock_until, 'YYYY-MM-DD') as "objectLockUntil", d.object_legal_hold as "objectLegalHold", document_on_hold(d) as "onHold"
  from documents d`;

export async function retentionRowsForPatient(db: Db, patient: string): Promise<RetentionRow[]> {
  return db<RetentionRow[]>`${retentionSelect(db)} where d.patient_nhs = ${patient} and d.disposal_id is null order by d.id for update of d`;
}

export async function retentionRow(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<RetentionRow | null> {
  const rows = await db<RetentionRow[]>`${retentionSelect(db)} where d.id = ${id} ${opts.forUpdate ? db`for update of d` : db``}`;
  return rows[0] ?? null;
}

export async function setRetention(db: Db, id: string, r: { retentionClass: string; retainUntil: string | null; missing: string[]; basis: string; schedule: string }): Promise<void> {
  await db`update documents set retention_class = ${r.retentionClass}, retain_until = ${r.retainUntil}, retention_missing = ${r.missing},
    retention_basis = ${r.basis}, retention_schedule = ${r.schedule}, updated_at = now() where id = ${id}`;
}

/** The remote FHIR entry must be rewritten (its retention changed): the outbox worker picks the document up. */
export async function markFhirPending(db: Db, id: string): Promise<void> {
  await db`update documents set fhir_state = 'pending' where id = ${id}`;
}

/** Records that every stored version of the document now carries this retain-until date. Never moves it earlier. */
export async function setObjectLockUntil(db: Db, id: string, until: string): Promise<void> {
  await db`update documents set object_lock_until = greatest(object_lock_until, ${until}::date) where id = ${id}`;
}

export async function setObjectLegalHold(db: Db, id: string, on: boolean): Promise<void> {
  await db`update documents set object_legal_hold = ${on} where id = ${id}`;
}

/** The store's legal hold no longer covers every version (one was added): re-applied by the next sync. */
export async function markLegalHoldUnapplied(db: Db, ids: string[]): Promise<void> {
  await db`update documents d set object_legal_hold = false where d.id = any(${ids}::uuid[]) and document_on_hold(d)`;
}

/** Reconcile: every document whose stored locks or holds lag behind the database. */
export async function documentsWithStoreRetentionDrift(db: Db): Promise<string[]> {
  const rows = await db<{ id: string }[]>`select id from documents d where d.disposal_id is null and (
      d.object_legal_hold <> document_on_hold(d)
      or (d.retain_until is not null and d.retain_until >= (now() at time zone 'UTC')::date and (d.object_lock_until is null or d.object_lock_until < d.retain_until)))
    limit 10000`;
  return rows.map((r) => r.id);
}

/** Documents whose retention was never computed (stored before retention existed) or computed with another schedule. */
export async function documentsNotComputedWith(db: Db, schedule: string, limit: number): Promise<{ id: string; computed: boolean }[]> {
  return db<{ id: string; computed: boolean }[]>`select id, retention_basis is not null as computed from documents
    where retention_schedule is distinct from ${schedule} and disposal_id is null order by created_at, id limit ${limit}`;
}

/** What a legal hold covers: one document, every document of a patient, or a type over a range of document dates. */
export interface HoldCoverage {
  scope: 'document' | 'patient' | 'type';
  documentId: string | null;
  patient: string | null;
  typeCode: string | null;
  dateFrom: string | null;
  dateTo: string | null;
}

/**
 * The documents a hold covers (for S3 legal hold and the audit detail), locked: a hold and an approval touching the
 * same document run one after the other, so an approval never misses a hold committed while it ran.
 */
export async function documentsUnderHold(db: Db, h: HoldCoverage): Promise<string[]> {
  const rows = await db<{ id: string }[]>`select id from documents d where d.disposal_id is null and (
    ${h.scope === 'document' ? db`d.id = ${h.documentId}` : h.scope === 'patient' ? db`d.patient_nhs = ${h.patient}` : db`d.type_code = ${h.typeCode}
      and coalesce(d.clinical_date, (d.created_at at time zone 'UTC')::date) between ${h.dateFrom}::date and ${h.dateTo}::date`})
    order by d.id for update of d`;
  return rows.map((r) => r.id);
}

/** Withdraws the document for its disposal (certificate `certificateId`): from here on it is not served. */
export async function markDisposing(db: Db, id: string, certificateId: string): Promise<void> {
  await db`update documents set disposal_id = ${certificateId} where id = ${id}`;
}

/** The last step of a disposal: the document's versions and row (only while the certificate still names it). */
export async function deleteDisposedDocument(db: Db, id: string, certificateId: string): Promise<void> {
  await db`delete from document_versions where document_id = ${id}`;
  await db`delete from documents where id = ${id} and disposal_id = ${certificateId}`;
}
