import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.ts';

/**
 * Passes bytes through unchanged while computing SHA-256 (our integrity hash) and SHA-1 (FHIR R4 Attachment.hash)
 * and counting them, so hashing happens in the same pass that streams to storage. With maxBytes set it fails with
 * payload_too_large as soon as the limit is crossed, whatever the transfer encoding.
 */
export class HashingStream extends Transform {
  readonly #sha256: Hash = createHash('sha256');
  readonly #sha1: Hash | null;
  readonly #maxBytes: number;
  size = 0;

  constructor(opts: { sha1?: boolean; maxBytes?: number } = {}) {
    super();
    this.#sha1 = opts.sha1 ? createHash('sha1') : null;
    this.#maxBytes = opts.maxBytes ?? Number.POSITIVE_INFINITY;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.#maxBytes) {
      cb(new AppError('payload_too_large', `the upload limit is ${this.#maxBytes} bytes`, { limit: this.#maxBytes }));
      return;
    }
    this.#sha256.update(chunk);
    this.#sha1?.update(chunk);
    cb(null, chunk);
  }

  /** Call after the stream has ended. */
  digests(): { sha256: string; sha1: string; size: number } {
    return { sha256: this.#sha256.digest('hex'), sha1: this.#sha1?.digest('hex') ?? '', size: this.size };
  }
}
