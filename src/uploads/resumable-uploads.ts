import { createHash, randomUUID, type Hash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.ts';
import type { AuditAction } from '../audit/audit-event.ts';
import { audited, type AuditTarget } from '../audit/audited.ts';
import { principalOf, requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Sql } from '../db/sql.ts';
import type { DocumentWithVersion, NewDocumentMetadata } from '../domain/document.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import { UPLOAD_FIELD_MAX_LENGTH } from '../domain/upload-fields.ts';
import type { BlobStore, BlobStores } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';
import { resolveMetadata } from '../documents/metadata.ts';
import { visibleDocument } from '../documents/access.ts';
import type { DocumentService } from '../documents/service.ts';
import { TypeSniffer } from '../documents/type-sniffer.ts';
import * as repo from './repository.ts';
import type { ResumableUpload, UploadPart } from './repository.ts';
import type { ChecksumAlgorithm } from './tus-headers.ts';

/** The Upload-Metadata keys we read: the multipart form's fields, plus what tus clients send by habit. */
export const METADATA_KEYS = ['patient', 'type', 'category', 'title', 'description', 'date', 'author', 'sha256', 'filename', 'filetype', 'document'] as const;

export interface ResumableUploadsOptions {
  sql: Sql;
  blobs: BlobStores;
  documents: DocumentService;
  log: Logger;
  valueSet: DocumentValueSet;
  allowedContentTypes: string[];
  maxUploadBytes: number;
  expiryHours: number;
}

export interface AppendInput {
  offset: number;
  contentType: string | undefined;
  checksum: { algorithm: ChecksumAlgorithm; digest: Buffer } | null;
  /** The request body: an http.IncomingMessage, read here so a dropped connection keeps what arrived. */
  body: Readable & { complete?: boolean };
}

/**
 * tus 1.0 resumable uploads (creation, termination, checksum, expiration) over our own blob stores and protocol.
 *
 * Why not @tus/server: its DataStores (FileStore, S3Store, AzureStore) own their key layout and keep upload state
 * in their own info files or KV store, and its hooks run around a store write we cannot put our checks into. We
 * need the state in PostgreSQL (any instance resumes), the bytes through our BlobStore port (SSE, versioning, the
 * store chosen by QUILL_BLOB_STORE), the type check on the first bytes, and the final document written by the same
 * intent → bytes → one-transaction commit as every other upload. A custom DataStore plus a custom KV store plus
 * hooks would be most of this file again, with the tus library's own state on top; the protocol itself is five
 * small handlers.
 *
 * How: every PATCH streams its body into one new object `uploads/<id>/<offset>-<uuid>` in the live store (flat
 * memory; fs writes a temp file and renames, S3 a multipart upload, Azure staged blocks), then a compare-and-set on
 * the offset in PostgreSQL makes it count. A dropped connection keeps what arrived (unless the request carried an
 * Upload-Checksum, which can then not be checked). When the offset reaches Upload-Length, the parts are read back in
 * order as one stream into DocumentService.create / addVersion, which hashes (SHA-256 and SHA-1), re-checks type
 * and size, writes the final object under a fresh key with an upload intent, and commits metadata, version, audit,
 * built-in FHIR index and outbox in one transaction. Then the parts are removed.
 *
 * Whole-file SHA-256 across requests and restarts: Node's crypto hash state cannot be serialised, so instead of
 * carrying a hash state between requests the final commit re-reads the stored parts and hashes them in the one pass
 * that writes the document's object. The cost is one extra read of the parts, which that commit needs anyway to
 * write a single object; the gain is that no state outside PostgreSQL and the store exists, and the digest is
 * computed over the bytes actually kept, by the same code as every other upload.
 */
export class ResumableUploads {
  readonly #o: ResumableUploadsOptions;

  constructor(o: ResumableUploadsOptions) {
    this.#o = o;
  }

  get maxUploadBytes(): number {
    return this.#o.maxUploadBytes;
  }

  async create(ctx: RequestContext, length: number, metadata: Record<string, string>): Promise<ResumableUpload> {
    const target: Target = {};
    return this.#audited(ctx, 'upload.create', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:write');
      const meta = pickMetadata(metadata);
      let patient: string;
      let targetDocumentId: string | null = null;
      if (meta.document) {
        if (!/^[0-9a-f-]{36}$/i.test(meta.document)) throw new AppError('validation_failed', 'document must be a document id', { field: 'document' });
        target.documentId = meta.document;
        const doc = await visibleDocument(this.#o.sql, p, meta.document, target);
        if (doc.status === 'entered-in-error') throw new AppError('document_entered_in_error');
        patient = doc.patient;
        targetDocumentId = doc.id;
      } else {
        const m = resolveMetadata(toNewMetadata(meta), this.#o.valueSet);
        target.patient = m.patient;
        requirePatient(p, m.patient);
        patient = m.patient;
      }
      if (length === 0) throw new AppError('empty_body');
      if (length > this.#o.maxUploadBytes) throw new AppError('payload_too_large', `the upload limit is ${this.#o.maxUploadBytes} bytes`, { limit: this.#o.maxUploadBytes });
      if (meta.sha256 !== undefined && !/^[0-9a-f]{64}$/i.test(meta.sha256)) throw new AppError('invalid_digest_header', 'sha256 must be 64 hex digits', { field: 'sha256' });
      const declared = declaredType(meta.filetype);
      if (declared && !this.#o.allowedContentTypes.includes(declared)) {
        throw new AppError('unsupported_media_type', `accepted types are ${this.#o.allowedContentTypes.join(', ')}`, { detected: declared });
      }
      const upload = await repo.insertUpload(this.#o.sql, {
        id: randomUUID(),
        createdBy: p.sub,
        patient,
        targetDocumentId,
        metadata: meta as Record<string, string>,
        length,
        blobStore: this.#o.blobs.live.kind,
        expiryHours: this.#o.expiryHours,
      });
      await recordAudit(this.#o.sql, ctx, { action: 'upload.create', outcome: 'success', ...target, detail: { upload: upload.id, length } });
      return upload;
    });
  }

  /** HEAD: where the upload stands. Committed uploads answer with their full length (and the document). */
  async status(ctx: RequestContext, id: string): Promise<ResumableUpload> {
    const target: Target = {};
    return this.#audited(ctx, 'upload.status', target, async () => {
      const upload = await this.#own(ctx, id, target);
      if (upload.state !== 'committed') this.#requireReceiving(upload);
      return upload;
    });
  }

  async terminate(ctx: RequestContext, id: string): Promise<void> {
    const target: Target = {};
    return this.#audited(ctx, 'upload.terminate', target, async () => {
      const upload = await this.#own(ctx, id, target);
      this.#requireReceiving(upload);
      if (!(await repo.finishUpload(this.#o.sql, id, { state: 'terminated' }))) throw new AppError('upload_gone');
      await this.#removeParts(upload);
      await recordAudit(this.#o.sql, ctx, { action: 'upload.terminate', outcome: 'success', ...target, detail: { upload: id, received: upload.offset } });
    });
  }

  /** PATCH: one more run of bytes at input.offset; commits the document once the last byte is in. */
  async append(ctx: RequestContext, id: string, input: AppendInput): Promise<{ upload: ResumableUpload; committed: DocumentWithVersion | null }> {
    const target: Target = {};
    return this.#audited(ctx, 'upload.append', target, async () => {
      let upload = await this.#own(ctx, id, target);
      this.#requireReceiving(upload);
      if (input.contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/offset+octet-stream') {
        throw new AppError('unsupported_media_type', 'a PATCH body must have Content-Type application/offset+octet-stream');
      }
      if (input.offset !== upload.offset) {
        throw new AppError('upload_offset_conflict', `the upload is at offset ${upload.offset}`, { offset: upload.offset });
      }
      if (upload.offset < upload.length) {
        const part = await this.#receivePart(upload, input);
        if (part) {
          if (!(await repo.appendPart(this.#o.sql, id, upload.offset, part, this.#o.expiryHours))) {
            await this.#deletePart(upload, part);
            throw new AppError('upload_offset_conflict', 'another request moved this upload on first; ask for its offset (HEAD) and resume');
          }
        }
        upload = (await repo.findUpload(this.#o.sql, id))!;
      } else {
        input.body.resume(); // a retried commit carries no bytes; drain whatever came
      }
      if (upload.offset < upload.length) return { upload, committed: null };
      const committed = await this.#commit(ctx, upload);
      return { upload: (await repo.findUpload(this.#o.sql, id))!, committed };
    });
  }

  /** Removes the parts of expired uploads (for `reconcile`); returns how many uploads expired. */
  async expire(store: BlobStore): Promise<{ expired: number; partsRemoved: number; errors: string[] }> {
    return expireUploads(this.#o.sql, store, this.#o.log);
  }

  // ---- internals ----

  async #own(ctx: RequestContext, id: string, target: Target): Promise<ResumableUpload> {
    const p = principalOf(ctx);
    requirePermission(p, 'document:write');
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('not_found', `no upload ${id}`);
    const upload = await repo.findUpload(this.#o.sql, id);
    if (!upload) throw new AppError('not_found', `no upload ${id}`);
    target.patient = upload.patient;
    target.documentId = upload.documentId ?? upload.targetDocumentId;
    // Only the user who started an upload may see or continue it; scope is checked again with the current token.
    if (upload.createdBy !== p.sub) throw new AppError('forbidden', 'this upload was started by another user');
    requirePatient(p, upload.patient);
    return upload;
  }

  #requireReceiving(upload: ResumableUpload): void {
    if (upload.state !== 'receiving') throw new AppError('upload_gone', `the upload is ${upload.state}${upload.errorCode ? ` (${upload.errorCode})` : ''}`, { state: upload.state });
    if (upload.expiresAt.getTime() <= Date.now()) throw new AppError('upload_gone', 'the upload has expired', { state: 'expired' });
  }

  /** Streams this request's bytes into a new part object. Null when nothing was kept. */
  async #receivePart(upload: ResumableUpload, input: AppendInput): Promise<UploadPart | null> {
    const store = await this.#o.blobs.of(upload.blobStore);
    const key = `uploads/${upload.id}/${String(upload.offset).padStart(16, '0')}-${randomUUID()}`;
    const counter = new PartCounter(upload.length - upload.offset, input.checksum?.algorithm ?? null);
    // The first bytes of the file: refuse a wrong type now rather than after the whole file has arrived.
    const sniffer = upload.offset === 0 ? new TypeSniffer(this.#o.allowedContentTypes, declaredType(upload.metadata.filetype)) : null;
    feed(input.body, counter, { keepPartial: !input.checksum });
    const source = sniffer ?? counter;
    // A store that gives up (often before reading a byte) must not leave the checks waiting for a reader: destroy
    // what it was reading, which fails the checks' pipeline and lets feed() drain the request (issue 8).
    const put = store.put(key, source, { contentType: 'application/octet-stream' }).catch((e: unknown) => {
      if (!source.destroyed) source.destroy();
      throw e;
    });
    const [piped, stored] = await Promise.allSettled([sniffer ? pipeline(counter, sniffer) : Promise.resolve(), put]);
    if (piped.status === 'rejected' || stored.status === 'rejected') {
      // the checks' own refusal first; else the store's error (the checks then only saw their stream destroyed)
      const e = piped.status === 'rejected' && (isAppError(piped.reason) || stored.status !== 'rejected') ? piped.reason : (stored as PromiseRejectedResult).reason;
      const err = isAppError(e) ? e : isAppError((e as { cause?: unknown })?.cause) ? ((e as { cause: AppError }).cause) : null;
      if (err && (err.code === 'unsupported_media_type' || err.code === 'content_type_mismatch')) {
        // The file itself is wrong: no resume can fix it.
        await repo.finishUpload(this.#o.sql, upload.id, { state: 'failed', errorCode: err.code });
        await this.#removeParts(upload);
      }
      throw err ?? e;
    }
    const part: UploadPart = { key, versionId: stored.value.versionId, offset: upload.offset, size: counter.size };
    if (counter.size === 0) {
      await this.#deletePart(upload, part);
      return null;
    }
    if (input.checksum && !counter.digest()!.equals(input.checksum.digest)) {
      await this.#deletePart(upload, part);
      throw new AppError('checksum_mismatch', `the ${input.checksum.algorithm} of this request's bytes does not match Upload-Checksum`);
    }
    return part;
  }

  /** The last byte is in: parts → one stream → the documents commit (intent, bytes, one transaction). */
  async #commit(ctx: RequestContext, upload: ResumableUpload): Promise<DocumentWithVersion> {
    if (!(await repo.claimCommit(this.#o.sql, upload.id, 3600))) {
      throw new AppError('upload_offset_conflict', 'this upload is being committed by another request');
    }
    const store = await this.#o.blobs.of(upload.blobStore);
    const meta = upload.metadata;
    const input = {
      body: Readable.from(concatParts(store, upload.parts)),
      declaredType: declaredType(meta.filetype),
      filename: meta.filename ?? null,
      expectedSha256: meta.sha256 ? Buffer.from(meta.sha256, 'hex') : null,
      sizeHint: upload.length,
    };
    let result: DocumentWithVersion;
    try {
      result = upload.targetDocumentId ? await this.#o.documents.addVersion(ctx, upload.targetDocumentId, input) : await this.#o.documents.create(ctx, toNewMetadata(meta), input);
    } catch (e) {
      if (isAppError(e) && e.status < 500) {
        // digest mismatch, wrong type, no longer permitted…: final. The parts go; the refusal is already audited.
        await repo.finishUpload(this.#o.sql, upload.id, { state: 'failed', errorCode: e.code });
        await this.#removeParts(upload);
      } else {
        // storage or database trouble: keep the parts, so an empty PATCH at the full offset retries the commit
        await repo.releaseCommit(this.#o.sql, upload.id).catch(() => undefined);
      }
      throw e;
    }
    await repo.finishUpload(this.#o.sql, upload.id, { state: 'committed', documentId: result.document.id, documentVersion: result.version.version });
    await this.#removeParts(upload);
    return result;
  }

  async #deletePart(upload: ResumableUpload, part: UploadPart): Promise<void> {
    try {
      await (await this.#o.blobs.of(upload.blobStore)).delete(part.key, part.versionId);
    } catch (e) {
      this.#o.log.warn({ err: e, key: part.key }, 'could not remove an upload part; reconcile will');
    }
  }

  /** Every object under the upload's prefix, listed ones or not (a crashed request may have left one). */
  async #removeParts(upload: ResumableUpload): Promise<void> {
    try {
      await removeUploadObjects(await this.#o.blobs.of(upload.blobStore), upload.id);
    } catch (e) {
      this.#o.log.warn({ err: e, upload: upload.id }, 'could not remove upload parts; reconcile will');
    }
  }

  #audited<T>(ctx: RequestContext, action: AuditAction, target: Target, fn: () => Promise<T>): Promise<T> {
    return audited(this.#o.sql, this.#o.log, ctx, action, target, fn);
  }
}

type Target = AuditTarget;

type UploadMetadata = Partial<Record<(typeof METADATA_KEYS)[number], string>>;

/** The simple upload's limits (domain/upload-fields.ts), and those of the keys only tus sends. */
const MAX_LENGTH: Partial<Record<(typeof METADATA_KEYS)[number], number>> = { ...UPLOAD_FIELD_MAX_LENGTH, filetype: 200, sha256: 64, document: 36 };

function pickMetadata(m: Record<string, string>): UploadMetadata {
  const out: UploadMetadata = {};
  for (const k of METADATA_KEYS) if (m[k] !== undefined && m[k] !== '') out[k] = m[k];
  // tus-js-client and Uppy examples send `name` for the file; ours is filename (and `type` is the document type)
  if (!out.filename && m.name) out.filename = m.name;
  for (const [k, v] of Object.entries(out)) {
    const max = MAX_LENGTH[k as keyof typeof MAX_LENGTH];
    if (max !== undefined && v.length > max) throw new AppError('validation_failed', `Upload-Metadata ${k} is longer than ${max} characters`, { field: k });
  }
  return out;
}

function toNewMetadata(m: UploadMetadata): NewDocumentMetadata {
  return { patient: m.patient ?? '', type: m.type ?? '', title: m.title ?? '', description: m.description, category: m.category, date: m.date, author: m.author };
}

function declaredType(filetype: string | undefined): string | null {
  const t = filetype?.split(';')[0]?.trim().toLowerCase();
  return !t || t === 'application/octet-stream' ? null : t;
}

async function* concatParts(store: BlobStore, parts: UploadPart[]): AsyncGenerator<Buffer> {
  for (const part of [...parts].sort((a, b) => a.offset - b.offset)) {
    for await (const chunk of await store.get(part.key, part.versionId)) yield chunk as Buffer;
  }
}

export async function removeUploadObjects(store: BlobStore, uploadId: string): Promise<number> {
  let n = 0;
  for await (const obj of store.list(`uploads/${uploadId}/`)) {
    await store.delete(obj.key, obj.versionId);
    n++;
  }
  return n;
}

/** Marks uploads past their expiry as expired and removes their parts. Used by `reconcile`. */
export async function expireUploads(sql: Sql, store: BlobStore, log: Logger): Promise<{ expired: number; partsRemoved: number; errors: string[] }> {
  const out = { expired: 0, partsRemoved: 0, errors: [] as string[] };
  for (const u of await repo.expiredUploads(sql, store.kind)) {
    try {
      if (!(await repo.finishUpload(sql, u.id, { state: 'expired' }))) continue;
      out.partsRemoved += await removeUploadObjects(store, u.id);
      out.expired++;
      log.info({ upload: u.id, received: u.offset, length: u.length }, 'expired resumable upload removed');
    } catch (e) {
      out.errors.push(`upload ${u.id}: ${(e as Error).message}`);
    }
  }
  return out;
}

/**
 * Pipes an http request body into dest by hand, because stream.pipeline would destroy dest when the client drops
 * the connection. With keepPartial the bytes that did arrive are ended normally, so the store keeps them and the
 * client resumes from there (tus: the server should keep as much as it received).
 */
function feed(body: Readable & { complete?: boolean }, dest: Transform, o: { keepPartial: boolean }): void {
  let done = false;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    body.off('data', onData);
    if (err && !o.keepPartial) dest.destroy(err);
    else dest.end();
  };
  const onData = (chunk: Buffer) => {
    // once the checks or the store gave up, discard the rest: writing to a destroyed stream returns false and no
    // 'drain' ever follows, which left the body paused and the keep-alive connection stalled for the next request
    if (dest.destroyed) return;
    if (!dest.write(chunk)) body.pause();
  };
  dest.on('drain', () => body.resume());
  dest.on('error', () => body.resume()); // keep reading so the socket is not left stalled
  body.on('data', onData);
  body.on('end', () => finish());
  body.on('error', (e) => finish(e));
  body.on('close', () => finish(body.complete === false ? new AppError('upload_aborted') : undefined));
}

/** Counts a part's bytes (never past what the upload still needs) and computes the Upload-Checksum digest. */
class PartCounter extends Transform {
  readonly #limit: number;
  readonly #hash: Hash | null;
  size = 0;

  constructor(limit: number, algorithm: ChecksumAlgorithm | null) {
    super();
    this.#limit = limit;
    this.#hash = algorithm ? createHash(algorithm) : null;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.#limit) {
      cb(new AppError('payload_too_large', 'the request carries more bytes than Upload-Length leaves', { limit: this.#limit }));
      return;
    }
    this.#hash?.update(chunk);
    cb(null, chunk);
  }

  digest(): Buffer | null {
    return this.#hash?.digest() ?? null;
  }
}
