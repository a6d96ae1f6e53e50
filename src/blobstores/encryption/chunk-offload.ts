import { AppError } from '../../domain/errors.ts';
import { JobWorker, type JobEvent } from '../../offload/job-worker.ts';
import { TAG } from './format.ts';

/**
 * AES-256-GCM of large objects on a worker thread (chunk-worker.ts), beside the event loop that reads the socket and
 * writes the file: sealing 100 MiB costs the event loop about 70 ms of AES-GCM at 64 KiB chunks on this machine (plus
 * allocating every sealed byte), which a single upload's time paid in full. The chunks and their nonces are exactly
 * those of the event-loop path (format.ts): only where the cipher runs changes, so the files are the same format.
 *
 * An object's chunks go in batches of BATCH_CHUNKS, copied (sealing) or handed over (opening) in buffers that are
 * transferred, not cloned; each batch's answer (every chunk's output, transferred as node:crypto made it) comes back in
 * order with its input buffer for the next batch. Memory
 * per object stays at BUFFERS batches in flight; when every buffer is at the worker the stream waits (backpressure).
 */
export type ToChunkWorker =
  | { type: 'start'; job: number; key: Uint8Array; chunkLog2: number }
  | { type: 'seal'; job: number; buf: ArrayBuffer; length: number; first: number; last: boolean }
  | { type: 'open'; job: number; buf: ArrayBuffer; length: number; first: number; lastIndex: number }
  | { type: 'end'; job: number };

export type FromChunkWorker =
  | { type: 'done'; job: number; parts: ArrayBuffer[]; buf: ArrayBuffer }
  | { type: 'refused'; job: number; message: string; integrity: boolean; buf: ArrayBuffer };

/** Chunks per batch: 1 MiB of plaintext at the format's 64 KiB chunks. */
export const BATCH_CHUNKS = 16;
/** Batches in flight per object. */
const BUFFERS = 3;

const chunkWorker = new JobWorker<ToChunkWorker, FromChunkWorker>(new URL('./chunk-worker.ts', import.meta.url), (cause) =>
  // a transient fault of this process, not of the object: 503 with Retry-After (the retry gets a new worker)
  new AppError('temporarily_unavailable', `the encryption worker stopped (${cause.message}); retry`, {}, { cause, retryAfter: 1 }),
);

let batches = 0;

/** Batches sealed or opened on the worker so far (tests show with it that a large object really went there). */
export const offloadedBatches = (): number => batches;

/** The running worker, or null (tests stop it to see a stream fail cleanly). */
export const runningChunkWorker = () => chunkWorker.running();

/** Starts the worker if it is not running (see JobWorker.ready); objects seal on the event loop until it is. */
export function chunkWorkerReady(): Promise<boolean> {
  return chunkWorker.ready();
}

interface Pending {
  resolve: (out: Buffer[]) => void;
  reject: (e: Error) => void;
}

/** One object's batches on the worker, sealing or opening. */
export class OffloadedChunks {
  readonly #job: number;
  /** Bytes per batch buffer: BATCH_CHUNKS plaintext chunks (seal) or sealed chunks (open). */
  readonly batchBytes: number;
  readonly #queue: Pending[] = [];
  readonly #free: ArrayBuffer[] = [];
  #allocated = 0;
  readonly #reuse: boolean;
  #error: Error | null = null;
  /** Waiting for an answer (a buffer back, room for another batch). */
  #waiting: (() => void)[] = [];
  #ended = false;

  /** On the running worker, or null when it is not running (the caller stays on the event loop). */
  static start(dataKey: Buffer, chunkLog2: number, mode: 'seal' | 'open'): OffloadedChunks | null {
    if (!chunkWorker.running()) {
      void chunkWorkerReady(); // for the next object
      return null;
    }
    return new OffloadedChunks(dataKey, chunkLog2, mode);
  }

  private constructor(dataKey: Buffer, chunkLog2: number, mode: 'seal' | 'open') {
    this.batchBytes = BATCH_CHUNKS * ((1 << chunkLog2) + (mode === 'open' ? TAG : 0));
    this.#reuse = mode === 'seal';
    this.#job = chunkWorker.open((e) => this.#event(e));
    chunkWorker.post({ type: 'start', job: this.#job, key: new Uint8Array(dataKey), chunkLog2 });
  }

  #event(e: JobEvent<FromChunkWorker>): void {
    if (e.type === 'failed') return this.#fail(e.error);
    if (this.#reuse) this.#free.push(e.buf); // sealing: the next batch is copied into it; opening: the caller's, dropped
    const p = this.#queue.shift();
    this.#wake();
    if (e.type === 'done') {
      batches++;
      p?.resolve(e.parts.map((a) => Buffer.from(a)));
    } else {
      const error = e.integrity ? new AppError('integrity_failure', e.message) : new Error(e.message);
      p?.reject(error);
      this.#fail(error);
    }
  }

  #wake(): void {
    for (const w of this.#waiting.splice(0)) w();
  }

  #fail(error: Error): void {
    this.#error ??= error;
    this.#wake();
    for (const p of this.#queue.splice(0)) p.reject(error);
    this.end();
  }

  /** A batch buffer to fill at once, or null while every buffer is at the worker. */
  bufferNow(): Buffer | null {
    if (this.#error) throw this.#error;
    if (this.#free.length) return Buffer.from(this.#free.pop()!);
    if (this.#allocated === BUFFERS) return null;
    this.#allocated++;
    return Buffer.from(new ArrayBuffer(this.batchBytes));
  }

  /** A batch buffer to fill, once one is back from the worker. */
  async buffer(): Promise<Buffer> {
    for (;;) {
      const buf = this.bufferNow();
      if (buf) return buf;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }

  /** Resolves once fewer than BUFFERS batches are at the worker (for batches in buffers of the caller's own). */
  async whenRoom(): Promise<void> {
    while (this.#queue.length >= BUFFERS) {
      if (this.#error) throw this.#error;
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    if (this.#error) throw this.#error;
  }

  #send(m: ToChunkWorker & { buf: ArrayBuffer }): Promise<Buffer[]> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise<Buffer[]>((resolve, reject) => {
      this.#queue.push({ resolve, reject });
      try {
        chunkWorker.post(m, [m.buf]);
      } catch (e) {
        this.#fail(e as Error);
      }
    });
  }

  /**
   * Seals `length` bytes of plaintext in `buf` (a buffer from this object) as chunks first, first+1, …: every chunk
   * full but the last, which is the object's last chunk when `last`. Resolves to the sealed chunks (each chunk's
   * ciphertext then its tag), in the order sent.
   */
  seal(buf: Buffer, length: number, first: number, last: boolean): Promise<Buffer[]> {
    return this.#send({ type: 'seal', job: this.#job, buf: buf.buffer as ArrayBuffer, length, first, last });
  }

  /**
   * Opens `length` bytes of sealed chunks (first, first+1, …; lastIndex is the object's final chunk) in `buf`, which
   * is handed over (it must own its whole ArrayBuffer). Resolves to their plaintext, in the order sent; fails with
   * integrity_failure if any chunk does not authenticate.
   */
  open(buf: Buffer, length: number, first: number, lastIndex: number): Promise<Buffer[]> {
    return this.#send({ type: 'open', job: this.#job, buf: buf.buffer as ArrayBuffer, length, first, lastIndex });
  }

  /** The object is done (or torn down): the worker forgets its key. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    try {
      chunkWorker.post({ type: 'end', job: this.#job });
    } catch {
      // its worker is gone, and the job with it
    }
    chunkWorker.close(this.#job);
  }
}
