// A labelled progress bar (hashing, uploading, downloading) that a screen reader announces in steps of 10 %.
import { formatBytes } from './format.ts';
import { $ } from './html.ts';

export function progressBlock(id: string): string {
  return `<div class="quill-progress" id="${id}-progress-block" hidden>
    <label class="nhsuk-label" for="${id}-progress" id="${id}-progress-label">Preparing</label>
    <progress id="${id}-progress" max="100" value="0"></progress>
    <p class="nhsuk-body-s" id="${id}-progress-text" aria-live="polite"></p>
  </div>`;
}

export interface ProgressBar {
  stage(label: string): void;
  update(done: number, total: number): void;
  note(text: string): void;
  hide(): void;
}

export function progress(id: string): ProgressBar {
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

/** The typed client's callbacks for a resumable upload, shown on `p`: hashing, uploading, waiting for the network. */
export function showUploadProgress(p: ProgressBar) {
  return {
    onHashProgress: (done: number, total: number) => p.update(done, total),
    onUploadUrl: () => p.stage('Uploading'),
    onProgress: (done: number, total: number) => p.update(done, total),
    onWaitingForNetwork: () => p.note('Connection lost. The upload will carry on from where it stopped when you are back online.'),
  };
}
