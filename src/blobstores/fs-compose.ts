import { buffer } from 'node:stream/consumers';
import { chmod, link, mkdir, open, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable, Transform, Writable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { KeyObject } from 'node:crypto';
import { AppError } from '../domain/errors.ts';
import type { BlobComposer, BlobPutOptions, BlobPutResult, ComposeState } from '../domain/ports.ts';
import { syncDir } from './sync-dir.ts';
import { mapStoreError } from './store-errors.ts';
import { CHUNK_LOG2, chunkKey, HEADER_SIZE, newHeader, openChunk, parseHeader, sealChunkPieces, SLOT_OFFSET, SLOT_SIZE, TAG, unwrapDataKey, wrapSlot } from './encryption/format.ts';
import type { Keyring } from './encryption/keyring.ts';

/** Plaintext bytes per encrypted chunk (format.ts): the unit a composed encrypted file grows by. */
const CHUNK = 1 << CHUNK_LOG2;
const SEALED = CHUNK + TAG;
const DIR_MODE = { recursive: true, mode: 0o700 } as const;

/** What the fs composer needs of its store. */
export interface FsComposeHost {
  /** The file of a key (validated). */
  file(key: string): string;
  keyring: Keyring | null;
  put(key: string, body: Readable, opts: BlobPutOptions): Promise<BlobPutResult>;
  get(key: string, versionId: string | null): Promise<Readable>;
}

interface FsState {
  /** The growing file's key (under the prefix): what becomes the object, by a hard link, once finished. */
  file: string;
  encrypted: boolean;
  /**
   * Encrypted: the plaintext bytes after the last full chunk (fewer than 64 KiB), kept as a small object of its own
   * (encrypted under its own data key) until the next append seals them into the file. A chunk is sealed only once,
   * when it is full (or it ends the object): sealing a chunk again with other bytes would reuse its nonce.
   */
  tail: string | null;
}

const fsState = (s: ComposeState): FsState => s.store as unknown as FsState;

/**
 * The filesystem store's composing (a resumable upload's PATCHes appended to one file, fsynced each time, then
 * hard-linked under the document's key: no byte is copied). With encryption at rest the file is in the store's
 * format from the start (format.ts): a header wrapped for the file's own key, then chunks sealed in order, every
 * chunk but the object's last sealed as "not last"; the partial chunk at the end of a PATCH waits in a small tail
 * object. finish() wraps the data key for the document's key (the header's second slot) before linking.
 *
 * A run of bytes that was written but never counted (a PATCH refused for its checksum, a crash before PostgreSQL
 * recorded it) leaves the file longer than the recorded state. Plaintext: cut back. Encrypted: the chunks past the
 * recorded end were sealed once already, so the next append would seal those chunk numbers again, perhaps with other
 * bytes (a GCM nonce reused): instead it starts a new file under a new data key and re-encrypts the recorded chunks
 * into it (the one case where bytes are copied).
 */
export class FsComposer implements BlobComposer {
  readonly #host: FsComposeHost;

  constructor(host: FsComposeHost) {
    this.#host = host;
  }

  async start(key: string, o: { prefix: string; length: number; contentType: string }): Promise<ComposeState> {
    this.#host.file(key); // a valid key, before anything is written
    try {
      const file = `${o.prefix}compose-${randomUUID()}`;
      const encrypted = await this.#create(file);
      return { key, prefix: o.prefix, length: o.length, size: 0, holds: [file], store: { file, encrypted, tail: null } satisfies FsState };
    } catch (e) {
      throw fsError(e, `starting ${key}`, 'unwritable');
    }
  }

  /** A new empty composed file (with its encryption header when encryption is on), durable with its directory entry. */
  async #create(file: string): Promise<boolean> {
    const full = this.#host.file(file);
    await mkdir(path.dirname(full), DIR_MODE);
    const fh = await open(full, 'wx', 0o600);
    try {
      const keyring = this.#host.keyring;
      if (keyring) {
        await keyring.refresh();
        await fh.write(newHeader(keyring.current, file).header, 0, HEADER_SIZE, 0);
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
    await syncDir(path.dirname(full));
    return this.#host.keyring !== null;
  }

  async append(state: ComposeState, body: Readable): Promise<ComposeState> {
    if (state.size >= state.length) throw new AppError('validation_failed', 'the composed object is complete');
    try {
      return fsState(state).encrypted ? await this.#appendEncrypted(state, body) : await this.#appendPlain(state, body);
    } catch (e) {
      if (!body.destroyed) body.destroy();
      throw fsError(e, `appending to ${state.key}`);
    }
  }

  async #appendPlain(state: ComposeState, body: Readable): Promise<ComposeState> {
    const { file } = fsState(state);
    const fh = await open(this.#host.file(file), 'r+');
    let size = 0;
    try {
      const have = (await fh.stat()).size;
      if (have < state.size) throw lost(state);
      if (have > state.size) await fh.truncate(state.size); // bytes of a run that never counted
      const counter = new Limit(state.length - state.size);
      await pipeline(body, counter, new FileWriter(fh, state.size));
      size = counter.size;
      await fh.sync();
    } finally {
      await fh.close();
    }
    return { ...state, size: state.size + size };
  }

  async #appendEncrypted(state: ComposeState, body: Readable): Promise<ComposeState> {
    const keyring = this.#host.keyring;
    if (!keyring) throw new AppError('storage_unavailable', 'this upload is encrypted but no key-encryption key is configured (QUILL_FS_ENCRYPTION=false?)', { layer: 'blob' });
    const s = fsState(state);
    const full = Math.floor(state.size / CHUNK); // chunks sealed in the file
    let file = s.file;
    let fh = await open(this.#host.file(file), 'r+');
    try {
      let dataKey = await this.#dataKey(fh, file);
      const end = HEADER_SIZE + full * SEALED;
      const have = (await fh.stat()).size;
      if (have < end) throw lost(state);
      if (have > end) {
        // chunks past the recorded end were sealed by a run that never counted: never seal those numbers again
        const fresh = await this.#rekey(fh, dataKey, full, state.prefix);
        await fh.close();
        ({ fh, file, dataKey } = fresh);
      }
      const head = s.tail ? await buffer(await this.#host.get(s.tail, null)) : Buffer.alloc(0);
      if (head.length !== state.size - full * CHUNK) throw lost(state);
      const sealer = new ChunkSealer({ key: dataKey, first: full, head, from: state.size, length: state.length });
      await pipeline(body, sealer, new FileWriter(fh, end));
      await fh.sync();
      const size = state.size + sealer.received;
      const rest = sealer.rest();
      let tail: string | null = null;
      if (rest.length) {
        tail = `${state.prefix}tail-${String(size).padStart(16, '0')}-${randomUUID()}`;
        await this.#host.put(tail, Readable.from([rest]), { contentType: 'application/octet-stream' });
      }
      return { ...state, size, holds: tail ? [file, tail] : [file], store: { file, encrypted: true, tail } satisfies FsState };
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** The file's data key, from the header slot wrapped for `objectKey`. */
  async #dataKey(fh: FileHandle, objectKey: string): Promise<Buffer> {
    const header = Buffer.alloc(HEADER_SIZE);
    await fh.read(header, 0, HEADER_SIZE, 0);
    const keyring = this.#host.keyring!;
    const parsed = parseHeader(header);
    try {
      return unwrapDataKey(parsed, objectKey, (id) => keyring.find(id)).dataKey;
    } catch (e) {
      if (!(e instanceof AppError && e.code === 'storage_unavailable')) throw e;
      await keyring.refresh(true);
      return unwrapDataKey(parsed, objectKey, (id) => keyring.find(id)).dataKey;
    }
  }

  /** A new file under a new data key holding the first `chunks` chunks of the old one, re-encrypted. */
  async #rekey(old: FileHandle, oldKey: Buffer, chunks: number, prefix: string): Promise<{ fh: FileHandle; file: string; dataKey: Buffer }> {
    const file = `${prefix}compose-${randomUUID()}`;
    await this.#create(file);
    const fh = await open(this.#host.file(file), 'r+');
    try {
      const dataKey = await this.#dataKey(fh, file);
      const [from, to] = [chunkKey(oldKey), chunkKey(dataKey)];
      const sealed = Buffer.alloc(SEALED);
      for (let i = 0; i < chunks; i++) {
        const { bytesRead } = await old.read(sealed, 0, SEALED, HEADER_SIZE + i * SEALED);
        const plain = openChunk(from, i, false, sealed.subarray(0, bytesRead));
        await fh.writev(sealChunkPieces(to, i, false, [plain]), HEADER_SIZE + i * SEALED);
      }
      await fh.sync();
      return { fh, file, dataKey };
    } catch (e) {
      await fh.close().catch(() => undefined);
      throw e;
    }
  }

  async finish(state: ComposeState): Promise<BlobPutResult> {
    if (state.size !== state.length) throw new AppError('validation_failed', `the composed object has ${state.size} of its ${state.length} bytes`);
    const s = fsState(state);
    const source = this.#host.file(s.file);
    const target = this.#host.file(state.key);
    try {
      if (s.encrypted) await this.#retarget(source, s.file, state.key);
      await chmod(source, 0o400); // read-only once written, as every stored object
      await mkdir(path.dirname(target), DIR_MODE);
      await link(source, target).catch(async (e: NodeJS.ErrnoException) => {
        // a finish retried after its link: the same file is already in place
        if (e.code === 'EEXIST' && (await stat(target)).ino === (await stat(source)).ino) return;
        throw e.code === 'EEXIST' ? new AppError('object_exists', `object key ${state.key} already exists; keys are never reused`) : e;
      });
      await syncDir(path.dirname(target));
    } catch (e) {
      throw fsError(e, `finishing ${state.key}`, 'unwritable');
    }
    return { versionId: null };
  }

  /**
   * Wraps the data key for the document's key in the header's free slot, then clears the slot of the file's own key,
   * fsyncing after each write (as rotate-key does): the file authenticates under one key or the other at every moment.
   */
  async #retarget(file: string, fileKey: string, key: string): Promise<void> {
    const fh = await open(file, 'r+');
    try {
      const header = Buffer.alloc(HEADER_SIZE);
      await fh.read(header, 0, HEADER_SIZE, 0);
      const parsed = parseHeader(header);
      const keyring = this.#host.keyring!;
      const find = (id: Buffer) => keyring.find(id);
      const slotFor = (objectKey: string) => {
        try {
          return unwrapDataKey(parsed, objectKey, find);
        } catch {
          return null;
        }
      };
      if (slotFor(key)) return; // done by an earlier finish
      const own = slotFor(fileKey);
      if (!own) throw new AppError('integrity_failure', 'the composed file\'s data key does not authenticate');
      const free = (1 - own.slot) as 0 | 1;
      await fh.write(wrapSlot(keyring.current, own.dataKey, key, parsed.chunkLog2), 0, SLOT_SIZE, SLOT_OFFSET[free]);
      await fh.sync();
      await fh.write(Buffer.alloc(SLOT_SIZE), 0, SLOT_SIZE, SLOT_OFFSET[own.slot]);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  /** Nothing outside the prefix exists before finish(): the caller removes the working files. */
  async abandon(_state: ComposeState): Promise<void> {}
}

/**
 * Plaintext in (after `head`, the bytes the last append left unsealed), sealed chunks out, numbered from `first`.
 * A chunk is sealed when full, as the object's last when it ends the object (the declared length); what is left at
 * the end of a run that does not end the object stays unsealed (rest()), for the next append.
 */
class ChunkSealer extends Transform {
  readonly #key: KeyObject;
  readonly #last: number;
  readonly #endsAt: number;
  #index: number;
  #pieces: Buffer[] = [];
  #buffered = 0;
  /** Plaintext position after the bytes taken so far. */
  #at: number;
  received = 0;

  constructor(o: { key: Buffer; first: number; head: Buffer; from: number; length: number }) {
    super();
    this.#key = chunkKey(o.key);
    this.#index = o.first;
    this.#last = Math.max(0, Math.ceil(o.length / CHUNK) - 1);
    this.#endsAt = o.length;
    this.#at = o.from;
    if (o.head.length) {
      this.#pieces.push(o.head);
      this.#buffered = o.head.length;
    }
  }

  #take(n: number): Buffer[] {
    const out: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const p = this.#pieces[0]!;
      if (p.length <= left) {
        out.push(p);
        this.#pieces.shift();
        left -= p.length;
      } else {
        out.push(p.subarray(0, left));
        this.#pieces[0] = p.subarray(left);
        left = 0;
      }
    }
    this.#buffered -= n;
    return out;
  }

  #seal(pieces: Buffer[]): void {
    const index = this.#index++;
    for (const b of sealChunkPieces(this.#key, index, index === this.#last, pieces)) this.push(b);
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.#at + data.length > this.#endsAt) return cb(new AppError('payload_too_large', 'more bytes than the upload\'s length'));
    this.#at += data.length;
    this.received += data.length;
    this.#pieces.push(data);
    this.#buffered += data.length;
    while (this.#buffered >= CHUNK) this.#seal(this.#take(CHUNK));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.#at === this.#endsAt && this.#buffered) this.#seal(this.#take(this.#buffered));
    cb();
  }

  /** The plaintext left unsealed (fewer than a chunk), when the run did not end the object. */
  rest(): Buffer {
    return Buffer.concat(this.#pieces, this.#buffered);
  }
}

/**
 * Writes at a position of an open file it does not own (fs.WriteStream with a FileHandle closes it, or waits for its
 * close); what queues up while one write is in flight goes out as one writev.
 */
class FileWriter extends Writable {
  readonly #fh: FileHandle;
  #at: number;

  constructor(fh: FileHandle, at: number) {
    super({ highWaterMark: 1024 * 1024 });
    this.#fh = fh;
    this.#at = at;
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (e?: Error | null) => void): void {
    this.#write(chunks.map((c) => c.chunk)).then(() => cb(), cb);
  }

  async #write(buffers: Buffer[]): Promise<void> {
    let left = buffers;
    while (left.length) {
      const { bytesWritten } = await this.#fh.writev(left, this.#at);
      this.#at += bytesWritten;
      let n = bytesWritten;
      while (left.length && n >= left[0]!.length) n -= left.shift()!.length;
      if (n) left = [left[0]!.subarray(n), ...left.slice(1)];
    }
  }
}

/** Passes at most `limit` bytes and counts them. */
class Limit extends Transform {
  readonly #limit: number;
  size = 0;

  constructor(limit: number) {
    super();
    this.#limit = limit;
  }

  override _transform(data: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += data.length;
    if (this.size > this.#limit) return cb(new AppError('payload_too_large', 'more bytes than the upload\'s length'));
    cb(null, data);
  }
}

const lost = (s: ComposeState) => new AppError('integrity_failure', `the composed file of ${s.key} is shorter than the ${s.size} bytes recorded for it`);

/**
 * ENOENT while appending: a working file of the object is gone (integrity_failure). While starting or finishing, a
 * directory could not be made (recursive mkdir on a read-only filesystem reports ENOENT): the store cannot take
 * writes now, as for put().
 */
function fsError(e: unknown, what: string, missing: 'lost' | 'unwritable' = 'lost'): unknown {
  if (e instanceof AppError) return e;
  if ((e as NodeJS.ErrnoException)?.code === 'ENOENT') {
    return missing === 'lost'
      ? new AppError('integrity_failure', `${what}: a working file of the composed object is missing`, {}, { cause: e })
      : new AppError('storage_unavailable', `the filesystem store cannot create files (${what})`, { layer: 'blob' }, { cause: e, retryAfter: 5 });
  }
  return mapStoreError(e, 'filesystem', what);
}
