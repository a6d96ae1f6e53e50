export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const URI_SYSTEM = 'urn:ietf:rfc:3986';
/** Our extension carrying the attachment's SHA-256 (R4 Attachment.hash is SHA-1). */
export const SHA256_EXTENSION = 'https://quill-docstore.nhs.example/fhir/StructureDefinition/attachment-sha256';
export const FORMAT_SYSTEM = 'https://fhir.nhs.uk/England/CodeSystem/England-NRLFormatCode';
export const masterIdentifier = (documentId: string): string => `urn:uuid:${documentId}`;
/** meta.tag on every resource this service writes to a remote server. */
export const OWNER_TAG = { system: 'https://quill-docstore.nhs.example/fhir/CodeSystem/owner', code: 'quill-docstore' };
