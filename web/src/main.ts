// The clinician's page: sign in, find a patient, list and filter their documents, upload (resumable, SHA-256 computed
// here and checked by the service), open a document with its SHA-256 verified, versions, entered-in-error, audit trail.
// Every call goes through the typed client in client/. Controls a role cannot use are never rendered.
import 'nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css';
import './page.css';
import { QuillClient, type Document, type DocumentType } from '../../client/src/index.ts';
import { isValidNhsNumber, normaliseNhsNumber } from '../../src/domain/nhs-number.ts';
import { can, completeOidcSignIn, devSignIn, oidcSignIn, session, signOut, type PageConfig } from './session.ts';
import { $, esc, errorSummary, formatBytes, formatDate, formatDateTime, insetText, messageFor, showErrors, spacedNhs, statusTag, summaryList } from './ui.ts';

let cfg: PageConfig;
let client: QuillClient;
let valueSet: { types: DocumentType[]; categories: DocumentType[] } = { types: [], categories: [] };
const app = () => $('#app');
const objectUrls: string[] = [];

function setTitle(h1: string): void {
  document.title = `${h1} – Quill Document Store`;
}

/** Moves focus to the new page's heading, so screen readers announce the change of screen. */
function focusHeading(): void {
  const h = document.querySelector<HTMLElement>('main h1');
  if (h) {
    h.tabIndex = -1;
    h.focus();
  }
}

/** The user's roles this service knows (an identity provider adds its own, such as Keycloak's offline_access). */
function knownRoles(roles: string[]): string {
  const known = roles.filter((r) => cfg.roles.includes(r));
  return known.length ? known.join(', ') : 'no role in this service';
}

function renderAccount(): void {
  const s = session();
  $('#account').innerHTML = s
    ? `<ul class="nhsuk-header__account-list">
        <li class="nhsuk-header__account-item">Signed in as <strong>${esc(s.displayName)}</strong> (${esc(knownRoles(s.roles))}${s.patients ? `; patients ${esc(s.patients.map(spacedNhs).join(', '))}` : ''})</li>
        <li class="nhsuk-header__account-item"><button class="nhsuk-header__account-button" id="sign-out" type="button">Sign out</button></li>
      </ul>`
    : '';
  document.getElementById('sign-out')?.addEventListener('click', async () => {
    if (!(await signOut(cfg))) return; // the identity provider ends its session, then sends the browser back here
    location.hash = '#/sign-in';
    void route();
  });
}

function breadcrumbs(items: { href: string; text: string }[]): void {
  $('#breadcrumbs').innerHTML = items.length
    ? `<div class="nhsuk-breadcrumb"><ol class="nhsuk-breadcrumb__list">${items
        .map((i) => `<li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href="${esc(i.href)}">${esc(i.text)}</a></li>`)
        .join('')}</ol></div>`
    : '';
}

// ---- routing ----

/**
 * Each route() call is one navigation. Several can overlap (a hash change and a sign-in both route, and a view's fetch
 * takes time), so a view whose answer arrives after a newer navigation began drops it instead of drawing over the newer
 * screen, and over whatever the user has typed there since.
 */
let navigation = 0;
const superseded = (nav: number): boolean => nav !== navigation;

async function route(): Promise<void> {
  navigation++;
  for (const u of objectUrls.splice(0)) URL.revokeObjectURL(u);
  renderAccount();
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const q = new URLSearchParams(query);
  const parts = (path || '/').split('/').filter(Boolean);
  if (!session()) return signInView();
  if (parts[0] === 'patients' && parts[1]) return patientView(parts[1], q);
  if (parts[0] === 'documents' && parts[1]) return documentView(parts[1], q);
  if (parts[0] === 'audit') return auditView(q);
  return homeView();
}

// ---- sign in ----

