import type { Db } from '../../db/sql.ts';
import type { DocumentRecord, DocumentVersion, ScanStatus } from '../../domain/document.ts';

/** The documents and document_versions rows as PostgreSQL returns them, and their mapping to the domain's records. */

export interface DocumentRow {
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
  created_by: string;
  updated_at: Date;
  entered_in_error_reason: string | null;
  fhir_state: 'indexed' | 'pending' | 'failed';
  fhir_id: string | null;
  retention_class: string;
  retain_until: string | null;
  retention_missing: string[];
  disposal_id: string | null;
  on_hold: boolean;
}

export interface VersionRow {
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
  scan_status: ScanStatus;
  scanner: string | null;
  scan_signatures: string | null;
  scanned_at: Date | null;
  malware_signature: string | null;
}

export const toDocument = (r: DocumentRow): DocumentRecord => ({
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
  createdBy: r.created_by,
  updatedAt: r.updated_at,
  enteredInErrorReason: r.entered_in_error_reason,
  fhirState: r.fhir_state,
  fhirId: r.fhir_id,
  retentionClass: r.retention_class,
  retainUntil: r.retain_until,
  retentionMissing: r.retention_missing,
  disposalId: r.disposal_id,
  legalHold: r.on_hold,
});

export const toVersion = (r: VersionRow): DocumentVersion => ({
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
  scanStatus: r.scan_status,
  scanner: r.scanner,
  signatureVersion: r.scan_signatures,
  scannedAt: r.scanned_at,
  malware: r.malware_signature,
});

export const DOCUMENT_COLUMNS = ['id', 'patient_nhs', 'type_system', 'type_code', 'type_display', 'category_system', 'category_code', 'category_display',
  'title', 'description', 'author', 'status', 'current_version', 'created_at', 'created_by', 'updated_at', 'entered_in_error_reason', 'fhir_state', 'fhir_id',
  'retention_class', 'retention_missing', 'disposal_id'];

/** created_at as the list cursor carries it (http/cursor.ts checks this form): UTC, to the microsecond. */
export const MICROS_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * Whether a legal hold covers the documents row `t`. document_on_hold() is not inlined by the planner and costs a call
 * per row: with no active hold anywhere (the usual case) it is skipped, the guard being evaluated once per statement
 * (an InitPlan).
 */
export const ON_HOLD = (t: string) => `case when exists (select 1 from legal_holds where lifted_at is null) then document_on_hold(${t}) else false end`;

/** The documents columns a DocumentRow holds. */
export const documentColumns = (db: Db) =>
  db`${db(DOCUMENT_COLUMNS)}, to_char(clinical_date, 'YYYY-MM-DD') as clinical_date,
    to_char(retain_until, 'YYYY-MM-DD') as retain_until,
    ${db.unsafe(ON_HOLD('documents'))} as on_hold`;
