import type { Bundle, BundleEntry, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { AppError, ErrorCode } from '../domain/errors.ts';

/**
 * The store's stable error codes as a FHIR code system: `<system>/<code>` is the problem type URI the rest of the
 * API answers with (application/problem+json `type`), so a FHIR client reads the same code a JSON client does.
 */
export const ERROR_CODE_SYSTEM = 'https://quill-docstore.nhs.example/problems';

/** A refusal, naming the bundle entry it is about (null: the bundle as a whole) and, in error.extra.field, the FHIRPath. */
export interface EntryIssue {
  entry: number | null;
  error: AppError;
}

/** FHIR's issue type for each of our codes (the closest; `processing` otherwise). */
const ISSUE_TYPE: Partial<Record<ErrorCode, OperationOutcomeIssue['code']>> = {
  forbidden: 'forbidden',
  patient_forbidden: 'forbidden',
  unauthenticated: 'login',
  invalid_nhs_number: 'value',
  unknown_patient_identifier_system: 'code-invalid',
  unknown_document_type: 'code-invalid',
  unknown_category: 'code-invalid',
  validation_failed: 'invalid',
  invalid_bundle: 'structure',
  digest_mismatch: 'invalid',
  size_mismatch: 'invalid',
  empty_body: 'required',
  payload_too_large: 'too-long',
  unsupported_media_type: 'not-supported',
  content_type_mismatch: 'invalid',
  conflict: 'duplicate',
  malware_detected: 'security',
  scanner_unavailable: 'transient',
  upload_aborted: 'incomplete',
  storage_unavailable: 'transient',
  temporarily_unavailable: 'transient',
  insufficient_storage: 'transient',
  internal_error: 'exception',
};

/** Every refusal of a bundle in one OperationOutcome, each issue naming its entry, where in it, and our code. */
export function operationOutcome(issues: EntryIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map(({ entry, error }): OperationOutcomeIssue => {
      const field = typeof error.extra.field === 'string' && error.extra.field.startsWith('Bundle') ? error.extra.field : entry === null ? 'Bundle' : `Bundle.entry[${entry}]`;
      const code = error.extra.notSupported === true ? 'not-supported' : (ISSUE_TYPE[error.code] ?? 'processing');
      return {
        severity: 'error',
        code,
        details: { coding: [{ system: ERROR_CODE_SYSTEM, code: error.code, display: error.title }], text: error.title },
        diagnostics: entry === null ? error.message : `entry ${entry}: ${error.message}`,
        expression: [field],
      };
    }),
  };
}

/** The HTTP status of a refused bundle: its first issue's (the bundle is refused as a whole). */
export const refusalStatus = (issues: EntryIssue[]): number => issues[0]?.error.status ?? 400;

export interface EntryResponse {
  location: string;
  lastModified: Date;
}

/** The transaction-response: one entry per request entry, in order, each created (201) with its location and version. */
export function transactionResponse(entries: EntryResponse[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction-response',
    entry: entries.map(
      (e): BundleEntry => ({ response: { status: '201 Created', location: e.location, etag: 'W/"1"', lastModified: e.lastModified.toISOString() } }),
    ),
  };
}