function signInView(): void {
  setTitle('Sign in');
  breadcrumbs([]);
  const roleLabels: Record<string, string> = { clinician: 'Clinician', 'records-manager': 'Records manager', auditor: 'Auditor', admin: 'Administrator' };
  app().innerHTML = `
    <div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">
      <div id="errors"></div>
      <h1>Sign in</h1>
      ${cfg.oidc ? `<p>Sign in with your organisation’s account.</p><button class="nhsuk-button" id="oidc-sign-in" type="button">Sign in with your organisation</button>` : ''}
      ${cfg.devSignIn
        ? `${insetText('<p>Development sign-in: this service uses its built-in development key, so you can sign in as any user and role. It is switched off when an identity provider is configured.</p>')}
      <form id="dev-sign-in" novalidate>
        <div class="nhsuk-form-group" id="sub-group">
          <label class="nhsuk-label" for="sub">User name</label>
          <input class="nhsuk-input nhsuk-input--width-20" id="sub" name="sub" type="text" autocomplete="username" spellcheck="false" value="dr.jones">
        </div>
        <div class="nhsuk-form-group">
          <fieldset class="nhsuk-fieldset">
            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Role</legend>
            <div class="nhsuk-radios">
              ${cfg.roles
                .map(
                  (r, i) => `<div class="nhsuk-radios__item"><input class="nhsuk-radios__input" id="role-${esc(r)}" name="role" type="radio" value="${esc(r)}"${i === 0 ? ' checked' : ''}>
                  <label class="nhsuk-label nhsuk-radios__label" for="role-${esc(r)}">${esc(roleLabels[r] ?? r)}</label></div>`,
                )
                .join('')}
            </div>
          </fieldset>
        </div>
        <div class="nhsuk-form-group" id="patients-group">
          <label class="nhsuk-label" for="patients">Limit to these patients (optional)</label>
          <div class="nhsuk-hint" id="patients-hint">NHS numbers separated by commas. Leave empty for every patient.</div>
          <input class="nhsuk-input" id="patients" name="patients" type="text" inputmode="numeric" aria-describedby="patients-hint">
        </div>
        <button class="nhsuk-button" type="submit">Sign in</button>
      </form>`
        : ''}
      ${!cfg.oidc && !cfg.devSignIn ? '<p>Sign-in is not configured. Set QUILL_OIDC_ISSUER and QUILL_OIDC_CLIENT_ID.</p>' : ''}
    </div></div>`;
  focusHeading();
  document.getElementById('oidc-sign-in')?.addEventListener('click', () => void oidcSignIn(cfg));
  document.getElementById('dev-sign-in')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = ev.target as HTMLFormElement;
    const sub = (f.elements.namedItem('sub') as HTMLInputElement).value.trim();
    const role = (f.querySelector('input[name=role]:checked') as HTMLInputElement | null)?.value ?? '';
    const patients = (f.elements.namedItem('patients') as HTMLInputElement).value.split(',').map((p) => normaliseNhsNumber(p.trim())).filter(Boolean);
    const errors: { message: string; href: string }[] = [];
    if (!/^[A-Za-z0-9._@-]{1,64}$/.test(sub)) errors.push({ message: 'Enter a user name (letters, numbers, dots, dashes)', href: '#sub' });
    const bad = patients.find((p) => !isValidNhsNumber(p));
    if (bad) errors.push({ message: `${bad} is not a valid NHS number`, href: '#patients' });
    if (errors.length) return showErrors($('#errors'), errors);
    try {
      await devSignIn(cfg, sub, role, patients);
      // a changed hash routes through its hashchange event; route here only when it would not fire
      if (location.hash === '#/') await route();
      else location.hash = '#/';
    } catch (e) {
      showErrors($('#errors'), [{ message: messageFor(e) }]);
    }
  });
}

// ---- home: find a patient ----

