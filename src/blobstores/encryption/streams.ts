import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../../domain/errors.ts';
import type { KeyObject } from 'node:crypto';
import { CHUNK_LOG2, chunkKey, newHeader, openChunk, sealChunkPieces, TAG, type Kek } from './format.ts';
import { BATCH_CHUNKS, OffloadedChunks } from './chunk-offload.ts';

/**
 * Plaintext in, encrypted object out (header, then sealed chunks). A full chunk is sealed as "not last" only once a
 * further byte has arrived, so the final flag is always right; memory stays at about one chunk.
 *
 * The incoming pieces (an HTTP body's socket reads, rarely aligned with chunks) are encrypted piece by piece and never
 * copied into a chunk-sized buffer, nor are the sealed pieces joined: every extra 200 MiB allocated for a 200 MiB upload
 * costs garbage collection. The file stream writes what queues up with one writev (see FsBlobStore's highWaterMark).
 *
 * Past the first OFFLOAD_AFTER_CHUNKS chunks (a large object), the rest is sealed on the encryption worker in batches
 * (chunk-offload.ts): the pieces are copied into batch buffers instead, and the sealed batches come back in order.
 * Small objects never wait on a message. Chunks are independent (each its own nonce), so where one was sealed does not
 * show in the file.
 */
export const OFFLOAD_AFTER_CHUNKS = BATCH_CHUNKS;

export class EncryptingStream extends Transform {
  readonly #key: KeyObject;
  readonly #dataKey: Buffer;
  readonly #chunk = 1 << CHUNK_LOG2;
  #parts: Buffer[] = [];
  #buffered = 0;
  #index = 0;
  #offload: OffloadedChunks | null = null;
  /** The batch being filled (offloaded), and how much of it is. */
  #batch: Buffer | null = null;
  #filled = 0;
  /** The last batch sent: its sealed chunks are pushed when it resolves (after every earlier one). */
  #sent: Promise<void> = Promise.resolve();
  /** The chunk index at which to try the worker (again: it may have been starting). */
  #tryAt = OFFLOAD_AFTER_CHUNKS;

  constructor(kek: Kek, objectKey: string) {
    super();
    const { header, dataKey } = newHeader(kek, objectKey);
    this.#dataKey = dataKey;
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
    if (this.#offload) {
      this.#fill(data).then(() => cb(), cb);
      return;
    }
    this.#parts.push(data);
    this.#buffered += data.length;
    // a full chunk is sealed as "not last" only once a byte beyond it has arrived
    while (this.#buffered > this.#chunk) this.#seal(this.#take(this.#chunk), false);
    if (this.#index >= this.#tryAt) {
      this.#tryAt = this.#index + BATCH_CHUNKS;
      this.#offload = OffloadedChunks.start(this.#dataKey, CHUNK_LOG2, 'seal');
      // the bytes not sealed yet (at most a chunk) start the first batch
      if (this.#offload) {
        this.#fill(Buffer.concat(this.#take(this.#buffered))).then(() => cb(), cb);
        return;
      }
    }
    cb();
  }

  /** Copies bytes into batches; a full batch goes to the worker once a byte beyond it has arrived. */
  async #fill(data: Buffer): Promise<void> {
    const offload = this.#offload!;
    let off = 0;
    while (off < data.length) {
      if (this.#filled === offload.batchBytes) this.#send(false);
      this.#batch ??= offload.bufferNow() ?? (await offload.buffer());
      const n = data.copy(this.#batch, this.#filled, off);
      this.#filled += n;
      off += n;
    }
  }

  #send(last: boolean): void {
    const first = this.#index;
    this.#index += Math.max(1, Math.ceil(this.#filled / this.#chunk));
    const sealed = this.#offload!.seal(this.#batch!, this.#filled, first, last);
    this.#batch = null;
    this.#filled = 0;
    // answers come back in the order sent, so pushing as each resolves keeps the chunks in order
    this.#sent = sealed.then(
      (parts) => {
        for (const b of parts) this.push(b);
      },
      (e: Error) => void this.destroy(e),
    );
  }

  override _flush(cb: TransformCallback): void {
    if (!this.#offload) {
      this.#seal(this.#buffered ? this.#take(this.#buffered) : [Buffer.alloc(0)], true);
      cb();
      return;
    }
    this.#send(true); // the batch holds at least the byte that made the previous one go
    void this.#sent.then(() => {
      this.#offload?.end();
      if (!this.destroyed) cb();
    });
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.#offload?.end();
    cb(err);
  }
}

