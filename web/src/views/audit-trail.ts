// The audit trail (auditors, records managers, admins): every event newest first, filtered by document, patient or
// user, 25 a page.
import { normaliseNhsNumber } from '../../../src/domain/nhs-number.ts';
import { can } from '../session.ts';
import { client, currentNavigation, superseded } from '../state.ts';
import { formatDateTime, spacedNhs } from '../ui/format.ts';
import { $, errorSummary, esc } from '../ui/html.ts';
import { app, breadcrumbs, focusHeading, setTitle } from '../ui/layout.ts';
import { messageFor } from '../ui/messages.ts';

const actionNames: Record<string, string> = {
  'document.create': 'Filed a document',
  'document.version.create': 'Added a version',
  'document.read': 'Read metadata',
  'document.list': 'Listed documents',
  'document.content': 'Opened the file',
  'document.download-url': 'Made a download link',
  'document.blob-fetch': 'Downloaded by link',
  'document.enter-in-error': 'Marked entered in error',
  'upload.create': 'Started an upload',
  'upload.append': 'Sent upload bytes',
  'upload.status': 'Checked an upload',
  'upload.terminate': 'Cancelled an upload',
  auth: 'Sign-in refused',
};

export async function auditTrailView(q: URLSearchParams): Promise<void> {
  setTitle('Audit trail');
  breadcrumbs(can('document:read') ? [{ href: '#/', text: 'Find a patient' }] : []);
  if (!can('audit:read')) {
    app().innerHTML = `<h1>Audit trail</h1>${errorSummary([{ message: messageFor({ code: 'forbidden' }) }])}`;
    return focusHeading();
  }
  const f = { document: q.get('document') ?? '', patient: q.get('patient') ?? '', actor: q.get('actor') ?? '' };
  const cursor = q.get('cursor') ?? undefined;
  app().innerHTML = '<h1>Audit trail</h1><p class="nhsuk-body">Loading…</p>';
  const nav = currentNavigation();
  let page;
  try {
    page = await client.audit({ limit: 25, ...(f.document ? { document: f.document } : {}), ...(f.patient ? { patient: f.patient } : {}), ...(f.actor ? { actor: f.actor } : {}), ...(cursor ? { cursor } : {}) });
    if (superseded(nav)) return;
  } catch (e) {
    if (superseded(nav)) return;
    app().innerHTML = `<h1>Audit trail</h1>${errorSummary([{ message: messageFor(e) }])}`;
    return focusHeading();
  }
  const next = new URLSearchParams({ ...Object.fromEntries(Object.entries(f).filter(([, v]) => v)), ...(page.nextCursor ? { cursor: page.nextCursor } : {}) });
  app().innerHTML = `
    <h1>Audit trail</h1>
    <form id="audit-filters" class="quill-filters" novalidate aria-label="Filter the audit trail">
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="audit-document">Document ID</label><input class="nhsuk-input nhsuk-input--width-20" id="audit-document" name="document" value="${esc(f.document)}" spellcheck="false"></div>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="audit-patient">NHS number</label><input class="nhsuk-input nhsuk-input--width-10" id="audit-patient" name="patient" inputmode="numeric" value="${esc(f.patient)}"></div>
      <div class="nhsuk-form-group"><label class="nhsuk-label" for="audit-actor">User</label><input class="nhsuk-input nhsuk-input--width-10" id="audit-actor" name="actor" value="${esc(f.actor)}" spellcheck="false"></div>
      <button class="nhsuk-button nhsuk-button--secondary" type="submit">Apply filters</button>
    </form>
    <table class="nhsuk-table" id="audit"><caption class="nhsuk-table__caption">Events, newest first</caption>
      <thead class="nhsuk-table__head"><tr class="nhsuk-table__row"><th class="nhsuk-table__header" scope="col">When</th><th class="nhsuk-table__header" scope="col">User</th><th class="nhsuk-table__header" scope="col">Action</th><th class="nhsuk-table__header" scope="col">Outcome</th><th class="nhsuk-table__header" scope="col">Patient</th><th class="nhsuk-table__header" scope="col">Document</th><th class="nhsuk-table__header" scope="col">Detail</th></tr></thead>
      <tbody class="nhsuk-table__body">${page.items
        .map(
          (e) => `<tr class="nhsuk-table__row" data-action="${esc(e.action)}" data-outcome="${esc(e.outcome)}"><td class="nhsuk-table__cell">${esc(formatDateTime(e.at))}</td><td class="nhsuk-table__cell">${esc(e.actor ?? 'anonymous')}</td>
          <td class="nhsuk-table__cell">${esc(actionNames[e.action] ?? e.action)}</td>
          <td class="nhsuk-table__cell">${e.outcome === 'success' ? '<strong class="nhsuk-tag nhsuk-tag--green">Success</strong>' : e.outcome === 'denied' ? '<strong class="nhsuk-tag nhsuk-tag--red">Denied</strong>' : '<strong class="nhsuk-tag nhsuk-tag--orange">Failed</strong>'}</td>
          <td class="nhsuk-table__cell">${esc(spacedNhs(e.patient ?? ''))}</td><td class="nhsuk-table__cell">${e.documentId ? `<code>${esc(String(e.documentId).slice(0, 8))}</code>${e.version ? ` v${esc(e.version)}` : ''}` : ''}</td>
          <td class="nhsuk-table__cell">${esc(e.errorCode ?? (e.detail && typeof e.detail === 'object' && 'reason' in e.detail ? `Reason: ${(e.detail as { reason: string }).reason}` : ''))}</td></tr>`,
        )
        .join('')}</tbody></table>
    ${page.nextCursor ? `<p><a href="#/audit?${esc(next.toString())}">Older events</a></p>` : ''}`;
  focusHeading();
  $('#audit-filters').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const d = new FormData(ev.target as HTMLFormElement);
    const p = new URLSearchParams();
    for (const k of ['document', 'patient', 'actor']) {
      const v = String(d.get(k) ?? '').trim();
      if (v) p.set(k, k === 'patient' ? normaliseNhsNumber(v) : v);
    }
    location.hash = `#/audit?${p}`;
  });
}
