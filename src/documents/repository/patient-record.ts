import type { Db } from '../../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../../domain/document.ts';
import { documentColumns, toDocument, toVersion, type DocumentRow, type VersionRow } from './rows.ts';

/** A patient's whole record, for a subject-access export: every document not being disposed of, every version. */

export interface RecordedVersion extends DocumentVersion {
  /** Set when the version's bytes failed an integrity check (quarantined). */
  quarantinedAt: Date | null;
}

export interface RecordedDocument {
  document: DocumentRecord;
  /** Oldest first. */
  versions: RecordedVersion[];
}

/** Oldest document first; documents whose disposal has begun are left out (their certificates stand for them). */
export async function patientRecord(db: Db, patient: string): Promise<RecordedDocument[]> {
  const docs = await db<DocumentRow[]>`select ${documentColumns(db)} from documents
    where patient_nhs = ${patient} and disposal_id is null order by created_at, id`;
  if (docs.length === 0) return [];
  const versions = await db<(VersionRow & { integrity_failed_at: Date | null })[]>`select v.* from document_versions v
    join documents d on d.id = v.document_id
    where d.patient_nhs = ${patient} and d.disposal_id is null order by v.document_id, v.version`;
  const byDocument = new Map<string, RecordedVersion[]>();
  for (const v of versions) {
    const list = byDocument.get(v.document_id) ?? [];
    list.push({ ...toVersion(v), quarantinedAt: v.integrity_failed_at });
    byDocument.set(v.document_id, list);
  }
  return docs.map((d) => ({ document: toDocument(d), versions: byDocument.get(d.id) ?? [] }));
}
