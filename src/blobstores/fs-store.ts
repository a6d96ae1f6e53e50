import { createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.ts';
import type { BlobComposer, BlobListing, BlobPutOptions, BlobPutResult, BlobStore, PresignOptions, StoreCheck } from '../domain/ports.ts';
import { FsComposer } from './fs-compose.ts';
import { buildSignedUrl } from './signed-url.ts';
import { syncDir } from './sync-dir.ts';
import { mapStoreError, storeSystemError } from './store-errors.ts';
import { openObjectFile, rewrapFile, type ByteRange, type RewrapOutcome } from './encryption/encrypted-file.ts';
import type { Keyring } from './encryption/keyring.ts';
import { geometry, HEADER_SIZE, isEncrypted } from './encryption/format.ts';
import { EncryptingStream } from './encryption/streams.ts';
import { chunkWorkerReady } from './encryption/chunk-offload.ts';

const INCOMING = '.incoming';
/**
 * ping()'s probe files (in INCOMING): one lives for the few milliseconds of an open and an unlink, so list() leaves
 * out the ones younger than PROBE_SETTLE_MS. Without that, a `reconcile --grace 0` run while an instance answers
 * /readyz takes the probe in flight for an orphan and removes it (found by the crash soak: the restarting instance's
 * readiness polls overlap its checks). One a killed process left behind is listed once it is older, and removed.
 */
const PROBE_PREFIX = '.ping-';
const PROBE_SETTLE_MS = 60_000;
/**
 * The temp file's stream: what queues up while one write is in flight goes out as one writev, so a large buffer means
 * few, large writes (an encrypted upload arrives as many small pieces: socket reads cut into chunks, 16-byte tags).
 */
const WRITE_OPTIONS = { highWaterMark: 1024 * 1024 } as const;

/**
 * Every directory the store creates: its owner's only (issue 25), so no other local user can list document or upload
 * ids. (The files themselves are 0400.)
 */
const DIR_MODE = { recursive: true, mode: 0o700 } as const;

/** How much a file may grow between the flushes SyncingAhead asks for. */
const SYNC_AHEAD_BYTES = 32 * 1024 * 1024;

/**
 * Passes a large file's bytes through to its writer and, each SYNC_AHEAD_BYTES, asks the disk to flush what has been
 * written so far (fdatasync, one at a time, beside the writes): the kernel otherwise holds a whole large upload in the
 * page cache until the final fsync, which then writes all of it while the client waits. Flushing along the way lets the
 * disk write while the rest still arrives, so the final fsync (still made, as before) has little left. Small files never
 * reach the threshold. A flush that fails fails the upload.
 */
class SyncingAhead extends Transform {
  readonly #fh: FileHandle;
  #written = 0;
  #next = SYNC_AHEAD_BYTES;
  #syncing: Promise<void> | null = null;
  #error: Error | null = null;

  constructor(fh: FileHandle) {
    super();
    this.#fh = fh;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (this.#error) return cb(this.#error);
    this.#written += chunk.length;
    if (this.#written >= this.#next && !this.#syncing) {
      this.#next = this.#written + SYNC_AHEAD_BYTES;
      this.#syncing = this.#fh.datasync().then(
        () => void (this.#syncing = null),
        (e: Error) => void ((this.#error = e), (this.#syncing = null)),
      );
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    void (this.#syncing ?? Promise.resolve()).then(() => cb(this.#error));
  }
}

/** Creates a new temp file (never an existing one), read-only once closed; makes .incoming first if it is missing. */
async function openTemp(temp: string): Promise<FileHandle> {
  try {
    return await open(temp, 'wx', 0o400);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    await mkdir(path.dirname(temp), DIR_MODE);
    return open(temp, 'wx', 0o400);
  }
}

export interface FsStoreOptions {
  /** The store's name (the built-in `fs`, or a QUILL_STORES name): what its versions record. */
  name?: string;
  dir: string;
  signingKey: Buffer;
  /** Where this service is reached, for the signed download URLs it serves itself. */
  baseUrl: () => string;
  /** Encryption at rest (the default): new objects are encrypted under the keyring's current key. null: plaintext. */
  keyring?: Keyring | null;
}

/** The embedded default: one file per object version, written to a temp file, fsynced, then linked into place. */
export class FsBlobStore implements BlobStore {
  readonly kind: string;
  readonly dir: string;
  readonly #signingKey: Buffer;
  readonly #baseUrl: () => string;
  readonly keyring: Keyring | null;
  /** Resumable uploads: appended to one file, then linked under the document's key (fs-compose.ts). */
  readonly composer: BlobComposer;

  constructor(opts: FsStoreOptions) {
    this.kind = opts.name ?? 'fs';
    this.dir = path.resolve(opts.dir);
    this.#signingKey = opts.signingKey;
    this.#baseUrl = opts.baseUrl;
    this.keyring = opts.keyring ?? null;
    this.composer = new FsComposer({ file: (key) => this.#path(key), keyring: this.keyring, put: (key, body, o) => this.put(key, body, o), get: (key, v) => this.get(key, v) });
  }

  #path(key: string): string {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((p) => p === '.' || p === '..')) {
      throw new AppError('validation_failed', 'invalid object key');
    }
    return path.join(this.dir, key);
  }

  async put(key: string, body: Readable, opts: BlobPutOptions): Promise<BlobPutResult> {
    try {
      return await this.#put(key, body, opts);
    } catch (e) {
      // ENOENT while storing: a directory could not be created under the store (recursive mkdir on a read-only
      // filesystem reports ENOENT) or vanished; either way the store cannot take writes now.
      const missing = (e as NodeJS.ErrnoException)?.code === 'ENOENT';
      throw missing ? new AppError('storage_unavailable', `the filesystem store ${this.dir} cannot create files`, { layer: 'blob' }, { cause: e, retryAfter: 5 }) : mapStoreError(e, 'filesystem', `storing ${key}`);
    }
  }

  async #put(key: string, body: Readable, _opts: BlobPutOptions): Promise<BlobPutResult> {
    const target = this.#path(key);
    const temp = path.join(this.dir, INCOMING, randomUUID());
    // read-only once written (0400): stored bytes are never modified in place; retention is enforced by the service
    const [opened, dir] = await Promise.allSettled([openTemp(temp), mkdir(path.dirname(target), DIR_MODE)]);
    if (opened.status === 'rejected' || dir.status === 'rejected') {
      if (opened.status === 'fulfilled') await opened.value.close().then(() => unlink(temp)).catch(() => undefined);
      throw opened.status === 'rejected' ? opened.reason : (dir as PromiseRejectedResult).reason;
    }
    const fh = opened.value;
    try {
      // flush: the stream fsyncs the file before it closes it, and the pipeline ends only after that (no second open
      // just to fsync)
      const out = createWriteStream('', { ...WRITE_OPTIONS, fd: fh, flush: true });
      try {
        if (this.keyring) {
          void chunkWorkerReady(); // for the large objects' AES-GCM (started once, then at hand)
          await this.keyring.refresh(); // picks up a rotation's new current key
          await pipeline(body, new EncryptingStream(this.keyring.current, key), new SyncingAhead(fh), out);
        } else {
          await pipeline(body, new SyncingAhead(fh), out);
        }
      } finally {
        if (!out.closed) out.destroy(); // never reached the pipeline (the keyring failed): close the handle
      }
      await link(temp, target).catch((e: NodeJS.ErrnoException) => {
        // fails if the key exists: objects are never overwritten
        throw e.code === 'EEXIST' ? new AppError('object_exists', `object key ${key} already exists; keys are never reused`) : e;
      });
      await syncDir(path.dirname(target));
    } finally {
      await unlink(temp).catch(() => undefined);
    }
    return { versionId: null };
  }

  async get(key: string, _versionId: string | null): Promise<Readable> {
    return (await this.#open(key)).stream;
  }

  /** Plaintext bytes start..end (inclusive) of an object: only the chunks covering them are read and decrypted. */
  async getRange(key: string, _versionId: string | null, range: ByteRange): Promise<Readable> {
    return (await this.#open(key, range)).stream;
  }

  /** A range of an encrypted object (each chunk authenticated); null for a plaintext file, which cannot vouch for a part. */
  async getAuthenticatedRange(key: string, _versionId: string | null, range: ByteRange): Promise<Readable | null> {
    const o = await this.#open(key, range);
    if (o.encrypted) return o.stream;
    o.stream.destroy();
    return null;
  }

  /** Whether the object's file is encrypted (false for a plaintext file from before encryption was on). */
  async isEncrypted(key: string): Promise<boolean> {
    const o = await this.#open(key, { start: 0, end: 0 });
    o.stream.destroy();
    return o.encrypted;
  }

  /** rotate-key: re-wraps one object's data key under the current key-encryption key, in place. */
  async rewrap(key: string): Promise<RewrapOutcome> {
    if (!this.keyring) throw new AppError('validation_failed', 'encryption is off (QUILL_FS_ENCRYPTION=false)');
    return rewrapFile(this.#path(key), key, this.keyring);
  }

  async #open(key: string, range?: ByteRange) {
    const file = this.#path(key);
    const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new AppError('not_found', 'the stored object is missing');
      throw mapStoreError(e, 'filesystem', `reading ${key}`);
    });
    return openObjectFile(fh, key, this.keyring, range);
  }

  async presign(key: string, versionId: string | null, opts: PresignOptions): Promise<string> {
    this.#path(key);
    return buildSignedUrl(this.#baseUrl(), this.#signingKey, {
      key,
      versionId,
      expires: Math.floor(Date.now() / 1000) + opts.expiresInSeconds,
      contentType: opts.contentType,
      filename: opts.filename,
      issuedTo: opts.issuedTo,
      reviewer: opts.reviewer === true,
    });
  }

  async delete(key: string, _versionId: string | null): Promise<void> {
    await unlink(this.#path(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw mapStoreError(e, 'filesystem', `deleting ${key}`);
    });
  }

  /**
   * Every object whose key starts with prefix. The walk starts at the deepest directory the prefix names and reads
   * only the entries under it (in that directory, only the names that continue the prefix), so listing one upload's
   * parts costs what that upload holds, not what the store holds (issue 25).
   */
  async *list(prefix: string): AsyncIterable<BlobListing> {
    const slash = prefix.lastIndexOf('/');
    const dir = prefix.slice(0, slash + 1).replace(/\/$/, '');
    const namePrefix = prefix.slice(slash + 1);
    if (dir) this.#path(dir); // a prefix is a key's beginning: the same characters, never . or ..
    for await (const rel of walk(this.dir, dir, namePrefix)) {
      const s = await stat(path.join(this.dir, rel)).catch(() => null);
      if (s && isProbeInFlight(rel, s.mtime)) continue;
      if (s?.isFile()) yield { key: rel, versionId: null, size: await plainSize(path.join(this.dir, rel), s.size), lastModified: s.mtime };
    }
  }

  /** Temp files of interrupted uploads sit in .incoming, which list() shows: reconcile removes them as orphans. */
  async abortIncompleteUploads(_startedBefore: Date): Promise<number> {
    return 0;
  }

  async ping(): Promise<void> {
    try {
      await mkdir(path.join(this.dir, INCOMING), DIR_MODE);
      const probe = path.join(this.dir, INCOMING, `${PROBE_PREFIX}${randomUUID()}`);
      await (await open(probe, 'wx')).close();
      await unlink(probe);
    } catch (e) {
      if (storeSystemError(e, 'filesystem', 'ping')?.code === 'insufficient_storage') throw storeSystemError(e, 'filesystem', `writing to ${this.dir}`);
      throw new AppError('storage_unavailable', `filesystem store ${this.dir} is not writable`, { layer: 'blob' }, { cause: e, retryAfter: 5 });
    }
  }

  async doctor(): Promise<StoreCheck[]> {
    let writable: StoreCheck;
    try {
      await this.ping();
      writable = { name: 'fs.writable', ok: true, detail: `${this.dir} is writable` };
    } catch (e) {
      writable = { name: 'fs.writable', ok: false, detail: (e as Error).message, fix: `create ${this.dir} and make it writable by this service, or set QUILL_FS_DIR` };
    }
    return [writable, ...encryptionChecks(this.keyring)];
  }
}

/** doctor: is encryption on, and where does its key live. */
function encryptionChecks(keyring: Keyring | null): StoreCheck[] {
  if (!keyring) {
    return [{ name: 'fs.encryption', ok: false, detail: 'encryption at rest is OFF (QUILL_FS_ENCRYPTION=false): documents are stored as plain files', fix: 'unset QUILL_FS_ENCRYPTION, then `quill-docstore migrate-blobs --from fs --to fs` to encrypt existing files' }];
  }
  const checks: StoreCheck[] = [{ name: 'fs.encryption', ok: true, detail: `new objects are encrypted (AES-256-GCM, per-object data keys) under key ${keyring.current.id.toString('hex')}; ${keyring.all.length} key(s) in the keyring` }];
  if (keyring.kind !== 'env') {
    checks.push({
      name: 'fs.encryption-key',
      ok: true,
      warning: true,
      detail:
        `WARNING: the key-encryption key is a file (${keyring.source.file})${keyring.kind === 'generated' ? ', generated in the data directory beside the data' : ''}. A key kept beside the data protects only against a stolen disk image or blob backup, NOT against someone who copies the whole data directory`,
      fix: 'keep the key elsewhere: set QUILL_FS_KEK (from a secret manager) or QUILL_FS_KEK_FILE on another volume, and back it up separately',
    });
  }
  return checks;
}

/** The object's size: the plaintext size for an encrypted file (from its length and chunk size), else the file's. */
async function plainSize(file: string, size: number): Promise<number> {
  if (size < HEADER_SIZE) return size;
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return size;
  try {
    const head = Buffer.alloc(12);
    await fh.read(head, 0, 12, 0);
    return isEncrypted(head) ? geometry(size, head[9]!).plainSize : size;
  } catch {
    return size;
  } finally {
    await fh.close();
  }
}

/** A ping() probe younger than PROBE_SETTLE_MS: in flight, not an object. */
const isProbeInFlight = (rel: string, mtime: Date): boolean => rel.startsWith(`${INCOMING}/${PROBE_PREFIX}`) && Date.now() - mtime.getTime() < PROBE_SETTLE_MS;

/** The files under root/rel, recursively; in rel itself only the names starting with namePrefix. */
async function* walk(root: string, rel: string, namePrefix = ''): AsyncGenerator<string> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.name.startsWith(namePrefix)) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walk(root, child);
    else if (e.isFile()) yield child;
  }
}