function homeView(): void {
  setTitle('Find a patient');
  breadcrumbs([]);
  if (!can('document:read')) {
    if (can('audit:read')) {
      location.hash = '#/audit';
      return;
    }
    app().innerHTML = '<h1>No access</h1><p>Your role does not give access to documents or the audit trail.</p>';
    return focusHeading();
  }
  app().innerHTML = `
    <div class="nhsuk-grid-row"><div class="nhsuk-grid-column-two-thirds">
      <div id="errors"></div>
      <h1>Find a patient</h1>
      <form id="find" novalidate>
        <div class="nhsuk-form-group" id="nhs-group">
          <label class="nhsuk-label nhsuk-label--s" for="nhs">NHS number</label>
          <div class="nhsuk-hint" id="nhs-hint">A 10-digit number, like 943 476 5919</div>
          <div id="nhs-error"></div>
          <input class="nhsuk-input nhsuk-input--width-10" id="nhs" name="nhs" type="text" inputmode="numeric" autocomplete="off" spellcheck="false" aria-describedby="nhs-hint">
        </div>
        <button class="nhsuk-button" type="submit">Find documents</button>
      </form>
      ${can('audit:read') ? '<p><a href="#/audit">View the audit trail</a></p>' : ''}
    </div></div>`;
  focusHeading();
  $('#find').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const nhs = normaliseNhsNumber($<HTMLInputElement>('#nhs').value);
    if (!isValidNhsNumber(nhs)) {
      $('#nhs-group').classList.add('nhsuk-form-group--error');
      $('#nhs').classList.add('nhsuk-input--error');
      $('#nhs').setAttribute('aria-describedby', 'nhs-hint nhs-error-message');
      $('#nhs-error').innerHTML = `<span class="nhsuk-error-message" id="nhs-error-message"><span class="nhsuk-u-visually-hidden">Error:</span> ${esc(messageFor({ code: 'invalid_nhs_number' }))}</span>`;
      showErrors($('#errors'), [{ message: messageFor({ code: 'invalid_nhs_number' }), href: '#nhs' }]);
      return;
    }
    location.hash = `#/patients/${nhs}`;
  });
}

// ---- a patient's documents ----

/** Stands for "the first page" in the stack of earlier pages' cursors (the first page has none). */
const FIRST = 'first';
const typeName = (d: Document) => d.type?.display ?? valueSet.types.find((t) => t.code === d.type?.code)?.display ?? d.type?.code ?? '';

