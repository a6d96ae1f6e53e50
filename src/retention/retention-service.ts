import { createHash, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { audited, type AuditTarget } from '../audit/audited.ts';
import type { RetentionAction } from '../audit/audit-event.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { canAccessPatient, hasPermission, principalOf, requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Db, Sql, Tx } from '../db/sql.ts';
import { findType, type DocumentValueSet } from '../domain/document-types.ts';
import type { DocumentWithVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import { isValidNhsNumber, normaliseNhsNumber } from '../domain/nhs-number.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import { indexChange, initialFhirState, type IndexOptions } from '../documents/fhir-index.ts';
import * as docs from '../documents/repository.ts';
import * as repo from './repository.ts';
import { computeRetention, findClass, isIsoDate, NO_FACTS, type FactName, type PatientFacts, type RetentionClass, type RetentionSchedule } from '../domain/retention-schedule.ts';
import { lockDateOf, syncStoreRetention } from './store-retention.ts';

export interface RetentionServiceOptions {
  sql: Sql;
  log: Logger;
  blobs: BlobStores;
  schedule: RetentionSchedule;
  valueSet: DocumentValueSet;
  index: IndexOptions & { onIndexWork?: (() => void) | undefined };
}

const FACTS: FactName[] = ['dateOfBirth', 'dateOfDeath', 'lastContact', 'lastChildBirth'];
const FALLBACK_CLASS = 'adult';

export type FactsPatch = Partial<Record<FactName, string | null>>;

/** Stands for an NDJSON line too long to read (the reader drops its text): reported as that line's error. */
export const TOO_LONG_LINE = '\u0000';

/**
 * Records governance use cases, each audited: patient facts, a document's retention class, legal holds, the list of
 * documents due for disposal, and four-eyes disposal ending in certificates of destruction (disposal.ts runs them).
 * Every retention date is recomputed in the transaction that changes what it depends on.
 */
export class RetentionService {
  readonly #o: RetentionServiceOptions;
  /** Identifies the schedule in force: each computed date records it, so a changed schedule is re-applied. */
  readonly #fingerprint: string;

  constructor(o: RetentionServiceOptions) {
    this.#o = o;
    this.#fingerprint = createHash('sha256').update(JSON.stringify(o.schedule)).digest('hex').slice(0, 16);
  }

  get schedule(): RetentionSchedule {
    return this.#o.schedule;
  }

  // ---- used by the documents service at upload ----

  /** The class a new document gets: the override if the uploader's role may set it, else its type's class. */
  classFor(p: Principal, typeCode: string, override: string | undefined): RetentionClass {
    if (override !== undefined && override !== '') {
      const c = findClass(this.#o.schedule, override);
      if (!c) throw new AppError('unknown_retention_class', `retentionClass must be one of ${this.#o.schedule.classes.map((x) => x.code).join(', ')}`, { field: 'retentionClass' });
      if (!p.roles.some((r) => c.roles.includes(r))) throw new AppError('forbidden', `your role may not set retention class ${c.code}`, { field: 'retentionClass' });
      return c;
    }
    const code = findType(this.#o.valueSet, typeCode)?.retentionClass ?? FALLBACK_CLASS;
    return findClass(this.#o.schedule, code) ?? findClass(this.#o.schedule, FALLBACK_CLASS) ?? this.#o.schedule.classes[0]!;
  }

  /**
   * Before the bytes are stored: the Object Lock date a new version gets (null when the store does not lock or the
   * date is already past). A floor of the retention: never longer than what the schedule will require.
   */
  async lockFor(patient: string, cls: { code: string }, documentDate: string, promised: string | null = null): Promise<Date | null> {
    if (!this.#o.blobs.live.retention) return null;
    const facts = (await repo.findFacts(this.#o.sql, patient)) ?? NO_FACTS;
    const r = computeRetention(this.#classOf(cls.code), { facts, documentDate, promised });
    return lockDateOf(r.retainUntil ?? r.floor);
  }

  /**
   * Inside the upload transaction, before the new document's row is inserted: the retention it is inserted with (so
   * the row needs no update afterwards). The facts are read under the patient's lock, shared.
   */
  async forNewDocument(tx: Tx, patient: string, cls: { code: string }, clinicalDate: string | null, lockedUntil: Date | null): Promise<docs.NewDocumentRetention> {
    // In turn with fact changes for this patient (setFacts takes the same lock, exclusively): never computed from stale
    // facts. Uploads only read the facts, so they take it shared and do not wait for each other. Two statements,
    // pipelined (one round trip): the facts are read in a snapshot taken after the lock is held.
    const [, stored] = await Promise.all([lockPatientFacts(tx, patient, { shared: true }), repo.factsForNewDocument(tx, patient)]);
    // The Object Lock date the bytes were written with, and the document date: its clinical date, else the day it is
    // created (created_at is the transaction's now(), whose UTC date the facts statement read).
    const objectLockUntil = lockedUntil ? isoDay(lockedUntil, -1) : null;
    const r = this.#compute(cls.code, stored.facts ?? NO_FACTS, clinicalDate ?? stored.today, objectLockUntil);
    return { ...r, objectLockUntil };
  }

  /** After a commit that may have raised retention or changed holds: brings the stored objects' locks in step. */
  afterCommit(documentIds: string[], opts: { newVersion?: boolean } = {}): void {
    if (!documentIds.length) return;
    setImmediate(() => {
      (async () => {
        // a new version of a held document must be held too: mark the store out of step, so the sync re-applies it
        if (opts.newVersion) await repo.markLegalHoldUnapplied(this.#o.sql, documentIds);
        await syncStoreRetention(this.#o, documentIds);
      })().catch((e) => this.#o.log.warn({ err: e }, 'object lock sync failed; reconcile will retry'));
    });
  }

  /**
   * Computes retention for documents stored before retention existed (class from their type) and recomputes those
   * computed with another schedule (QUILL_RETENTION_SCHEDULE_FILE changed; their class kept if it still exists), in
   * batches, each document in its own transaction; returns how many. Run by `reconcile`.
   */
  async backfill(batch = 500): Promise<number> {
    let n = 0;
    for (;;) {
      const rows = await repo.documentsNotComputedWith(this.#o.sql, this.#fingerprint, batch);
      if (!rows.length) break;
      const touched: string[] = [];
      for (const { id, computed } of rows) {
        await this.#o.sql.begin(async (tx) => {
          const doc = await docs.findDocument(tx, id);
          if (!doc) return;
          await lockPatientFacts(tx, doc.patient); // the same order as setFacts: patient lock, then the rows
          const row = await repo.retentionRow(tx, id, { forUpdate: true });
          if (!row) return;
          const fromType = findType(this.#o.valueSet, doc.type.code)?.retentionClass ?? FALLBACK_CLASS;
          const code = computed && findClass(this.#o.schedule, row.retentionClass) ? row.retentionClass : fromType;
          await this.#apply(tx, row, await this.#factsOf(tx, row.patient), code);
          touched.push(id);
        });
        n++;
      }
      this.afterCommit(touched);
      if (rows.length < batch) break;
    }
    return n;
  }

  // ---- patient facts ----

  async getFacts(ctx: RequestContext, patientIn: string) {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'retention.facts.read', target, async () => {
      const p = this.#manager(ctx);
      const patient = nhs(patientIn);
      target.patient = patient;
      requirePatient(p, patient);
      const f = await repo.findFacts(this.#o.sql, patient);
      await recordAudit(this.#o.sql, ctx, { action: 'retention.facts.read', outcome: 'success', patient });
      return { patient, ...(f ?? { ...NO_FACTS, updatedAt: null, updatedBy: null }) };
    });
  }

  /** Sets the named facts (null clears one), recomputing every document of the patient in the same transaction. */
  async setFacts(ctx: RequestContext, patientIn: string, patch: FactsPatch, source: 'api' | 'import' = 'api') {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'retention.facts.set', target, async () => {
      const p = this.#manager(ctx);
      const patient = nhs(patientIn);
      target.patient = patient;
      requirePatient(p, patient);
      checkFacts(patch);
      const result = await this.#o.sql.begin(async (tx) => {
        await lockPatientFacts(tx, patient);
        const before = (await repo.findFacts(tx, patient)) ?? NO_FACTS;
        const facts: PatientFacts = { ...pick(before), ...patch };
        checkOrder(facts);
        await repo.upsertFacts(tx, patient, facts, p.sub);
        const changed: { id: string; from: string | null; to: string | null }[] = [];
        for (const row of await repo.retentionRowsForPatient(tx, patient)) {
          const to = await this.#apply(tx, row, facts);
          if (to !== row.retainUntil) changed.push({ id: row.id, from: row.retainUntil, to });
        }
        const diff = Object.fromEntries(FACTS.filter((k) => patch[k] !== undefined && patch[k] !== before[k]).map((k) => [k, { from: before[k], to: patch[k] }]));
        await recordAudit(tx, ctx, { action: 'retention.facts.set', outcome: 'success', patient, detail: { source, facts: diff, documentsRecomputed: changed } });
        return { facts, changed };
      });
      this.afterCommit(result.changed.map((c) => c.id));
      return { patient, ...result.facts, documentsRecomputed: result.changed };
    });
  }

  /** A PAS feed: one JSON object per line ({"patient": …, "dateOfDeath": …}); each line its own transaction and audit row. */
  async importFacts(ctx: RequestContext, lines: AsyncIterable<string>) {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'retention.facts.import', target, async () => {
      this.#manager(ctx);
      let n = 0;
      let imported = 0;
      const failed: { line: number; code: string; detail: string }[] = [];
      for await (const raw of lines) {
        n++;
        if (!raw.trim()) continue;
        try {
          if (raw === TOO_LONG_LINE) throw new AppError('payload_too_large', 'the line is longer than 64 KiB');
          let rec: Record<string, unknown>;
          try {
            rec = JSON.parse(raw) as Record<string, unknown>;
          } catch {
            throw new AppError('validation_failed', 'not a JSON object');
          }
          if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new AppError('validation_failed', 'not a JSON object');
          const { patient, ...rest } = rec;
          const unknown = Object.keys(rest).filter((k) => !(FACTS as string[]).includes(k));
          if (unknown.length) throw new AppError('validation_failed', `unknown field(s) ${unknown.join(', ')}`);
          await this.setFacts(ctx, String(patient ?? ''), rest as FactsPatch, 'import');
          imported++;
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          if (failed.length < 1000) failed.push({ line: n, code: e.code, detail: e.message });
        }
      }
      const summary = { lines: n, imported, failed: failed.length };
      await recordAudit(this.#o.sql, ctx, { action: 'retention.facts.import', outcome: failed.length ? 'failed' : 'success', detail: summary });
      return { ...summary, errors: failed };
    });
  }

  // ---- a document's class ----

  /** Reclassifies a document; answers it as it is now, at its current version. */
  async setClass(ctx: RequestContext, documentId: string, code: string, reason: string): Promise<DocumentWithVersion> {
    const target: AuditTarget = { documentId };
    return this.#audited(ctx, 'retention.class.set', target, async () => {
      const p = this.#manager(ctx);
      const cls = findClass(this.#o.schedule, code);
      if (!cls) throw new AppError('unknown_retention_class', `retentionClass must be one of ${this.#o.schedule.classes.map((x) => x.code).join(', ')}`, { field: 'retentionClass' });
      const doc = await this.#o.sql.begin(async (tx) => {
        const row = await repo.retentionRow(tx, documentId, { forUpdate: true });
        if (!row) throw new AppError('not_found', `no document ${documentId}`);
        target.patient = row.patient;
        requirePatient(p, row.patient);
        if ((await docs.findDocument(tx, documentId))?.disposalId) throw new AppError('document_disposed');
        const to = await this.#apply(tx, row, await this.#factsOf(tx, row.patient), cls.code);
        await recordAudit(tx, ctx, { action: 'retention.class.set', outcome: 'success', documentId, patient: row.patient, detail: { from: row.retentionClass, to: cls.code, retainUntil: { from: row.retainUntil, to }, reason } });
        const document = (await docs.findDocument(tx, documentId))!;
        return { document, version: (await docs.findVersion(tx, documentId, document.currentVersion))! };
      });
      this.afterCommit([documentId]);
      return doc;
    });
  }

  // ---- legal holds ----

  async setHold(ctx: RequestContext, h: { scope: 'document' | 'patient' | 'type'; document?: string; patient?: string; type?: string; from?: string; to?: string; reason: string }) {
    const target: AuditTarget = { documentId: h.document ?? null };
    return this.#audited(ctx, 'retention.hold.set', target, async () => {
      const p = this.#manager(ctx);
      const reason = h.reason.trim();
      if (reason.length < 3) throw new AppError('validation_failed', 'a reason is required', { field: 'reason' });
      const hold = { id: randomUUID(), scope: h.scope, documentId: null as string | null, patient: null as string | null, typeCode: null as string | null, dateFrom: null as string | null, dateTo: null as string | null, reason, setBy: p.sub };
      if (h.scope === 'document') {
        if (!h.document) throw new AppError('validation_failed', 'a document hold names the document', { field: 'document' });
        const doc = await docs.findDocument(this.#o.sql, h.document);
        if (!doc) throw new AppError('not_found', `no document ${h.document}`);
        target.patient = doc.patient;
        requirePatient(p, doc.patient);
        hold.documentId = doc.id;
      } else if (h.scope === 'patient') {
        hold.patient = nhs(h.patient ?? '');
        target.patient = hold.patient;
        requirePatient(p, hold.patient);
      } else {
        if (p.patients !== null) throw new AppError('patient_forbidden', 'a type hold covers every patient: it needs a records manager not limited to some patients');
        if (!h.type || !findType(this.#o.valueSet, h.type)) throw new AppError('unknown_document_type', 'a type hold names a document type (GET /v1/document-types)', { field: 'type' });
        if (!isIsoDate(h.from) || !isIsoDate(h.to) || h.from > h.to) throw new AppError('validation_failed', 'a type hold needs from <= to, both calendar dates', { field: 'from' });
        Object.assign(hold, { typeCode: h.type, dateFrom: h.from, dateTo: h.to });
      }
      const { saved, covered } = await this.#o.sql.begin(async (tx) => {
        const saved = await repo.insertHold(tx, hold);
        const covered = await repo.documentsUnderHold(tx, saved);
        await recordAudit(tx, ctx, { action: 'retention.hold.set', outcome: 'success', ...target, detail: { hold: saved.id, scope: saved.scope, typeCode: saved.typeCode, from: saved.dateFrom, to: saved.dateTo, reason, documents: covered.length } });
        return { saved, covered };
      });
      this.afterCommit(covered);
      return { ...saved, documents: covered.length };
    });
  }

  async liftHold(ctx: RequestContext, id: string, reason: string) {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'retention.hold.lift', target, async () => {
      const p = this.#manager(ctx);
      const why = reason.trim();
      if (why.length < 3) throw new AppError('validation_failed', 'a reason is required', { field: 'reason' });
      const { hold, covered } = await this.#o.sql.begin(async (tx) => {
        const hold = await repo.findHold(tx, id, { forUpdate: true });
        if (!hold) throw new AppError('not_found', `no legal hold ${id}`);
        Object.assign(target, { documentId: hold.documentId, patient: hold.patient });
        if (hold.liftedAt) throw new AppError('validation_failed', 'the hold was already lifted');
        const covered = await repo.documentsUnderHold(tx, hold);
        await repo.liftHold(tx, id, p.sub, why);
        await recordAudit(tx, ctx, { action: 'retention.hold.lift', outcome: 'success', ...target, detail: { hold: id, reason: why, documents: covered.length } });
        return { hold: (await repo.findHold(tx, id))!, covered };
      });
      this.afterCommit(covered);
      return hold;
    });
  }

  async listHolds(ctx: RequestContext, f: { active: boolean; patient?: string; document?: string }) {
    const target: AuditTarget = { patient: f.patient ?? null, documentId: f.document ?? null };
    return this.#audited(ctx, 'retention.hold.list', target, async () => {
      const p = this.#manager(ctx, { wholeOrganisation: !f.patient });
      if (f.patient) requirePatient(p, f.patient);
      const holds = await repo.listHolds(this.#o.sql, f);
      await recordAudit(this.#o.sql, ctx, { action: 'retention.hold.list', outcome: 'success', ...target, detail: { count: holds.length } });
      return holds;
    });
  }

  // ---- disposal ----

  async due(ctx: RequestContext, cursor: string | undefined, limit: number) {
    return this.#audited(ctx, 'retention.due', {}, async () => {
      this.#manager(ctx, { wholeOrganisation: true });
      const after = cursor ? decodeCursor(cursor) : null;
      const rows = await repo.dueDocuments(this.#o.sql, after, limit + 1);
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      await recordAudit(this.#o.sql, ctx, { action: 'retention.due', outcome: 'success', detail: { count: items.length } });
      return { items, nextCursor: rows.length > limit && last ? Buffer.from(`${last.retainUntil}|${last.id}`).toString('base64url') : null };
    });
  }

  /** Step one of four eyes: a records manager proposes documents that are due (past retainUntil, not on hold). */
  async propose(ctx: RequestContext, documentIds: string[], reason: string) {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'retention.disposal.propose', target, async () => {
      const p = this.#manager(ctx);
      const why = reason.trim();
      if (why.length < 3) throw new AppError('validation_failed', 'a reason is required', { field: 'reason' });
      const ids = [...new Set(documentIds)];
      if (ids.length === 1) target.documentId = ids[0];
      return this.#o.sql.begin(async (tx) => {
        for (const id of ids) {
          await repo.retentionRow(tx, id, { forUpdate: true });
          const row = await repo.retentionRow(tx, id);
          if (!row) throw new AppError('not_found', `no document ${id}`, { document: id });
          if (ids.length === 1) target.patient = row.patient;
          requirePatient(p, row.patient);
          await assertDisposable(tx, row);
        }
        const inOther = await tx<{ document_id: string }[]>`select i.document_id from disposal_items i join disposal_batches b on b.id = i.batch_id
          where b.state = 'proposed' and i.document_id = any(${ids}::uuid[])`;
        if (inOther.length) throw new AppError('disposal_state', `already proposed in another batch: ${inOther.map((r) => r.document_id).join(', ')}`);
        const batch = await repo.insertBatch(tx, { id: randomUUID(), reason: why, proposedBy: p.sub, documents: ids });
        await recordAudit(tx, ctx, { action: 'retention.disposal.propose', outcome: 'success', ...target, detail: { batch: batch.id, documents: ids, reason: why } });
        for (const id of ids) {
          const row = (await repo.retentionRow(tx, id))!;
          await recordAudit(tx, ctx, { action: 'retention.disposal.propose', outcome: 'success', documentId: id, patient: row.patient, detail: { batch: batch.id } });
        }
        return batch;
      });
    });
  }

  /**
   * Step two: a different records manager, or an admin, approves. Every document is checked again (a hold set since,
   * a retention extended since): one that is no longer due refuses the whole approval. The certificates are written
   * and the documents withdrawn in this transaction; the destruction itself runs after it (disposal.ts).
   */
  async approve(ctx: RequestContext, batchId: string, note: string | null) {
    const target: AuditTarget = {};
    const batch = await this.#audited(ctx, 'retention.disposal.approve', target, async () => {
      const p = this.#manager(ctx);
      return this.#o.sql.begin(async (tx) => {
        const b = await repo.findBatch(tx, batchId, { forUpdate: true });
        if (!b) throw new AppError('not_found', `no disposal batch ${batchId}`);
        if (b.state !== 'proposed') throw new AppError('disposal_state', `the batch is ${b.state}`);
        if (b.proposedBy === p.sub) throw new AppError('four_eyes', 'the proposer cannot approve their own disposal batch');
        for (const id of b.documents) {
          // lock first, then read in a new statement: its snapshot sees a hold committed while we waited for the lock
          await repo.retentionRow(tx, id, { forUpdate: true });
          const row = await repo.retentionRow(tx, id);
          if (!row) throw new AppError('not_found', `document ${id} no longer exists`, { document: id });
          requirePatient(p, row.patient);
          await assertDisposable(tx, row);
        }
        await repo.decideBatch(tx, b.id, 'approved', p.sub, note);
        for (const id of b.documents) await repo.openCertificate(tx, { id: randomUUID(), batchId: b.id, documentId: id, approvedBy: p.sub });
        await recordAudit(tx, ctx, { action: 'retention.disposal.approve', outcome: 'success', detail: { batch: b.id, documents: b.documents, proposedBy: b.proposedBy, note } });
        return (await repo.findBatch(tx, b.id))!;
      });
    });
    return batch;
  }

  async reject(ctx: RequestContext, batchId: string, note: string) {
    return this.#audited(ctx, 'retention.disposal.reject', {}, async () => {
      const p = this.#manager(ctx);
      return this.#o.sql.begin(async (tx) => {
        const b = await repo.findBatch(tx, batchId, { forUpdate: true });
        if (!b) throw new AppError('not_found', `no disposal batch ${batchId}`);
        if (b.state !== 'proposed') throw new AppError('disposal_state', `the batch is ${b.state}`);
        await repo.decideBatch(tx, b.id, 'rejected', p.sub, note);
        await recordAudit(tx, ctx, { action: 'retention.disposal.reject', outcome: 'success', detail: { batch: b.id, note, selfWithdrawn: b.proposedBy === p.sub } });
        return (await repo.findBatch(tx, b.id))!;
      });
    });
  }

  /** One batch as it stands (after the approving request ran it; that request is audited already). */
  async batch(id: string): Promise<repo.DisposalBatch | null> {
    return repo.findBatch(this.#o.sql, id);
  }

  async listBatches(ctx: RequestContext, state?: string) {
    return this.#audited(ctx, 'retention.disposal.list', {}, async () => {
      this.#manager(ctx, { wholeOrganisation: true });
      const out = await repo.listBatches(this.#o.sql, state);
      await recordAudit(this.#o.sql, ctx, { action: 'retention.disposal.list', outcome: 'success', detail: { count: out.length } });
      return out;
    });
  }

  async certificates(ctx: RequestContext, f: { patient?: string; batch?: string; limit: number }) {
    const target: AuditTarget = { patient: f.patient ?? null };
    return this.#audited(ctx, 'retention.certificate.read', target, async () => {
      const p = principalOf(ctx);
      if (!hasPermission(p, 'records:manage') && !hasPermission(p, 'audit:read')) throw new AppError('forbidden', 'certificates are for records managers, auditors and admins');
      // a reader limited to some patients lists one of them at a time
      if (p.patients !== null && !(f.patient && canAccessPatient(p, f.patient))) throw new AppError('patient_forbidden', 'name one of your patients (?patient=)');
      const out = await repo.listCertificates(this.#o.sql, f);
      await recordAudit(this.#o.sql, ctx, { action: 'retention.certificate.read', outcome: 'success', ...target, detail: { count: out.length } });
      return out;
    });
  }

  async certificate(ctx: RequestContext, id: string) {
    const target: AuditTarget = {};
    return this.#audited(ctx, 'retention.certificate.read', target, async () => {
      const p = principalOf(ctx);
      if (!hasPermission(p, 'records:manage') && !hasPermission(p, 'audit:read')) throw new AppError('forbidden', 'certificates are for records managers, auditors and admins');
      const c = await repo.findCertificate(this.#o.sql, id);
      if (!c) throw new AppError('not_found', `no certificate ${id}`);
      Object.assign(target, { documentId: c.documentId, patient: c.patient });
      if (!canAccessPatient(p, c.patient)) throw new AppError('patient_forbidden');
      await recordAudit(this.#o.sql, ctx, { action: 'retention.certificate.read', outcome: 'success', ...target });
      return c;
    });
  }

  // ---- internals ----

  /** Recomputes one document's retention (optionally with a new class) and reindexes it when the date moved. */
  async #apply(tx: Tx, row: repo.RetentionRow, facts: PatientFacts, classCode?: string): Promise<string | null> {
    const code = classCode ?? row.retentionClass;
    const r = this.#compute(code, facts, row.documentDate, row.objectLockUntil);
    await repo.setRetention(tx, row.id, r);
    if (r.retainUntil !== row.retainUntil || code !== row.retentionClass) await this.#reindex(tx, row.id);
    return r.retainUntil;
  }

  /** A document's retention under this schedule, as its row stores it. */
  #compute(code: string, facts: PatientFacts, documentDate: string, promised: string | null) {
    const r = computeRetention(this.#classOf(code), { facts, documentDate, promised });
    return { retentionClass: code, retainUntil: r.retainUntil, missing: r.missing, basis: r.basis, schedule: this.#fingerprint };
  }

  /** The FHIR entry carries retainUntil: rewrite the built-in one now and queue the remote one. */
  async #reindex(tx: Tx, documentId: string): Promise<void> {
    const state = initialFhirState(this.#o.index);
    if (state === 'pending') await tx`update documents set fhir_state = 'pending' where id = ${documentId}`;
    const doc = await docs.findDocument(tx, documentId);
    if (!doc) return;
    const version = await docs.findVersion(tx, documentId, doc.currentVersion);
    if (version && (await indexChange(tx, doc, version, this.#o.index))) setImmediate(() => this.#o.index.onIndexWork?.());
  }

  #classOf(code: string): RetentionClass {
    return findClass(this.#o.schedule, code) ?? findClass(this.#o.schedule, FALLBACK_CLASS) ?? this.#o.schedule.classes[0]!;
  }

  async #factsOf(db: Db, patient: string): Promise<PatientFacts> {
    return pick((await repo.findFacts(db, patient)) ?? NO_FACTS);
  }

  #manager(ctx: RequestContext, opts: { wholeOrganisation?: boolean } = {}): Principal {
    const p = principalOf(ctx);
    requirePermission(p, 'records:manage');
    // lists across patients (due documents, batches, type holds) are for records managers not limited to some patients
    if (opts.wholeOrganisation && p.patients !== null) throw new AppError('patient_forbidden', 'this needs a records manager whose token is not limited to some patients');
    return p;
  }

  #audited<T>(ctx: RequestContext, action: RetentionAction, target: AuditTarget, fn: () => Promise<T>): Promise<T> {
    return audited(this.#o.sql, this.#o.log, ctx, action, target, fn);
  }
}

/** A document may be destroyed only after its retainUntil day and while no hold covers it. */
async function assertDisposable(tx: Tx, row: repo.RetentionRow): Promise<void> {
  const doc = await docs.findDocument(tx, row.id);
  if (doc?.disposalId) throw new AppError('document_disposed', `document ${row.id} is already being disposed of`, { document: row.id });
  if (row.onHold) throw new AppError('legal_hold', `document ${row.id} is under legal hold`, { document: row.id });
  const today = new Date().toISOString().slice(0, 10);
  if (row.retainUntil === null || row.retainUntil >= today) {
    throw new AppError('retention_period_active', row.retainUntil ? `document ${row.id} must be kept until ${row.retainUntil}` : `document ${row.id} must be kept until a missing fact is recorded`, {
      document: row.id,
      retainUntil: row.retainUntil,
    });
  }
}

/** Serialises fact changes and new documents of one patient (a transaction-scoped advisory lock). */
async function lockPatientFacts(tx: Tx, patient: string, opts: { shared?: boolean } = {}): Promise<void> {
  const key = `quill-patient-facts:${patient}`;
  await (opts.shared ? tx`select pg_advisory_xact_lock_shared(hashtext(${key}))` : tx`select pg_advisory_xact_lock(hashtext(${key}))`);
}

const pick = (f: PatientFacts): PatientFacts => ({ dateOfBirth: f.dateOfBirth, dateOfDeath: f.dateOfDeath, lastContact: f.lastContact, lastChildBirth: f.lastChildBirth });

function nhs(v: string): string {
  const n = normaliseNhsNumber(v);
  if (!isValidNhsNumber(n)) throw new AppError('invalid_nhs_number', 'patient must be a 10-digit NHS number with a valid check digit', { field: 'patient' });
  return n;
}

function checkFacts(patch: FactsPatch): void {
  const today = new Date().toISOString().slice(0, 10);
  for (const [k, v] of Object.entries(patch)) {
    if (!(FACTS as string[]).includes(k)) throw new AppError('validation_failed', `unknown fact ${k}`, { field: k });
    if (v === null) continue;
    if (!isIsoDate(v)) throw new AppError('validation_failed', `${k} must be a calendar date YYYY-MM-DD or null`, { field: k });
    if (v > today) throw new AppError('validation_failed', `${k} cannot be in the future`, { field: k });
    // facts about a patient of this service; also keeps every date PostgreSQL is given inside its range (year 1+)
    if (v < EARLIEST_FACT) throw new AppError('validation_failed', `${k} cannot be before ${EARLIEST_FACT}`, { field: k });
  }
}

const EARLIEST_FACT = '1850-01-01';

function checkOrder(f: PatientFacts): void {
  const dob = f.dateOfBirth;
  for (const k of ['dateOfDeath', 'lastContact', 'lastChildBirth'] as const) {
    if (dob && f[k] && f[k]! < dob) throw new AppError('validation_failed', `${k} is before the date of birth`, { field: k });
  }
}

function decodeCursor(c: string): { retainUntil: string; id: string } {
  const [retainUntil, id] = Buffer.from(c, 'base64url').toString().split('|');
  if (!isIsoDate(retainUntil) || !/^[0-9a-f-]{36}$/.test(id ?? '')) throw new AppError('validation_failed', 'cursor is not valid', { field: 'cursor' });
  return { retainUntil, id: id! };
}

/** YYYY-MM-DD of a Date, shifted by n days. */
export const isoDay = (d: Date, n = 0): string => new Date(d.getTime() + n * 86_400_000).toISOString().slice(0, 10);
