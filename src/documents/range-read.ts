import type { Readable } from 'node:stream';
import type { DocumentVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { BlobStores } from '../domain/ports.ts';
import { onReadFailure } from './quarantine.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from 'pino';

/**
 * Range requests on /content. A part of a document cannot be checked against its SHA-256, so a range is served only
 * where the store authenticates every byte it returns on its own: the encrypted filesystem store, whose chunks are
 * AES-GCM-sealed (each covering chunk is decrypted and authenticated, nothing else is read). Elsewhere (S3, Azure, a
 * plaintext file) the Range header is ignored and the whole document is sent, SHA-256-verified, with 200, as RFC 9110
 * allows. One range per request (bytes=a-b, a-, -n); several ranges are answered with the whole document too.
 */
export interface RangeSpec {
  start: number | null;
  end: number | null;
}

/** Parses a Range header; null when absent or not a single byte range (then the whole document is sent). */
export function parseRange(header: string | undefined): RangeSpec | null {
  const m = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!m || (m[1] === '' && m[2] === '')) return null;
  return { start: m[1] === '' ? null : Number(m[1]), end: m[2] === '' ? null : Number(m[2]) };
}

/** The inclusive byte range a spec selects from a document of size bytes; throws range_not_satisfiable. */
export function resolveRange(spec: RangeSpec, size: number): { start: number; end: number } {
  let start: number;
  let end: number;
  if (spec.start === null) {
    const n = spec.end ?? 0;
    start = Math.max(0, size - n);
    end = size - 1;
    if (n === 0) throw new AppError('range_not_satisfiable', `the document has ${size} bytes`, { size });
  } else {
    start = spec.start;
    end = Math.min(spec.end ?? size - 1, size - 1);
    if (spec.end !== null && spec.end < spec.start) throw new AppError('range_not_satisfiable', 'the range ends before it starts', { size });
  }
  if (start >= size) throw new AppError('range_not_satisfiable', `the document has ${size} bytes`, { size });
  return { start, end };
}

/** The authenticated bytes of a range, or null when this version's store cannot authenticate a part. */
export async function openAuthenticatedRange(
  d: { sql: Sql; blobs: BlobStores; log: Logger },
  v: DocumentVersion,
  spec: RangeSpec,
): Promise<{ stream: Readable; start: number; end: number } | null> {
  const store = await d.blobs.of(v.blobStore);
  if (!store.getAuthenticatedRange) return null;
  const { start, end } = resolveRange(spec, v.size);
  const stream = await store.getAuthenticatedRange(v.blobKey, v.blobVersionId, { start, end }).catch((e: unknown) => Promise.reject(onReadFailure(d.sql, d.log, v, e)));
  if (!stream) return null;
  stream.on('error', (e) => onReadFailure(d.sql, d.log, v, e));
  return { stream, start, end };
}
