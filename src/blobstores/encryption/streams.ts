import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../domain/errors.ts';
import type { KeyObject } from 'node:crypto';
import { CHUNK_LOG2, chunkKey, newHeader, openChunk, sealChunkPieces, type Kek } from './format.ts';

/**
 * Plaintext in, encrypted object out (header, then sealed chunks). A full chunk is sealed as "not last" only once a
 * further byte has arrived, so the final flag is always right; memory stays at about one chunk.
 *
 * The incoming pieces (an HTTP body's socket reads, rarely aligned with chunks) are encrypted piece by piece and never
 * copied into a chunk-sized buffer, nor are the sealed pieces joined: every extra 200 MiB allocated for a 200 MiB upload
 * costs garbage collection. The file stream writes what queues up with one writev (see FsBlobStore's highWaterMark).
 */
export class EncryptingStream extends Transform {
  readonly #key: KeyObject;
  readonly #chunk = 1 << CHUNK_LOG2;
  #parts: Buffer[] = [];
  #buffered = 0;
  #index = 0;

  constructor(kek: Kek, objectKey: string) {
    super();
    const { header, dataKey } = newHeader(kek, objectKey);
    this.#key = chunkKey(dataKey);
    this.push(header);
  }

  /** Takes exactly n buffered bytes as pieces (subarrays of what arrived, no copy). */
  #take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const p = this.#parts[0]!;
      if (p.length <= left) {
        out.push(p);
        this.#parts.shift();
        left -= p.length;
      } else {
        out.push(p.subarray(0, left));
        this.#parts[0] = p.subarray(left);
        left = 0;
      }
    }
    this.#buffered -= n;
    return out;
  }

  #seal(pieces: Buffer[], last: boolean): void {
    for (const b of sealChunkPieces(this.#key, this.#index++, last, pieces)) this.push(b);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#parts.push(data);
    this.#buffered += data.length;
    // a full chunk is sealed as "not last" only once a byte beyond it has arrived
    while (this.#buffered > this.#chunk) this.#seal(this.#take(this.#chunk), false);
    cb();
  }

  override _flush(cb: TransformCallback): void {
    this.#seal(this.#buffered ? this.#take(this.#buffered) : [Buffer.alloc(0)], true);
    cb();
  }
}

/**
 * Sealed chunks in (starting at chunk `first`), plaintext out. `last` is the index of the object's final chunk; the
 * stream fails if the file ends early or runs on. `skip` and `take` cut a byte range out of the chunks it opens.
 */
export class DecryptingStream extends Transform {
  readonly #dataKey: KeyObject;
  readonly #sealed: number;
  readonly #last: number;
  #index: number;
  #skip: number;
  #take: number;
  #parts: Buffer[] = [];
  #buffered = 0;

  constructor(opts: { dataKey: Buffer; chunkLog2: number; first: number; last: number; skip?: number; take?: number }) {
    super();
    this.#dataKey = chunkKey(opts.dataKey);
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
