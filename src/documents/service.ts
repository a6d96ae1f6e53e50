import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.ts';
import { outcomeOf, type AuditAction } from '../audit/audit-event.ts';
import { requirePatient, requirePermission, hasPermission } from '../auth/permissions.ts';
import type { Sql, Tx } from '../db/sql.ts';
import { databaseUnavailable } from '../db/errors.ts';
import type { DocumentRecord, DocumentVersion, DocumentWithVersion, NewDocumentMetadata } from '../domain/document.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { BlobStore, BlobStores } from '../domain/ports.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import { upsertBuiltin } from '../fhir/builtin-index.ts';
import { toDocumentReference } from '../fhir/document-reference.ts';
import { faultPoint } from './fault-points.ts';
import { HashingStream } from './hashing-stream.ts';
import { cleanFilename, resolveMetadata, validatePatient } from './metadata.ts';
import * as repo from './repository.ts';
import { TypeSniffer } from './type-sniffer.ts';
import { runUploadPipeline } from './upload-pipeline.ts';
import { VerifyingStream } from './verifying-stream.ts';

export interface DocumentServiceOptions {
  sql: Sql;
  blobs: BlobStores;
  log: Logger;
  valueSet: DocumentValueSet;
  allowedContentTypes: string[];
  maxUploadBytes: number;
  odsCode: string;
  downloadUrlTtl: number;
  downloadUrlMaxTtl: number;
  /** When a remote FHIR server is configured, each change also queues an outbox row for it. */
  remoteFhir: boolean;
  baseUrl: () => string;
  /** Called after a commit that queued FHIR outbox work. */
  onIndexWork?: () => void;
}

export interface UploadInput {
  body: Readable;
  /** null when the client did not declare a type (or declared application/octet-stream). */
  declaredType: string | null;
  filename: string | null;
  expectedSha256: Buffer | null;
}

export interface AuditTarget {
  documentId?: string | null;
  version?: number | null;
  patient?: string | null;
}

/**
 * The documents domain: every rule about who may do what to which document, and the upload protocol that keeps the
 * blob store, PostgreSQL and the FHIR index consistent without a distributed transaction:
 *   1. record an upload intent; 2. stream the bytes to a fresh key (hashing and type-checking in the same pass);
 *   3. in one transaction write metadata, version, audit row, built-in FHIR index and outbox row.
 * A crash between 1 and 3 leaves only bytes that no metadata points at, which `reconcile` removes.
 */
export class DocumentService {
  readonly #o: DocumentServiceOptions;

  constructor(o: DocumentServiceOptions) {
    this.#o = o;
  }

  get blobs(): BlobStores {
    return this.#o.blobs;
  }

