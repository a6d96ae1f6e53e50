import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { audited, type AuditTarget } from '../audit/audited.ts';
import type { AuditAction } from '../audit/audit-event.ts';
import { auditColumns, recordAudit } from '../audit/audit-log.ts';
import { StatementBatcher } from '../db/statement-batcher.ts';
import { isInputError } from '../db/errors.ts';
import { transactionBatcher, type TransactionWork } from '../db/shared-transaction.ts';
import { hasPermission, requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Sql, Tx } from '../db/sql.ts';
import type { DocumentVersion, DocumentWithVersion, NewDocumentMetadata } from '../domain/document.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import { AppError } from '../domain/errors.ts';
import { displayText } from '../domain/input-limits.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import { principalOf, readableVersion, readableVersionOnce, requirePatientAccess, urlHolder, visibleDocument } from './access.ts';
import { commitChange, type CommitOptions } from './commit.ts';
import { downloadUrlTtl, presignDownloadUrl } from './download-url.ts';
import { openSignedBlob, refuseSignedBlob } from './signed-blob.ts';
import { DownloadSlots } from './download-slots.ts';
import { faultPoint } from './fault-points.ts';
import { initialFhirState } from './fhir-index.ts';
import { resolveMetadata, validatePatient } from './metadata.ts';
import * as repo from './repository.ts';
import type { Reader } from './read-rules.ts';
import { discard, storeBytes, type StoredBytes, type UploadDeps, type UploadInput } from './upload.ts';
import { adoptComposed, isFinal, type ComposedInput } from './composed-upload.ts';
import type { UploadScanning } from './upload-scan.ts';
import { heldDetail, writeNewDocument } from './new-document.ts';
import { DocumentBatch } from './document-batch.ts';
import { verifiedStream } from './verified-read.ts';
import { openAuthenticatedRange, type RangeSpec } from './range-read.ts';

export type { UploadInput } from './upload.ts';
export type { ComposedInput } from './composed-upload.ts';

/**
 * Statements in flight at once, and reads per statement at most, for each group-committed read (list pages, download
 * URLs). On the 1 M-document database at 50 connections (2 cores), download URLs with 1, 2 and 4 slots gave 4,870,
 * 4,100 and 3,590 URLs/s, all against 1,920 unbatched: fewer slots make larger batches. Two, so that one slow
 * statement (a WAL flush behind a checkpoint) does not hold every request, and a server with more cores than this
 * bench's has a second statement working. List pages with two slots: 720-810 pages/s against 490-615 unbatched.
 */
const READ_BATCHING = { maxInFlight: 2, maxBatch: 64, separable: isInputError };

/**
 * Upload commits (step 3 of the upload protocol) in flight at once, and commits per shared transaction at most. On the
 * 1 M-document database, 100 KiB uploads at 16 clients, interleaved with the previous commit: 242, 292, 319 uploads/s
 * against 205, 266, 250, PostgreSQL's CPU per upload 1.4–1.9 ms against 2.0–2.3 ms.
 */
const UPLOAD_COMMIT_BATCHING = { maxInFlight: 2, maxBatch: 32 };

export type { AuditTarget } from '../audit/audited.ts';

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
  /** Records governance (src/retention): each new document gets its class and retention date in its transaction. */
  retention?: UploadRetention | undefined;
  /** Downloads through the service at once, per user and per signed URL (QUILL_MAX_OPEN_DOWNLOADS[_PER_URL]). */
  maxOpenDownloads: { perUser: number; perUrl: number };
  /** Malware scanning of every upload (QUILL_CLAMD_URL); absent or null: off. */
  scanning?: UploadScanning | null | undefined;
}

/** What uploads need from records governance; implemented by RetentionService (kept as an interface: no import cycle). */
export interface UploadRetention {
  classFor(p: Principal, typeCode: string, override: string | undefined): { code: string };
  /** The Object Lock date the new version's bytes are written with (null when the store does not lock). */
  lockFor(patient: string, cls: { code: string }, documentDate: string, promised?: string | null): Promise<Date | null>;
  /** Inside the upload transaction, before the document's insert: the retention columns it is inserted with. */
  forNewDocument(tx: Tx, patient: string, cls: { code: string }, clinicalDate: string | null, lockedUntil: Date | null): Promise<repo.NewDocumentRetention>;
  /** After the commit: brings store-enforced locks and holds in step (newVersion: the new version needs them too). */
  afterCommit(documentIds: string[], opts?: { newVersion?: boolean }): void;
}

