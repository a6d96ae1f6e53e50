import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { AppError } from '../../domain/errors.ts';
import { CHUNK_LOG2, geometry, HEADER_SIZE, isEncrypted, MAGIC, parseHeader, SLOT_OFFSET, SLOT_SIZE, TAG, unwrapDataKey, wrapSlot, openChunk } from './format.ts';
import { BATCH_CHUNKS } from './chunk-offload.ts';
import { DecryptingStream } from './streams.ts';
import type { Keyring } from './keyring.ts';

export interface ByteRange {
  /** First plaintext byte, inclusive. */
  start: number;
  /** Last plaintext byte, inclusive. */
  end: number;
}

async function readAt(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** Unwraps the data key, re-reading the key file once if the object names a key this process has not loaded yet. */
async function dataKeyOf(header: Buffer, objectKey: string, keyring: Keyring) {
  const parsed = parseHeader(header);
  try {
    return { parsed, ...unwrapDataKey(parsed, objectKey, (id) => keyring.find(id)) };
  } catch (e) {
    if (!(e instanceof AppError && e.code === 'storage_unavailable')) throw e;
    await keyring.refresh(true);
    return { parsed, ...unwrapDataKey(parsed, objectKey, (id) => keyring.find(id)) };
  }
}

/**
 * Opens one stored object for reading: decrypted while streaming when it has the encryption header, as it is when
 * it is a plaintext file written before encryption was on (or with QUILL_FS_ENCRYPTION=false). The header and the
 * first chunk are checked before the stream is returned, so a tampered header or first chunk is refused up front.
 * With a range, only the chunks covering it are read and opened.
 *
 * The first read takes the header and the first chunk together (a small object whole: then no stream is opened on the
 * file at all), and the first chunk's plaintext is the first the stream gives, not opened a second time. Large objects
 * are opened on the encryption worker (chunk-offload.ts), a batch per file read.
 */
export async function openObjectFile(fh: FileHandle, objectKey: string, keyring: Keyring | null, range?: ByteRange): Promise<{ stream: Readable; encrypted: boolean; size: number }> {
  let streaming = false;
  try {
    const size = (await fh.stat()).size;
    const head = await readAt(fh, Math.min(size, HEADER_SIZE + (1 << CHUNK_LOG2) + TAG), 0);
    if (!isEncrypted(head)) {
      const start = range?.start ?? 0;
      const end = range ? Math.min(range.end, size - 1) : size - 1;
      if (head.length === size) return { stream: Readable.from(end >= start ? [head.subarray(start, end + 1)] : []), encrypted: false, size };
      streaming = true;
      return { stream: createReadStream('', { fd: fh, start, ...(range ? { end: range.end } : {}) }), encrypted: false, size };
    }
    if (!keyring) throw new AppError('storage_unavailable', 'the object is encrypted but no key-encryption key is configured (QUILL_FS_ENCRYPTION=false?)', { layer: 'blob' });
    const { parsed, dataKey } = await dataKeyOf(head, objectKey, keyring);
    const g = geometry(size, parsed.chunkLog2);
    const plainChunk = 1 << parsed.chunkLog2;
    const start = range ? range.start : 0;
    const end = range ? Math.min(range.end, g.plainSize - 1) : g.plainSize - 1;
    const first = Math.floor(start / plainChunk);
    const lastNeeded = g.plainSize === 0 ? 0 : Math.floor(Math.max(end, 0) / plainChunk);
    const lastIndex = g.chunks - 1;
    // open the first chunk now: an error here becomes a clean refusal instead of a broken response
    const at = HEADER_SIZE + first * g.sealedChunk;
    const firstLength = Math.min(g.sealedChunk, size - at);
    const firstSealed = at + firstLength <= head.length ? head.subarray(at, at + firstLength) : await readAt(fh, firstLength, at);
    const opened = openChunk(dataKey, first, first === lastIndex, firstSealed);
    const skip = start - first * plainChunk;
    const take = range ? end - start + 1 : undefined;
    if (lastNeeded === first) {
      // everything asked for is in the chunk just opened (the file is closed below)
      const plain = opened.subarray(Math.min(skip, opened.length), take === undefined ? undefined : skip + Math.max(0, take));
      return { stream: Readable.from(plain.length ? [plain] : []), encrypted: true, size: g.plainSize };
    }
    const offload = lastNeeded - first > 2 * BATCH_CHUNKS;
    const decrypt = new DecryptingStream({ dataKey, chunkLog2: parsed.chunkLog2, first, last: lastIndex, skip, take, opened, offload });
    streaming = true;
    const raw = createReadStream('', {
      fd: fh,
      start: at + g.sealedChunk,
      end: range ? Math.min(size, HEADER_SIZE + (lastNeeded + 1) * g.sealedChunk) - 1 : size - 1,
      // whole chunks per read: a worker batch each when offloaded, else 4 at a time (fewer callbacks per MiB)
      highWaterMark: (offload ? BATCH_CHUNKS : 4) * g.sealedChunk,
    });
    raw.on('error', (e) => decrypt.destroy(e));
    decrypt.on('close', () => raw.destroy());
    return { stream: raw.pipe(decrypt), encrypted: true, size: g.plainSize };
  } finally {
    // a stream on the file closes it when it ends; otherwise (read whole, or refused) it is closed here
    if (!streaming) await fh.close().catch(() => undefined);
  }
}

export type RewrapOutcome = 'rewrapped' | 'current' | 'plaintext';

/**
 * `rotate-key` for one object: writes the data key wrapped under the current KEK into the free header slot, fsyncs,
 * then clears the old slot and fsyncs again. The data is not touched. A crash at any point leaves a slot that a key
 * in the keyring unwraps.
 */
export async function rewrapFile(file: string, objectKey: string, keyring: Keyring): Promise<RewrapOutcome> {
  const fh = await open(file, 'r+');
  try {
    const head = await readAt(fh, HEADER_SIZE, 0);
    if (!isEncrypted(head)) return 'plaintext';
    const current = keyring.current;
    const { parsed, dataKey, slot, kek } = await dataKeyOf(head, objectKey, keyring);
    const other = (1 - slot) as 0 | 1;
    if (kek.id.equals(current.id)) {
      // already current; clear a leftover old slot from an interrupted rotation
      if (!parsed.slots[other]!.empty) {
        await fh.write(Buffer.alloc(SLOT_SIZE), 0, SLOT_SIZE, SLOT_OFFSET[other]);
        await fh.sync();
      }
      return 'current';
    }
    await fh.write(wrapSlot(current, dataKey, objectKey, parsed.chunkLog2), 0, SLOT_SIZE, SLOT_OFFSET[other]);
    await fh.sync();
    await fh.write(Buffer.alloc(SLOT_SIZE), 0, SLOT_SIZE, SLOT_OFFSET[slot]);
    await fh.sync();
    return 'rewrapped';
  } finally {
    await fh.close();
  }
}

/** Whether a stored file starts with the encryption header. */
export async function fileIsEncrypted(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    return isEncrypted(await readAt(fh, MAGIC.length, 0));
  } finally {
    await fh.close();
  }
}

