// The filesystem store against the shared BlobStore contract. Its download URLs are served by our own HTTP route,
// so the harness stands in for that route: verifySignedUrl, then store.get, mapping AppErrors to their status.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { attachmentDisposition } from '../../src/blobstores/content-disposition.ts';
import { FsBlobStore } from '../../src/blobstores/fs-store.ts';
import { Keyring } from '../../src/blobstores/encryption/keyring.ts';
import { verifySignedUrl } from '../../src/blobstores/signed-url.ts';
import { AppError } from '../../src/domain/errors.ts';
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
