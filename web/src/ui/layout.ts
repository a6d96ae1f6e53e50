// The frame around each screen: the window title, the main area, the breadcrumbs, and focus on the new heading.
import { $, esc } from './html.ts';

export const app = () => $('#app');

export function setTitle(h1: string): void {
  document.title = `${h1} – Quill Document Store`;
}

/** Moves focus to the new page's heading, so screen readers announce the change of screen. */
export function focusHeading(): void {
  const h = document.querySelector<HTMLElement>('main h1');
  if (h) {
    h.tabIndex = -1;
    h.focus();
  }
}

export function breadcrumbs(items: { href: string; text: string }[]): void {
  $('#breadcrumbs').innerHTML = items.length
    ? `<div class="nhsuk-breadcrumb"><ol class="nhsuk-breadcrumb__list">${items
        .map((i) => `<li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="${esc(i.href)}">${esc(i.text)}</a></li>`)
        .join('')}</ol></div>`
    : '';
}
