import type { Extension, Identifier, List, ListEntry } from '@medplum/fhirtypes';
import { AppError } from '../domain/errors.ts';
import { masterIdentifier, NHS_NUMBER_SYSTEM, URI_SYSTEM } from '../fhir/systems.ts';
import { patientOf } from './patient.ts';

/** IHE MHD's List types (SubmissionSet, Folder); the http:// spelling is what earlier MHD versions published. */
export const MHD_LIST_TYPES = ['https://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes', 'http://profiles.ihe.net/ITI/MHD/CodeSystem/MHDlistTypes'];
const SOURCE_ID_EXTENSION = 'https://profiles.ihe.net/ITI/MHD/StructureDefinition/ihe-sourceId';

/** What kind of MHD List this is, by its code. */
export function listKind(list: List): 'submissionset' | 'folder' | null {
  const coding = list.code?.coding?.find((c) => c.system !== undefined && MHD_LIST_TYPES.includes(c.system));
  return coding?.code === 'submissionset' || coding?.code === 'folder' ? coding.code : null;
}

/** A SubmissionSet as the store keeps it (migration 015): searched columns beside the List as received. */
export interface SubmissionSet {
  id: string;
  patient: string;
  status: string;
  code: string;
  /** Its uniqueId (the identifier whose use is `usual`): a second bundle with the same one is refused. */
  uniqueId: string | null;
  /** Every identifier, as `system|value` and as the bare value (the two forms of a token search). */
  identifiers: string[];
  sourceId: string | null;
  date: Date;
  /** The List as received, without id, meta and entry (each entry is a row naming the document it delivered). */
  resource: List;
}

/** One entry of a kept SubmissionSet: the document it delivered (null once disposed of), and its submitted identifier. */
export interface SubmissionSetEntry {
  documentId: string | null;
  submittedIdentifier: Identifier | null;
}

/**
 * Reads the SubmissionSet of an ITI-65 bundle (`at` its FHIRPath). Its patient, when it names one, must be the
 * documents' (checked by the caller); Minimal Metadata may leave it out, and the documents' patient is used.
 */
export function readSubmissionSet(list: List, at: string, id: string, now: Date): { set: Omit<SubmissionSet, 'patient'>; patient: string | null } {
  if (list.status !== 'current') throw new AppError('validation_failed', `${at}.status: a SubmissionSet's status must be current`, { field: `${at}.status` });
  const patient = list.subject ? patientOf(list.subject, list.contained, `${at}.subject`) : null;
  const identifiers = (list.identifier ?? []).filter((i) => i.value);
  const uniqueId = identifiers.find((i) => i.use === 'usual') ?? null;
  const date = list.date ? new Date(list.date) : now;
  if (Number.isNaN(date.getTime())) throw new AppError('validation_failed', `${at}.date is not a FHIR dateTime`, { field: `${at}.date` });
  const { id: _id, meta: _meta, entry: _entry, ...rest } = list;
  return {
    patient,
    set: {
      id,
      status: list.status,
      code: 'submissionset',
      uniqueId: uniqueId ? tokenOf(uniqueId) : null,
      identifiers: identifiers.flatMap((i) => [tokenOf(i), i.value!]),
      sourceId: list.extension?.find((e: Extension) => e.url === SOURCE_ID_EXTENSION)?.valueIdentifier?.value ?? null,
      date,
      resource: { ...rest, resourceType: 'List', date: list.date ?? now.toISOString() },
    },
  };
}

const tokenOf = (i: Identifier): string => `${i.system ?? ''}|${i.value}`;

/**
 * The kept SubmissionSet as this service's /fhir answers it (ITI-66): the List as received, its subject naming the
 * patient by NHS number, each entry referencing the DocumentReference the store made (the Document Source's own
 * identifier for it beside the reference), or marked deleted once the document was disposed of.
 */
export function listResource(set: SubmissionSet & { createdAt: Date }, entries: SubmissionSetEntry[]): List {
  return {
    ...set.resource,
    resourceType: 'List',
    id: set.id,
    meta: { versionId: '1', lastUpdated: set.createdAt.toISOString() },
    subject: subjectOf(set),
    entry: entries.map(
      (e): ListEntry =>
        e.documentId
          ? { item: { reference: `DocumentReference/${e.documentId}`, ...(e.submittedIdentifier ? { identifier: e.submittedIdentifier } : {}) } }
          : { deleted: true, item: e.submittedIdentifier ? { identifier: e.submittedIdentifier } : { display: 'a document since disposed of' } },
    ),
  };
}

/**
 * The same List for a remote FHIR server: its subject the server's Patient, each entry a logical reference by the
 * store's identifier for the document (never a literal one, so the server's referential integrity never holds back the
 * removal of a DocumentReference at disposal), tagged as this deployment's.
 */
export function remoteListResource(set: SubmissionSet, entries: SubmissionSetEntry[], patientReference: string, tag: { system: string; code: string }): List & { id: string } {
  // a contained Patient the subject named is replaced by the server's Patient (an unreferenced contained resource is invalid)
  const subjectRef = set.resource.subject?.reference;
  const contained = set.resource.contained?.filter((r) => !(subjectRef?.startsWith('#') && r.id === subjectRef.slice(1)));
  const { contained: _c, ...resource } = set.resource;
  return {
    ...resource,
    ...(contained?.length ? { contained } : {}),
    resourceType: 'List',
    id: set.id,
    meta: { tag: [tag] },
    subject: { reference: patientReference, identifier: { system: NHS_NUMBER_SYSTEM, value: set.patient } },
    entry: entries.map(
      (e): ListEntry =>
        e.documentId
          ? { item: { type: 'DocumentReference', identifier: { system: URI_SYSTEM, value: masterIdentifier(e.documentId) } } }
          : { deleted: true, item: e.submittedIdentifier ? { identifier: e.submittedIdentifier } : { display: 'a document since disposed of' } },
    ),
  };
}

/** The subject as received (a contained Patient's reference is kept: contained resources must stay referenced), with the NHS number. */
function subjectOf(set: SubmissionSet): List['subject'] {
  const ref = set.resource.subject?.reference;
  return { ...(ref && !ref.startsWith('urn:') ? { reference: ref } : {}), identifier: { system: NHS_NUMBER_SYSTEM, value: set.patient } };
}
