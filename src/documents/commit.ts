import { recordAudit } from '../audit/audit-log.ts';
import type { AuditAction } from '../audit/audit-event.ts';
import type { Tx } from '../db/sql.ts';
import type { DocumentWithVersion } from '../domain/document.ts';
import type { RequestContext } from '../domain/principal.ts';
import { indexChange, type IndexOptions } from './fhir-index.ts';
import * as repo from './repository.ts';
import { AppError } from '../domain/errors.ts';

export interface CommitOptions extends IndexOptions {
  /** Called after the transaction commits when remote FHIR work was queued. */
  onIndexWork?: (() => void) | undefined;
}

/** What the change's audit row names: known before the rows are written. */
export interface ChangeTarget {
  documentId: string;
  version: number;
  patient: string;
}

/** A resumable upload already committed by another request (a retry after an answer lost in a failover). */
function secondCommit(e: unknown): never {
  if ((e as { code?: string; constraint_name?: string }).code === '23505' && (e as { constraint_name?: string }).constraint_name === repo.ONE_COMMIT_PER_UPLOAD) {
    throw new AppError('conflict', 'this upload has been committed already', {}, { cause: e });
  }
  throw e;
}

/**
 * Step 3 of the upload protocol (and the end of every other change), inside the caller's transaction: the intent is
 * committed, the FHIR index written or queued, and the audit row written, so all of them commit or none does.
 *
 * `rows` are the change's own writes, already sent on the transaction's connection and not yet awaited: the intent
 * and audit statements go out behind them, in the same round trip (they need nothing the writes return). The FHIR
 * index is written from the rows as stored, in a second round trip.
 */
export async function commitChange(
  tx: Tx,
  o: CommitOptions,
  ctx: RequestContext,
  action: AuditAction,
  target: ChangeTarget,
  rows: Promise<DocumentWithVersion>,
  intentId: string | null,
  detail?: Record<string, unknown>,
): Promise<DocumentWithVersion> {
  const [changed, intentCommitted] = await Promise.all([
    rows,
    intentId ? repo.finishIntent(tx, intentId, 'committed').catch(secondCommit) : true,
    recordAudit(tx, ctx, { action, outcome: 'success', documentId: target.documentId, version: target.version, patient: target.patient, detail }),
  ]);
  // keyed by the intent: only a pending intent commits (not one `reconcile` has claimed, its bytes being removed)
  if (!intentCommitted) throw new AppError('storage_unavailable', 'the bytes of this upload were reclaimed before its commit; send it again', { layer: 'blob' }, { retryAfter: 1 });
  const queued = await indexChange(tx, changed.document, changed.version, o);
  // after commit: the worker picks it up at once rather than at its next poll
  if (queued) setImmediate(() => o.onIndexWork?.());
  return changed;
}
