import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.ts';

/**
 * Re-computes SHA-256 on the way out and holds back the final chunk until the digest is known: on a mismatch the
 * stream errors before its last bytes, so a client reading a Content-Length response can never mistake corrupted
 * bytes for a complete document.
 */
export class VerifyingStream extends Transform {
  readonly #hash = createHash('sha256');
  readonly #expected: string;
  readonly #expectedSize: number;
  #held: Buffer | null = null;
  #size = 0;
  readonly onMismatch: (actual: string) => void;

  constructor(expectedSha256: string, expectedSize: number, onMismatch: (actual: string) => void) {
    super();
    this.#expected = expectedSha256;
    this.#expectedSize = expectedSize;
    this.onMismatch = onMismatch;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#hash.update(chunk);
    this.#size += chunk.length;
    const out = this.#held;
    this.#held = chunk;
    cb(null, out ?? undefined);
  }

  override _flush(cb: TransformCallback): void {
    const actual = this.#hash.digest('hex');
    if (actual !== this.#expected || this.#size !== this.#expectedSize) {
      this.onMismatch(actual);
      cb(new AppError('integrity_failure', 'the stored bytes do not match their recorded SHA-256'));
      return;
    }
    cb(null, this.#held ?? undefined);
  }
}
