import { AppError } from '../domain/errors.ts';

/**
 * Parsing of the tus 1.0 headers we accept. Hand-written because they are three small grammars; the tus server
 * libraries that parse them do not expose their parsers separately (see resumable-uploads.ts for why we do not
 * use @tus/server itself).
 */

/** Upload-Metadata: comma-separated `key base64value` pairs (value optional). Keys are unique, ASCII without spaces or commas. */
export function parseUploadMetadata(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header?.trim()) return out;
  for (const pair of header.split(',')) {
    const [key, value, ...rest] = pair.trim().split(' ');
    if (!key || rest.length || !/^[\x21-\x7e]+$/.test(key) || Object.hasOwn(out, key)) {
      throw new AppError('validation_failed', 'Upload-Metadata must be comma-separated "key base64value" pairs with unique keys', { field: 'Upload-Metadata' });
    }
    if (value !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
      throw new AppError('validation_failed', `Upload-Metadata value of ${key} is not base64`, { field: 'Upload-Metadata' });
    }
    out[key] = value === undefined ? '' : Buffer.from(value, 'base64').toString('utf8');
  }
  return out;
}

export function encodeUploadMetadata(m: Record<string, string>): string {
  return Object.entries(m)
    .map(([k, v]) => `${k} ${Buffer.from(v, 'utf8').toString('base64')}`)
    .join(',');
}

/** A non-negative integer header (Upload-Length, Upload-Offset). */
export function parseNonNegativeInt(value: string | undefined, name: string): number {
  if (value === undefined || !/^\d{1,16}$/.test(value.trim())) throw new AppError('validation_failed', `${name} must be a non-negative integer`, { field: name });
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n)) throw new AppError('validation_failed', `${name} is too large`, { field: name });
  return n;
}

export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** Upload-Checksum: `<algorithm> <base64 digest>` (checksum extension). */
export function parseUploadChecksum(header: string | undefined): { algorithm: ChecksumAlgorithm; digest: Buffer } | null {
  if (header === undefined) return null;
  const m = /^\s*([a-z0-9-]+)\s+([A-Za-z0-9+/]+={0,2})\s*$/.exec(header);
  if (!m) throw new AppError('validation_failed', 'Upload-Checksum must be "<algorithm> <base64 digest>"', { field: 'Upload-Checksum' });
  const algorithm = m[1] as ChecksumAlgorithm;
  if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
    throw new AppError('validation_failed', `Upload-Checksum algorithm must be one of ${CHECKSUM_ALGORITHMS.join(', ')}`, { field: 'Upload-Checksum' });
  }
  return { algorithm, digest: Buffer.from(m[2]!, 'base64') };
}
