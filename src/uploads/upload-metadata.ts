import type { NewDocumentMetadata } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';

/** The Upload-Metadata keys we read: the multipart form's fields, plus what tus clients send by habit. */
export const METADATA_KEYS = ['patient', 'type', 'category', 'title', 'description', 'date', 'author', 'sha256', 'filename', 'filetype', 'document'] as const;

export type UploadMetadata = Partial<Record<(typeof METADATA_KEYS)[number], string>>;

/** The same limits as the simple upload's query fields (src/http/schemas.ts uploadQuery). */
const MAX_LENGTH: Partial<Record<(typeof METADATA_KEYS)[number], number>> = { patient: 20, type: 64, category: 64, title: 500, description: 4000, date: 10, author: 200, filename: 1000, filetype: 200, sha256: 64, document: 36 };

/** The keys we read from a parsed Upload-Metadata header, empty values dropped, each within its limit. */
export function pickMetadata(m: Record<string, string>): UploadMetadata {
  const out: UploadMetadata = {};
  for (const k of METADATA_KEYS) if (m[k] !== undefined && m[k] !== '') out[k] = m[k];
  // tus-js-client and Uppy examples send `name` for the file; ours is filename (and `type` is the document type)
  if (!out.filename && m.name) out.filename = m.name;
  for (const [k, v] of Object.entries(out)) {
    const max = MAX_LENGTH[k as keyof typeof MAX_LENGTH];
    if (max !== undefined && v.length > max) throw new AppError('validation_failed', `Upload-Metadata ${k} is longer than ${max} characters`, { field: k });
  }
  return out;
}

export function toNewMetadata(m: UploadMetadata): NewDocumentMetadata {
  return { patient: m.patient ?? '', type: m.type ?? '', title: m.title ?? '', description: m.description, category: m.category, date: m.date, author: m.author };
}

/** The file's type as the client declared it (filetype), or null when it declared none worth checking. */
export function declaredType(filetype: string | undefined): string | null {
  const t = filetype?.split(';')[0]?.trim().toLowerCase();
  return !t || t === 'application/octet-stream' ? null : t;
}