async function patientView(nhs: string, q: URLSearchParams): Promise<void> {
  setTitle(`Documents for ${spacedNhs(nhs)}`);
  breadcrumbs([{ href: '#/', text: 'Find a patient' }]);
  const filters = { type: q.get('type') ?? '', from: q.get('from') ?? '', to: q.get('to') ?? '', eie: q.get('eie') === '1' };
  const cursor = q.get('cursor') ?? undefined;
  const prev = q.getAll('prev');
  app().innerHTML = `<h1>Documents for NHS number ${esc(spacedNhs(nhs))}</h1><div id="errors"></div><p class="nhsuk-body">Loading documents…</p>`;
  const nav = navigation;
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
          ${valueSet.types.map((t) => `<option value="${esc(t.code)}"${t.code === filters.type ? ' selected' : ''}>${esc(t.display)}</option>`).join('')}
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

function uploadForm(): string {
  return `
    <h2 id="upload-heading">Upload a document</h2>
    <div id="upload-errors"></div>
    <form id="upload" novalidate aria-labelledby="upload-heading">
      <div class="nhsuk-form-group" id="file-group">
        <div class="quill-dropzone" id="dropzone">
          <label class="nhsuk-label nhsuk-label--s" for="file">File</label>
          <div class="nhsuk-hint" id="file-hint">Drag and drop a file here, or choose one. PDF, JPEG, PNG, TIFF or plain text, up to ${esc(formatBytes(cfg.maxUploadBytes))}.</div>
          <input class="nhsuk-file-upload quill-file" id="file" name="file" type="file" aria-describedby="file-hint" accept="application/pdf,image/jpeg,image/png,image/tiff,text/plain">
          <p class="nhsuk-body-s" id="chosen" aria-live="polite"></p>
        </div>
      </div>
      <div class="nhsuk-form-group" id="type-group">
        <label class="nhsuk-label nhsuk-label--s" for="doc-type">Document type</label>
        <select class="nhsuk-select" id="doc-type" name="type"><option value="">Select a type</option>
          ${valueSet.types.map((t) => `<option value="${esc(t.code)}">${esc(t.display)}</option>`).join('')}
        </select>
      </div>
      <div class="nhsuk-form-group" id="title-group">
        <label class="nhsuk-label nhsuk-label--s" for="doc-title">Title</label>
        <input class="nhsuk-input" id="doc-title" name="title" type="text" maxlength="500">
      </div>
      <div class="nhsuk-form-group" id="date-group">
        <label class="nhsuk-label nhsuk-label--s" for="doc-date">Clinical date</label>
        <div class="nhsuk-hint" id="date-hint">The date of the letter, scan or event, not today’s date</div>
        <input class="nhsuk-input nhsuk-input--width-10" id="doc-date" name="date" type="date" aria-describedby="date-hint">
      </div>
      ${progressBlock('upload')}
      <button class="nhsuk-button" type="submit" id="upload-button">Upload document</button>
    </form>`;
}

function progressBlock(id: string): string {
  return `<div class="quill-progress" id="${id}-progress-block" hidden>
    <label class="nhsuk-label" for="${id}-progress" id="${id}-progress-label">Preparing</label>
    <progress id="${id}-progress" max="100" value="0"></progress>
    <p class="nhsuk-body-s" id="${id}-progress-text" aria-live="polite"></p>
  </div>`;
}

function progress(id: string): { stage(label: string): void; update(done: number, total: number): void; note(text: string): void; hide(): void } {
  const block = $(`#${id}-progress-block`);
  const bar = $<HTMLProgressElement>(`#${id}-progress`);
  const text = $(`#${id}-progress-text`);
  let lastSaid = -1;
  return {
    stage: (label) => {
      block.hidden = false;
      $(`#${id}-progress-label`).textContent = label;
      bar.value = 0;
      lastSaid = -1;
    },
    update: (done, total) => {
      const pct = total ? Math.floor((done / total) * 100) : 0;
      bar.value = pct;
      // announce in steps of 10 % so a screen reader is not flooded
      if (Math.floor(pct / 10) !== lastSaid) {
        lastSaid = Math.floor(pct / 10);
        text.textContent = `${pct}% (${formatBytes(done)} of ${formatBytes(total)})`;
      }
    },
    note: (t) => {
      text.textContent = t;
      lastSaid = -1;
    },
    hide: () => {
      block.hidden = true;
    },
  };
}

function wireUpload(nhs: string): void {
  let file: File | null = null;
  const input = $<HTMLInputElement>('#file');
  const choose = (f: File | null) => {
    file = f;
    $('#chosen').textContent = f ? `Selected: ${f.name} (${formatBytes(f.size)})` : '';
  };
  input.addEventListener('change', () => choose(input.files?.[0] ?? null));
  const zone = $('#dropzone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('quill-dropzone--over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('quill-dropzone--over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('quill-dropzone--over');
    const f = e.dataTransfer?.files?.[0];
    if (f) choose(f);
  });
  $('#upload').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const type = $<HTMLSelectElement>('#doc-type').value;
    const title = $<HTMLInputElement>('#doc-title').value.trim();
    const date = $<HTMLInputElement>('#doc-date').value;
    const errors: { message: string; href: string }[] = [];
    if (!file) errors.push({ message: 'Choose a file to upload', href: '#file' });
    else if (file.size === 0) errors.push({ message: messageFor({ code: 'empty_body' }), href: '#file' });
    else if (file.size > cfg.maxUploadBytes) errors.push({ message: `The file is ${formatBytes(file.size)}; the limit is ${formatBytes(cfg.maxUploadBytes)}`, href: '#file' });
    if (!type) errors.push({ message: 'Select a document type', href: '#doc-type' });
    if (!title) errors.push({ message: 'Enter a title', href: '#doc-title' });
    if (errors.length) return showErrors($('#upload-errors'), errors);
    $('#upload-errors').innerHTML = '';
    const button = $<HTMLButtonElement>('#upload-button');
    button.disabled = true;
    const p = progress('upload');
    try {
      p.stage('Checking the file (SHA-256)');
      const done = await client.uploadResumable(file!, { patient: nhs, type, title, ...(date ? { date } : {}) }, {
        onHashProgress: (d, t) => p.update(d, t),
        onUploadUrl: () => p.stage('Uploading'),
        onProgress: (d, t) => p.update(d, t),
        onWaitingForNetwork: () => p.note('Connection lost. The upload will carry on from where it stopped when you are back online.'),
      });
      p.update(1, 1);
      location.hash = `#/documents/${done.documentId}?uploaded=1`;
    } catch (e) {
      p.hide();
      showErrors($('#upload-errors'), [{ message: messageFor(e), href: '#file' }]);
    } finally {
      button.disabled = false;
    }
  });
}

