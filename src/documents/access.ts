import type { AuditTarget } from '../audit/audited.ts';
import { hasPermission, requirePermission } from '../auth/permissions.ts';
import type { Db } from '../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { enforceReadRules, inScope, type ReadFacts, type Reader, type Stage } from './read-rules.ts';
import * as repo from './repository.ts';

export { principalOf } from '../auth/permissions.ts';

/**
 * The access rules applied to one document: who may see it, and which of its versions' bytes. The rules themselves are
 * read-rules.ts, and every read path applies them through apply() below: readableVersion over separate reads,
 * readableVersionOnce (the download-URL hot path) over one statement that also writes the audit row
 * (repository.readVersionsAudited, whose SQL is compiled from them), and readableSignedBlob at each fetch of a signed
 * fs URL, as the user it was issued to.
 */

/**
 * The caller as the rules see them. Break-glass (a `Quill-Break-Glass: <reason>` header from someone with read
 * permission) counts for reads only; it marks every audit row of the request.
 */
export function readerOf(p: Principal, opts: { read?: boolean } = {}): Reader {
  return {
    patients: p.patients,
    breakGlass: opts.read && p.breakGlass && hasPermission(p, 'document:read') ? p.breakGlass : null,
    breakGlassAsked: Boolean(p.breakGlass),
    canDelete: hasPermission(p, 'document:delete'),
  };
}

/**
 * Whoever fetches a signed fs URL reads as the user it was issued to, with the facts the URL carries: the patient
 * scope and break-glass were checked when it was issued (a document's patient never changes), and whether that user
 * reviews entered-in-error documents is signed into it; everything about the document and its version is asked again.
 */
export function urlHolder(claims: { reviewer?: boolean }): Reader {
  return { patients: null, breakGlass: null, breakGlassAsked: false, canDelete: claims.reviewer === true };
}

/** Applies the rules of these stages; the target learns the patient, and the break-glass reason when it was used. */
function apply(f: ReadFacts, target: AuditTarget, stages: readonly Stage[]): void {
  if (stages.includes('patient')) target.patient = f.doc.patient;
  enforceReadRules(f, stages);
  if (stages.includes('patient') && !inScope(f) && f.reader.breakGlass) target.breakGlass = f.reader.breakGlass;
}

/** The caller may act on this patient's documents (for a read, break-glass may stand in for scope). */
export function requirePatientAccess(p: Principal, patient: string, target: AuditTarget, opts: { read?: boolean } = {}): void {
  const before = target.patient;
  apply({ reader: readerOf(p, opts), doc: { patient } }, target, ['patient']);
  target.patient = before;
}

/** The document, if it exists, its patient is in the caller's scope and it is not being disposed of. */
export async function visibleDocument(db: Db, p: Principal, documentId: string, target: AuditTarget, opts: { read?: boolean } = {}): Promise<DocumentRecord> {
  const doc = await repo.findDocument(db, documentId);
  if (!doc) throw new AppError('not_found', `no document ${documentId}`);
  apply({ reader: readerOf(p, opts), doc }, target, ['patient', 'document']);
  return doc;
}

const noVersion = (documentId: string, wantVersion: number | undefined) => new AppError('not_found', `document ${documentId} has no version ${wantVersion}`);

/**
 * A version whose bytes the caller may read: read permission, then every rule (scope or break-glass, disposal,
 * entered-in-error for reviewers only, quarantine: integrity failures, malware found or a scan still to come).
 */
export async function readableVersion(db: Db, p: Principal, documentId: string, wantVersion: number | undefined, target: AuditTarget): Promise<{ doc: DocumentRecord; version: DocumentVersion }> {
  requirePermission(p, 'document:read');
  const doc = await visibleDocument(db, p, documentId, target, { read: true });
  const reader = readerOf(p, { read: true });
  apply({ reader, doc }, target, ['bytes']);
  const version = await repo.findVersion(db, documentId, wantVersion ?? doc.currentVersion);
  if (!version) throw noVersion(documentId, wantVersion);
  target.version = version.version;
  apply({ reader, doc, version: { version: version.version, quarantinedAt: await repo.integrityFailedAt(db, version), scanStatus: version.scanStatus } }, target, ['version']);
  return { doc, version };
}

/**
 * readableVersion and the success audit row in one statement (`read`: repository.readVersionsAudited, batched with
 * other requests' reads by the service; one round trip, and the row is durable before this returns). The statement
 * writes the row where the rules allow the read, its SQL compiled from read-rules.ts; the answer is decided here, by
 * the same rules over the facts the statement returned. Should the two ever disagree (a fault in the compiled SQL)
 * this side wins: a missing success row is written separately, a refused read is refused (and audited as such by the
 * caller), and the disagreement is logged as an error.
 */
export async function readableVersionOnce(
  p: Principal,
  documentId: string,
  wantVersion: number | undefined,
  target: AuditTarget,
  read: (reader: Reader) => Promise<repo.VersionReadFacts | null>,
  onDisagreement: (allowedHere: boolean) => Promise<void>,
): Promise<DocumentVersion> {
  requirePermission(p, 'document:read');
  const reader = readerOf(p, { read: true });
  const facts = await read(reader);
  try {
    if (!facts) throw new AppError('not_found', `no document ${documentId}`);
    const f: ReadFacts = { reader, doc: { id: documentId, ...facts.doc } };
    apply(f, target, ['patient', 'document', 'bytes']);
    if (!facts.version) throw noVersion(documentId, wantVersion);
    target.version = facts.version.version;
    apply({ ...f, version: { version: facts.version.version, quarantinedAt: facts.quarantinedAt, scanStatus: facts.version.scanStatus } }, target, ['version']);
  } catch (e) {
    if (facts?.audited) await onDisagreement(false);
    throw e;
  }
  if (!facts.audited) await onDisagreement(true);
  return facts.version;
}

/**
 * The version a signed fs URL names, if its holder may still read it: the document, bytes and version rules, asked at
 * the fetch (a document marked entered-in-error, put under an approved disposal or quarantined since the URL was
 * issued is refused, as /content refuses it).
 */
export async function readableSignedBlob(db: Db, store: string, key: string, holder: Reader, target: AuditTarget): Promise<DocumentVersion> {
  const found = await repo.findVersionByBlobKey(db, store, key);
  if (!found) throw new AppError('not_found');
  const { version, doc } = found;
  Object.assign(target, { documentId: version.documentId, version: version.version, patient: doc.patient });
  apply({ reader: holder, doc: { id: version.documentId, ...doc }, version: { version: version.version, quarantinedAt: found.quarantinedAt, scanStatus: version.scanStatus } }, target, ['document', 'bytes', 'version']);
  return version;
}
