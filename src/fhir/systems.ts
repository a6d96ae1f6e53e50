export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const URI_SYSTEM = 'urn:ietf:rfc:3986';
/** Our extension carrying the attachment's SHA-256 (R4 Attachment.hash is SHA-1). */
export const SHA256_EXTENSION = 'https://quill-docstore.nhs.example/fhir/StructureDefinition/attachment-sha256';
export const FORMAT_SYSTEM = 'https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode';
export const masterIdentifier = (documentId: string): string => `urn:uuid:${documentId}`;
export const OWNER_SYSTEM = 'https://quill-docstore.nhs.example/fhir/CodeSystem/owner';
/**
 * meta.tag on every resource this deployment writes to a remote server: scoped to the deployment (its database's
 * id), so two deployments sharing one FHIR server (staging and live, or two trusts) never claim each other's.
 */
export const ownerTag = (deploymentId: string) => ({ system: OWNER_SYSTEM, code: `quill-docstore:${deploymentId}` });
/** The tag written before ownership was scoped per deployment: such resources are adopted only if ours by identifier. */
export const LEGACY_OWNER_TAG = { system: OWNER_SYSTEM, code: 'quill-docstore' };
/**
 * Our extension on DocumentReference carrying records-management retention: `retentionClass` (code) and
 * `retainUntil` (date; absent while retention is open-ended). An extension, not DocumentReference.context: context
 * describes the clinical circumstances of the document (encounter, event, period, facility, setting) and neither R4
 * nor UK Core has an element for how long the record must be kept.
 */
export const RETENTION_EXTENSION = 'https://quill-docstore.nhs.example/fhir/StructureDefinition/retention';
