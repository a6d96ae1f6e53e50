import type { Attachment, DocumentReference, Identifier, Reference, Resource } from '@medplum/fhirtypes';
import type { NewDocumentMetadata } from '../domain/document.ts';
import { findType, SNOMED, type DocumentValueSet } from '../domain/document-types.ts';
import { AppError } from '../domain/errors.ts';
import { UPLOAD_FIELD_MAX_LENGTH } from '../domain/upload-fields.ts';
import { SHA256_EXTENSION } from '../fhir/systems.ts';
import { patientOf } from './patient.ts';

/** What a submitted DocumentReference asks the store to keep, and what its bytes must be. */
export interface SubmittedDocument {
  meta: NewDocumentMetadata;
  /** The FHIRPath each metadata field was read from, for refusals the domain rules raise (by field). */
  paths: Record<string, string>;
  /** Where the bytes are: a Binary of the bundle (its fullUrl), or inline in the attachment. */
  source: { kind: 'binary'; url: string } | { kind: 'inline' };
  /** attachment.contentType, when given. */
  declaredType: string | null;
  /** What the attachment says of its bytes (hex digests), each checked when given. */
  expected: { sha1: string | null; sha256: string | null; size: number | null };
  /** The Document Source's own identifier for the document (its uniqueId), kept with the SubmissionSet's entry. */
  masterIdentifier: Identifier | null;
  attachmentPath: string;
}

/**
 * Reads one ITI-65 DocumentReference (Comprehensive or Minimal Metadata) into the store's upload metadata: the patient
 * (patient.ts), the SNOMED CT type and category, a title (attachment.title, else description, else the type's
 * display), the clinical date (context.period.start, else attachment.creation, at day precision), the author, and one
 * attachment. `at` is the resource's FHIRPath (`Bundle.entry[1].resource`). A refusal is an AppError whose
 * `field` is the FHIRPath of what is wrong.
 */
export function readDocumentReference(dr: DocumentReference, at: string, valueSet: DocumentValueSet): SubmittedDocument {
  if (dr.status !== 'current') throw bad(`${at}.status`, `status must be current (a new document), not ${String(dr.status).slice(0, 40)}`);
  if (dr.relatesTo?.length) throw notSupported(`${at}.relatesTo`, 'replacing or transforming a document (relatesTo) is not supported: send it as a new version through POST /v1/documents/{id}/versions');
  if (!Array.isArray(dr.content) || dr.content.length !== 1) throw notSupported(`${at}.content`, 'each DocumentReference must have exactly one content (this store keeps one file per document)');
  const attachmentPath = `${at}.content[0].attachment`;
  const a: Attachment = dr.content[0]?.attachment ?? {};
  const source = sourceOf(a, attachmentPath);
  const patient = patientOf(dr.subject, dr.contained, `${at}.subject`);
  const typeCoding = dr.type?.coding?.find((c) => c.system === SNOMED) ?? null;
  if (!typeCoding?.code) throw new AppError('unknown_document_type', `${at}.type must hold a SNOMED CT (${SNOMED}) coding from the value set (GET /v1/document-types)`, { field: `${at}.type` });
  const categoryCoding = (dr.category ?? []).flatMap((c) => c.coding ?? []).find((c) => c.system === SNOMED && c.code);
  const title = (a.title ?? dr.description ?? findType(valueSet, typeCoding.code)?.display ?? typeCoding.display ?? '').trim();
  const date = dayOf(dr.context?.period?.start) ?? dayOf(a.creation);
  const meta: NewDocumentMetadata = {
    patient,
    type: typeCoding.code,
    title,
    ...(dr.description ? { description: dr.description } : {}),
    // a category outside SNOMED CT (an XDS classCode in another system) cannot be mapped: the type's default applies
    ...(categoryCoding ? { category: categoryCoding.code } : {}),
    ...(date ? { date } : {}),
    ...authorOf(dr.author?.[0], dr.contained),
  };
  const paths: Record<string, string> = {
    patient: `${at}.subject`,
    type: `${at}.type`,
    category: `${at}.category`,
    title: a.title ? `${attachmentPath}.title` : dr.description ? `${at}.description` : `${at}.type`,
    description: `${at}.description`,
    date: dr.context?.period?.start ? `${at}.context.period.start` : `${attachmentPath}.creation`,
    author: `${at}.author`,
  };
  for (const [field, max] of Object.entries(UPLOAD_FIELD_MAX_LENGTH)) {
    const v = (meta as unknown as Record<string, unknown>)[field];
    if (typeof v === 'string' && v.length > max) throw bad(paths[field] ?? at, `${field} is longer than ${max} characters`);
  }
  return {
    meta,
    paths,
    source,
    declaredType: a.contentType ? a.contentType.split(';')[0]!.trim().toLowerCase() : null,
    expected: {
      sha1: a.hash === undefined ? null : sha1Of(a.hash, `${attachmentPath}.hash`),
      sha256: sha256Of(a, attachmentPath),
      size: a.size === undefined ? null : sizeOf(a.size, `${attachmentPath}.size`),
    },
    masterIdentifier: dr.masterIdentifier?.value ? { ...(dr.masterIdentifier.system ? { system: dr.masterIdentifier.system } : {}), value: dr.masterIdentifier.value } : null,
    attachmentPath,
  };
}

