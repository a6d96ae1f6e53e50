// Moving onto and off MinIO while the service serves: the service's live store is SeaweedFS (the built-in `s3`) and
// MinIO (erasure-coded, TLS from a private CA) is the named store `minio` (QUILL_STORES). Under upload load and
// continuous reads, `migrate-blobs --from s3 --to minio` moves every version, verified; then
// `migrate-blobs --from minio --to s3` moves them all back. Every document stays readable throughout, and after each
// move every version is in the target store and reads back intact.
// Needs the weed and MinIO binaries (a failure under CI=true, skipped otherwise).
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveMigration, namedS3Store } from '../support/live-migration.ts';
import { bucketName, requireServers, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startMinio, type MinioServer } from '../support/minio.ts';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const available = requireServers('migrate-blobs between SeaweedFS and MinIO', { minio: true, azurite: false });

describe.skipIf(!available)('migrate-blobs between SeaweedFS and MinIO, both directions, live', () => {
  let seaweed: SeaweedServer;
  let minio: MinioServer;
  let s: TestServer;
  let restoreAws: () => void;
  let minioBucket: string;
  let live: LiveMigration;

  beforeAll(async () => {
    // one after the other: if MinIO fails to start, SeaweedFS is already assigned and afterAll stops it
    seaweed = await startSeaweed();
    minio = await startMinio({ layout: 'erasure', tls: true });
    restoreAws = useAwsCredentials(seaweed); // the live store's credentials; the named store has its own
    const seaweedBucket = bucketName('seaweed');
    minioBucket = bucketName('minio');
    await createVersionedBucket(seaweed.endpoint, seaweed, seaweedBucket);
    await createVersionedBucket(minio.endpoint, minio, minioBucket);
    const env = { QUILL_BLOB_STORE: 's3', ...s3Env(seaweed, seaweedBucket), ...namedS3Store('minio', minio, minioBucket), QUILL_SCRUB_RATE: '0' };
    s = await startTestServer(env);
    live = new LiveMigration(s, await s.token('mover', ['clinician']), env);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    restoreAws?.();
    await Promise.all([seaweed?.stop(), minio?.stop()]);
  }, 60_000);

  const where = () => s.sql<{ blob_store: string; n: number }[]>`select blob_store, count(*)::int as n from document_versions group by blob_store`;

  it('SeaweedFS → MinIO while uploads continue and every document stays readable', async () => {
    for (let i = 0; i < 30; i++) await live.upload();
    const { first, reads, readFailures } = await live.move('s3', 'minio');
    expect(first.copied).toBeGreaterThanOrEqual(30);
    expect(readFailures, `${reads} reads during the move`).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    // uploads keep going to the live store (SeaweedFS); everything written before the second run is in MinIO now
    expect(await where()).toEqual([{ blob_store: 'minio', n: live.acked.size }]);
    const [one] = await s.sql<{ blob_key: string; blob_version_id: string }[]>`select blob_key, blob_version_id from document_versions limit 1`;
    const raw = s3Client(minio);
    try {
      const head = await raw.send(new HeadObjectCommand({ Bucket: minioBucket, Key: one!.blob_key, VersionId: one!.blob_version_id }));
      expect(head.ContentLength).toBeGreaterThan(0);
      expect(head.ServerSideEncryption).toBe('AES256');
    } finally {
      raw.destroy();
    }
    await live.expectEveryDocumentReads();
    console.log(`[migrate seaweedfs→minio] ${live.acked.size} documents; first run copied ${first.copied} in ${(first.elapsedMs / 1000).toFixed(1)} s with ${reads} reads beside it, none failed`);
  }, 300_000);

  it('MinIO → SeaweedFS while uploads continue and every document stays readable', async () => {
    const { first, reads, readFailures } = await live.move('minio', 's3');
    expect(first.copied).toBeGreaterThanOrEqual(30);
    expect(readFailures, `${reads} reads during the move`).toEqual([]);
    expect(await where()).toEqual([{ blob_store: 's3', n: live.acked.size }]);
    await live.expectEveryDocumentReads();
    console.log(`[migrate minio→seaweedfs] ${live.acked.size} documents; first run copied ${first.copied} in ${(first.elapsedMs / 1000).toFixed(1)} s with ${reads} reads beside it, none failed`);
  }, 300_000);
});
