/**
 * Every failure the service reports has a stable machine-readable code, an HTTP status and a title.
 * The HTTP layer turns an AppError into an RFC 9457 problem+json body; nothing else maps errors to HTTP.
 */
export const ErrorCodes = {
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalid_token: { status: 401, title: 'The bearer token is invalid or expired' },
  forbidden: { status: 403, title: 'Not permitted' },
  patient_forbidden: { status: 403, title: 'Not permitted for this patient' },
  not_found: { status: 404, title: 'Not found' },
  validation_failed: { status: 400, title: 'The request is not valid' },
  invalid_nhs_number: { status: 400, title: 'The NHS number is not valid' },
  unknown_patient_identifier_system: { status: 400, title: 'The patient is not identified by an NHS number' },
  unknown_document_type: { status: 400, title: 'Unknown document type' },
  unknown_category: { status: 400, title: 'Unknown document category' },
  empty_body: { status: 400, title: 'The document is empty' },
  payload_too_large: { status: 413, title: 'The document is larger than the upload limit' },
  unsupported_media_type: { status: 415, title: 'This type of document is not accepted' },
  content_type_mismatch: { status: 415, title: 'The declared type does not match the bytes' },
  digest_mismatch: { status: 400, title: 'The content digest does not match the bytes received' },
  size_mismatch: { status: 400, title: 'The declared size does not match the bytes received' },
  invalid_bundle: { status: 400, title: 'The FHIR Bundle is not an acceptable ITI-65 Provide Document Bundle' },
  invalid_digest_header: { status: 400, title: 'The digest header is malformed' },
  upload_aborted: { status: 400, title: 'The upload ended before it was complete' },
  invalid_multipart: { status: 400, title: 'The multipart/form-data body is not acceptable' },
  digest_unsupported: { status: 400, title: 'This digest cannot be checked for this kind of request' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this resource' },
  not_acceptable: { status: 406, title: 'No acceptable representation' },
  request_timeout: { status: 408, title: 'The request took too long to arrive' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  length_required: { status: 411, title: 'A Content-Length is required' },
  uri_too_long: { status: 414, title: 'The request URI is too long' },
  request_header_fields_too_large: { status: 431, title: 'The request headers are too large' },
  url_invalid: { status: 403, title: 'The download link is not valid' },
  url_expired: { status: 410, title: 'The download link has expired' },
  range_not_satisfiable: { status: 416, title: 'The requested range is outside the document' },
  already_entered_in_error: { status: 409, title: 'The document is already marked entered-in-error' },
  document_entered_in_error: { status: 409, title: 'The document is marked entered-in-error' },
  object_exists: { status: 409, title: 'An object already exists under that key' },
  retention_period_active: { status: 409, title: 'The document is within its retention period' },
  legal_hold: { status: 409, title: 'The document is under legal hold' },
  disposal_state: { status: 409, title: 'The disposal batch is not in a state that allows this' },
  four_eyes: { status: 403, title: 'A disposal must be approved by someone other than its proposer' },
  document_disposed: { status: 410, title: 'The document has been disposed of under the retention schedule' },
  unknown_retention_class: { status: 400, title: 'Unknown retention class' },
  upload_offset_conflict: { status: 409, title: 'Upload-Offset does not match the bytes already received' },
  upload_gone: { status: 410, title: 'The resumable upload has expired, finished or been terminated' },
  too_many_open_uploads: { status: 429, title: 'Too many resumable uploads are open for this user: finish or abandon (DELETE) one first' },
  upload_patch_too_small: { status: 400, title: 'A PATCH must carry at least Quill-Min-Patch-Size bytes unless it ends the upload' },
  tus_version_unsupported: { status: 412, title: 'Only tus 1.0.0 is supported' },
  checksum_mismatch: { status: 460, title: 'The Upload-Checksum does not match the bytes of this request' },
  integrity_failure: { status: 500, title: 'Stored bytes failed their integrity check' },
  malware_detected: { status: 422, title: 'The document contains malware and was not stored' },
  content_quarantined: { status: 409, title: 'This version\'s stored bytes are quarantined (an integrity failure, malware, or a malware scan still to come); downloads are refused' },
  storage_unavailable: { status: 503, title: 'A storage layer is unavailable' },
  scanner_unavailable: { status: 503, title: 'The malware scanner is unavailable; the upload was not stored' },
  temporarily_unavailable: { status: 503, title: 'The service could not finish this request now; retry it' },
  insufficient_storage: { status: 507, title: 'The blob store is out of space' },
  too_many_downloads: { status: 429, title: 'Too many downloads in progress for this user or link; retry when one has finished' },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ErrorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  /** Extra members for the problem document (e.g. the field that failed). Never secrets. */
  readonly extra: Record<string, unknown>;
  /** Seconds for a Retry-After header (503). */
  readonly retryAfter: number | undefined;
  /** What the refusal's audit row records beyond the error code (e.g. the malware found, the file's SHA-256). */
  readonly auditDetail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, detail?: string, extra: Record<string, unknown> = {}, opts: { cause?: unknown; retryAfter?: number; auditDetail?: Record<string, unknown> } = {}) {
    super(detail ?? ErrorCodes[code].title, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ErrorCodes[code].status;
    this.title = ErrorCodes[code].title;
    this.extra = extra;
    this.retryAfter = opts.retryAfter;
    this.auditDetail = opts.auditDetail;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
