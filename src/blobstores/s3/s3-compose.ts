import { buffer } from 'node:stream/consumers';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand, type S3Client } from '@aws-sdk/client-s3';
import { AppError } from '../../domain/errors.ts';
import type { BlobComposer, BlobPutOptions, BlobPutResult, ComposeState } from '../../domain/ports.ts';
import { describe, errorName, mapS3Error } from './errors.ts';

/** S3's smallest part but the last. */
const MIN_PART = 5 * 1024 * 1024;

interface Part {
  n: number;
  etag: string;
  sha256: string | null;
  size: number;
}

interface S3State {
  uploadId: string;
  /** Parts uploaded and counted, in order. */
  parts: Part[];
  /** Counted bytes too few for a part of their own (under 5 MiB, not the end): small objects under the prefix. */
  pending: { key: string; size: number }[];
}

const s3State = (s: ComposeState): S3State => s.store as unknown as S3State;

export interface S3ComposeHost {
  client: S3Client;
  bucket: string;
  partSize: number;
  queueSize: number;
  /** SSE (and the like) for CreateMultipartUpload, as for every put. */
  createParams(): Record<string, unknown>;
  put(key: string, body: Readable, opts: BlobPutOptions): Promise<BlobPutResult>;
  get(key: string, versionId: string | null): Promise<Readable>;
}

/**
 * S3's composing: one multipart upload under the document's key, started with the upload; each PATCH's bytes go up as
 * its next parts (8 MiB each, up to four in flight, each with the SHA-256 the store checks), and the commit completes
 * it (CompleteMultipartUpload names every part by ETag and checksum, so a part replaced meanwhile is refused). S3
 * wants every part but the last to hold at least 5 MiB: bytes of a PATCH that end short of that (small PATCHes,
 * allowed down to QUILL_TUS_MIN_PATCH_BYTES) wait as small objects under the upload's prefix and are read back into
 * the next part, so each of those bytes is written twice; PATCHes of whole parts (8 MiB, the page's) never are.
 * Memory: at most the part being filled plus the parts in flight, as for put().
 */
export class S3Composer implements BlobComposer {
  readonly #h: S3ComposeHost;

  constructor(host: S3ComposeHost) {
    this.#h = host;
  }

