import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.ts';
import type { Sql, Tx } from '../db/sql.ts';
import type { BlobStores, FhirRemoval } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';
import { faultPoint } from '../documents/fault-points.ts';
import * as docs from '../documents/repository.ts';
import * as outbox from '../documents/outbox-repository.ts';
import { removeBuiltin } from '../fhir/builtin-index-repository.ts';
import * as certificates from './repository/certificates.ts';
import { completeBatchIfDone } from './repository/disposal.ts';

/** Removes a document's entry from the remote FHIR server (null when the built-in index is the only one). */
export type RemoteRemover = ((fhirId: string) => Promise<FhirRemoval>) | null;

export interface DisposalDeps {
  sql: Sql;
  log: Logger;
  blobs: BlobStores;
  removeRemote: RemoteRemover;
}

export interface DisposalRun {
  destroyed: string[];
  failed: { documentId: string; error: string }[];
}

/**
 * Carries out approved disposals, one certificate at a time, in an order that a crash can always resume:
 *   1. (already done, in the approving transaction) the certificate exists, state destroying, and the document is
 *      withdrawn: it is no longer served;
 *   2. every stored object version of every document version is deleted (each store's own versions too, so nothing
 *      is left for a lifecycle rule or an undelete);
 *   3. the remote FHIR entry is deleted and expunged (its history too, where the server allows it);
 *   4. one transaction removes the metadata and the built-in FHIR entry and completes the certificate.
 * Each step is idempotent (a missing object or entry counts as deleted). So there is never metadata served without
 * bytes, and never bytes deleted without a certificate. `reconcile` runs this for certificates left destroying.
 */
export async function runDisposals(d: DisposalDeps, ctx: RequestContext, only?: { batchId: string }): Promise<DisposalRun> {
  const out: DisposalRun = { destroyed: [], failed: [] };
  const pending = (await certificates.certificatesInProgress(d.sql)).filter((c) => !only || c.batchId === only.batchId);
  for (const c of pending) {
    try {
      await destroyOne(d, ctx, c);
      out.destroyed.push(c.documentId);
    } catch (e) {
      d.log.error({ err: e, documentId: c.documentId, certificate: c.id }, 'disposal step failed; reconcile resumes it');
      out.failed.push({ documentId: c.documentId, error: (e as Error).message });
      await recordAudit(d.sql, ctx, { action: 'retention.dispose', outcome: 'failed', documentId: c.documentId, errorCode: (e as { code?: string }).code ?? 'internal_error', detail: { certificate: c.id, batch: c.batchId } }).catch(() => undefined);
    }
  }
  for (const b of new Set(pending.map((c) => c.batchId))) await completeBatchIfDone(d.sql, b);
  return out;
}

/** How long a disposal waits for an outbox worker's write of the document's entry to finish. */
const INDEX_WRITE_WAIT_MS = 20_000;

/**
 * Step 3: removes the remote FHIR entry, holding the document's index lease first. An outbox worker that read the
 * document before its withdrawal may be writing its entry at this moment (a first write, even, with no entry id
 * recorded yet); a write landing after the removal would bring the entry back. Once the disposal holds the lease no
 * worker can start another write (and any that claims it later finds the document withdrawn), so the entry id read
 * after taking it is the last one. A write still in flight after INDEX_WRITE_WAIT_MS fails the step; reconcile
 * resumes it. The lease goes with the metadata in step 4 (or expires, should the service stop before).
 */
async function removeRemoteEntry(d: DisposalDeps, c: { id: string; documentId: string }): Promise<FhirRemoval | null> {
  if (!d.removeRemote) return null;
  const owner = `disposal:${c.id}`;
  const until = Date.now() + INDEX_WRITE_WAIT_MS;
  while (!(await outbox.takeLease(d.sql, c.documentId, owner, 300))) {
    if (Date.now() > until) throw new Error(`a FHIR index write of document ${c.documentId} is still in flight; reconcile resumes its disposal`);
    await sleep(100);
  }
  const fhirId = (await docs.findDocument(d.sql, c.documentId))?.fhirId;
  return fhirId ? d.removeRemote(fhirId) : null;
}

async function destroyOne(d: DisposalDeps, ctx: RequestContext, c: { id: string; documentId: string; batchId: string }): Promise<void> {
  const doc = await docs.findDocument(d.sql, c.documentId);
  const versions = await docs.listVersions(d.sql, c.documentId);
  let objects = 0;
  for (const v of versions) {
    const store = await d.blobs.of(v.blobStore);
    // every stored version under the key (a versioned bucket may hold more than the one the metadata pins); a store
    // without versions (fs) has the one file, and its list() would walk the whole store
    const found: (string | null)[] = [];
    if (v.blobVersionId !== null) for await (const l of store.list(v.blobKey)) if (l.key === v.blobKey) found.push(l.versionId);
    if (!found.includes(v.blobVersionId)) found.push(v.blobVersionId);
    for (const versionId of found) {
      // no hold covered the document at approval: clear a store legal hold the sync may not have lifted yet
      if (store.retention?.locksDocuments) await store.retention.setLegalHold(v.blobKey, versionId, false).catch(() => undefined);
      await store.delete(v.blobKey, versionId);
      objects++;
    }
  }
  faultPoint('disposal-after-bytes');
  const remote = await removeRemoteEntry(d, c);
  if (remote === 'history-kept') d.log.warn({ documentId: c.documentId, certificate: c.id }, 'the FHIR server refused $expunge: the deleted DocumentReference\'s earlier versions stay in its history');
  await d.sql.begin(async (tx) => {
    await removeMetadata(tx, c);
    await recordAudit(tx, ctx, { action: 'retention.dispose', outcome: 'success', documentId: c.documentId, patient: doc?.patient ?? null, detail: { certificate: c.id, batch: c.batchId, versions: versions.length, objectsDeleted: objects, ...(remote ? { remoteFhir: remote } : {}) } });
  });
}

/**
 * The last step of a disposal, in one transaction: the metadata (built-in FHIR entry, outbox work, lease, versions,
 * the document row) is removed and the certificate completed. The audit trail keeps every row (no foreign key).
 */
async function removeMetadata(tx: Tx, c: { id: string; documentId: string }): Promise<void> {
  await removeBuiltin(tx, c.documentId);
  await outbox.forgetDocument(tx, c.documentId);
  await docs.deleteDisposedDocument(tx, c.documentId, c.id);
  await certificates.markDestroyed(tx, c.id);
}