/** What a bulk import adds to an upload: its audit detail, and its own row, written in the upload's commit transaction. */
export interface ImportRecord {
  detail: Record<string, unknown>;
  record(tx: Tx, documentId: string, sha256: string): Promise<void>;
}

/**
 * The documents use cases, each audited: upload, new version, read, list, download URL, content, signed fs fetch,
 * entered-in-error. The pieces live beside it: access rules (access.ts), the upload protocol (upload.ts, then
 * commit.ts), presigning (download-url.ts), verified reads (verified-read.ts), FHIR index writes (fhir-index.ts).
 *
 * The upload protocol keeps the blob store, PostgreSQL and the FHIR index consistent without a distributed
 * transaction: 1. record an upload intent; 2. stream the bytes to a fresh key (hashing and type-checking in the
 * same pass); 3. in one transaction write metadata, version, audit row, built-in FHIR index and outbox row (a
 * transaction shared with the other uploads committing at that moment: db/shared-transaction.ts).
 * A crash between 1 and 3 leaves only bytes that no metadata points at, which `reconcile` removes.
 */
export class DocumentService {
  readonly #o: DocumentServiceOptions;
  readonly #commit: CommitOptions;
  #disagreements = 0;
  /** Download-URL reads with their audit rows, group-committed: see db/statement-batcher.ts. */
  readonly #urlReads: StatementBatcher<repo.AuditedVersionRead, repo.VersionReadFacts | null>;
  /** Listing pages with their audit rows, group-committed the same way. */
  readonly #listings: StatementBatcher<repo.AuditedListing, repo.ListingPage>;
  /** Upload commits (step 3), sharing a transaction with those that arrive meanwhile. */
  readonly #uploadCommits: StatementBatcher<TransactionWork<DocumentWithVersion>, DocumentWithVersion>;
  /** Downloads streaming through the service now, per user and per signed URL. */
  readonly #downloads: DownloadSlots;

  constructor(o: DocumentServiceOptions) {
    this.#o = o;
    this.#listings = new StatementBatcher({ run: (listings) => repo.listPages(o.sql, listings), ...READ_BATCHING });
    this.#uploadCommits = transactionBatcher(o.sql, UPLOAD_COMMIT_BATCHING);
    this.#urlReads = new StatementBatcher({ run: (reads) => repo.readVersionsAudited(o.sql, reads), ...READ_BATCHING });
    this.#commit = { baseUrl: o.baseUrl, odsCode: o.odsCode, remoteFhir: o.remoteFhir, onIndexWork: o.onIndexWork };
    this.#downloads = new DownloadSlots(o.maxOpenDownloads);
  }

  /** How often the download-URL statement's SQL rules disagreed with access.ts (a bug; tests require 0). */
  get accessRuleDisagreements(): number {
    return this.#disagreements;
  }

  /** Download-URL statements run and reads they carried (reads / statements is the mean group commit). */
  get urlReadBatching(): { statements: number; inputs: number; queued: number } {
    return this.#urlReads.stats;
  }

  /** Upload commits: shared transactions run and commits they carried. */
  get uploadCommitBatching(): { statements: number; inputs: number; queued: number } {
    return this.#uploadCommits.stats;
  }

  /** Listing statements run and pages they carried. */
  get listBatching(): { statements: number; inputs: number; queued: number } {
    return this.#listings.stats;
  }

  get blobs(): BlobStores {
    return this.#o.blobs;
  }

  /** A new document from an upload's bytes, streamed now (UploadInput) or already put together by a resumable upload (ComposedInput). */
  async create(ctx: RequestContext, meta: NewDocumentMetadata, input: UploadInput | ComposedInput): Promise<DocumentWithVersion> {
    return this.#create(ctx, 'document.create', meta, input, null);
  }

  /**
   * A document from a bulk import (src/import): the same upload protocol as create, audited as document.import with
   * the import's detail (its source id), and the import's own row written in the same commit transaction, so the
   * document and the record of its import commit together or not at all.
   */
  async importDocument(ctx: RequestContext, meta: NewDocumentMetadata, input: UploadInput, imported: ImportRecord): Promise<DocumentWithVersion> {
    return this.#create(ctx, 'document.import', meta, input, imported);
  }

