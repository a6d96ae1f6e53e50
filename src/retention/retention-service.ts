import type { RetentionAction } from '../audit/audit-event.ts';
import type { Tx } from '../db/sql.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import type { RetentionClass, RetentionSchedule } from '../domain/retention-schedule.ts';
import type { NewDocumentRetention } from '../documents/repository.ts';
import { backfill } from './backfill.ts';
import { certificate, certificates } from './certificates.ts';
import { findBatch, type DisposalBatch } from './repository/disposal.ts';
import { approve, listBatches, propose, reject } from './disposal-batches.ts';
import { due, type DuePosition } from './due-list.ts';
import { importFacts } from './facts-import.ts';
import { liftHold, listHolds, setHold, type HoldRequest } from './legal-holds.ts';
import { getFacts, setFacts, type FactsPatch } from './patient-facts.ts';
import { auditedAs, retentionDeps, type RetentionDeps, type RetentionServiceOptions } from './retention-deps.ts';
import { setClass } from './retention-class.ts';
import { syncAfterCommit } from './store-retention.ts';
import { classFor, forNewDocument, lockFor } from './upload-hooks.ts';

export type { FactsPatch } from './patient-facts.ts';
export { TOO_LONG_LINE } from './facts-import.ts';
export type { RetentionServiceOptions } from './retention-deps.ts';

/**
 * Records governance, each use case audited: patient facts, a document's retention class, legal holds, the list of
 * documents due for disposal, and four-eyes disposal ending in certificates of destruction (disposal.ts runs them).
 * Every retention date is recomputed in the transaction that changes what it depends on. One object for its callers
 * (the documents service at upload, the routes, `reconcile`); each use case lives in its own module beside it.
 */
export class RetentionService {
  readonly #d: RetentionDeps;

  constructor(o: RetentionServiceOptions) {
    this.#d = retentionDeps(o);
  }

  get schedule(): RetentionSchedule {
    return this.#d.schedule;
  }

  // ---- used by the documents service at upload (upload-hooks.ts) ----

  classFor(p: Principal, typeCode: string, override: string | undefined): RetentionClass {
    return classFor(this.#d, p, typeCode, override);
  }

  lockFor(patient: string, cls: { code: string }, documentDate: string, promised: string | null = null): Promise<Date | null> {
    return lockFor(this.#d, patient, cls, documentDate, promised);
  }

  forNewDocument(tx: Tx, patient: string, cls: { code: string }, clinicalDate: string | null, lockedUntil: Date | null): Promise<NewDocumentRetention> {
    return forNewDocument(this.#d, tx, patient, cls, clinicalDate, lockedUntil);
  }

  /** After a commit that may have raised retention or changed holds: brings the stored objects' locks in step. */
  afterCommit(documentIds: string[], opts: { newVersion?: boolean } = {}): void {
    syncAfterCommit(this.#d, documentIds, opts);
  }

  /** `reconcile`: retention for documents stored before it existed or computed with another schedule (backfill.ts). */
  backfill(batch?: number): Promise<number> {
    return backfill(this.#d, batch);
  }

  // ---- patient facts (patient-facts.ts, facts-import.ts) and a document's class (retention-class.ts) ----

  getFacts(ctx: RequestContext, patient: string) {
    return getFacts(this.#d, ctx, patient);
  }

  setFacts(ctx: RequestContext, patient: string, patch: FactsPatch, source: 'api' | 'import' = 'api') {
    return setFacts(this.#d, ctx, patient, patch, source);
  }

  importFacts(ctx: RequestContext, lines: AsyncIterable<string>) {
    return importFacts(this.#d, ctx, lines);
  }

  setClass(ctx: RequestContext, documentId: string, code: string, reason: string) {
    return setClass(this.#d, ctx, documentId, code, reason);
  }

  // ---- legal holds (legal-holds.ts) ----

  setHold(ctx: RequestContext, h: HoldRequest) {
    return setHold(this.#d, ctx, h);
  }

  liftHold(ctx: RequestContext, id: string, reason: string) {
    return liftHold(this.#d, ctx, id, reason);
  }

  listHolds(ctx: RequestContext, f: { active: boolean; patient?: string; document?: string }) {
    return listHolds(this.#d, ctx, f);
  }

  // ---- disposal (due-list.ts, disposal-batches.ts, certificates.ts) ----

  /** One page of the due list, after the position the previous page ended at (`next`). */
  due(ctx: RequestContext, after: DuePosition | null, limit: number) {
    return due(this.#d, ctx, after, limit);
  }

  propose(ctx: RequestContext, documentIds: string[], reason: string) {
    return propose(this.#d, ctx, documentIds, reason);
  }

  approve(ctx: RequestContext, batchId: string, note: string | null) {
    return approve(this.#d, ctx, batchId, note);
  }

  reject(ctx: RequestContext, batchId: string, note: string) {
    return reject(this.#d, ctx, batchId, note);
  }

  /** One batch as it stands (after the approving request ran it; that request is audited already). */
  batch(id: string): Promise<DisposalBatch | null> {
    return findBatch(this.#d.sql, id);
  }

  listBatches(ctx: RequestContext, state?: string) {
    return listBatches(this.#d, ctx, state);
  }

  certificates(ctx: RequestContext, f: { patient?: string; batch?: string; limit: number }) {
    return certificates(this.#d, ctx, f);
  }

  certificate(ctx: RequestContext, id: string) {
    return certificate(this.#d, ctx, id);
  }

  /** Audits a request refused before it reached a use case (e.g. a cursor that is not valid), then rethrows. */
  refuse(ctx: RequestContext, action: RetentionAction, e: unknown): Promise<never> {
    return auditedAs(this.#d, ctx, action, {}, () => Promise.reject(e));
  }
}
