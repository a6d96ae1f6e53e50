import { Readable, type Transform } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { AuditRecord } from '../audit/audit-event.ts';
import type { RecordedDocument, RecordedVersion } from '../documents/repository.ts';
import { extensionFor } from '../domain/content-types.ts';
import type { DocumentRecord } from '../domain/document.ts';
import { toDocumentReference } from '../fhir/document-reference.ts';
import type { Certificate } from '../retention/repository/certificates.ts';

/**
 * What a subject-access export's archive holds besides the documents' bytes, each written as a stream: the manifest
 * (JSON and CSV), the patient's FHIR DocumentReferences as a Bundle, and the access log from the audit trail.
 */

export const FILES = {
  readme: 'README.txt',
  manifestJson: 'manifest.json',
  manifestCsv: 'manifest.csv',
  fhirBundle: 'fhir/DocumentReference-bundle.json',
  accessLog: 'access-log.csv',
} as const;

/** A document's bytes in the archive: documents/<id>/v<n>-<file name> (the stored name, else one from its type). */
export function fileName(doc: DocumentRecord, v: RecordedVersion): string {
  const name = (v.filename ?? `document.${extensionFor(v.contentType)}`).replace(/[\\/]/g, '_');
  return `documents/${doc.id}/v${v.version}-${name}`;
}

/** Only current documents' bytes are exported: an entered-in-error one is listed, without its title or bytes. */
export const exportsBytes = (d: RecordedDocument): boolean => d.document.status === 'current';

export interface ExportHeader {
  patient: string;
  exportId: string;
  generatedAt: string;
  generatedBy: string;
}

const versionJson = (d: RecordedDocument, v: RecordedVersion) => ({
  version: v.version,
  ...(exportsBytes(d) ? { file: fileName(d.document, v), filename: v.filename } : {}),
  sha256: v.sha256,
  size: v.size,
  contentType: v.contentType,
  createdAt: v.createdAt.toISOString(),
});

function documentJson(d: RecordedDocument) {
  const doc = d.document;
  if (!exportsBytes(d)) {
    // marked entered-in-error: often filed against the wrong patient, so nothing that could describe someone else
    return { id: doc.id, status: doc.status, type: doc.type, createdAt: doc.createdAt.toISOString(), versions: d.versions.map((v) => versionJson(d, v)) };
  }
  return {
    id: doc.id,
    status: doc.status,
    type: doc.type,
    category: doc.category,
    title: doc.title,
    description: doc.description,
    clinicalDate: doc.clinicalDate,
    author: doc.author,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
    currentVersion: doc.currentVersion,
    retentionClass: doc.retentionClass,
    retainUntil: doc.retainUntil,
    versions: d.versions.map((v) => versionJson(d, v)),
  };
}

const certificateJson = (c: Certificate) => ({
  certificateId: c.id,
  documentId: c.documentId,
  state: c.state,
  type: c.type,
  title: c.title,
  clinicalDate: c.clinicalDate,
  createdAt: new Date(c.documentCreatedAt).toISOString(),
  retentionClass: c.retentionClass,
  retainUntil: c.retainUntil,
  retentionBasis: c.retentionBasis,
  proposedBy: c.proposedBy,
  approvedBy: c.approvedBy,
  approvedAt: new Date(c.approvedAt).toISOString(),
  destroyedAt: c.destroyedAt ? new Date(c.destroyedAt).toISOString() : null,
  versions: c.versions.map((v) => ({ version: v.version, sha256: v.sha256, size: v.size, contentType: v.contentType, createdAt: v.createdAt })),
});

/** manifest.json, written a document at a time. */
export function manifestJson(h: ExportHeader, docs: readonly RecordedDocument[], certificates: readonly Certificate[]): Readable {
  return Readable.from(
    (function* () {
      yield `{"patient":${JSON.stringify(h.patient)},"exportId":${JSON.stringify(h.exportId)},"generatedAt":${JSON.stringify(h.generatedAt)},"generatedBy":${JSON.stringify(h.generatedBy)},`;
      yield `"files":${JSON.stringify({ manifestCsv: FILES.manifestCsv, fhirBundle: FILES.fhirBundle, accessLog: FILES.accessLog })},\n"documents":[`;
      for (const [i, d] of docs.entries()) yield `${i ? ',' : ''}\n${JSON.stringify(documentJson(d))}`;
      yield '],\n"disposed":[';
      for (const [i, c] of certificates.entries()) yield `${i ? ',' : ''}\n${JSON.stringify(certificateJson(c))}`;
      yield ']}\n';
    })(),
    { objectMode: false },
  );
}

const MANIFEST_CSV_COLUMNS = [
  'documentId', 'status', 'version', 'file', 'sha256', 'size', 'contentType', 'typeCode', 'typeDisplay', 'title', 'clinicalDate', 'createdAt', 'versionCreatedAt', 'author',
  'certificateId', 'destroyedAt',
] as const;

