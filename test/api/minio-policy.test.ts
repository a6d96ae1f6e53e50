// docs/minio.md's least-privilege setup, followed on real MinIO: the bucket made as the guide says (`mc mb --with-lock`,
// `mc encrypt set sse-s3`), a user holding only docs/minio-policy.json, and the service on that user with
// QUILL_S3_OBJECT_LOCK_MODE=COMPLIANCE. Everything the service does works (doctor all green, raw / multipart / tus
// uploads with Object Lock, reads, presigned downloads, reconcile, scrub), and the user can do nothing outside the
// bucket. Without the MinIO binaries the file is skipped (a failure under CI=true).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServers, runCli, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startMinio, type MinioServer } from '../support/minio.ts';
import { s3Client } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { fetchTrusting } from '../support/test-pki.ts';
import { readBackFailures, startUploadLoad } from '../support/upload-load.ts';

const available = requireServers('the MinIO guide: least-privilege user', { minio: true, seaweedfs: false, azurite: false });
const POLICY = new URL('../../docs/minio-policy.json', import.meta.url).pathname;
const BUCKET = JSON.parse(readFileSync(POLICY, 'utf8')).Statement[0].Resource[0].replace('arn:aws:s3:::', '') as string;

describe.skipIf(!available)('MinIO set up as docs/minio.md says, the service on a least-privilege user', () => {
  let m: MinioServer;
  let s: TestServer;
  let env: Record<string, string>;
  // hex, not base64url: a secret starting with '-' is taken by mc for a flag (a CI run failed on one)
  const user = { accessKeyId: 'quill-docstore', secretAccessKey: randomBytes(18).toString('hex') };
  let restoreAws = () => undefined as void;

  beforeAll(async () => {
    m = await startMinio({ tls: true });
    await m.mc(['mb', '--with-lock', `${m.alias}/${BUCKET}`]);
    await m.mc(['encrypt', 'set', 'sse-s3', `${m.alias}/${BUCKET}`]);
    await m.mc(['admin', 'policy', 'create', m.alias, 'quill-docstore', POLICY]);
    await m.mc(['admin', 'user', 'add', m.alias, user.accessKeyId, user.secretAccessKey]);
    await m.mc(['admin', 'policy', 'attach', m.alias, 'quill-docstore', '--user', user.accessKeyId]);
    const asUser = { ...m, ...user };
    restoreAws = useAwsCredentials(asUser);
    env = { QUILL_BLOB_STORE: 's3', ...s3Env(asUser, BUCKET), QUILL_S3_OBJECT_LOCK_MODE: 'COMPLIANCE', QUILL_SCRUB_RATE: '0' };
    s = await startTestServer(env);
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    restoreAws();
    await m?.stop();
  }, 60_000);

  const cli = (args: string[]) => runCli(args, { ...env, DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir });

  it('doctor passes every store check with the policy alone', async () => {
    const r = await cli(['doctor', '--json']);
    const checks = JSON.parse(r.stdout).checks as { name: string; ok: boolean; detail: string }[];
    const store = checks.filter((c) => c.name.startsWith('s3.') || c.name === 'blob.replication');
    expect(store.map((c) => c.name).sort()).toEqual(['blob.replication', 's3.bucket', 's3.cors', 's3.encryption', 's3.lifecycle', 's3.object-lock', 's3.versioning']);
    expect(store.filter((c) => !c.ok), JSON.stringify(store)).toEqual([]);
  });

  it('uploads (raw, multipart, tus; small and above the part size), reads, presigned downloads, reconcile and scrub all work', async () => {
    const token = await s.token('dr.policy', ['clinician']);
    const load = startUploadLoad(s.baseUrl, token, { clients: 3 });
    await load.waitFor('uploads by every route, one above the part size', () => load.acked.size >= 24);
    await load.stop();
    expect(load.unexpected).toEqual([]);
    expect(load.refused).toEqual([]);
    expect(await readBackFailures(s.baseUrl, token, load.acked.values())).toEqual([]);
    const [big] = await s.sql<{ document_id: string }[]>`select document_id from document_versions where size > 8 * 1024 * 1024 limit 1`;
    expect(big, 'a multipart (S3) upload happened').toBeDefined();

    const url = await fetch(`${s.baseUrl}/v1/documents/${big!.document_id}/download-url`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(url.status).toBe(200);
    const { url: presigned } = (await url.json()) as { url: string };
    const got = await fetchTrusting(presigned, m.caFile!);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).length).toBeGreaterThan(8 * 1024 * 1024);

    const rec = await cli(['reconcile', '--grace', '0', '--json']);
    expect(rec.code, rec.stdout + rec.stderr).toBe(0);
    const scrub = await cli(['scrub', '--json']);
    expect(scrub.code, scrub.stdout + scrub.stderr).toBe(0);
  }, 240_000);

  it('the user can do nothing outside its bucket', async () => {
    const root = s3Client(m);
    const c = s3Client({ ...m, ...user });
    try {
      await root.send(new CreateBucketCommand({ Bucket: 'other' }));
      await root.send(new PutObjectCommand({ Bucket: 'other', Key: 'secret.txt', Body: 'not yours' }));
      await expect(c.send(new CreateBucketCommand({ Bucket: 'not-allowed' }))).rejects.toMatchObject({ name: 'AccessDenied' });
      await expect(c.send(new GetObjectCommand({ Bucket: 'other', Key: 'secret.txt' }))).rejects.toMatchObject({ name: 'AccessDenied' });
      await expect(c.send(new PutObjectCommand({ Bucket: 'other', Key: 'mine.txt', Body: 'x' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      c.destroy();
      root.destroy();
    }
  });
});
