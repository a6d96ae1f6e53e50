import type { AuditColumns } from '../audit/audit-log.ts';
import { AUDIT_COLUMNS_RECORDSET, auditInsertRows } from '../audit/repository.ts';
import type { Db } from '../db/sql.ts';
import { READ_RULES, type Condition, type Fact, type Reader } from './read-rules.ts';
import type { DocumentRecord, DocumentVersion, ScanStatus, VersionScan } from '../domain/document.ts';

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
  scan_status: ScanStatus;
  scanner: string | null;
  scan_signatures: string | null;
  scanned_at: Date | null;
  malware_signature: string | null;
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
  scanStatus: r.scan_status,
  scanner: r.scanner,
  signatureVersion: r.scan_signatures,
  scannedAt: r.scanned_at,
  malware: r.malware_signature,
});

const DOCUMENT_COLUMNS = ['id', 'patient_nhs', 'type_system', 'type_code', 'type_display', 'category_system', 'category_code', 'category_display',
  'title', 'description', 'author', 'status', 'current_version', 'created_at', 'created_by', 'updated_at', 'entered_in_error_reason', 'fhir_state', 'fhir_id',
  'retention_class', 'retention_missing', 'disposal_id'];

/** created_at as the list cursor carries it (http/cursor.ts checks this form): UTC, to the microsecond. */
const MICROS_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * Whether a legal hold covers the documents row `t`. document_on_hold() is not inlined by the planner and costs a call
 * per row: with no active hold anywhere (the usual case) it is skipped, the guard being evaluated once per statement
 * (an InitPlan).
 */
const ON_HOLD = (t: string) => `case when exists (select 1 from legal_holds where lifted_at is null) then document_on_hold(${t}) else false end`;

/** The documents columns a DocumentRow holds. */
const documentColumns = (db: Db) =>
  db`${db(DOCUMENT_COLUMNS)}, to_char(clinical_date, 'YYYY-MM-DD') as clinical_date,
    to_char(retain_until, 'YYYY-MM-DD') as retain_until,
    ${db.unsafe(ON_HOLD('documents'))} as on_hold`;

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
  /** The page size: one more row is read to learn whether another page follows. */
  limit: number;
}

/**
 * A page of a patient's listing, as PostgreSQL wrote it: `itemsJson` is a JSON array of the API's Document
 * representation (http/schemas.ts 'Document', the shape http/dto.ts documentDto gives a single document without its
 * versions), so a page crosses Node as one string instead of 51 rows of 30 columns parsed, mapped and serialised
 * again (about half of Node's CPU per page). test/api/list-json.test.ts holds every listed item equal to its GET.
 */
export interface ListingPage {
  itemsJson: string;
  /** The last item's keyset position (created_at to the microsecond, UTC; id) when another page follows. */
  next: { createdAt: string; id: string } | null;
}

/*
 * The listed document's JSON text, spelled as SQL once at load. Written as concatenation rather than
 * json_build_object: that builds the same document (with spaces around its separators) for about 25 % more of
 * PostgreSQL's CPU per page (measured side by side, 1 M documents), as it works out each argument's type on every
 * call. Every free text goes through to_json, which escapes it exactly as JSON requires; only values whose text
 * needs no escaping are written bare: uuids, integers, booleans, to_char dates, and the columns a CHECK constraint
 * holds to digits, hex or a fixed word (patient_nhs, sha256, status, fhir_state).
 */