  async create(ctx: RequestContext, meta: NewDocumentMetadata, input: UploadInput): Promise<DocumentWithVersion> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'document.create', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:write');
      target.patient = /^\d{10}$/.test(meta.patient ?? '') ? meta.patient : null;
      const m = resolveMetadata(meta, this.#o.valueSet);
      target.patient = m.patient;
      requirePatient(p, m.patient);
      const documentId = randomUUID();
      target.documentId = documentId;
      const stored = await this.#storeBytes(p, documentId, input);
      try {
        const result = await this.#o.sql.begin(async (tx) => {
          await repo.insertDocument(tx, { id: documentId, ...m, createdBy: p.sub, fhirState: this.#fhirState() });
          const version = { ...stored.version, version: 1 };
          await repo.insertVersion(tx, version);
          return this.#finishCommit(tx, ctx, 'document.create', documentId, stored.intentId);
        });
        target.version = 1;
        faultPoint('after-commit');
        return result;
      } catch (e) {
        await this.#discard(stored.intentId, stored.version.blobKey, stored.version.blobVersionId);
        throw e;
      }
    });
  }

  async addVersion(ctx: RequestContext, documentId: string, input: UploadInput): Promise<DocumentWithVersion> {
    const target: AuditTarget = { documentId };
    return this.#audited(ctx, 'document.version.create', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:write');
      const doc = await this.#visibleDocument(p, documentId, target);
      if (doc.status === 'entered-in-error') throw new AppError('document_entered_in_error');
      const stored = await this.#storeBytes(p, documentId, input);
      try {
        const result = await this.#o.sql.begin(async (tx) => {
          const locked = await repo.findDocument(tx, documentId, { forUpdate: true });
          if (!locked || locked.status !== 'current') throw new AppError('document_entered_in_error');
          const version = locked.currentVersion + 1;
          target.version = version;
          await repo.insertVersion(tx, { ...stored.version, version });
          await repo.setCurrentVersion(tx, documentId, version, this.#fhirState());
          return this.#finishCommit(tx, ctx, 'document.version.create', documentId, stored.intentId);
        });
        faultPoint('after-commit');
        return result;
      } catch (e) {
        await this.#discard(stored.intentId, stored.version.blobKey, stored.version.blobVersionId);
        throw e;
      }
    });
  }

  async get(ctx: RequestContext, documentId: string, version?: number): Promise<DocumentWithVersion & { versions: DocumentVersion[] }> {
    const target: AuditTarget = { documentId, version: version ?? null };
    return this.#audited(ctx, 'document.read', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const doc = await this.#visibleDocument(p, documentId, target);
      const versions = await repo.listVersions(this.#o.sql, documentId);
      const v = versions.find((x) => x.version === (version ?? doc.currentVersion));
      if (!v) throw new AppError('not_found', `document ${documentId} has no version ${version}`);
      target.version = v.version;
      await recordAudit(this.#o.sql, ctx, { action: 'document.read', outcome: 'success', ...target });
      return { document: doc, version: v, versions };
    });
  }

  async list(ctx: RequestContext, f: Omit<repo.ListFilter, 'patient'> & { patient: string }): Promise<DocumentWithVersion[]> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'document.list', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const patient = validatePatient(f.patient);
      target.patient = patient;
      requirePatient(p, patient);
      if (f.includeEnteredInError && !hasPermission(p, 'document:delete')) throw new AppError('forbidden', 'listing entered-in-error documents needs the document:delete permission');
      const docs = await repo.listDocuments(this.#o.sql, { ...f, patient });
      const out: DocumentWithVersion[] = [];
      for (const d of docs) {
        const v = await repo.findVersion(this.#o.sql, d.id, d.currentVersion);
        if (v) out.push({ document: d, version: v });
      }
      await recordAudit(this.#o.sql, ctx, { action: 'document.list', outcome: 'success', patient, detail: { count: out.length } });
      return out;
    });
  }

  async downloadUrl(ctx: RequestContext, documentId: string, opts: { version?: number | undefined; expiresIn?: number | undefined }) {
    const target: AuditTarget = { documentId, version: opts.version ?? null };
    return this.#audited(ctx, 'document.download-url', target, async () => {
      const p = principalOf(ctx);
      const { version } = await this.#readableVersion(p, documentId, opts.version, target);
      const expiresIn = opts.expiresIn ?? this.#o.downloadUrlTtl;
      if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > this.#o.downloadUrlMaxTtl) {
        throw new AppError('validation_failed', `expiresIn must be between 1 and ${this.#o.downloadUrlMaxTtl} seconds`, { field: 'expiresIn' });
      }
      const store = await this.#o.blobs.of(version.blobStore);
      const url = await store.presign(version.blobKey, version.blobVersionId, {
        expiresInSeconds: expiresIn,
        contentType: version.contentType,
        filename: version.filename,
        issuedTo: p.sub,
      });
      const expiresAt = new Date(Date.now() + expiresIn * 1000);
      await recordAudit(this.#o.sql, ctx, { action: 'document.download-url', outcome: 'success', ...target, detail: { expiresAt: expiresAt.toISOString() } });
      return { url, expiresAt, version };
    });
  }

  /** Bytes through the service, SHA-256 re-verified on the way out. */
  async openContent(ctx: RequestContext, documentId: string, wantVersion?: number): Promise<{ version: DocumentVersion; stream: Readable }> {
    const target: AuditTarget = { documentId, version: wantVersion ?? null };
    return this.#audited(ctx, 'document.content', target, async () => {
      const p = principalOf(ctx);
      const { version } = await this.#readableVersion(p, documentId, wantVersion, target);
      const stream = await this.#verifiedStream(ctx, 'document.content', target, version);
      await recordAudit(this.#o.sql, ctx, { action: 'document.content', outcome: 'success', ...target });
      return { version, stream };
    });
  }

  /** For the filesystem store's signed URLs: the signature was checked by the caller; verify bytes and audit. */
  async openSignedBlob(ctx: RequestContext, key: string): Promise<{ version: DocumentVersion; stream: Readable }> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'document.blob-fetch', target, async () => {
      const version = await repo.findVersionByBlobKey(this.#o.sql, 'fs', key);
      if (!version) throw new AppError('not_found');
      target.documentId = version.documentId;
      target.version = version.version;
      const doc = await repo.findDocument(this.#o.sql, version.documentId);
      target.patient = doc?.patient ?? null;
      const stream = await this.#verifiedStream(ctx, 'document.blob-fetch', target, version);
      await recordAudit(this.#o.sql, ctx, { action: 'document.blob-fetch', outcome: 'success', ...target });
      return { version, stream };
    });
  }

  async enterInError(ctx: RequestContext, documentId: string, reason: string): Promise<DocumentWithVersion> {
    const target: AuditTarget = { documentId };
    return this.#audited(ctx, 'document.enter-in-error', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:delete');
      await this.#visibleDocument(p, documentId, target);
      const why = reason.trim();
      if (why.length < 3) throw new AppError('validation_failed', 'a reason is required', { field: 'reason' });
      return this.#o.sql.begin(async (tx) => {
        const doc = await repo.findDocument(tx, documentId, { forUpdate: true });
        if (!doc) throw new AppError('not_found');
        if (doc.status === 'entered-in-error') throw new AppError('already_entered_in_error');
        await repo.markEnteredInError(tx, documentId, p.sub, why, this.#fhirState());
        return this.#finishCommit(tx, ctx, 'document.enter-in-error', documentId, null, { reason: why });
      });
    });
  }

  /** Audits a request refused before it reached the service (e.g. a malformed upload body), then rethrows. */
  async refuse(ctx: RequestContext, action: AuditAction, target: AuditTarget, e: unknown): Promise<never> {
    return this.#audited(ctx, action, target, async () => {
      throw e;
    });
  }

  // ---- internals ----

  #fhirState(): 'indexed' | 'pending' {
    return this.#o.remoteFhir ? 'pending' : 'indexed';
  }

  /** Step 1 and 2: intent, then bytes to a fresh key with hash, size limit and type check in one pass. */
  async #storeBytes(p: Principal, documentId: string, input: UploadInput): Promise<{ intentId: string; version: Omit<DocumentVersion, 'createdAt' | 'version'> }> {
    const intentId = randomUUID();
    const blobKey = `documents/${documentId}/${intentId}`;
    const store = this.#o.blobs.live;
    await repo.insertIntent(this.#o.sql, { id: intentId, documentId, blobStore: store.kind, blobKey, createdBy: p.sub });
    faultPoint('after-intent');
    const hasher = new HashingStream({ sha1: true, maxBytes: this.#o.maxUploadBytes });
    const sniffer = new TypeSniffer(this.#o.allowedContentTypes, input.declaredType);
    const opts = { contentType: input.declaredType ?? 'application/octet-stream', expectedSha256: input.expectedSha256 ?? undefined };
    // The source feeds the size/hash and type checks, whose output is what the store reads: one pass over the bytes.
    // Wait for both sides so a failed upload is fully cleaned up (temp file, multipart upload) before answering.
    const [piped, stored] = await runUploadPipeline(input.body, [hasher, sniffer], (body) => store.put(blobKey, body, opts));
    if (piped.status === 'rejected' || stored.status === 'rejected') {
      await repo.finishIntent(this.#o.sql, intentId, 'aborted').catch(() => undefined);
      const inspectError = piped.status === 'rejected' ? piped.reason : null;
      throw toUploadError(isAppError(inspectError) ? inspectError : stored.status === 'rejected' ? stored.reason : inspectError);
    }
    const put = stored.value;
    if (!sniffer.detected) throw new AppError('empty_body');
    const d = hasher.digests();
    if (d.size === 0) {
      await this.#discard(intentId, blobKey, put.versionId);
      throw new AppError('empty_body');
    }
    if (input.expectedSha256 && input.expectedSha256.toString('hex') !== d.sha256) {
      await this.#discard(intentId, blobKey, put.versionId);
      throw new AppError('digest_mismatch', 'the sha-256 digest you sent does not match the bytes received', { received: d.sha256 });
    }
    if (put.storeSha256 && put.storeSha256 !== d.sha256) {
      await this.#discard(intentId, blobKey, put.versionId);
      throw new AppError('integrity_failure', 'the blob store computed a different SHA-256 for the bytes it stored');
    }
    faultPoint('after-blob');
    return {
      intentId,
      version: {
        documentId,
        blobStore: store.kind,
        blobKey,
        blobVersionId: put.versionId,
        contentType: sniffer.detected,
        size: d.size,
        sha256: d.sha256,
        sha1: d.sha1,
        filename: cleanFilename(input.filename),
        createdBy: p.sub,
      },
    };
  }

  /** Step 3, inside the caller's transaction: intent committed, FHIR index written or queued, audit row. */
  async #finishCommit(tx: Tx, ctx: RequestContext, action: AuditAction, documentId: string, intentId: string | null, detail?: Record<string, unknown>): Promise<DocumentWithVersion> {
    const doc = (await repo.findDocument(tx, documentId))!;
    const version = (await repo.findVersion(tx, documentId, doc.currentVersion))!;
    if (intentId) await repo.finishIntent(tx, intentId, 'committed');
    await upsertBuiltin(tx, doc, toDocumentReference(doc, version, { baseUrl: this.#o.baseUrl(), odsCode: this.#o.odsCode }));
    if (this.#o.remoteFhir) {
      await tx`insert into fhir_outbox (document_id) values (${documentId})`;
      // after commit: the worker picks it up at once rather than at its next poll
      setImmediate(() => this.#o.onIndexWork?.());
    }
    await recordAudit(tx, ctx, { action, outcome: 'success', documentId, version: version.version, patient: doc.patient, detail });
    return { document: doc, version };
  }

  /** Best effort removal of bytes the metadata will never point at; reconcile catches what this misses. */
  async #discard(intentId: string, key: string, versionId: string | null): Promise<void> {
    try {
      await this.#o.blobs.live.delete(key, versionId);
      await repo.finishIntent(this.#o.sql, intentId, 'aborted');
      await repo.deleteIntent(this.#o.sql, intentId);
    } catch (e) {
      this.#o.log.warn({ err: e, key }, 'could not remove discarded upload; reconcile will');
    }
  }

  async #visibleDocument(p: Principal, documentId: string, target: AuditTarget): Promise<DocumentRecord> {
    const doc = await repo.findDocument(this.#o.sql, documentId);
    if (!doc) throw new AppError('not_found', `no document ${documentId}`);
    target.patient = doc.patient;
    requirePatient(p, doc.patient);
    return doc;
  }

  async #readableVersion(p: Principal, documentId: string, wantVersion: number | undefined, target: AuditTarget): Promise<{ doc: DocumentRecord; version: DocumentVersion }> {
    requirePermission(p, 'document:read');
    const doc = await this.#visibleDocument(p, documentId, target);
    if (doc.status === 'entered-in-error' && !hasPermission(p, 'document:delete')) throw new AppError('document_entered_in_error');
    const version = await repo.findVersion(this.#o.sql, documentId, wantVersion ?? doc.currentVersion);
    if (!version) throw new AppError('not_found', `document ${documentId} has no version ${wantVersion}`);
    target.version = version.version;
    return { doc, version };
  }

  async #verifiedStream(ctx: RequestContext, action: AuditAction, target: AuditTarget, v: DocumentVersion): Promise<Readable> {
    const source = await (await this.#o.blobs.of(v.blobStore)).get(v.blobKey, v.blobVersionId);
    const verifier = new VerifyingStream(v.sha256, v.size, (actual) => {
      this.#o.log.error({ documentId: v.documentId, version: v.version, expected: v.sha256, actual }, 'integrity failure: stored bytes do not match their SHA-256');
      recordAudit(this.#o.sql, ctx, { action, outcome: 'failed', ...target, errorCode: 'integrity_failure', detail: { expected: v.sha256, actual } }).catch((e) =>
        this.#o.log.error({ err: e }, 'could not audit integrity failure'),
      );
    });
    pipeline(source, verifier).catch(() => undefined);
    return verifier;
  }

  /** Runs fn; if it fails, records the attempt (denied for 401/403, failed otherwise) before rethrowing. */
  async #audited<T>(ctx: RequestContext, action: AuditAction, target: AuditTarget, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = isAppError(e) ? e : databaseUnavailable(e);
      const written = recordAudit(this.#o.sql, ctx, { action, outcome: outcomeOf(err), ...target, errorCode: err?.code ?? 'internal_error' }).catch((ae) =>
        this.#o.log.error({ err: ae, action, errorCode: err?.code ?? 'internal_error', requestId: ctx.requestId }, 'could not write audit row for a refused request'),
      );
      // The database just failed us: answer now (within QUILL_DB_TIMEOUT_MS) and let the audit row land, or be
      // logged at error level, in the background rather than waiting a second bound for it.
      if (!(err?.code === 'storage_unavailable' && err.extra.layer === 'database')) await written;
      throw e;
    }
  }
}

function principalOf(ctx: RequestContext): Principal {
  if (!ctx.principal) throw new AppError('unauthenticated');
  return ctx.principal;
}

function toUploadError(e: unknown): unknown {
  if (isAppError(e)) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET' || code === 'ABORT_ERR') return new AppError('upload_aborted', undefined, {}, { cause: e });
  const inner = (e as { cause?: unknown })?.cause;
  if (isAppError(inner)) return inner;
  return e;
}
