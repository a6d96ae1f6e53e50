import type { Db } from '../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';

/** SQL for documents, versions and upload intents. One implementation (PostgreSQL), so no interface. */

interface DocumentRow {
  id: string;
  patient_nhs: string;
  type_system: string;
  type_code: string;
  type_display: string;
  category_system: string | null;
  category_code: string | null;
  category_display: string | null;
  title: string;
  description: string | null;
  clinical_date: string | null;
  author: string | null;
  status: 'current' | 'entered-in-error';
  current_version: number;
  created_at: Date;
  created_at_exact: string;
  created_by: string;
  updated_at: Date;
  entered_in_error_reason: string | null;
  fhir_state: 'indexed' | 'pending' | 'failed';
  fhir_id: string | null;
}

interface VersionRow {
  document_id: string;
  version: number;
  blob_store: string;
  blob_key: string;
  blob_version_id: string | null;
  content_type: string;
  size: bigint | string | number;
  sha256: string;
  sha1: string;
  filename: string | null;
  created_at: Date;
  created_by: string;
}

const toDocument = (r: DocumentRow): DocumentRecord => ({
  id: r.id,
  patient: r.patient_nhs,
  type: { system: r.type_system, code: r.type_code, display: r.type_display },
  category: r.category_code ? { system: r.category_system ?? '', code: r.category_code, display: r.category_display ?? '' } : null,
  title: r.title,
  description: r.description,
  clinicalDate: r.clinical_date,
  author: r.author,
  status: r.status,
  currentVersion: r.current_version,
  createdAt: r.created_at,
  createdAtExact: r.created_at_exact,
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  enteredInErrorReason: r.entered_in_error_reason,
  fhirState: r.fhir_state,
  fhirId: r.fhir_id,
});

