import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { S3Settings } from '../../config/store-config.ts';
import { AppError } from '../../domain/errors.ts';
import type { BlobComposer, BlobListing, BlobPutOptions, BlobPutResult, BlobStore, PresignOptions, StoreCheck, StoreRetention } from '../../domain/ports.ts';
import { attachmentDisposition } from '../content-disposition.ts';
import { s3Clients, type S3ClientOptions } from './client.ts';
import { s3Doctor } from './doctor.ts';
import { describe, errorName, httpStatus, isWormRefusal, isDigestError, mapS3Error, unavailable } from './errors.ts';
import { S3ObjectLock } from './object-lock.ts';
import { S3Composer } from './s3-compose.ts';

/** Multipart part size: objects up to this size go in one PutObject (whose SHA-256 the store checks and reports). */
export const S3_PART_SIZE = 8 * 1024 * 1024;
/** Parts in flight at once: memory is bounded by roughly (queue + 2) × part size whatever the object size. */
export const S3_QUEUE_SIZE = 4;
/** SigV4 presigned URLs cannot outlive seven days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface S3StoreOptions extends S3ClientOptions {
  /** QUILL_BROWSER_DOWNLOADS: browsers fetch presigned URLs cross-origin, so doctor() requires a CORS rule allowing GET. */
  browserDownloads?: boolean;
  /** QUILL_BACKUP_RETENTION_DAYS: lifecycle rules must not expire noncurrent versions sooner (a restore needs them). */
  retentionDays?: number;
}

/**
 * S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Ceph RGW): the data path. Expects a versioned bucket: every
 * PUT gets a VersionId that the metadata pins, so a later PUT to the same key can never replace what a document points
 * at. Every PUT carries the configured SSE header and a SHA-256 checksum the store verifies. The clients are made in
 * client.ts, the readiness checks are doctor.ts's, Object Lock is object-lock.ts's and errors are read by errors.ts.
 */
export class S3BlobStore implements BlobStore {
  /** The store's name (the built-in `s3`, or a QUILL_STORES name): what its versions record. */
  readonly kind: string;
  readonly bucket: string;
  readonly #cfg: S3Settings;
  readonly #client: S3Client;
  readonly #presigner: S3Client;
  readonly #lock: S3ObjectLock;
  readonly #browserDownloads: boolean;
  readonly #retentionDays: number;
  /** Object Lock: documents locked with QUILL_S3_OBJECT_LOCK_MODE, write-once records wherever the bucket has it. */
  readonly retention: StoreRetention;
  /** Resumable uploads: one multipart upload whose parts are the PATCHes (s3-compose.ts). */
  readonly composer: BlobComposer;

  constructor(cfg: S3Settings & { name?: string }, opts: S3StoreOptions = {}) {
    if (!cfg.bucket) throw new AppError('internal_error', 'S3 blob store needs a bucket (QUILL_S3_BUCKET)');
    if (cfg.sse === 'aws:kms' && !cfg.kmsKeyId) throw new AppError('internal_error', 'QUILL_S3_SSE=aws:kms needs QUILL_S3_KMS_KEY_ID');
    this.kind = cfg.name ?? 's3';
    this.bucket = cfg.bucket;
    this.#cfg = cfg;
    this.#browserDownloads = opts.browserDownloads ?? false;
    this.#retentionDays = Math.max(30, opts.retentionDays ?? 30);
    ({ client: this.#client, presigner: this.#presigner } = s3Clients(cfg, opts));
    this.#lock = new S3ObjectLock(this.#client, this.bucket, cfg.objectLockMode ?? null);
    this.retention = this.#lock;
    this.composer = new S3Composer({
      client: this.#client,
      bucket: this.bucket,
      partSize: S3_PART_SIZE,
      queueSize: S3_QUEUE_SIZE,
      createParams: () => this.#sse(),
      put: (key, body, o) => this.put(key, body, o),
      get: (key, v) => this.get(key, v),
    });
  }

  #sse(): { ServerSideEncryption: 'AES256' | 'aws:kms'; SSEKMSKeyId?: string } {
    return this.#cfg.sse === 'aws:kms'
      ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.#cfg.kmsKeyId as string }
      : { ServerSideEncryption: 'AES256' };
  }

  async put(key: string, body: Readable, opts: BlobPutOptions): Promise<BlobPutResult> {
    const expected = opts.expectedSha256;
    const common = { Bucket: this.bucket, Key: key, ContentType: opts.contentType, ChecksumAlgorithm: 'SHA256' as const, ...this.#sse(), ...this.#lock.headers(opts) };
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
      throw mapS3Error(e, `storing ${key}`);
    }
  }

  async get(key: string, versionId: string | null): Promise<Readable> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
      if (!out.Body) throw new AppError('not_found', 'the stored object has no body');
      return out.Body as Readable;
    } catch (e) {
      throw mapS3Error(e, `reading ${key}`);
    }
  }

  /** The full-object SHA-256 S3 keeps for the object, if any (the scrubber's cheap first check). */
  async storedSha256(key: string, versionId: string | null): Promise<string | null> {
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: 'ENABLED', ...(versionId ? { VersionId: versionId } : {}) }));
      return fullObjectSha256(out.ChecksumSHA256, out.ChecksumType) ?? null;
    } catch (e) {
      throw mapS3Error(e, `reading the checksum of ${key}`);
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
      if (name === 'AccessDenied' || name === 'ObjectLocked' || httpStatus(e) === 403 || isWormRefusal(e)) {
        // Object Lock (retention or legal hold) or a bucket policy protects this version: that is by design.
        throw new AppError('forbidden', `the object store refused to delete ${key}${versionId ? ` version ${versionId}` : ''} (object lock or policy): ${describe(e)}`, {}, { cause: e });
      }
      const mapped = mapS3Error(e, `deleting ${key}`);
      if (mapped instanceof AppError && mapped.code === 'not_found') return;
      throw mapped;
    }
  }

  async abortIncompleteUploads(startedBefore: Date, keep: (key: string) => boolean = () => false): Promise<number> {
    let aborted = 0;
    let KeyMarker: string | undefined;
    let UploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.#client.send(new ListMultipartUploadsCommand({ Bucket: this.bucket, ...(KeyMarker ? { KeyMarker } : {}), ...(UploadIdMarker ? { UploadIdMarker } : {}) }));
      } catch (e) {
        throw mapS3Error(e, 'listing unfinished multipart uploads');
      }
      for (const u of page.Uploads ?? []) {
        if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= startedBefore || keep(u.Key)) continue;
        try {
          await this.#client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: u.Key, UploadId: u.UploadId }));
          aborted++;
        } catch (e) {
          const mapped = mapS3Error(e, `aborting the multipart upload of ${u.Key}`);
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
        throw mapS3Error(e, `listing ${prefix}`);
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

  doctor(): Promise<StoreCheck[]> {
    return s3Doctor({ client: this.#client, bucket: this.bucket, cfg: this.#cfg, browserDownloads: this.#browserDownloads, retentionDays: this.#retentionDays });
  }

  /** Closes keep-alive sockets (tests; shutdown). */
  destroy(): void {
    this.#client.destroy();
    this.#presigner.destroy();
  }
}

/** S3's SHA-256 of the whole object (hex), or undefined for a composite (per-part) checksum. */
function fullObjectSha256(b64: string | undefined, type: string | undefined): string | undefined {
  if (!b64 || type === 'COMPOSITE' || b64.includes('-')) return undefined;
  const raw = Buffer.from(b64, 'base64');
  return raw.length === 32 ? raw.toString('hex') : undefined;
}
