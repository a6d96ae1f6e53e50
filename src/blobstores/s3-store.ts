import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetBucketCorsCommand,
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Settings } from '../config/store-config.ts';
import { AppError } from '../domain/errors.ts';
import { storeSystemError } from './store-errors.ts';
import type { BlobListing, BlobPutOptions, BlobPutResult, BlobStore, PresignOptions, StoreCheck, StoreRetention } from '../domain/ports.ts';
import { attachmentDisposition } from './content-disposition.ts';

/** Multipart part size: objects up to this size go in one PutObject (whose SHA-256 the store checks and reports). */
export const S3_PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once: memory is bounded by roughly (queue + 2) × part size whatever the object size. */
export const S3_QUEUE_SIZE = 4;
/** SigV4 presigned URLs cannot outlive seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** Test and embedding hooks; production takes credentials and region from the store's settings or the default AWS chain. */
export interface S3StoreOptions {
  region?: string;
  credentials?: S3ClientConfig['credentials'];
  /** Attempts per request (SDK default 3). */
  maxAttempts?: number;
  /** QUILL_BROWSER_DOWNLOADS: browsers fetch presigned URLs cross-origin, so doctor() requires a CORS rule allowing GET. */
  browserDownloads?: boolean;
  /** QUILL_BACKUP_RETENTION_DAYS: lifecycle rules must not expire noncurrent versions sooner (a restore needs them). */
  retentionDays?: number;
}

/** QUILL_S3_TIMEOUT_MS's default: the longest an S3 request may go with no byte moving, per attempt. */
const DEFAULT_TIMEOUT_MS = 20_000;

/**
 * S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Ceph RGW). Expects a versioned bucket: every PUT gets a
 * VersionId that the metadata pins, so a later PUT to the same key can never replace what a document points at.
 * Every PUT carries the configured SSE header and a SHA-256 checksum the store verifies.
 */
export class S3BlobStore implements BlobStore {
  /** The store's name (the built-in `s3`, or a QUILL_STORES name): what its versions record. */
  readonly kind: string;
  readonly bucket: string;
  readonly #cfg: S3Settings;
  readonly #client: S3Client;
  /** Presigning client: never embeds checksum headers or params a plain browser GET would not send. */
  readonly #presigner: S3Client;
  readonly #region: string;
  readonly #browserDownloads: boolean;
  /** With QUILL_S3_OBJECT_LOCK_MODE: every version is written locked and its lock extended as retention grows. */
  readonly retention: StoreRetention | undefined;
  readonly #retentionDays: number;

