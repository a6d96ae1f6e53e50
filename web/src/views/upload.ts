// Upload a document for a patient: drag and drop or choose a file, its type, title and clinical date; the SHA-256 is
// computed here and checked by the service, and the bytes go up resumably (tus), carrying on after a lost connection.
import { defaultAllowedContentTypes } from '../../../src/domain/content-types.ts';
import { documentTypes } from '../document-types.ts';
import { cfg, client } from '../state.ts';
import { formatBytes } from '../ui/format.ts';
import { $, esc, showErrors } from '../ui/html.ts';
import { messageFor, tooLarge } from '../ui/messages.ts';
import { progress, progressBlock, showUploadProgress } from '../ui/progress.ts';

export function uploadForm(): string {
  return `
    <h2 id="upload-heading">Upload a document</h2>
    <div id="upload-errors"></div>
    <form id="upload" novalidate aria-labelledby="upload-heading">
      <div class="nhsuk-form-group" id="file-group">
        <div class="quill-dropzone" id="dropzone">
          <label class="nhsuk-label nhsuk-label--s" for="file">File</label>
          <div class="nhsuk-hint" id="file-hint">Drag and drop a file here, or choose one. PDF, JPEG, PNG, TIFF or plain text, up to ${esc(formatBytes(cfg.maxUploadBytes))}.</div>
          <input class="nhsuk-file-upload quill-file" id="file" name="file" type="file" aria-describedby="file-hint" accept="${defaultAllowedContentTypes.join(',')}">
          <p class="nhsuk-body-s" id="chosen" aria-live="polite"></p>
        </div>
      </div>
      <div class="nhsuk-form-group" id="type-group">
        <label class="nhsuk-label nhsuk-label--s" for="doc-type">Document type</label>
        <select class="nhsuk-select" id="doc-type" name="type"><option value="">Select a type</option>
          ${documentTypes().map((t) => `<option value="${esc(t.code)}">${esc(t.display)}</option>`).join('')}
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

export function wireUpload(nhs: string): void {
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
    else if (file.size > cfg.maxUploadBytes) errors.push({ message: tooLarge(file.size, cfg.maxUploadBytes), href: '#file' });
    if (!type) errors.push({ message: 'Select a document type', href: '#doc-type' });
    if (!title) errors.push({ message: 'Enter a title', href: '#doc-title' });
    if (errors.length) return showErrors($('#upload-errors'), errors);
    $('#upload-errors').innerHTML = '';
    const button = $<HTMLButtonElement>('#upload-button');
    button.disabled = true;
    const p = progress('upload');
    try {
      p.stage('Checking the file (SHA-256)');
      const done = await client.uploadResumable(file!, { patient: nhs, type, title, ...(date ? { date } : {}) }, showUploadProgress(p));
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