// ---- one document ----

async function documentView(id: string, q: URLSearchParams): Promise<void> {
  setTitle('Document');
  app().innerHTML = '<h1>Document</h1><p class="nhsuk-body">Loading…</p>';
  const nav = navigation;
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
    ${can('document:write') && current
      ? `<h2 id="add-version-heading">Add a version</h2><div id="version-errors"></div>
        <form id="add-version" novalidate aria-labelledby="add-version-heading">
          <div class="nhsuk-form-group"><label class="nhsuk-label" for="version-file">New version of the file</label>
          <input class="nhsuk-file-upload" id="version-file" type="file" accept="application/pdf,image/jpeg,image/png,image/tiff,text/plain"></div>
          ${progressBlock('version')}
          <button class="nhsuk-button nhsuk-button--secondary" type="submit" id="add-version-button">Add version</button>
        </form>`
      : ''}
    ${can('document:delete') && current
      ? `<h2 id="eie-heading">Mark as entered in error</h2>
        <p>Use this when the document was filed against the wrong patient or is not a real record. It stays in the record, hidden from normal views, with your reason.</p>
        <div id="eie-errors"></div>
        <form id="eie" novalidate aria-labelledby="eie-heading">
          <div class="nhsuk-form-group" id="reason-group"><label class="nhsuk-label" for="reason">Reason</label>
          <textarea class="nhsuk-textarea" id="reason" name="reason" rows="3" maxlength="2000"></textarea></div>
          <button class="nhsuk-button nhsuk-button--warning" type="submit">Mark as entered in error</button>
        </form>`
      : ''}
    ${can('audit:read') ? `<p><a href="#/audit?document=${esc(doc.id)}">Audit trail for this document</a></p>` : ''}`;
  focusHeading();
  const open = async (version: number) => {
    const viewer = $('#viewer');
    viewer.innerHTML = '';
    const p = progress('download');
    p.stage(`Downloading and checking version ${version}`);
    try {
      const r = await client.download(id, { version, onProgress: (d, t) => p.update(d, t) });
      p.hide();
      const url = URL.createObjectURL(r.blob);
      objectUrls.push(url);
      const type = r.document.contentType ?? '';
      const name = r.document.filename ?? `document-${version}`;
      const verified = `<div class="nhsuk-card nhsuk-card--confirmation" id="verified"><div class="nhsuk-card__content"><h2 class="nhsuk-card__heading">SHA-256 verified</h2>
        <p class="nhsuk-card__description">The ${esc(formatBytes(r.blob.size))} received hash to <code class="quill-hash">${esc(r.sha256)}</code>, the SHA-256 recorded when version ${esc(version)} was filed.</p></div></div>`;
      const body = type === 'application/pdf'
        ? `<iframe class="quill-viewer" src="${url}" title="${esc(doc.title)}, version ${esc(version)} (PDF)"></iframe>`
        : type.startsWith('image/') && type !== 'image/tiff'
          ? `<img class="quill-viewer-image" src="${url}" alt="${esc(doc.title)}, version ${esc(version)}">`
          : `<p><a class="nhsuk-button nhsuk-button--secondary" href="${url}" download="${esc(name)}">Download ${esc(name)}</a></p><p>This type of file cannot be shown in the page.</p>`;
      viewer.innerHTML = verified + body;
      viewer.querySelector<HTMLElement>('#verified')?.setAttribute('tabindex', '-1');
      viewer.querySelector<HTMLElement>('#verified')?.focus();
    } catch (e) {
      p.hide();
      showErrors($('#errors'), [{ message: messageFor(e) }]);
    }
  };
  document.getElementById('open')?.addEventListener('click', () => void open(doc.currentVersion!));
  for (const b of document.querySelectorAll<HTMLButtonElement>('.open-version')) b.addEventListener('click', () => void open(Number(b.dataset.version)));
  document.getElementById('add-version')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = $<HTMLInputElement>('#version-file').files?.[0];
    if (!f) return showErrors($('#version-errors'), [{ message: 'Choose the file for the new version', href: '#version-file' }]);
    if (f.size > cfg.maxUploadBytes) return showErrors($('#version-errors'), [{ message: `The file is ${formatBytes(f.size)}; the limit is ${formatBytes(cfg.maxUploadBytes)}`, href: '#version-file' }]);
    const p = progress('version');
    $<HTMLButtonElement>('#add-version-button').disabled = true;
    try {
      p.stage('Checking the file (SHA-256)');
      const r = await client.uploadResumable(f, { document: id }, {
        onHashProgress: (d, t) => p.update(d, t),
        onUploadUrl: () => p.stage('Uploading'),
        onProgress: (d, t) => p.update(d, t),
        onWaitingForNetwork: () => p.note('Connection lost. The upload will carry on from where it stopped when you are back online.'),
      });
      location.hash = `#/documents/${id}?version=${r.version}`;
    } catch (e) {
      p.hide();
      showErrors($('#version-errors'), [{ message: messageFor(e), href: '#version-file' }]);
    } finally {
      const b = document.querySelector<HTMLButtonElement>('#add-version-button');
      if (b) b.disabled = false;
    }
  });
  document.getElementById('eie')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const reason = $<HTMLTextAreaElement>('#reason').value.trim();
    if (reason.length < 3) return showErrors($('#eie-errors'), [{ message: 'Enter the reason (at least 3 characters)', href: '#reason' }]);
    try {
      await client.enterInError(id, reason);
      await documentView(id, new URLSearchParams());
    } catch (e) {
      showErrors($('#eie-errors'), [{ message: messageFor(e), href: '#reason' }]);
    }
  });
}

