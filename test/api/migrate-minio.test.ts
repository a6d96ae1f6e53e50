// Moving onto and off MinIO while the service serves: the service's live store is SeaweedFS (the built-in `s3`) and
// MinIO (erasure-coded, TLS from a private CA) is the named store `minio` (QUILL_STORES). Under upload load and
// continuous reads, `migrate-blobs --from s3 --to minio` moves every version, verified; then
// `migrate-blobs --from minio --to s3` moves them all back. Every document stays readable throughout, and after each
// move every version is in the target store and reads back intact.
// Needs the weed and MinIO binaries (a failure under CI=true, skipped otherwise).
import { createHash, randomBytes } from 'node:crypto';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MigrateBlobsReport } from '../../src/jobs/migrate-blobs.ts';
import { DISCHARGE, PATIENT } from '../support/fixtures.ts';
import { bucketName, requireServers, runCli, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startMinio, type MinioServer } from '../support/minio.ts';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const available = requireServers('migrate-blobs between SeaweedFS and MinIO', { minio: true, azurite: false });

describe.skipIf(!available)('migrate-blobs between SeaweedFS and MinIO, both directions, live', () => {
  let seaweed: SeaweedServer;
  let minio: MinioServer;
  let s: TestServer;
  let restoreAws: () => void;
  let env: Record<string, string>;
  let minioBucket: string;
  let token: string;
  const acked = new Map<string, string>();

  beforeAll(async () => {
    [seaweed, minio] = await Promise.all([startSeaweed(), startMinio({ layout: 'erasure', tls: true })]);
    restoreAws = useAwsCredentials(seaweed); // the live store's credentials; the named store has its own
    const seaweedBucket = bucketName('seaweed');
    minioBucket = bucketName('minio');
    await createVersionedBucket(seaweed.endpoint, seaweed, seaweedBucket);
    await createVersionedBucket(minio.endpoint, minio, minioBucket);
    env = {
      QUILL_BLOB_STORE: 's3',
      ...s3Env(seaweed, seaweedBucket),
      QUILL_STORES: 'minio',
      QUILL_STORE_MINIO_KIND: 's3',
      QUILL_STORE_MINIO_S3_BUCKET: minioBucket,
      QUILL_STORE_MINIO_S3_ENDPOINT: minio.endpoint,
      QUILL_STORE_MINIO_S3_FORCE_PATH_STYLE: 'true',
      QUILL_STORE_MINIO_S3_CA_BUNDLE: minio.caFile!,
      QUILL_STORE_MINIO_S3_ACCESS_KEY_ID: minio.accessKeyId,
      QUILL_STORE_MINIO_S3_SECRET_ACCESS_KEY: minio.secretAccessKey,
      QUILL_SCRUB_RATE: '0',
    };
    s = await startTestServer(env);
    token = await s.token('mover', ['clinician']);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    restoreAws?.();
    await Promise.all([seaweed?.stop(), minio?.stop()]);
  }, 60_000);

  const auth = () => ({ authorization: `Bearer ${token}` });
  async function upload(): Promise<void> {
    const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(20_000 + Math.floor(Math.random() * 300_000))]);
    const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: 'move me' });
    const r = await fetch(`${s.baseUrl}/v1/documents?${q}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/pdf' }, body: new Uint8Array(body) });
    expect(r.status, await r.clone().text()).toBe(201);
    acked.set((await r.json()).id, sha(body));
  }

  /** Runs migrate-blobs twice (the second run takes what was uploaded during the first) under upload and read load. */
  async function moveLive(from: string, to: string): Promise<{ first: MigrateBlobsReport; reads: number; readFailures: string[] }> {
    let stop = false;
    const readFailures: string[] = [];
    let reads = 0;
    const uploader = async () => {
      while (!stop) await upload();
    };
    const reader = async () => {
      while (!stop) {
        const ids = [...acked.keys()];
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const r = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth() });
        const bytes = new Uint8Array(await r.arrayBuffer());
        if (r.status !== 200 || sha(bytes) !== acked.get(id)) readFailures.push(`${id}: ${r.status}`);
        reads++;
      }
    };
    const migrate = () => runCli(['migrate-blobs', '--from', from, '--to', to, '--json'], { ...env, DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir });
    const load = [uploader(), uploader(), reader(), reader()];
    const first = await migrate();
    stop = true;
    await Promise.all(load);
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout.trim().split('\n').pop()!) as MigrateBlobsReport;
    expect(report.failed).toEqual([]);
    // what was uploaded (to the live store) while the first run went, and anything still in `from`
    const second = await migrate();
    expect(second.code, second.stderr).toBe(0);
    return { first: report, reads, readFailures };
  }

  async function everyDocumentReads(): Promise<void> {
    for (const [id, want] of acked) {
      const r = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth() });
      expect(r.status).toBe(200);
      expect(sha(new Uint8Array(await r.arrayBuffer()))).toBe(want);
    }
  }

  it('SeaweedFS → MinIO while uploads continue and every document stays readable', async () => {
    for (let i = 0; i < 30; i++) await upload();
    const { first, reads, readFailures } = await moveLive('s3', 'minio');
    expect(first.copied).toBeGreaterThanOrEqual(30);
    expect(readFailures, `${reads} reads during the move`).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    // uploads keep going to the live store (SeaweedFS); everything written before the second run is in MinIO now
    const where = await s.sql<{ blob_store: string; n: number }[]>`select blob_store, count(*)::int as n from document_versions group by blob_store`;
    expect(where).toEqual([{ blob_store: 'minio', n: acked.size }]);
    const [one] = await s.sql<{ blob_key: string; blob_version_id: string }[]>`select blob_key, blob_version_id from document_versions limit 1`;
    const raw = s3Client(minio);
    try {
      const head = await raw.send(new HeadObjectCommand({ Bucket: minioBucket, Key: one!.blob_key, VersionId: one!.blob_version_id }));
      expect(head.ContentLength).toBeGreaterThan(0);
      expect(head.ServerSideEncryption).toBe('AES256');
    } finally {
      raw.destroy();
    }
    await everyDocumentReads();
    console.log(`[migrate seaweedfs→minio] ${acked.size} documents; first run copied ${first.copied} in ${(first.elapsedMs / 1000).toFixed(1)} s with ${reads} reads beside it, none failed`);
  }, 300_000);

  it('MinIO → SeaweedFS while uploads continue and every document stays readable', async () => {
    const { first, reads, readFailures } = await moveLive('minio', 's3');
    expect(first.copied).toBeGreaterThanOrEqual(30);
    expect(readFailures, `${reads} reads during the move`).toEqual([]);
    const where = await s.sql<{ blob_store: string; n: number }[]>`select blob_store, count(*)::int as n from document_versions group by blob_store`;
    expect(where).toEqual([{ blob_store: 's3', n: acked.size }]);
    await everyDocumentReads();
    console.log(`[migrate minio→seaweedfs] ${acked.size} documents; first run copied ${first.copied} in ${(first.elapsedMs / 1000).toFixed(1)} s with ${reads} reads beside it, none failed`);
  }, 300_000);
});
