import type { NewDocumentMetadata } from '../domain/document.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import { isAppError, type ErrorCode } from '../domain/errors.ts';
import { hasNul } from '../domain/input-limits.ts';
import { UPLOAD_FIELD_MAX_LENGTH } from '../domain/upload-fields.ts';
import { resolveMetadata } from '../documents/metadata.ts';
import type { ManifestRow } from './manifest.ts';

/**
 * A manifest row checked before any byte moves: the same metadata rules as every upload (documents/metadata.ts), and
 * what an import adds (a source id, a path, an optional SHA-256). A row that fails becomes a refusal for the report.
 */

/** Why a row was refused: an upload's own error codes, and those only an import has. */
export type RefusalCode = ErrorCode | 'invalid_row' | 'file_not_found' | 'file_unreadable' | 'invalid_path' | 'duplicate_source_id';

/** One line of the report (--report, NDJSON). */
export interface Refusal {
  line: number;
  sourceId: string | null;
  path: string | null;
  code: RefusalCode;
  reason: string;
}

/** A row refused by the import itself (not by the upload protocol, whose refusals are AppErrors). */
export class RowRefused extends Error {
  readonly code: RefusalCode;
  constructor(code: RefusalCode, reason: string) {
    super(reason);
    this.code = code;
  }
}

export interface ImportItem {
  line: number;
  sourceId: string;
  path: string;
  meta: NewDocumentMetadata;
  expectedSha256: Buffer | null;
}

export const SOURCE_ID_MAX_LENGTH = 500;

export function toItem(row: ManifestRow, valueSet: DocumentValueSet): ImportItem | Refusal {
  if ('unreadable' in row) return { line: row.line, sourceId: null, path: null, code: 'invalid_row', reason: row.unreadable };
  const f = row.fields;
  const refuse = (code: RefusalCode, reason: string): Refusal => ({ line: row.line, sourceId: f.sourceId ?? null, path: f.path ?? null, code, reason });
  if (!f.sourceId) return refuse('validation_failed', 'sourceId is required: it is what makes the import safe to run again');
  if (f.sourceId.length > SOURCE_ID_MAX_LENGTH || /[\x00-\x1f\x7f]/.test(f.sourceId)) return refuse('validation_failed', `sourceId must be 1 to ${SOURCE_ID_MAX_LENGTH} printable characters`);
  if (!f.path) return refuse('validation_failed', 'path is required');
  if (hasNul(f.path)) return refuse('invalid_path', 'path contains a NUL character');
  if (f.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(f.sha256)) return refuse('validation_failed', 'sha256 must be 64 hexadecimal digits');
  for (const k of ['patient', 'type', 'title', 'date', 'author'] as const) {
    const v = f[k];
    if (v !== undefined && v.length > UPLOAD_FIELD_MAX_LENGTH[k]) return refuse('validation_failed', `${k} is longer than ${UPLOAD_FIELD_MAX_LENGTH[k]} characters`);
  }
  const meta: NewDocumentMetadata = { patient: f.patient ?? '', type: f.type ?? '', title: f.title ?? '', date: f.date, author: f.author };
  try {
    resolveMetadata(meta, valueSet);
  } catch (e) {
    if (isAppError(e)) return refuse(e.code, e.message);
    throw e;
  }
  return { line: row.line, sourceId: f.sourceId, path: f.path, meta, expectedSha256: f.sha256 ? Buffer.from(f.sha256, 'hex') : null };
}

export const isRefusal = (x: ImportItem | Refusal): x is Refusal => 'code' in x;