/** A nullable value as JSON (to_json of a string is the string, JSON-escaped; SQL null → null). */
const json = (x: string) => `coalesce(to_json(${x})::text, 'null')`;
/** A value whose text needs no escaping, as a JSON string. */
const bare = (x: string) => `'"' || ${x} || '"'`;
/** A date or timestamp as a JSON string in `format`, or null. */
const when = (x: string, format: string) => `coalesce('"' || to_char(${x}, '${format}') || '"', 'null')`;
/** A JSON object of the given keys (plain names, written as they are) and SQL values that yield JSON text. */
const object = (fields: Array<[key: string, sql: string]>) => `concat('{', ${fields.map(([k, v], i) => `'${i ? ',' : ''}"${k}":', ${v}`).join(', ')}, '}')`;
/** Date.prototype.toISOString's form: UTC, milliseconds truncated as a JavaScript Date truncates them. */
const ISO_MILLIS = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/** One listed document as JSON, key for key documentDto(record, version) (see ListingPage). */
const LISTED_DOCUMENT_JSON = object([
  ['id', bare('d.id')],
  ['version', 'v.version'],
  ['currentVersion', 'd.current_version'],
  ['patient', bare('d.patient_nhs')],
  ['type', object([['system', json('d.type_system')], ['code', json('d.type_code')], ['display', json('d.type_display')]])],
  ['category', `case when d.category_code <> '' then ${object([['system', json("coalesce(d.category_system, '')")], ['code', json('d.category_code')], ['display', json("coalesce(d.category_display, '')")]])} else 'null' end`],
  ['title', json('d.title')],
  ['description', json('d.description')],
  ['date', when('d.clinical_date', 'YYYY-MM-DD')],
  ['author', json('d.author')],
  ['status', bare('d.status')],
  ['enteredInErrorReason', json('d.entered_in_error_reason')],
  ['contentType', json('v.content_type')],
  ['size', 'v.size'],
  ['sha256', bare('v.sha256')],
  ['filename', json('v.filename')],
  ['scanStatus', bare('v.scan_status')],
  ['createdAt', when("d.created_at at time zone 'UTC'", ISO_MILLIS)],
  ['createdBy', json('d.created_by')],
  ['updatedAt', when("d.updated_at at time zone 'UTC'", ISO_MILLIS)],
  ['fhir', object([['state', bare('d.fhir_state')], ['id', json('d.fhir_id')]])],
  ['retentionClass', json('d.retention_class')],
  ['retainUntil', when('d.retain_until', 'YYYY-MM-DD')],
  ['retentionMissing', json('d.retention_missing')],
  ['legalHold', `(${ON_HOLD('d')})::text`],
]);

/** One listing page for listPages: the filter, and its success audit row's own columns (audit-log auditColumns). */
export interface AuditedListing {
  filter: ListFilter;
  audit: AuditColumns;
}

/**
 * For each listing: a patient's documents with their current version, newest first, keyset-paged on (created_at, id),
 * and the page's audit row (its count, merged into the row's detail); all listings in one statement (a group commit:
 * see db/statement-batcher.ts). Per listing, an index scan of documents_patient_created in page order from the cursor
 * (a missing cursor is (infinity, the largest uuid), so the row comparison stays the scan's start), joined index-only
 * to the version columns the primary key's index carries (migration 011).
 */
export async function listPages(db: Db, listings: AuditedListing[]): Promise<ListingPage[]> {
  const input = listings.map(({ filter: f, audit }, i) => ({
    ...audit, i, patient: f.patient, eie: f.includeEnteredInError, type: f.type ?? null, date_from: f.dateFrom ?? null, date_to: f.dateTo ?? null,
    after_at: f.after?.createdAt ?? null, after_id: f.after?.id ?? null, lim: f.limit,
  }));
  const rows = await db<{ i: number; items: string; found: number; next_at: string | null; next_id: string | null }[]>`
    with r as materialized (
      select * from jsonb_to_recordset(${db.json(input as never)}::jsonb) as r(i int, patient text, eie boolean, type text, date_from date, date_to date,
        after_at timestamptz, after_id uuid, lim int, ${db.unsafe(AUDIT_COLUMNS_RECORDSET)})
    ), page as materialized (
      select r.i, p.* from r cross join lateral (
        select row_number() over (order by d.created_at desc, d.id desc) as rn, ${db.unsafe(LISTED_DOCUMENT_JSON)} as j, d.created_at, d.id
        from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version
        where d.patient_nhs = r.patient and d.disposal_id is null
          and (r.eie or d.status = 'current')
          and (r.type is null or d.type_code = r.type)
          and (r.date_from is null or d.clinical_date >= r.date_from)
          and (r.date_to is null or d.clinical_date <= r.date_to)
          and (d.created_at, d.id) < (coalesce(r.after_at, 'infinity'), coalesce(r.after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'))
        order by d.created_at desc, d.id desc
        limit r.lim + 1
      ) p
    ), agg as materialized (
      select r.i, count(p.rn)::int as found,
        '[' || coalesce(string_agg(p.j, ',' order by p.rn) filter (where p.rn <= r.lim), '') || ']' as items,
        min(to_char(p.created_at at time zone 'UTC', ${db.unsafe(MICROS_UTC)})) filter (where p.rn = r.lim) as next_at,
        min(p.id::text) filter (where p.rn = r.lim) as next_id
      from r left join page p on p.i = r.i
      group by r.i, r.lim
    ), audited as (
      ${auditInsertRows(db, db`
        select actor, roles, action, outcome, document_id, null::int as version, patient as patient_nhs, error_code, client_ip, user_agent,
          request_id, coalesce(detail, '{}') || jsonb_build_object('count', least(found, lim)) as detail
        from r join agg using (i)`)}
    )
    select i, found, items, next_at, next_id from agg`;
  const out: ListingPage[] = [];
  for (const row of rows) {
    const lim = listings[row.i]!.filter.limit;
    const more = row.found > lim && row.next_at !== null && row.next_id !== null;
    out[row.i] = { itemsJson: row.items, next: more ? { createdAt: row.next_at!, id: row.next_id! } : null };
  }
  return out;
}

