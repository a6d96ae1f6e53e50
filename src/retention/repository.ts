import type { Db } from '../db/sql.ts';
import type { PatientFacts } from '../domain/retention-schedule.ts';

/** SQL for patient facts, retention columns, legal holds, disposal batches and certificates. */

export async function findFacts(db: Db, patient: string): Promise<(PatientFacts & { updatedAt: Date; updatedBy: string }) | null> {
  const rows = await db<{ dob: string | null; dod: string | null; lc: string | null; lcb: string | null; updated_at: Date; updated_by: string }[]>`
    select to_char(date_of_birth, 'YYYY-MM-DD') as dob, to_char(date_of_death, 'YYYY-MM-DD') as dod, to_char(last_contact, 'YYYY-MM-DD') as lc,
           to_char(last_child_birth, 'YYYY-MM-DD') as lcb, updated_at, updated_by
    from patient_facts where patient_nhs = ${patient}`;
  const r = rows[0];
  return r ? { dateOfBirth: r.dob, dateOfDeath: r.dod, lastContact: r.lc, lastChildBirth: r.lcb, updatedAt: r.updated_at, updatedBy: r.updated_by } : null;
}

/**
 * A new document's inputs, in one statement: the patient's facts (null: none recorded) and the transaction's date
 * (UTC), the date a document without a clinical date is dated by (its created_at, which defaults to now()).
 */
export async function factsForNewDocument(db: Db, patient: string): Promise<{ facts: PatientFacts | null; today: string }> {
  const [r] = await db<{ today: string; found: boolean; dob: string | null; dod: string | null; lc: string | null; lcb: string | null }[]>`
    select to_char(now() at time zone 'UTC', 'YYYY-MM-DD') as today, f.patient_nhs is not null as found,
           to_char(f.date_of_birth, 'YYYY-MM-DD') as dob, to_char(f.date_of_death, 'YYYY-MM-DD') as dod, to_char(f.last_contact, 'YYYY-MM-DD') as lc,
           to_char(f.last_child_birth, 'YYYY-MM-DD') as lcb
    from (select 1) one left join patient_facts f on f.patient_nhs = ${patient}`;
  return { facts: r!.found ? { dateOfBirth: r!.dob, dateOfDeath: r!.dod, lastContact: r!.lc, lastChildBirth: r!.lcb } : null, today: r!.today };
}

/** Locks the patient's facts row (creating it) so concurrent fact changes and uploads recompute in turn. */
export async function upsertFacts(db: Db, patient: string, f: PatientFacts, by: string): Promise<void> {
  await db`insert into patient_facts (patient_nhs, date_of_birth, date_of_death, last_contact, last_child_birth, updated_by)
    values (${patient}, ${f.dateOfBirth}, ${f.dateOfDeath}, ${f.lastContact}, ${f.lastChildBirth}, ${by})
    on conflict (patient_nhs) do update set date_of_birth = excluded.date_of_birth, date_of_death = excluded.date_of_death,
      last_contact = excluded.last_contact, last_child_birth = excluded.last_child_birth, updated_at = now(), updated_by = excluded.updated_by`;
}

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

/** Documents whose stored objects' legal hold is not in step with the holds table. */
export async function legalHoldDrift(db: Db, limit = 1000): Promise<{ id: string; on: boolean }[]> {
  return db<{ id: string; on: boolean }[]>`
    select d.id, document_on_hold(d) as on from documents d
    where d.disposal_id is null and d.object_legal_hold <> document_on_hold(d) limit ${limit}`;
}

export interface VersionLocation {
  documentId: string;
  version: number;
  blobStore: string;
  blobKey: string;
  blobVersionId: string | null;
}

export async function versionLocations(db: Db, documentId: string): Promise<VersionLocation[]> {
  return db<VersionLocation[]>`select document_id as "documentId", version, blob_store as "blobStore", blob_key as "blobKey", blob_version_id as "blobVersionId"
    from document_versions where document_id = ${documentId} order by version`;
}

// ---- legal holds ----

