import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { Sql } from '../db/sql.ts';
import type { DocumentVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';

export interface PresignDeps {
  sql: Sql;
  blobs: BlobStores;
  downloadUrlTtl: number;
  downloadUrlMaxTtl: number;
}

/**
 * A time-limited URL for exactly this version, from the store it lives in (S3/Azure presign their own; fs URLs are
 * HMAC-signed and served by this service). The audit row is durable before the URL is returned.
 */
export async function issueDownloadUrl(d: PresignDeps, ctx: RequestContext, p: Principal, version: DocumentVersion, target: AuditTarget, expiresIn: number | undefined) {
  const ttl = expiresIn ?? d.downloadUrlTtl;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > d.downloadUrlMaxTtl) {
    throw new AppError('validation_failed', `expiresIn must be between 1 and ${d.downloadUrlMaxTtl} seconds`, { field: 'expiresIn' });
  }
  const store = await d.blobs.of(version.blobStore);
  const url = await store.presign(version.blobKey, version.blobVersionId, {
    expiresInSeconds: ttl,
    contentType: version.contentType,
    filename: version.filename,
    issuedTo: p.sub,
  });
  const expiresAt = new Date(Date.now() + ttl * 1000);
  await recordAudit(d.sql, ctx, { action: 'document.download-url', outcome: 'success', ...target, detail: { expiresAt: expiresAt.toISOString() } });
  return { url, expiresAt, version };
}
