import type { Readable } from 'node:stream';
import { AppError } from '../domain/errors.ts';

/**
 * How many downloads stream through this instance at once, per user and per signed URL (QUILL_MAX_OPEN_DOWNLOADS,
 * QUILL_MAX_OPEN_DOWNLOADS_PER_URL): each holds a socket, a file or store connection and buffers until it ends, so one
 * user (or one leaked link) cannot hold them all. Counted in memory: the bound is per instance. Hand-written: a map of
 * counters released when the response's stream closes; the rate-limit plugins count requests, not streams in flight.
 */
export class DownloadSlots {
  readonly #perUser: number;
  readonly #perUrl: number;
  readonly #open = new Map<string, number>();

  constructor(o: { perUser: number; perUrl: number }) {
    this.#perUser = o.perUser;
    this.#perUrl = o.perUrl;
  }

  /**
   * Takes a slot for the user (and the signed URL, when the download is one) or refuses with 429 too_many_downloads;
   * the slot is released when `stream` closes (sent, failed or abandoned), or by the returned function.
   */
  take(user: string, url: string | null): { hold(stream: Readable): Readable; release(): void } {
    const keys = [`user:${user}`, ...(url ? [`url:${url}`] : [])];
    const full = keys.find((k) => (this.#open.get(k) ?? 0) >= (k.startsWith('url:') ? this.#perUrl : this.#perUser));
    if (full) {
      const limit = full.startsWith('url:') ? this.#perUrl : this.#perUser;
      const what = full.startsWith('url:') ? 'this download link' : 'you';
      throw new AppError('too_many_downloads', `${what} already ${what === 'you' ? 'have' : 'has'} ${limit} downloads in progress; wait for one to finish`, { limit }, { retryAfter: 5 });
    }
    for (const k of keys) this.#open.set(k, (this.#open.get(k) ?? 0) + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      for (const k of keys) {
        const n = (this.#open.get(k) ?? 1) - 1;
        if (n > 0) this.#open.set(k, n);
        else this.#open.delete(k);
      }
    };
    return {
      hold: (stream) => {
        if (stream.closed || stream.destroyed) release();
        else stream.once('close', release);
        return stream;
      },
      release,
    };
  }
}
