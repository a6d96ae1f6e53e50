// `quill-docstore migrate-blobs` on the real servers: fs → S3 (SeaweedFS) → Azure (Azurite), switching
// QUILL_BLOB_STORE after each move; every document still gives the same bytes and its URLs come from the new store.
// Then a run killed with SIGKILL after its first committed version, re-run to completion (adopting the object the
// killed run had already written), and a third run that has nothing left to do.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { BlobServiceClient } from '@azure/storage-blob';
import { ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { AzureBlobStore } from '../../src/blobstores/azure/azure-store.ts';
import { S3BlobStore } from '../../src/blobstores/s3/s3-store.ts';
import type { BlobStore } from '../../src/domain/ports.ts';
import type { MigrateBlobsReport } from '../../src/jobs/migrate-blobs.ts';
import { createTestDatabase } from '../support/database.ts';
import { jpegBytes, pdfBytes, pngBytes, sha256, uploadMultipart } from '../support/fixtures.ts';
import { azureEnv, liveStores, newBucket, newContainer, requireServers, runCli, s3Env, type CliResult } from '../support/live-stores.ts';
import { s3Client } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const MiB = 1024 * 1024;
const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const bytesOf = async (r: Response) => Buffer.from(await r.arrayBuffer());

const run = requireServers('migrate-blobs');

const servers = liveStores(run);
const cleanups: Array<() => Promise<void>> = [];
// registered after liveStores' hooks, so it runs before the servers stop
if (run)
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }, 60_000);

/** One deployment's state across restarts: a database, an fs store directory, a bucket and a container. */
interface Deployment {
  dbUrl: string;
  fsDir: string;
  bucket: string;
  container: string;
  sql: postgres.Sql;
  env(live: 'fs' | 's3' | 'azure'): Record<string, string>;
}

async function deployment(): Promise<Deployment> {
  const db = await createTestDatabase();
  const fsDir = await mkdtemp(path.join(os.tmpdir(), 'quill-migrate-fs-'));
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'quill-migrate-data-'));
  const [bucket, container] = await Promise.all([newBucket(servers.sw, 'mig'), newContainer(servers.az, 'mig')]);
  const sql = postgres(db.url, { max: 2, onnotice: () => undefined });
  cleanups.push(async () => {
    await sql.end();
    await db.drop();
    await rm(fsDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  });
  const signingKey = randomBytes(32).toString('base64url');
  return {
    dbUrl: db.url,
    fsDir,
    bucket,
    container,
    sql,
    env: (live) => ({
      QUILL_BLOB_STORE: live,
      QUILL_DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      QUILL_FS_DIR: fsDir,
      QUILL_URL_SIGNING_KEY: signingKey,
      ...s3Env(servers.sw, bucket),
      ...azureEnv(servers.az, container),
      // Azurite has no blob versioning; the S3 bucket is versioned either way
      QUILL_ALLOW_UNVERSIONED: 'true',
    }),
  };
}

const serve = (d: Deployment, live: 'fs' | 's3' | 'azure') => startTestServer(d.env(live), { databaseUrl: d.dbUrl });

interface Expected {
  id: string;
  version: number;
  bytes: Buffer;
}

/** Uploads documents with several versions, one of them larger than the 8 MiB part size. */
async function seed(s: TestServer, n: { docs: number; big?: boolean }): Promise<Expected[]> {
  const t = await s.token('dr.seed', ['clinician']);
  const out: Expected[] = [];
  const kinds: Array<[Buffer, string]> = [
    [pdfBytes('letter'), 'application/pdf'],
    [pngBytes(), 'image/png'],
    [jpegBytes(), 'image/jpeg'],
  ];
  for (let i = 0; i < n.docs; i++) {
    const v1 = i === 0 && n.big ? Buffer.concat([pdfBytes('big scan'), randomBytes(12 * MiB + 123)]) : Buffer.concat([pdfBytes(`doc ${i}`), randomBytes(1000 + i)]);
    const res = await uploadMultipart(s.baseUrl, t, v1, { filename: `doc-${i}.pdf` });
    expect(res.status).toBe(201);
    const id = (await res.json()).id as string;
    out.push({ id, version: 1, bytes: v1 });
    for (let v = 2; v <= 1 + (i % 3); v++) {
      const [b, type] = kinds[(i + v) % kinds.length]!;
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(b)], { type }), `v${v}`);
      const added = await fetch(`${s.baseUrl}/v1/documents/${id}/versions`, { method: 'POST', headers: auth(t), body: form });
      expect(added.status).toBe(201);
      out.push({ id, version: v, bytes: b });
    }
  }
  return out;
}

