// Large objects of the encrypted filesystem store are sealed and opened on the encryption worker (chunk-offload.ts):
// the file is the same format, chunk for chunk, as the event loop writes (every chunk opens with format.ts's openChunk
// under the object's data key, and the worker's sealed chunks are byte for byte the event loop's), and every way of
// altering a large file is still caught when it is read back through the worker.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/blobstores/fs-store.ts';
import { Keyring } from '../../src/blobstores/encryption/keyring.ts';
import { chunkKey, HEADER_SIZE, openChunk, parseHeader, sealChunkPieces, TAG, unwrapDataKey } from '../../src/blobstores/encryption/format.ts';
import { BATCH_CHUNKS, chunkWorkerReady, OffloadedChunks, offloadedBatches, runningChunkWorker } from '../../src/blobstores/encryption/chunk-offload.ts';
import { AppError } from '../../src/domain/errors.ts';

const CHUNK = 65536;
const SEALED = CHUNK + TAG;
const MiB = 1024 * 1024;

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** The bytes as a socket would deliver them: pieces of uneven sizes. */
function pieces(bytes: Buffer, sizes = [65_483, 7, 300_001, 16_384]): Readable {
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(bytes.subarray(off, off + n));
    off += n;
  }
  return Readable.from(out, { objectMode: false });
}