/** A version row read as to_jsonb (timestamps arrive as text). */
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

// ---- versions by store, for reconcile and migrate-blobs ----

/** Whether any version, in any store, holds this key (keys are unique per upload and kept by migrations). */
export async function blobKeyInUse(db: Db, key: string): Promise<boolean> {
  return (await db`select 1 from document_versions where blob_key = ${key} limit 1`).length > 0;
}

/** Every key the versions in one store point at. */
export async function versionKeysInStore(db: Db, store: string): Promise<{ documentId: string; version: number; key: string }[]> {
  return db<{ documentId: string; version: number; key: string }[]>`
    select document_id as "documentId", version, blob_key as key from document_versions where blob_store = ${store}`;
}

export async function countVersionsInStore(db: Db, store: string): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from document_versions where blob_store = ${store}`;
  return row?.n ?? 0;
}

/** How many versions (and bytes) live in `from`, and how many already in `to`. */
export async function migrationCounts(db: Db, from: string, to: string): Promise<{ n: number; bytes: number; already: number }> {
  const [c] = await db<{ n: number; bytes: string; already: number }[]>`
    select count(*) filter (where blob_store = ${from})::int as n,
           coalesce(sum(size) filter (where blob_store = ${from}), 0)::text as bytes,
           count(*) filter (where blob_store = ${to})::int as already
    from document_versions`;
  return { n: c?.n ?? 0, bytes: Number(c?.bytes ?? 0), already: c?.already ?? 0 };
}

/** A version to move between stores, with its patient for the audit row. */
export interface StoredVersionRef {
  documentId: string;
  version: number;
  blobKey: string;
  blobVersionId: string | null;
  contentType: string;
  size: number;
  sha256: string;
  patient: string;
}

/** One keyset page of the versions in a store, in (document, version) order. */
export async function versionsInStorePage(db: Db, store: string, after: { documentId: string; version: number } | null, limit: number): Promise<StoredVersionRef[]> {
  const rows = await db<{ document_id: string; version: number; blob_key: string; blob_version_id: string | null; content_type: string; size: string; sha256: string; patient_nhs: string }[]>`
    select v.document_id, v.version, v.blob_key, v.blob_version_id, v.content_type, v.size::text as size, v.sha256, d.patient_nhs
    from document_versions v join documents d on d.id = v.document_id
    where v.blob_store = ${store}
      ${after ? db`and (v.document_id, v.version) > (${after.documentId}::uuid, ${after.version})` : db``}
    order by v.document_id, v.version
    limit ${limit}`;
  return rows.map((r) => ({
    documentId: r.document_id,
    version: r.version,
    blobKey: r.blob_key,
    blobVersionId: r.blob_version_id,
    contentType: r.content_type,
    size: Number(r.size),
    sha256: r.sha256,
    patient: r.patient_nhs,
  }));
}

/** The newest versions written to a store (doctor's replication sample). */
export async function newestVersionsInStore(db: Db, store: string, limit: number): Promise<{ blobKey: string; blobVersionId: string | null; createdAt: Date }[]> {
  return db<{ blobKey: string; blobVersionId: string | null; createdAt: Date }[]>`
    select blob_key as "blobKey", blob_version_id as "blobVersionId", created_at as "createdAt" from document_versions where blob_store = ${store} order by created_at desc limit ${limit}`;
}

/**
 * Points a version at its copy in another store, only if it still is where and what the caller read (so a re-run or
 * a concurrent run never repoints twice). Returns whether the row moved.
 */
export async function repointVersion(db: Db, v: StoredVersionRef, from: string, to: string, toVersionId: string | null): Promise<boolean> {
  const res = await db`
    update document_versions set blob_store = ${to}, blob_key = ${v.blobKey}, blob_version_id = ${toVersionId}
    where document_id = ${v.documentId} and version = ${v.version} and blob_store = ${from} and blob_key = ${v.blobKey} and sha256 = ${v.sha256}`;
  // the copy carries no Object Lock or legal hold yet: `reconcile` re-applies them (retention/store-retention.ts)
  if (res.count > 0) await db`update documents set object_lock_until = null, object_legal_hold = false where id = ${v.documentId}`;
  return res.count > 0;
}

/** Every document id, oldest first (reconcile --fhir). */
export async function allDocumentIds(db: Db): Promise<string[]> {
  // a document being disposed of has no index entry to keep
  return (await db<{ id: string }[]>`select id from documents where disposal_id is null order by created_at`).map((r) => r.id);
}

/** The version a signed fs URL names, with its document's patient. */
export async function findVersionByBlobKeyWithPatient(db: Db, store: string, key: string): Promise<{ version: DocumentVersion; patient: string } | null> {
  const rows = await db<(VersionRow & { patient_nhs: string })[]>`
    select v.*, d.patient_nhs from document_versions v join documents d on d.id = v.document_id
    where v.blob_store = ${store} and v.blob_key = ${key} and d.disposal_id is null`;
  return rows[0] ? { version: toVersion(rows[0]), patient: rows[0].patient_nhs } : null;
}

// ---- malware scans (src/scanning): rescans, and the versions they find infected (documents/quarantine.ts) ----

/** A stored version as a rescan reads it. */
export interface ScanCandidate {
  documentId: string;
  version: number;
  blobStore: string;
  blobKey: string;
  blobVersionId: string | null;
  size: number;
  sha256: string;
  scanStatus: ScanStatus;
  signatureVersion: string | null;
}

/** Which versions a rescan walks: every one, those created since a time, or those whose last scan used other signatures. */
export interface ScanSelection {
  /** Versions created at or after this time only (rescan --since). */
  createdSince?: Date | null | undefined;
  /** Only versions not scanned with these signatures (a signature update); pending ones always qualify. */
  notScannedWith?: string | null | undefined;
  /** Only versions waiting for a scan (pending). */
  pendingOnly?: boolean | undefined;
}

/** The next versions after the cursor, in (document_id, version) order, that the selection names. Infected ones stay as they are. */
export async function nextScanCandidates(db: Db, after: { documentId: string; version: number } | null, sel: ScanSelection, limit: number): Promise<ScanCandidate[]> {
  const rows = await db<{ document_id: string; version: number; blob_store: string; blob_key: string; blob_version_id: string | null; size: string; sha256: string; scan_status: ScanStatus; scan_signatures: string | null }[]>`
    select document_id, version, blob_store, blob_key, blob_version_id, size::text as size, sha256, scan_status, scan_signatures from document_versions
    where scan_status <> 'infected'
      ${after ? db`and (document_id, version) > (${after.documentId}::uuid, ${after.version})` : db``}
      ${sel.createdSince ? db`and created_at >= ${sel.createdSince}` : db``}
      ${sel.pendingOnly ? db`and scan_status = 'pending'` : db``}
      ${sel.notScannedWith ? db`and (scan_status = 'pending' or scan_signatures is distinct from ${sel.notScannedWith})` : db``}
    order by document_id, version limit ${limit}`;
  return rows.map((r) => ({
    documentId: r.document_id,
    version: r.version,
    blobStore: r.blob_store,
    blobKey: r.blob_key,
    blobVersionId: r.blob_version_id,
    size: Number(r.size),
    sha256: r.sha256,
    scanStatus: r.scan_status,
    signatureVersion: r.scan_signatures,
  }));
}

/** Records a clean scan of a version (unless a rescan found it infected meanwhile). */
export async function recordCleanScan(db: Db, v: { documentId: string; version: number }, scan: Pick<VersionScan, 'scanner' | 'signatureVersion'>): Promise<void> {
  await db`update document_versions set scan_status = 'clean', scanner = ${scan.scanner}, scan_signatures = ${scan.signatureVersion}, scanned_at = now(), malware_signature = null
    where document_id = ${v.documentId} and version = ${v.version} and scan_status <> 'infected'`;
}

/** Marks a version infected (quarantined); returns its patient, file name and SHA-256, or null when it already was (or does not exist). */
export async function flagInfected(
  db: Db,
  v: { documentId: string; version: number },
  scan: { scanner: string; signatureVersion: string | null; signature: string },
): Promise<{ patient: string; filename: string | null; sha256: string; createdBy: string } | null> {
  const rows = await db<{ patient_nhs: string; filename: string | null; sha256: string; created_by: string }[]>`
    update document_versions v set scan_status = 'infected', scanner = ${scan.scanner}, scan_signatures = ${scan.signatureVersion}, scanned_at = now(),
      malware_signature = ${scan.signature}
    from documents d
    where v.document_id = ${v.documentId} and v.version = ${v.version} and d.id = v.document_id and v.scan_status <> 'infected'
    returning d.patient_nhs, v.filename, v.sha256, v.created_by`;
  const r = rows[0];
  return r ? { patient: r.patient_nhs, filename: r.filename, sha256: r.sha256, createdBy: r.created_by } : null;
}

/** Every version found infected, oldest find first (rescan --json, /readyz). */
export async function infectedVersions(db: Db, limit = 1000): Promise<{ documentId: string; version: number; patient: string; filename: string | null; sha256: string; signature: string | null; scannedAt: Date | null }[]> {
  return db`select v.document_id as "documentId", v.version, d.patient_nhs as patient, v.filename, v.sha256, v.malware_signature as signature, v.scanned_at as "scannedAt"
    from document_versions v join documents d on d.id = v.document_id where v.scan_status = 'infected' order by v.scanned_at, v.document_id, v.version limit ${limit}`;
}

/** How many versions are infected (quarantined) and pending (held for a scan). */
export async function scanTotals(db: Db): Promise<{ infected: number; pending: number }> {
  const [r] = await db<{ infected: number; pending: number }[]>`
    select count(*) filter (where scan_status = 'infected')::int as infected, count(*) filter (where scan_status = 'pending')::int as pending
    from document_versions where scan_status in ('infected', 'pending')`;
  return r ?? { infected: 0, pending: 0 };
}

// ---- integrity flags (a version whose bytes failed verification is quarantined: documents/quarantine.ts) ----

/** Flags a version as failed; returns its patient, or null when it was already flagged (or does not exist). */
export async function flagIntegrityFailure(db: Db, v: { documentId: string; version: number }, reason: string): Promise<string | null> {
  const rows = await db<{ patient_nhs: string }[]>`
    update document_versions v set integrity_failed_at = now(), integrity_detail = ${reason}
    from documents d
    where v.document_id = ${v.documentId} and v.version = ${v.version} and d.id = v.document_id and v.integrity_failed_at is null
    returning d.patient_nhs`;
  return rows[0]?.patient_nhs ?? null;
}

/** Clears a version's flag (its bytes verified again); returns its patient. */
export async function clearIntegrityFailure(db: Db, v: { documentId: string; version: number }): Promise<string | null> {
  const rows = await db<{ patient_nhs: string }[]>`
    update document_versions v set integrity_failed_at = null, integrity_detail = null, last_verified_at = now()
    from documents d where v.document_id = ${v.documentId} and v.version = ${v.version} and d.id = v.document_id
    returning d.patient_nhs`;
  return rows[0]?.patient_nhs ?? null;
}

export async function integrityFailedAt(db: Db, v: { documentId: string; version: number }): Promise<Date | null> {
  const [row] = await db<{ at: Date | null }[]>`
    select integrity_failed_at as at from document_versions where document_id = ${v.documentId} and version = ${v.version}`;
  return row?.at ?? null;
}

// ---- the integrity scrubber's walk and `scrub --repair` (integrity/) ----

type VersionKey = { document_id: string; version: number };

/** A stored version as the scrubber reads it. */
export interface ScrubbedVersion {
  document_id: string;
  version: number;
  blob_store: string;
  blob_key: string;
  blob_version_id: string | null;
  size: bigint | number | string;
  sha256: string;
  integrity_failed_at: Date | null;
}

/** A flagged version as a repair reads it: with its filename and patient, for the report of what is lost. */
export interface FlaggedVersion extends ScrubbedVersion {
  filename: string | null;
  patient_nhs: string;
}

export async function storeTotals(db: Db): Promise<{ versions: number; bytes: number }> {
  const [t] = await db<{ n: number; bytes: string }[]>`select count(*)::int as n, coalesce(sum(size), 0)::text as bytes from document_versions`;
  return { versions: t?.n ?? 0, bytes: Number(t?.bytes ?? 0) };
}

/** The version after the checkpoint, in (document_id, version) order; null at the end of the pass. */
export async function nextVersion(db: Db, after: { id: string; v: number } | null): Promise<ScrubbedVersion | null> {
  const [r] = await db<ScrubbedVersion[]>`
    select document_id, version, blob_store, blob_key, blob_version_id, size, sha256, integrity_failed_at from document_versions
    ${after ? db`where (document_id, version) > (${after.id}::uuid, ${after.v})` : db``}
    order by document_id, version limit 1`;
  return r ?? null;
}

export async function markVerified(db: Db, r: VersionKey): Promise<void> {
  await db`update document_versions set last_verified_at = now() where document_id = ${r.document_id} and version = ${r.version}`;
}

export async function flaggedSummary(db: Db, limit = 1000): Promise<{ document_id: string; version: number; integrity_failed_at: Date; integrity_detail: string | null }[]> {
  return db`select document_id, version, integrity_failed_at, integrity_detail from document_versions where integrity_failed_at is not null order by integrity_failed_at limit ${limit}`;
}


/** How many versions there are, and how many flagged, bytes in all, and the oldest last verification (seconds ago). */
export async function versionIntegrityTotals(db: Db): Promise<{ flagged: number; oldest: number | null; total: string }> {
  const [v] = await db<{ flagged: number; oldest: number | null; total: string }[]>`
    select count(*) filter (where integrity_failed_at is not null)::int as flagged,
           extract(epoch from now() - min(coalesce(last_verified_at, created_at)))::float8 as oldest,
           coalesce(sum(size), 0)::text as total
    from document_versions`;
  return v!;
}

export async function flaggedVersions(db: Db): Promise<FlaggedVersion[]> {
  return db<FlaggedVersion[]>`
    select v.document_id, v.version, v.blob_store, v.blob_key, v.blob_version_id, v.size, v.sha256, v.filename, v.integrity_failed_at, d.patient_nhs
    from document_versions v join documents d on d.id = v.document_id
    where v.integrity_failed_at is not null order by v.integrity_failed_at`;
}

/** Intact versions (not flagged) with exactly these bytes, oldest first: copies a repair may restore from. */
export async function intactTwins(db: Db, r: VersionKey & { sha256: string }, size: number) {
  return db<{ document_id: string; version: number; blob_store: string; blob_key: string; blob_version_id: string | null }[]>`
    select document_id, version, blob_store, blob_key, blob_version_id from document_versions
    where sha256 = ${r.sha256} and size = ${size} and integrity_failed_at is null and not (document_id = ${r.document_id} and version = ${r.version})
    order by created_at limit 20`;
}

/** Points a version at another object version of its key (same store, same key). */
export async function repointObjectVersion(db: Db, r: VersionKey, versionId: string | null): Promise<void> {
  await db`update document_versions set blob_version_id = ${versionId} where document_id = ${r.document_id} and version = ${r.version}`;
}

/** Points a version at a fresh object in its store (a verified copy). */
export async function repointObject(db: Db, r: VersionKey, key: string, versionId: string | null): Promise<void> {
  await db`update document_versions set blob_key = ${key}, blob_version_id = ${versionId} where document_id = ${r.document_id} and version = ${r.version}`;
}

// ---- the restore check (backup/verify-restore.ts): read-only, against whichever database it checks ----

export interface StoredVersionRow {
  document_id: string;
  version: number;
  blob_store: string;
  blob_key: string;
  blob_version_id: string | null;
  sha256: string;
  size: bigint;
}

export function allVersions(db: Db): Promise<StoredVersionRow[]> {
  return db<StoredVersionRow[]>`select document_id, version, blob_store, blob_key, blob_version_id, sha256, size from document_versions order by document_id, version`;
}

export async function documentCount(db: Db): Promise<number> {
  const [r] = await db<{ n: number }[]>`select count(*)::int as n from documents`;
  return r?.n ?? 0;
}

/** When the newest version was written: the restore point of a database restored to "the latest". */
export async function newestVersionAt(db: Db): Promise<Date | null> {
  const [r] = await db<{ t: Date | null }[]>`select max(created_at) as t from document_versions`;
  return r?.t ?? null;
}

/** Every document with its current version's SHA-256. */
export function currentVersionDigests(db: Db): Promise<{ id: string; status: string; current_version: number; sha256: string }[]> {
  return db`
    select d.id, d.status, d.current_version, v.sha256
    from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version`;
}

// ---- records governance (src/retention): the retention columns, holds and disposal as the documents rows see them ----

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
