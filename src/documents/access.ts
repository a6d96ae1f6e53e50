import type { AuditTarget } from '../audit/audited.ts';
import { hasPermission, requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Db } from '../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import * as repo from './repository.ts';
import { assertNotQuarantined } from './quarantine.ts';

export { principalOf } from '../auth/permissions.ts';

/** The access rules for one document: who may see it, and which of its versions' bytes. */

/** The document, if it exists and its patient is in the caller's scope; target learns the patient either way. */
export async function visibleDocument(db: Db, p: Principal, documentId: string, target: AuditTarget): Promise<DocumentRecord> {
  const doc = await repo.findDocument(db, documentId);
  if (!doc) throw new AppError('not_found', `no document ${documentId}`);
  target.patient = doc.patient;
  requirePatient(p, doc.patient);
  return doc;
}

/**
 * A version whose bytes the caller may read: read permission, the patient in scope, and for an entered-in-error
 * document the delete permission (records managers and admins), since its bytes are kept only for review.
 */
export async function readableVersion(db: Db, p: Principal, documentId: string, wantVersion: number | undefined, target: AuditTarget): Promise<{ doc: DocumentRecord; version: DocumentVersion }> {
  requirePermission(p, 'document:read');
  const doc = await visibleDocument(db, p, documentId, target);
  if (doc.status === 'entered-in-error' && !hasPermission(p, 'document:delete')) throw new AppError('document_entered_in_error');
  const version = await repo.findVersion(db, documentId, wantVersion ?? doc.currentVersion);
  if (!version) throw new AppError('not_found', `document ${documentId} has no version ${wantVersion}`);
  target.version = version.version;
  await assertNotQuarantined(db, version);
  return { doc, version };
}
