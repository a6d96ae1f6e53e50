import { GetObjectLockConfigurationCommand, PutObjectLegalHoldCommand, PutObjectRetentionCommand, type S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../domain/errors.ts';
import type { BlobPutOptions, StoreRetention } from '../../domain/ports.ts';
import { errorName, httpStatus, mapS3Error } from './errors.ts';

type LockMode = 'GOVERNANCE' | 'COMPLIANCE';

/**
 * S3 Object Lock on one bucket, every use of it: document versions written locked and their locks extended in the
 * configured mode (QUILL_S3_OBJECT_LOCK_MODE), legal holds mirrored, and write-once records (audit-chain anchors) in
 * COMPLIANCE mode wherever the bucket has Object Lock, configured or not.
 */
export class S3ObjectLock implements StoreRetention {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #mode: LockMode | null;
  #enabled: Promise<boolean> | undefined;

  constructor(client: S3Client, bucket: string, mode: LockMode | null) {
    this.#client = client;
    this.#bucket = bucket;
    this.#mode = mode;
  }

  get locksDocuments(): boolean {
    return this.#mode !== null;
  }

  /** Object Lock headers for a new document version (S3 requires a checksum on such PUTs: the store sends SHA-256). */
  headers(opts: BlobPutOptions): { ObjectLockMode?: LockMode; ObjectLockRetainUntilDate?: Date } {
    const mode = this.#mode;
    return mode && opts.retainUntil && opts.retainUntil.getTime() > Date.now() ? { ObjectLockMode: mode, ObjectLockRetainUntilDate: opts.retainUntil } : {};
  }

  async setRetainUntil(key: string, versionId: string | null, until: Date): Promise<void> {
    const mode = this.#documentMode();
    try {
      await this.#client.send(new PutObjectRetentionCommand({ Bucket: this.#bucket, Key: key, ...version(versionId), Retention: { Mode: mode, RetainUntilDate: until } }));
    } catch (e) {
      throw mapS3Error(e, `locking ${key}`);
    }
  }

  async setLegalHold(key: string, versionId: string | null, on: boolean): Promise<void> {
    this.#documentMode();
    try {
      await this.#client.send(new PutObjectLegalHoldCommand({ Bucket: this.#bucket, Key: key, ...version(versionId), LegalHold: { Status: on ? 'ON' : 'OFF' } }));
    } catch (e) {
      throw mapS3Error(e, `setting the legal hold of ${key}`);
    }
  }

  async writeOnce(key: string, versionId: string | null, until: Date): Promise<boolean> {
    // ask the bucket first: some S3 implementations accept a retention on a bucket without Object Lock and ignore it
    this.#enabled ??= this.#client
      .send(new GetObjectLockConfigurationCommand({ Bucket: this.#bucket }))
      .then((o) => o.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled', () => false);
    if (!(await this.#enabled)) return false;
    try {
      await this.#client.send(new PutObjectRetentionCommand({ Bucket: this.#bucket, Key: key, ...version(versionId), Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }));
      return true;
    } catch (e) {
      const name = errorName(e);
      if (name === 'InvalidRequest' || name === 'ObjectLockConfigurationNotFoundError' || name === 'InvalidBucketState' || httpStatus(e) === 400) return false;
      throw mapS3Error(e, `setting retention on ${key}`);
    }
  }

  #documentMode(): LockMode {
    if (!this.#mode) throw new AppError('internal_error', `documents are not locked in bucket ${this.#bucket} (QUILL_S3_OBJECT_LOCK_MODE is not set)`);
    return this.#mode;
  }
}

const version = (versionId: string | null) => (versionId ? { VersionId: versionId } : {});
