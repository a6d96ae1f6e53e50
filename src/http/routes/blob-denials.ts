import type { AuditLogWriter } from '../types.ts';
import type { Sql } from '../../db/sql.ts';
import type { RequestContext } from '../../domain/principal.ts';
import { isAppError } from '../../domain/errors.ts';
import * as repo from '../../documents/repository.ts';

/**
 * A refused signed-URL fetch (tampered: url_invalid 403, expired: url_expired 410) is audited like every other denial:
 * outcome denied, the document and patient the key belongs to when it names a stored version, and the user the URL
 * claims to be issued to kept in the detail only (the claim is unverified, so it is not the actor).
 */
export async function auditSignedUrlDenial(deps: { sql: Sql; audit: AuditLogWriter }, ctx: RequestContext, key: string, q: Record<string, string | undefined>, e: unknown): Promise<void> {
  const code = isAppError(e) ? e.code : 'url_invalid';
  const version = /^[A-Za-z0-9._/-]{1,512}$/.test(key) ? await repo.findVersionByBlobKey(deps.sql, 'fs', key).catch(() => null) : null;
  const doc = version ? await repo.findDocument(deps.sql, version.documentId).catch(() => null) : null;
  await deps.audit(ctx, {
    action: 'document.blob-fetch',
    outcome: 'denied',
    documentId: version?.documentId ?? null,
    version: version?.version ?? null,
    patient: doc?.patient ?? null,
    errorCode: code,
    detail: { key: key.slice(0, 512), claimedSub: q.sub?.slice(0, 256) ?? null, expires: q.exp ?? null },
  });
}
