// The baseline for an S3 store: the same bytes straight to or from the bucket with the SDK, the part size, queue size,
// checksum and SSE the service uses, and no service (no hashing of our own, no PostgreSQL, no HTTP hop).
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import { S3_PART_SIZE, S3_QUEUE_SIZE } from '../../src/blobstores/s3/s3-store.ts';

/** Uploads `file` under a new key: seconds, and the key and version for timeRawDownload. */
export async function timeRawUpload(client: S3Client, bucket: string, file: string): Promise<{ seconds: number; key: string; versionId: string | undefined }> {
  const key = `raw/${randomBytes(8).toString('hex')}`;
  const t = performance.now();
  const out = await new Upload({
    client,
    partSize: S3_PART_SIZE,
    queueSize: S3_QUEUE_SIZE,
    params: { Bucket: bucket, Key: key, Body: createReadStream(file), ContentType: 'application/pdf', ServerSideEncryption: 'AES256', ChecksumAlgorithm: 'SHA256' },
  }).done();
  return { seconds: (performance.now() - t) / 1000, key, versionId: out.VersionId };
}

/** Reads an object to the end (the bytes are dropped): seconds. */
export async function timeRawDownload(client: S3Client, bucket: string, key: string, versionId?: string): Promise<number> {
  const t = performance.now();
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
  for await (const _ of out.Body as Readable) {
    // drain
  }
  return (performance.now() - t) / 1000;
}
