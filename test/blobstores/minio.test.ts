// S3BlobStore on real MinIO (test/support/minio.ts, built by test-servers/minio/build.sh), in the three shapes a
// deployment grows through: a single server (one drive), an erasure-coded server (four drives) and a distributed
// deployment (four processes). Each runs the shared store conformance suite and the S3 feature checks
// (s3-features.ts); the distributed one serves HTTPS from a private CA, so the whole suite also runs through
// QUILL_S3_CA_BUNDLE, and a client without that CA is refused. One deployment runs at a time.
// Without the MinIO binaries the file is skipped with the reason, except under CI=true, where it fails.
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors.ts';
import { requireServers } from '../support/live-stores.ts';
import { startMinio, type MinioLayout, type MinioServer } from '../support/minio.ts';
import { createVersionedBucket } from '../support/seaweedfs.ts';
import { blobStoreConformance, readAll } from './conformance.ts';
import { bucketName, s3Kit, s3StoreFeatures } from './s3-features.ts';

const available = requireServers('S3BlobStore on MinIO', { minio: true, seaweedfs: false, azurite: false });

const LAYOUTS: { layout: MinioLayout; tls: boolean; title: string }[] = [
  { layout: 'single', tls: false, title: 'single server, one drive' },
  { layout: 'erasure', tls: false, title: 'erasure-coded server, four drives' },
  { layout: 'distributed', tls: true, title: 'distributed, four processes, TLS' },
];

for (const { layout, tls, title } of LAYOUTS) {
  describe.skipIf(!available)(`S3BlobStore on MinIO (${title})`, () => {
    let started: Promise<MinioServer> | undefined;
    const minio = (): Promise<MinioServer> => (started ??= startMinio({ layout, tls }));
    const kit = s3Kit(minio);
    afterAll(async () => {
      if (started) await (await started).stop();
    }, 60_000);

    blobStoreConformance(`S3 (MinIO ${layout}${tls ? ', TLS' : ''}, versioned bucket, SSE-S3)`, kit.harness, {
      versionsSameKey: true,
      refusesDigestMismatch: true,
      reportsSha256: true,
      encryptsAtRest: true,
      networked: true,
    });

    s3StoreFeatures(kit, { bucketCors: false });

    it.runIf(tls)('talks HTTPS only with the CA bundle: without it the store is unavailable, not silently insecure', async () => {
      const m = await minio();
      expect(m.endpoint).toMatch(/^https:\/\//);
      const bucket = bucketName('tls');
      await createVersionedBucket(m.endpoint, m, bucket);
      const store = kit.storeFor(m, bucket);
      await store.ping();
      const r = await store.put('over-tls', Readable.from([Buffer.from('encrypted in transit')]), { contentType: 'text/plain' });
      expect((await readAll(await store.get('over-tls', r.versionId))).toString()).toBe('encrypted in transit');
      const untrusting = kit.storeFor(m, bucket, { caBundle: null });
      const e = await untrusting.ping().then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).code).toBe('storage_unavailable');
    });
  });
}
