// S3BlobStore against a real SeaweedFS (`weed mini`): the shared BlobStore contract on a versioned, SSE-S3 bucket,
// then S3-only behaviour: Object Lock, checksum kinds, doctor findings, a private CA bundle.
// Needs the weed binary (test-servers/seaweedfs/build.sh). Without it the suite is skipped with the reason, except
// under CI=true, where a missing server is a failure.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
import { freePorts } from '../support/process.ts';
import { createVersionedBucket, s3Client, startSeaweed, weedBinaryPath, type SeaweedServer } from '../support/seaweedfs.ts';
import { blobStoreConformance, collect, MiB, readAll, sha256hex, type ConformanceHarness } from './conformance.ts';

const weed = (() => {
  try {
    return weedBinaryPath();
  } catch (e) {
    return `(unknown: ${(e as Error).message})`;
  }
})();
const available = existsSync(weed);
const skipReason = `SeaweedFS binary is missing at ${weed}; build it with test-servers/seaweedfs/build.sh`;

if (!available) {
  if (process.env.CI === 'true') {
    describe('S3BlobStore on SeaweedFS', () => {
      it('needs the weed binary (required when CI=true)', () => {
        throw new Error(skipReason);
      });
    });
  } else {
    console.warn(`[blobstores] skipping: ${skipReason}`);
    describe.skip(`S3BlobStore on SeaweedFS: skipped because the ${skipReason}`, () => {
      it('needs the SeaweedFS server', () => {});
    });
  }
}

// One server for the whole file, started on first use.
let server: Promise<SeaweedServer> | undefined;
const seaweed = (): Promise<SeaweedServer> => (server ??= startSeaweed());
const clients: Array<S3Client | S3BlobStore> = [];
afterAll(async () => {
  for (const c of clients) c.destroy();
  if (server) await (await server).stop();
}, 60_000);

function s3Config(bucket: string, endpoint: string, extra: Partial<S3Settings> = {}): S3Settings {
  return { bucket, endpoint, forcePathStyle: true, sse: 'AES256', kmsKeyId: null, caBundle: null, ...extra };
}

function storeFor(sw: SeaweedServer, bucket: string, extra: Partial<S3Settings> = {}, opts: { browserDownloads?: boolean } = {}): S3BlobStore {
  const s = new S3BlobStore(s3Config(bucket, sw.endpoint, extra), { region: sw.region, credentials: { accessKeyId: sw.accessKeyId, secretAccessKey: sw.secretAccessKey }, ...opts });
  clients.push(s);
  return s;
}

function rawClient(sw: SeaweedServer): S3Client {
  const c = s3Client(sw);
  clients.push(c);
  return c;
}

const bucketName = (p: string): string => `${p}-${randomUUID().slice(0, 8)}`;

