import type { AuditTarget } from '../audit/audited.ts';
import { canAccessPatient, hasPermission, requirePatientRead, requirePermission } from '../auth/permissions.ts';
import type { Db } from '../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import * as repo from './repository.ts';
import { assertNotQuarantined } from './quarantine.ts';

export { principalOf } from '../auth/permissions.ts';

/** The access rules for one document: who may see it, and which of its versions' bytes. */

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

/** The document, if it exists and its patient is in the caller's scope; target learns the patient either way. */
export async function visibleDocument(db: Db, p: Principal, documentId: string, target: AuditTarget, opts: { read?: boolean } = {}): Promise<DocumentRecord> {
  const doc = await repo.findDocument(db, documentId);
  if (!doc) throw new AppError('not_found', `no document ${documentId}`);
  target.patient = doc.patient;
  requirePatientAccess(p, doc.patient, target, opts);
  if (doc.disposalId) throw new AppError('document_disposed', 'the document is being disposed of under an approved disposal; see its certificate of destruction', { certificate: doc.disposalId });
  return doc;
}

/**
 * A version whose bytes the caller may read: read permission, the patient in scope, and for an entered-in-error
 * document the delete permission (records managers and admins), since its bytes are kept only for review.
 */
export async function readableVersion(db: Db, p: Principal, documentId: string, wantVersion: number | undefined, target: AuditTarget): Promise<{ doc: DocumentRecord; version: DocumentVersion }> {
  requirePermission(p, 'document:read');
  const doc = await visibleDocument(db, p, documentId, target, { read: true });
  if (doc.status === 'entered-in-error' && !hasPermission(p, 'document:delete')) throw new AppError('document_entered_in_error');
  const version = await repo.findVersion(db, documentId, wantVersion ?? doc.currentVersion);
  if (!version) throw new AppError('not_found', `document ${documentId} has no version ${wantVersion}`);
  target.version = version.version;
  await assertNotQuarantined(db, version);
  return { doc, version };
}
