// The wording of refusals: what a person reads for each stable error code the service (or the page) reports.
import { formatBytes } from './format.ts';

const messages: Record<string, string> = {
  invalid_nhs_number: 'Enter a valid 10-digit NHS number. Check the number, including the last digit.',
  unsupported_media_type: 'This type of file is not accepted. Upload a PDF, JPEG, PNG, TIFF or plain text file.',
  content_type_mismatch: 'The file’s contents do not match its type (for example, a PNG named .pdf). Choose the original file.',
  payload_too_large: 'The file is larger than the upload limit.',
  digest_mismatch: 'The file was changed or damaged on the way: its SHA-256 does not match. Nothing was saved. Try again.',
  checksum_mismatch: 'Part of the file was damaged on the way and was refused. Try again.',
  empty_body: 'The file is empty.',
  forbidden: 'You do not have permission to do this.',
  patient_forbidden: 'You do not have access to this patient’s records.',
  unauthenticated: 'Your session has ended. Sign in again.',
  invalid_token: 'Your session has ended. Sign in again.',
  not_found: 'This record could not be found.',
  unknown_document_type: 'Select a document type from the list.',
  validation_failed: 'Some of the details are not valid.',
  document_entered_in_error: 'This document has been marked as entered in error and cannot be changed.',
  already_entered_in_error: 'This document is already marked as entered in error.',
  upload_gone: 'The upload expired or was cancelled. Start it again.',
  storage_unavailable: 'Document storage is unavailable at the moment. Try again in a few minutes.',
  integrity_failure: 'The stored file failed its integrity check. It has not been shown. Contact the records team.',
  malware_detected: 'This file contains malware, so it has not been saved. Do not open or send it again; tell your IT security team where it came from.',
  scanner_unavailable: 'Files cannot be checked for malware at the moment, so nothing was saved. Try again in a few minutes.',
  content_quarantined: 'This file is held back and cannot be opened: it failed a check (of its integrity, or for malware), or is still waiting for its malware scan. Contact the records team.',
  network_error: 'The connection was lost. Check your connection and try again.',
};

export function messageFor(e: unknown): string {
  const err = e as { code?: string; message?: string; name?: string; problem?: { detail?: string; signature?: string } | null };
  if (err?.name === 'IntegrityError') return 'The downloaded file does not match the SHA-256 recorded when it was filed, so it has not been shown.';
  const base = (err?.code && messages[err.code]) || err?.message || 'Something went wrong.';
  const detail = err?.problem?.detail;
  if (err?.code === 'malware_detected' && err.problem?.signature) return `${base} The scanner found: ${err.problem.signature}.`;
  return err?.code === 'validation_failed' && detail ? `${base} ${detail}` : base;
}

/** A file refused before anything is sent: larger than the service's upload limit. */
export const tooLarge = (size: number, limit: number): string => `The file is ${formatBytes(size)}; the limit is ${formatBytes(limit)}`;
