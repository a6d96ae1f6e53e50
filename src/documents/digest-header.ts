import { AppError } from '../domain/errors.ts';

/**
 * The sha-256 member of an RFC 9530 Repr-Digest / Content-Digest field (`sha-256=:<base64>:`). Parsed by hand:
 * it is one dictionary member of a structured field, and other algorithms in the same field are ignored as the
 * RFC allows. Returns null when the client sent no sha-256 digest.
 */
export function parseSha256Digest(...fields: (string | string[] | undefined)[]): Buffer | null {
  let found: Buffer | null = null;
  for (const field of fields.flat()) {
    if (!field) continue;
    for (const member of field.split(',')) {
      const m = /^\s*([a-z0-9-]+)\s*=\s*(.*?)\s*$/i.exec(member);
      if (!m || m[1]!.toLowerCase() !== 'sha-256') continue;
      const v = /^:([A-Za-z0-9+/]+={0,2}):$/.exec(m[2]!);
      const bytes = v ? Buffer.from(v[1]!, 'base64') : null;
      if (!bytes || bytes.length !== 32) throw new AppError('invalid_digest_header', 'sha-256 must be 32 bytes as a byte sequence (:base64:)');
      if (found && !found.equals(bytes)) throw new AppError('invalid_digest_header', 'the digest fields disagree');
      found = bytes;
    }
  }
  return found;
}

/** A `sha256` form field: 64 hex characters or base64. */
export function parseSha256Field(value: string | undefined): Buffer | null {
  if (value === undefined || value === '') return null;
  const bytes = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (bytes.length !== 32) throw new AppError('invalid_digest_header', 'sha256 must be 64 hex characters or base64 of 32 bytes');
  return bytes;
}

export const reprDigest = (sha256Hex: string): string => `sha-256=:${Buffer.from(sha256Hex, 'hex').toString('base64')}:`;
