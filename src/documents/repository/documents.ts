import type { Db } from '../../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../../domain/document.ts';
import { documentColumns, toDocument, toVersion, type DocumentRow, type VersionRow } from './rows.ts';

/** A document and its versions: read, created, versioned, marked. */

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
  /** Computed in the same transaction (RetentionService.forNewDocument); null: the columns' defaults. */
  retention: NewDocumentRetention | null;
}

/** A new document's retention columns, and the Object Lock date its bytes were written with. */
export interface NewDocumentRetention {
  retentionClass: string;
  retainUntil: string | null;
  missing: string[];
  basis: string;
  schedule: string;
  objectLockUntil: string | null;
}

export async function insertDocument(db: Db, d: NewDocumentRow): Promise<DocumentRecord> {
  const r = d.retention;
  const [row] = await db<DocumentRow[]>`insert into documents (id, patient_nhs, type_system, type_code, type_display, category_system, category_code, category_display,
             title, description, clinical_date, author, current_version, created_by, fhir_state, fhir_id
             ${r ? db`, retention_class, retain_until, retention_missing, retention_basis, retention_schedule, object_lock_until` : db``})
           values (${d.id}, ${d.patient}, ${d.type.system}, ${d.type.code}, ${d.type.display}, ${d.category?.system ?? null},
             ${d.category?.code ?? null}, ${d.category?.display ?? null}, ${d.title}, ${d.description}, ${d.clinicalDate}, ${d.author},
             1, ${d.createdBy}, ${d.fhirState}, ${d.fhirState === 'indexed' ? d.id : null}
             ${r ? db`, ${r.retentionClass}, ${r.retainUntil}, ${r.missing}, ${r.basis}, ${r.schedule}, ${r.objectLockUntil}` : db``})
           returning ${documentColumns(db)}`;
  return toDocument(row!);
}

export async function insertVersion(db: Db, v: Omit<DocumentVersion, 'createdAt'>): Promise<DocumentVersion> {
  const [row] = await db<VersionRow[]>`insert into document_versions (document_id, version, blob_store, blob_key, blob_version_id, content_type, size, sha256, sha1, filename, created_by,
             scan_status, scanner, scan_signatures, scanned_at)
           values (${v.documentId}, ${v.version}, ${v.blobStore}, ${v.blobKey}, ${v.blobVersionId}, ${v.contentType}, ${v.size},
             ${v.sha256}, ${v.sha1}, ${v.filename}, ${v.createdBy}, ${v.scanStatus}, ${v.scanner}, ${v.signatureVersion}, ${v.scannedAt})
           returning *`;
  return toVersion(row!);
}

export async function setCurrentVersion(db: Db, id: string, version: number, fhirState: 'indexed' | 'pending'): Promise<DocumentRecord> {
  const [row] = await db<DocumentRow[]>`update documents set current_version = ${version}, updated_at = now(), fhir_state = ${fhirState} where id = ${id}
    returning ${documentColumns(db)}`;
  return toDocument(row!);
}

/** The document's entry on the remote FHIR server is written, under fhirId. */
export async function setIndexed(db: Db, id: string, fhirId: string): Promise<void> {
  await db`update documents set fhir_state = 'indexed', fhir_id = ${fhirId} where id = ${id}`;
}

export async function markEnteredInError(db: Db, id: string, by: string, reason: string, fhirState: 'indexed' | 'pending'): Promise<DocumentRecord> {
  const [row] = await db<DocumentRow[]>`update documents set status = 'entered-in-error', entered_in_error_at = now(), entered_in_error_by = ${by},
             entered_in_error_reason = ${reason}, updated_at = now(), fhir_state = ${fhirState} where id = ${id}
           returning ${documentColumns(db)}`;
  return toDocument(row!);
}


/** Every document id, oldest first (reconcile --fhir). */
export async function allDocumentIds(db: Db): Promise<string[]> {
  // a document being disposed of has no index entry to keep
  return (await db<{ id: string }[]>`select id from documents where disposal_id is null order by created_at`).map((r) => r.id);
}

/** The version a signed fs URL names, with the facts of its document and version the read rules look at. */
export async function findVersionByBlobKey(
  db: Db,
  store: string,
  key: string,
): Promise<{ version: DocumentVersion; doc: Pick<DocumentRecord, 'patient' | 'status' | 'disposalId'>; quarantinedAt: Date | null } | null> {
  const rows = await db<(VersionRow & { patient_nhs: string; status: DocumentRow['status']; disposal_id: string | null; integrity_failed_at: Date | null })[]>`
    select v.*, d.patient_nhs, d.status, d.disposal_id from document_versions v join documents d on d.id = v.document_id
    where v.blob_store = ${store} and v.blob_key = ${key}`;
  const r = rows[0];
  return r ? { version: toVersion(r), doc: { patient: r.patient_nhs, status: r.status, disposalId: r.disposal_id }, quarantinedAt: r.integrity_failed_at } : null;
}