/** manifest.csv: one row per version (stored, entered-in-error, or disposed of and named by its certificate). */
export function manifestCsv(docs: readonly RecordedDocument[], certificates: readonly Certificate[]): Readable {
  return through(
    Readable.from(
    (function* () {
      for (const d of docs) {
        const doc = d.document;
        const bytes = exportsBytes(d);
        for (const v of d.versions) {
          yield {
            documentId: doc.id, status: doc.status, version: v.version, file: bytes ? fileName(doc, v) : '', sha256: v.sha256, size: v.size, contentType: v.contentType,
            typeCode: doc.type.code, typeDisplay: doc.type.display, title: bytes ? doc.title : '', clinicalDate: bytes ? (doc.clinicalDate ?? '') : '', createdAt: doc.createdAt.toISOString(),
            versionCreatedAt: v.createdAt.toISOString(), author: bytes ? (doc.author ?? '') : '', certificateId: '', destroyedAt: '',
          };
        }
      }
      for (const c of certificates) {
        for (const v of c.versions) {
          yield {
            documentId: c.documentId, status: 'disposed', version: v.version, file: '', sha256: v.sha256, size: v.size, contentType: v.contentType, typeCode: c.type.code,
            typeDisplay: c.type.display, title: c.title, clinicalDate: c.clinicalDate ?? '', createdAt: new Date(c.documentCreatedAt).toISOString(), versionCreatedAt: v.createdAt,
            author: '', certificateId: c.id, destroyedAt: c.destroyedAt ? new Date(c.destroyedAt).toISOString() : '',
          };
        }
      }
    })(),
  ), stringify({ header: true, columns: [...MANIFEST_CSV_COLUMNS] }));
}

/** The current documents' DocumentReferences (as the index publishes them) in a FHIR R4 collection Bundle. */
export function fhirBundle(h: ExportHeader, docs: readonly RecordedDocument[], m: { baseUrl: string; odsCode: string }): Readable {
  return Readable.from(
    (function* () {
      yield `{"resourceType":"Bundle","type":"collection","timestamp":${JSON.stringify(h.generatedAt)},"entry":[`;
      let first = true;
      for (const d of docs) {
        const current = d.versions.find((v) => v.version === d.document.currentVersion);
        if (!exportsBytes(d) || !current) continue;
        const resource = toDocumentReference(d.document, current, m);
        yield `${first ? '' : ','}\n${JSON.stringify({ fullUrl: `${m.baseUrl}/fhir/DocumentReference/${d.document.id}`, resource })}`;
        first = false;
      }
      yield ']}\n';
    })(),
    { objectMode: false },
  );
}

const ACCESS_LOG_COLUMNS = ['at', 'actor', 'roles', 'action', 'outcome', 'errorCode', 'documentId', 'version', 'breakGlassReason'] as const;

/** access-log.csv: who, when, what, outcome, for every audit row about the patient or their documents, oldest first. */
export function accessLogCsv(rows: AsyncIterable<AuditRecord>, onRow: () => void): Readable {
  return through(
    Readable.from(
    (async function* () {
      for await (const r of rows) {
        onRow();
        yield {
          at: r.at.toISOString(), actor: r.actor ?? '', roles: r.roles.join(' '), action: r.action, outcome: r.outcome, errorCode: r.errorCode ?? '', documentId: r.documentId ?? '',
          version: r.version ?? '', breakGlassReason: typeof r.detail?.breakGlass === 'string' ? r.detail.breakGlass : '',
        };
      }
    })(),
  ), stringify({ header: true, columns: [...ACCESS_LOG_COLUMNS] }));
}

/** source piped into t, a failure of the source failing t too (pipe alone would leave t waiting for ever). */
function through(source: Readable, t: Transform): Transform {
  source.on('error', (e) => t.destroy(e));
  t.on('close', () => source.destroy());
  return source.pipe(t);
}

/** README.txt: what the archive holds, for whoever receives it. */
export function readme(h: ExportHeader, counts: { documents: number; files: number; enteredInError: number; disposed: number }): string {
  return [
    `Health records of the patient with NHS number ${h.patient}`,
    `Exported ${h.generatedAt} by ${h.generatedBy} (export ${h.exportId}).`,
    '',
    `${'documents/'.padEnd(36)}${counts.files} file(s): every version of the patient's ${counts.documents} current document(s), byte for byte as stored`,
    `${FILES.manifestJson.padEnd(36)}every document: id, type, title, dates, author, and each file's SHA-256`,
    `${FILES.manifestCsv.padEnd(36)}the same, one row per file`,
    `${FILES.fhirBundle.padEnd(36)}the documents as FHIR R4 DocumentReference resources`,
    `${FILES.accessLog.padEnd(36)}who accessed the patient's documents, when, what they did, and the outcome`,
    '',
    counts.enteredInError ? `${counts.enteredInError} document(s) marked entered-in-error are listed in the manifest without their content.` : '',
    counts.disposed ? `${counts.disposed} document(s) destroyed at the end of their retention period are listed in the manifest by their certificates of destruction.` : '',
    'Each file was checked against its SHA-256 while this archive was written; a file that failed the check would have stopped the export.',
    '',
  ]
    .filter((l, i, a) => l !== '' || a[i - 1] !== '')
    .join('\n');
}
