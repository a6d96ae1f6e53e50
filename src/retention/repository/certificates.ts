import type { Db } from '../../db/sql.ts';

/** SQL for destruction_certificates: what was destroyed, when, proposed and approved by whom. */

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

/** Writes the certificate (state destroying) from the document's metadata as it stands, in the approving transaction. */
export async function insertCertificate(db: Db, c: { id: string; batchId: string; documentId: string; approvedBy: string }): Promise<void> {
  await db`insert into destruction_certificates (id, batch_id, document_id, state, patient_nhs, type_system, type_code, type_display, title, clinical_date,
      document_created_at, retention_class, retain_until, retention_basis, versions, proposed_by, proposed_at, approved_by, approved_at)
    select ${c.id}, b.id, d.id, 'destroying', d.patient_nhs, d.type_system, d.type_code, d.type_display, d.title, d.clinical_date, d.created_at,
      d.retention_class, d.retain_until, d.retention_basis,
      (select jsonb_agg(jsonb_build_object('version', v.version, 'sha256', v.sha256, 'size', v.size, 'contentType', v.content_type,
          'createdAt', v.created_at, 'createdBy', v.created_by, 'store', v.blob_store) order by v.version)
       from document_versions v where v.document_id = d.id),
      b.proposed_by, b.proposed_at, ${c.approvedBy}, now()
    from documents d, disposal_batches b where d.id = ${c.documentId} and b.id = ${c.batchId}`;
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

/** Every certificate of a patient, oldest approval first (a subject-access export lists them). */
export async function patientCertificates(db: Db, patient: string): Promise<Certificate[]> {
  return db<Certificate[]>`${certSelect(db)} where c.patient_nhs = ${patient} order by c.approved_at, c.id`;
}

/** The last step of a disposal: the document is gone, the certificate says when. */
export async function markDestroyed(db: Db, id: string): Promise<void> {
  await db`update destruction_certificates set state = 'destroyed', destroyed_at = now() where id = ${id}`;
}
