import { Type, type Static, type TObject, type TSchema } from 'typebox';
import type { DocumentRecord, DocumentVersion, ListedVersion } from '../domain/document.ts';
import { Nullable, Ref, StringEnum } from '../schema/typebox.ts';
import { SCAN_STATUSES } from '../domain/document.ts';

/**
 * The document's public JSON, written once: a table of its fields, each with its JSON name, its schema, how the API
 * reads it from a record (documentDto) and the SQL that writes it as JSON text for the listing (LISTED_DOCUMENT_JSON,
 * whose page crosses Node as one string: see documents/repository.ts ListingPage). The response schema 'Document',
 * the DTO and the SQL field list are all made from the table, so they cannot drift apart; test/api/list-json.test.ts
 * holds every listed item equal to its GET answer as well.
 */

/*
 * JSON text in SQL, for the listing. Written as concatenation rather than json_build_object: that builds the same
 * document (with spaces around its separators) for about 25 % more of PostgreSQL's CPU per page (measured side by
 * side, 1 M documents), as it works out each argument's type on every call. Every free text goes through to_json,
 * which escapes it exactly as JSON requires; only values whose text needs no escaping are written bare: uuids,
 * integers, booleans, to_char dates, and the columns a CHECK constraint holds to digits, hex or a fixed word
 * (patient_nhs, sha256, status, fhir_state). In the listing, `d` is the documents row and `v` its current version.
 */
/** A nullable value as JSON (to_json of a string is the string, JSON-escaped; SQL null → null). */
const json = (x: string) => `coalesce(to_json(${x})::text, 'null')`;
/** A value whose text needs no escaping, as a JSON string. */
const bare = (x: string) => `'"' || ${x} || '"'`;
/** A date or timestamp as a JSON string in `format`, or null. */
const when = (x: string, format: string) => `coalesce('"' || to_char(${x}, '${format}') || '"', 'null')`;
/** Date.prototype.toISOString's form: UTC, milliseconds truncated as a JavaScript Date truncates them. */
const ISO_MILLIS = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';
const CALENDAR_DATE = 'YYYY-MM-DD';

/** What the listing statement brings that is not a column (documents/repository.ts owns it): whether a hold covers `d`. */
export interface ListingSql {
  onHold: string;
}

/** One public field: its schema, its value read from a record, and its value written as JSON text by SQL. */
interface Field<S extends TSchema> {
  schema: S;
  get: (d: DocumentRecord, v: ListedVersion) => Static<S>;
  sql: (s: ListingSql) => string;
}

const field = <S extends TSchema>(schema: S, get: (d: DocumentRecord, v: ListedVersion) => Static<S>, sql: string | ((s: ListingSql) => string)): Field<S> => ({
  schema,
  get,
  sql: typeof sql === 'string' ? () => sql : sql,
});

type Fields = Record<string, Field<TSchema>>;
type ObjectOf<F extends Fields> = TObject<{ [K in keyof F]: F[K]['schema'] }>;

/** A JSON object made of fields, in their order: its schema, its value, its SQL. */
function objectField<F extends Fields>(fields: F): Field<ObjectOf<F>> {
  const entries = Object.entries(fields);
  const properties = Object.fromEntries(entries.map(([k, f]) => [k, f.schema])) as { [K in keyof F]: F[K]['schema'] };
  return {
    schema: Type.Object(properties),
    // Object.fromEntries forgets which key holds which value; each value is its own field's, typed by its schema above
    get: (d, v) => Object.fromEntries(entries.map(([k, f]) => [k, f.get(d, v)])) as Static<ObjectOf<F>>,
    // keys are plain names, written as they are
    sql: (s) => `concat('{', ${entries.map(([k, f], i) => `'${i ? ',' : ''}"${k}":', ${f.sql(s)}`).join(', ')}, '}')`,
  };
}

/** A SNOMED CT coding, from the documents columns `<prefix>_system`, `_code`, `_display`. */
const coding = (prefix: 'type' | 'category', pick: (d: DocumentRecord) => DocumentRecord['type']) => {
  // a category's system and display may be null beside its code: they read as '' (repository.ts toDocument)
  const column = (c: string) => (prefix === 'category' && c !== 'code' ? `coalesce(d.${prefix}_${c}, '')` : `d.${prefix}_${c}`);
  return objectField({
    system: field(Type.String(), (d) => pick(d).system, json(column('system'))),
    code: field(Type.String(), (d) => pick(d).code, json(column('code'))),
    display: field(Type.String(), (d) => pick(d).display, json(column('display'))),
  });
};
const typeCoding = coding('type', (d) => d.type);
const categoryCoding = coding('category', (d) => d.category!);

/** What each scan status means (the version's column has a CHECK constraint holding it to these words). */
const SCAN_STATUS_HELP =
  'malware scan: clean; pending (stored while the scanner was down: served to nobody until scanned); infected (found by a rescan: quarantined); not-scanned (scanning off, or stored before it)';

