import { auditInsertFrom } from '../audit/audit-cte.ts';
import type { AuditTarget } from '../audit/audited.ts';
import { hasPermission, requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Db } from '../db/sql.ts';
import type { DocumentVersion, DocumentWithVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import * as repo from './repository.ts';

/**
 * The two hottest reads (a patient's list page, a download URL), each as one statement that also writes its success
 * audit row: the same access rules as access.ts, checked in SQL for the allowed path and re-derived here for the
 * refused one, so a refusal gives the same error (and `audited` records it) while a success costs one round trip.
 */

/** A list page and its `document.list` audit row, one round trip. Permission and patient scope are checked before. */
export function listPageAudited(db: Db, ctx: RequestContext, f: repo.ListFilter): Promise<DocumentWithVersion[]> {
  return repo.listDocumentsAudited(db, f, (source, count) =>
    auditInsertFrom(db, ctx, source, { action: 'document.list', documentId: null, version: null, patient: db`${f.patient}::text`, detail: db`jsonb_build_object('count', ${count})` }),
  );
}

/**
 * readableVersion (access.ts) with the `document.download-url` success row written by the same statement. `detail`
 * is the audit row's detail (the URL's expiry, known before the URL is made). Throws what readableVersion throws.
 */
export async function readableVersionAudited(
  db: Db,
  ctx: RequestContext,
  p: Principal,
  documentId: string,
  wantVersion: number | undefined,
  target: AuditTarget,
  detail: Record<string, unknown>,
): Promise<DocumentVersion> {
  requirePermission(p, 'document:read');
  const mayReadRetracted = hasPermission(p, 'document:delete');
  const found = await repo.findVersionAudited(db, documentId, wantVersion ?? null, { patients: p.patients, mayReadRetracted }, (source) =>
    auditInsertFrom(db, ctx, source, {
      action: 'document.download-url',
      documentId: db`${documentId}::uuid`,
      version: db`ok.version`,
      patient: db`ok.patient_nhs`,
      detail: db`${db.json(detail as never)}`,
    }),
  );
  if (found.patient === null) throw new AppError('not_found', `no document ${documentId}`);
  target.patient = found.patient;
  requirePatient(p, found.patient);
  if (found.status === 'entered-in-error' && !mayReadRetracted) throw new AppError('document_entered_in_error');
  if (!found.version) throw new AppError('not_found', `document ${documentId} has no version ${wantVersion}`);
  target.version = found.version.version;
  // the SQL applies the same rules; a difference would mean an unaudited URL, so refuse rather than issue it
  if (!found.audited) throw new AppError('internal_error', 'the download-url audit row was not written');
  return found.version;
}
