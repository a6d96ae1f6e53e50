// Add a version of a document (for those who may file documents, while it is current): resumable upload with its
// SHA-256 computed here and checked by the service, like a new document's.
import { defaultAllowedContentTypes } from '../../../src/domain/content-types.ts';
import { cfg, client } from '../state.ts';
import { $, showErrors } from '../ui/html.ts';
import { messageFor, tooLarge } from '../ui/messages.ts';
import { progress, progressBlock, showUploadProgress } from '../ui/progress.ts';

export function addVersionForm(): string {
  return `<h2 id="add-version-heading">Add a version</h2><div id="version-errors"></div>
  <form id="add-version" novalidate aria-labelledby="add-version-heading">
    <div class="nhsuk-form-group"><label class="nhsuk-label" for="version-file">New version of the file</label>
    <input class="nhsuk-file-upload" id="version-file" type="file" accept="${defaultAllowedContentTypes.join(',')}"></div>
    ${progressBlock('version')}
    <button class="nhsuk-button nhsuk-button--secondary" type="submit" id="add-version-button">Add version</button>
  </form>`;
}

export function wireAddVersion(id: string): void {
  document.getElementById('add-version')?.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = $<HTMLInputElement>('#version-file').files?.[0];
    if (!f) return showErrors($('#version-errors'), [{ message: 'Choose the file for the new version', href: '#version-file' }]);
    if (f.size > cfg.maxUploadBytes) return showErrors($('#version-errors'), [{ message: tooLarge(f.size, cfg.maxUploadBytes), href: '#version-file' }]);
    const p = progress('version');
    $<HTMLButtonElement>('#add-version-button').disabled = true;
    try {
      p.stage('Checking the file (SHA-256)');
      const r = await client.uploadResumable(f, { document: id }, showUploadProgress(p));
      location.hash = `#/documents/${id}?version=${r.version}`;
    } catch (e) {
      p.hide();
      showErrors($('#version-errors'), [{ message: messageFor(e), href: '#version-file' }]);
    } finally {
      const b = document.querySelector<HTMLButtonElement>('#add-version-button');
      if (b) b.disabled = false;
    }
  });
}
