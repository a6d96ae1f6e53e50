import type { DocumentStatus, ScanStatus } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';

/**
 * The rules of reading a document and its bytes, written once, as data: the TypeScript paths evaluate them here
 * (access.ts), and the one-statement download-URL path compiles the same conditions to SQL (repository.ts
 * readVersionsAudited), so the two cannot say different things. Hand-written rather than a policy engine: five
 * conditions over eight facts, which must also run inside one PostgreSQL statement.
 */

/** Who reads: their patient scope (null: every patient), a usable break-glass reason, what else they may do. */
export interface Reader {
  patients: string[] | null;
  /** The stated break-glass reason, when this is a read and the reader may use it; else null. */
  breakGlass: string | null;
  /** Whether a break-glass header was sent at all (even where it cannot be used: it changes the refusal's words). */
  breakGlassAsked: boolean;
  /** May read an entered-in-error document's bytes, for review (document:delete: records managers and admins). */
  canDelete: boolean;
}

export interface ReadFacts {
  reader: Reader;
  /** Only the patient is known when a patient's documents are listed (the 'patient' stage). */
  doc: { id?: string; patient: string; status?: DocumentStatus; disposalId?: string | null };
  version?: { version: number; quarantinedAt: Date | null; scanStatus: ScanStatus } | undefined;
}

/** The facts the conditions may name; the download-URL statement maps each one to a column. */
export type Fact =
  | 'reader.patients'
  | 'reader.breakGlass'
  | 'reader.canDelete'
  | 'doc.patient'
  | 'doc.status'
  | 'doc.disposalId'
  | 'version.quarantinedAt'
  | 'version.scanStatus';

export type Condition =
  | { absent: Fact }
  | { present: Fact }
  | { isTrue: Fact }
  | { equals: Fact; value: string }
  | { member: Fact; of: Fact }
  | { anyOf: Condition[] };

/** patient, document: whether the caller may see the patient's documents, this one; bytes, version: read its bytes. */
export type Stage = 'patient' | 'document' | 'bytes' | 'version';

export interface ReadRule {
  name: string;
  stage: Stage;
  allows: Condition;
  refusal(f: ReadFacts): AppError;
}

export const READ_RULES: readonly ReadRule[] = [
  {
    name: "the patient is in the reader's scope, or the reader states a break-glass reason",
    stage: 'patient',
    allows: { anyOf: [{ absent: 'reader.patients' }, { member: 'doc.patient', of: 'reader.patients' }, { present: 'reader.breakGlass' }] },
    refusal: (f) => new AppError('patient_forbidden', f.reader.breakGlassAsked ? 'break-glass allows reading a patient outside your scope, nothing else' : undefined),
  },
  {
    name: 'the document is not under an approved disposal',
    stage: 'document',
    allows: { absent: 'doc.disposalId' },
    refusal: (f) => new AppError('document_disposed', 'the document is being disposed of under an approved disposal; see its certificate of destruction', { certificate: f.doc.disposalId }),
  },
  {
    name: "the document is current, or the reader reviews entered-in-error documents",
    stage: 'bytes',
    allows: { anyOf: [{ equals: 'doc.status', value: 'current' }, { isTrue: 'reader.canDelete' }] },
    refusal: () => new AppError('document_entered_in_error'),
  },
  {
    name: "the version's bytes have not failed an integrity check",
    stage: 'version',
    allows: { absent: 'version.quarantinedAt' },
    refusal: (f) => {
      const at = f.version!.quarantinedAt!;
      return new AppError(
        'content_quarantined',
        `version ${f.version!.version} of document ${f.doc.id} failed its integrity check on ${at.toISOString()}; downloads are refused until it is repaired (quill-docstore scrub --repair)`,
        { failedAt: at.toISOString() },
      );
    },
  },
  {
    name: "the version's bytes were not found infected by a malware scan and are not waiting for one",
    stage: 'version',
    allows: { anyOf: [{ equals: 'version.scanStatus', value: 'clean' }, { equals: 'version.scanStatus', value: 'not-scanned' }] },
    refusal: (f) => {
      const { version, scanStatus } = f.version!;
      return new AppError(
        'content_quarantined',
        scanStatus === 'pending'
          ? `version ${version} of document ${f.doc.id} was stored while the malware scanner was unavailable; it is served to nobody until a scan clears it (quill-docstore rescan)`
          : `version ${version} of document ${f.doc.id} was found to contain malware by a later scan; downloads are refused and its bytes are kept for investigation`,
        { scanStatus },
      );
    },
  },
];

function valueOf(f: ReadFacts, fact: Fact): unknown {
  switch (fact) {
    case 'reader.patients':
      return f.reader.patients;
    case 'reader.breakGlass':
      return f.reader.breakGlass;
    case 'reader.canDelete':
      return f.reader.canDelete;
    case 'doc.patient':
      return f.doc.patient;
    case 'doc.status':
      return f.doc.status ?? null;
    case 'doc.disposalId':
      return f.doc.disposalId ?? null;
    case 'version.quarantinedAt':
      return f.version?.quarantinedAt ?? null;
    case 'version.scanStatus':
      return f.version?.scanStatus ?? null;
  }
}

export function holds(c: Condition, f: ReadFacts): boolean {
  if ('anyOf' in c) return c.anyOf.some((x) => holds(x, f));
  if ('absent' in c) return valueOf(f, c.absent) === null;
  if ('present' in c) return valueOf(f, c.present) !== null;
  if ('isTrue' in c) return valueOf(f, c.isTrue) === true;
  if ('equals' in c) return valueOf(f, c.equals) === c.value;
  const list = valueOf(f, c.of);
  return Array.isArray(list) && list.includes(valueOf(f, c.member));
}

/** Throws the refusal of the first rule of these stages that the facts break. */
export function enforceReadRules(f: ReadFacts, stages: readonly Stage[]): void {
  for (const rule of READ_RULES) if (stages.includes(rule.stage) && !holds(rule.allows, f)) throw rule.refusal(f);
}

/** Whether the reader reaches the document's patient without break-glass. */
export const inScope = (f: ReadFacts): boolean => f.reader.patients === null || f.reader.patients.includes(f.doc.patient);
