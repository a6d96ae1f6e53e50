import type { Worker } from 'node:worker_threads';
import { AppError } from '../domain/errors.ts';
import { JobWorker, type JobEvent } from '../offload/job-worker.ts';

/**
 * SHA-256 and SHA-1 of a large upload computed on a worker thread, so the event loop that reads the socket and
 * encrypts and writes the bytes does not also hash them: for 200 MiB the two hashes are about 0.35 s of CPU, which
 * on the event loop adds directly to the upload's time; on the worker they run beside it (measured in docs/benchmarks.md,
 * "Where the time goes: uploads"). node:crypto has no asynchronous incremental hash, hence a worker.
 *
 * The bytes are copied into a few 1 MiB buffers that travel to the worker and back (transferred, not cloned): memory
 * per upload stays at BUFFERS × BUFFER, and when every buffer is at the worker the stream waits (backpressure).
 * One worker for the process (offload/job-worker.ts), started on first use. A worker that cannot start (hashWorkerReady
 * resolves false) leaves hashing on the event loop (HashingStream) rather than failing uploads. The worker also keeps
 * resumable uploads' hash states between their PATCHes (named checkpoints, uploads/carried-hash.ts).
 */

export type ToWorker =
  | { type: 'start'; job: number; sha1: boolean; from?: string | undefined }
  | { type: 'data'; job: number; buf: ArrayBuffer; length: number }
  | { type: 'end'; job: number; keepAs?: string | undefined }
  | { type: 'cancel'; job: number }
  | { type: 'forget'; job: number; name: string }
  | { type: 'digest-of'; job: number; name: string };

type FromWorker = { type: 'free'; job: number; buf: ArrayBuffer } | { type: 'digests'; job: number; sha256: string; sha1: string } | { type: 'missing'; job: number };

const BUFFER = 1024 * 1024;
const BUFFERS = 4;

// a transient fault of this process, not of the upload: 503 with Retry-After (the retry gets a new worker)
const hashWorker = new JobWorker<ToWorker, FromWorker>(new URL('./hash-worker.ts', import.meta.url), (cause) =>
  new AppError('temporarily_unavailable', `the hashing worker stopped during the upload (${cause.message}); retry it`, {}, { cause, retryAfter: 1 }),
);

/**
 * Starts the worker if it is not running; resolves true once it has loaded and can take jobs, false if it could not
 * start (the caller then hashes on the event loop, and a later call tries again). Resolves at once while it runs.
 */
export function hashWorkerReady(): Promise<boolean> {
  return hashWorker.ready();
}

/** The running worker, if hashWorkerReady has resolved true and it has not failed since. */
export function runningHashWorker(): Worker | null {
  return hashWorker.running();
}

export interface Digests {
  sha256: string;
  sha1: string;
}

export class OffloadedHash {
  readonly #job: number;
  readonly #free: ArrayBuffer[] = [];
  /** Buffers allocated so far (on demand: a small body needs one). */
  #allocated = 0;
  #current: Buffer | null = null;
  #filled = 0;
  #error: Error | null = null;
  #onFree: (() => void) | null = null;
  #onDigests: ((d: Digests | null) => void) | null = null;
  #onError: ((e: Error) => void) | null = null;
  #done = false;