/**
 * Sealed chunks in (starting at chunk `first`), plaintext out. `last` is the index of the object's final chunk; the
 * stream fails if the file ends early or runs on. `skip` and `take` cut a byte range out of the chunks it opens.
 * `opened`: the plaintext of chunk `first`, already authenticated by the caller (the sealed input then starts at the
 * chunk after it). With `offload` (a large object), whole batches of sealed chunks are opened on the encryption worker
 * (chunk-offload.ts) as they arrive, their plaintext coming back in order; it falls back to the event loop if the worker
 * is not running.
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
  #offload: OffloadedChunks | null = null;
  /** The last batch sent to the worker: its plaintext is pushed when it resolves (after every earlier one). */
  #sent: Promise<void> = Promise.resolve();

  constructor(opts: { dataKey: Buffer; chunkLog2: number; first: number; last: number; skip?: number; take?: number; opened?: Buffer; offload?: boolean }) {
    super();
    this.#dataKey = chunkKey(opts.dataKey);
    this.#sealed = (1 << opts.chunkLog2) + TAG;
    this.#index = opts.first;
    this.#last = opts.last;
    this.#skip = opts.skip ?? 0;
    this.#take = opts.take ?? Number.POSITIVE_INFINITY;
    if (opts.opened) {
      this.#index++;
      this.#out([opts.opened]);
    }
    if (opts.offload) this.#offload = OffloadedChunks.start(opts.dataKey, opts.chunkLog2, 'open');
  }

  /** Pushes plaintext chunks, cut to the range. */
  #out(plain: Buffer[]): void {
    for (let p of plain) {
      if (this.#skip) {
        const s = Math.min(this.#skip, p.length);
        p = p.subarray(s);
        this.#skip -= s;
      }
      if (p.length > this.#take) p = p.subarray(0, this.#take);
      this.#take -= p.length;
      if (p.length) this.push(p);
    }
  }

  /** Chunks index, index+1, … of `sealed` (whole chunks, or the object's short last one) may be opened: counts them. */
  #claim(sealed: number): { first: number; count: number } {
    const count = Math.ceil(sealed / this.#sealed);
    if (this.#index + count - 1 > this.#last) throw new AppError('integrity_failure', 'the stored object runs on past its last chunk');
    const first = this.#index;
    this.#index += count;
    return { first, count };
  }

  /** Opens whole sealed chunks (and, at the end, the short last one): here, or as one batch on the worker. */
  #open(sealed: Buffer): void {
    const { first } = this.#claim(sealed.length);
    if (!this.#offload) {
      const plain: Buffer[] = [];
      try {
        for (let off = 0, i = first; off < sealed.length; off += this.#sealed, i++) {
          plain.push(openChunk(this.#dataKey, i, i === this.#last, sealed.subarray(off, off + this.#sealed)));
        }
      } finally {
        this.#out(plain); // each chunk's plaintext goes out as soon as it authenticates
      }
      return;
    }
    // the batch is handed over to the worker: it must own its whole ArrayBuffer (a file read's buffer does)
    let own = sealed;
    if (sealed.byteOffset !== 0 || sealed.buffer.byteLength !== sealed.length) {
      own = Buffer.allocUnsafeSlow(sealed.length); // never from Buffer's shared pool, which cannot be handed over
      sealed.copy(own);
    }
    const opened = this.#offload.open(own, own.length, first, this.#last);
    this.#sent = opened.then(
      (plain) => this.#out(plain),
      (e: Error) => void this.destroy(e),
    );
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      this.#parts.push(data);
      this.#buffered += data.length;
      const batch = this.#offload ? this.#offload.batchBytes : this.#sealed;
      if (this.#buffered >= batch) {
        const all = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#buffered);
        // whole chunks go now; the rest (a part of a chunk, or the short last one) waits for more or for the end
        const whole = Math.floor(all.length / this.#sealed) * this.#sealed;
        // (all is handed over to the worker only when nothing is left of it)
        const rest = whole === all.length ? null : all.subarray(whole);
        this.#parts = rest ? [rest] : [];
        this.#buffered = rest?.length ?? 0;
        this.#open(rest ? all.subarray(0, whole) : all);
      }
      if (!this.#offload) return cb();
      this.#offload.whenRoom().then(() => cb(), cb);
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      if (this.#buffered) this.#open(Buffer.concat(this.#parts, this.#buffered));
      this.#parts = [];
      this.#buffered = 0;
    } catch (e) {
      cb(e as Error);
      return;
    }
    void this.#sent.then(() => {
      this.#offload?.end();
      if (this.destroyed) return;
      if (this.#index <= this.#last && this.#take > 0) return cb(new AppError('integrity_failure', 'the stored object ended before its last chunk (truncated)'));
      cb();
    });
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.#offload?.end();
    cb(err);
  }
}
