import { randomUUID } from 'node:crypto';
import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { requirePatient } from '../auth/permissions.ts';
import type { Tx } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import { displayText } from '../domain/input-limits.ts';
import type { RequestContext } from '../domain/principal.ts';
import * as docs from '../documents/repository.ts';
import * as outbox from '../documents/outbox-repository.ts';
import { removeBuiltin } from '../fhir/builtin-index-repository.ts';
import * as certificates from './repository/certificates.ts';
import * as batches from './repository/disposal.ts';
import { auditedAs, recordsManager, requireReason, type RetentionDeps } from './retention-deps.ts';

/**
 * Four-eyes disposal: a records manager proposes documents that are due, a different one (or an admin) approves or
 * rejects. Approval writes the certificates and withdraws the documents; disposal.ts then destroys them.
 */

/** Step one of four eyes: a records manager proposes documents that are due (past retainUntil, not on hold). */
export async function propose(d: RetentionDeps, ctx: RequestContext, documentIds: string[], reason: string) {
  const target: AuditTarget = {};
  return auditedAs(d, ctx, 'retention.disposal.propose', target, async () => {
    const p = recordsManager(ctx);
    const why = requireReason(reason);
    const ids = [...new Set(documentIds)];
    if (ids.length === 1) target.documentId = ids[0];
    return d.sql.begin(async (tx) => {
      for (const id of ids) {
        await docs.retentionRow(tx, id, { forUpdate: true });
        const row = await docs.retentionRow(tx, id);
        if (!row) throw new AppError('not_found', `no document ${id}`, { document: id });
        if (ids.length === 1) target.patient = row.patient;
        requirePatient(p, row.patient);
        await assertDisposable(tx, row);
      }
      const inOther = await batches.documentsInOpenBatch(tx, ids);
      if (inOther.length) throw new AppError('disposal_state', `already proposed in another batch: ${inOther.join(', ')}`);
      const batch = await batches.insertBatch(tx, { id: randomUUID(), reason: why, proposedBy: p.sub, documents: ids });
      await recordAudit(tx, ctx, { action: 'retention.disposal.propose', outcome: 'success', ...target, detail: { batch: batch.id, documents: ids, reason: why } });
      for (const id of ids) {
        const row = (await docs.retentionRow(tx, id))!;
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
export async function approve(d: RetentionDeps, ctx: RequestContext, batchId: string, note: string | null) {
  return auditedAs(d, ctx, 'retention.disposal.approve', {}, async () => {
    const p = recordsManager(ctx);
    note = note === null ? null : displayText(note, 'note') || null;
    return d.sql.begin(async (tx) => {
      const b = await proposedBatch(tx, batchId);
      if (b.proposedBy === p.sub) throw new AppError('four_eyes', 'the proposer cannot approve their own disposal batch');
      for (const id of b.documents) {
        // lock first, then read in a new statement: its snapshot sees a hold committed while we waited for the lock
        await docs.retentionRow(tx, id, { forUpdate: true });
        const row = await docs.retentionRow(tx, id);
        if (!row) throw new AppError('not_found', `document ${id} no longer exists`, { document: id });
        requirePatient(p, row.patient);
        await assertDisposable(tx, row);
      }
      await batches.decideBatch(tx, b.id, 'approved', p.sub, note);
      for (const id of b.documents) await withdraw(tx, { id: randomUUID(), batchId: b.id, documentId: id, approvedBy: p.sub });
      await recordAudit(tx, ctx, { action: 'retention.disposal.approve', outcome: 'success', detail: { batch: b.id, documents: b.documents, proposedBy: b.proposedBy, note } });
      return (await batches.findBatch(tx, b.id))!;
    });
  });
}

export async function reject(d: RetentionDeps, ctx: RequestContext, batchId: string, note: string) {
  return auditedAs(d, ctx, 'retention.disposal.reject', {}, async () => {
    const p = recordsManager(ctx);
    note = requireReason(note, 'note');
    return d.sql.begin(async (tx) => {
      const b = await proposedBatch(tx, batchId);
      await batches.decideBatch(tx, b.id, 'rejected', p.sub, note);
      await recordAudit(tx, ctx, { action: 'retention.disposal.reject', outcome: 'success', detail: { batch: b.id, note, selfWithdrawn: b.proposedBy === p.sub } });
      return (await batches.findBatch(tx, b.id))!;
    });
  });
}

export async function listBatches(d: RetentionDeps, ctx: RequestContext, state?: string) {
  return auditedAs(d, ctx, 'retention.disposal.list', {}, async () => {
    recordsManager(ctx, { wholeOrganisation: true });
    const out = await batches.listBatches(d.sql, state);
    await recordAudit(d.sql, ctx, { action: 'retention.disposal.list', outcome: 'success', detail: { count: out.length } });
    return out;
  });
}

/** The batch, locked, while it awaits its decision. */
async function proposedBatch(tx: Tx, batchId: string): Promise<batches.DisposalBatch> {
  const b = await batches.findBatch(tx, batchId, { forUpdate: true });
  if (!b) throw new AppError('not_found', `no disposal batch ${batchId}`);
  if (b.state !== 'proposed') throw new AppError('disposal_state', `the batch is ${b.state}`);
  return b;
}

/** A document may be destroyed only after its retainUntil day and while no hold covers it. */
async function assertDisposable(tx: Tx, row: docs.RetentionRow): Promise<void> {
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

/**
 * Writes the document's certificate (state destroying) and withdraws it, in the approving transaction: from here on
 * it is not served, and reconcile finishes what a crash interrupts. It leaves the built-in FHIR index at once (the
 * remote entry goes during the destruction), and no more remote index work is queued for it.
 */
async function withdraw(tx: Tx, c: { id: string; batchId: string; documentId: string; approvedBy: string }): Promise<void> {
  await certificates.insertCertificate(tx, c);
  await docs.markDisposing(tx, c.documentId, c.id);
  await removeBuiltin(tx, c.documentId);
  await outbox.dropQueued(tx, c.documentId);
}
