import type { AuditTarget } from '../audit/audited.ts';
import { principalOf, requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Sql } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import * as repo from './repository.ts';
import type { ResumableUpload } from './repository.ts';

/** The upload, if this caller may see or continue it; fills in the audit target as it learns it. */
export async function ownUpload(sql: Sql, ctx: RequestContext, id: string, target: AuditTarget): Promise<ResumableUpload> {
  const p = principalOf(ctx);
  requirePermission(p, 'document:write');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('not_found', `no upload ${id}`);
  const upload = await repo.findUpload(sql, id);
  if (!upload) throw new AppError('not_found', `no upload ${id}`);
  target.patient = upload.patient;
  target.documentId = upload.documentId ?? upload.targetDocumentId;
  // Only the user who started an upload may see or continue it; scope is checked again with the current token.
  if (upload.createdBy !== p.sub) throw new AppError('forbidden', 'this upload was started by another user');
  requirePatient(p, upload.patient);
  return upload;
}

/** Refuses an upload that no longer takes bytes: ended, or past its expiry. */
export function requireReceiving(upload: ResumableUpload): void {
  if (upload.state !== 'receiving') throw new AppError('upload_gone', `the upload is ${upload.state}${upload.errorCode ? ` (${upload.errorCode})` : ''}`, { state: upload.state });
  if (upload.expiresAt.getTime() <= Date.now()) throw new AppError('upload_gone', 'the upload has expired', { state: 'expired' });
}
