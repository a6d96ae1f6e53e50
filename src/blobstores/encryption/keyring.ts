import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../config/config.ts';
import { kekFrom, type Kek } from './format.ts';

/**
 * The filesystem store's key-encryption keys. The first key is the current one (new objects, and the target of
 * `rotate-key`); the others only decrypt objects not yet re-wrapped.
 *
 * Sources, in order: QUILL_FS_KEK (+ QUILL_FS_KEK_PREVIOUS, comma-separated, during a rotation), else a key file
 * (QUILL_FS_KEK_FILE, default <data dir>/fs-kek: one base64 key per line, current first, '#' comments), generated
 * on first use when it is the default path. A key beside the data protects only against a stolen disk image or
 * backup of the blob directory alone, not against a stolen data directory: `doctor` says so.
 */
export interface KeyringSource {
  kek: string | null;
  previous: string[];
  file: string;
  /** The file is the default one in the data directory, which may be generated. */
  generate: boolean;
}

export type KeyringKind = 'env' | 'file' | 'generated';

export function parseKey(text: string, where: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, t.includes('+') || t.includes('/') ? 'base64' : 'base64url');
  if (key.length !== 32) throw new ConfigError(`${where}: a key-encryption key must be 32 random bytes, base64 or hex (openssl rand -base64 32)`);
  return key;
}

export const encodeKey = (k: Buffer): string => k.toString('base64url');

export class Keyring {
  readonly source: KeyringSource;
  kind: KeyringKind = 'env';
  #keys: Kek[] = [];
  #fileMtime = 0;
  #checkedAt = 0;

  private constructor(source: KeyringSource) {
    this.source = source;
  }

  static async load(source: KeyringSource): Promise<Keyring> {
    const k = new Keyring(source);
    if (source.kek) {
      k.kind = 'env';
      k.#keys = [source.kek, ...source.previous].map((t, i) => kekFrom(parseKey(t, i === 0 ? 'QUILL_FS_KEK' : 'QUILL_FS_KEK_PREVIOUS')));
    } else {
      // 'generated': the default key file in the data directory (made on first use), i.e. a key beside the data
      k.kind = source.generate ? 'generated' : 'file';
      if (source.generate && !(await exists(source.file))) await writeKeyFile(source.file, [randomBytes(32)], true);
      await k.#readFile();
    }
    return k;
  }

  get current(): Kek {
    return this.#keys[0]!;
  }

  get all(): readonly Kek[] {
    return this.#keys;
  }

  find(id: Buffer): Kek | undefined {
    return this.#keys.find((k) => k.id.equals(id));
  }

  /** Re-reads the key file if it changed (a rotation by another process); at most once a second unless forced. */
  async refresh(force = false): Promise<void> {
    if (this.kind === 'env') return;
    const now = Date.now();
    if (!force && now - this.#checkedAt < 1000) return;
    this.#checkedAt = now;
    const s = await stat(this.source.file).catch(() => null);
    if (s && s.mtimeMs !== this.#fileMtime) await this.#readFile();
  }

  /** rotate-key with a key file: a new current key, the old ones kept for decryption. Returns the new key. */
  async addNewCurrent(): Promise<Kek> {
    if (this.kind === 'env') throw new ConfigError('with QUILL_FS_KEK set, rotate by setting the new key in QUILL_FS_KEK and the old one in QUILL_FS_KEK_PREVIOUS');
    await this.refresh(true);
    const fresh = randomBytes(32);
    await writeKeyFile(this.source.file, [fresh, ...this.#keys.map((k) => k.key)], false);
    await this.#readFile();
    return this.current;
  }

  /** Drops every key but the current one from the key file (after a complete rotation). */
  async retireOld(): Promise<number> {
    if (this.kind === 'env') return 0;
    const n = this.#keys.length - 1;
    if (n > 0) {
      await writeKeyFile(this.source.file, [this.current.key], false);
      await this.#readFile();
    }
    return n;
  }

  async #readFile(): Promise<void> {
    const text = await readFile(this.source.file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new ConfigError(`QUILL_FS_KEK_FILE ${this.source.file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    });
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (!lines.length) throw new ConfigError(`QUILL_FS_KEK_FILE ${this.source.file}: no key in the file`);
    this.#keys = lines.map((l) => kekFrom(parseKey(l, `QUILL_FS_KEK_FILE ${this.source.file}`)));
    this.#fileMtime = (await stat(this.source.file)).mtimeMs;
  }
}

const exists = (f: string) => stat(f).then(() => true, () => false);

/** Writes the key file atomically (temp file, fsync, rename), mode 0600. */
async function writeKeyFile(file: string, keys: Buffer[], exclusive: boolean): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const body =
    '# quill-docstore filesystem-store key-encryption keys: the first is current, the others decrypt objects not yet\n' +
    '# re-wrapped by `quill-docstore rotate-key`. Keep a copy somewhere other than beside the data.\n' +
    keys.map((k) => `${encodeKey(k)}\n`).join('');
  if (exclusive) {
    // two processes starting together: the first one's key wins
    const fh = await open(file, 'wx', 0o600).catch(() => null);
    if (!fh) return;
    try {
      await fh.writeFile(body);
      await fh.sync();
    } finally {
      await fh.close();
    }
    return;
  }
  const temp = `${file}.${process.pid}.tmp`;
  const fh = await open(temp, 'w', 0o600);
  try {
    await fh.writeFile(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, file).catch(async (e) => {
    await unlink(temp).catch(() => undefined);
    throw e;
  });
}
