import { recordAudit } from '../../audit/audit-log.ts';
import type { Sql } from '../../db/sql.ts';
import { faultPoint } from '../../documents/fault-points.ts';
import * as repo from '../../documents/repository.ts';
import type { StoredVersionRef } from '../../documents/repository.ts';
import type { RequestContext } from '../../domain/principal.ts';

/**
 * Points the version's row at its verified copy and writes the audit row, in one transaction, guarded by
 * `where blob_store = from` (so a re-run or a concurrent run never repoints twice). Returns whether the row moved.
 */
export async function repoint(
  sql: Sql,
  ctx: RequestContext,
  r: StoredVersionRef,
  move: { from: string; to: string; toVersionId: string | null; adopted: boolean; runId: string },
): Promise<boolean> {
  faultPoint('migrate-before-commit');
  const moved = await sql.begin(async (tx) => {
    if (!(await repo.repointVersion(tx, r, move.from, move.to, move.toVersionId))) return false;
    await recordAudit(tx, ctx, {
      action: 'document.blob-migrate',
      outcome: 'success',
      documentId: r.documentId,
      version: r.version,
      patient: r.patient,
      detail: { from: move.from, to: move.to, key: r.blobKey, fromVersionId: r.blobVersionId, toVersionId: move.toVersionId, sha256: r.sha256, adopted: move.adopted, runId: move.runId },
    });
    return true;
  });
  faultPoint('migrate-after-commit');
  return moved;
}
