import type { Bundle, CapabilityStatement, DocumentReference, Resource } from '@medplum/fhirtypes';
import { Type, type TUnsafe } from 'typebox';

/**
 * FHIR R4 answers (application/fhir+json). The schemas name each resource's type and a Bundle's frame; the rest of a
 * resource is as FHIR R4 defines it and is not restated here (its TypeScript type is @medplum/fhirtypes').
 */
const resource = <R extends Resource>(resourceType: R['resourceType'], description: string): TUnsafe<R> =>
  Type.Unsafe<R>({ type: 'object', required: ['resourceType'], properties: { resourceType: { type: 'string', const: resourceType } }, additionalProperties: true, description });

export const capabilityStatementAnswer = resource<CapabilityStatement>('CapabilityStatement', 'FHIR R4 CapabilityStatement');
export const documentReferenceAnswer = resource<DocumentReference>('DocumentReference', 'FHIR R4 DocumentReference');

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
