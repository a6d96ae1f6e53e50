import type { Db } from '../db/sql.ts';

/**
 * SQL of the integrity scrubber and of `scrub --repair`: the shared pass's checkpoint (integrity_scrub_state), the
 * versions it walks, and the rows a repair repoints. One implementation (PostgreSQL), so no interface. The flag
 * itself (integrity_failed_at, with its audit row) is written by documents/quarantine.ts.
 */

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

export interface PassState {
  pass_started_at: Date | null;
  cursor_document_id: string | null;
  cursor_version: number | null;
  last_full_pass_at: Date | null;
}

type Key = { document_id: string; version: number };

// ---- the scrub lock (a session advisory lock: held on the scrubber's reserved connection) ----

export async function lockScrub(db: Db, name: string): Promise<void> {
  await db`select pg_advisory_lock(hashtext(${name}))`;
}

export async function tryLockScrub(db: Db, name: string): Promise<boolean> {
  const [got] = await db<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${name})) as ok`;
  return got?.ok === true;
}

export async function unlockScrub(db: Db, name: string): Promise<void> {
  await db`select pg_advisory_unlock(hashtext(${name}))`;
}

// ---- the pass ----

export async function storeTotals(db: Db): Promise<{ versions: number; bytes: number }> {
  const [t] = await db<{ n: number; bytes: string }[]>`select count(*)::int as n, coalesce(sum(size), 0)::text as bytes from document_versions`;
  return { versions: t?.n ?? 0, bytes: Number(t?.bytes ?? 0) };
}

export async function passState(db: Db): Promise<PassState | null> {
  const [st] = await db<PassState[]>`select pass_started_at, cursor_document_id, cursor_version, last_full_pass_at from integrity_scrub_state`;
  return st ?? null;
}

export async function startPass(db: Db): Promise<void> {
  await db`update integrity_scrub_state set pass_started_at = now(), last_pass_started_at = now(), cursor_document_id = null, cursor_version = null, updated_at = now()`;
}

export async function finishPass(db: Db): Promise<void> {
  await db`update integrity_scrub_state set last_full_pass_at = now(), pass_started_at = null, cursor_document_id = null, cursor_version = null, updated_at = now()`;
}

/** The version after the checkpoint, in (document_id, version) order; null at the end of the pass. */
export async function nextVersion(db: Db, after: { id: string; v: number } | null): Promise<ScrubbedVersion | null> {
  const [r] = await db<ScrubbedVersion[]>`
    select document_id, version, blob_store, blob_key, blob_version_id, size, sha256, integrity_failed_at from document_versions
    ${after ? db`where (document_id, version) > (${after.id}::uuid, ${after.v})` : db``}
    order by document_id, version limit 1`;
  return r ?? null;
}

/** Moves the checkpoint past a version, counting it as a new failure when `failed`. */
export async function advancePast(db: Db, r: Key, opts: { failed?: boolean } = {}): Promise<void> {
  await db`update integrity_scrub_state set failures = failures + ${opts.failed ? 1 : 0}, cursor_document_id = ${r.document_id}, cursor_version = ${r.version}, updated_at = now()`;
}

/** Moves the checkpoint past a version whose bytes verified, counting them. */
export async function advancePastVerified(db: Db, r: Key, size: number): Promise<void> {
  await db`update integrity_scrub_state set bytes_verified = bytes_verified + ${size}, versions_verified = versions_verified + 1,
    cursor_document_id = ${r.document_id}, cursor_version = ${r.version}, updated_at = now()`;
}

export async function markVerified(db: Db, r: Key): Promise<void> {
  await db`update document_versions set last_verified_at = now() where document_id = ${r.document_id} and version = ${r.version}`;
}

// ---- status ----

export async function flaggedSummary(db: Db, limit = 1000): Promise<{ document_id: string; version: number; integrity_failed_at: Date; integrity_detail: string | null }[]> {
  return db`select document_id, version, integrity_failed_at, integrity_detail from document_versions where integrity_failed_at is not null order by integrity_failed_at limit ${limit}`;
}

export async function scrubCounters(db: Db) {
  const [s] = await db<{ bytes_verified: bigint; versions_verified: bigint; failures: bigint; last_full_pass_at: Date | null; pass_started_at: Date | null }[]>`
    select bytes_verified, versions_verified, failures, last_full_pass_at, pass_started_at from integrity_scrub_state`;
  const [v] = await db<{ flagged: number; oldest: number | null; total: string }[]>`
    select count(*) filter (where integrity_failed_at is not null)::int as flagged,
           extract(epoch from now() - min(coalesce(last_verified_at, created_at)))::float8 as oldest,
           coalesce(sum(size), 0)::text as total
    from document_versions`;
  return { s, v };
}

// ---- repair ----

export async function flaggedVersions(db: Db): Promise<FlaggedVersion[]> {
  return db<FlaggedVersion[]>`
    select v.document_id, v.version, v.blob_store, v.blob_key, v.blob_version_id, v.size, v.sha256, v.filename, v.integrity_failed_at, d.patient_nhs
    from document_versions v join documents d on d.id = v.document_id
    where v.integrity_failed_at is not null order by v.integrity_failed_at`;
}

/** Intact versions (not flagged) with exactly these bytes, oldest first: copies a repair may restore from. */
export async function intactTwins(db: Db, r: Key & { sha256: string }, size: number) {
  return db<{ document_id: string; version: number; blob_store: string; blob_key: string; blob_version_id: string | null }[]>`
    select document_id, version, blob_store, blob_key, blob_version_id from document_versions
    where sha256 = ${r.sha256} and size = ${size} and integrity_failed_at is null and not (document_id = ${r.document_id} and version = ${r.version})
    order by created_at limit 20`;
}

/** Points a version at another object version of its key (same store, same key). */
export async function repointObjectVersion(db: Db, r: Key, versionId: string | null): Promise<void> {
  await db`update document_versions set blob_version_id = ${versionId} where document_id = ${r.document_id} and version = ${r.version}`;
}

/** Points a version at a fresh object in its store (a verified copy). */
export async function repointObject(db: Db, r: Key, key: string, versionId: string | null): Promise<void> {
  await db`update document_versions set blob_key = ${key}, blob_version_id = ${versionId} where document_id = ${r.document_id} and version = ${r.version}`;
}
