// A patient's documents: filtered by type, clinical date and (for records managers) entered-in-error, ten a page,
// newest filed first, with the upload form for those who may file documents.
import type { Document } from '../../../client/src/index.ts';
import { documentTypes, typeName } from '../document-types.ts';
import { can } from '../session.ts';
import { client, currentNavigation, superseded } from '../state.ts';
import { formatBytes, formatDate, spacedNhs } from '../ui/format.ts';
import { $, errorSummary, esc, showErrors, statusTag } from '../ui/html.ts';
import { app, breadcrumbs, focusHeading, setTitle } from '../ui/layout.ts';
import { messageFor } from '../ui/messages.ts';
import { uploadForm, wireUpload } from './upload.ts';

/** Stands for "the first page" in the stack of earlier pages' cursors (the first page has none). */
const FIRST = 'first';

export async function patientDocumentsView(nhs: string, q: URLSearchParams): Promise<void> {
  setTitle(`Documents for ${spacedNhs(nhs)}`);
  breadcrumbs([{ href: '#/', text: 'Find a patient' }]);
  const filters = { type: q.get('type') ?? '', from: q.get('from') ?? '', to: q.get('to') ?? '', eie: q.get('eie') === '1' };
  const cursor = q.get('cursor') ?? undefined;
  const prev = q.getAll('prev');
  app().innerHTML = `<h1>Documents for NHS number ${esc(spacedNhs(nhs))}</h1><div id="errors"></div><p class="nhsuk-body">Loading documents…</p>`;
  const nav = currentNavigation();
  let page: { items: Document[]; nextCursor: string | null };
  try {
    page = await client.list(nhs, { limit: 10, cursor, ...(filters.type ? { type: filters.type } : {}), ...(filters.from ? { from: filters.from } : {}), ...(filters.to ? { to: filters.to } : {}), ...(filters.eie ? { includeEnteredInError: true } : {}) });
    if (superseded(nav)) return;
  } catch (e) {
    if (superseded(nav)) return;
    app().innerHTML = `<h1>Documents for NHS number ${esc(spacedNhs(nhs))}</h1>${errorSummary([{ message: messageFor(e) }])}<p><a href="#/">Find another patient</a></p>`;
    app().querySelector<HTMLElement>('.nhsuk-error-summary')?.focus();
    return;
  }
  const link = (extra: Record<string, string | string[] | undefined>) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries({ type: filters.type, from: filters.from, to: filters.to, eie: filters.eie ? '1' : '', ...extra })) {
      for (const x of Array.isArray(v) ? v : [v]) if (x) p.append(k, x);
    }
    return `#/patients/${nhs}?${p}`;
  };
  const rows = page.items
    .map(
      (d) => `<tr class="nhsuk-table__row">
        <td class="nhsuk-table__cell">${esc(typeName(d))}</td>
        <td class="nhsuk-table__cell">${esc(formatDate(d.date))}</td>
        <td class="nhsuk-table__cell"><a href="#/documents/${esc(d.id)}">${esc(d.title)}</a></td>
        <td class="nhsuk-table__cell">${esc(d.version)}</td>
        <td class="nhsuk-table__cell">${esc(formatBytes(d.size))}</td>
        <td class="nhsuk-table__cell">${statusTag(d.status)}</td>
      </tr>`,
    )
    .join('');
  app().innerHTML = `
    <h1>Documents for NHS number ${esc(spacedNhs(nhs))}</h1>
    <div id="errors"></div>
    <form id="filters" class="quill-filters" novalidate aria-label="Filter documents">
      <div class="nhsuk-form-group">
        <label class="nhsuk-label" for="filter-type">Document type</label>
        <select class="nhsuk-select" id="filter-type" name="type"><option value="">All types</option>
          ${documentTypes().map((t) => `<option value="${esc(t.code)}"${t.code === filters.type ? ' selected' : ''}>${esc(t.display)}</option>`).join('')}
        </select>
      </div>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="filter-from">Clinical date from</label>
        <input class="nhsuk-input nhsuk-input--width-10" type="date" id="filter-from" name="from" value="${esc(filters.from)}"></div>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="filter-to">Clinical date to</label>
        <input class="nhsuk-input nhsuk-input--width-10" type="date" id="filter-to" name="to" value="${esc(filters.to)}"></div>
      ${can('document:delete')
        ? `<div class="nhsuk-form-group"><div class="nhsuk-checkboxes"><div class="nhsuk-checkboxes__item">
            <input class="nhsuk-checkboxes__input" id="filter-eie" name="eie" type="checkbox" value="1"${filters.eie ? ' checked' : ''}>
            <label class="nhsuk-label nhsuk-checkboxes__label" for="filter-eie">Include entered in error</label></div></div></div>`
        : ''}
      <button class="nhsuk-button nhsuk-button--secondary" type="submit">Apply filters</button>
    </form>
    ${page.items.length
      ? `<table class="nhsuk-table" id="documents">
          <caption class="nhsuk-table__caption">Documents, newest filed first</caption>
          <thead class="nhsuk-table__head"><tr class="nhsuk-table__row">
            <th class="nhsuk-table__header" scope="col">Type</th><th class="nhsuk-table__header" scope="col">Clinical date</th>
            <th class="nhsuk-table__header" scope="col">Title</th><th class="nhsuk-table__header" scope="col">Version</th>
            <th class="nhsuk-table__header" scope="col">Size</th><th class="nhsuk-table__header" scope="col">Status</th></tr></thead>
          <tbody class="nhsuk-table__body">${rows}</tbody></table>`
      : '<p class="nhsuk-body" id="no-documents">No documents match.</p>'}
    ${prev.length || page.nextCursor
      ? `<nav class="nhsuk-pagination" role="navigation" aria-label="Pagination"><ul class="nhsuk-list nhsuk-pagination__list">
          ${prev.length ? `<li class="nhsuk-pagination-item--previous"><a class="nhsuk-pagination__link nhsuk-pagination__link--prev" href="${esc(link({ cursor: prev.at(-1) === FIRST ? undefined : prev.at(-1), prev: prev.slice(0, -1) }))}"><span class="nhsuk-pagination__title">Previous</span><span class="nhsuk-u-visually-hidden">:</span> <span class="nhsuk-pagination__page">Newer documents</span></a></li>` : ''}
          ${page.nextCursor ? `<li class="nhsuk-pagination-item--next"><a class="nhsuk-pagination__link nhsuk-pagination__link--next" href="${esc(link({ cursor: page.nextCursor, prev: [...prev, cursor ?? FIRST] }))}"><span class="nhsuk-pagination__title">Next</span><span class="nhsuk-u-visually-hidden">:</span> <span class="nhsuk-pagination__page">Older documents</span></a></li>` : ''}
        </ul></nav>`
      : ''}
    ${can('document:write') ? uploadForm() : ''}`;
  focusHeading();
  $('#filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target as HTMLFormElement);
    const from = String(f.get('from') ?? '');
    const to = String(f.get('to') ?? '');
    if (from && to && from > to) return showErrors($('#errors'), [{ message: 'The "from" date must be on or before the "to" date', href: '#filter-from' }]);
    filters.type = String(f.get('type') ?? '');
    filters.from = from;
    filters.to = to;
    filters.eie = f.get('eie') === '1';
    location.hash = link({});
  });
  if (can('document:write')) wireUpload(nhs);
}
