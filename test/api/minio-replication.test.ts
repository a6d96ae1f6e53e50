// Continuous replication between two MinIO sites, and the disaster drill, on real MinIO (TLS from a private CA, SSE-S3,
// Object Lock): site A and site B each hold a versioned, Object-Locked bucket; `mc replicate add` on A replicates new
// versions, delete markers, version deletes and the objects already there to B. The service runs on A with
// QUILL_S3_OBJECT_LOCK_MODE=COMPLIANCE.
//  1. documents written before the rule (existing objects) and after it, several versions each, one above the S3 part
//     size: every version reaches B with the same VersionId, still SSE-S3, under the same COMPLIANCE retention, marked
//     REPLICA on B and COMPLETED on A; a delete marker written on A appears on B;
//  2. `doctor` reports the replication state it reads from A (x-amz-replication-status of the newest versions): lag 0
//     when all is across, and not so while B is down;
//  3. the drill: site A is destroyed (processes killed, drives deleted), the service is pointed at B by configuration
//     only (QUILL_S3_ENDPOINT), and every version of every document verifies by SHA-256 from B, with B refusing to
//     delete any of them (retention still in force).
// Without the MinIO binaries the file is skipped (a failure under CI=true).
import { randomBytes } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/database.ts';
import { DISCHARGE, PATIENT, sha256 } from '../support/fixtures.ts';
import { bucketName, requireServers, runCli, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { replicateBucket, startMinios, type MinioServer } from '../support/minio.ts';
import { createVersionedBucket, s3Client } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const available = requireServers('MinIO site replication and the disaster drill', { minio: true, seaweedfs: false, azurite: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

interface Version {
  document: string;
  version: number;
  key: string;
  versionId: string;
  sha256: string;
}

describe.skipIf(!available)('MinIO site A → site B replication, and losing site A', () => {
  let a: MinioServer;
  let b: MinioServer;
  let s: TestServer;
  let rawA: S3Client;
  let rawB: S3Client;
  let bucket: string;
  let env: Record<string, string>;
  let token: string;
  let restoreAws = () => undefined as void;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const sent = new Map<string, Buffer[]>(); // document id -> bytes of each version, in order

  beforeAll(async () => {
    [a, b] = (await startMinios([{ tls: true }, { tls: true }])) as [MinioServer, MinioServer];
    restoreAws = useAwsCredentials(a); // both sites share the test credentials
    bucket = bucketName('docs');
    for (const site of [a, b]) await createVersionedBucket(site.endpoint, site, bucket, { objectLock: true });
    rawA = s3Client(a);
    rawB = s3Client(b);
    env = { QUILL_BLOB_STORE: 's3', ...s3Env(a, bucket), QUILL_S3_OBJECT_LOCK_MODE: 'COMPLIANCE', QUILL_SCRUB_RATE: '0' };
    db = await createTestDatabase(); // kept across the restart on site B
    s = await startTestServer(env, { databaseUrl: db.url });
    token = await s.token('dr.replica', ['clinician']);
  }, 180_000);
  afterAll(async () => {
    rawA?.destroy();
    rawB?.destroy();
    await s?.close();
    await db?.drop();
    restoreAws();
    await Promise.all([a?.stop(), b?.stop()]);
  }, 60_000);

  const auth = () => ({ authorization: `Bearer ${token}` });
  const pdf = (n: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(n)]);

  async function upload(n: number): Promise<string> {
    const bytes = pdf(n);
    const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: 'replicated' });
    const r = await fetch(`${s.baseUrl}/v1/documents?${q}`, { method: 'POST', headers: { ...auth(), 'content-type': 'application/pdf' }, body: new Uint8Array(bytes) });
    expect(r.status, await r.clone().text()).toBe(201);
    const id = (await r.json()).id as string;
    sent.set(id, [bytes]);
    return id;
  }
  async function addVersion(id: string, n: number): Promise<void> {
    const bytes = pdf(n);
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'v.pdf');
    const r = await fetch(`${s.baseUrl}/v1/documents/${id}/versions`, { method: 'POST', headers: auth(), body: form });
    expect(r.status, await r.clone().text()).toBe(201);
    sent.get(id)!.push(bytes);
  }
  const versions = async (): Promise<Version[]> =>
    (await s.sql<{ document_id: string; version: number; blob_key: string; blob_version_id: string; sha256: string }[]>`
      select document_id, version, blob_key, blob_version_id, sha256 from document_versions order by document_id, version`).map((r) => ({
      document: r.document_id,
      version: r.version,
      key: r.blob_key,
      versionId: r.blob_version_id,
      sha256: r.sha256,
    }));
  const head = (c: S3Client, v: Version) => c.send(new HeadObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }));
  const replicationStatus = (v: Version) => head(rawA, v).then((h) => h.ReplicationStatus ?? null);

  async function waitReplicated(timeoutMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const statuses = await Promise.all((await versions()).map(replicationStatus));
      if (statuses.every((x) => x === 'COMPLETED')) return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error(`replication not complete after ${timeoutMs} ms: ${JSON.stringify(statuses)}`);
      await sleep(500);
    }
  }

  async function doctorReplication(): Promise<{ ok: boolean; detail: string }> {
    const r = await runCli(['doctor', '--json'], { ...env, DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir });
    return JSON.parse(r.stdout).checks.find((c: { name: string }) => c.name === 'blob.replication');
  }

  it('replicates every version, existing ones included, with its VersionId, SSE-S3 and COMPLIANCE retention; delete markers too', async () => {
    // written before the replication rule exists: only `existing-objects` brings these across
    const early = [await upload(20_000), await upload(9 * MiB)];
    await addVersion(early[0]!, 30_000);
    await replicateBucket(a, b, bucket);
    for (let i = 0; i < 6; i++) {
      const id = await upload(10_000 + i * 5_000);
      if (i % 2 === 0) await addVersion(id, 12_000);
    }
    await addVersion(early[1]!, 40_000);
    const ms = await waitReplicated(240_000);
    console.log(`[minio replication] ${(await versions()).length} versions across, the last ${ms} ms after it was written`);

    for (const v of await versions()) {
      const [ha, hb] = await Promise.all([head(rawA, v), head(rawB, v)]);
      expect(hb.ReplicationStatus, `${v.key}@${v.versionId} on B`).toBe('REPLICA');
      expect(hb.ServerSideEncryption).toBe('AES256');
      expect(hb.ContentLength).toBe(ha.ContentLength);
      expect(hb.ObjectLockMode).toBe('COMPLIANCE');
      expect(hb.ObjectLockRetainUntilDate?.toISOString()).toBe(ha.ObjectLockRetainUntilDate?.toISOString());
      expect(hb.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThan(Date.now() + 365 * 86_400_000);
    }

    // a delete marker (an out-of-band delete without a version id) reaches B; the version under it stays on both
    const probe = `probe/${randomBytes(4).toString('hex')}`;
    const put = await rawA.send(new PutObjectCommand({ Bucket: bucket, Key: probe, Body: 'probe', ChecksumAlgorithm: 'SHA256' }));
    const del = await rawA.send(new DeleteObjectCommand({ Bucket: bucket, Key: probe }));
    expect(del.DeleteMarker).toBe(true);
    const markerOnB = async () => {
      for (let i = 0; i < 240; i++) {
        const l = await rawB.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: probe }));
        if ((l.DeleteMarkers ?? []).some((m) => m.VersionId === del.VersionId) && (l.Versions ?? []).some((v) => v.VersionId === put.VersionId)) return true;
        await sleep(500);
      }
      return false;
    };
    expect(await markerOnB(), 'the delete marker and the version under it on B').toBe(true);
  }, 360_000);

  it('doctor reports the replication state: lag 0 when all is across, pending or failed while site B is down', async () => {
    const across = await doctorReplication();
    expect(across).toMatchObject({ ok: true });
    expect(across.detail).toMatch(/newest versions replicated \(lag 0\)/);

    await b.nodes[0]!.kill();
    try {
      await upload(15_000);
      await upload(16_000);
      await sleep(2_000);
      const behind = await doctorReplication();
      console.log(`[minio replication] doctor with site B down: ${JSON.stringify(behind)}`);
      expect(behind.detail).not.toMatch(/\(lag 0\)/);
      expect(behind.ok ? behind.detail : 'FAILED').toMatch(/pending, the oldest for \d+ s|FAILED/);
    } finally {
      await b.nodes[0]!.start();
      await b.waitReady();
    }
    const ms = await waitReplicated(300_000);
    console.log(`[minio replication] after site B came back, everything was across within ${ms} ms`);
    expect((await doctorReplication()).detail).toMatch(/\(lag 0\)/);
  }, 420_000);

  it('disaster drill: site A destroyed, the service pointed at site B by configuration only; every version verifies, and stays locked', async () => {
    const all = await versions();
    expect(all.length).toBeGreaterThan(10);
    await s.close();
    await a.stop(); // every process killed, every drive deleted
    const onB = { ...env, ...s3Env(b, bucket) };
    s = await startTestServer(onB, { databaseUrl: db.url });
    const fresh = await s.token('dr.after', ['clinician']);

    let checked = 0;
    for (const [id, bodies] of sent) {
      for (let v = 1; v <= bodies.length; v++) {
        const r = await fetch(`${s.baseUrl}/v1/documents/${id}/content?version=${v}`, { headers: { authorization: `Bearer ${fresh}` } });
        expect(r.status, `${id} v${v} from B`).toBe(200);
        const got = Buffer.from(await r.arrayBuffer());
        expect(sha256(got), `${id} v${v}`).toBe(sha256(bodies[v - 1]!));
        checked++;
      }
    }
    expect(checked).toBe(all.length);
    for (const v of all) {
      const listed = await rawB.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: v.key }));
      expect((listed.Versions ?? []).map((x) => x.VersionId)).toContain(v.versionId);
      const ret = await rawB.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId }));
      expect(ret.Retention?.Mode).toBe('COMPLIANCE');
      expect(ret.Retention!.RetainUntilDate!.getTime()).toBeGreaterThan(Date.now());
      const refused = await rawB.send(new DeleteObjectCommand({ Bucket: bucket, Key: v.key, VersionId: v.versionId })).then(() => 'deleted', (e: Error) => e.name);
      expect(refused, `deleting ${v.key}@${v.versionId} on B`).not.toBe('deleted');
    }
    const doctor = await runCli(['doctor', '--json'], { ...onB, DATABASE_URL: s.cfg.databaseUrl!, QUILL_DATA_DIR: s.cfg.dataDir });
    const checks = JSON.parse(doctor.stdout).checks as { name: string; ok: boolean }[];
    expect(checks.filter((c) => c.name.startsWith('s3.')).every((c) => c.ok), JSON.stringify(checks)).toBe(true);
    console.log(`[minio replication] drill: site A destroyed; ${checked} versions of ${sent.size} documents verified by SHA-256 from site B, each still under COMPLIANCE retention`);
  }, 300_000);
});