  async #create(ctx: RequestContext, action: 'document.create' | 'document.import', meta: NewDocumentMetadata, input: UploadInput | ComposedInput, imported: ImportRecord | null): Promise<DocumentWithVersion> {
    const target: AuditTarget = imported ? { detail: imported.detail } : {};
    return this.#audited(ctx, action, target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:write');
      target.patient = /^\d{10}$/.test(meta.patient ?? '') ? meta.patient : null;
      const m = resolveMetadata(meta, this.#o.valueSet);
      target.patient = m.patient;
      requirePatient(p, m.patient);
      const documentId = 'composed' in input ? input.composed.documentId : randomUUID();
      target.documentId = documentId;
      const retention = this.#o.retention;
      const cls = retention?.classFor(p, m.type.code, meta.retentionClass);
      const lock = retention && cls ? await retention.lockFor(m.patient, cls, m.clinicalDate ?? new Date().toISOString().slice(0, 10)) : null;
      const stored = await this.#storeBytes(p, documentId, input, lock);
      const result = await this.#commitOrDiscard(stored, input, () =>
        this.#uploadCommits.submit(async (tx) => {
          const held = heldDetail(stored);
          const detail = imported || held ? { ...imported?.detail, ...held } : undefined;
          const change = writeNewDocument(tx, { commit: this.#commit, retention }, ctx, p, { documentId, meta: m, cls: cls ?? null, lock, stored }, detail, action);
          if (!imported) return change;
          // pipelined beside the rows (it needs nothing they return); both settle before the transaction ends, and
          // the import row's refusal (a source id imported meanwhile) is the cause when both fail
          const [changed, recorded] = await Promise.allSettled([change, imported.record(tx, documentId, stored.version.sha256)]);
          if (recorded.status === 'rejected') throw recorded.reason;
          if (changed.status === 'rejected') throw changed.reason;
          return changed.value;
        }),
      );
      target.version = 1;
      // not newVersion: a new document's object_legal_hold starts false, so there is no mirrored hold to mark stale.
      // Nothing to bring in step when the store enforces nothing and no hold covers the document (the sync would read
      // the row and find its object_legal_hold, false, already equal to its hold): skipped, one statement less.
      if (this.#o.blobs.live.retention?.locksDocuments || result.document.legalHold) retention?.afterCommit([documentId]);
      return result;
    });
  }

  async addVersion(ctx: RequestContext, documentId: string, input: UploadInput | ComposedInput): Promise<DocumentWithVersion> {
    const target: AuditTarget = { documentId };
    return this.#audited(ctx, 'document.version.create', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:write');
      const doc = await visibleDocument(this.#o.sql, p, documentId, target);
      if (doc.status === 'entered-in-error') throw new AppError('document_entered_in_error');
      // a new version is locked as long as the document's retention (or, while that is open-ended, its floor)
      const retention = this.#o.retention;
      const lock = retention ? await retention.lockFor(doc.patient, { code: doc.retentionClass }, doc.clinicalDate ?? doc.createdAt.toISOString().slice(0, 10), doc.retainUntil) : null;
      const stored = await this.#storeBytes(p, documentId, input, lock);
      const result = await this.#commitOrDiscard(stored, input, () =>
        this.#uploadCommits.submit(async (tx) => {
          const locked = await repo.findDocument(tx, documentId, { forUpdate: true });
          if (!locked || locked.status !== 'current') throw new AppError('document_entered_in_error');
          const next = locked.currentVersion + 1;
          target.version = next;
          // pipelined: the version, the document's update, the intent and the audit row in one round trip
          const rows = Promise.all([
            repo.insertVersion(tx, { ...stored.version, version: next }),
            repo.setCurrentVersion(tx, documentId, next, initialFhirState(this.#o)),
          ]).then(([version, document]) => ({ document, version }));
          return commitChange(tx, this.#commit, ctx, 'document.version.create', { documentId, version: next, patient: locked.patient }, rows, stored.intentId, heldDetail(stored));
        }),
      );
      retention?.afterCommit([documentId], { newVersion: true });
      return result;
    });
  }

  /**
   * The version a resumable upload became, if its commit went through: a commit is keyed by its upload, and one whose
   * answer a failover cut is found here rather than made twice (src/uploads/commit-upload.ts). Not audited: the upload's
   * own request is.
   */
  async committedUpload(uploadId: string): Promise<DocumentWithVersion | null> {
    const c = await repo.committedByUpload(this.#o.sql, uploadId);
    if (!c) return null;
    const document = await repo.findDocument(this.#o.sql, c.documentId);
    const version = document ? await repo.findVersion(this.#o.sql, c.documentId, c.version) : null;
    return document && version ? { document, version } : null;
  }

  async get(ctx: RequestContext, documentId: string, version?: number): Promise<DocumentWithVersion & { versions: DocumentVersion[] }> {
    const target: AuditTarget = { documentId, version: version ?? null };
    return this.#audited(ctx, 'document.read', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const doc = await visibleDocument(this.#o.sql, p, documentId, target, { read: true });
      const versions = await repo.listVersions(this.#o.sql, documentId);
      const v = versions.find((x) => x.version === (version ?? doc.currentVersion));
      if (!v) throw new AppError('not_found', `document ${documentId} has no version ${version}`);
      target.version = v.version;
      await recordAudit(this.#o.sql, ctx, { action: 'document.read', outcome: 'success', ...target });
      return { document: doc, version: v, versions };
    });
  }

  /** A page of a patient's documents, as JSON, and its audit row, in one statement (repository.listPages, group-committed). */
  async list(ctx: RequestContext, f: Omit<repo.ListFilter, 'patient'> & { patient: string }): Promise<repo.ListingPage> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'document.list', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const patient = validatePatient(f.patient);
      target.patient = patient;
      requirePatientAccess(p, patient, target, { read: true });
      if (f.includeEnteredInError && !hasPermission(p, 'document:delete')) throw new AppError('forbidden', 'listing entered-in-error documents needs the document:delete permission');
      return this.#listings.submit({ filter: { ...f, patient }, audit: auditColumns(ctx, { action: 'document.list', outcome: 'success', breakGlass: target.breakGlass }) });
    });
  }

  /**
   * A download URL: every rule of readableVersion (scope or break-glass, disposal, entered-in-error, quarantine) and
   * the success audit row in one statement, so the row is durable before the URL exists (access.readableVersionOnce).
   */
  async downloadUrl(ctx: RequestContext, documentId: string, opts: { version?: number | undefined; expiresIn?: number | undefined }) {
    const target: AuditTarget = { documentId, version: opts.version ?? null };
    return this.#audited(ctx, 'document.download-url', target, async () => {
      const p = principalOf(ctx);
      const ttl = downloadUrlTtl(this.#o, opts.expiresIn);
      const expiresAt = new Date(Date.now() + ttl * 1000);
      const entry = { action: 'document.download-url', outcome: 'success', documentId, detail: { expiresAt: expiresAt.toISOString() } } as const;
      const read = (reader: Reader) => this.#urlReads.submit({ id: documentId, want: opts.version ?? null, reader, audit: auditColumns(ctx, entry) });
      const version = await readableVersionOnce(p, documentId, opts.version, target, read, async (allowedHere) => {
        this.#disagreements++;
        this.#o.log.error({ documentId, allowedHere, requestId: ctx.requestId }, 'the download-URL statement and access.ts disagree on an access rule; access.ts decided');
        if (allowedHere) await recordAudit(this.#o.sql, ctx, { ...entry, ...target });
      });
      return presignDownloadUrl(this.#o, p, version, ttl, expiresAt);
    });
  }

  /** Bytes through the service, SHA-256 re-verified on the way out. */
  async openContent(ctx: RequestContext, documentId: string, wantVersion?: number, range?: RangeSpec | null): Promise<{ version: DocumentVersion; stream: Readable; range?: { start: number; end: number } }> {
    const target: AuditTarget = { documentId, version: wantVersion ?? null };
    return this.#audited(ctx, 'document.content', target, async () => {
      const p = principalOf(ctx);
      const { version } = await readableVersion(this.#o.sql, p, documentId, wantVersion, target);
      const slot = this.#downloads.take(p.sub, null);
      try {
        const part = range ? await openAuthenticatedRange(this.#o, version, range) : null;
        if (part) {
          await recordAudit(this.#o.sql, ctx, { action: 'document.content', outcome: 'success', ...target, detail: { range: `${part.start}-${part.end}` } });
          return { version, stream: slot.hold(part.stream), range: { start: part.start, end: part.end } };
        }
        const stream = await verifiedStream(this.#o, ctx, 'document.content', target, version);
        await recordAudit(this.#o.sql, ctx, { action: 'document.content', outcome: 'success', ...target });
        return { version, stream: slot.hold(stream) };
      } catch (e) {
        slot.release();
        throw e;
      }
    });
  }

  /**
   * For the filesystem store's signed URLs: the signature was checked by the caller; the read rules again as the URL's
   * holder (claims: what the URL carries), a download slot for its user and for the URL itself (urlId, its signature),
   * then verify bytes and audit.
   */
  async openSignedBlob(ctx: RequestContext, key: string, claims: { issuedTo: string; reviewer?: boolean }, urlId: string): Promise<{ version: DocumentVersion; stream: Readable }> {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'document.blob-fetch', target, () =>
      openSignedBlob(this.#o, ctx, key, urlHolder(claims), target, () => this.#downloads.take(claims.issuedTo, urlId)),
    );
  }

  /** A signed fs URL that failed its check (tampered 403, expired 410): audited as a denied fetch, then rethrown. */
  refuseSignedBlob(ctx: RequestContext, key: string, claimedUser: string | undefined, e: unknown): Promise<never> {
    return refuseSignedBlob(this.#o, ctx, key, claimedUser, e);
  }

  async enterInError(ctx: RequestContext, documentId: string, reason: string): Promise<DocumentWithVersion> {
    const target: AuditTarget = { documentId };
    return this.#audited(ctx, 'document.enter-in-error', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:delete');
      await visibleDocument(this.#o.sql, p, documentId, target);
      const why = displayText(reason, 'reason');
      if (why.length < 3) throw new AppError('validation_failed', 'a reason is required', { field: 'reason' });
      return this.#o.sql.begin(async (tx) => {
        const doc = await repo.findDocument(tx, documentId, { forUpdate: true });
        if (!doc) throw new AppError('not_found');
        if (doc.status === 'entered-in-error') throw new AppError('already_entered_in_error');
        const rows = Promise.all([
          repo.markEnteredInError(tx, documentId, p.sub, why, initialFhirState(this.#o)),
          repo.findVersion(tx, documentId, doc.currentVersion),
        ]).then(([document, version]) => ({ document, version: version! }));
        return commitChange(tx, this.#commit, ctx, 'document.enter-in-error', { documentId, version: doc.currentVersion, patient: doc.patient }, rows, null, { reason: why });
      });
    });
  }

  /**
   * New documents committed together, all or none (IHE MHD ITI-65): each one's bytes through the same upload protocol
   * as create, one transaction for all of them (document-batch.ts).
   */
  batch(ctx: RequestContext): DocumentBatch {
    const o = this.#o;
    return new DocumentBatch({ sql: o.sql, upload: this.#uploadDeps(), commit: this.#commit, retention: o.retention, valueSet: o.valueSet }, ctx);
  }

  /** Audits a request refused before it reached the service (e.g. a malformed upload body), then rethrows. */
  async refuse(ctx: RequestContext, action: AuditAction, target: AuditTarget, e: unknown): Promise<never> {
    return this.#audited(ctx, action, target, async () => {
      throw e;
    });
  }

  // ---- internals ----

  #uploadDeps(): UploadDeps {
    const o = this.#o;
    return { sql: o.sql, store: o.blobs.live, log: o.log, allowedContentTypes: o.allowedContentTypes, maxUploadBytes: o.maxUploadBytes, scanning: o.scanning ?? null };
  }

  /** Steps 1 and 2 of the upload protocol: the bytes streamed to the live store, or a resumable upload's adopted where they are. */
  #storeBytes(p: Principal, documentId: string, input: UploadInput | ComposedInput, lock: Date | null): Promise<StoredBytes> {
    if (!('composed' in input)) return storeBytes(this.#uploadDeps(), p, documentId, input, lock);
    if (input.composed.documentId !== documentId) throw new AppError('internal_error', 'the upload was put together for another document');
    return adoptComposed({ ...this.#uploadDeps(), store: input.composed.store }, p, documentId, input, lock);
  }

  /**
   * Runs the metadata transaction for stored bytes; if it fails, the bytes are removed again, except a resumable
   * upload's after a failure that is not final: they stay for its retried commit (or for expiry and reconcile).
   */
  async #commitOrDiscard<T>(stored: StoredBytes, input: UploadInput | ComposedInput, commit: () => Promise<T>): Promise<T> {
    try {
      const result = await commit();
      faultPoint('after-commit');
      return result;
    } catch (e) {
      const composed = 'composed' in input ? input.composed : null;
      if (!composed || isFinal(e)) await discard({ ...this.#uploadDeps(), ...(composed ? { store: composed.store } : {}) }, stored.intentId, stored.version.blobKey, stored.version.blobVersionId);
      throw e;
    }
  }

  #audited<T>(ctx: RequestContext, action: AuditAction, target: AuditTarget, fn: () => Promise<T>): Promise<T> {
    return audited(this.#o.sql, this.#o.log, ctx, action, target, fn);
  }
}

