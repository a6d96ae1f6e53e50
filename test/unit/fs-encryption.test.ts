// The encrypted filesystem store's on-disk format, attacked on a real filesystem: every way of altering a stored file
// (bit flip anywhere, truncation, appended or reordered chunks, two objects' files swapped) must fail to decrypt.
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/blobstores/fs-store.ts';
import { Keyring } from '../../src/blobstores/encryption/keyring.ts';
import { HEADER_SIZE, SLOT_OFFSET, TAG } from '../../src/blobstores/encryption/format.ts';
import { AppError } from '../../src/domain/errors.ts';

const CHUNK = 65536;
const SEALED = CHUNK + TAG;

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** get + read everything; returns the AppError code on failure. */
async function tryRead(store: FsBlobStore, key: string): Promise<Buffer | string> {
  try {
    return await readAll(await store.get(key, null));
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}

/** Whether any 16-byte run of needle (sampled at up to 300 places, every one for small needles) is in hay. */
function containsRun(hay: Buffer, needle: Buffer, run = 16): boolean {
  const step = Math.max(run, Math.floor(needle.length / 300));
  for (let i = 0; i + run <= needle.length; i += step) if (hay.includes(needle.subarray(i, i + run))) return true;
  return false;
}

describe('encrypted filesystem store', () => {
  let dir: string;
  let keyring: Keyring;
  let store: FsBlobStore;
  const put = async (key: string, bytes: Buffer) => store.put(key, Readable.from([bytes]), { contentType: 'application/pdf' });
  const file = (key: string) => path.join(dir, 'blobs', key);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quill-enc-'));
    keyring = await Keyring.load({ kek: null, previous: [], file: path.join(dir, 'fs-kek'), generate: true });
    store = new FsBlobStore({ dir: path.join(dir, 'blobs'), signingKey: randomBytes(32), baseUrl: () => 'http://x', keyring });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips objects of every size around the chunk boundaries, and the file holds no plaintext run', async () => {
    for (const size of [1, 100, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17, 1_000_003]) {
      const bytes = Buffer.concat([Buffer.from('%PDF-1.7 patient letter '), randomBytes(size)]).subarray(0, size);
      const key = `documents/sizes/${size}`;
      await put(key, bytes);
      expect(await tryRead(store, key)).toEqual(bytes);
      const onDisk = await readFile(file(key));
      expect(onDisk.length).toBe(HEADER_SIZE + Math.max(1, Math.ceil(size / CHUNK)) * TAG + size);
      expect(containsRun(onDisk, bytes)).toBe(false);
      expect(await store.isEncrypted(key)).toBe(true);
    }
    // a readable text document: not a single 16-byte run of it is on disk
    const text = Buffer.from('Discharge summary for patient 9434765919: '.repeat(5000));
    await put('documents/text/1', text);
    expect(containsRun(await readFile(file('documents/text/1')), text)).toBe(false);
    expect((await readFile(file('documents/text/1'))).includes(Buffer.from('Discharge'))).toBe(false);
  });

  it('serves byte ranges by decrypting only the chunks that cover them', async () => {
    const bytes = randomBytes(5 * CHUNK + 123);
    await put('documents/range/1', bytes);
    for (const [start, end] of [[0, 0], [0, 99], [CHUNK - 5, CHUNK + 5], [2 * CHUNK, 3 * CHUNK - 1], [5 * CHUNK, 5 * CHUNK + 122], [4 * CHUNK + 7, 5 * CHUNK + 122], [17, 5 * CHUNK + 122]] as const) {
      expect(await readAll(await store.getRange('documents/range/1', null, { start, end }))).toEqual(bytes.subarray(start, end + 1));
    }
  });

  it('refuses a flipped bit in the header, the first, a middle and the last chunk', async () => {
    const bytes = randomBytes(4 * CHUNK + 1000);
    const offsets = [SLOT_OFFSET[0] + 40, HEADER_SIZE + 10, HEADER_SIZE + 2 * SEALED + 500, HEADER_SIZE + 4 * SEALED + 3, HEADER_SIZE + 4 * SEALED + 1000 + TAG - 1];
    for (const [i, off] of offsets.entries()) {
      const key = `documents/flip/${i}`;
      await put(key, bytes);
      const f = await readFile(file(key));
      f[off]! ^= 0x01;
      await writeFile(file(key), f);
      expect(await tryRead(store, key), `flip at ${off}`).toBe('integrity_failure');
    }
  });

  it('refuses a file truncated at a chunk boundary or mid-chunk, and one with a chunk appended', async () => {
    const bytes = randomBytes(3 * CHUNK + 10);
    await put('documents/trunc/a', bytes);
    await truncate(file('documents/trunc/a'), HEADER_SIZE + 2 * SEALED);
    expect(await tryRead(store, 'documents/trunc/a')).toBe('integrity_failure');
    await put('documents/trunc/b', bytes);
    await truncate(file('documents/trunc/b'), HEADER_SIZE + 2 * SEALED + 300);
    expect(await tryRead(store, 'documents/trunc/b')).toBe('integrity_failure');
    await put('documents/trunc/c', bytes);
    const f = await readFile(file('documents/trunc/c'));
    await appendFile(file('documents/trunc/c'), f.subarray(HEADER_SIZE, HEADER_SIZE + SEALED));
    expect(await tryRead(store, 'documents/trunc/c')).toBe('integrity_failure');
  });

  it('refuses reordered chunks', async () => {
    const bytes = randomBytes(4 * CHUNK);
    await put('documents/reorder/1', bytes);
    const f = await readFile(file('documents/reorder/1'));
    const a = Buffer.from(f.subarray(HEADER_SIZE + SEALED, HEADER_SIZE + 2 * SEALED));
    f.copy(f, HEADER_SIZE + SEALED, HEADER_SIZE + 2 * SEALED, HEADER_SIZE + 3 * SEALED);
    a.copy(f, HEADER_SIZE + 2 * SEALED);
    await writeFile(file('documents/reorder/1'), f);
    expect(await tryRead(store, 'documents/reorder/1')).toBe('integrity_failure');
  });

  it('refuses two objects whose files were swapped', async () => {
    await put('documents/swap/a', randomBytes(1000));
    await put('documents/swap/b', randomBytes(1000));
    await copyFile(file('documents/swap/a'), path.join(dir, 'tmp-a'));
    await copyFile(file('documents/swap/b'), file('documents/swap/a'));
    await copyFile(path.join(dir, 'tmp-a'), file('documents/swap/b'));
    expect(await tryRead(store, 'documents/swap/a')).toBe('integrity_failure');
    expect(await tryRead(store, 'documents/swap/b')).toBe('integrity_failure');
  });

  it('still reads plaintext files written before encryption was on', async () => {
    const bytes = Buffer.from('%PDF-1.4 legacy plaintext');
    await writeFile(path.join(dir, 'blobs', 'documents', 'legacy'), bytes);
    expect(await tryRead(store, 'documents/legacy')).toEqual(bytes);
    expect(await store.isEncrypted('documents/legacy')).toBe(false);
  });

  it('rotate: re-wraps the data key in the header without touching the data; the old key alone no longer opens it', async () => {
    const bytes = randomBytes(2 * CHUNK + 5);
    await put('documents/rotate/1', bytes);
    const before = await readFile(file('documents/rotate/1'));
    const oldKeyring = await Keyring.load({ kek: null, previous: [], file: path.join(dir, 'old-kek'), generate: true });
    await writeFile(path.join(dir, 'old-kek'), await readFile(path.join(dir, 'fs-kek')));
    await keyring.addNewCurrent();
    expect(await store.rewrap('documents/rotate/1')).toBe('rewrapped');
    expect(await store.rewrap('documents/rotate/1')).toBe('current');
    const after = await readFile(file('documents/rotate/1'));
    expect(after.subarray(HEADER_SIZE)).toEqual(before.subarray(HEADER_SIZE)); // data untouched
    expect(after.subarray(0, HEADER_SIZE)).not.toEqual(before.subarray(0, HEADER_SIZE));
    expect(await tryRead(store, 'documents/rotate/1')).toEqual(bytes);
    // a store holding only the old key: the object now names a key it does not have
    await oldKeyring.refresh(true);
    const oldStore = new FsBlobStore({ dir: path.join(dir, 'blobs'), signingKey: randomBytes(32), baseUrl: () => 'http://x', keyring: oldKeyring });
    expect(await tryRead(oldStore, 'documents/rotate/1')).toBe('storage_unavailable');
    expect(await keyring.retireOld()).toBe(1);
    expect(await tryRead(store, 'documents/rotate/1')).toEqual(bytes);
  });
});