describe('encrypted filesystem store, large objects on the encryption worker', () => {
  let dir: string;
  let keyring: Keyring;
  let store: FsBlobStore;
  const file = (key: string) => path.join(dir, 'blobs', key);
  const tryRead = async (key: string): Promise<Buffer | string> => {
    try {
      return await readAll(await store.get(key, null));
    } catch (e) {
      if (e instanceof AppError) return e.code;
      throw e;
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quill-enc-offload-'));
    keyring = await Keyring.load({ kek: null, previous: [], file: path.join(dir, 'fs-kek'), generate: true });
    store = new FsBlobStore({ dir: path.join(dir, 'blobs'), signingKey: randomBytes(32), baseUrl: () => 'http://x', keyring });
    expect(await chunkWorkerReady()).toBe(true);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('seals on the worker exactly the chunks the event loop seals (same key, same indices, same bytes)', async () => {
    const dataKey = randomBytes(32);
    const off = OffloadedChunks.start(dataKey, 16, 'seal')!;
    expect(off).not.toBeNull();
    const plain = randomBytes(BATCH_CHUNKS * CHUNK);
    const tail = randomBytes(CHUNK / 2 + 3);
    const buf = off.bufferNow()!;
    plain.copy(buf);
    const sealed = Buffer.concat(await off.seal(buf, plain.length, 7, false));
    const buf2 = off.bufferNow()!;
    tail.copy(buf2);
    const sealedTail = Buffer.concat(await off.seal(buf2, tail.length, 7 + BATCH_CHUNKS, true));
    off.end();
    const key = chunkKey(dataKey);
    const expected = Buffer.concat(Array.from({ length: BATCH_CHUNKS }, (_, i) => Buffer.concat(sealChunkPieces(key, 7 + i, false, [plain.subarray(i * CHUNK, (i + 1) * CHUNK)]))));
    expect(sealed.equals(expected)).toBe(true);
    expect(sealedTail.equals(Buffer.concat(sealChunkPieces(key, 7 + BATCH_CHUNKS, true, [tail])))).toBe(true);
  });

  it('round-trips large objects around the batch boundaries through the worker, and every chunk of the file opens with the format\'s own openChunk', async () => {
    const data = randomBytes(6 * MiB + 100);
    for (const size of [BATCH_CHUNKS * CHUNK + 1, 2 * BATCH_CHUNKS * CHUNK, 2 * BATCH_CHUNKS * CHUNK + 1, 3 * BATCH_CHUNKS * CHUNK - 1, 6 * MiB + 100]) {
      const bytes = data.subarray(0, size);
      const key = `documents/large/${size}`;
      const before = offloadedBatches();
      await store.put(key, pieces(bytes), { contentType: 'application/pdf' });
      const sealedBatches = offloadedBatches() - before;
      expect(sealedBatches, `${size} bytes sealed on the worker`).toBeGreaterThan(0);
      const onDisk = await readFile(file(key));
      expect(onDisk.length).toBe(HEADER_SIZE + Math.ceil(size / CHUNK) * TAG + size);
      // the file, chunk by chunk, with the event loop's functions
      const { dataKey } = unwrapDataKey(parseHeader(onDisk), key, (id) => keyring.find(id));
      const k = chunkKey(dataKey);
      const n = Math.ceil(size / CHUNK);
      const opened = Array.from({ length: n }, (_, i) => openChunk(k, i, i === n - 1, onDisk.subarray(HEADER_SIZE + i * SEALED, HEADER_SIZE + Math.min((i + 1) * SEALED, onDisk.length - HEADER_SIZE))));
      expect(Buffer.concat(opened).equals(bytes)).toBe(true);
      // and back through the store (opened on the worker when large enough)
      const b2 = offloadedBatches();
      expect(((await tryRead(key)) as Buffer).equals(bytes)).toBe(true);
      if (n - 1 > 2 * BATCH_CHUNKS) expect(offloadedBatches() - b2, `${size} bytes opened on the worker`).toBeGreaterThan(0);
    }
  });

  it('serves ranges of a large object, whichever side of a batch boundary they fall', async () => {
    const bytes = randomBytes(5 * MiB + 33);
    await store.put('documents/range/large', pieces(bytes), { contentType: 'application/pdf' });
    for (const [start, end] of [[0, bytes.length - 1], [CHUNK * BATCH_CHUNKS - 10, CHUNK * BATCH_CHUNKS + 10], [17, bytes.length - 1], [3 * MiB + 5, 5 * MiB + 32], [100, 4 * MiB]] as const) {
      expect((await readAll(await store.getRange('documents/range/large', null, { start, end }))).equals(bytes.subarray(start, end + 1)), `${start}-${end}`).toBe(true);
    }
  });

  it('refuses a flipped bit in a chunk the worker opens, a truncated or extended large file and reordered chunks', async () => {
    const bytes = randomBytes(4 * MiB + 1000);
    const chunks = Math.ceil(bytes.length / CHUNK);
    const cases: [string, (f: string) => Promise<void>][] = [
      ['flip in a middle chunk', async (f) => {
        const b = await readFile(f);
        b[HEADER_SIZE + 40 * SEALED + 500]! ^= 0x01;
        await writeFile(f, b);
      }],
      ['flip in the last chunk\'s tag', async (f) => {
        const b = await readFile(f);
        b[b.length - 1]! ^= 0x80;
        await writeFile(f, b);
      }],
      ['truncated at a chunk boundary', (f) => truncate(f, HEADER_SIZE + 50 * SEALED)],
      ['truncated mid-chunk', (f) => truncate(f, HEADER_SIZE + 50 * SEALED + 300)],
      ['a chunk appended', async (f) => appendFile(f, (await readFile(f)).subarray(HEADER_SIZE + 5 * SEALED, HEADER_SIZE + 6 * SEALED))],
      ['two chunks swapped', async (f) => {
        const b = await readFile(f);
        const a = Buffer.from(b.subarray(HEADER_SIZE + 40 * SEALED, HEADER_SIZE + 41 * SEALED));
        b.copy(b, HEADER_SIZE + 40 * SEALED, HEADER_SIZE + 41 * SEALED, HEADER_SIZE + 42 * SEALED);
        a.copy(b, HEADER_SIZE + 41 * SEALED);
        await writeFile(f, b);
      }],
    ];
    expect(chunks).toBeGreaterThan(2 * BATCH_CHUNKS + 1);
    for (const [i, [what, alter]] of cases.entries()) {
      const key = `documents/alter/${i}`;
      await store.put(key, pieces(bytes), { contentType: 'application/pdf' });
      await alter(file(key));
      const before = offloadedBatches();
      expect(await tryRead(key), what).toBe('integrity_failure');
      expect(offloadedBatches(), `${what}: read through the worker`).toBeGreaterThan(before);
    }
  });

  it('a worker that dies mid-object fails that object (no hang), and the next object gets a new worker', async () => {
    const bytes = randomBytes(8 * MiB);
    await store.put('documents/die/a', pieces(bytes), { contentType: 'application/pdf' });
    const dying = runningChunkWorker()!;
    let sent = 0;
    const source = new Readable({
      read() {
        if (sent === 3) void dying.terminate();
        this.push(sent < 8 ? bytes.subarray(sent * MiB, ++sent * MiB) : null);
      },
    });
    const err = await store.put('documents/die/b', source, { contentType: 'application/pdf' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'temporarily_unavailable' });
    expect(await chunkWorkerReady()).toBe(true);
    expect(runningChunkWorker()).not.toBe(dying);
    await store.put('documents/die/c', pieces(bytes), { contentType: 'application/pdf' });
    expect(((await tryRead('documents/die/c')) as Buffer).equals(bytes)).toBe(true);
    expect(((await tryRead('documents/die/a')) as Buffer).equals(bytes)).toBe(true);
  });
});
