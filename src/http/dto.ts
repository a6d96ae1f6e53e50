import type { DocumentRecord, DocumentVersion, ListedVersion } from '../domain/document.ts';

export const versionDto = (v: DocumentVersion) => ({
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

/** The API's view of a document at one version. Storage keys and version ids stay internal. */
export const documentDto = (d: DocumentRecord, v: ListedVersion, versions?: DocumentVersion[]) => ({
  id: d.id,
  version: v.version,
  currentVersion: d.currentVersion,
  patient: d.patient,
  type: d.type,
  category: d.category,
  title: d.title,
  description: d.description,
  date: d.clinicalDate,
  author: d.author,
  status: d.status,
  enteredInErrorReason: d.enteredInErrorReason,
  contentType: v.contentType,
  size: v.size,
  sha256: v.sha256,
  filename: v.filename,
  scanStatus: v.scanStatus,
  createdAt: d.createdAt.toISOString(),
  createdBy: d.createdBy,
  updatedAt: d.updatedAt.toISOString(),
  fhir: { state: d.fhirState, id: d.fhirId },
  retentionClass: d.retentionClass,
  /** The last day the document must be kept (null: until a missing fact is recorded). */
  retainUntil: d.retainUntil,
  retentionMissing: d.retentionMissing,
  legalHold: d.legalHold,
  ...(versions ? { versions: versions.map(versionDto) } : {}),
});