  async start(key: string, o: { prefix: string; length: number; contentType: string }): Promise<ComposeState> {
    try {
      const out = await this.#h.client.send(new CreateMultipartUploadCommand({ Bucket: this.#h.bucket, Key: key, ContentType: o.contentType, ChecksumAlgorithm: 'SHA256', ...this.#h.createParams() }));
      if (!out.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
      return { key, prefix: o.prefix, length: o.length, size: 0, holds: [], store: { uploadId: out.UploadId, parts: [], pending: [] } satisfies S3State };
    } catch (e) {
      throw mapS3Error(e, `starting ${key}`);
    }
  }

  async append(state: ComposeState, body: Readable): Promise<ComposeState> {
    const s = s3State(state);
    const part = this.#h.partSize;
    let pending = s.pending;
    let pendingSize = pending.reduce((n, p) => n + p.size, 0);
    let next = s.parts.length + 1;
    const uploaded: Part[] = [];
    const inflight = new Set<Promise<void>>();
    let failure: unknown = null;
    let buf: Buffer[] = [];
    let buffered = 0;
    let received = 0;

    const send = async (data: Buffer) => {
      const p: Promise<void> = this.#uploadPart(state, next++, data).then(
        (done) => void uploaded.push(done),
        (e: unknown) => void (failure ??= e),
      );
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      if (inflight.size >= this.#h.queueSize) await Promise.race(inflight);
      if (failure) throw failure;
    };
    const takeAll = (): Buffer => {
      const all = buf.length === 1 ? buf[0]! : Buffer.concat(buf, buffered);
      buf = [];
      buffered = 0;
      return all;
    };
    // the waiting bytes go first into the next part, read back only when a part is due
    const takePending = async () => {
      if (!pending.length) return;
      const old = await Promise.all(pending.map(async (p) => buffer(await this.#h.get(p.key, null))));
      buf.unshift(...old);
      buffered += pendingSize;
      pending = [];
      pendingSize = 0;
    };

    try {
      for await (const chunk of body) {
        const c = chunk as Buffer;
        received += c.length;
        if (state.size + received > state.length) throw new AppError('payload_too_large', 'more bytes than the upload\'s length');
        buf.push(c);
        buffered += c.length;
        if (pendingSize + buffered >= part) {
          await takePending();
          let all = takeAll();
          while (all.length >= part) {
            await send(all.subarray(0, part));
            all = all.subarray(part);
          }
          if (all.length) {
            buf = [all];
            buffered = all.length;
          }
        }
      }
      const size = state.size + received;
      if (size === state.length || pendingSize + buffered >= MIN_PART) {
        await takePending();
        if (buffered) await send(takeAll());
      }
      while (inflight.size) await Promise.race(inflight);
      if (failure) throw failure;
      if (buffered) {
        const key = `${state.prefix}pending-${String(size).padStart(16, '0')}-${randomUUID()}`;
        const bytes = takeAll();
        await this.#h.put(key, Readable.from([bytes]), { contentType: 'application/octet-stream' });
        pending = [...pending, { key, size: bytes.length }];
      }
      const parts = [...s.parts, ...uploaded.sort((a, b) => a.n - b.n)];
      return { ...state, size, holds: pending.map((p) => p.key), store: { uploadId: s.uploadId, parts, pending } satisfies S3State };
    } catch (e) {
      await Promise.allSettled([...inflight]);
      if (!body.destroyed) body.destroy();
      throw mapS3Error(e, `appending to ${state.key}`);
    }
  }

  async #uploadPart(state: ComposeState, n: number, data: Buffer): Promise<Part> {
    const out = await this.#h.client.send(
      new UploadPartCommand({ Bucket: this.#h.bucket, Key: state.key, UploadId: s3State(state).uploadId, PartNumber: n, Body: data, ContentLength: data.length, ChecksumAlgorithm: 'SHA256' }),
    );
    if (!out.ETag) throw new Error(`UploadPart ${n} returned no ETag`);
    return { n, etag: out.ETag, sha256: out.ChecksumSHA256 ?? null, size: data.length };
  }

  async finish(state: ComposeState): Promise<BlobPutResult> {
    const s = s3State(state);
    if (state.size !== state.length || s.pending.length) throw new AppError('validation_failed', `the composed object has ${state.size} of its ${state.length} bytes`);
    try {
      const out = await this.#h.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.#h.bucket,
          Key: state.key,
          UploadId: s.uploadId,
          MultipartUpload: { Parts: s.parts.map((p) => ({ PartNumber: p.n, ETag: p.etag, ...(p.sha256 ? { ChecksumSHA256: p.sha256 } : {}) })) },
        }),
      );
      return { versionId: out.VersionId ?? null };
    } catch (e) {
      // a part missing or not the one uploaded (its ETag or checksum differs), or the upload gone: not the bytes counted
      if (['InvalidPart', 'InvalidPartOrder', 'NoSuchUpload', 'BadDigest'].includes(errorName(e))) {
        throw new AppError('integrity_failure', `the store no longer holds the parts of ${state.key} as they were received: ${describe(e)}`, {}, { cause: e });
      }
      throw mapS3Error(e, `finishing ${state.key}`);
    }
  }

  async abandon(state: ComposeState): Promise<void> {
    try {
      await this.#h.client.send(new AbortMultipartUploadCommand({ Bucket: this.#h.bucket, Key: state.key, UploadId: s3State(state).uploadId }));
    } catch (e) {
      const mapped = mapS3Error(e, `abandoning ${state.key}`);
      if (!(mapped instanceof AppError && mapped.code === 'not_found')) throw mapped;
    }
  }
}

