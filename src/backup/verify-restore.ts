import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { FhirReconcileReport } from '../fhir/reconcile-report.ts';
import { SHA256_EXTENSION } from '../fhir/systems.ts';
import * as metadata from '../documents/repository.ts';
import { allEntryDigests } from '../fhir/builtin-index-repository.ts';

export interface VerifyRestoreReport {
  ok: boolean;
  restorePoint: string | null;
  documents: number;
  versions: number;
  /** Versions whose bytes were found in the store their row names and hash to the stored SHA-256. */
  versionsVerified: number;
  missing: { documentId: string; version: number; store: string; key: string; reason: string }[];
  mismatched: { documentId: string; version: number; store: string; key: string; sha256: string }[];
  fhir: { index: 'builtin' | 'remote'; checked: number; problems: string[] };
  /** Objects no version points at, written after the restore point: uploads the restore rolled back. Kept. */
  newerThanRestorePoint: { store: string; key: string; lastModified: string; size: number }[];
  /** Objects no version points at from before the restore point (interrupted uploads; `reconcile` handles them). */
  unreferencedOlder: number;
  remoteFhir: FhirReconcileReport | 'skipped' | null;
}

export interface VerifyRestoreOptions {
  stores: BlobStores;
  /** The instant restored to; objects after it that no row names are listed (and kept). Default: the newest version. */
  restorePoint?: Date | null;
  /** Re-syncs the remote FHIR index (`reconcile --fhir`; only for the database that is live, never for a side copy). */
  resyncRemote?: (() => Promise<FhirReconcileReport>) | null;
  /** true when the service keeps no remote index: the built-in table must match the metadata. */
  builtinFhir: boolean;
  concurrency?: number;
  log: Logger;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The cross-store check of a database (restored, or any other): every version row's bytes exist in the store the row
 * names and hash to its SHA-256 (each one read in full); the FHIR index matches the metadata; unreferenced objects are
 * listed — never deleted — split by the restore point. Read-only, except the remote FHIR re-sync when asked for.
 */
export async function verifyRestore(sql: Sql, opts: VerifyRestoreOptions): Promise<VerifyRestoreReport> {
  const versions = await metadata.allVersions(sql);
  const documents = await metadata.documentCount(sql);
  const report: VerifyRestoreReport = {
    ok: false,
    restorePoint: null,
    documents,
    versions: versions.length,
    versionsVerified: 0,
    missing: [],
    mismatched: [],
    fhir: { index: opts.builtinFhir ? 'builtin' : 'remote', checked: 0, problems: [] },
    newerThanRestorePoint: [],
    unreferencedOlder: 0,
    remoteFhir: null,
  };
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < versions.length) {
      const v = versions[next++]!;
      const where = { documentId: v.document_id, version: v.version, store: v.blob_store, key: v.blob_key };
      try {
        const store = await opts.stores.of(v.blob_store);
        const hash = createHash('sha256');
        await pipeline(await store.get(v.blob_key, v.blob_version_id), new Writable({ write: (c: Buffer, _e, cb) => (hash.update(c), cb()) }));
        const got = hash.digest('hex');
        if (got === v.sha256) report.versionsVerified++;
        else report.mismatched.push({ ...where, sha256: got });
      } catch (e) {
        report.missing.push({ ...where, reason: (e as Error).message });
      }
      opts.onProgress?.(++done, versions.length);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));

  if (opts.builtinFhir) await checkBuiltinIndex(sql, report);
  const restorePoint =
    opts.restorePoint ?? (await metadata.newestVersionAt(sql));
  report.restorePoint = restorePoint?.toISOString() ?? null;
  const referenced = new Set(versions.map((v) => `${v.blob_store}\0${v.blob_key}`));
  const kinds = new Set([opts.stores.live.kind, ...versions.map((v) => v.blob_store)]);
  for (const kind of kinds) {
    const store = await opts.stores.of(kind).catch(() => null);
    if (!store) continue;
    for await (const o of store.list('')) {
      if (referenced.has(`${kind}\0${o.key}`)) continue;
      if (restorePoint && o.lastModified.getTime() > restorePoint.getTime())
        report.newerThanRestorePoint.push({ store: kind, key: o.key, lastModified: o.lastModified.toISOString(), size: o.size });
      else report.unreferencedOlder++;
    }
  }
  if (opts.resyncRemote) report.remoteFhir = await opts.resyncRemote();
  else if (!opts.builtinFhir) report.remoteFhir = 'skipped';
  const remoteOk = typeof report.remoteFhir !== 'object' || report.remoteFhir === null || report.remoteFhir.errors.length === 0;
  report.ok = report.versionsVerified === report.versions && report.fhir.problems.length === 0 && remoteOk;
  return report;
}

/** The built-in index (written in the metadata transaction) must hold one resource per document, matching it. */
async function checkBuiltinIndex(sql: Sql, report: VerifyRestoreReport): Promise<void> {
  const entries = new Map((await allEntryDigests(sql, SHA256_EXTENSION)).map((e) => [e.id, e]));
  for (const r of await metadata.currentVersionDigests(sql)) {
    report.fhir.checked++;
    const entry = entries.get(r.id);
    entries.delete(r.id);
    if (!entry) {
      report.fhir.problems.push(`${r.id}: no DocumentReference in the built-in index`);
      continue;
    }
    if (entry.status !== r.status) report.fhir.problems.push(`${r.id}: index status ${entry.status}, metadata ${r.status}`);
    if (entry.sha256 !== r.sha256) report.fhir.problems.push(`${r.id}: index points at bytes ${entry.sha256 ?? '(none)'}, current version ${r.current_version} is ${r.sha256}`);
  }
  if (entries.size) report.fhir.problems.push(`${entries.size} DocumentReferences for documents the metadata does not hold`);
}
