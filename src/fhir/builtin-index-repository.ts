import type { DocumentReference } from '@medplum/fhirtypes';
import type { Db } from '../db/sql.ts';
import type { DocumentRecord } from '../domain/document.ts';
import { masterIdentifier } from './systems.ts';

/**
 * The built-in FHIR index: a table of DocumentReference resources written in the same transaction as the
 * metadata, with the searched elements in columns.
 */
export async function upsertBuiltin(db: Db, doc: DocumentRecord, resource: DocumentReference): Promise<void> {
  // meta.versionId counts every change of the resource (new version, entered-in-error), as a FHIR server would.
  await db`insert into fhir_document_references
      (id, version_id, patient_nhs, status, type_system, type_code, category_system, category_code, date, period_start, identifier, last_updated, resource)
    values (${doc.id}, 1, ${doc.patient}, ${resource.status}, ${doc.type.system}, ${doc.type.code},
      ${doc.category?.system ?? null}, ${doc.category?.code ?? null}, ${resource.date!}, ${doc.clinicalDate}, ${masterIdentifier(doc.id)},
      ${resource.meta?.lastUpdated ?? new Date().toISOString()}, jsonb_set(${db.json(resource as never)}::jsonb, '{meta,versionId}', '"1"'))
    on conflict (id) do update set version_id = fhir_document_references.version_id + 1, status = excluded.status,
      last_updated = excluded.last_updated,
      resource = jsonb_set(excluded.resource, '{meta,versionId}', to_jsonb((fhir_document_references.version_id + 1)::text))`;
}

export async function readBuiltin(db: Db, id: string): Promise<{ patient: string; resource: DocumentReference } | null> {
  const rows = await db<{ patient_nhs: string; resource: DocumentReference }[]>`select patient_nhs, resource from fhir_document_references where id = ${id}`;
  return rows[0] ? { patient: rows[0].patient_nhs, resource: rows[0].resource } : null;
}

export interface TokenParam {
  system: string | null;
  code: string;
}
export interface DateParam {
  prefix: 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb';
  start: string; // inclusive lower bound of the value's precision range
  end: string; // exclusive upper bound
}

export interface BuiltinSearch {
  patient: string;
  status: string[];
  type: TokenParam[];
  category: TokenParam[];
  identifier: string[];
  date: DateParam[];
  period: DateParam[];
  count: number;
  offset: number;
}

export const tokenFilter = (db: Db, systemCol: string, codeCol: string, tokens: TokenParam[]) =>
  tokens.length === 0
    ? db``
    : db`and (${tokens
        .map((t) => (t.system === null ? db`${db(codeCol)} = ${t.code}` : db`(${db(systemCol)} = ${t.system} and ${db(codeCol)} = ${t.code})`))
        .reduce((a, b) => db`${a} or ${b}`)})`;

/** A FHIR date search on a timestamp column, one condition per value (each `and …`), as fragments. */
export function dateFilter(db: Db, col: string, params: DateParam[]) {
  return params.map((p) => {
    const c = db(col);
    switch (p.prefix) {
      case 'eq':
        return db`and ${c} >= ${p.start}::text::timestamptz and ${c} < ${p.end}::text::timestamptz`;
      case 'ne':
        return db`and (${c} < ${p.start}::text::timestamptz or ${c} >= ${p.end}::text::timestamptz)`;
      case 'gt':
      case 'sa':
        return db`and ${c} >= ${p.end}::text::timestamptz`;
      case 'lt':
      case 'eb':
        return db`and ${c} < ${p.start}::text::timestamptz`;
      case 'ge':
        return db`and ${c} >= ${p.start}::text::timestamptz`;
      case 'le':
        return db`and ${c} < ${p.end}::text::timestamptz`;
    }
  });
}

export async function searchBuiltin(db: Db, s: BuiltinSearch): Promise<{ total: number; resources: DocumentReference[] }> {
  const where = db`where patient_nhs = ${s.patient}
    ${s.status.length ? db`and status in ${db(s.status)}` : db``}
    ${tokenFilter(db, 'type_system', 'type_code', s.type)}
    ${tokenFilter(db, 'category_system', 'category_code', s.category)}
    ${s.identifier.length ? db`and identifier in ${db(s.identifier)}` : db``}
    ${dateFilter(db, 'date', s.date).reduce((a, b) => db`${a} ${b}`, db``)}
    ${dateFilter(db, 'period_start', s.period).reduce((a, b) => db`${a} ${b}`, db``)}`;
  const [count] = await db<{ n: bigint }[]>`select count(*) as n from fhir_document_references ${where}`;
  const rows = await db<{ resource: DocumentReference }[]>`select resource from fhir_document_references ${where}
    order by date desc, id limit ${s.count} offset ${s.offset}`;
  return { total: Number(count?.n ?? 0), resources: rows.map((r) => r.resource) };
}

/** Every entry's status and the SHA-256 its attachment names (the restore check compares them with the metadata). */
export function allEntryDigests(db: Db, sha256Extension: string): Promise<{ id: string; status: string; sha256: string | null }[]> {
  return db`
    select id, status, (select e->>'valueString' from jsonb_array_elements(resource->'content'->0->'attachment'->'extension') e
      where e->>'url' = ${sha256Extension} limit 1) as sha256
    from fhir_document_references`;
}

/** Withdraws a document's entry (a disposal: the document is no longer served, nor found). */
export async function removeBuiltin(db: Db, id: string): Promise<void> {
  await db`delete from fhir_document_references where id = ${id}`;
}
