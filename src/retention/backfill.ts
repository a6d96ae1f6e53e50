import { findClass } from '../domain/retention-schedule.ts';
import * as docs from '../documents/repository.ts';
import { applyRetention, factsOf, lockPatientFacts, typeClassCode } from './recompute.ts';
import type { RetentionDeps } from './retention-deps.ts';
import { syncAfterCommit } from './store-retention.ts';

/**
 * Computes retention for documents stored before retention existed (class from their type) and recomputes those
 * computed with another schedule (QUILL_RETENTION_SCHEDULE_FILE changed; their class kept if it still exists), in
 * batches, each document in its own transaction; returns how many. Run by `reconcile`.
 */
export async function backfill(d: RetentionDeps, batch = 500): Promise<number> {
  let n = 0;
  for (;;) {
    const rows = await docs.documentsNotComputedWith(d.sql, d.fingerprint, batch);
    if (!rows.length) break;
    const touched: string[] = [];
    for (const { id, computed } of rows) {
      await d.sql.begin(async (tx) => {
        const doc = await docs.findDocument(tx, id);
        if (!doc) return;
        await lockPatientFacts(tx, doc.patient); // the same order as setFacts: patient lock, then the rows
        const row = await docs.retentionRow(tx, id, { forUpdate: true });
        if (!row) return;
        const code = computed && findClass(d.schedule, row.retentionClass) ? row.retentionClass : typeClassCode(d, doc.type.code);
        await applyRetention(d, tx, row, await factsOf(tx, row.patient), code);
        touched.push(id);
      });
      n++;
    }
    syncAfterCommit(d, touched);
    if (rows.length < batch) break;
  }
  return n;
}
