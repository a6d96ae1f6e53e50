import { recordAudit } from '../audit/audit-log.ts';
import type { AuditAction } from '../audit/audit-event.ts';
import type { Tx } from '../db/sql.ts';
import type { DocumentRecord, DocumentVersion, DocumentWithVersion } from '../domain/document.ts';
import type { RequestContext } from '../domain/principal.ts';
import { indexChange, type IndexOptions } from './fhir-index.ts';
import * as repo from './repository.ts';

export interface CommitOptions extends IndexOptions {
  /** Called after the transaction commits when remote FHIR work was queued. */
  onIndexWork?: (() => void) | undefined;
}

/**
 * Step 3 of the upload protocol (and the end of every other change), inside the caller's transaction: the intent is
 * committed, the FHIR index written or queued, and the audit row written, so all of them commit or none does.
 */
export async function commitChange(
  tx: Tx,
  o: CommitOptions,
  ctx: RequestContext,
  action: AuditAction,
  doc: DocumentRecord,
  version: DocumentVersion,
  intentId: string | null,
  detail?: Record<string, unknown>,
): Promise<DocumentWithVersion> {
  // pipelined on the transaction's connection: independent statements, one round trip
  const [, queued] = await Promise.all([
    intentId ? repo.finishIntent(tx, intentId, 'committed') : undefined,
    indexChange(tx, doc, version, o),
    recordAudit(tx, ctx, { action, outcome: 'success', documentId: doc.id, version: version.version, patient: doc.patient, detail }),
  ]);
  // after commit: the worker picks it up at once rather than at its next poll
  if (queued) setImmediate(() => o.onIndexWork?.());
  return { document: doc, version };
}
