import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../domain/errors.ts';
import { CHUNK_LOG2, newHeader, openChunk, sealChunk, type Kek } from './format.ts';

/**
 * Plaintext in, encrypted object out (header, then sealed chunks). A full chunk is sealed as "not last" only once a
 * further byte has arrived, so the final flag is always right; memory stays at about one chunk.
 */
export class EncryptingStream extends Transform {
  readonly #dataKey: Buffer;
  readonly #chunk = 1 << CHUNK_LOG2;
  #parts: Buffer[] = [];
  #buffered = 0;
  #index = 0;

  constructor(kek: Kek, objectKey: string) {
    super();
    const { header, dataKey } = newHeader(kek, objectKey);
    this.#dataKey = dataKey;
    this.push(header);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#parts.push(data);
    this.#buffered += data.length;
    if (this.#buffered > this.#chunk) {
      let all = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#buffered);
      let off = 0;
      while (all.length - off > this.#chunk) {
        this.push(sealChunk(this.#dataKey, this.#index++, false, all.subarray(off, off + this.#chunk)));
        off += this.#chunk;
      }
      all = all.subarray(off);
      this.#parts = [all];
      this.#buffered = all.length;
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const rest = Buffer.concat(this.#parts, this.#buffered);
    this.#parts = [];
    cb(null, sealChunk(this.#dataKey, this.#index, true, rest));
  }
}

/**
 * Sealed chunks in (starting at chunk `first`), plaintext out. `last` is the index of the object's final chunk; the
 * stream fails if the file ends early or runs on. `skip` and `take` cut a byte range out of the chunks it opens.
 */
export class DecryptingStream extends Transform {
  readonly #dataKey: Buffer;
  readonly #sealed: number;
  readonly #last: number;
  #index: number;
  #skip: number;
  #take: number;
  #parts: Buffer[] = [];
  #buffered = 0;

  constructor(opts: { dataKey: Buffer; chunkLog2: number; first: number; last: number; skip?: number; take?: number }) {
    super();
    this.#dataKey = opts.dataKey;
    this.#sealed = (1 << opts.chunkLog2) + 16;
    this.#index = opts.first;
    this.#last = opts.last;
    this.#skip = opts.skip ?? 0;
    this.#take = opts.take ?? Number.POSITIVE_INFINITY;
  }

  #emit(sealed: Buffer): void {
    if (this.#index > this.#last) throw new AppError('integrity_failure', 'the stored object runs on past its last chunk');
    let plain = openChunk(this.#dataKey, this.#index, this.#index === this.#last, sealed);
    this.#index++;
    if (this.#skip) {
      const s = Math.min(this.#skip, plain.length);
      plain = plain.subarray(s);
      this.#skip -= s;
    }
    if (plain.length > this.#take) plain = plain.subarray(0, this.#take);
    this.#take -= plain.length;
    if (plain.length) this.push(plain);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#parts.push(data);
      this.#buffered += data.length;
      if (this.#buffered >= this.#sealed) {
        const all = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#buffered);
        let off = 0;
        // the last chunk may be short: it is opened at flush, or here when it is exactly full and is the last one
        while (all.length - off >= this.#sealed) {
          this.#emit(all.subarray(off, off + this.#sealed));
          off += this.#sealed;
        }
        const rest = all.subarray(off);
        this.#parts = rest.length ? [rest] : [];
        this.#buffered = rest.length;
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.#buffered) this.#emit(Buffer.concat(this.#parts, this.#buffered));
      if (this.#index <= this.#last && this.#take > 0) throw new AppError('integrity_failure', 'the stored object ended before its last chunk (truncated)');
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
