import type { Db } from '../../db/sql.ts';

/** Versions by the store their bytes live in: reconcile, migrate-blobs, doctor's replication sample. */

/** Whether any version, in any store, holds this key (keys are unique per upload and kept by migrations). */
export async function blobKeyInUse(db: Db, key: string): Promise<boolean> {
  return (await db`select 1 from document_versions where blob_key = ${key} limit 1`).length > 0;
}

/** Every key the versions in one store point at. */
export async function versionKeysInStore(db: Db, store: string): Promise<{ documentId: string; version: number; key: string }[]> {
  return db<{ documentId: string; version: number; key: string }[]>`
    select document_id as "documentId", version, blob_key as key from document_versions where blob_store = ${store}`;
}

export async function countVersionsInStore(db: Db, store: string): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from document_versions where blob_store = ${store}`;
  return row?.n ?? 0;
}

/** How many versions (and bytes) live in `from`, and how many already in `to`. */
export async function migrationCounts(db: Db, from: string, to: string): Promise<{ n: number; bytes: number; already: number }> {
  const [c] = await db<{ n: number; bytes: string; already: number }[]>`
    select count(*) filter (where blob_store = ${from})::int as n,
           coalesce(sum(size) filter (where blob_store = ${from}), 0)::text as bytes,
           count(*) filter (where blob_store = ${to})::int as already
    from document_versions`;
  return { n: c?.n ?? 0, bytes: Number(c?.bytes ?? 0), already: c?.already ?? 0 };
}

/** A version to move between stores, with its patient for the audit row. */
export interface StoredVersionRef {
  documentId: string;
  version: number;
  blobKey: string;
  blobVersionId: string | null;
  contentType: string;
  size: number;
  sha256: string;
  patient: string;
}

/** One keyset page of the versions in a store, in (document, version) order. */
export async function versionsInStorePage(db: Db, store: string, after: { documentId: string; version: number } | null, limit: number): Promise<StoredVersionRef[]> {
  const rows = await db<{ document_id: string; version: number; blob_key: string; blob_version_id: string | null; content_type: string; size: string; sha256: string; patient_nhs: string }[]>`
    select v.document_id, v.version, v.blob_key, v.blob_version_id, v.content_type, v.size::text as size, v.sha256, d.patient_nhs
    from document_versions v join documents d on d.id = v.document_id
    where v.blob_store = ${store}
      ${after ? db`and (v.document_id, v.version) > (${after.documentId}::uuid, ${after.version})` : db``}
    order by v.document_id, v.version
    limit ${limit}`;
  return rows.map((r) => ({
    documentId: r.document_id,
    version: r.version,
    blobKey: r.blob_key,
    blobVersionId: r.blob_version_id,
    contentType: r.content_type,
    size: Number(r.size),
    sha256: r.sha256,
    patient: r.patient_nhs,
  }));
}

/** The newest versions written to a store (doctor's replication sample). */
export async function newestVersionsInStore(db: Db, store: string, limit: number): Promise<{ blobKey: string; blobVersionId: string | null; createdAt: Date }[]> {
  return db<{ blobKey: string; blobVersionId: string | null; createdAt: Date }[]>`
    select blob_key as "blobKey", blob_version_id as "blobVersionId", created_at as "createdAt" from document_versions where blob_store = ${store} order by created_at desc limit ${limit}`;
}

/**
 * Points a version at its copy in another store, only if it still is where and what the caller read (so a re-run or
 * a concurrent run never repoints twice). Returns whether the row moved.
 */
export async function repointVersion(db: Db, v: StoredVersionRef, from: string, to: string, toVersionId: string | null): Promise<boolean> {
  const res = await db`
    update document_versions set blob_store = ${to}, blob_key = ${v.blobKey}, blob_version_id = ${toVersionId}
    where document_id = ${v.documentId} and version = ${v.version} and blob_store = ${from} and blob_key = ${v.blobKey} and sha256 = ${v.sha256}`;
  // the copy carries no Object Lock or legal hold yet: `reconcile` re-applies them (retention/store-retention.ts)
  if (res.count > 0) await db`update documents set object_lock_until = null, object_legal_hold = false where id = ${v.documentId}`;
  return res.count > 0;
}
