import { randomUUID } from 'node:crypto';
import { recordAudit } from '../audit/audit-log.ts';
import type { AuditAction } from '../audit/audit-event.ts';
import { audited, type AuditTarget } from '../audit/audited.ts';
import { principalOf, requirePatient, requirePermission } from '../auth/permissions.ts';
import { openUploadsLock, xactLock } from '../db/advisory-lock.ts';
import type { DocumentWithVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { BlobStore } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';
import { resolveMetadata } from '../documents/metadata.ts';
import { visibleDocument } from '../documents/access.ts';
import { commitUpload } from './commit-upload.ts';
import { expireUploads } from './expire-uploads.ts';
import type { ResumableUploadsOptions } from './options.ts';
import { appendBytes } from './append-bytes.ts';
import type { AppendInput } from './receive-part.ts';
import * as repo from './repository.ts';
import type { ResumableUpload } from './repository.ts';
import { ownUpload, requireReceiving } from './upload-access.ts';
import { declaredType, pickMetadata, toNewMetadata } from './upload-metadata.ts';
import { discardUploadObjects } from './upload-parts.ts';

/**
 * tus 1.0 resumable uploads (creation, termination, checksum, expiration) over our own blob stores and protocol:
 * the use cases, each audited. The steps live beside this file: append-bytes.ts and receive-part.ts (a PATCH's bytes
 * onto the object the store puts together), carried-hash.ts (the file's hash between PATCHes), commit-upload.ts (that
 * object into a document), upload-parts.ts (working objects in the store), expire-uploads.ts.
 *
 * Why not @tus/server: its DataStores (FileStore, S3Store, AzureStore) own their key layout and keep upload state
 * in their own info files or KV store, and its hooks run around a store write we cannot put our checks into. We
 * need the state in PostgreSQL (any instance resumes), the bytes through our BlobStore port (SSE, versioning, the
 * store chosen by QUILL_BLOB_STORE), the type check on the first bytes, and the final document written by the same
 * intent → bytes → one-transaction commit as every other upload. A custom DataStore plus a custom KV store plus
 * hooks would be most of this module again, with the tus library's own state on top; the protocol itself is five
 * small handlers.
 *
 * How: every PATCH streams its body onto the end of one object the store puts together under the document's future
 * key (BlobComposer: fs appends to one file, S3 uploads parts of one multipart upload, Azure stages blocks), carrying
 * the file's SHA-256 and SHA-1 from PATCH to PATCH (carried-hash.ts); a compare-and-set on the offset in PostgreSQL
 * makes it count (append-bytes.ts). A dropped connection keeps what arrived (unless the request carried an
 * Upload-Checksum, which can then not be checked). When the offset reaches Upload-Length, the object becomes the
 * document's bytes where it is, by the intent → bytes → one-transaction commit of every other upload
 * (commit-upload.ts): no byte is copied, and none is read back unless the carried hash was lost or scanning is on.
 */
export class ResumableUploads {
  readonly #o: ResumableUploadsOptions;

  constructor(o: ResumableUploadsOptions) {
    this.#o = o;
  }

  get maxUploadBytes(): number {
    return this.#o.maxUploadBytes;
  }

  /** The fewest bytes a PATCH may carry unless it ends the upload (advertised as Quill-Min-Patch-Size). */
  get minPatchBytes(): number {
    return this.#o.minPatchBytes;
  }

  async create(ctx: RequestContext, length: number, metadata: Record<string, string>): Promise<ResumableUpload> {
    const target: AuditTarget = {};
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
      // counted and created one at a time per user (a transaction lock), so uploads created at once cannot pass the cap
      return this.#o.sql.begin(async (tx) => {
        await xactLock(tx, openUploadsLock(p.sub));
        const open = await repo.countOpenUploads(tx, p.sub);
        if (open >= this.#o.maxOpenUploads) {
          throw new AppError('too_many_open_uploads', `you have ${open} resumable uploads open (at most ${this.#o.maxOpenUploads}); finish one, or abandon it with DELETE`, { limit: this.#o.maxOpenUploads });
        }
        const upload = await repo.insertUpload(tx, {
          id: randomUUID(),
          createdBy: p.sub,
          patient,
          targetDocumentId,
          metadata: meta as Record<string, string>,
          length,
          blobStore: this.#o.blobs.live.kind,
          expiryHours: this.#o.expiryHours,
        });
        await recordAudit(tx, ctx, { action: 'upload.create', outcome: 'success', ...target, detail: { upload: upload.id, length } });
        return upload;
      });
    });
  }

  /** HEAD: where the upload stands. Committed uploads answer with their full length (and the document). */
  async status(ctx: RequestContext, id: string): Promise<ResumableUpload> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'upload.status', target, async () => {
      const upload = await ownUpload(this.#o.sql, ctx, id, target);
      if (upload.state !== 'committed') requireReceiving(upload);
      return upload;
    });
  }

  async terminate(ctx: RequestContext, id: string): Promise<void> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'upload.terminate', target, async () => {
      const upload = await ownUpload(this.#o.sql, ctx, id, target);
      requireReceiving(upload);
      if (!(await repo.finishUpload(this.#o.sql, id, { state: 'terminated' }))) throw new AppError('upload_gone');
      await discardUploadObjects(this.#o, upload);
      await recordAudit(this.#o.sql, ctx, { action: 'upload.terminate', outcome: 'success', ...target, detail: { upload: id, received: upload.offset } });
    });
  }

  /** PATCH: one more run of bytes at input.offset; commits the document once the last byte is in. */
  async append(ctx: RequestContext, id: string, input: AppendInput): Promise<{ upload: ResumableUpload; committed: DocumentWithVersion | null }> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'upload.append', target, async () => {
      let upload = await ownUpload(this.#o.sql, ctx, id, target);
      requireReceiving(upload);
      if (input.contentType?.split(';')[0]?.trim().toLowerCase() !== 'application/offset+octet-stream') {
        throw new AppError('unsupported_media_type', 'a PATCH body must have Content-Type application/offset+octet-stream');
      }
      if (input.offset !== upload.offset) {
        throw new AppError('upload_offset_conflict', `the upload is at offset ${upload.offset}`, { offset: upload.offset });
      }
      // an upload started before migration 019 that has all its bytes still needs them read into one object
      if (upload.offset < upload.length || !upload.compose) {
        upload = await appendBytes(this.#o, ctx, upload, input, target);
      } else {
        input.body.resume(); // a retried commit carries no bytes; drain whatever came
      }
      if (upload.offset < upload.length) return { upload, committed: null };
      const committed = await commitUpload(this.#o, ctx, upload);
      return { upload: (await repo.findUpload(this.#o.sql, id))!, committed };
    });
  }

  /** Removes the parts of expired uploads in one store (for `reconcile`); returns how many uploads expired. */
  async expire(store: BlobStore): Promise<{ expired: number; partsRemoved: number; errors: string[] }> {
    return expireUploads(this.#o.sql, store, this.#o.log);
  }

  #audited<T>(ctx: RequestContext, action: AuditAction, target: AuditTarget, fn: () => Promise<T>): Promise<T> {
    return audited(this.#o.sql, this.#o.log, ctx, action, target, fn);
  }
}
