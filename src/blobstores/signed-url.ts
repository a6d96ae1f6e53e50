import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import { secretKeyOf } from './secret-keys.ts';

/**
 * HMAC-signed, expiring URLs for stores that cannot presign natively (the filesystem store). Hand-written because
 * it is a dozen lines of node:crypto; the token binds method, object key, version, expiry, the response headers and
 * the user it was issued to, and is compared in constant time.
 */
export interface SignedUrlClaims {
  key: string;
  versionId: string | null;
  expires: number; // unix seconds
  contentType: string;
  filename: string | null;
  issuedTo: string;
}

const canonical = (c: SignedUrlClaims): string =>
  ['GET', c.key, c.versionId ?? '', String(c.expires), c.contentType, c.filename ?? '', c.issuedTo].join('\n');

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
  url.searchParams.set('sig', sign(secret, claims));
  return url.toString();
}

/** Checks a signed URL's parameters; throws url_invalid (tampered) or url_expired. */
export function verifySignedUrl(secret: Buffer, key: string, q: Record<string, string | undefined>, now = Date.now()): SignedUrlClaims {
  const expires = Number(q.exp);
  if (!q.sig || !q.ct || !q.sub || !Number.isSafeInteger(expires)) throw new AppError('url_invalid');
  const claims: SignedUrlClaims = { key, versionId: q.v ?? null, expires, contentType: q.ct, filename: q.fn ?? null, issuedTo: q.sub };
  const expected = Buffer.from(sign(secret, claims), 'base64url');
  const given = Buffer.from(q.sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new AppError('url_invalid');
  if (expires * 1000 < now) throw new AppError('url_expired');
  return claims;
}
