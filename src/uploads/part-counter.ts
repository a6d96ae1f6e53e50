import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.ts';
import type { ChecksumAlgorithm } from './tus-headers.ts';

/** Counts a part's bytes (never past what the upload still needs) and computes the Upload-Checksum digest. */
export class PartCounter extends Transform {
  readonly #limit: number;
  readonly #hash: Hash | null;
  size = 0;

  constructor(limit: number, algorithm: ChecksumAlgorithm | null) {
    super();
    this.#limit = limit;
    this.#hash = algorithm ? createHash(algorithm) : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.#limit) {
      cb(new AppError('payload_too_large', 'the request carries more bytes than Upload-Length leaves', { limit: this.#limit }));
      return;
    }
    this.#hash?.update(chunk);
    cb(null, chunk);
  }

  digest(): Buffer | null {
    return this.#hash?.digest() ?? null;
  }
}