async function s3Harness(): Promise<ConformanceHarness> {
  const sw = await seaweed();
  const bucket = bucketName('conf');
  // No bucket default encryption: every object the suite finds encrypted was encrypted because the store asked.
  await createVersionedBucket(sw.endpoint, sw, bucket, { defaultEncryption: false });
  const store = storeFor(sw, bucket);
  const raw = rawClient(sw);
  return {
    store,
    fetchUrl: (url) => fetch(url),
    async encryptionOf(key, versionId) {
      try {
        const h = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
        return h.ServerSideEncryption;
      } catch (e) {
        if ((e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) throw new AppError('not_found');
        throw e;
      }
    },
    async pendingUploads(prefix) {
      const out = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
      return out.Uploads?.length ?? 0;
    },
    broken() {
      const s = new S3BlobStore(s3Config(bucket, `http://127.0.0.1:${deadPort}`), {
        region: sw.region,
        credentials: { accessKeyId: sw.accessKeyId, secretAccessKey: sw.secretAccessKey },
        maxAttempts: 2,
      });
      clients.push(s);
      return s;
    },
    async cleanup() {},
  };
}

// A port nothing listens on (allocated, then released).
const deadPort = (await freePorts(1))[0] as number;

describe.skipIf(!available)('S3BlobStore on SeaweedFS', () => {
  blobStoreConformance('S3 (SeaweedFS, versioned bucket, SSE-S3)', s3Harness, {
    versionsSameKey: true,
    refusesDigestMismatch: true,
    reportsSha256: true,
    encryptsAtRest: true,
    networked: true,
  });

  describe('S3 specifics', () => {
    it('reports a full-object SHA-256 for single-part uploads and none for multipart (composite) ones', async () => {
      const sw = await seaweed();
      const bucket = bucketName('sums');
      await createVersionedBucket(sw.endpoint, sw, bucket, { defaultEncryption: false });
      const store = storeFor(sw, bucket);
      const raw = rawClient(sw);

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
      const sw = await seaweed();
      const bucket = bucketName('nosse');
      await createVersionedBucket(sw.endpoint, sw, bucket, { defaultEncryption: false });
      const raw = rawClient(sw);
      const plain = await raw.send(new PutObjectCommand({ Bucket: bucket, Key: 'plain', Body: Buffer.from('no sse') }));
      const hp = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'plain', VersionId: plain.VersionId as string }));
      expect(hp.ServerSideEncryption).toBeUndefined();
      const enc = await storeFor(sw, bucket).put('enc', Readable.from([Buffer.from('with sse')]), { contentType: 'text/plain' });
      const he = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: 'enc', VersionId: enc.versionId as string }));
      expect(he.ServerSideEncryption).toBe('AES256');
    });

    it('aborts unfinished multipart uploads started before the cut-off, and only those', async () => {
      const sw = await seaweed();
      const bucket = bucketName('mpu');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const store = storeFor(sw, bucket);
      const raw = rawClient(sw);
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
      const sw = await seaweed();
      const bucket = bucketName('locked');
      await createVersionedBucket(sw.endpoint, sw, bucket, { objectLock: true });
      const store = storeFor(sw, bucket);
      const raw = rawClient(sw);

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
      const sw = await seaweed();
      const bucket = bucketName('bare');
      const raw = rawClient(sw);
      await raw.send(new CreateBucketCommand({ Bucket: bucket }));
      const checks = await storeFor(sw, bucket).doctor();
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

    it('doctor() requires a CORS rule only for browser downloads, and flags short noncurrent-version expiry', async () => {
      const sw = await seaweed();
      const bucket = bucketName('rules');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const raw = rawClient(sw);
      const store = storeFor(sw, bucket);
      // QUILL_BROWSER_DOWNLOADS=true reaches the store as an option (createBlobStore passes cfg.browserDownloads)
      const browserStore = storeFor(sw, bucket, {}, { browserDownloads: true });
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

    it('reaches a TLS endpoint signed by a private CA only through caBundle', async () => {
      const sw = await seaweed();
      const bucket = bucketName('tls');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const tls = await tlsProxy(new URL(sw.endpoint));
      try {
        const store = storeFor(sw, bucket, { endpoint: tls.endpoint, caBundle: tls.caFile });
        await store.ping();
        const r = await store.put('over-tls', Readable.from([Buffer.from('encrypted in transit')]), { contentType: 'text/plain' });
        expect((await readAll(await store.get('over-tls', r.versionId))).toString()).toBe('encrypted in transit');

        const untrusting = storeFor(sw, bucket, { endpoint: tls.endpoint });
        const e = await untrusting.ping().then(() => null, (err: unknown) => err);
        expect(e).toBeInstanceOf(AppError);
        expect((e as AppError).code).toBe('storage_unavailable');
      } finally {
        await tls.close();
      }
    }, 60_000);

    it('returns attributes consistent with what was stored (size, SHA-256) via GetObjectAttributes', async () => {
      const sw = await seaweed();
      const bucket = bucketName('attrs');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      const store = storeFor(sw, bucket);
      const raw = rawClient(sw);
      const data = Buffer.from('attribute check');
      const r = await store.put('attrs', Readable.from([data]), { contentType: 'text/plain' });
      const a = await raw.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: 'attrs', VersionId: r.versionId as string, ObjectAttributes: ['Checksum', 'ObjectSize'] }));
      expect(a.ObjectSize).toBe(data.length);
      expect(Buffer.from(a.Checksum?.ChecksumSHA256 ?? '', 'base64').toString('hex')).toBe(sha256hex(data));
    });
  });
});

/** An HTTPS front for the plain-HTTP SeaweedFS, with a throwaway CA, passing requests through byte for byte. */
async function tlsProxy(upstream: URL): Promise<{ endpoint: string; caFile: string; close(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'quill-tls-'));
  const f = (n: string): string => path.join(dir, n);
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Quill Test CA', '-keyout', f('ca.key'), '-out', f('ca.pem'));
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', f('srv.key'), '-out', f('srv.csr'));
  await writeFile(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('ext.cnf'), '-out', f('srv.pem'));

  const srv: HttpsServer = createHttpsServer({ key: await readFile(f('srv.key')), cert: await readFile(f('srv.pem')) }, (req, res) => {
    const up = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  return {
    endpoint: `https://localhost:${port}`,
    caFile: f('ca.pem'),
    async close() {
      srv.closeAllConnections();
      await new Promise((r) => srv.close(r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
