import { randomUUID } from 'node:crypto';
import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { requirePatient } from '../auth/permissions.ts';
import { findType } from '../domain/document-types.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { isIsoDate } from '../domain/retention-schedule.ts';
import { validatePatient } from '../documents/metadata.ts';
import * as docs from '../documents/repository.ts';
import * as holds from './repository/holds.ts';
import { auditedAs, recordsManager, requireReason, type RetentionDeps } from './retention-deps.ts';
import { syncAfterCommit } from './store-retention.ts';

/** Legal holds: set on a document, a patient or a type over a date range; lifted with who and why; listed. */

export interface HoldRequest {
  scope: 'document' | 'patient' | 'type';
  document?: string;
  patient?: string;
  type?: string;
  from?: string;
  to?: string;
  reason: string;
}

export async function setHold(d: RetentionDeps, ctx: RequestContext, h: HoldRequest) {
  const target: AuditTarget = { documentId: h.document ?? null };
  return auditedAs(d, ctx, 'retention.hold.set', target, async () => {
    const p = recordsManager(ctx);
    const reason = requireReason(h.reason);
    const hold = { id: randomUUID(), scope: h.scope, documentId: null as string | null, patient: null as string | null, typeCode: null as string | null, dateFrom: null as string | null, dateTo: null as string | null, reason, setBy: p.sub };
    if (h.scope === 'document') {
      if (!h.document) throw new AppError('validation_failed', 'a document hold names the document', { field: 'document' });
      const doc = await docs.findDocument(d.sql, h.document);
      if (!doc) throw new AppError('not_found', `no document ${h.document}`);
      target.patient = doc.patient;
      requirePatient(p, doc.patient);
      hold.documentId = doc.id;
    } else if (h.scope === 'patient') {
      hold.patient = validatePatient(h.patient ?? '');
      target.patient = hold.patient;
      requirePatient(p, hold.patient);
    } else {
      if (p.patients !== null) throw new AppError('patient_forbidden', 'a type hold covers every patient: it needs a records manager not limited to some patients');
      if (!h.type || !findType(d.valueSet, h.type)) throw new AppError('unknown_document_type', 'a type hold names a document type (GET /v1/document-types)', { field: 'type' });
      if (!isIsoDate(h.from) || !isIsoDate(h.to) || h.from > h.to) throw new AppError('validation_failed', 'a type hold needs from <= to, both calendar dates', { field: 'from' });
      Object.assign(hold, { typeCode: h.type, dateFrom: h.from, dateTo: h.to });
    }
    const { saved, covered } = await d.sql.begin(async (tx) => {
      const saved = await holds.insertHold(tx, hold);
      const covered = await docs.documentsUnderHold(tx, saved);
      await recordAudit(tx, ctx, { action: 'retention.hold.set', outcome: 'success', ...target, detail: { hold: saved.id, scope: saved.scope, typeCode: saved.typeCode, from: saved.dateFrom, to: saved.dateTo, reason, documents: covered.length } });
      return { saved, covered };
    });
    syncAfterCommit(d, covered);
    return { ...saved, documents: covered.length };
  });
}

export async function liftHold(d: RetentionDeps, ctx: RequestContext, id: string, reason: string) {
  const target: AuditTarget = {};
  return auditedAs(d, ctx, 'retention.hold.lift', target, async () => {
    const p = recordsManager(ctx);
    const why = requireReason(reason);
    const { hold, covered } = await d.sql.begin(async (tx) => {
      const hold = await holds.findHold(tx, id, { forUpdate: true });
      if (!hold) throw new AppError('not_found', `no legal hold ${id}`);
      Object.assign(target, { documentId: hold.documentId, patient: hold.patient });
      if (hold.liftedAt) throw new AppError('validation_failed', 'the hold was already lifted');
      const covered = await docs.documentsUnderHold(tx, hold);
      await holds.liftHold(tx, id, p.sub, why);
      await recordAudit(tx, ctx, { action: 'retention.hold.lift', outcome: 'success', ...target, detail: { hold: id, reason: why, documents: covered.length } });
      return { hold: (await holds.findHold(tx, id))!, covered };
    });
    syncAfterCommit(d, covered);
    return hold;
  });
}

export async function listHolds(d: RetentionDeps, ctx: RequestContext, f: { active: boolean; patient?: string; document?: string }) {
  const target: AuditTarget = { patient: f.patient ?? null, documentId: f.document ?? null };
  return auditedAs(d, ctx, 'retention.hold.list', target, async () => {
    const p = recordsManager(ctx, { wholeOrganisation: !f.patient });
    if (f.patient) requirePatient(p, f.patient);
    const found = await holds.listHolds(d.sql, f);
    await recordAudit(d.sql, ctx, { action: 'retention.hold.list', outcome: 'success', ...target, detail: { count: found.length } });
    return found;
  });
}
