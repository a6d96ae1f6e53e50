import { createCipheriv, createDecipheriv, createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { AppError } from '../../domain/errors.ts';
import { secretKeyOf } from '../secret-keys.ts';

/**
 * The on-disk format of an encrypted filesystem-store object (envelope encryption, chunked AEAD).
 *
 * Hand-written on node:crypto's AES-256-GCM (OpenSSL) rather than age or libsodium's secretstream, because we need
 * two things neither library gives: (1) random access, so a Range read decrypts only the chunks it needs
 * (secretstream ratchets its state from chunk to chunk and cannot seek; the age-encryption npm package streams but
 * exposes no seekable reader), and (2) re-wrapping the data key under a new key-encryption key in place, without
 * touching the data (age's header is MACed with a key derived from the file key, so re-wrapping means rewriting the
 * header through internals the package does not export). The construction is the usual "STREAM" one (as in age and
 * Tink): a random 256-bit data key per object, so deterministic nonces are safe; each chunk's nonce is its index and
 * a last-chunk flag, so reordering, truncation at a chunk boundary, appending and bit flips all fail authentication.
 * test/unit/fs-encryption.test.ts attacks it.
 *
 * Layout (all integers big-endian):
 *   magic       8  bytes  89 'Q' 'E' 'N' 'C' 0D 0A 1A   (no allowed document type starts with it: 0x89 is not a
 *                                                       valid first byte of UTF-8 text, and PNG is 89 'P' 'N' 'G')
 *   version     1  byte   1
 *   chunkLog2   1  byte   plaintext chunk size = 2^chunkLog2 (16: 64 KiB)
 *   reserved    2  bytes  0
 *   slot 0, slot 1        each 76 bytes: kekId (16) | nonce (12) | wrapped data key (32) | GCM tag (16);
 *                         an unused slot is all zeros. Two slots let `rotate-key` write the new wrapping beside the old
 *                         one and fsync before clearing the old one, so a crash never leaves an object without a key.
 *   chunks                each: AES-256-GCM(dataKey, nonce = uint64 index | uint32 last?1:0, plaintext chunk) | tag (16)
 *                         every chunk but the last is full; an empty object is one empty last chunk.
 * The wrapping's AAD is magic|version|chunkLog2|kekId|objectKey: a file moved or copied to another object's path fails
 * to unwrap, so swapping two objects' files is caught, and an altered key id cannot point at another key.
 */
export const MAGIC = Buffer.from([0x89, 0x51, 0x45, 0x4e, 0x43, 0x0d, 0x0a, 0x1a]);
export const FORMAT_VERSION = 1;
export const CHUNK_LOG2 = 16;
export const TAG = 16;
export const SLOT_SIZE = 16 + 12 + 32 + 16;
export const SLOT_OFFSET = [12, 12 + SLOT_SIZE] as const;
export const HEADER_SIZE = 12 + 2 * SLOT_SIZE;

export interface Kek {
  id: Buffer; // 16 bytes
  key: Buffer; // 32 bytes
}

/** A key-encryption key's id: a hash of the key, so it names the key without revealing it. */
export function kekId(key: Buffer): Buffer {
  return createHash('sha256').update('quill-docstore fs kek id\0').update(key).digest().subarray(0, 16);
}

export function kekFrom(key: Buffer): Kek {
  if (key.length !== 32) throw new Error('a key-encryption key must be 32 bytes');
  return { id: kekId(key), key };
}

const prefix = (chunkLog2: number) => Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION, chunkLog2, 0, 0])]);
const wrapAad = (chunkLog2: number, objectKey: string, id: Buffer) => Buffer.concat([prefix(chunkLog2), id, Buffer.from(objectKey, 'utf8')]);

export function isEncrypted(head: Buffer): boolean {
  return head.length >= MAGIC.length && head.subarray(0, MAGIC.length).equals(MAGIC);
}

export function wrapSlot(kek: Kek, dataKey: Buffer, objectKey: string, chunkLog2 = CHUNK_LOG2): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', secretKeyOf(kek.key), nonce);
  c.setAAD(wrapAad(chunkLog2, objectKey, kek.id));
  const wrapped = Buffer.concat([c.update(dataKey), c.final()]);
  return Buffer.concat([kek.id, nonce, wrapped, c.getAuthTag()]);
}

function unwrapSlot(kek: Kek, slot: Buffer, objectKey: string, chunkLog2: number): Buffer | null {
  try {
    const d = createDecipheriv('aes-256-gcm', secretKeyOf(kek.key), slot.subarray(16, 28));
    d.setAAD(wrapAad(chunkLog2, objectKey, slot.subarray(0, 16)));
    d.setAuthTag(slot.subarray(60, 76));
    return Buffer.concat([d.update(slot.subarray(28, 60)), d.final()]);
  } catch {
    return null;
  }
}

/** A fresh header for a new object: a random data key wrapped by kek in slot 0. */
export function newHeader(kek: Kek, objectKey: string): { header: Buffer; dataKey: Buffer } {
  const dataKey = randomBytes(32);
  const header = Buffer.concat([prefix(CHUNK_LOG2), wrapSlot(kek, dataKey, objectKey), Buffer.alloc(SLOT_SIZE)]);
  return { header, dataKey };
}