const toVersion = (r: VersionRow): DocumentVersion => ({
  documentId: r.document_id,
  version: r.version,
  blobStore: r.blob_store,
  blobKey: r.blob_key,
  blobVersionId: r.blob_version_id,
  contentType: r.content_type,
  size: Number(r.size),
  sha256: r.sha256,
  sha1: r.sha1,
  filename: r.filename,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const documentColumns = (db: Db) =>
  db`id, patient_nhs, type_system, type_code, type_display, category_system, category_code, category_display, title, description,
     to_char(clinical_date, 'YYYY-MM-DD') as clinical_date, author, status, current_version, created_at, created_by, updated_at,
     to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at_exact,
     entered_in_error_reason, fhir_state, fhir_id`;

export async function findDocument(db: Db, id: string, opts: { forUpdate?: boolean } = {}): Promise<DocumentRecord | null> {
  const rows = await db<DocumentRow[]>`select ${documentColumns(db)} from documents where id = ${id} ${opts.forUpdate ? db`for update` : db``}`;
  return rows[0] ? toDocument(rows[0]) : null;
}

export async function findVersion(db: Db, id: string, version: number): Promise<DocumentVersion | null> {
  const rows = await db<VersionRow[]>`select * from document_versions where document_id = ${id} and version = ${version}`;
  return rows[0] ? toVersion(rows[0]) : null;
}

export async function listVersions(db: Db, id: string): Promise<DocumentVersion[]> {
  const rows = await db<VersionRow[]>`select * from document_versions where document_id = ${id} order by version desc`;
  return rows.map(toVersion);
}

export async function findVersionByBlobKey(db: Db, store: string, key: string): Promise<DocumentVersion | null> {
  const rows = await db<VersionRow[]>`select * from document_versions where blob_store = ${store} and blob_key = ${key}`;
  return rows[0] ? toVersion(rows[0]) : null;
}

export interface ListFilter {
  patient: string;
  type?: string | undefined;
  dateFrom?: string | undefined;
  dateTo?: string | undefined;
  includeEnteredInError: boolean;
  after?: { createdAt: string; id: string } | undefined;
  limit: number;
}

/** A patient's documents, newest first, keyset-paged on (created_at, id). */
export async function listDocuments(db: Db, f: ListFilter): Promise<DocumentRecord[]> {
  const rows = await db<DocumentRow[]>`
    select ${documentColumns(db)} from documents
    where patient_nhs = ${f.patient}
      ${f.includeEnteredInError ? db`` : db`and status = 'current'`}
      ${f.type ? db`and type_code = ${f.type}` : db``}
      ${f.dateFrom ? db`and clinical_date >= ${f.dateFrom}` : db``}
      ${f.dateTo ? db`and clinical_date <= ${f.dateTo}` : db``}
      ${f.after ? db`and (created_at, id) < (${f.after.createdAt}::text::timestamptz, ${f.after.id}::uuid)` : db``}
    order by created_at desc, id desc
    limit ${f.limit}`;
  return rows.map(toDocument);
}

export interface NewIntent {
  id: string;
  documentId: string;
  blobStore: string;
  blobKey: string;
  createdBy: string;
}

export async function insertIntent(db: Db, i: NewIntent): Promise<void> {
  await db`insert into upload_intents (id, document_id, blob_store, blob_key, created_by)
           values (${i.id}, ${i.documentId}, ${i.blobStore}, ${i.blobKey}, ${i.createdBy})`;
}

export async function finishIntent(db: Db, id: string, state: 'committed' | 'aborted'): Promise<void> {
  await db`update upload_intents set state = ${state}, finished_at = now() where id = ${id} and state = 'pending'`;
}

export async function staleIntents(db: Db, olderThanSeconds: number): Promise<{ id: string; blobStore: string; blobKey: string }[]> {
  return db<{ id: string; blobStore: string; blobKey: string }[]>`
    select id, blob_store as "blobStore", blob_key as "blobKey" from upload_intents
    where state in ('pending', 'aborted') and created_at < now() - make_interval(secs => ${olderThanSeconds})
      and not exists (select 1 from document_versions v where v.blob_store = upload_intents.blob_store and v.blob_key = upload_intents.blob_key)`;
}

export async function deleteIntent(db: Db, id: string): Promise<void> {
  await db`delete from upload_intents where id = ${id}`;
}

export interface NewDocumentRow {
  id: string;
  patient: string;
  type: { system: string; code: string; display: string };
  category: { system: string; code: string; display: string } | null;
  title: string;
  description: string | null;
  clinicalDate: string | null;
  author: string | null;
  createdBy: string;
  fhirState: 'indexed' | 'pending';
}

export async function insertDocument(db: Db, d: NewDocumentRow): Promise<void> {
  await db`insert into documents (id, patient_nhs, type_system, type_code, type_display, category_system, category_code, category_display,
             title, description, clinical_date, author, current_version, created_by, fhir_state, fhir_id)
           values (${d.id}, ${d.patient}, ${d.type.system}, ${d.type.code}, ${d.type.display}, ${d.category?.system ?? null},
             ${d.category?.code ?? null}, ${d.category?.display ?? null}, ${d.title}, ${d.description}, ${d.clinicalDate}, ${d.author},
             1, ${d.createdBy}, ${d.fhirState}, ${d.fhirState === 'indexed' ? d.id : null})`;
}

export async function insertVersion(db: Db, v: Omit<DocumentVersion, 'createdAt'>): Promise<void> {
  await db`insert into document_versions (document_id, version, blob_store, blob_key, blob_version_id, content_type, size, sha256, sha1, filename, created_by)
           values (${v.documentId}, ${v.version}, ${v.blobStore}, ${v.blobKey}, ${v.blobVersionId}, ${v.contentType}, ${v.size},
             ${v.sha256}, ${v.sha1}, ${v.filename}, ${v.createdBy})`;
}

export async function setCurrentVersion(db: Db, id: string, version: number, fhirState: 'indexed' | 'pending'): Promise<void> {
  await db`update documents set current_version = ${version}, updated_at = now(), fhir_state = ${fhirState} where id = ${id}`;
}

export async function markEnteredInError(db: Db, id: string, by: string, reason: string, fhirState: 'indexed' | 'pending'): Promise<void> {
  await db`update documents set status = 'entered-in-error', entered_in_error_at = now(), entered_in_error_by = ${by},
             entered_in_error_reason = ${reason}, updated_at = now(), fhir_state = ${fhirState} where id = ${id}`;
}