/** Every version through the service: content and a download URL both give the recorded bytes; the URL's origin is checked. */
async function assertServed(s: TestServer, expected: Expected[], urlPrefix: string): Promise<void> {
  const t = await s.token('dr.check', ['clinician']);
  for (const e of expected) {
    const content = await fetch(`${s.baseUrl}/v1/documents/${e.id}/content?version=${e.version}`, { headers: auth(t) });
    expect(content.status, `${e.id} v${e.version}`).toBe(200);
    expect(sha256(await bytesOf(content))).toBe(sha256(e.bytes));
    const link = await fetch(`${s.baseUrl}/v1/documents/${e.id}/download-url`, { method: 'POST', headers: { ...auth(t), 'content-type': 'application/json' }, body: JSON.stringify({ version: e.version }) });
    const { url, sha256: recorded } = await link.json();
    expect(recorded).toBe(sha256(e.bytes));
    expect(url.startsWith(urlPrefix), url).toBe(true);
    const fetched = await fetch(url);
    expect(fetched.status).toBe(200);
    expect(sha256(await bytesOf(fetched))).toBe(sha256(e.bytes));
  }
}

const migrate = (d: Deployment, from: string, to: string, extraArgs: string[] = [], env: Record<string, string> = {}) =>
  runCli(['migrate-blobs', '--from', from, '--to', to, '--json', '--progress-interval', '0.05', ...extraArgs], { ...d.env('fs'), ...env });

const reportOf = (r: CliResult): MigrateBlobsReport => JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');

const throughput: string[] = [];
const noteThroughput = (label: string, r: MigrateBlobsReport) =>
  throughput.push(`${label}: ${r.copied} versions, ${(r.bytes / MiB).toFixed(1)} MiB in ${(r.elapsedMs / 1000).toFixed(2)} s = ${(r.bytes / MiB / (r.elapsedMs / 1000)).toFixed(1)} MiB/s`);
afterAll(() => {
  if (throughput.length) console.log(`[migrate-blobs throughput]\n  ${throughput.join('\n  ')}`);
});

async function storeRows(sql: postgres.Sql): Promise<Array<{ document_id: string; version: number; blob_store: string; blob_key: string; blob_version_id: string | null; sha256: string }>> {
  return (await sql`select document_id, version, blob_store, blob_key, blob_version_id, sha256 from document_versions order by document_id, version`) as never;
}