function sourceOf(a: Attachment, path: string): SubmittedDocument['source'] {
  if (a.data !== undefined) {
    if (a.url !== undefined) throw bad(path, 'the attachment has both data and url: send one');
    return { kind: 'inline' };
  }
  if (typeof a.url === 'string' && a.url.startsWith('urn:uuid:')) return { kind: 'binary', url: a.url };
  throw notSupported(`${path}.url`, 'the bytes must be in the bundle: attachment.data, or attachment.url naming a Binary entry by its urn:uuid: fullUrl (documents elsewhere are not fetched)');
}

/** A FHIR date or dateTime at day precision, else null (a year or a month alone is no clinical date). */
function dayOf(v: string | undefined): string | null {
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : null;
}

/** The author as the store keeps it: an ODS code or a name, from the reference, its identifier or a contained resource. */
function authorOf(ref: Reference | undefined, contained: Resource[] | undefined): { author?: string } {
  if (!ref) return {};
  const target = ref.reference?.startsWith('#') ? contained?.find((r) => r.id === ref.reference!.slice(1)) : undefined;
  const fromTarget = (): string | undefined => {
    if (!target) return undefined;
    if (target.resourceType === 'Organization') return target.identifier?.[0]?.value ?? target.name;
    if (target.resourceType === 'Practitioner') {
      const n = target.name?.[0];
      return n?.text ?? [...(n?.prefix ?? []), ...(n?.given ?? []), n?.family].filter(Boolean).join(' ');
    }
    return undefined;
  };
  const v = (ref.identifier?.value ?? ref.display ?? fromTarget())?.trim();
  return v ? { author: v } : {};
}

function sha1Of(b64: string, path: string): string {
  const bytes = Buffer.from(b64, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || bytes.length !== 20) throw bad(path, 'attachment.hash must be the SHA-1 of the bytes, base64 (20 bytes), as FHIR R4 defines it');
  return bytes.toString('hex');
}

function sha256Of(a: Attachment, path: string): string | null {
  const ext = a.extension?.find((e) => e.url === SHA256_EXTENSION);
  if (!ext) return null;
  const v = String(ext.valueString ?? '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) throw bad(`${path}.extension`, `the ${SHA256_EXTENSION} extension must hold the hex SHA-256 of the bytes`);
  return v;
}

function sizeOf(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(path, 'attachment.size must be a whole number of bytes');
  return v;
}

const bad = (path: string, message: string) => new AppError('validation_failed', `${path}: ${message}`, { field: path });
const notSupported = (path: string, message: string) => new AppError('invalid_bundle', `${path}: ${message}`, { field: path, notSupported: true });
