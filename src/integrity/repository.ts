import type { Db } from '../db/sql.ts';

/**
 * The integrity scrubber's shared pass: its checkpoint and totals (integrity_scrub_state). The versions it walks and
 * their flags are the documents repository's (document_versions).
 */

export interface PassState {
  pass_started_at: Date | null;
  cursor_document_id: string | null;
  cursor_version: number | null;
  last_full_pass_at: Date | null;
}

type Key = { document_id: string; version: number };

// ---- the pass ----

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

/** Moves the checkpoint past a version, counting it as a new failure when `failed`. */
export async function advancePast(db: Db, r: Key, opts: { failed?: boolean } = {}): Promise<void> {
  await db`update integrity_scrub_state set failures = failures + ${opts.failed ? 1 : 0}, cursor_document_id = ${r.document_id}, cursor_version = ${r.version}, updated_at = now()`;
}

/** Moves the checkpoint past a version whose bytes verified, counting them. */
export async function advancePastVerified(db: Db, r: Key, size: number): Promise<void> {
  await db`update integrity_scrub_state set bytes_verified = bytes_verified + ${size}, versions_verified = versions_verified + 1,
    cursor_document_id = ${r.document_id}, cursor_version = ${r.version}, updated_at = now()`;
}

// ---- status ----

export async function scrubCounters(db: Db) {
  const [s] = await db<{ bytes_verified: bigint; versions_verified: bigint; failures: bigint; last_full_pass_at: Date | null; pass_started_at: Date | null }[]>`
    select bytes_verified, versions_verified, failures, last_full_pass_at, pass_started_at from integrity_scrub_state`;
  return s;
}

