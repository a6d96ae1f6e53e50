// Named stores (QUILL_STORES) and a live move between two S3 endpoints: the service runs on a single SeaweedFS server
// (`weed mini`, the built-in `s3` store) with the cluster configured as the named store `cluster`; under upload load
// and continuous reads, `migrate-blobs --from s3 --to cluster` moves every version, verified, while every document
// stays readable throughout. Needs the weed binary (a failure under CI=true, skipped otherwise).
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { builtInStore } from '../../src/config/store-config.ts';
import { LiveMigration, namedS3Store } from '../support/live-migration.ts';
import { bucketName, requireServers, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startSeaweedCluster, type SeaweedCluster } from '../support/seaweedfs-cluster.ts';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const available = requireServers('migrate to a cluster', { azurite: false });

describe('QUILL_STORES configuration', () => {
  const base = { QUILL_DATA_DIR: '/tmp/quill-cfg-test', DATABASE_URL: 'postgres://x@127.0.0.1/x', QUILL_JWT_SECRET: 'x'.repeat(32) };
  it('reads a named S3 store with its own endpoint and credentials, leaving the built-in s3 store as it was', () => {
    const cfg = loadConfig({ ...base, QUILL_BLOB_STORE: 's3', QUILL_S3_BUCKET: 'single', QUILL_STORES: 'cluster', QUILL_STORE_CLUSTER_KIND: 's3', QUILL_STORE_CLUSTER_S3_BUCKET: 'docs',
      QUILL_STORE_CLUSTER_S3_ENDPOINT: 'http://127.0.0.1:9', QUILL_STORE_CLUSTER_S3_FORCE_PATH_STYLE: 'true', QUILL_STORE_CLUSTER_S3_ACCESS_KEY_ID: 'a', QUILL_STORE_CLUSTER_S3_SECRET_ACCESS_KEY: 'b' });
    expect(builtInStore(cfg, 's3').bucket).toBe('single');
    expect(cfg.stores.map((s) => s.name)).toEqual(['fs', 's3', 'azure', 'cluster']);
    expect(cfg.stores[3]).toEqual(expect.objectContaining({ name: 'cluster', kind: 's3', bucket: 'docs', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, region: null, accessKeyId: 'a', secretAccessKey: 'b' }));
  });
  it('refuses a bad name, a reserved name, a missing kind and missing settings, listing every problem', () => {
    let err: unknown;
    try {
      loadConfig({ ...base, QUILL_STORES: 'Bad!,s3,nokind,cluster', QUILL_STORE_CLUSTER_KIND: 's3' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain('"Bad!" is not a valid store name');
    expect(msg).toContain('"s3" is not a valid store name');
    expect(msg).toContain('QUILL_STORE_NOKIND_KIND must be one of fs, s3, azure');
    expect(msg).toContain('QUILL_STORE_CLUSTER_S3_BUCKET is required');
  });
});

describe.skipIf(!available)('migrate-blobs from a single SeaweedFS server to a SeaweedFS cluster, live', () => {
  let single: SeaweedServer;
  let cluster: SeaweedCluster;
  let s: TestServer;
  let restoreAws: () => void;
  let env: Record<string, string>;
  let clusterBucket: string;

  beforeAll(async () => {
    [single, cluster] = await Promise.all([startSeaweed(), startSeaweedCluster()]);
    restoreAws = useAwsCredentials(single); // both use the same test credentials; the named store gets its own anyway
    const singleBucket = bucketName('single');
    clusterBucket = bucketName('cluster');
    await createVersionedBucket(single.endpoint, single, singleBucket);
    await createVersionedBucket(cluster.endpoint, cluster, clusterBucket);
    env = { QUILL_BLOB_STORE: 's3', ...s3Env(single, singleBucket), ...namedS3Store('cluster', cluster, clusterBucket) };
    s = await startTestServer(env);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    restoreAws?.();
    await Promise.all([single?.stop(), cluster?.stop()]);
  }, 60_000);

  it('moves every version while uploads continue and every document stays readable', async () => {
    const live = new LiveMigration(s, await s.token('mover', ['clinician']), env);
    for (let i = 0; i < 40; i++) await live.upload();
    const { first: r1, reads, readFailures } = await live.move('s3', 'cluster');
    expect(r1.copied).toBeGreaterThanOrEqual(40);

    expect(readFailures, `${reads} reads during the move`).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    const where = await s.sql<{ blob_store: string; n: number }[]>`select blob_store, count(*)::int as n from document_versions group by blob_store`;
    expect(where).toEqual([{ blob_store: 'cluster', n: live.acked.size }]);
    // the bytes really are in the cluster's bucket, and every document reads back intact from there
    const [one] = await s.sql<{ blob_key: string; blob_version_id: string }[]>`select blob_key, blob_version_id from document_versions limit 1`;
    const raw = s3Client(cluster);
    try {
      const head = await raw.send(new HeadObjectCommand({ Bucket: clusterBucket, Key: one!.blob_key, VersionId: one!.blob_version_id }));
      expect(head.ContentLength).toBeGreaterThan(0);
    } finally {
      raw.destroy();
    }
    await live.expectEveryDocumentReads();
    console.log(`[migrate→cluster] ${live.acked.size} documents, first run copied ${r1.copied} in ${(r1.elapsedMs / 1000).toFixed(1)} s, ${reads} reads during it, none failed`);
  }, 300_000);
});
