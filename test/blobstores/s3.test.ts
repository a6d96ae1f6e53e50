// S3BlobStore against a real SeaweedFS (`weed mini`): the shared BlobStore contract on a versioned, SSE-S3 bucket,
// then S3-only behaviour (s3-features.ts: Object Lock, checksum kinds, doctor findings), and a private CA bundle.
// Needs the weed binary (test-servers/seaweedfs/build.sh). Without it the suite is skipped with the reason, except
// under CI=true, where a missing server is a failure.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import { createVersionedBucket, startSeaweed, weedBinaryPath, type SeaweedServer } from '../support/seaweedfs.ts';
import { makeTestCa } from '../support/test-pki.ts';
import { blobStoreConformance, readAll } from './conformance.ts';
import { bucketName, s3Kit, s3StoreFeatures } from './s3-features.ts';

const weed = (() => {
  try {
    return weedBinaryPath();
  } catch (e) {
    return `(unknown: ${(e as Error).message})`;
  }
})();
const available = existsSync(weed);
const skipReason = `SeaweedFS binary is missing at ${weed}; build it with test-servers/seaweedfs/build.sh`;

if (!available) {
  if (process.env.CI === 'true') {
    describe('S3BlobStore on SeaweedFS', () => {
      it('needs the weed binary (required when CI=true)', () => {
        throw new Error(skipReason);
      });
    });
  } else {
    console.warn(`[blobstores] skipping: ${skipReason}`);
    describe.skip(`S3BlobStore on SeaweedFS: skipped because the ${skipReason}`, () => {
      it('needs the SeaweedFS server', () => {});
    });
  }
}

// One server for the whole file, started on first use.
let server: Promise<SeaweedServer> | undefined;
const seaweed = (): Promise<SeaweedServer> => (server ??= startSeaweed());
const kit = s3Kit(seaweed);
afterAll(async () => {
  if (server) await (await server).stop();
}, 60_000);

describe.skipIf(!available)('S3BlobStore on SeaweedFS', () => {
  blobStoreConformance('S3 (SeaweedFS, versioned bucket, SSE-S3)', kit.harness, {
    versionsSameKey: true,
    refusesDigestMismatch: true,
    reportsSha256: true,
    encryptsAtRest: true,
    networked: true,
  });

  s3StoreFeatures(kit);

  describe('S3 over TLS', () => {
    it('reaches a TLS endpoint signed by a private CA only through caBundle', async () => {
      const sw = await seaweed();
      const bucket = bucketName('tls');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const tls = await tlsProxy(new URL(sw.endpoint));
      try {
        const store = kit.storeFor(sw, bucket, { endpoint: tls.endpoint, caBundle: tls.caFile });
        await store.ping();
        const r = await store.put('over-tls', Readable.from([Buffer.from('encrypted in transit')]), { contentType: 'text/plain' });
        expect((await readAll(await store.get('over-tls', r.versionId))).toString()).toBe('encrypted in transit');

        const untrusting = kit.storeFor(sw, bucket, { endpoint: tls.endpoint });
        const e = await untrusting.ping().then(() => null, (err: unknown) => err);
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).code).toBe('storage_unavailable');
      } finally {
        await tls.close();
      }
    }, 60_000);
  });
});

/** An HTTPS front for the plain-HTTP SeaweedFS, with a throwaway CA, passing requests through byte for byte. */
async function tlsProxy(upstream: URL): Promise<{ endpoint: string; caFile: string; close(): Promise<void> }> {
  const ca = await makeTestCa();
  const leaf = await ca.issue('srv');
  const srv: HttpsServer = createHttpsServer({ key: await readFile(leaf.keyFile), cert: await readFile(leaf.certFile) }, (req, res) => {
    const up = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return {
    endpoint: `https://localhost:${port}`,
    caFile: ca.caFile,
    async close() {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
      await rm(ca.dir, { recursive: true, force: true });
    },
  };
}