// ---- audit trail ----

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

async function auditView(q: URLSearchParams): Promise<void> {
  setTitle('Audit trail');
  breadcrumbs(can('document:read') ? [{ href: '#/', text: 'Find a patient' }] : []);
  if (!can('audit:read')) {
    app().innerHTML = `<h1>Audit trail</h1>${errorSummary([{ message: messageFor({ code: 'forbidden' }) }])}`;
    return focusHeading();
  }
  const f = { document: q.get('document') ?? '', patient: q.get('patient') ?? '', actor: q.get('actor') ?? '' };
  const cursor = q.get('cursor') ?? undefined;
  app().innerHTML = '<h1>Audit trail</h1><p class="nhsuk-body">Loading…</p>';
  const nav = navigation;
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

// ---- start ----

async function start(): Promise<void> {
  cfg = (await (await fetch('/ui/config.json')).json()) as PageConfig;
  client = new QuillClient({ baseUrl: location.origin, token: () => session()?.token ?? '' });
  try {
    await completeOidcSignIn(cfg);
  } catch (e) {
    console.error('sign-in failed', e);
  }
  window.addEventListener('hashchange', () => void route());
  const origRoute = route;
  // the value set is needed by every documents screen; fetch it once after sign-in
  const ensureValueSet = async () => {
    if (!valueSet.types.length && session()) valueSet = await client.documentTypes().catch(() => valueSet);
  };
  window.addEventListener('hashchange', () => void ensureValueSet());
  await ensureValueSet();
  await origRoute();
  document.addEventListener('quill:signed-in', () => void ensureValueSet().then(route));
}

void start();
