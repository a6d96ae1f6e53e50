import { Transform, type TransformCallback } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { AppError } from '../domain/errors.ts';

export const SAMPLE_BYTES = 4100; // what file-type needs to recognise every format it knows

/**
 * Holds back the first few KiB, recognises the real type from magic bytes (file-type; plain text by being clean
 * UTF-8 without control characters), checks it against the allow-list and the declared type, then lets the bytes
 * flow. A refusal errors the stream before the store has committed anything.
 */
export class TypeSniffer extends Transform {
  readonly #allowed: readonly string[];
  readonly #declared: string | null;
  #sample: Buffer[] = [];
  #sampled = 0;
  #decided = false;
  detected: string | null = null;
  /** The verdict was made on fewer than SAMPLE_BYTES because the stream ended first (final only if the file did). */
  shortSample = false;

  /** declared null means the client did not say (or said application/octet-stream). */
  constructor(allowed: readonly string[], declared: string | null) {
    super();
    this.#allowed = allowed;
    this.#declared = declared;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.#decided) return cb(null, chunk);
    this.#sample.push(chunk);
    this.#sampled += chunk.length;
    if (this.#sampled < SAMPLE_BYTES) return cb();
    this.#decide().then(() => cb(null, Buffer.concat(this.#takeSample())), cb);
  }

  override _flush(cb: TransformCallback): void {
    if (this.#decided) return cb();
    if (this.#sampled === 0) return cb(new AppError('empty_body'));
    this.shortSample = true;
    this.#decide().then(() => cb(null, Buffer.concat(this.#takeSample())), cb);
  }

  #takeSample(): Buffer[] {
    const s = this.#sample;
    this.#sample = [];
    return s;
  }

  async #decide(): Promise<void> {
    this.#decided = true;
    const sample = Buffer.concat(this.#sample);
    const found = (await fileTypeFromBuffer(sample))?.mime ?? (looksLikeText(sample) ? 'text/plain' : null);
    if (!found || !this.#allowed.includes(found)) {
      throw new AppError('unsupported_media_type', `accepted types are ${this.#allowed.join(', ')}`, { detected: found ?? 'unknown' });
    }
    if (this.#declared && this.#declared !== found) {
      throw new AppError('content_type_mismatch', `declared ${this.#declared} but the bytes are ${found}`, { declared: this.#declared, detected: found });
    }
    this.detected = found;
  }
}

function looksLikeText(sample: Buffer): boolean {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true });
    return !/[\x00-\x08\x0b\x0e-\x1f\x7f]/.test(text);
  } catch {
    return false;
  }
}
