// Small rendering helpers in the NHS design system's markup (nhsuk-frontend classes), and the wording of refusals.

/** Escapes text for HTML. Every value from the API or the user goes through this. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document): T => {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};

export function formatBytes(n: number | undefined): string {
  if (n === undefined) return '';
  if (n < 1024) return `${n} bytes`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatDate(d: string | null | undefined): string {
  if (!d) return 'Not recorded';
  const date = new Date(d.length === 10 ? `${d}T00:00:00Z` : d);
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export function formatDateTime(d: string | null | undefined): string {
  if (!d) return '';
  return new Date(d).toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export const spacedNhs = (n: string): string => (/^\d{10}$/.test(n) ? `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}` : n);

/** What a person should read for each stable error code the service (or the page) reports. */
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
  network_error: 'The connection was lost. Check your connection and try again.',
};

export function messageFor(e: unknown): string {
  const err = e as { code?: string; message?: string; name?: string; problem?: { detail?: string } | null };
  if (err?.name === 'IntegrityError') return 'The downloaded file does not match the SHA-256 recorded when it was filed, so it has not been shown.';
  const base = (err?.code && messages[err.code]) || err?.message || 'Something went wrong.';
  const detail = err?.problem?.detail;
  return err?.code === 'validation_failed' && detail ? `${base} ${detail}` : base;
}

export function errorSummary(items: { message: string; href?: string }[]): string {
  if (!items.length) return '';
  return `<div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1">
    <h2 class="nhsuk-error-summary__title" id="error-summary-title">There is a problem</h2>
    <div class="nhsuk-error-summary__body"><ul class="nhsuk-list nhsuk-error-summary__list">
      ${items.map((i) => `<li>${i.href ? `<a href="${esc(i.href)}">${esc(i.message)}</a>` : esc(i.message)}</li>`).join('')}
    </ul></div></div>`;
}

/** Shows an error summary at the top of `host` and moves focus to it (as the NHS pattern asks). */
export function showErrors(host: HTMLElement, items: { message: string; href?: string }[]): void {
  host.innerHTML = errorSummary(items);
  host.querySelector<HTMLElement>('.nhsuk-error-summary')?.focus();
}

export function statusTag(status: string | undefined): string {
  return status === 'entered-in-error' ? '<strong class="nhsuk-tag nhsuk-tag--red">Entered in error</strong>' : '<strong class="nhsuk-tag nhsuk-tag--green">Current</strong>';
}

export function summaryList(rows: [string, string][]): string {
  return `<dl class="nhsuk-summary-list">${rows
    .map(([k, v]) => `<div class="nhsuk-summary-list__row"><dt class="nhsuk-summary-list__key">${esc(k)}</dt><dd class="nhsuk-summary-list__value">${v}</dd></div>`)
    .join('')}</dl>`;
}

export function insetText(html: string, id?: string): string {
  return `<div class="nhsuk-inset-text"${id ? ` id="${id}"` : ''}><span class="nhsuk-u-visually-hidden">Information: </span>${html}</div>`;
}