/** The listed document: every public field but `versions`. */
const LISTED = objectField({
  id: field(Type.String({ format: 'uuid' }), (d) => d.id, bare('d.id')),
  version: field(Type.Integer(), (_d, v) => v.version, 'v.version'),
  currentVersion: field(Type.Integer(), (d) => d.currentVersion, 'd.current_version'),
  patient: field(Type.String(), (d) => d.patient, bare('d.patient_nhs')),
  type: typeCoding,
  category: field(
    Type.Union([categoryCoding.schema, Type.Null()]),
    (d, v) => (d.category ? categoryCoding.get(d, v) : null),
    (s) => `case when d.category_code <> '' then ${categoryCoding.sql(s)} else 'null' end`,
  ),
  title: field(Type.String(), (d) => d.title, json('d.title')),
  description: field(Nullable(Type.String()), (d) => d.description, json('d.description')),
  date: field(Nullable(Type.String({ format: 'date' })), (d) => d.clinicalDate, when('d.clinical_date', CALENDAR_DATE)),
  author: field(Nullable(Type.String()), (d) => d.author, json('d.author')),
  status: field(StringEnum(['current', 'entered-in-error']), (d) => d.status, bare('d.status')),
  enteredInErrorReason: field(Nullable(Type.String()), (d) => d.enteredInErrorReason, json('d.entered_in_error_reason')),
  contentType: field(Type.String(), (_d, v) => v.contentType, json('v.content_type')),
  size: field(Type.Integer(), (_d, v) => v.size, 'v.size'),
  sha256: field(Type.String({ description: 'hex SHA-256 of the bytes' }), (_d, v) => v.sha256, bare('v.sha256')),
  filename: field(Nullable(Type.String()), (_d, v) => v.filename, json('v.filename')),
  scanStatus: field(
    StringEnum(SCAN_STATUSES, { description: `${SCAN_STATUS_HELP}; of the version shown (the current one unless ?version= names another)` }),
    (_d, v) => v.scanStatus,
    bare('v.scan_status'),
  ),
  createdAt: field(Type.String({ format: 'date-time' }), (d) => d.createdAt.toISOString(), when("d.created_at at time zone 'UTC'", ISO_MILLIS)),
  createdBy: field(Type.String(), (d) => d.createdBy, json('d.created_by')),
  updatedAt: field(Type.String({ format: 'date-time' }), (d) => d.updatedAt.toISOString(), when("d.updated_at at time zone 'UTC'", ISO_MILLIS)),
  fhir: objectField({
    state: field(StringEnum(['indexed', 'pending', 'failed']), (d) => d.fhirState, bare('d.fhir_state')),
    id: field(Nullable(Type.String()), (d) => d.fhirId, json('d.fhir_id')),
  }),
  retentionClass: field(Type.String({ description: 'retention class (GET /v1/retention/schedule)' }), (d) => d.retentionClass, json('d.retention_class')),
  retainUntil: field(
    Nullable(Type.String({ format: 'date', description: 'the last day the document must be kept; null while a fact the schedule needs is missing' })),
    (d) => d.retainUntil,
    when('d.retain_until', CALENDAR_DATE),
  ),
  retentionMissing: field(
    Type.Array(Type.String(), { description: 'patient facts whose absence keeps retention longer or open-ended' }),
    (d) => d.retentionMissing,
    json('d.retention_missing'),
  ),
  legalHold: field(Type.Boolean({ description: 'a legal hold covers the document: it cannot be destroyed' }), (d) => d.legalHold, (s) => `(${s.onHold})::text`),
});

export const versionSchema = Type.Object(
  {
    version: Type.Integer(),
    contentType: Type.String(),
    size: Type.Integer(),
    sha256: Type.String(),
    filename: Nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.String(),
    scanStatus: StringEnum(SCAN_STATUSES, { description: SCAN_STATUS_HELP }),
    scanner: Nullable(Type.String({ description: 'the malware scanner as it named itself (e.g. ClamAV 1.4.6)' })),
    signatureVersion: Nullable(Type.String({ description: "the scanner's signature database version and date, where it reports one" })),
    scannedAt: Nullable(Type.String({ format: 'date-time' })),
    malware: Nullable(Type.String({ description: 'the malware a rescan found (infected only)' })),
  },
  { $id: 'DocumentVersion' },
);

/** The API's view of a document at one version; `versions` only on a single document's answers. */
export const documentSchema = Type.Object({ ...LISTED.schema.properties, versions: Type.Optional(Type.Array(Ref(versionSchema))) }, { $id: 'Document' });

export type DocumentJson = Static<typeof documentSchema>;

export const versionDto = (v: DocumentVersion): Static<typeof versionSchema> => ({
  version: v.version,
  contentType: v.contentType,
  size: v.size,
  sha256: v.sha256,
  filename: v.filename,
  createdAt: v.createdAt.toISOString(),
  createdBy: v.createdBy,
  scanStatus: v.scanStatus,
  scanner: v.scanner,
  signatureVersion: v.signatureVersion,
  scannedAt: v.scannedAt?.toISOString() ?? null,
  malware: v.malware,
});

/** A document at one version as the API shows it. Storage keys and version ids stay internal. */
export const documentDto = (d: DocumentRecord, v: ListedVersion, versions?: DocumentVersion[]): DocumentJson => ({
  ...LISTED.get(d, v),
  ...(versions ? { versions: versions.map(versionDto) } : {}),
});

/** One listed document as JSON text, key for key documentDto(record, version) without versions. */
export const listedDocumentJson = (s: ListingSql): string => LISTED.sql(s);
