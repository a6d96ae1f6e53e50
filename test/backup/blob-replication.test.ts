// The disaster case for the blob store, on real servers: two SeaweedFS clusters, A replicated to B continuously by
// `weed filer.sync` (active-passive), documents uploaded through the service to A, A stopped for good, the service
// pointed at B: every document version readable, byte for byte, with its SHA-256 re-verified. Both clusters share the
// SSE-S3 key-encryption key (WEED_S3_SSE_KEK): without it B holds the versions but cannot decrypt them.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.ts';
import { pdfBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { newBucket, requireServers, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { spawnServer, type ServerProcess } from '../support/process.ts';
import { s3Client, startSeaweed, weedBinaryPath, type SeaweedServer } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const run = requireServers('blob store replication (SeaweedFS filer.sync)');
let a: SeaweedServer | null = null;
let b: SeaweedServer | null = null;
let sync: ServerProcess | null = null;
let db: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
let s: TestServer | null = null;
let restoreAws = () => undefined as void;
const kekBefore = process.env.WEED_S3_SSE_KEK;

const filerAddress = async (sw: SeaweedServer) => {
  const p = JSON.parse(await readFile(`${sw.dir}/ports.json`, 'utf8')) as { filer: number; filerGrpc: number };
  return `127.0.0.1:${p.filer}.${p.filerGrpc}`;
};

beforeAll(async () => {
  if (!run) return;
  process.env.WEED_S3_SSE_KEK = randomBytes(32).toString('hex'); // the same KEK on both clusters (inherited by weed)
  [a, b] = await Promise.all([startSeaweed(), startSeaweed({ accessKeyId: 'quill-test-access-key', secretAccessKey: 'quill-test-secret-key-not-for-production' })]);
  sync = spawnServer('filer-sync', weedBinaryPath(), ['-logtostderr=true', 'filer.sync', `-a=${await filerAddress(a)}`, `-b=${await filerAddress(b)}`, '-isActivePassive'], { cwd: a.dir });
  await sync.waitForLine(/start sync/, 30_000);
  restoreAws = useAwsCredentials(a);
  db = await createTestDatabase();
});

afterAll(async () => {
  await s?.close();
  await sync?.stop();
  await a?.stop();
  await b?.stop();
  await db?.drop();
  restoreAws();
  if (kekBefore === undefined) delete process.env.WEED_S3_SSE_KEK;
  else process.env.WEED_S3_SSE_KEK = kekBefore;
});

describe.runIf(run)('blob store replicated with SeaweedFS filer.sync', () => {
  it('serves every document version from B, hash-verified, after A is lost for good', async () => {
    const bucket = await newBucket(a!, 'replicated');
    s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(a!, bucket) }, { databaseUrl: db!.url });
    const token = await s.token('dr.alice', ['clinician']);
    const written: { id: string; version: number; sha: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const bytes = pdfBytes(`replicated ${i} ${randomBytes(8).toString('hex')}`);
      const res = await uploadMultipart(s.baseUrl, token, bytes);
      expect(res.status).toBe(201);
      written.push({ id: (await res.json()).id, version: 1, sha: sha256(bytes) });
    }
    const v2 = pdfBytes(`second version ${randomBytes(8).toString('hex')}`);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(v2)], { type: 'application/pdf' }), 'v2.pdf');
    const added = await fetch(`${s.baseUrl}/v1/documents/${written[0]!.id}/versions`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(added.status).toBe(201);
    written.push({ id: written[0]!.id, version: 2, sha: sha256(v2) });
    const pinned = await s.sql<{ blob_key: string; blob_version_id: string }[]>`select blob_key, blob_version_id from document_versions`;
    expect(pinned).toHaveLength(written.length);

    // B catches up: every (key, versionId) the metadata pins is listed there
    const cb = s3Client(b!);
    let missing = pinned.length;
    const t0 = Date.now();
    while (Date.now() - t0 < 60_000) {
      const listed = new Set(((await cb.send(new ListObjectVersionsCommand({ Bucket: bucket }))).Versions ?? []).map((v) => `${v.Key}@${v.VersionId}`));
      missing = pinned.filter((p) => !listed.has(`${p.blob_key}@${p.blob_version_id}`)).length;
      if (missing === 0) break;
      await sleep(250);
    }
    cb.destroy();
    expect(missing).toBe(0);

    // A is gone for good; the service comes back on B with the same database
    await s.close();
    s = null;
    await sync!.stop();
    sync = null;
    await a!.stop();
    a = null;
    s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(b!, bucket) }, { databaseUrl: db!.url });
    const reader = await s.token('dr.bob', ['clinician']);
    for (const w of written) {
      const res = await fetch(`${s.baseUrl}/v1/documents/${w.id}/content?version=${w.version}`, { headers: { authorization: `Bearer ${reader}` } });
      expect(res.status, `${w.id} v${w.version}`).toBe(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(w.sha);
    }
  });
});
