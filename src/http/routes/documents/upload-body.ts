import type { FastifyRequest } from 'fastify';
import type { NewDocumentMetadata } from '../../../domain/document.ts';
import { baseMediaType } from '../../../domain/content-types.ts';
import { AppError } from '../../../domain/errors.ts';
import type { UploadInput } from '../../../documents/service.ts';
import { parseSha256Digest, parseSha256Field } from '../../../documents/digest-header.ts';

const MULTIPART_OVERHEAD = 1024 * 1024; // room for the form's own fields and boundaries

export interface ParsedUpload {
  meta: Record<string, string>;
  input: UploadInput;
  /** Resolves once the body has been handed over; for multipart, checks the part was not truncated. */
  finish(): void;
}

const undeclared = (t: string | null) => (t === null || t === 'application/octet-stream' ? null : t);

/**
 * Reads an upload request without buffering it: either multipart/form-data (metadata fields first, then one
 * `file` part) or a raw body whose Content-Type is the document type, with metadata in the query string.
 */
export async function parseUpload(request: FastifyRequest, maxBytes: number): Promise<ParsedUpload> {
  const declaredLength = Number(request.headers['content-length']);
  if (request.isMultipart()) {
    if (declaredLength > maxBytes + MULTIPART_OVERHEAD) throw new AppError('payload_too_large', `the upload limit is ${maxBytes} bytes`, { limit: maxBytes });
    const part = await request.file({ limits: { fileSize: maxBytes + 1, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 21 } });
    if (!part) throw new AppError('validation_failed', 'the form has no file part');
    if (part.fieldname !== 'file') throw new AppError('validation_failed', 'the document must be sent in a part named "file"');
    const meta: Record<string, string> = {};
    for (const [name, field] of Object.entries(part.fields)) {
      const f = Array.isArray(field) ? field[0] : field;
      if (f && f.type === 'field') meta[name] = String(f.value);
    }
    return {
      meta,
      input: {
        body: part.file,
        declaredType: undeclared(baseMediaType(part.mimetype)),
        filename: part.filename || meta.filename || null,
        expectedSha256: parseSha256Field(meta.sha256),
      },
      finish: () => {
        if (part.file.truncated) throw new AppError('payload_too_large', `the upload limit is ${maxBytes} bytes`, { limit: maxBytes });
      },
    };
  }
  if (declaredLength > maxBytes) throw new AppError('payload_too_large', `the upload limit is ${maxBytes} bytes`, { limit: maxBytes });
  if (declaredLength === 0) throw new AppError('empty_body');
  const query = request.query as Record<string, string>;
  return {
    meta: query,
    input: {
      body: request.raw,
      declaredType: undeclared(baseMediaType(request.headers['content-type'])),
      filename: query.filename ?? filenameFromDisposition(request.headers['content-disposition']),
      expectedSha256: parseSha256Digest(request.headers['repr-digest'], request.headers['content-digest']),
    },
    finish: () => undefined,
  };
}

export const toMetadata = (m: Record<string, string>): NewDocumentMetadata => ({
  patient: m.patient ?? '',
  type: m.type ?? '',
  title: m.title ?? '',
  description: m.description,
  category: m.category,
  date: m.date,
  author: m.author,
  retentionClass: m.retentionClass,
});

function filenameFromDisposition(h: string | undefined): string | null {
  if (!h) return null;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(h);
  if (star) {
    try {
      return decodeURIComponent(star[1]!);
    } catch {
      return null;
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(h)?.[1] ?? null;
}
