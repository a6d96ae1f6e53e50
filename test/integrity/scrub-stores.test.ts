// The integrity scrubber on the real object stores: SeaweedFS (S3) and Azurite (Azure Blob). An object altered
// behind the service's back (written or deleted directly in the store) is found, the version flagged (downloads
// refused, incident audited), and repaired where another copy exists: an identical document, or, on a versioned S3
// bucket, another object version with the same bytes. What cannot be repaired is reported as lost. `scrub` exits 1.
import { randomBytes } from 'node:crypto';
import { DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { ANCHOR_PREFIX, anchorAuditChain, verifyAuditChain } from '../../src/audit/audit-chain.ts';
import { BlobServiceClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bootstrap.ts';
import { scrub } from '../../src/integrity/scrubber.ts';
import { repairFlagged } from '../../src/integrity/repair.ts';
import { uploadRaw } from '../support/fixtures.ts';
import { azureEnv, bucketName, liveStores, newBucket, newContainer, requireServers, runCli, s3Env } from '../support/live-stores.ts';
import { createVersionedBucket, s3Client } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const PATIENT = '9434765919';
const log = createLogger('silent');
const run = requireServers('scrub on S3 and Azure');

const servers = liveStores(run);

const letter = () => Buffer.from(`Clinic letter ${randomBytes(8).toString('hex')}: `.repeat(3000));

interface Stored {
  id: string;
  key: string;
  versionId: string | null;
  bytes: Buffer;
}

async function upload(s: TestServer, token: string, bytes: Buffer): Promise<Stored> {
  const res = await uploadRaw(s.baseUrl, token, bytes, { contentType: 'text/plain' });
  expect(res.status).toBe(201);
  const doc = await res.json();
  const [v] = await s.sql`select blob_key, blob_version_id from document_versions where document_id = ${doc.id}`;
  return { id: doc.id, key: v!.blob_key as string, versionId: (v!.blob_version_id as string | null) ?? null, bytes };
}

async function content(s: TestServer, token: string, id: string): Promise<{ status: number; body: Buffer | null; code?: string }> {
  const res = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) return { status: res.status, body: null, code: (await res.json()).code };
  return { status: 200, body: Buffer.from(await res.arrayBuffer()) };
}

/** Scrub, check that exactly `bad` were found, flagged, audited and refused; then repair. */
async function scrubAndCheck(s: TestServer, token: string, bad: Stored[], good: Stored[]) {
  const report = await scrub(s.service.db.sql, s.service.blobs, log, { waitForLock: true });
  expect(report.passComplete).toBe(true);
  expect(report.findings.map((f) => f.documentId).sort()).toEqual(bad.map((b) => b.id).sort());
  for (const b of bad) {
    expect((await s.sql`select integrity_failed_at from document_versions where document_id = ${b.id}`)[0]!.integrity_failed_at).not.toBeNull();
    expect(await s.sql`select 1 from audit_events where document_id = ${b.id} and action = 'integrity_failure'`).toHaveLength(1);
    expect(await content(s, token, b.id)).toMatchObject({ status: 409, code: 'content_quarantined' });
  }
  for (const g of good) expect((await s.sql`select last_verified_at from document_versions where document_id = ${g.id}`)[0]!.last_verified_at).not.toBeNull();
  return report;
}

describe.skipIf(!run)('scrub: SeaweedFS (S3)', () => {
  it('versioned bucket: a deleted object version is found; repaired from another version with the same bytes, or from an identical document', async () => {
    const bucket = await newBucket(servers.sw, 'scrub');
    const s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bucket), QUILL_SCRUB_RATE: '0' });
    const c = s3Client(servers.sw);
    try {
      const token = await s.token('dr', ['clinician'], [PATIENT]);
      const a = await upload(s, token, letter()); // restored as a new version of its key before its version is lost
      const shared = letter();
      const b = await upload(s, token, shared);
      const twin = await upload(s, token, shared);
      const lost = await upload(s, token, letter());
      const good = await upload(s, token, letter());
      await c.send(new PutObjectCommand({ Bucket: bucket, Key: a.key, Body: a.bytes })); // same bytes, new version
      for (const x of [a, b, lost]) await c.send(new DeleteObjectCommand({ Bucket: bucket, Key: x.key, VersionId: x.versionId! }));
      await c.send(new PutObjectCommand({ Bucket: bucket, Key: b.key, Body: letter() })); // different bytes under b's key

      const report = await scrubAndCheck(s, token, [a, b, lost], [twin, good]);
      expect(report.findings.every((f) => f.problem === 'missing')).toBe(true);
      const cliRun = await runCli(['scrub', '--json'], { DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir, QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bucket), QUILL_ALLOW_UNVERSIONED: 'true' });
      expect(cliRun.code).toBe(1);
      expect(JSON.parse(cliRun.stdout).flagged).toHaveLength(3);

      const repairs = await repairFlagged(s.service.db.sql, s.service.blobs, log);
      expect(repairs.find((r) => r.documentId === a.id)).toMatchObject({ repaired: true, detail: expect.stringMatching(/^restored from object version /) });
      expect(repairs.find((r) => r.documentId === b.id)).toMatchObject({ repaired: true, detail: expect.stringContaining(twin.id) });
      expect(repairs.find((r) => r.documentId === lost.id)).toMatchObject({ repaired: false, detail: expect.stringMatching(/^LOST: /) });
      for (const x of [a, b]) expect((await content(s, token, x.id)).body?.equals(x.bytes)).toBe(true);
      expect((await content(s, token, lost.id)).status).toBe(409);
    } finally {
      c.destroy();
      await s.close();
    }
  }, 120_000);

  it('unversioned bucket: bytes overwritten in place are found as a mismatch (the store\'s own checksum is only a first check)', async () => {
    const bucket = await newBucket(servers.sw, 'scrubbare', { bare: true });
    const s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bucket), QUILL_ALLOW_UNVERSIONED: 'true', QUILL_SCRUB_RATE: '0' });
    const c = s3Client(servers.sw);
    try {
      const token = await s.token('dr', ['clinician'], [PATIENT]);
      const x = await upload(s, token, letter());
      const ok = await upload(s, token, letter());
      const altered = Buffer.from(x.bytes);
      altered[100] = 0x21;
      await c.send(new PutObjectCommand({ Bucket: bucket, Key: x.key, Body: altered }));
      const report = await scrubAndCheck(s, token, [x], [ok]);
      expect(report.findings[0]!.problem).toBe('mismatch');
    } finally {
      c.destroy();
      await s.close();
    }
  }, 120_000);
});

