import type { Db } from '../../db/sql.ts';

/**
 * Integrity: a version whose bytes failed verification is flagged (quarantined: documents/quarantine.ts); the
 * integrity scrubber's walk over every version, and `scrub --repair`'s search for an intact copy.
 */

/** Flags a version as failed; returns its patient, or null when it was already flagged (or does not exist). */
export async function flagIntegrityFailure(db: Db, v: { documentId: string; version: number }, reason: string): Promise<string | null> {
  const rows = await db<{ patient_nhs: string }[]>`
    update document_versions v set integrity_failed_at = now(), integrity_detail = ${reason}
    from documents d
    where v.document_id = ${v.documentId} and v.version = ${v.version} and d.id = v.document_id and v.integrity_failed_at is null
    returning d.patient_nhs`;
  return rows[0]?.patient_nhs ?? null;
}

/** Clears a version's flag (its bytes verified again); returns its patient. */
export async function clearIntegrityFailure(db: Db, v: { documentId: string; version: number }): Promise<string | null> {
  const rows = await db<{ patient_nhs: string }[]>`
    update document_versions v set integrity_failed_at = null, integrity_detail = null, last_verified_at = now()
    from documents d where v.document_id = ${v.documentId} and v.version = ${v.version} and d.id = v.document_id
    returning d.patient_nhs`;
  return rows[0]?.patient_nhs ?? null;
}

export async function integrityFailedAt(db: Db, v: { documentId: string; version: number }): Promise<Date | null> {
  const [row] = await db<{ at: Date | null }[]>`
    select integrity_failed_at as at from document_versions where document_id = ${v.documentId} and version = ${v.version}`;
  return row?.at ?? null;
}

// ---- the integrity scrubber's walk and `scrub --repair` (integrity/) ----

type VersionKey = { document_id: string; version: number };

/** A stored version as the scrubber reads it. */
export interface ScrubbedVersion {
  document_id: string;
  version: number;
  blob_store: string;
  blob_key: string;
  blob_version_id: string | null;
  size: bigint | number | string;
  sha256: string;
  integrity_failed_at: Date | null;
}

/** A flagged version as a repair reads it: with its filename and patient, for the report of what is lost. */
export interface FlaggedVersion extends ScrubbedVersion {
  filename: string | null;
  patient_nhs: string;
}

export async function storeTotals(db: Db): Promise<{ versions: number; bytes: number }> {
  const [t] = await db<{ n: number; bytes: string }[]>`select count(*)::int as n, coalesce(sum(size), 0)::text as bytes from document_versions`;
  return { versions: t?.n ?? 0, bytes: Number(t?.bytes ?? 0) };
}

/** The version after the checkpoint, in (document_id, version) order; null at the end of the pass. */
export async function nextVersion(db: Db, after: { id: string; v: number } | null): Promise<ScrubbedVersion | null> {
  const [r] = await db<ScrubbedVersion[]>`
    select document_id, version, blob_store, blob_key, blob_version_id, size, sha256, integrity_failed_at from document_versions
    ${after ? db`where (document_id, version) > (${after.id}::uuid, ${after.v})` : db``}
    order by document_id, version limit 1`;
  return r ?? null;
}

export async function markVerified(db: Db, r: VersionKey): Promise<void> {
  await db`update document_versions set last_verified_at = now() where document_id = ${r.document_id} and version = ${r.version}`;
}

export async function flaggedSummary(db: Db, limit = 1000): Promise<{ document_id: string; version: number; integrity_failed_at: Date; integrity_detail: string | null }[]> {
  return db`select document_id, version, integrity_failed_at, integrity_detail from document_versions where integrity_failed_at is not null order by integrity_failed_at limit ${limit}`;
}


/** How many versions there are, and how many flagged, bytes in all, and the oldest last verification (seconds ago). */
export async function versionIntegrityTotals(db: Db): Promise<{ flagged: number; oldest: number | null; total: string }> {
  const [v] = await db<{ flagged: number; oldest: number | null; total: string }[]>`
    select count(*) filter (where integrity_failed_at is not null)::int as flagged,
           extract(epoch from now() - min(coalesce(last_verified_at, created_at)))::float8 as oldest,
           coalesce(sum(size), 0)::text as total
    from document_versions`;
  return v!;
}

export async function flaggedVersions(db: Db): Promise<FlaggedVersion[]> {
  return db<FlaggedVersion[]>`
    select v.document_id, v.version, v.blob_store, v.blob_key, v.blob_version_id, v.size, v.sha256, v.filename, v.integrity_failed_at, d.patient_nhs
    from document_versions v join documents d on d.id = v.document_id
    where v.integrity_failed_at is not null order by v.integrity_failed_at`;
}

/** Intact versions (not flagged) with exactly these bytes, oldest first: copies a repair may restore from. */
export async function intactTwins(db: Db, r: VersionKey & { sha256: string }, size: number) {
  return db<{ document_id: string; version: number; blob_store: string; blob_key: string; blob_version_id: string | null }[]>`
    select document_id, version, blob_store, blob_key, blob_version_id from document_versions
    where sha256 = ${r.sha256} and size = ${size} and integrity_failed_at is null and not (document_id = ${r.document_id} and version = ${r.version})
    order by created_at limit 20`;
}

/** Points a version at another object version of its key (same store, same key). */
export async function repointObjectVersion(db: Db, r: VersionKey, versionId: string | null): Promise<void> {
  await db`update document_versions set blob_version_id = ${versionId} where document_id = ${r.document_id} and version = ${r.version}`;
}

/** Points a version at a fresh object in its store (a verified copy). */
export async function repointObject(db: Db, r: VersionKey, key: string, versionId: string | null): Promise<void> {
  await db`update document_versions set blob_key = ${key}, blob_version_id = ${versionId} where document_id = ${r.document_id} and version = ${r.version}`;
}
