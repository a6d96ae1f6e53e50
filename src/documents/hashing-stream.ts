import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.ts';
import { OffloadedHash, type Digests } from './hash-offload.ts';

/** Declared body sizes from which hashing moves to the worker thread (below it, the messages would cost more). */
export const OFFLOAD_HASHING_FROM = 8 * 1024 * 1024;

/**
 * Passes bytes through unchanged while computing SHA-256 (our integrity hash) and SHA-1 (FHIR R4 Attachment.hash)
 * and counting them, so hashing happens in the same pass that streams to storage. With maxBytes set it fails with
 * payload_too_large as soon as the limit is crossed, whatever the transfer encoding. With offload (a large body) the
 * two hashes run on a worker thread beside the event loop (hash-offload.ts); the stream ends only once they are done.
 */
export class HashingStream extends Transform {
  readonly #sha256: Hash | null;
  readonly #sha1: Hash | null;
  readonly #offloaded: OffloadedHash | null;
  readonly #maxBytes: number;
  #digests: Digests | null = null;
  size = 0;

  constructor(opts: { sha1?: boolean; maxBytes?: number; offload?: boolean } = {}) {
    super();
    this.#offloaded = opts.offload ? new OffloadedHash(opts.sha1 ?? false) : null;
    this.#sha256 = this.#offloaded ? null : createHash('sha256');
    this.#sha1 = opts.sha1 && !this.#offloaded ? createHash('sha1') : null;
    this.#maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.#maxBytes) {
      cb(new AppError('payload_too_large', `the upload limit is ${this.#maxBytes} bytes`, { limit: this.#maxBytes }));
      return;
    }
    if (this.#offloaded) {
      this.#offloaded.update(chunk).then(() => cb(null, chunk), cb);
      return;
    }
    this.#sha256!.update(chunk);
    this.#sha1?.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (!this.#offloaded) return cb();
    this.#offloaded.digest().then((d) => {
      this.#digests = d;
      cb();
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
