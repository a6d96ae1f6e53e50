// Retention enforced by the store itself, one suite for every real S3 server (retention-s3.test.ts: SeaweedFS,
// retention-minio.test.ts: MinIO): the service with an Object Lock bucket (QUILL_S3_OBJECT_LOCK_MODE=COMPLIANCE).
// A locked version cannot be deleted by anyone, a legal hold blocks deletion, retention extended in PostgreSQL is
// extended on the objects, and a disposal after expiry removes every object version. Expiry is shown two honest ways:
// documents whose retention ended years ago (facts in the past, so no lock is ever set), and a lock seconds long set
// through the adapter, waited out, after which the store allows the delete.
import { randomUUID } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../src/blobstores/s3/s3-store.ts';
import { OTHER_PATIENT, PATIENT, pdfBytes, uploadMultipart } from '../support/fixtures.ts';
import { bucketName, s3Env, useAwsCredentials, type S3TestServer } from '../support/live-stores.ts';
import { createVersionedBucket, s3Client } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const today = new Date().toISOString().slice(0, 10);
const addYears = (d: string, n: number) => `${Number(d.slice(0, 4)) + n}${d.slice(4)}`;
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString();

/** Registers the suite on a server `start` gives (started before the tests, stopped after them). */
export function retentionOnObjectLock(storeName: string, start: () => Promise<S3TestServer & { stop(): Promise<void> }>): void {
  let sw: S3TestServer & { stop(): Promise<void> };
  let s: TestServer;
  let raw: S3Client;
  let bucket: string;
  let restoreAws: () => void = () => undefined;
  let clinician: string;
  let rm1: string;
  let rm2: string;

  const auth = (t: string) => ({ authorization: `Bearer ${t}` });
  const json = (t: string, method: string, body: unknown) => ({ method, headers: { ...auth(t), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const api = (p: string, init?: RequestInit) => fetch(`${s.baseUrl}${p}`, init);

  async function versionOf(documentId: string) {
    const [v] = await s.sql`select blob_key, blob_version_id from document_versions where document_id = ${documentId} order by version limit 1`;
    return { key: v!.blob_key as string, versionId: v!.blob_version_id as string };
  }

  async function eventually<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    let last: T | undefined;
    for (let i = 0; i < 100; i++) {
      last = await fn();
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what}: still ${JSON.stringify(last)}`);
  }

  const retentionOf = (key: string, versionId: string) =>
    raw.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId })).then(
      (r) => ({ mode: r.Retention?.Mode ?? null, until: r.Retention?.RetainUntilDate?.toISOString() ?? null }),
      () => ({ mode: null, until: null }),
    );
  const legalHoldOf = (key: string, versionId: string) =>
    raw.send(new GetObjectLegalHoldCommand({ Bucket: bucket, Key: key, VersionId: versionId })).then(
      (r) => r.LegalHold?.Status ?? 'OFF',
      () => 'OFF',
    );
  const deleteVersion = (key: string, versionId: string) => raw.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));

  beforeAll(async () => {
    sw = await start();
    restoreAws = useAwsCredentials(sw);
    raw = s3Client(sw);
    bucket = bucketName('lock');
    await createVersionedBucket(sw.endpoint, sw, bucket, { objectLock: true });
    s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(sw, bucket), QUILL_S3_OBJECT_LOCK_MODE: 'COMPLIANCE' });
    clinician = await s.token('dr.lock', ['clinician']);
    rm1 = await s.token('rm.one', ['records-manager']);
    rm2 = await s.token('rm.two', ['records-manager']);
  });
  afterAll(async () => {
    restoreAws();
    raw?.destroy();
    await s?.close();
    await sw?.stop();
  }, 60_000);

  describe(`retention on S3 Object Lock (${storeName})`, () => {
    let locked: string;

    it('doctor finds Object Lock on the bucket, and its absence on another', async () => {
      const checks = await s.service.blobs.live.doctor();
      expect(checks.find((c) => c.name === 's3.object-lock')).toMatchObject({ ok: true });
      const plain = bucketName('nolock');
      await createVersionedBucket(sw.endpoint, sw, plain);
      const store = new S3BlobStore({ bucket: plain, endpoint: sw.endpoint, forcePathStyle: true, sse: 'AES256', kmsKeyId: null, caBundle: sw.caFile ?? null, objectLockMode: 'COMPLIANCE' });
      try {
        const c = (await store.doctor()).find((x) => x.name === 's3.object-lock');
        expect(c).toMatchObject({ ok: false });
        expect(c!.fix).toContain('object-lock');
      } finally {
        store.destroy();
      }
      // and the service refuses to start on it (every upload would be refused by the store)
      await expect(startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(sw, plain), QUILL_S3_OBJECT_LOCK_MODE: 'GOVERNANCE' })).rejects.toThrow(/QUILL_S3_OBJECT_LOCK_MODE=GOVERNANCE but bucket nolock-[0-9a-f]+ has no Object Lock/);
    });

    it('writes each version locked until its retention (the floor while open-ended); the store itself refuses to delete it', async () => {
      const res = await uploadMultipart(s.baseUrl, clinician, pdfBytes('locked'), { patient: PATIENT });
      expect(res.status).toBe(201);
      const doc = (await res.json()) as { id: string; retainUntil: string | null };
      locked = doc.id;
      expect(doc.retainUntil).toBeNull(); // last contact unknown: open-ended; the lock is the floor, 8 years after today
      const v = await versionOf(locked);
      expect(await retentionOf(v.key, v.versionId)).toEqual({ mode: 'COMPLIANCE', until: nextDay(addYears(today, 8)) });
      await expect(deleteVersion(v.key, v.versionId)).rejects.toThrow();
      await expect(s.service.blobs.live.delete(v.key, v.versionId)).rejects.toMatchObject({ code: 'forbidden' });
      expect(await retentionOf(v.key, v.versionId)).toMatchObject({ mode: 'COMPLIANCE' }); // still there
    });

    it('locks a large (multipart) upload the same way', async () => {
      const big = Buffer.concat([pdfBytes('big'), Buffer.alloc(9 * 1024 * 1024, 7)]);
      const res = await uploadMultipart(s.baseUrl, clinician, big, { patient: PATIENT });
      expect(res.status).toBe(201);
      const v = await versionOf(((await res.json()) as { id: string }).id);
      expect(await retentionOf(v.key, v.versionId)).toEqual({ mode: 'COMPLIANCE', until: nextDay(addYears(today, 8)) });
      await expect(deleteVersion(v.key, v.versionId)).rejects.toThrow();
    });

    it('extends the lock when retention is extended', async () => {
      const res = await api(`/v1/documents/${locked}/retention`, json(rm1, 'PUT', { retentionClass: 'oncology', reason: 'cancer pathway' }));
      expect(await res.json()).toMatchObject({ retainUntil: addYears(today, 30) });
      const v = await versionOf(locked);
      await eventually('lock extended', () => retentionOf(v.key, v.versionId), (r) => r.until === nextDay(addYears(today, 30)));
      const [row] = await s.sql`select to_char(object_lock_until, 'YYYY-MM-DD') as d from documents where id = ${locked}`;
      expect(row!.d).toBe(addYears(today, 30));
    });

    it('a legal hold is set on the stored versions and blocks their deletion; lifted, a disposal after expiry removes every object version', async () => {
      // retention that ended years ago: the patient died in 2001
      await api(`/v1/retention/patients/${OTHER_PATIENT}/facts`, json(rm1, 'PUT', { lastContact: '2000-06-01', dateOfDeath: '2001-01-01' }));
      const up = await uploadMultipart(s.baseUrl, clinician, pdfBytes('expired'), { patient: OTHER_PATIENT, fields: { date: '2000-01-01' } });
      const doc = (await up.json()) as { id: string; retainUntil: string };
      expect(doc.retainUntil).toBe('2008-06-01');
      const v = await versionOf(doc.id);
      expect(await retentionOf(v.key, v.versionId)).toEqual({ mode: null, until: null }); // past: nothing to lock
      // a stray second object version under the same key (an out-of-band write): disposal must remove it too
      const stray = await raw.send(new PutObjectCommand({ Bucket: bucket, Key: v.key, Body: 'stray', ChecksumAlgorithm: 'SHA256' }));

      const hold = (await (await api('/v1/retention/holds', json(rm1, 'POST', { scope: 'document', document: doc.id, reason: 'litigation' }))).json()) as { id: string };
      await eventually('legal hold on', () => legalHoldOf(v.key, v.versionId), (x) => x === 'ON');
      await expect(deleteVersion(v.key, v.versionId)).rejects.toThrow();
      // a version added while the hold stands is held too
      const form = new FormData();
      form.set('file', new Blob([new Uint8Array(pdfBytes('expired v2'))], { type: 'application/pdf' }), 'v2.pdf');
      expect((await api(`/v1/documents/${doc.id}/versions`, { method: 'POST', headers: auth(clinician), body: form })).status).toBe(201);
      const [v2] = await s.sql`select blob_key, blob_version_id from document_versions where document_id = ${doc.id} and version = 2`;
      await eventually('legal hold on the new version', () => legalHoldOf(v2!.blob_key, v2!.blob_version_id), (x) => x === 'ON');
      const refused = await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [doc.id], reason: 'review' }));
      expect(refused.status).toBe(409);

      await api(`/v1/retention/holds/${hold.id}/lift`, json(rm2, 'POST', { reason: 'litigation over' }));
      await eventually('legal hold off', () => legalHoldOf(v.key, v.versionId), (x) => x === 'OFF');
      await eventually('legal hold off on the new version', () => legalHoldOf(v2!.blob_key, v2!.blob_version_id), (x) => x === 'OFF');
      const batch = (await (await api('/v1/retention/disposals', json(rm1, 'POST', { documents: [doc.id], reason: 'past retention' }))).json()) as { id: string };
      const approved = await api(`/v1/retention/disposals/${batch.id}/approve`, json(rm2, 'POST', {}));
      expect(await approved.json()).toMatchObject({ destroyed: [doc.id], failed: [] });
      const left = await raw.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: v.key }));
      expect((left.Versions ?? []).map((x) => x.VersionId)).toEqual([]);
      expect(stray.VersionId).toBeTruthy();
      const left2 = await raw.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: v2!.blob_key }));
      expect(left2.Versions ?? []).toEqual([]);
      const [cert] = await s.sql`select state from destruction_certificates where document_id = ${doc.id}`;
      expect(cert!.state).toBe('destroyed');
    });

    it('a lock that has run out lets the store delete the version (a lock seconds long, waited out)', async () => {
      const key = `documents/${randomUUID()}/${randomUUID()}`;
      const put = await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'short-lived', ChecksumAlgorithm: 'SHA256' }));
      const store = s.service.blobs.live;
      const until = new Date(Date.now() + 3_000);
      await store.retention!.setRetainUntil(key, put.VersionId!, until);
      await expect(store.delete(key, put.VersionId!)).rejects.toMatchObject({ code: 'forbidden' });
      await new Promise((r) => setTimeout(r, Math.max(0, until.getTime() - Date.now()) + 1_500));
      await store.delete(key, put.VersionId!);
      const left = await raw.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
      expect(left.Versions ?? []).toEqual([]);
    });
  });
}
