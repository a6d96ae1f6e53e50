// Named stores (QUILL_STORES) are whole stores, built from their configuration like the built-in ones, not reduced
// copies of them: a version moved into a named encrypted fs store still answers a Range request from its
// authenticated chunks (206, as on the built-in fs store), `migrate-blobs` takes a named fs store as its target, and
// every command reaches it (scrub re-reads the versions in it). On SeaweedFS (skipped without its binary, a failure
// under CI=true): a named S3 store with its own endpoint and keys keeps the S3 store's own SHA-256 (the scrubber's
// cheap check) and Object Lock (write-once records, COMPLIANCE).
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bootstrap.ts';
import { migrateBlobs } from '../../src/jobs/migrate-blobs.ts';
import { PATIENT, uploadRaw } from '../support/fixtures.ts';
import { bucketName, requireServers, runCli } from '../support/live-stores.ts';
import { createVersionedBucket, s3Client, startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const log = createLogger('silent');
const letter = () => Buffer.from(`Clinic letter ${randomBytes(8).toString('hex')}: `.repeat(4000));

describe('a named fs store (QUILL_STORES)', () => {
  let s: TestServer;
  let vault: string;
  let token: string;
  beforeAll(async () => {
    vault = await mkdtemp(path.join(os.tmpdir(), 'quill-named-fs-'));
    s = await startTestServer({ QUILL_STORES: 'vault', QUILL_STORE_VAULT_KIND: 'fs', QUILL_STORE_VAULT_FS_DIR: vault });
    token = await s.token('dr', ['clinician'], [PATIENT]);
  });
  afterAll(async () => {
    await s?.close();
    await rm(vault, { recursive: true, force: true });
  });

  async function upload(bytes: Buffer): Promise<string> {
    const res = await uploadRaw(s.baseUrl, token, bytes, { contentType: 'text/plain' });
    expect(res.status).toBe(201);
    return (await res.json()).id as string;
  }

  const storeOf = async (id: string) => (await s.sql`select blob_store from document_versions where document_id = ${id}`)[0]!.blob_store as string;

  it('serves a Range of a version moved into it from the authenticated chunks (206), like the built-in fs store', async () => {
    const bytes = letter();
    const id = await upload(bytes);
    const report = await migrateBlobs(s.service.db.sql, await s.service.blobs.of('fs'), await s.service.blobs.of('vault'), log);
    expect(report.failed).toEqual([]);
    expect(await storeOf(id)).toBe('vault');
    const res = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: { ...auth(token), range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  });

  /** The service's configuration, for a command run beside it. */
  const env = () => ({
    DATABASE_URL: s.cfg.databaseUrl!,
    QUILL_DATA_DIR: s.cfg.dataDir,
    QUILL_JWT_SECRET: s.secret.toString('utf8'),
    QUILL_STORES: 'vault',
    QUILL_STORE_VAULT_KIND: 'fs',
    QUILL_STORE_VAULT_FS_DIR: vault,
  });

  it('is a migrate-blobs target like the built-in fs store', async () => {
    const bytes = letter();
    const id = await upload(bytes);
    const r = await runCli(['migrate-blobs', '--from', 'fs', '--to', 'vault', '--json'], env());
    expect(r.code, r.stderr).toBe(0);
    expect(await storeOf(id)).toBe('vault');
    const res = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth(token) });
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('is reached by every command: scrub re-reads and verifies the versions in it', async () => {
    expect(Number((await s.sql`select count(*) from document_versions where blob_store = 'vault'`)[0]!.count)).toBeGreaterThan(0);
    const r = await runCli(['scrub', '--json'], env());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ findings: [], flagged: [], passComplete: true });
  });
});

const seaweed = requireServers('a named S3 store (QUILL_STORES)', { azurite: false });

describe.skipIf(!seaweed)('a named S3 store (QUILL_STORES)', () => {
  let sw: SeaweedServer;
  let s: TestServer;
  let bucket: string;
  beforeAll(async () => {
    sw = await startSeaweed();
    bucket = bucketName('archive');
    await createVersionedBucket(sw.endpoint, sw, bucket, { objectLock: true });
    // its own endpoint and keys: none in this process's AWS environment
    s = await startTestServer({
      QUILL_STORES: 'archive',
      QUILL_STORE_ARCHIVE_KIND: 's3',
      QUILL_STORE_ARCHIVE_S3_BUCKET: bucket,
      QUILL_STORE_ARCHIVE_S3_ENDPOINT: sw.endpoint,
      QUILL_STORE_ARCHIVE_S3_FORCE_PATH_STYLE: 'true',
      QUILL_STORE_ARCHIVE_S3_REGION: sw.region,
      QUILL_STORE_ARCHIVE_S3_ACCESS_KEY_ID: sw.accessKeyId,
      QUILL_STORE_ARCHIVE_S3_SECRET_ACCESS_KEY: sw.secretAccessKey,
    });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
    await sw?.stop();
  }, 60_000);

  it('keeps the store\'s own SHA-256 and Object Lock: nothing of the S3 store is lost under a name', async () => {
    const store = await s.service.blobs.of('archive');
    expect(store.kind).toBe('archive');
    const bytes = letter();
    const put = await store.put('records/anchor.json', Readable.from([bytes]), { contentType: 'application/json' });
    expect(await store.storedSha256?.('records/anchor.json', put.versionId)).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(await store.retention?.writeOnce('records/anchor.json', put.versionId, new Date(Date.now() + 3600_000))).toBe(true);
    const c = s3Client(sw);
    try {
      const head = await c.send(new HeadObjectCommand({ Bucket: bucket, Key: 'records/anchor.json', VersionId: put.versionId! }));
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
    } finally {
      c.destroy();
    }
  });
});
