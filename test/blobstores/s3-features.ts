// The S3 store's own checks, run unchanged against every real S3 server (SeaweedFS, MinIO single / erasure-coded /
// distributed): the conformance harness for an S3 bucket, and the S3-only behaviour on top of the shared contract
// (SHA-256 checksum kinds, SSE because the store asks, multipart abort, Object Lock and legal hold, doctor findings,
// GetObjectAttributes). test/blobstores/s3.test.ts and minio.test.ts call these with their own server.
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectAttributesCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../src/blobstores/s3/s3-store.ts';
import type { S3Settings } from '../../src/config/store-config.ts';
import { AppError } from '../../src/domain/errors.ts';
import type { S3TestServer } from '../support/live-stores.ts';
import { freePorts } from '../support/process.ts';
import { createVersionedBucket, s3Client } from '../support/seaweedfs.ts';
import { fetchTrusting } from '../support/test-pki.ts';
import { collect, MiB, readAll, sha256hex, type ConformanceHarness } from './conformance.ts';

export const bucketName = (p: string): string => `${p}-${randomUUID().slice(0, 8)}`;

/**
 * A file's S3 clients against one server (started on first use by `server`): stores and raw SDK clients made here
 * are destroyed after the file's tests.
 */
export interface S3Kit {
  server(): Promise<S3TestServer>;
  storeFor(sw: S3TestServer, bucket: string, extra?: Partial<S3Settings>, opts?: { browserDownloads?: boolean }): S3BlobStore;
  rawClient(sw: S3TestServer): S3Client;
  /** The conformance harness: a new versioned bucket without default encryption (so SSE seen is SSE asked for). */
  harness(): Promise<ConformanceHarness>;
  /** fetch() that trusts the server's private CA (a presigned URL of a TLS endpoint). */
  fetchUrl(sw: S3TestServer, url: string): Promise<Response>;
}

export function s3Config(bucket: string, endpoint: string, extra: Partial<S3Settings> = {}): S3Settings {
  return { bucket, endpoint, forcePathStyle: true, sse: 'AES256', kmsKeyId: null, caBundle: null, ...extra };
}

export function s3Kit(server: () => Promise<S3TestServer>): S3Kit {
  const clients: Array<S3Client | S3BlobStore> = [];
  afterAll(() => {
    for (const c of clients) c.destroy();
  });
  const creds = (sw: S3TestServer) => ({ accessKeyId: sw.accessKeyId, secretAccessKey: sw.secretAccessKey });
  const kit: S3Kit = {
    server,
    storeFor(sw, bucket, extra = {}, opts = {}) {
      const s = new S3BlobStore(s3Config(bucket, sw.endpoint, { caBundle: sw.caFile ?? null, ...extra }), { region: sw.region, credentials: creds(sw), ...opts });
      clients.push(s);
      return s;
    },
    rawClient(sw) {
      const c = s3Client(sw);
      clients.push(c);
      return c;
    },
    fetchUrl: (sw, url) => (sw.caFile ? fetchTrusting(url, sw.caFile) : fetch(url)),
    async harness() {
      const sw = await server();
      const bucket = bucketName('conf');
      // No bucket default encryption: every object the suite finds encrypted was encrypted because the store asked.
      await createVersionedBucket(sw.endpoint, sw, bucket, { defaultEncryption: false });
      const store = kit.storeFor(sw, bucket);
      const raw = kit.rawClient(sw);
      const deadPort = (await freePorts(1))[0]!; // a port nothing listens on (allocated, then released)
      return {
        store,
        fetchUrl: (url) => kit.fetchUrl(sw, url),
        async encryptionOf(key, versionId) {
          try {
            return (await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }))).ServerSideEncryption;
          } catch (e) {
            if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) throw new AppError('not_found');
            throw e;
          }
        },
        async pendingUploads(prefix) {
          return (await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }))).Uploads?.length ?? 0;
        },
        broken() {
          const s = new S3BlobStore(s3Config(bucket, `http://127.0.0.1:${deadPort}`), { region: sw.region, credentials: creds(sw), maxAttempts: 2 });
          clients.push(s);
          return s;
        },
        async cleanup() {},
      };
    },
  };
  return kit;
}

/** What differs between S3 servers, where the difference is the server's and not ours. */
export interface S3ServerCaps {
  /**
   * Per-bucket CORS rules (PutBucketCors). MinIO has none (501 NotImplemented): its CORS is one server-wide setting
   * (`mc admin config set ALIAS api cors_allow_origin=…`, every origin by default), which doctor cannot read.
   */
  bucketCors: boolean;
}

