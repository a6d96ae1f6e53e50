// Small rendering helpers in the NHS design system's markup (nhsuk-frontend classes), and the page's escaping.

/** Escapes text for HTML. Every value from the API or the user goes through this. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const $ = <T extends Element = HTMLElement>(sel: string, root: ParentNode = document): T => {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`missing ${sel}`);
  return el;
};

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
