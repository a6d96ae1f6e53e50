import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { AppError } from '../domain/errors.ts';
import type { BlobListing, BlobPutOptions, BlobPutResult, BlobStore, PresignOptions, StoreCheck } from '../domain/ports.ts';
import { buildSignedUrl } from './signed-url.ts';

const INCOMING = '.incoming';

export interface FsStoreOptions {
  dir: string;
  signingKey: Buffer;
  /** Where this service is reached, for the signed download URLs it serves itself. */
  baseUrl: () => string;
}

/** The embedded default: one file per object version, written to a temp file, fsynced, then linked into place. */
export class FsBlobStore implements BlobStore {
  readonly kind = 'fs' as const;
  readonly dir: string;
  readonly #signingKey: Buffer;
  readonly #baseUrl: () => string;

  constructor(opts: FsStoreOptions) {
    this.dir = path.resolve(opts.dir);
    this.#signingKey = opts.signingKey;
    this.#baseUrl = opts.baseUrl;
  }

  #path(key: string): string {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((p) => p === '.' || p === '..')) {
      throw new AppError('validation_failed', 'invalid object key');
    }
    return path.join(this.dir, key);
  }

  async put(key: string, body: Readable, _opts: BlobPutOptions): Promise<BlobPutResult> {
    const target = this.#path(key);
    const temp = path.join(this.dir, INCOMING, randomUUID());
    await mkdir(path.dirname(temp), { recursive: true });
    await mkdir(path.dirname(target), { recursive: true });
    try {
      // read-only once written (0400): stored bytes are never modified in place; retention is enforced by the service
      await pipeline(body, createWriteStream(temp, { flags: 'wx', mode: 0o400 }));
      const fh = await open(temp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
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
    const file = this.#path(key);
    const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new AppError('not_found', 'the stored object is missing');
      throw e;
    });
    return createReadStream('', { fd: fh });
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
    });
  }

  async delete(key: string, _versionId: string | null): Promise<void> {
    await unlink(this.#path(key)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    for await (const rel of walk(this.dir, '')) {
      if (!rel.startsWith(prefix)) continue;
      const s = await stat(path.join(this.dir, rel)).catch(() => null);
      if (s?.isFile()) yield { key: rel, versionId: null, size: s.size, lastModified: s.mtime };
    }
  }

  /** Temp files of interrupted uploads sit in .incoming, which list() shows: reconcile removes them as orphans. */
  async abortIncompleteUploads(_startedBefore: Date): Promise<number> {
    return 0;
  }

  async ping(): Promise<void> {
    try {
      await mkdir(path.join(this.dir, INCOMING), { recursive: true });
      const probe = path.join(this.dir, INCOMING, `.ping-${randomUUID()}`);
      await (await open(probe, 'wx')).close();
      await unlink(probe);
    } catch (e) {
      throw new AppError('storage_unavailable', `filesystem store ${this.dir} is not writable`, { layer: 'blob' }, { cause: e, retryAfter: 5 });
    }
  }

  async doctor(): Promise<StoreCheck[]> {
    try {
      await this.ping();
      return [{ name: 'fs.writable', ok: true, detail: `${this.dir} is writable` }];
    } catch (e) {
      return [{ name: 'fs.writable', ok: false, detail: (e as Error).message, fix: `create ${this.dir} and make it writable by this service, or set QUILL_FS_DIR` }];
    }
  }
}

async function* walk(root: string, rel: string): AsyncGenerator<string> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walk(root, child);
    else if (e.isFile()) yield child;
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
