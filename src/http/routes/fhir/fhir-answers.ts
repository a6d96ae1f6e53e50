import type { Bundle, CapabilityStatement, DocumentReference, List, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { Type, type TUnsafe } from 'typebox';

/**
 * FHIR R4 answers (application/fhir+json). The schemas name each resource's type and a Bundle's frame; the rest of a
 * resource is as FHIR R4 defines it and is not restated here (its TypeScript type is @medplum/fhirtypes').
 */
const resource = <R extends Resource>(resourceType: R['resourceType'], description: string): TUnsafe<R> =>
  Type.Unsafe<R>({ type: 'object', required: ['resourceType'], properties: { resourceType: { type: 'string', const: resourceType } }, additionalProperties: true, description });

export const capabilityStatementAnswer = resource<CapabilityStatement>('CapabilityStatement', 'FHIR R4 CapabilityStatement');
export const documentReferenceAnswer = resource<DocumentReference>('DocumentReference', 'FHIR R4 DocumentReference');
export const listAnswer = resource<List>('List', 'FHIR R4 List: an IHE MHD SubmissionSet');
export const operationOutcomeAnswer = resource<OperationOutcome>(
  'OperationOutcome',
  'FHIR R4 OperationOutcome: each issue names the bundle entry (expression) and carries the stable error code (details.coding, system https://quill-docstore.nhs.example/problems)',
);

/** The answer to an ITI-65 transaction: one entry per request entry, in order, each with its 201, location and etag. */
export const transactionResponseAnswer = Type.Unsafe<Bundle>({
  type: 'object',
  description: 'FHIR R4 transaction-response Bundle',
  required: ['resourceType', 'type', 'entry'],
  properties: {
    resourceType: { type: 'string', const: 'Bundle' },
    type: { type: 'string', const: 'transaction-response' },
    entry: {
      type: 'array',
      items: {
        type: 'object',
        required: ['response'],
        properties: {
          response: {
            type: 'object',
            required: ['status'],
            properties: { status: { type: 'string' }, location: { type: 'string' }, etag: { type: 'string' }, lastModified: { type: 'string' } },
          },
        },
      },
    },
  },
  additionalProperties: true,
});

/** An ITI-65 request body: a FHIR R4 transaction Bundle (read as a stream, so only documented, not validated here). */
export const transactionBundleBody = {
  required: true,
  // application/json is read too; FHIR's own media type is the one documented (one body, one model for generators)
  content: {
    'application/fhir+json': {
      schema: {
        type: 'object',
        description: 'FHIR R4 transaction Bundle: one MHD SubmissionSet List, DocumentReferences, Binaries (base64 data) referenced by urn:uuid from attachment.url, or inline attachment.data',
        required: ['resourceType', 'type', 'entry'],
        properties: { resourceType: { type: 'string', const: 'Bundle' }, type: { type: 'string', const: 'transaction' }, entry: { type: 'array', items: { type: 'object' } } },
      },
    },
  },
};

/** A searchset Bundle of `entries` (DocumentReference, AuditEvent), with its self/next/previous links. */
export const searchsetAnswer = (entries: string) =>
  Type.Unsafe<Bundle>({
    type: 'object',
    description: `FHIR R4 searchset Bundle of ${entries}`,
    required: ['resourceType', 'type', 'link', 'entry'],
    properties: {
      resourceType: { type: 'string', const: 'Bundle' },
      type: { type: 'string', const: 'searchset' },
      total: { type: 'integer' },
      link: { type: 'array', items: { type: 'object', required: ['relation', 'url'], properties: { relation: { type: 'string' }, url: { type: 'string' } } } },
      entry: {
        type: 'array',
        items: {
          type: 'object',
          required: ['resource'],
          properties: {
            fullUrl: { type: 'string' },
            resource: { type: 'object', required: ['resourceType'], properties: { resourceType: { type: 'string', const: entries } }, additionalProperties: true },
            search: { type: 'object', properties: { mode: { type: 'string', const: 'match' } } },
          },
        },
      },
    },
    additionalProperties: true,
  });

/** The answer's media type: the service writes FHIR as application/fhir+json. */
export const fhirJson = <S>(schema: S, description: string) => ({ description, content: { 'application/fhir+json': { schema } } });
