import type { DocumentReference } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import * as repo from '../documents/repository.ts';
import type { RemoteFhirIndex } from '../fhir/remote-index.ts';
import type { FhirReconcileReport } from '../fhir/reconcile-report.ts';
import { SHA256_EXTENSION } from '../fhir/systems.ts';
import { latestQueued, markDone } from '../documents/outbox-repository.ts';
import { setIndexed } from '../documents/repository.ts';

/** What must agree between PostgreSQL and the remote DocumentReference. */
function fingerprint(r: DocumentReference): string {
  const a = r.content?.[0]?.attachment;
  return JSON.stringify([
    r.status,
    r.docStatus,
    r.subject?.identifier?.value,
    r.subject?.reference ?? null,
    r.type?.coding?.[0]?.code,
    r.category?.[0]?.coding?.[0]?.code ?? null,
    a?.hash,
    a?.size,
    a?.url,
    a?.contentType,
    a?.title,
    a?.extension?.find((e) => e.url === SHA256_EXTENSION)?.valueString,
    r.description ?? null,
  ]);
}

/**
 * Compares PostgreSQL (the record) with the remote FHIR server and repairs drift both ways: missing and stale
 * resources are written again, duplicates of one document and resources naming documents we do not hold are removed.
 * Only this deployment's resources are looked at (the owner tag carries the deployment id), so deployments sharing a
 * FHIR server never remove each other's entries.
 */
export async function reconcileFhir(sql: Sql, index: RemoteFhirIndex, log: Logger): Promise<FhirReconcileReport> {
  const report: FhirReconcileReport = { checked: 0, created: 0, updated: 0, duplicatesRemoved: 0, extraRemoved: 0, errors: [] };
  const remote = new Map<string, DocumentReference[]>();
  const legacy = new Set<DocumentReference>();
  for await (const { documentId, resource, legacy: isLegacy } of index.ours()) {
    if (remote.get(documentId)?.some((r) => r.id === resource.id)) continue;
    const list = remote.get(documentId) ?? [];
    list.push(resource);
    remote.set(documentId, list);
    if (isLegacy) legacy.add(resource);
  }
  const ids = await repo.allDocumentIds(sql);
  for (const id of ids) {
    report.checked++;
    try {
      const latest = await latestQueued(sql, id);
      const doc = (await repo.findDocument(sql, id))!;
      const version = (await repo.findVersion(sql, id, doc.currentVersion))!;
      const found = remote.get(id) ?? [];
      remote.delete(id);
      const keep = found.find((r) => r.id === doc.fhirId) ?? found[0];
      for (const dup of found.filter((r) => r !== keep)) {
        await index.remove(dup.id!);
        report.duplicatesRemoved++;
      }
      const wanted = index.build(doc, version, await index.patientReference(doc.patient));
      if (keep && fingerprint(keep) === fingerprint(wanted) && doc.fhirId === keep.id && doc.fhirState === 'indexed') continue;
      const fhirId = await index.upsert(doc, version);
      if (keep) report.updated++;
      else report.created++;
      // only rows queued before the state we wrote was read; later changes stay queued for the worker
      await sql.begin(async (tx) => {
        await setIndexed(tx, id, fhirId);
        await markDone(tx, id, latest);
      });
    } catch (e) {
      report.errors.push(`${id}: ${(e as Error).message}`);
    }
  }
  for (const [documentId, resources] of remote) {
    // A legacy-tagged resource naming a document we do not hold may be another deployment's: never ours to delete.
    for (const r of resources.filter((x) => !legacy.has(x))) {
      try {
        await index.remove(r.id!);
        report.extraRemoved++;
        log.info({ documentId, resource: r.id }, 'removed a DocumentReference for a document this store does not hold');
      } catch (e) {
        report.errors.push(`extra ${r.id}: ${(e as Error).message}`);
      }
    }
  }
  return report;
}
