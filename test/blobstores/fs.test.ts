// The filesystem store against the shared BlobStore contract. Its download URLs are served by our own HTTP route,
// so the harness stands in for that route: verifySignedUrl, then store.get, mapping AppErrors to their status.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { attachmentDisposition } from '../../src/blobstores/content-disposition.ts';
import { FsBlobStore } from '../../src/blobstores/fs-store.ts';
import { Keyring } from '../../src/blobstores/encryption/keyring.ts';
import { verifySignedUrl } from '../../src/blobstores/signed-url.ts';
import { AppError } from '../../src/domain/errors.ts';
import { describe, expect, it } from 'vitest';
import { blobStoreConformance, type ConformanceHarness } from './conformance.ts';

const BASE_URL = 'http://quill.test';

async function fsHarness(encrypted: boolean): Promise<ConformanceHarness> {
  const dir = await mkdtemp(path.join(tmpdir(), 'quill-fs-conf-'));
  const secret = randomBytes(32);
  const keyring = encrypted ? await Keyring.load({ kek: null, previous: [], file: path.join(dir, 'fs-kek'), generate: true }) : null;
  const store = new FsBlobStore({ dir: path.join(dir, 'blobs'), signingKey: secret, baseUrl: () => BASE_URL, keyring });

  async function fetchUrl(url: string): Promise<Response> {
    const u = new URL(url);
    const prefix = '/v1/blobs/';
    try {
      if (u.origin !== BASE_URL || !u.pathname.startsWith(prefix)) throw new AppError('url_invalid');
      const key = u.pathname.slice(prefix.length).split('/').map(decodeURIComponent).join('/');
      const claims = verifySignedUrl(secret, key, Object.fromEntries(u.searchParams));
      const body = await store.get(key, claims.versionId);
      return new Response(Readable.toWeb(body) as ReadableStream, {
        status: 200,
        headers: { 'content-type': claims.contentType, 'content-disposition': attachmentDisposition(claims.filename) },
      });
    } catch (e) {
      if (e instanceof AppError) return new Response(e.code, { status: e.status });
      throw e;
    }
  }

  return {
    store,
    fetchUrl,
    // the file on disk starts with the encryption header (and holds no plaintext: test/unit/fs-encryption.test.ts)
    ...(encrypted ? { encryptionOf: async (key: string) => String(await store.isEncrypted(key)) } : {}),
    broken() {
      // a "directory" whose parent is a regular file can never be created or written
      const blocker = path.join(dir, 'not-a-dir');
      writeFileSync(blocker, 'x');
      return new FsBlobStore({ dir: path.join(blocker, 'blobs'), signingKey: secret, baseUrl: () => BASE_URL, keyring });
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// encrypted at rest: the default since issue 10
blobStoreConformance('filesystem (FsBlobStore, encrypted)', () => fsHarness(true), {
  versionsSameKey: false,
  // FsBlobStore ignores expectedSha256 (the upload route hashes and checks the bytes itself)
  refusesDigestMismatch: false,
  reportsSha256: false,
  encryptsAtRest: true,
  networked: false,
});

// QUILL_FS_ENCRYPTION=false, and the plain files of stores written before encryption
blobStoreConformance('filesystem (FsBlobStore, plaintext)', () => fsHarness(false), {
  versionsSameKey: false,
  refusesDigestMismatch: false,
  reportsSha256: false,
  encryptsAtRest: false,
  networked: false,
});

/**
 * Counts what the filesystem store touches while fn runs: directory entries read (every readdir's entries), files
 * stat'ed and files opened, through node:fs/promises itself (its ESM bindings re-synced to counting wrappers), on the
 * real filesystem.
 */
async function countingFs<T>(fn: () => Promise<T>): Promise<{ value: T; entries: number; stats: number; opens: number }> {
  const fsp = createRequire(import.meta.url)('node:fs/promises') as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const saved = { readdir: fsp.readdir!, stat: fsp.stat!, open: fsp.open! };
  const n = { entries: 0, stats: 0, opens: 0 };
  fsp.readdir = async (...a) => {
    const out = (await saved.readdir(...a)) as unknown[];
    n.entries += out.length;
    return out;
  };
  fsp.stat = async (...a) => (n.stats++, saved.stat(...a));
  fsp.open = async (...a) => (n.opens++, saved.open(...a));
  syncBuiltinESMExports();
  try {
    return { value: await fn(), ...n };
  } finally {
    Object.assign(fsp, saved);
    syncBuiltinESMExports();
  }
}

describe('filesystem store: listing a prefix (issue 25)', () => {
  it('costs what the prefix holds, not what the store holds: entries visited and files opened are counted', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'quill-fs-list-'));
    try {
      const store = new FsBlobStore({ dir: path.join(dir, 'blobs'), signingKey: randomBytes(32), baseUrl: () => BASE_URL, keyring: null });
      // 2,000 documents beside one upload's three parts (plain files written straight into the store's layout), each
      // long enough that listing it opens it (to read its plaintext size)
      const bytes = Buffer.alloc(200, 'x');
      for (let d = 0; d < 100; d++) {
        const docDir = path.join(dir, 'blobs', 'documents', `doc-${d}`);
        mkdirSync(docDir, { recursive: true });
        for (let v = 0; v < 20; v++) writeFileSync(path.join(docDir, `v-${v}`), bytes);
      }
      const upload = 'uploads/0b6f2f6e-94a5-4a4b-9d7a-1f3c9a0e5b11/';
      for (const part of ['0000000000000000-a', '0000000000000004-b', '0000000000000009-c']) {
        await store.put(`${upload}${part}`, Readable.from([bytes]), { contentType: 'application/octet-stream' });
      }
      const collect = async (prefix: string) => {
        const keys: string[] = [];
        for await (const o of store.list(prefix)) keys.push(o.key);
        return keys.sort();
      };
      const listed = await countingFs(() => collect(upload));
      expect(listed.value).toEqual([`${upload}0000000000000000-a`, `${upload}0000000000000004-b`, `${upload}0000000000000009-c`]);
      // the three parts' directory entries, and each part stat'ed and opened (for its plaintext size) once
      expect({ entries: listed.entries, stats: listed.stats, opens: listed.opens }).toEqual({ entries: 3, stats: 3, opens: 3 });
      // a prefix that ends inside a name reads only the directory it names, and opens only what matches
      const partial = await countingFs(() => collect('documents/doc-1'));
      expect(partial.value).toHaveLength(11 * 20); // doc-1 and doc-10 … doc-19
      expect(partial.entries).toBe(100 + 11 * 20);
      expect(partial.opens).toBe(11 * 20);
      // the whole store is still listed by the empty prefix (reconcile)
      expect(await collect('')).toHaveLength(2003);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
