import type { DocumentReference } from '@medplum/fhirtypes';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';
import { FORMAT_SYSTEM, masterIdentifier, NHS_NUMBER_SYSTEM, ODS_SYSTEM, RETENTION_EXTENSION, SHA256_EXTENSION, URI_SYSTEM } from './systems.ts';

export interface MappingContext {
  /** This service's base URL: attachment.url points at its retrieve endpoint, never at a presigned store URL. */
  baseUrl: string;
  odsCode: string;
  /** On a remote server, the Patient resource the subject references. */
  patientReference?: string | undefined;
}

/**
 * One DocumentReference per document, updated in place: a new version replaces the attachment and bumps
 * meta.versionId; entered-in-error sets status and docStatus. Follows the NRL / UK Core conventions.
 */
export function toDocumentReference(doc: DocumentRecord, v: DocumentVersion, m: MappingContext): DocumentReference {
  const entered = doc.status === 'entered-in-error';
  const author = doc.author ?? m.odsCode;
  return {
    resourceType: 'DocumentReference',
    id: doc.id,
    meta: { lastUpdated: doc.updatedAt.toISOString() },
    extension: [
      {
        url: RETENTION_EXTENSION,
        extension: [{ url: 'retentionClass', valueCode: doc.retentionClass }, ...(doc.retainUntil ? [{ url: 'retainUntil', valueDate: doc.retainUntil }] : [])],
      },
    ],
    masterIdentifier: { system: URI_SYSTEM, value: masterIdentifier(doc.id) },
    identifier: [{ system: URI_SYSTEM, value: masterIdentifier(doc.id) }],
    status: entered ? 'entered-in-error' : 'current',
    docStatus: entered ? 'entered-in-error' : 'final',
    type: { coding: [{ system: doc.type.system, code: doc.type.code, display: doc.type.display }], text: doc.type.display },
    ...(doc.category ? { category: [{ coding: [{ system: doc.category.system, code: doc.category.code, display: doc.category.display }] }] } : {}),
    subject: {
      ...(m.patientReference ? { reference: m.patientReference } : {}),
      identifier: { system: NHS_NUMBER_SYSTEM, value: doc.patient },
    },
    date: doc.createdAt.toISOString(),
    author: [/^[A-Z0-9]{3,10}$/.test(author) ? { identifier: { system: ODS_SYSTEM, value: author } } : { display: author }],
    custodian: { identifier: { system: ODS_SYSTEM, value: m.odsCode } },
    ...(doc.description ? { description: doc.description } : {}),
    securityLabel: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' }] }],
    content: [
      {
        attachment: {
          contentType: v.contentType,
          language: 'en-GB',
          url: `${m.baseUrl}/v1/documents/${doc.id}/content`,
          size: v.size,
          hash: Buffer.from(v.sha1, 'hex').toString('base64'),
          title: doc.title,
          creation: (doc.clinicalDate ?? v.createdAt.toISOString().slice(0, 10)),
          extension: [{ url: SHA256_EXTENSION, valueString: v.sha256 }],
        },
        format: { system: FORMAT_SYSTEM, code: 'urn:nhs-ic:unstructured', display: 'Unstructured Document' },
      },
    ],
    // the clinical date is one day: a Period with no end would be open-ended and match every later date search
    ...(doc.clinicalDate ? { context: { period: { start: doc.clinicalDate, end: doc.clinicalDate } } } : {}),
  };
}
