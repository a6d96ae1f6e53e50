// Opens one version of a document: downloads it with progress, checks its SHA-256 against the one recorded when it
// was filed (the typed client refuses a mismatch), and shows it in the page (PDF, image) or offers it as a download.
import type { Document } from '../../../client/src/index.ts';
import { client, keepObjectUrl } from '../state.ts';
import { formatBytes } from '../ui/format.ts';
import { $, esc, showErrors } from '../ui/html.ts';
import { messageFor } from '../ui/messages.ts';
import { progress } from '../ui/progress.ts';

export async function openVersion(id: string, doc: Document, version: number): Promise<void> {
  const viewer = $('#viewer');
  viewer.innerHTML = '';
  const p = progress('download');
  p.stage(`Downloading and checking version ${version}`);
  try {
    const r = await client.download(id, { version, onProgress: (d, t) => p.update(d, t) });
    p.hide();
    const url = URL.createObjectURL(r.blob);
    keepObjectUrl(url);
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
}