export interface ParsedHeader {
  chunkLog2: number;
  slots: { index: 0 | 1; kekId: Buffer; raw: Buffer; empty: boolean }[];
}

export function parseHeader(h: Buffer): ParsedHeader {
  if (h.length < HEADER_SIZE || !isEncrypted(h)) throw new AppError('integrity_failure', 'the stored object has no valid encryption header');
  if (h[8] !== FORMAT_VERSION) throw new AppError('integrity_failure', `unknown encryption format version ${h[8]}`);
  const chunkLog2 = h[9]!;
  if (chunkLog2 < 10 || chunkLog2 > 24) throw new AppError('integrity_failure', 'the stored object has an invalid chunk size');
  const slots = ([0, 1] as const).map((index) => {
    const raw = h.subarray(SLOT_OFFSET[index], SLOT_OFFSET[index] + SLOT_SIZE);
    return { index, kekId: raw.subarray(0, 16), raw, empty: raw.every((b) => b === 0) };
  });
  return { chunkLog2, slots };
}

/**
 * Finds a slot that a known KEK unwraps. Throws integrity_failure when no slot authenticates under a known key (a
 * tampered header, or a file moved from another object's path), and storage_unavailable when the object names a key
 * this process does not have (a KEK missing from the keyring is an operator problem, not corruption).
 */
export function unwrapDataKey(h: ParsedHeader, objectKey: string, keys: (id: Buffer) => Kek | undefined): { dataKey: Buffer; slot: 0 | 1; kek: Kek } {
  let unknown: string | null = null;
  for (const s of h.slots) {
    if (s.empty) continue;
    const kek = keys(s.kekId);
    if (!kek) {
      unknown = s.kekId.toString('hex');
      continue;
    }
    const dataKey = unwrapSlot(kek, s.raw, objectKey, h.chunkLog2);
    if (dataKey) return { dataKey, slot: s.index, kek };
  }
  if (unknown && h.slots.every((s) => s.empty || !keys(s.kekId))) {
    throw new AppError('storage_unavailable', `the object is encrypted under key-encryption key ${unknown}, which is not configured here (QUILL_FS_KEK / key file), or the header was altered`, { layer: 'blob' });
  }
  throw new AppError('integrity_failure', 'the stored object\'s data key does not authenticate (tampered header, or a file moved from another object)');
}

export function chunkNonce(index: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(index), 0);
  n.writeUInt32BE(last ? 1 : 0, 8);
  return n;
}

/**
 * A chunk whose plaintext arrives in several pieces (as an HTTP body does): each piece is encrypted as it is (GCM is
 * a stream mode, so ciphertext piece i has piece i's length), so the pieces never need to be joined into one buffer
 * first. Returns the ciphertext pieces followed by the tag (GCM's final() adds nothing): concatenated, the sealed chunk.
 */
export function sealChunkPieces(dataKey: ChunkKey, index: number, last: boolean, pieces: readonly Buffer[]): Buffer[] {
  const c = createCipheriv('aes-256-gcm', dataKey, chunkNonce(index, last));
  const out: Buffer[] = [];
  for (const p of pieces) out.push(c.update(p));
  c.final();
  out.push(c.getAuthTag());
  return out;
}

/**
 * A data key as node:crypto uses it. A KeyObject made once per object (chunkKey) spares OpenSSL importing the raw key
 * again for every chunk: for a 200 MiB object (3,200 chunks) that import was most of the cost of AES-GCM.
 */
export type ChunkKey = Buffer | KeyObject;
export const chunkKey = (dataKey: Buffer): KeyObject => createSecretKey(dataKey);

export function openChunk(dataKey: ChunkKey, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG) throw new AppError('integrity_failure', `encrypted chunk ${index} is truncated`);
  try {
    const d = createDecipheriv('aes-256-gcm', dataKey, chunkNonce(index, last));
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    const plain = d.update(sealed.subarray(0, sealed.length - TAG));
    d.final(); // throws unless the tag authenticates; returns nothing for GCM
    return plain;
  } catch {
    throw new AppError('integrity_failure', `encrypted chunk ${index}${last ? ' (last)' : ''} failed authentication: the stored object was altered, truncated or reordered`);
  }
}

/** Geometry of an encrypted file of fileSize bytes: how many chunks and how many plaintext bytes. */
export function geometry(fileSize: number, chunkLog2: number): { chunks: number; plainSize: number; sealedChunk: number } {
  const sealedChunk = (1 << chunkLog2) + TAG;
  const body = fileSize - HEADER_SIZE;
  if (body < TAG) throw new AppError('integrity_failure', 'the stored object is truncated (no complete chunk)');
  const chunks = Math.ceil(body / sealedChunk);
  const lastSealed = body - (chunks - 1) * sealedChunk;
  if (lastSealed < TAG) throw new AppError('integrity_failure', 'the stored object is truncated mid-chunk');
  return { chunks, plainSize: body - chunks * TAG, sealedChunk };
}
