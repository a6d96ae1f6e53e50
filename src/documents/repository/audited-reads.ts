import type { Db } from '../../db/sql.ts';
import { AUDIT_COLUMNS_RECORDSET, auditInsertRows } from '../../audit/repository.ts';
import type { AuditColumns } from '../../audit/audit-log.ts';
import type { DocumentRecord, DocumentVersion } from '../../domain/document.ts';
import { READ_RULES, type Condition, type Fact, type Reader } from '../read-rules.ts';
import { toVersion, type DocumentRow, type VersionRow } from './rows.ts';

/** The download-URL reads: the read rules compiled to SQL, each read and its audit row in one statement. */

const versionFromJson = (v: VersionRow): DocumentVersion =>
  toVersion({ ...v, created_at: new Date(v.created_at as unknown as string), scanned_at: v.scanned_at ? new Date(v.scanned_at as unknown as string) : null });

/**
 * The read rules (read-rules.ts) as SQL over readVersionsAudited's rows: r (the reader's input), d (documents),
 * v (document_versions). Compiled once at load; a rule's constant must be a plain word (it is written into the text).
 */
const READ_FACT_COLUMNS: Record<Fact, string> = {
  'reader.patients': 'r.patients',
  'reader.breakGlass': 'r.bg',
  'reader.canDelete': 'r.del',
  'doc.patient': 'd.patient_nhs',
  'doc.status': 'd.status',
  'doc.disposalId': 'd.disposal_id',
  'version.quarantinedAt': 'v.integrity_failed_at',
  'version.scanStatus': 'v.scan_status',
};

export function conditionSql(c: Condition, columns: Record<Fact, string> = READ_FACT_COLUMNS): string {
  if ('anyOf' in c) return `(${c.anyOf.map((x) => conditionSql(x, columns)).join(' or ')})`;
  if ('absent' in c) return `${columns[c.absent]} is null`;
  if ('present' in c) return `${columns[c.present]} is not null`;
  if ('isTrue' in c) return `${columns[c.isTrue]} is true`;
  if ('equals' in c) {
    if (!/^[a-z-]+$/.test(c.value)) throw new Error(`a read rule compares with ${JSON.stringify(c.value)}, which is not a plain word`);
    return `${columns[c.equals]} = '${c.value}'`;
  }
  return `coalesce(${columns[c.member]} = any(${columns[c.of]}), false)`;
}

const READ_ALLOWED = READ_RULES.map((r) => conditionSql(r.allows)).join('\n        and ');

export interface VersionReadFacts {
  doc: Pick<DocumentRecord, 'patient' | 'status' | 'disposalId' | 'currentVersion'>;
  version: DocumentVersion | null;
  quarantinedAt: Date | null;
  /** Whether the statement found the read allowed and wrote its success audit row. */
  audited: boolean;
}

/** One download-URL read for readVersionsAudited: the document, the version asked for, who asks, its audit row. */
export interface AuditedVersionRead {
  id: string;
  want: number | null;
  reader: Reader;
  /** The success row's own columns (audit-log auditColumns), written only where the read is allowed. */
  audit: AuditColumns;
}

/**
 * For each read: the document, the version asked for (default: current) with its quarantine flag, and — where the read
 * rules allow the read (READ_ALLOWED, compiled from read-rules.ts) — its success audit row, whose detail carries the
 * break-glass reason when the patient is out of scope; all reads in one statement (a group commit: see
 * db/statement-batcher.ts). access.ts decides each answer from the facts returned. null: no such document.
 */
export async function readVersionsAudited(db: Db, reads: AuditedVersionRead[]): Promise<(VersionReadFacts | null)[]> {
  const input = reads.map((r, i) => ({ ...r.audit, i, doc: r.id, want: r.want, patients: r.reader.patients, bg: r.reader.breakGlass, del: r.reader.canDelete }));
  const rows = await db<{ i: number; patient_nhs: string; status: DocumentRow['status']; disposal_id: string | null; current_version: number; v: (VersionRow & { integrity_failed_at: string | null }) | null; audited: boolean }[]>`
    with r as materialized (
      select * from jsonb_to_recordset(${db.json(input as never)}::jsonb) as r(i int, doc uuid, want int, patients text[], bg text, del boolean,
        ${db.unsafe(AUDIT_COLUMNS_RECORDSET)})
    ), d as materialized (
      select r.i, d.id, d.patient_nhs, d.status, d.disposal_id, d.current_version from r join documents d on d.id = r.doc
    ), v as materialized (
      select d.i, v.* from d join r using (i) join document_versions v on v.document_id = d.id and v.version = coalesce(r.want, d.current_version)
    ), allowed as materialized (
      select r.*, d.patient_nhs, v.version, r.patients is null or d.patient_nhs = any(r.patients) as in_scope
      from r join d using (i) join v using (i)
      where ${db.unsafe(READ_ALLOWED)}
    ), audited as (
      ${auditInsertRows(db, db`
        select actor, roles, action, outcome, document_id, version, patient_nhs, error_code, client_ip, user_agent, request_id,
          case when in_scope then detail else coalesce(detail, '{}') || jsonb_build_object('breakGlass', bg) end as detail
        from allowed`)}
    )
    select d.i, d.patient_nhs, d.status, d.disposal_id, d.current_version, case when v.i is null then null else to_jsonb(v) - 'i' end as v, a.i is not null as audited
    from d left join v using (i) left join allowed a using (i)`;
  const out: (VersionReadFacts | null)[] = reads.map(() => null);
  for (const row of rows) {
    out[row.i] = {
      doc: { patient: row.patient_nhs, status: row.status, disposalId: row.disposal_id, currentVersion: row.current_version },
      version: row.v ? versionFromJson(row.v) : null,
      quarantinedAt: row.v?.integrity_failed_at ? new Date(row.v.integrity_failed_at) : null,
      audited: row.audited,
    };
  }
  return out;
}