  constructor(cfg: S3Settings & { name?: string }, opts: S3StoreOptions = {}) {
    if (!cfg.bucket) throw new AppError('internal_error', 'S3 blob store needs a bucket (QUILL_S3_BUCKET)');
    if (cfg.sse === 'aws:kms' && !cfg.kmsKeyId) throw new AppError('internal_error', 'QUILL_S3_SSE=aws:kms needs QUILL_S3_KMS_KEY_ID');
    this.kind = cfg.name ?? 's3';
    this.bucket = cfg.bucket;
    this.#cfg = cfg;
    this.#browserDownloads = opts.browserDownloads ?? false;
    this.#retentionDays = Math.max(30, opts.retentionDays ?? 30);
    this.#region = opts.region ?? cfg.region ?? (process.env.AWS_REGION || 'eu-west-2');
    const credentials = opts.credentials ?? (cfg.accessKeyId && cfg.secretAccessKey ? { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } : undefined);
    const ca = cfg.caBundle ? readFileSync(cfg.caBundle) : undefined;
    const base: S3ClientConfig = {
      region: this.#region,
      forcePathStyle: cfg.forcePathStyle,
      maxAttempts: opts.maxAttempts ?? 3,
      requestHandler: {
        connectionTimeout: 5_000,
        // Idle time, not total time (QUILL_S3_TIMEOUT_MS, per attempt): a store that takes the connection and then
        // goes silent fails the request (503) instead of holding it forever, while long streams are fine as long as
        // bytes keep moving. Not requestTimeout: in this handler that is a total time, and without
        // throwOnRequestTimeout it only prints a warning.
        socketTimeout: cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64, ...(ca ? { ca } : {}) }),
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      },
      ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    };
    this.#client = new S3Client({ ...base, followRegionRedirects: true });
    this.#presigner = new S3Client({ ...base, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    const mode = cfg.objectLockMode ?? null;
    this.retention = mode
      ? {
          setRetainUntil: async (key, versionId, until) => {
            try {
              await this.#client.send(
                new PutObjectRetentionCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), Retention: { Mode: mode, RetainUntilDate: until } }),
              );
            } catch (e) {
              throw this.#mapError(e, `locking ${key}`);
            }
          },
          setLegalHold: async (key, versionId, on) => {
            try {
              await this.#client.send(
                new PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), LegalHold: { Status: on ? 'ON' : 'OFF' } }),
              );
            } catch (e) {
              throw this.#mapError(e, `setting the legal hold of ${key}`);
            }
          },
        }
      : undefined;
  }

  /** Object Lock headers for a new version (S3 requires a checksum on such PUTs: every PUT here sends SHA-256). */
  #lock(opts: BlobPutOptions): { ObjectLockMode?: 'GOVERNANCE' | 'COMPLIANCE'; ObjectLockRetainUntilDate?: Date } {
    const mode = this.#cfg.objectLockMode;
    return mode && opts.retainUntil && opts.retainUntil.getTime() > Date.now() ? { ObjectLockMode: mode, ObjectLockRetainUntilDate: opts.retainUntil } : {};
  }

  #sse(): { ServerSideEncryption: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string } {
    return this.#cfg.sse === 'aws:kms'
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.#cfg.kmsKeyId as string }
      : { ServerSideEncryption: 'AES256' };
  }

  async put(key: string, body: Readable, opts: BlobPutOptions): Promise<BlobPutResult> {
    const expected = opts.expectedSha256;
    const common = { Bucket: this.bucket, Key: key, ContentType: opts.contentType, ChecksumAlgorithm: 'SHA256' as const, ...this.#sse(), ...this.#lock(opts) };
    const source = body[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
    let bodyError: unknown;
    const next = async (): Promise<IteratorResult<Buffer>> => {
      try {
        const r = await source.next();
        return r.done ? r : { done: false, value: typeof r.value === 'string' ? Buffer.from(r.value) : r.value };
      } catch (e) {
        bodyError ??= e;
        throw e;
      }
    };

    let wrapper: Readable | undefined;
    try {
      // Read up to one part: an object that fits goes in one PutObject, whose full-object SHA-256 the store verifies
      // (when we know it) and reports back. Anything larger streams as a multipart upload.
      const head: Buffer[] = [];
      let headBytes = 0;
      let ended = false;
      while (headBytes <= S3_PART_SIZE) {
        const r = await next();
        if (r.done) {
          ended = true;
          break;
        }
        head.push(r.value);
        headBytes += r.value.length;
      }

      if (ended) {
        const data = Buffer.concat(head, headBytes);
        const out = await this.#client.send(
          new PutObjectCommand({
            ...common,
            Body: data,
            ContentLength: data.length,
            ...(expected ? { ChecksumSHA256: expected.toString('base64') } : {}),
          }),
        );
        return { versionId: out.VersionId ?? null, storeSha256: fullObjectSha256(out.ChecksumSHA256, out.ChecksumType) };
      }

      // Multipart: S3's SHA-256 is then per part (composite), so an expected digest is checked here as the bytes
      // pass; a mismatch fails the stream before its last part, so the upload is aborted and never completed.
      const hash = expected ? createHash('sha256') : null;
      async function* rest(): AsyncGenerator<Buffer> {
        for (const b of head) {
          hash?.update(b);
          yield b;
        }
        head.length = 0;
        for (;;) {
          const r = await next();
          if (r.done) break;
          hash?.update(r.value);
          yield r.value;
        }
        if (hash && expected && !hash.digest().equals(expected)) {
          throw new AppError('digest_mismatch', 'the SHA-256 of the bytes received does not match the one declared');
        }
      }
      wrapper = Readable.from(rest(), { objectMode: false });
      const upload = new Upload({
        client: this.#client,
        params: { ...common, Body: wrapper },
        partSize: S3_PART_SIZE,
        queueSize: S3_QUEUE_SIZE,
        leavePartsOnError: false,
      });
      const out = await upload.done();
      return { versionId: out.VersionId ?? null, storeSha256: fullObjectSha256(out.ChecksumSHA256, out.ChecksumType) };
    } catch (e) {
      wrapper?.destroy();
      if (!body.destroyed) body.destroy();
      if (bodyError !== undefined) throw bodyError;
      if (e instanceof AppError) throw e;
      if (isDigestError(e)) throw new AppError('digest_mismatch', 'the object store refused the bytes: SHA-256 mismatch', {}, { cause: e });
      throw this.#mapError(e, `storing ${key}`);
    }
  }

  async get(key: string, versionId: string | null): Promise<Readable> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
      if (!out.Body) throw new AppError('not_found', 'the stored object has no body');
      return out.Body as Readable;
    } catch (e) {
      throw this.#mapError(e, `reading ${key}`);
    }
  }

  #objectLock: Promise<boolean> | undefined;

  /** Object Lock retention (COMPLIANCE) for one version; false when the bucket has no Object Lock configured. */
  async retain(key: string, versionId: string | null, until: Date): Promise<boolean> {
    // ask the bucket first: some S3 implementations accept a retention on a bucket without Object Lock and ignore it
    this.#objectLock ??= this.#client
      .send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }))
      .then((o) => o.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled', () => false);
    if (!(await this.#objectLock)) return false;
    try {
      await this.#client.send(new PutObjectRetentionCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }));
      return true;
    } catch (e) {
      const name = errorName(e);
      if (name === 'InvalidRequest' || name === 'ObjectLockConfigurationNotFoundError' || name === 'InvalidBucketState' || httpStatus(e) === 400) return false;
      throw this.#mapError(e, `setting retention on ${key}`);
    }
  }

  /** The full-object SHA-256 S3 keeps for the object, if any (the scrubber's cheap first check). */
  async storedSha256(key: string, versionId: string | null): Promise<string | null> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED', ...(versionId ? { VersionId: versionId } : {}) }));
      return fullObjectSha256(out.ChecksumSHA256, out.ChecksumType) ?? null;
    } catch (e) {
      throw this.#mapError(e, `reading the checksum of ${key}`);
    }
  }

  async presign(key: string, versionId: string | null, opts: PresignOptions): Promise<string> {
    const expiresIn = Math.max(1, Math.min(Math.floor(opts.expiresInSeconds), MAX_PRESIGN_SECONDS));
    // Note: with temporary credentials (an IAM role) the URL also stops working when that session ends.
    return getSignedUrl(
      this.#presigner,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ...(versionId ? { VersionId: versionId } : {}),
        ResponseContentDisposition: attachmentDisposition(opts.filename),
        ResponseContentType: opts.contentType,
      }),
      { expiresIn },
    );
  }

  async delete(key: string, versionId: string | null): Promise<void> {
    try {
      await this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    } catch (e) {
      const name = errorName(e);
      if (name === 'AccessDenied' || name === 'ObjectLocked' || httpStatus(e) === 403) {
        // Object Lock (retention or legal hold) or a bucket policy protects this version: that is by design.
        throw new AppError('forbidden', `the object store refused to delete ${key}${versionId ? ` version ${versionId}` : ''} (object lock or policy): ${describe(e)}`, {}, { cause: e });
      }
      const mapped = this.#mapError(e, `deleting ${key}`);
      if (mapped instanceof AppError && mapped.code === 'not_found') return;
      throw mapped;
    }
  }

  async abortIncompleteUploads(startedBefore: Date): Promise<number> {
    let aborted = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.#client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, ...(KeyMarker ? { KeyMarker } : {}), ...(UploadIdMarker ? { UploadIdMarker } : {}) }));
      } catch (e) {
        throw this.#mapError(e, 'listing unfinished multipart uploads');
      }
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= startedBefore) continue;
        try {
          await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }));
          aborted++;
        } catch (e) {
          const mapped = this.#mapError(e, `aborting the multipart upload of ${u.Key}`);
          if (!(mapped instanceof AppError && mapped.code === 'not_found')) throw mapped;
        }
      }
      if (!page.IsTruncated) return aborted;
      KeyMarker = page.NextKeyMarker;
      UploadIdMarker = page.NextUploadIdMarker;
      if (!KeyMarker && !UploadIdMarker) return aborted;
    }
  }

  async *list(prefix: string): AsyncIterable<BlobListing> {
    let KeyMarker: string | undefined;
    let VersionIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.#client.send(
          new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: prefix, ...(KeyMarker ? { KeyMarker } : {}), ...(VersionIdMarker ? { VersionIdMarker } : {}) }),
        );
      } catch (e) {
        throw this.#mapError(e, `listing ${prefix}`);
      }
      for (const v of page.Versions ?? []) {
        if (v.Key === undefined) continue;
        yield {
          key: v.Key,
          versionId: v.VersionId && v.VersionId !== 'null' ? v.VersionId : null,
          size: v.Size ?? 0,
          lastModified: v.LastModified ?? new Date(0),
        };
      }
      if (!page.IsTruncated) return;
      KeyMarker = page.NextKeyMarker;
      VersionIdMarker = page.NextVersionIdMarker;
      if (!KeyMarker && !VersionIdMarker) return;
    }
  }

  /**
   * Where the bucket replicates (AWS S3 CRR, MinIO bucket replication): the object version's x-amz-replication-status
   * (PENDING, COMPLETED, FAILED; REPLICA on a target). null when the store reports none (no replication rule, or a
   * store such as SeaweedFS whose replication, filer.sync, runs beside S3). For `doctor`'s replication-lag check.
   */
  async replicationStatus(key: string, versionId: string | null): Promise<string | null> {
    const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
    return head.ReplicationStatus ?? null;
  }

  async ping(): Promise<void> {
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      throw unavailable(`S3 bucket ${this.bucket} is not usable: ${describe(e)}`, e);
    }
  }

  async doctor(): Promise<StoreCheck[]> {
    const checks: StoreCheck[] = [];
    const b = this.bucket;
    const cli = `aws s3api${this.#cfg.endpoint ? ` --endpoint-url ${this.#cfg.endpoint}` : ''}`;
    try {
      await this.#client.send(new HeadBucketCommand({ Bucket: b }));
      checks.push({ name: 's3.bucket', ok: true, detail: `bucket ${b} is reachable` });
    } catch (e) {
      checks.push({
        name: 's3.bucket',
        ok: false,
        detail: `bucket ${b} is not reachable: ${describe(e)}`,
        fix: `check QUILL_S3_ENDPOINT/AWS_REGION and the credentials, and that the bucket exists (${cli} create-bucket --bucket ${b}); the role needs s3:ListBucket on it`,
      });
      return checks; // nothing else can be read
    }

    try {
      const v = await this.#client.send(new GetBucketVersioningCommand({ Bucket: b }));
      checks.push(
        v.Status === 'Enabled'
          ? { name: 's3.versioning', ok: true, detail: 'versioning is Enabled' }
          : {
              name: 's3.versioning',
              ok: false,
              detail: `versioning is ${v.Status ?? 'not enabled'}; document versions could be lost if a key were ever rewritten`,
              fix: `${cli} put-bucket-versioning --bucket ${b} --versioning-configuration Status=Enabled`,
            },
      );
    } catch (e) {
      checks.push({ name: 's3.versioning', ok: false, detail: `could not read the versioning status: ${describe(e)}`, fix: 'grant s3:GetBucketVersioning to this service' });
    }

    const encFix =
      this.#cfg.sse === 'aws:kms'
        ? `${cli} put-bucket-encryption --bucket ${b} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms","KMSMasterKeyID":"${this.#cfg.kmsKeyId ?? '<key-arn>'}"},"BucketKeyEnabled":true}]}'`
        : `${cli} put-bucket-encryption --bucket ${b} --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`;
    try {
      const enc = await this.#client.send(new GetBucketEncryptionCommand({ Bucket: b }));
      const rule = enc.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      checks.push(
        rule?.SSEAlgorithm
          ? { name: 's3.encryption', ok: true, detail: `default encryption ${rule.SSEAlgorithm}${rule.KMSMasterKeyID ? ` (${rule.KMSMasterKeyID})` : ''}; every PUT also sends ${this.#cfg.sse}` }
          : { name: 's3.encryption', ok: false, detail: 'no default encryption rule', fix: encFix },
      );
    } catch (e) {
      checks.push(
        errorName(e) === 'ServerSideEncryptionConfigurationNotFoundError'
          ? { name: 's3.encryption', ok: false, detail: `no default bucket encryption (every PUT still sends ${this.#cfg.sse})`, fix: encFix }
          : { name: 's3.encryption', ok: false, detail: `could not read the default encryption: ${describe(e)}`, fix: `grant s3:GetEncryptionConfiguration to this service, or: ${encFix}` },
      );
    }

    const lockMode = this.#cfg.objectLockMode;
    if (lockMode) {
      const lockFix = `Object Lock can only be enabled on a versioned bucket: create a new bucket with ${cli} create-bucket --bucket <name> --object-lock-enabled-for-bucket (or, on AWS, ${cli} put-object-lock-configuration --bucket ${b} --object-lock-configuration ObjectLockEnabled=Enabled), migrate the documents with quill-docstore migrate-blobs, or unset QUILL_S3_OBJECT_LOCK_MODE`;
      try {
        const lc = await this.#client.send(new GetObjectLockConfigurationCommand({ Bucket: b }));
        checks.push(
          lc.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled'
            ? { name: 's3.object-lock', ok: true, detail: `Object Lock is enabled; versions are written in ${lockMode} mode until their retention date` }
            : { name: 's3.object-lock', ok: false, detail: `QUILL_S3_OBJECT_LOCK_MODE=${lockMode} but Object Lock is not enabled on bucket ${b}`, fix: lockFix },
        );
      } catch (e) {
        checks.push({ name: 's3.object-lock', ok: false, detail: `QUILL_S3_OBJECT_LOCK_MODE=${lockMode} but bucket ${b} has no Object Lock configuration: ${describe(e)}`, fix: lockFix });
      }
    }

    const browser = this.#browserDownloads;
    const corsFix = `${cli} put-bucket-cors --bucket ${b} --cors-configuration '{"CORSRules":[{"AllowedOrigins":["https://<your-app-origin>"],"AllowedMethods":["GET","HEAD"],"AllowedHeaders":["*"],"ExposeHeaders":["Content-Disposition","Content-Length","Content-Type","ETag"],"MaxAgeSeconds":3600}]}'`;
    try {
      const cors = await this.#client.send(new GetBucketCorsCommand({ Bucket: b }));
      const getRule = (cors.CORSRules ?? []).find((r) => r.AllowedMethods?.includes('GET'));
      checks.push(
        getRule
          ? { name: 's3.cors', ok: true, detail: `CORS allows GET from ${(getRule.AllowedOrigins ?? []).join(', ')}` }
          : { name: 's3.cors', ok: !browser, detail: 'CORS rules exist but none allows GET', ...(browser ? { fix: corsFix } : {}) },
      );
    } catch (e) {
      const absent = errorName(e) === 'NoSuchCORSConfiguration';
      checks.push(
        browser
          ? { name: 's3.cors', ok: false, detail: absent ? 'no CORS rule, but QUILL_BROWSER_DOWNLOADS=true' : `could not read CORS: ${describe(e)}`, fix: corsFix }
          : { name: 's3.cors', ok: true, detail: absent ? 'no CORS rule (only needed when browsers fetch presigned URLs directly: QUILL_BROWSER_DOWNLOADS=true)' : `CORS not readable (${describe(e)}); only needed for browser downloads` },
      );
    }

    try {
      const lc = await this.#client.send(new GetBucketLifecycleConfigurationCommand({ Bucket: b }));
      const rules = (lc.Rules ?? []).filter((r) => r.Status === 'Enabled');
      const short = rules.filter((r) => r.NoncurrentVersionExpiration?.NoncurrentDays !== undefined && r.NoncurrentVersionExpiration.NoncurrentDays < this.#retentionDays);
      const expiring = rules.filter((r) => r.Expiration?.Days !== undefined || r.Expiration?.Date !== undefined);
      if (short.length || expiring.length) {
        checks.push({
          name: 's3.lifecycle',
          ok: false,
          detail: [
            short.length ? `rule(s) ${short.map((r) => r.ID ?? '?').join(', ')} expire noncurrent versions in under ${this.#retentionDays} days (the point-in-time restore window)` : '',
            expiring.length ? `rule(s) ${expiring.map((r) => r.ID ?? '?').join(', ')} expire current versions (clinical records must not expire by lifecycle)` : '',
          ].filter(Boolean).join('; '),
          fix: `${cli} get-bucket-lifecycle-configuration --bucket ${b}, then raise NoncurrentVersionExpiration.NoncurrentDays to at least ${this.#retentionDays} and remove Expiration from rules covering document keys (put-bucket-lifecycle-configuration)`,
        });
      } else {
        const abortRule = rules.some((r) => r.AbortIncompleteMultipartUpload?.DaysAfterInitiation !== undefined);
        checks.push({
          name: 's3.lifecycle',
          ok: true,
          detail: `${rules.length} enabled rule(s), none expiring versions early${abortRule ? '' : '; consider an AbortIncompleteMultipartUpload rule to reclaim parts of failed uploads'}`,
        });
      }
    } catch (e) {
      checks.push(
        errorName(e) === 'NoSuchLifecycleConfiguration'
          ? { name: 's3.lifecycle', ok: true, detail: 'no lifecycle rules (nothing expires); consider an AbortIncompleteMultipartUpload rule' }
          : { name: 's3.lifecycle', ok: false, detail: `could not read the lifecycle configuration: ${describe(e)}`, fix: 'grant s3:GetLifecycleConfiguration to this service' },
      );
    }
    return checks;
  }

  /** Missing → not_found; unreachable, throttled, 5xx or credential problems → storage_unavailable. */
  #mapError(e: unknown, what: string): unknown {
    if (e instanceof AppError) return e;
    const system = storeSystemError(e, 'S3', what);
    if (system) return system;
    const name = errorName(e);
    const status = httpStatus(e);
    if (name === 'NoSuchKey' || name === 'NoSuchVersion' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) {
      return new AppError('not_found', 'the stored object is missing', {}, { cause: e });
    }
    if (isUnavailable(e)) return unavailable(`S3 ${what} failed: ${describe(e)}`, e);
    return e;
  }

  /** Closes keep-alive sockets (tests; shutdown). */
  destroy(): void {
    this.#client.destroy();
    this.#presigner.destroy();
  }
}

