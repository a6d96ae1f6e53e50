import type { Identifier, List } from '@medplum/fhirtypes';
import type { Db } from '../db/sql.ts';
import { dateFilter, type DateParam } from '../fhir/builtin-index-repository.ts';
import type { SubmissionSet, SubmissionSetEntry } from './submission-set.ts';

/** Every statement on submission_sets and submission_set_entries (migration 015). */

export interface KeptSubmissionSet extends SubmissionSet {
  createdBy: string;
  createdAt: Date;
  remoteWrittenAt: Date | null;
  entries: SubmissionSetEntry[];
}

interface SetRow {
  id: string;
  patient_nhs: string;
  status: string;
  code: string;
  unique_id: string | null;
  identifiers: string[];
  source_id: string | null;
  date: Date;
  created_by: string;
  created_at: Date;
  resource: List;
  remote_written_at: Date | null;
}

interface EntryRow {
  submission_set_id: string;
  position: number;
  document_id: string | null;
  submitted_identifier: Identifier | null;
}

/** Inside the bundle's transaction: the set and its entries (in one round trip with the rest, pipelined). */
export async function insertSubmissionSet(db: Db, s: SubmissionSet, createdBy: string, entries: SubmissionSetEntry[]): Promise<void> {
  const rows = entries.map((e, position) => ({
    submission_set_id: s.id,
    position,
    document_id: e.documentId,
    submitted_identifier: e.submittedIdentifier ? db.json(e.submittedIdentifier as never) : null,
  }));
  await Promise.all([
    db`insert into submission_sets (id, patient_nhs, status, code, unique_id, identifiers, source_id, date, created_by, resource)
       values (${s.id}, ${s.patient}, ${s.status}, ${s.code}, ${s.uniqueId}, ${s.identifiers}, ${s.sourceId}, ${s.date}, ${createdBy}, ${db.json(s.resource as never)})`,
    rows.length ? db`insert into submission_set_entries ${db(rows)}` : undefined,
  ]);
}

/** Whether a SubmissionSet with this uniqueId was kept already (checked before the bytes are stored; the unique index decides). */
export async function uniqueIdTaken(db: Db, uniqueId: string): Promise<string | null> {
  const [row] = await db<{ id: string }[]>`select id from submission_sets where unique_id = ${uniqueId}`;
  return row?.id ?? null;
}

export async function findSubmissionSet(db: Db, id: string): Promise<KeptSubmissionSet | null> {
  const rows = await db<SetRow[]>`select * from submission_sets where id = ${id}`;
  return (await withEntries(db, rows))[0] ?? null;
}

export interface ListSearch {
  patient: string;
  status: string[];
  /** The List codes asked for (already matched against what the store keeps: only submissionset). */
  codes: string[] | null;
  /** Tokens: `system|value`, or a bare value. */
  identifiers: string[];
  date: DateParam[];
  count: number;
  offset: number;
}

/** ITI-66 on the built-in index: a patient's SubmissionSets, newest first. */
export async function searchSubmissionSets(db: Db, s: ListSearch): Promise<{ total: number; sets: KeptSubmissionSet[] }> {
  const where = db`where patient_nhs = ${s.patient}
    ${s.status.length ? db`and status in ${db(s.status)}` : db``}
    ${s.codes ? db`and code in ${db(s.codes.length ? s.codes : [''])}` : db``}
    ${s.identifiers.length ? db`and identifiers && ${s.identifiers}::text[]` : db``}
    ${dateFilter(db, 'date', s.date).reduce((a, b) => db`${a} ${b}`, db``)}`;
  const [count] = await db<{ n: bigint }[]>`select count(*) as n from submission_sets ${where}`;
  const rows = await db<SetRow[]>`select * from submission_sets ${where} order by date desc, id limit ${s.count} offset ${s.offset}`;
  return { total: Number(count?.n ?? 0), sets: await withEntries(db, rows) };
}

/** The SubmissionSets delivering this document that are not yet on the remote FHIR server. */
export async function awaitingRemote(db: Db, documentId: string): Promise<KeptSubmissionSet[]> {
  const rows = await db<SetRow[]>`select s.* from submission_sets s
    where s.remote_written_at is null and exists (select 1 from submission_set_entries e where e.submission_set_id = s.id and e.document_id = ${documentId})`;
  return withEntries(db, rows);
}

export async function markWrittenRemote(db: Db, id: string): Promise<void> {
  await db`update submission_sets set remote_written_at = now() where id = ${id}`;
}

async function withEntries(db: Db, rows: SetRow[]): Promise<KeptSubmissionSet[]> {
  if (rows.length === 0) return [];
  const entries = await db<EntryRow[]>`select * from submission_set_entries where submission_set_id in ${db(rows.map((r) => r.id))} order by submission_set_id, position`;
  return rows.map((r) => ({
    id: r.id,
    patient: r.patient_nhs,
    status: r.status,
    code: r.code,
    uniqueId: r.unique_id,
    identifiers: r.identifiers,
    sourceId: r.source_id,
    date: r.date,
    resource: r.resource,
    createdBy: r.created_by,
    createdAt: r.created_at,
    remoteWrittenAt: r.remote_written_at,
    entries: entries.filter((e) => e.submission_set_id === r.id).map((e) => ({ documentId: e.document_id, submittedIdentifier: e.submitted_identifier })),
  }));
}
