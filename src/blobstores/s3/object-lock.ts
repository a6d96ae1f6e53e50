import { GetObjectLockConfigurationCommand, PutObjectLegalHoldCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import type { BlobPutOptions, StoreRetention } from '../../domain/ports.ts';
import { errorName, httpStatus, mapS3Error } from './errors.ts';

type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

/** S3 Object Lock on one bucket. */
export class S3ObjectLock {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #mode: LockMode | null;
  #enabled: Promise<boolean> | undefined;
  /** With QUILL_S3_OBJECT_LOCK_MODE: every version is written locked and its lock extended as retention grows. */
  readonly retention: StoreRetention | undefined;

  constructor(client: S3Client, bucket: string, mode: LockMode | null) {
    this.#client = client;
    this.#bucket = bucket;
    this.#mode = mode;
    this.retention = mode
      ? {
          setRetainUntil: async (key, versionId, until) => {
            try {
              await this.#client.send(new PutObjectRetentionCommand({ Bucket: this.#bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), Retention: { Mode: mode, RetainUntilDate: until } }));
            } catch (e) {
              throw mapS3Error(e, `locking ${key}`);
            }
          },
          setLegalHold: async (key, versionId, on) => {
            try {
              await this.#client.send(new PutObjectLegalHoldCommand({ Bucket: this.#bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), LegalHold: { Status: on ? 'ON' : 'OFF' } }));
            } catch (e) {
              throw mapS3Error(e, `setting the legal hold of ${key}`);
            }
          },
        }
      : undefined;
  }

  /** Object Lock headers for a new version (S3 requires a checksum on such PUTs: every PUT of the store sends SHA-256). */
  headers(opts: BlobPutOptions): { ObjectLockMode?: LockMode; ObjectLockRetainUntilDate?: Date } {
    const mode = this.#mode;
    return mode && opts.retainUntil && opts.retainUntil.getTime() > Date.now() ? { ObjectLockMode: mode, ObjectLockRetainUntilDate: opts.retainUntil } : {};
  }

  /** Object Lock retention (COMPLIANCE) for one version; false when the bucket has no Object Lock configured. */
  async retain(key: string, versionId: string | null, until: Date): Promise<boolean> {
    // ask the bucket first: some S3 implementations accept a retention on a bucket without Object Lock and ignore it
    this.#enabled ??= this.#client
      .send(new GetObjectLockConfigurationCommand({ Bucket: this.#bucket }))
      .then((o) => o.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled', () => false);
    if (!(await this.#enabled)) return false;
    try {
      await this.#client.send(new PutObjectRetentionCommand({ Bucket: this.#bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}), Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }));
      return true;
    } catch (e) {
      const name = errorName(e);
      if (name === 'InvalidRequest' || name === 'ObjectLockConfigurationNotFoundError' || name === 'InvalidBucketState' || httpStatus(e) === 400) return false;
      throw mapS3Error(e, `setting retention on ${key}`);
    }
  }
}
