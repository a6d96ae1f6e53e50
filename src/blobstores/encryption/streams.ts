import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../domain/errors.ts';
import { CHUNK_LOG2, newHeader, openChunk, sealChunkParts, type Kek } from './format.ts';

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

  /** Takes exactly n buffered bytes: without a copy when they are one part (or the front of one). */
  #take(n: number): Buffer {
    const first = this.#parts[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#parts.shift();
      else this.#parts[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let off = 0;
      while (off < n) {
        const p = this.#parts[0]!;
        const k = Math.min(p.length, n - off);
        p.copy(out, off, 0, k);
        off += k;
        if (k === p.length) this.#parts.shift();
        else this.#parts[0] = p.subarray(k);
      }
    }
    this.#buffered -= n;
    return out;
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#parts.push(data);
    this.#buffered += data.length;
    // a full chunk is sealed as "not last" only once a byte beyond it has arrived
    while (this.#buffered > this.#chunk) {
      const [ct, tag] = sealChunkParts(this.#dataKey, this.#index++, false, this.#take(this.#chunk));
      this.push(ct);
      this.push(tag);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.#buffered ? this.#take(this.#buffered) : Buffer.alloc(0);
    const [ct, tag] = sealChunkParts(this.#dataKey, this.#index, true, rest);
    this.push(ct);
    cb(null, tag);
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

  #emit(sealed: Buffer, out: Buffer[]): void {
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
    if (plain.length) out.push(plain);
  }

  #emitAll(sealed: Buffer): void {
    const out: Buffer[] = [];
    try {
      this.#emit(sealed, out);
    } finally {
      for (const b of out) this.push(b);
    }
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#parts.push(data);
      this.#buffered += data.length;
      if (this.#buffered >= this.#sealed) {
        const all = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#buffered);
        let off = 0;
        // the last chunk may be short: it is opened at flush, or here when it is exactly full and is the last one;
        // each chunk's plaintext goes out as soon as it authenticates
        while (all.length - off >= this.#sealed) {
          this.#emitAll(all.subarray(off, off + this.#sealed));
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
      if (this.#buffered) this.#emitAll(Buffer.concat(this.#parts, this.#buffered));
      if (this.#index <= this.#last && this.#take > 0) throw new AppError('integrity_failure', 'the stored object ended before its last chunk (truncated)');
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