export interface LegalHold {
  id: string;
  scope: 'document' | 'patient' | 'type';
  documentId: string | null;
  patient: string | null;
  typeCode: string | null;
  dateFrom: string | null;
  dateTo: string | null;
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

/**
 * The documents a hold covers (for S3 legal hold and the audit detail), locked: a hold and an approval touching the
 * same document run one after the other, so an approval never misses a hold committed while it ran.
 */
export async function documentsUnderHold(db: Db, h: LegalHold): Promise<string[]> {
  const rows = await db<{ id: string }[]>`select id from documents d where d.disposal_id is null and (
    ${h.scope === 'document' ? db`d.id = ${h.documentId}` : h.scope === 'patient' ? db`d.patient_nhs = ${h.patient}` : db`d.type_code = ${h.typeCode}
      and coalesce(d.clinical_date, (d.created_at at time zone 'UTC')::date) between ${h.dateFrom}::date and ${h.dateTo}::date`})
    order by d.id for update of d`;
  return rows.map((r) => r.id);
}

// ---- disposal ----

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

export interface Certificate {
  id: string;
  batchId: string;
  documentId: string;
  state: 'destroying' | 'destroyed';
  patient: string;
  type: { system: string; code: string; display: string };
  title: string;
  clinicalDate: string | null;
  documentCreatedAt: Date;
  retentionClass: string;
  retainUntil: string;
  retentionBasis: string | null;
  versions: { version: number; sha256: string; size: number; contentType: string; createdAt: string; createdBy: string; store: string }[];
  proposedBy: string;
  proposedAt: Date;
  approvedBy: string;
  approvedAt: Date;
  destroyedAt: Date | null;
}

const certSelect = (db: Db) => db`select c.id, c.batch_id as "batchId", c.document_id as "documentId", c.state, c.patient_nhs as patient,
  json_build_object('system', c.type_system, 'code', c.type_code, 'display', c.type_display) as type, c.title,
  to_char(c.clinical_date, 'YYYY-MM-DD') as "clinicalDate", c.document_created_at as "documentCreatedAt", c.retention_class as "retentionClass",
  to_char(c.retain_until, 'YYYY-MM-DD') as "retainUntil", c.retention_basis as "retentionBasis", c.versions, c.proposed_by as "proposedBy",
  c.proposed_at as "proposedAt", c.approved_by as "approvedBy", c.approved_at as "approvedAt", c.destroyed_at as "destroyedAt"
  from destruction_certificates c`;

/**
 * Writes the certificate (state destroying) from the document's metadata and marks the document as being disposed
 * of, in the approving transaction: from here on the document is not served, and reconcile finishes what a crash
 * interrupts.
 */
export async function openCertificate(db: Db, c: { id: string; batchId: string; documentId: string; approvedBy: string }): Promise<void> {
  await db`insert into destruction_certificates (id, batch_id, document_id, state, patient_nhs, type_system, type_code, type_display, title, clinical_date,
      document_created_at, retention_class, retain_until, retention_basis, versions, proposed_by, proposed_at, approved_by, approved_at)
    select ${c.id}, b.id, d.id, 'destroying', d.patient_nhs, d.type_system, d.type_code, d.type_display, d.title, d.clinical_date, d.created_at,
      d.retention_class, d.retain_until, d.retention_basis,
      (select jsonb_agg(jsonb_build_object('version', v.version, 'sha256', v.sha256, 'size', v.size, 'contentType', v.content_type,
          'createdAt', v.created_at, 'createdBy', v.created_by, 'store', v.blob_store) order by v.version)
       from document_versions v where v.document_id = d.id),
      b.proposed_by, b.proposed_at, ${c.approvedBy}, now()
    from documents d, disposal_batches b where d.id = ${c.documentId} and b.id = ${c.batchId}`;
  await db`update documents set disposal_id = ${c.id} where id = ${c.documentId}`;
  // withdrawn from the built-in FHIR index at once (the remote entry goes during the destruction), and no more
  // remote index work queued for it
  await db`delete from fhir_document_references where id = ${c.documentId}`;
  await db`delete from fhir_outbox where document_id = ${c.documentId} and done_at is null`;
}

/** Documents whose retention was never computed (stored before retention existed) or computed with another schedule. */
export async function documentsNotComputedWith(db: Db, schedule: string, limit: number): Promise<{ id: string; computed: boolean }[]> {
  return db<{ id: string; computed: boolean }[]>`select id, retention_basis is not null as computed from documents
    where retention_schedule is distinct from ${schedule} and disposal_id is null order by created_at, id limit ${limit}`;
}

export async function certificatesInProgress(db: Db): Promise<{ id: string; documentId: string; batchId: string }[]> {
  return db<{ id: string; documentId: string; batchId: string }[]>`select id, document_id as "documentId", batch_id as "batchId"
    from destruction_certificates where state = 'destroying' order by approved_at`;
}

export async function findCertificate(db: Db, id: string): Promise<Certificate | null> {
  const rows = await db<Certificate[]>`${certSelect(db)} where c.id = ${id}`;
  return rows[0] ?? null;
}

export async function listCertificates(db: Db, f: { patient?: string | undefined; batch?: string | undefined; limit: number; beforeId?: string | undefined }): Promise<Certificate[]> {
  return db<Certificate[]>`${certSelect(db)} where true
    ${f.patient ? db`and c.patient_nhs = ${f.patient}` : db``}
    ${f.batch ? db`and c.batch_id = ${f.batch}` : db``}
    order by c.approved_at desc, c.id limit ${f.limit}`;
}

/**
 * The last step of a disposal, in one transaction: the metadata (versions, built-in FHIR entry, outbox work, lease,
 * the document row) is removed and the certificate completed. The audit trail keeps every row (no foreign key).
 */
export async function removeDocumentMetadata(db: Db, certificateId: string, documentId: string): Promise<void> {
  await db`delete from fhir_document_references where id = ${documentId}`;
  await db`delete from fhir_outbox where document_id = ${documentId}`;
  await db`delete from fhir_index_leases where document_id = ${documentId}`;
  await db`delete from document_versions where document_id = ${documentId}`;
  await db`delete from documents where id = ${documentId} and disposal_id = ${certificateId}`;
  await db`update destruction_certificates set state = 'destroyed', destroyed_at = now() where id = ${certificateId}`;
}