  /**
   * On the running worker: after hashWorkerReady() resolved true and runningHashWorker() is not null. `from`: continue
   * the hash state kept under that name (a resumable upload's earlier PATCHes) rather than start afresh.
   */
  constructor(sha1: boolean, from?: string) {
    this.#job = hashWorker.open((e) => this.#event(e));
    hashWorker.post({ type: 'start', job: this.#job, sha1, from });
  }

  #event(e: JobEvent<FromWorker>): void {
    if (e.type === 'free') {
      this.#free.push(e.buf);
      const f = this.#onFree;
      this.#onFree = null;
      f?.();
    } else if (e.type === 'digests' || e.type === 'missing') {
      this.#finish();
      this.#onDigests?.(e.type === 'digests' ? { sha256: e.sha256, sha1: e.sha1 } : null);
    } else {
      this.#error = e.error;
      this.#finish();
      const f = this.#onFree;
      this.#onFree = null;
      f?.();
      this.#onError?.(e.error);
    }
  }

  #finish(): void {
    this.#done = true;
    hashWorker.close(this.#job);
  }

  /** A buffer to fill at once: one the worker gave back, or a new one while fewer than BUFFERS exist; null: none yet. */
  #bufferNow(): Buffer | null {
    if (this.#error) throw this.#error;
    if (this.#free.length) return Buffer.from(this.#free.pop()!);
    if (this.#allocated === BUFFERS) return null;
    this.#allocated++;
    return Buffer.from(new ArrayBuffer(BUFFER));
  }

  /** Waits for a buffer to come back from the worker (or for the worker to fail). */
  async #nextBuffer(): Promise<Buffer> {
    for (;;) {
      const buf = this.#bufferNow();
      if (buf) return buf;
      await new Promise<void>((resolve) => (this.#onFree = resolve));
    }
  }

  #send(): void {
    const buf = this.#current!;
    this.#current = null;
    hashWorker.post({ type: 'data', job: this.#job, buf: buf.buffer as ArrayBuffer, length: this.#filled }, [buf.buffer as ArrayBuffer]);
    this.#filled = 0;
  }

  /** Copies the chunk in (the caller keeps using its own); resolves once it is queued for the worker. */
  async update(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      // most chunks find a buffer at once: no await (and no microtask) for them
      this.#current ??= this.#bufferNow() ?? (await this.#nextBuffer());
      const n = chunk.copy(this.#current, this.#filled, off);
      this.#filled += n;
      off += n;
      if (this.#filled === BUFFER) this.#send();
    }
    if (this.#error) throw this.#error;
  }

  /** After the last update: the hex digests. */
  async digest(): Promise<Digests> {
    const d = await this.end();
    if (!d) throw new Error('the hash worker lost the job');
    return d;
  }

  /**
   * After the last update: the hex digests, the state also kept under `keepAs` for a later PATCH to continue. null
   * when the state this job was to continue (`from`) is not held by the worker: nothing was hashed.
   */
  end(keepAs?: string): Promise<Digests | null> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#filled) this.#send();
    return new Promise<Digests | null>((resolve, reject) => {
      this.#onDigests = resolve;
      this.#onError = reject;
      try {
        hashWorker.post({ type: 'end', job: this.#job, keepAs });
      } catch (e) {
        reject(e as Error);
      }
    });
  }

  /** The upload failed: the worker drops the job. */
  cancel(): void {
    if (this.#done) return;
    try {
      hashWorker.post({ type: 'cancel', job: this.#job });
    } catch {
      // its worker is gone, and the job with it
    }
    this.#finish();
  }
}

/** The digests of a kept hash state (see OffloadedHash.end), or null when the running worker does not hold it. */
export function checkpointDigests(name: string): Promise<Digests | null> {
  if (!hashWorker.running()) return Promise.resolve(null);
  return new Promise<Digests | null>((resolve) => {
    const job = hashWorker.open((e) => {
      hashWorker.close(job);
      resolve(e.type === 'digests' ? { sha256: e.sha256, sha1: e.sha1 } : null);
    });
    try {
      hashWorker.post({ type: 'digest-of', job, name });
    } catch {
      hashWorker.close(job);
      resolve(null); // its worker is gone, and the state with it
    }
  });
}

/** Drops a kept hash state (its upload moved on, ended, or the PATCH that made it did not count). */
export function forgetCheckpoint(name: string): void {
  if (!hashWorker.running()) return;
  const job = hashWorker.open(() => undefined); // no answer: the job only routes the message to the thread
  try {
    hashWorker.post({ type: 'forget', job, name });
  } catch {
    // its worker is gone, and the state with it
  }
  hashWorker.close(job);
}
