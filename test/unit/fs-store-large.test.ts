// Large files on the filesystem store are flushed along the way (fdatasync every 32 MiB beside the writes): the bytes
// still arrive whole, plaintext and encrypted; a flush that fails fails the put and leaves nothing at the key.
import { createHash, randomBytes } from 'node:crypto';
import { open, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/blobstores/fs-store.ts';
import { Keyring } from '../../src/blobstores/encryption/keyring.ts';

const MiB = 1024 * 1024;

/** size bytes of 1 MiB blocks (each different), as a stream, and their SHA-256. */
function body(size: number): { stream: Readable; sha256: string } {
  const blocks = Array.from({ length: Math.ceil(size / MiB) }, (_, i) => randomBytes(Math.min(MiB, size - i * MiB)));
  return { stream: Readable.from(blocks), sha256: blocks.reduce((h, b) => h.update(b), createHash('sha256')).digest('hex') };
}

async function sha256Of(r: Readable): Promise<string> {
  const h = createHash('sha256');
  for await (const c of r) h.update(c as Buffer);
  return h.digest('hex');
}

describe('filesystem store, large files', () => {
  let dir: string;
  let stores: Record<'plain' | 'encrypted', FsBlobStore>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quill-fs-large-'));
    const keyring = await Keyring.load({ kek: null, previous: [], file: path.join(dir, 'fs-kek'), generate: true });
    stores = {
      plain: new FsBlobStore({ dir: path.join(dir, 'plain'), signingKey: randomBytes(32), baseUrl: () => 'http://x' }),
      encrypted: new FsBlobStore({ dir: path.join(dir, 'enc'), signingKey: randomBytes(32), baseUrl: () => 'http://x', keyring }),
    };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores files past several flush points whole, plaintext and encrypted', async () => {
    for (const kind of ['plain', 'encrypted'] as const) {
      const b = body(70 * MiB + 13);
      await stores[kind].put(`documents/abc/large-${kind}`, b.stream, { contentType: 'application/pdf' });
      expect(await sha256Of(await stores[kind].get(`documents/abc/large-${kind}`, null)), kind).toBe(b.sha256);
    }
  });

  it('fails the put when a flush fails, and leaves nothing at the key', async () => {
    const probe = await open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const datasync = proto.datasync;
    proto.datasync = () => Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    try {
      const err = await stores.plain.put('documents/abc/flush-fails', body(40 * MiB).stream, { contentType: 'application/pdf' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
    } finally {
      proto.datasync = datasync;
    }
    await expect(stat(path.join(dir, 'plain', 'documents/abc/flush-fails'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(path.join(dir, 'plain', '.incoming'))).toEqual([]);
  });
});
