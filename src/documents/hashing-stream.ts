import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.ts';
import { hashWorkerReady, OffloadedHash, runningHashWorker, type Digests } from './hash-offload.ts';

/**
 * Declared body sizes from which hashing moves to the worker thread (below it, the messages would cost more). A body
 * of unknown size (chunked transfer encoding) is hashed there too: it may be large.
 */
export const OFFLOAD_HASHING_FROM = 8 * 1024 * 1024;

/** Whether a body with this declared length (null: not declared) is hashed on the worker thread. */
export const offloadHashing = (declaredLength: number | null | undefined): boolean => (declaredLength ?? OFFLOAD_HASHING_FROM) >= OFFLOAD_HASHING_FROM;

/**
 * Passes bytes through unchanged while computing SHA-256 (our integrity hash) and SHA-1 (FHIR R4 Attachment.hash)
 * and counting them, so hashing happens in the same pass that streams to storage. With maxBytes set it fails with
 * payload_too_large as soon as the limit is crossed, whatever the transfer encoding. With offload (a large body) the
 * two hashes run on a worker thread beside the event loop (hash-offload.ts); the stream ends only once they are done.
 * If the worker cannot start, they run here instead (decided before the first byte is hashed).
 */
export class HashingStream extends Transform {
  readonly #wantSha1: boolean;
  #sha256: Hash | null = null;
  #sha1: Hash | null = null;
  #offloaded: OffloadedHash | null = null;
  /** Pending while an offloaded stream waits for the worker to be ready (its first chunk only). */
  #ready: Promise<boolean> | null;
  readonly #maxBytes: number;
  #digests: Digests | null = null;
  size = 0;

  constructor(opts: { sha1?: boolean; maxBytes?: number; offload?: boolean } = {}) {
    super();
    this.#wantSha1 = opts.sha1 ?? false;
    this.#maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    this.#ready = opts.offload ? hashWorkerReady() : null;
    if (!this.#ready) this.#hashHere();
  }

  #hashHere(): void {
    this.#sha256 = createHash('sha256');
    this.#sha1 = this.#wantSha1 ? createHash('sha1') : null;
  }

  /** Runs `then` once it is known where the bytes are hashed. */
  #decided(then: () => void, cb: TransformCallback): void {
    if (!this.#ready) return then();
    this.#ready.then((ok) => {
      this.#ready = null;
      const w = ok ? runningHashWorker() : null;
      if (this.destroyed) return cb();
      if (w) this.#offloaded = new OffloadedHash(this.#wantSha1);
      else this.#hashHere();
      then();
    }, cb);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.#maxBytes) {
      cb(new AppError('payload_too_large', `the upload limit is ${this.#maxBytes} bytes`, { limit: this.#maxBytes }));
      return;
    }
    this.#decided(() => {
      if (this.#offloaded) {
        this.#offloaded.update(chunk).then(() => cb(null, chunk), cb);
        return;
      }
      this.#sha256!.update(chunk);
      this.#sha1?.update(chunk);
      cb(null, chunk);
    }, cb);
  }

  override _flush(cb: TransformCallback): void {
    this.#decided(() => {
      if (!this.#offloaded) return cb();
      this.#offloaded.digest().then((d) => {
        this.#digests = d;
        cb();
      }, cb);
    }, cb);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.#offloaded?.cancel();
    cb(err);
  }

  /** Call after the stream has ended. */
  digests(): { sha256: string; sha1: string; size: number } {
    if (this.#offloaded) {
      if (!this.#digests) throw new Error('HashingStream.digests() before the stream ended');
      return { ...this.#digests, size: this.size };
    }
    return { sha256: this.#sha256!.digest('hex'), sha1: this.#sha1?.digest('hex') ?? '', size: this.size };
  }
}
