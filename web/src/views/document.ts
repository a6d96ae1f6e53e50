// One document: its details (type, clinical date, status, size, SHA-256, who filed it), its versions (each can be
// opened), and what the user's role allows: add a version, mark it entered in error, its audit trail.
import type { Document } from '../../../client/src/index.ts';
import { typeName } from '../document-types.ts';
import { can } from '../session.ts';
import { client, currentNavigation, superseded } from '../state.ts';
import { formatBytes, formatDate, formatDateTime, spacedNhs } from '../ui/format.ts';
import { errorSummary, esc, statusTag, summaryList } from '../ui/html.ts';
import { app, breadcrumbs, focusHeading, setTitle } from '../ui/layout.ts';
import { messageFor } from '../ui/messages.ts';
import { progressBlock } from '../ui/progress.ts';
import { addVersionForm, wireAddVersion } from './add-version.ts';
import { openVersion } from './document-viewer.ts';
import { enteredInErrorForm, wireEnteredInError } from './entered-in-error.ts';

export async function documentView(id: string, q: URLSearchParams): Promise<void> {
  setTitle('Document');
  app().innerHTML = '<h1>Document</h1><p class="nhsuk-body">Loading…</p>';
  const nav = currentNavigation();
  let doc: Document;
  try {
    doc = await client.get(id);
    if (superseded(nav)) return;
  } catch (e) {
    if (superseded(nav)) return;
    breadcrumbs([{ href: '#/', text: 'Find a patient' }]);
    app().innerHTML = `<h1>Document</h1>${errorSummary([{ message: messageFor(e) }])}`;
    app().querySelector<HTMLElement>('.nhsuk-error-summary')?.focus();
    return;
  }
  setTitle(doc.title ?? 'Document');
  breadcrumbs([{ href: '#/', text: 'Find a patient' }, { href: `#/patients/${doc.patient}`, text: `NHS number ${spacedNhs(doc.patient ?? '')}` }]);
  const current = doc.status === 'current';
  // the bytes of an entered-in-error document are for records managers' review only (as the API rules)
  const canOpen = current || can('document:delete');
  const notice = q.get('uploaded') ? `<div class="nhsuk-card nhsuk-card--confirmation" id="uploaded"><div class="nhsuk-card__content"><h2 class="nhsuk-card__heading">Document uploaded</h2><p class="nhsuk-card__description">The service checked its SHA-256 (${esc(doc.sha256)}) and type before saving it.</p></div></div>` : q.get('version') ? `<div class="nhsuk-card nhsuk-card--confirmation" id="versioned"><div class="nhsuk-card__content"><h2 class="nhsuk-card__heading">Version ${esc(doc.currentVersion)} added</h2></div></div>` : '';
  app().innerHTML = `
    <h1>${esc(doc.title)}</h1>
    ${notice}
    <div id="errors"></div>
    ${summaryList([
      ['Patient', esc(spacedNhs(doc.patient ?? ''))],
      ['Type', esc(typeName(doc))],
      ['Clinical date', esc(formatDate(doc.date))],
      ['Status', `${statusTag(doc.status)}${doc.enteredInErrorReason ? ` <span id="eie-reason">Reason: ${esc(doc.enteredInErrorReason)}</span>` : ''}`],
      ['Version', esc(doc.currentVersion)],
      ['Size', esc(formatBytes(doc.size))],
      ['File type', esc(doc.contentType)],
      ['SHA-256', `<code class="quill-hash">${esc(doc.sha256)}</code>`],
      ['Filed', `${esc(formatDateTime(doc.createdAt))} by ${esc(doc.createdBy)}`],
    ])}
    ${canOpen ? `<button class="nhsuk-button" type="button" id="open" data-version="${esc(doc.currentVersion)}">Open version ${esc(doc.currentVersion)}</button>` : ''}
    ${progressBlock('download')}
    <div id="viewer"></div>
    <h2>Version history</h2>
    <table class="nhsuk-table" id="versions"><caption class="nhsuk-table__caption nhsuk-u-visually-hidden">Versions, newest first</caption>
      <thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th class="nhsuk-table__header" scope="col">Version</th><th class="nhsuk-table__header" scope="col">Filed</th><th class="nhsuk-table__header" scope="col">By</th><th class="nhsuk-table__header" scope="col">Size</th><th class="nhsuk-table__header" scope="col">File</th><th class="nhsuk-table__header" scope="col"><span class="nhsuk-u-visually-hidden">Action</span></th></tr></thead>
      <tbody class="nhsuk-table__body">${(doc.versions ?? [])
        .map(
          (v) => `<tr class="nhsuk-table__row"><td class="nhsuk-table__cell">${esc(v.version)}</td><td class="nhsuk-table__cell">${esc(formatDateTime(v.createdAt))}</td><td class="nhsuk-table__cell">${esc(v.createdBy)}</td><td class="nhsuk-table__cell">${esc(formatBytes(v.size))}</td><td class="nhsuk-table__cell">${esc(v.filename ?? v.contentType)}</td>
          <td class="nhsuk-table__cell">${canOpen ? `<button class="quill-link-button open-version" type="button" data-version="${esc(v.version)}">Open<span class="nhsuk-u-visually-hidden"> version ${esc(v.version)}</span></button>` : ''}</td></tr>`,
        )
        .join('')}</tbody></table>
    ${can('document:write') && current ? addVersionForm() : ''}
    ${can('document:delete') && current ? enteredInErrorForm() : ''}
    ${can('audit:read') ? `<p><a href="#/audit?document=${esc(doc.id)}">Audit trail for this document</a></p>` : ''}`;
  focusHeading();
  document.getElementById('open')?.addEventListener('click', () => void openVersion(id, doc, doc.currentVersion!));
  for (const b of document.querySelectorAll<HTMLButtonElement>('.open-version')) b.addEventListener('click', () => void openVersion(id, doc, Number(b.dataset.version)));
  wireAddVersion(id);
  wireEnteredInError(id, () => documentView(id, new URLSearchParams()));
}