export function s3StoreFeatures(kit: S3Kit, caps: S3ServerCaps = { bucketCors: true }): void {
  describe('S3 specifics', () => {
    it('reports a full-object SHA-256 for single-part uploads and none for multipart (composite) ones', async () => {
      const sw = await kit.server();
      const bucket = bucketName('sums');
      await createVersionedBucket(sw.endpoint, sw, bucket, { defaultEncryption: false });
      const store = kit.storeFor(sw, bucket);
      const raw = kit.rawClient(sw);

      const small = Buffer.from('a small document');
      const r1 = await store.put('small', Readable.from([small]), { contentType: 'text/plain' });
      expect(r1.storeSha256).toBe(sha256hex(small));
      const h1 = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'small', VersionId: r1.versionId as string, ChecksumMode: 'ENABLED' }));
      expect(Buffer.from(h1.ChecksumSHA256 ?? '', 'base64').toString('hex')).toBe(sha256hex(small));
      expect(h1.ServerSideEncryption).toBe('AES256');

      const big = Buffer.alloc(20 * MiB, 7);
      const r2 = await store.put('big', Readable.from([big]), { contentType: 'application/pdf' });
      expect(r2.storeSha256).toBeUndefined();
      const h2 = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'big', VersionId: r2.versionId as string, ChecksumMode: 'ENABLED' }));
      expect(h2.ChecksumSHA256).toMatch(/-3$/); // base64 of the part checksums' digest, with the part count
      expect(h2.ChecksumType).toBe('COMPOSITE');
      expect(h2.ServerSideEncryption).toBe('AES256');
      expect(h2.ContentType).toBe('application/pdf');
      expect(sha256hex(await readAll(await store.get('big', r2.versionId)))).toBe(sha256hex(big));
    }, 120_000);

    it('encrypts because it asks to: in a bucket without default encryption, a PUT without the SSE header stays plaintext', async () => {
      // The control for the conformance SSE check: the same bucket setup, written without the store's SSE header,
      // gives objects the server reports unencrypted, so that check fails if the store ever stops sending the header.
      const sw = await kit.server();
      const bucket = bucketName('nosse');
      await createVersionedBucket(sw.endpoint, sw, bucket, { defaultEncryption: false });
      const raw = kit.rawClient(sw);
      const plain = await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: Buffer.from('no sse') }));
      const hp = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain', VersionId: plain.VersionId as string }));
      expect(hp.ServerSideEncryption).toBeUndefined();
      const enc = await kit.storeFor(sw, bucket).put('enc', Readable.from([Buffer.from('with sse')]), { contentType: 'text/plain' });
      const he = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'enc', VersionId: enc.versionId as string }));
      expect(he.ServerSideEncryption).toBe('AES256');
    });

    it('aborts unfinished multipart uploads started before the cut-off, and only those', async () => {
      const sw = await kit.server();
      const bucket = bucketName('mpu');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const store = kit.storeFor(sw, bucket);
      const raw = kit.rawClient(sw);
      const old = await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'documents/a/old' }));
      await raw.send(new UploadPartCommand({ Bucket: bucket, Key: 'documents/a/old', UploadId: old.UploadId!, PartNumber: 1, Body: Buffer.alloc(5 * MiB, 1) }));
      const cutoff = new Date(Date.now() + 1500); // S3 reports Initiated to the second
      await new Promise((r) => setTimeout(r, 2500));
      await raw.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'documents/a/young' }));
      expect(await store.abortIncompleteUploads(cutoff)).toBe(1);
      const left = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      expect((left.Uploads ?? []).map((u) => u.Key)).toEqual(['documents/a/young']);
    }, 60_000);

    it('cannot delete a version under COMPLIANCE retention or a legal hold (Object Lock)', async () => {
      const sw = await kit.server();
      const bucket = bucketName('locked');
      await createVersionedBucket(sw.endpoint, sw, bucket, { objectLock: true });
      const store = kit.storeFor(sw, bucket);
      const raw = kit.rawClient(sw);

      const retained = await store.put('retained.pdf', Readable.from([Buffer.from('retained')]), { contentType: 'application/pdf' });
      await raw.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: 'retained.pdf',
          VersionId: retained.versionId as string,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 24 * 3600_000) },
        }),
      );
      const held = await store.put('held.pdf', Readable.from([Buffer.from('held')]), { contentType: 'application/pdf' });
      await raw.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: 'held.pdf', VersionId: held.versionId as string, LegalHold: { Status: 'ON' } }));

      for (const [key, v, body] of [['retained.pdf', retained.versionId, 'retained'], ['held.pdf', held.versionId, 'held']] as const) {
        const e = await store.delete(key, v).then(() => null, (err: unknown) => err);
        expect(e, `deleting locked ${key} must fail`).toBeInstanceOf(AppError);
        expect((e as AppError).code).toBe('forbidden');
        expect((await readAll(await store.get(key, v))).toString()).toBe(body);
      }
      // COMPLIANCE retention cannot be shortened either
      const shorten = await raw
        .send(new PutObjectRetentionCommand({ Bucket: bucket, Key: 'retained.pdf', VersionId: retained.versionId as string, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.now() + 60_000) } }))
        .then(() => 'accepted', (err: unknown) => (err as Error).name);
      expect(shorten).not.toBe('accepted');
      expect((await readAll(await store.get('retained.pdf', retained.versionId))).toString()).toBe('retained');

      // once the hold is released the version can go: it was the hold that stopped it
      await raw.send(new PutObjectLegalHoldCommand({ Bucket: bucket, Key: 'held.pdf', VersionId: held.versionId as string, LegalHold: { Status: 'OFF' } }));
      await store.delete('held.pdf', held.versionId);
      expect((await collect(store.list('held.pdf'))).length).toBe(0);
    }, 60_000);

    it('doctor() flags an unversioned, unencrypted bucket with fix commands', async () => {
      const sw = await kit.server();
      const bucket = bucketName('bare');
      const raw = kit.rawClient(sw);
      await raw.send(new CreateBucketCommand({ Bucket: bucket }));
      const checks = await kit.storeFor(sw, bucket).doctor();
      const by = Object.fromEntries(checks.map((c) => [c.name, c]));
      expect(by['s3.bucket']?.ok).toBe(true);
      expect(by['s3.versioning']?.ok).toBe(false);
      expect(by['s3.versioning']?.fix).toContain(`put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`);
      expect(by['s3.versioning']?.fix).toContain(`--endpoint-url ${sw.endpoint}`);
      expect(by['s3.encryption']?.ok).toBe(false);
      expect(by['s3.encryption']?.fix).toContain('put-bucket-encryption');
      expect(by['s3.cors']?.ok).toBe(true);
      expect(by['s3.lifecycle']?.ok).toBe(true);
    });

    it.skipIf(!caps.bucketCors)('doctor() requires a CORS rule only for browser downloads', async () => {
      const sw = await kit.server();
      const bucket = bucketName('cors');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const raw = kit.rawClient(sw);
      const store = kit.storeFor(sw, bucket);
      // QUILL_BROWSER_DOWNLOADS=true reaches the store as an option (createBlobStore passes cfg.browserDownloads)
      const browserStore = kit.storeFor(sw, bucket, {}, { browserDownloads: true });
      expect((await store.doctor()).find((c) => c.name === 's3.cors')?.ok).toBe(true);
      let cors = (await browserStore.doctor()).find((c) => c.name === 's3.cors');
      expect(cors?.ok).toBe(false);
      expect(cors?.fix).toContain('put-bucket-cors');
      await raw.send(
        new PutBucketCorsCommand({ Bucket: bucket, CORSConfiguration: { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET'], AllowedHeaders: ['*'] }] } }),
      );
      cors = (await browserStore.doctor()).find((c) => c.name === 's3.cors');
      expect(cors?.ok).toBe(true);
      expect(cors?.detail).toContain('https://app.example');
    });

    it('doctor() flags short noncurrent-version expiry', async () => {
      const sw = await kit.server();
      const bucket = bucketName('rules');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const raw = kit.rawClient(sw);
      const store = kit.storeFor(sw, bucket);
      await raw.send(
        new PutBucketLifecycleConfigurationCommand({
          Bucket: bucket,
          LifecycleConfiguration: { Rules: [{ ID: 'too-short', Status: 'Enabled', Filter: { Prefix: '' }, NoncurrentVersionExpiration: { NoncurrentDays: 7 } }] },
        }),
      );
      const lc = (await store.doctor()).find((c) => c.name === 's3.lifecycle');
      expect(lc?.ok).toBe(false);
      expect(lc?.detail).toContain('too-short');
      expect(lc?.fix).toMatch(/\S/);
    });

    it('returns attributes consistent with what was stored (size, SHA-256) via GetObjectAttributes', async () => {
      const sw = await kit.server();
      const bucket = bucketName('attrs');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const store = kit.storeFor(sw, bucket);
      const raw = kit.rawClient(sw);
      const data = Buffer.from('attribute check');
      const r = await store.put('attrs', Readable.from([data]), { contentType: 'text/plain' });
      // one attribute per request: MinIO refuses a list of them (InvalidArgument "Invalid attribute name specified")
      const attr = (a: 'Checksum' | 'ObjectSize') => raw.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'attrs', VersionId: r.versionId as string, ObjectAttributes: [a] }));
      expect((await attr('ObjectSize')).ObjectSize).toBe(data.length);
      expect(Buffer.from((await attr('Checksum')).Checksum?.ChecksumSHA256 ?? '', 'base64').toString('hex')).toBe(sha256hex(data));
    });
  });
}
