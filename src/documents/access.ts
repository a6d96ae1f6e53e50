import type { AuditTarget } from '../audit/audited.ts';
import { canAccessPatient, hasPermission, requirePatientRead, requirePermission } from '../auth/permissions.ts';
import type { Db } from '../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import * as repo from './repository.ts';
import { assertNotQuarantined, refuseIfQuarantined } from './quarantine.ts';

export { principalOf } from '../auth/permissions.ts';

/**
 * The access rules for one document: who may see it, and which of its versions' bytes. The rules are the pure
 * functions below; readableVersion applies them over separate reads, and readableVersionOnce (the download-URL hot
 * path) over one statement that also writes the audit row (repository.readVersionAudited mirrors them in SQL; see there).
 */

/**
 * The caller may act on this patient's documents: in their `patients` scope, or, for a read only, by break-glass (a
 * `Quill-Break-Glass: <reason>` header from someone with read permission), which marks every audit row of the request.
 */
export function requirePatientAccess(p: Principal, patient: string, target: AuditTarget, opts: { read?: boolean } = {}): void {
  if (opts.read) {
    const breakGlass = requirePatientRead(p, patient);
    if (breakGlass) target.breakGlass = breakGlass;
    return;
  }
  if (!canAccessPatient(p, patient)) throw new AppError('patient_forbidden', p.breakGlass ? 'break-glass allows reading a patient outside your scope, nothing else' : undefined);
}

/** Rule 1: the patient is in scope (or break-glass, for a read), and the document is not under an approved disposal. */
export function assertVisible(p: Principal, doc: Pick<DocumentRecord, 'patient' | 'disposalId'>, target: AuditTarget, opts: { read?: boolean } = {}): void {
  target.patient = doc.patient;
  requirePatientAccess(p, doc.patient, target, opts);
  if (doc.disposalId) throw new AppError('document_disposed', 'the document is being disposed of under an approved disposal; see its certificate of destruction', { certificate: doc.disposalId });
}

/** Rule 2: an entered-in-error document's bytes go only to the delete permission (records managers and admins), for review. */
export function assertBytesReadable(p: Principal, doc: Pick<DocumentRecord, 'status'>): void {
  if (doc.status === 'entered-in-error' && !hasPermission(p, 'document:delete')) throw new AppError('document_entered_in_error');
}

/** The document, if it exists and its patient is in the caller's scope; target learns the patient either way. */
export async function visibleDocument(db: Db, p: Principal, documentId: string, target: AuditTarget, opts: { read?: boolean } = {}): Promise<DocumentRecord> {
  const doc = await repo.findDocument(db, documentId);
  if (!doc) throw new AppError('not_found', `no document ${documentId}`);
  assertVisible(p, doc, target, opts);
  return doc;
}

const noVersion = (documentId: string, wantVersion: number | undefined) => new AppError('not_found', `document ${documentId} has no version ${wantVersion}`);

/**
 * A version whose bytes the caller may read: read permission, the patient in scope, and for an entered-in-error
 * document the delete permission (records managers and admins), since its bytes are kept only for review.
 */
export async function readableVersion(db: Db, p: Principal, documentId: string, wantVersion: number | undefined, target: AuditTarget): Promise<{ doc: DocumentRecord; version: DocumentVersion }> {
  requirePermission(p, 'document:read');
  const doc = await visibleDocument(db, p, documentId, target, { read: true });
  assertBytesReadable(p, doc);
  const version = await repo.findVersion(db, documentId, wantVersion ?? doc.currentVersion);
  if (!version) throw noVersion(documentId, wantVersion);
  target.version = version.version;
  await assertNotQuarantined(db, version);
  return { doc, version };
}

/**
 * readableVersion and the success audit row in one statement (`read`: repository.readVersionsAudited, batched with
 * other requests' reads by the service; one round trip, and the row is durable before this returns). The statement
 * writes the row only where its SQL copy of the rules allows the read; the answer is still decided here, by the same
 * rules in TypeScript over the facts the statement returned. Should the two ever disagree (a rule changed in one place
 * only) this side wins: a missing success row is written separately, a refused read is refused (and audited as such
 * by the caller) — and the disagreement is logged as an error.
 */
export async function readableVersionOnce(
  p: Principal,
  documentId: string,
  wantVersion: number | undefined,
  target: AuditTarget,
  read: (rules: repo.ReadRules) => Promise<repo.VersionReadFacts | null>,
  onDisagreement: (allowedHere: boolean) => Promise<void>,
): Promise<DocumentVersion> {
  requirePermission(p, 'document:read');
  const facts = await read({ patients: p.patients, breakGlass: p.breakGlass ?? null, canDelete: hasPermission(p, 'document:delete') });
  try {
    if (!facts) throw new AppError('not_found', `no document ${documentId}`);
    assertVisible(p, facts.doc, target, { read: true });
    assertBytesReadable(p, facts.doc);
    if (!facts.version) throw noVersion(documentId, wantVersion);
    target.version = facts.version.version;
    refuseIfQuarantined(facts.version, facts.quarantinedAt);
  } catch (e) {
    if (facts?.audited) await onDisagreement(false);
    throw e;
  }
  if (!facts.audited) await onDisagreement(true);
  return facts.version;
}
