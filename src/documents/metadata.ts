import type { Coding, NewDocumentMetadata } from '../domain/document.ts';
import { findCategory, findType, type DocumentValueSet } from '../domain/document-types.ts';
import { AppError } from '../domain/errors.ts';
import { displayText, hasNul, isCalendarDate, stripInvisibleControls } from '../domain/input-limits.ts';
import { isValidNhsNumber, normaliseNhsNumber } from '../domain/nhs-number.ts';

export interface ResolvedMetadata {
  patient: string;
  type: Coding;
  category: Coding | null;
  title: string;
  description: string | null;
  clinicalDate: string | null;
  author: string | null;
}

export function validatePatient(value: string | undefined): string {
  const nhs = normaliseNhsNumber(value ?? '');
  if (!isValidNhsNumber(nhs)) throw new AppError('invalid_nhs_number', 'patient must be a 10-digit NHS number with a valid check digit', { field: 'patient' });
  return nhs;
}

/** Domain rules for upload metadata: a valid NHS number, codes from the configured value set, a real date. */
export function resolveMetadata(m: NewDocumentMetadata, set: DocumentValueSet): ResolvedMetadata {
  for (const [field, value] of Object.entries(m)) {
    if (typeof value === 'string' && hasNul(value)) throw new AppError('validation_failed', `${field} contains a NUL character`, { field });
  }
  const patient = validatePatient(m.patient);
  const type = findType(set, m.type ?? '');
  if (!type) throw new AppError('unknown_document_type', `type must be one of ${set.types.map((t) => t.code).join(', ')} (GET /v1/document-types)`, { field: 'type' });
  const categoryCode = m.category ?? type.defaultCategory;
  const category = findCategory(set, categoryCode);
  if (!category) throw new AppError('unknown_category', `category must be one of ${set.categories.map((c) => c.code).join(', ')}`, { field: 'category' });
  const title = displayText(m.title ?? '', 'title');
  if (!title) throw new AppError('validation_failed', 'title is required', { field: 'title' });
  const description = m.description === undefined ? '' : displayText(m.description, 'description');
  const author = m.author === undefined ? '' : displayText(m.author, 'author');
  if (m.date !== undefined && !isCalendarDate(m.date)) throw new AppError('validation_failed', 'date must be a calendar date YYYY-MM-DD', { field: 'date' });
  return {
    patient,
    type: { system: type.system, code: type.code, display: type.display },
    category,
    title,
    description: description || null,
    clinicalDate: m.date ?? null,
    author: author || null,
  };
}

/**
 * Keeps the last path segment of a client filename, without control characters and without bidirectional-text
 * controls (an RLO makes `invoice\u202Efdp.exe` display as `invoiceexe.pdf`); the name is only ever metadata, so
 * C0 controls are dropped rather than refused.
 */
export function cleanFilename(name: string | null | undefined): string | null {
  if (!name) return null;
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = stripInvisibleControls(base.replace(/[\x00-\x1f]/g, '')).trim().slice(0, 255);
  return clean === '' || clean === '.' || clean === '..' ? null : clean;
}
