import type { Sql } from '../db/sql.ts';
import type { DocumentVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { Principal } from '../domain/principal.ts';
import { hasPermission } from '../auth/permissions.ts';

export interface PresignDeps {
  sql: Sql;
  blobs: BlobStores;
  downloadUrlTtl: number;
  downloadUrlMaxTtl: number;
}

/** The URL's lifetime in seconds: the caller's, within bounds, or the configured default. */
export function downloadUrlTtl(d: Pick<PresignDeps, 'downloadUrlTtl' | 'downloadUrlMaxTtl'>, expiresIn: number | undefined): number {
  const ttl = expiresIn ?? d.downloadUrlTtl;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > d.downloadUrlMaxTtl) {
    throw new AppError('validation_failed', `expiresIn must be between 1 and ${d.downloadUrlMaxTtl} seconds`, { field: 'expiresIn' });
  }
  return ttl;
}

/**
 * A time-limited URL for exactly this version, from the store it lives in (S3/Azure presign their own; fs URLs are
 * HMAC-signed and served by this service). The caller has already made the audit row durable (service.downloadUrl
 * writes it in the same statement as the access check), so nothing here touches the database.
 */
export async function presignDownloadUrl(d: PresignDeps, p: Principal, version: DocumentVersion, ttl: number, expiresAt: Date) {
  const store = await d.blobs.of(version.blobStore);
  const url = await store.presign(version.blobKey, version.blobVersionId, {
    expiresInSeconds: ttl,
    contentType: version.contentType,
    filename: version.filename,
    issuedTo: p.sub,
    // the URL carries the reviewer's right (the read rules' reader.canDelete), so its fetches are judged as its user's
    reviewer: hasPermission(p, 'document:delete'),
  });
  return { url, expiresAt, version };
}