describe.skipIf(!run)('migrate-blobs fs → S3 → Azure, switching QUILL_BLOB_STORE after each', () => {
  it('moves every version, verified, and the service serves them unchanged from each new store', async () => {
    const d = await deployment();

    // 1. documents on the filesystem store, one of them > 8 MiB, several with multiple versions
    let s = await serve(d, 'fs');
    const expected = await seed(s, { docs: 5, big: true });
    await s.close();
    const total = expected.length;
    expect(total).toBeGreaterThanOrEqual(9);

    // 2. fs → s3
    const toS3 = await migrate(d, 'fs', 's3');
    expect(toS3.stderr).toMatch(/migrate-blobs fs → s3: \d+\/\d+ versions/); // not a TTY: plain progress lines
    expect(toS3.code, toS3.stderr).toBe(0);
    const r1 = reportOf(toS3);
    expect(r1).toMatchObject({ from: 'fs', to: 's3', total, copied: total, adopted: 0, skipped: 0, failed: [], remaining: 0 });
    expect(r1.bytes).toBe(expected.reduce((n, e) => n + e.bytes.length, 0));
    noteThroughput('fs → s3 (SeaweedFS)', r1);
    let rows = await storeRows(d.sql);
    expect(rows.every((r) => r.blob_store === 's3' && r.blob_version_id)).toBe(true);
    // the source bytes stay where they were
    for (const r of rows) expect(existsSync(path.join(d.fsDir, r.blob_key)), r.blob_key).toBe(true);
    // one audit row per moved version, in the same transaction as the row update
    const [{ n: audited }] = (await d.sql`select count(*)::int as n from audit_events where action = 'document.blob-migrate' and outcome = 'success'`) as unknown as [{ n: number }];
    expect(audited).toBe(total);

    // 3. live store s3: every document unchanged, URLs from SeaweedFS (version-pinned); a new upload lands in s3
    s = await serve(d, 's3');
    await assertServed(s, expected, `${servers.sw.endpoint}/${d.bucket}/documents/`);
    const t = await s.token('dr.s3', ['clinician']);
    const native = Buffer.concat([pdfBytes('uploaded while s3 is live'), randomBytes(5000)]);
    const nativeDoc = await (await uploadMultipart(s.baseUrl, t, native)).json();
    expected.push({ id: nativeDoc.id, version: 1, bytes: native });
    await s.close();

    // 4. s3 → azure (Azurite: unversioned, allowed for development)
    const toAzure = await migrate(d, 's3', 'azure', ['--concurrency', '3']);
    expect(toAzure.code, toAzure.stderr).toBe(0);
    const r2 = reportOf(toAzure);
    expect(r2).toMatchObject({ from: 's3', to: 'azure', total: total + 1, copied: total + 1, skipped: 0, failed: [], remaining: 0 });
    noteThroughput('s3 → azure (Azurite)', r2);
    rows = await storeRows(d.sql);
    expect(rows.every((r) => r.blob_store === 'azure' && r.blob_version_id === null)).toBe(true);

    // 5. live store azure: the same bytes, URLs from Azurite
    s = await serve(d, 'azure');
    try {
      await assertServed(s, expected, `${servers.az.blobEndpoint}/${d.container}/documents/`);
      const meta = await (await fetch(`${s.baseUrl}/v1/documents/${expected[0]!.id}`, { headers: auth(await s.token('dr.azure', ['clinician'])) })).json();
      expect(meta.sha256).toBe(sha256(expected.filter((e) => e.id === expected[0]!.id).at(-1)!.bytes));
    } finally {
      await s.close();
    }

    // 6. nothing left: a re-run copies nothing and counts every version as skipped
    const again = reportOf(await migrate(d, 's3', 'azure'));
    expect(again).toMatchObject({ total: 0, copied: 0, skipped: total + 1, failed: [], remaining: 0 });
  }, 240_000);

  it('refuses bad arguments and an unversioned S3 target without QUILL_ALLOW_UNVERSIONED', async () => {
    const d = await deployment();
    expect((await runCli(['migrate-blobs', '--from', 'fs', '--to', 'fs'], d.env('fs'))).code).toBe(2);
    expect((await runCli(['migrate-blobs', '--from', 'fs'], d.env('fs'))).code).toBe(2);
    expect((await runCli(['migrate-blobs', '--from', 'fs', '--to', 's3', '--concurrency', '0'], d.env('fs'))).code).toBe(2);
    const bare = await newBucket(servers.sw, 'bare-target', { bare: true });
    const r = await runCli(['migrate-blobs', '--from', 'fs', '--to', 's3'], { ...d.env('fs'), QUILL_S3_BUCKET: bare, QUILL_ALLOW_UNVERSIONED: 'false' });
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('refusing to use the s3 migration target');
    expect(r.stderr).toContain('put-bucket-versioning');

    // one run at a time (a PostgreSQL advisory lock)
    const held = await d.sql.reserve();
    try {
      await held`select pg_advisory_lock(hashtext('quill-docstore:migrate-blobs'))`;
      const second = await runCli(['migrate-blobs', '--from', 'fs', '--to', 's3'], d.env('fs'));
      expect(second.code).toBe(1);
      expect(second.stderr).toContain('another migrate-blobs run holds the lock');
    } finally {
      await held`select pg_advisory_unlock_all()`;
      held.release();
    }
  });
});

