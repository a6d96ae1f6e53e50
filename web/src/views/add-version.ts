// Add a version of a document (for those who may file documents, while it is current): resumable upload with its
// SHA-256 computed here and checked by the service, like a new document's.
import { cfg, client } from '../state.ts';
import { formatBytes } from '../ui/format.ts';
import { $, showErrors } from '../ui/html.ts';
import { messageFor } from '../ui/messages.ts';
import { progress, progressBlock } from '../ui/progress.ts';

export function addVersionForm(): string {
  return `<h2 id="add-version-heading">Add a version</h2><div id="version-errors"></div>
  <form id="add-version" novalidate aria-labelledby="add-version-heading">
    <div class="nhsuk-form-group"><label class="nhsuk-label" for="version-file">New version of the file</label>
    <input class="nhsuk-file-upload" id="version-file" type="file" accept="application/pdf,image/jpeg,image/png,image/tiff,text/plain"></div>
    ${progressBlock('version')}
    <button class="nhsuk-button nhsuk-button--secondary" type="submit" id="add-version-button">Add version</button>
  </form>`;
}

export function wireAddVersion(id: string): void {
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
}
