import type { NewDocumentMetadata } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import { UPLOAD_FIELD_MAX_LENGTH } from '../domain/upload-fields.ts';

/** The Upload-Metadata keys we read: the multipart form's fields, plus what tus clients send by habit. */
export const METADATA_KEYS = ['patient', 'type', 'category', 'title', 'description', 'date', 'author', 'sha256', 'filename', 'filetype', 'document'] as const;

export type UploadMetadata = Partial<Record<(typeof METADATA_KEYS)[number], string>>;

/** The simple upload's limits (domain/upload-fields.ts), and those of the keys only tus sends. */
const MAX_LENGTH: Partial<Record<(typeof METADATA_KEYS)[number], number>> = { ...UPLOAD_FIELD_MAX_LENGTH, filetype: 200, sha256: 64, document: 36 };

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