describe.skipIf(!run)('migrate-blobs killed halfway', () => {
  for (const to of ['azure', 's3'] as const) {
    it(`fs → ${to}: SIGKILL after the first committed version; the re-run finishes, verified; a third run has nothing to do`, async () => {
      const d = await deployment();
      const s = await serve(d, 'fs');
      const expected = await seed(s, { docs: 4 });
      await s.close();
      const total = expected.length;

      // one object at a time; the fault point lets the first version commit and kills the process after the
      // second version's bytes are in the target but before its row is repointed
      const killed = await migrate(d, 'fs', to, ['--concurrency', '1'], { NODE_ENV: 'test', QUILL_FAULT_INJECT: 'migrate-before-commit', QUILL_FAULT_SKIP: '1' });
      expect(killed.signal).toBe('SIGKILL');
      let rows = await storeRows(d.sql);
      expect(rows.filter((r) => r.blob_store === to)).toHaveLength(1);
      const target = targetStore(d, to);
      const inTarget: string[] = [];
      for await (const o of target.list('documents/')) inTarget.push(o.key);
      expect(inTarget.length).toBe(2); // the committed one and the one the killed run left behind
      const orphan = rows.find((r) => r.blob_store === 'fs' && inTarget.includes(r.blob_key));
      expect(orphan).toBeTruthy();

      // reconcile on the target (as the live store) must not take the copy the re-run will adopt for an orphan
      const rec1 = await runCli(['reconcile', '--grace', '0', '--json'], d.env(to));
      expect(rec1.code, rec1.stderr).toBe(0);
      expect(JSON.parse(rec1.stdout.trim().split('\n').pop()!)).toMatchObject({ orphansRemoved: 0, missingBlobs: [], errors: [] });

      const resumed = await migrate(d, 'fs', to);
      expect(resumed.code, resumed.stderr).toBe(0);
      const r = reportOf(resumed);
      expect(r).toMatchObject({ total: total - 1, copied: total - 1, skipped: 1, failed: [], remaining: 0 });
      // fs and Azure refuse to overwrite: the existing object is read back, verified and adopted; versioned S3 just
      // takes a new version of the key
      expect(r.adopted).toBe(to === 'azure' ? 1 : 0);
      if (to === 's3') {
        const c = s3Client(servers.sw);
        try {
          const versions = await c.send(new ListObjectVersionsCommand({ Bucket: d.bucket, Prefix: orphan!.blob_key }));
          expect(versions.Versions?.length).toBe(2);
        } finally {
          c.destroy();
        }
      }

      // none lost: every version is in the target, and the target's bytes match the metadata and the originals
      rows = await storeRows(d.sql);
      expect(rows).toHaveLength(total);
      for (const row of rows) {
        expect(row.blob_store).toBe(to);
        const got = await readAll(await target.get(row.blob_key, row.blob_version_id));
        expect(sha256(got)).toBe(row.sha256);
        const e = expected.find((x) => x.id === row.document_id && x.version === row.version)!;
        expect(sha256(got)).toBe(sha256(e.bytes));
      }

      // nor, run against the old store, the source copies every version has moved away from (kept for PITR)
      const rec2 = await runCli(['reconcile', '--grace', '0', '--json'], d.env('fs'));
      expect(JSON.parse(rec2.stdout.trim().split('\n').pop()!)).toMatchObject({ orphansRemoved: 0, errors: [] });
      for (const row of rows) expect(existsSync(path.join(d.fsDir, row.blob_key)), row.blob_key).toBe(true);

      const third = await migrate(d, 'fs', to);
      expect(third.code).toBe(0);
      expect(reportOf(third)).toMatchObject({ total: 0, copied: 0, adopted: 0, skipped: total, failed: [], remaining: 0 });
      (target as { destroy?: () => void }).destroy?.();
    }, 180_000);
  }

  it('reports a version as failed, and leaves it where it is, when the target already holds different bytes under its key', async () => {
    const d = await deployment();
    const s = await serve(d, 'fs');
    const expected = await seed(s, { docs: 2 });
    await s.close();
    const [victim] = await storeRows(d.sql);
    // someone else's bytes under the key the migration will use
    await BlobServiceClient.fromConnectionString(servers.az.connectionString).getContainerClient(d.container).getBlockBlobClient(victim!.blob_key).uploadData(Buffer.from('not the document'));

    const r1 = await migrate(d, 'fs', 'azure');
    expect(r1.code).toBe(1);
    const rep = reportOf(r1);
    expect(rep.copied).toBe(expected.length - 1);
    expect(rep.failed).toHaveLength(1);
    expect(rep.failed[0]).toMatchObject({ documentId: victim!.document_id, version: victim!.version, key: victim!.blob_key });
    expect(rep.failed[0]!.reason).toContain('already holds');
    expect(rep.failed[0]!.reason).toContain('different bytes');
    expect(rep.remaining).toBe(1);
    const human = await migrate(d, 'fs', 'azure', [], {});
    expect(human.code).toBe(1);
    const [row] = await d.sql`select blob_store from document_versions where document_id = ${victim!.document_id} and version = ${victim!.version}`;
    expect(row!.blob_store).toBe('fs');

    // the document is still served from fs, intact
    const live = await serve(d, 'azure');
    try {
      const t = await live.token('dr.x', ['clinician']);
      const content = await fetch(`${live.baseUrl}/v1/documents/${victim!.document_id}/content?version=${victim!.version}`, { headers: auth(t) });
      expect(sha256(await bytesOf(content))).toBe(victim!.sha256);
    } finally {
      await live.close();
    }

    // the operator removes the stray blob; the re-run finishes
    await BlobServiceClient.fromConnectionString(servers.az.connectionString).getContainerClient(d.container).getBlockBlobClient(victim!.blob_key).delete();
    const r2 = reportOf(await migrate(d, 'fs', 'azure'));
    expect(r2).toMatchObject({ total: 1, copied: 1, failed: [], remaining: 0 });
  }, 120_000);

  it('prints a readable report', async () => {
    const d = await deployment();
    const s = await serve(d, 'fs');
    await seed(s, { docs: 1 });
    await s.close();
    const r = await runCli(['migrate-blobs', '--from', 'fs', '--to', 'azure'], d.env('fs'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('migrate-blobs fs → azure: 1 versions to move');
    expect(r.stdout).toMatch(/copied +1, every one SHA-256-verified in azure/);
    expect(r.stdout).toMatch(/failed +0/);
    expect(r.stdout).toContain('the fs copies are kept');
  });
});

function targetStore(d: Deployment, kind: 'azure' | 's3'): BlobStore {
  return kind === 'azure'
    ? new AzureBlobStore({ container: d.container, connectionString: servers.az.connectionString, accountUrl: null, encryptionScope: null })
    : new S3BlobStore({ bucket: d.bucket, endpoint: servers.sw.endpoint, forcePathStyle: true, sse: 'AES256', kmsKeyId: null, caBundle: null }, { region: servers.sw.region, credentials: { accessKeyId: servers.sw.accessKeyId, secretAccessKey: servers.sw.secretAccessKey } });
}

async function readAll(r: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of r) parts.push(c as Buffer);
  return Buffer.concat(parts);
}