describe.skipIf(!run)('audit-chain anchors on S3', () => {
  it('are written under Object Lock (COMPLIANCE) where the bucket has it, cannot be deleted, and are checked by audit verify', async () => {
    const bucket = bucketName('anchors');
    await createVersionedBucket(servers.sw.endpoint, servers.sw, bucket, { objectLock: true });
    const s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, bucket), QUILL_SCRUB_RATE: '0' });
    const c = s3Client(servers.sw);
    try {
      const token = await s.token('dr', ['clinician'], [PATIENT]);
      await upload(s, token, letter());
      const anchor = await anchorAuditChain(s.service.db.sql, s.service.blobs.live, undefined, 1);
      expect(anchor?.retained).toBe(true);
      const versions = await c.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: ANCHOR_PREFIX }));
      const v = versions.Versions![0]!;
      const head = await c.send(new HeadObjectCommand({ Bucket: bucket, Key: v.Key!, VersionId: v.VersionId! }));
      expect(head.ObjectLockMode).toBe('COMPLIANCE');
      expect(head.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);
      await expect(c.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.Key!, VersionId: v.VersionId! }))).rejects.toThrow();
      const r = await verifyAuditChain(s.service.db.sql, s.service.blobs.live);
      expect(r.ok).toBe(true);
      expect(r.anchorsChecked).toBeGreaterThan(0);
      // on a bucket without Object Lock the anchor is still written, just not retained
      const plainBucket = await newBucket(servers.sw, 'anchorsplain');
      const p = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(servers.sw, plainBucket), QUILL_SCRUB_RATE: '0' });
      try {
        await upload(p, await p.token('dr', ['clinician'], [PATIENT]), letter());
        const a2 = await anchorAuditChain(p.service.db.sql, p.service.blobs.live);
        expect(a2?.retained).toBe(false);
        expect((await verifyAuditChain(p.service.db.sql, p.service.blobs.live)).anchorsChecked).toBeGreaterThan(0);
      } finally {
        await p.close();
      }
    } finally {
      c.destroy();
      await s.close();
    }
  }, 120_000);
});

describe.skipIf(!run)('scrub: Azurite (Azure Blob)', () => {
  it('a blob overwritten behind the service is found, flagged and repaired from an identical document', async () => {
    const container = await newContainer(servers.az, 'scrub');
    const s = await startTestServer({ QUILL_BLOB_STORE: 'azure', ...azureEnv(servers.az, container), QUILL_ALLOW_UNVERSIONED: 'true', QUILL_SCRUB_RATE: '0' });
    try {
      const token = await s.token('dr', ['clinician'], [PATIENT]);
      const shared = letter();
      const x = await upload(s, token, shared);
      const twin = await upload(s, token, shared);
      const gone = await upload(s, token, letter());
      const blobs = BlobServiceClient.fromConnectionString(servers.az.connectionString).getContainerClient(container);
      const tampered = Buffer.from(shared);
      tampered[7]! ^= 0x01;
      await blobs.getBlockBlobClient(x.key).uploadData(tampered);
      await blobs.getBlockBlobClient(gone.key).delete();
      const report = await scrubAndCheck(s, token, [x, gone], [twin]);
      expect(report.findings.map((f) => f.problem).sort()).toEqual(['mismatch', 'missing']);
      const repairs = await repairFlagged(s.service.db.sql, s.service.blobs, log);
      expect(repairs.find((r) => r.documentId === x.id)?.repaired).toBe(true);
      expect(repairs.find((r) => r.documentId === gone.id)?.repaired).toBe(false);
      expect((await content(s, token, x.id)).body?.equals(shared)).toBe(true);
    } finally {
      await s.close();
    }
  }, 120_000);
});