function fullObjectSha256(b64: string | undefined, type: string | undefined): string | undefined {
  if (!b64 || type === 'COMPOSITE' || b64.includes('-')) return undefined;
  const raw = Buffer.from(b64, 'base64');
  return raw.length === 32 ? raw.toString('hex') : undefined;
}

const unavailable = (msg: string, cause: unknown): AppError => new AppError('storage_unavailable', msg, { layer: 'blob' }, { cause, retryAfter: 5 });

const errorName = (e: unknown): string => (typeof e === 'object' && e !== null && 'name' in e ? String((e as { name: unknown }).name) : '');

function httpStatus(e: unknown): number | undefined {
  const m = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return typeof m?.httpStatusCode === 'number' ? m.httpStatusCode : undefined;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'CERT_HAS_EXPIRED', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT']);
const UNAVAILABLE_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'CredentialsProviderError',
  'ProviderError',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'TokenRefreshRequired',
  'InvalidToken',
  'AccessDenied',
  'NoSuchBucket',
  'SlowDown',
  'ServiceUnavailable',
  'InternalError',
  'KMS.DisabledException',
  'KMS.KMSInvalidStateException',
]);

function isUnavailable(e: unknown, depth = 0): boolean {
  if (typeof e !== 'object' || e === null || depth > 4) return false;
  const err = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
  if (typeof err.code === 'string' && NETWORK_CODES.has(err.code)) return true;
  if (UNAVAILABLE_NAMES.has(errorName(e))) return true;
  const status = httpStatus(e);
  if (status !== undefined && (status >= 500 || status === 403 || status === 429)) return true;
  if (Array.isArray(err.errors) && err.errors.some((x) => isUnavailable(x, depth + 1))) return true;
  return isUnavailable(err.cause, depth + 1);
}

const isDigestError = (e: unknown): boolean => ['BadDigest', 'XAmzContentChecksumMismatch', 'InvalidDigest', 'XAmzContentSHA256Mismatch'].includes(errorName(e));

function describe(e: unknown): string {
  if (typeof e !== 'object' || e === null) return String(e);
  const err = e as { name?: string; message?: string; code?: string; errors?: unknown[] };
  const status = httpStatus(e);
  let msg = err.message || err.code || err.name || 'error';
  if (!err.message && Array.isArray(err.errors) && err.errors.length) msg = err.errors.map((x) => describe(x)).join('; ');
  return `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${msg}${status ? ` (HTTP ${status})` : ''}`;
}
