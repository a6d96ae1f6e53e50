import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { secretKeyOf } from './secret-keys.ts';

/**
 * HMAC-signed, expiring URLs for stores that cannot presign natively (the filesystem store). Hand-written because
 * it is a dozen lines of node:crypto; the token binds method, object key, version, expiry, the response headers, the
 * user it was issued to and whether that user reviews entered-in-error documents, and is compared in constant time.
 */
export interface SignedUrlClaims {
  key: string;
  versionId: string | null;
  expires: number; // unix seconds
  contentType: string;
  filename: string | null;
  issuedTo: string;
  /**
   * The user it was issued to may read entered-in-error documents (a reviewer): the one fact of the reader, beyond
   * the scope checked at issue, that the read rules ask again at every fetch (documents/access.ts urlHolder).
   */
  reviewer?: boolean;
}

// `reviewer` adds a line only when set, so the URLs issued before it existed still verify (as non-reviewers')
const canonical = (c: SignedUrlClaims): string =>
  ['GET', c.key, c.versionId ?? '', String(c.expires), c.contentType, c.filename ?? '', c.issuedTo, ...(c.reviewer ? ['reviewer'] : [])].join('\n');

export function sign(secret: Buffer, claims: SignedUrlClaims): string {
  return createHmac('sha256', secretKeyOf(secret)).update(canonical(claims)).digest('base64url');
}

export function buildSignedUrl(baseUrl: string, secret: Buffer, claims: SignedUrlClaims): string {
  const url = new URL(`${baseUrl}/v1/blobs/${claims.key.split('/').map(encodeURIComponent).join('/')}`);
  if (claims.versionId) url.searchParams.set('v', claims.versionId);
  url.searchParams.set('exp', String(claims.expires));
  url.searchParams.set('ct', claims.contentType);
  if (claims.filename) url.searchParams.set('fn', claims.filename);
  url.searchParams.set('sub', claims.issuedTo);
  if (claims.reviewer) url.searchParams.set('rev', '1');
  url.searchParams.set('sig', sign(secret, claims));
  return url.toString();
}

/** Checks a signed URL's parameters; throws url_invalid (tampered) or url_expired. */
export function verifySignedUrl(secret: Buffer, key: string, q: Record<string, string | undefined>, now = Date.now()): SignedUrlClaims {
  const expires = Number(q.exp);
  if (!q.sig || !q.ct || !q.sub || !Number.isSafeInteger(expires) || (q.rev !== undefined && q.rev !== '1')) throw new AppError('url_invalid');
  const claims: SignedUrlClaims = { key, versionId: q.v ?? null, expires, contentType: q.ct, filename: q.fn ?? null, issuedTo: q.sub, reviewer: q.rev === '1' };
  const expected = Buffer.from(sign(secret, claims), 'base64url');
  const given = Buffer.from(q.sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('url_invalid');
  if (expires * 1000 < now) throw new AppError('url_expired');
  return claims;
}
