import type { StoredVersionRef } from '../../documents/repository.ts';
import type { Outcome } from './move-version.ts';

export interface MigrateProgress {
  from: string;
  to: string;
  /** Versions in the source store when the run started (plus any that arrived while it ran). */
  total: number;
  totalBytes: number;
  /** Versions finished (copied, adopted, skipped or failed). */
  done: number;
  copied: number;
  adopted: number;
  skipped: number;
  failed: number;
  /** Bytes streamed from source to target so far (read-back verification not counted). */
  bytes: number;
  startedAt: number;
}

export interface MigrateFailure {
  documentId: string;
  version: number;
  key: string;
  reason: string;
}

/** A run's counters and failures; every change that the caller should draw is passed to onProgress as a copy. */
export class MigrationProgress {
  readonly #p: MigrateProgress;
  readonly #onProgress: ((p: MigrateProgress) => void) | undefined;
  readonly failures: MigrateFailure[] = [];

  constructor(start: { from: string; to: string; n: number; bytes: number; already: number; startedAt: number }, onProgress?: (p: MigrateProgress) => void) {
    this.#p = { from: start.from, to: start.to, total: start.n, totalBytes: start.bytes, done: 0, copied: 0, adopted: 0, skipped: start.already, failed: 0, bytes: 0, startedAt: start.startedAt };
    this.#onProgress = onProgress;
  }

  get current(): Readonly<MigrateProgress> {
    return this.#p;
  }

  emit(): void {
    this.#onProgress?.({ ...this.#p });
  }

  /** A version that arrived in the source store after the first pass. */
  arrived(r: StoredVersionRef): void {
    this.#p.total++;
    this.#p.totalBytes += r.size;
  }

  addBytes(n: number): void {
    this.#p.bytes += n;
    this.emit();
  }

  settle(r: StoredVersionRef, out: Outcome): void {
    const p = this.#p;
    p.done++;
    p.total = Math.max(p.total, p.done); // an upload that landed during the first pass
    if (out.kind === 'failed') {
      p.failed++;
      this.failures.push({ documentId: r.documentId, version: r.version, key: r.blobKey, reason: out.reason });
    } else if (out.kind === 'skipped') {
      p.skipped++;
    } else {
      p.copied++;
      if (out.kind === 'adopted') p.adopted++;
    }
    this.emit();
  }
}
