import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { requirePatient } from '../auth/permissions.ts';
import type { DocumentWithVersion } from '../domain/document.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import * as docs from '../documents/repository.ts';
import { applyRetention, classNamed, factsOf } from './recompute.ts';
import { auditedAs, recordsManager, requireReason, type RetentionDeps } from './retention-deps.ts';
import { syncAfterCommit } from './store-retention.ts';

/** Reclassifies a document; its retainUntil is recomputed in the same transaction. Returns the document as it is now, at its current version. */
export async function setClass(d: RetentionDeps, ctx: RequestContext, documentId: string, code: string, reason: string): Promise<DocumentWithVersion> {
  const target: AuditTarget = { documentId };
  return auditedAs(d, ctx, 'retention.class.set', target, async () => {
    const p = recordsManager(ctx);
    reason = requireReason(reason);
    const cls = classNamed(d, code);
    const doc = await d.sql.begin(async (tx) => {
      const row = await docs.retentionRow(tx, documentId, { forUpdate: true });
      if (!row) throw new AppError('not_found', `no document ${documentId}`);
      target.patient = row.patient;
      requirePatient(p, row.patient);
      if ((await docs.findDocument(tx, documentId))?.disposalId) throw new AppError('document_disposed');
      const to = await applyRetention(d, tx, row, await factsOf(tx, row.patient), cls.code);
      await recordAudit(tx, ctx, { action: 'retention.class.set', outcome: 'success', documentId, patient: row.patient, detail: { from: row.retentionClass, to: cls.code, retainUntil: { from: row.retainUntil, to }, reason } });
      const document = (await docs.findDocument(tx, documentId))!;
      return { document, version: (await docs.findVersion(tx, documentId, document.currentVersion))! };
    });
    syncAfterCommit(d, [documentId]);
    return doc;
  });
}
