import type { Db } from '../db/sql.ts';
import type { ComposeState } from '../domain/ports.ts';

/** SQL for resumable uploads (table resumable_uploads, migrations 009 and 019). */

export interface UploadPart {
  key: string;
  versionId: string | null;
  offset: number;
  size: number;
}

export type UploadState = 'receiving' | 'committed' | 'failed' | 'terminated' | 'expired';

/** The object made visible under blob_key by a commit (kept so a retried commit does not finish it twice). */
export interface FinishedObject {
  versionId: string | null;
}

export interface ResumableUpload {
  id: string;
  createdBy: string;
  patient: string;
  targetDocumentId: string | null;
  metadata: Record<string, string>;
  length: number;
  offset: number;
  blobStore: string;
  /** Parts of an upload started before migration 019 (one object per PATCH); empty otherwise. */
  parts: UploadPart[];
  /** The key the document's bytes appear under at the commit; null before the first PATCH. */
  blobKey: string | null;
  /** A new document's id (the one blobKey names). */
  newDocumentId: string | null;
  /** The object the store is putting together; null before the first PATCH. */
  compose: ComposeState | null;
  /** The type recognised on the first bytes. */
  contentType: string | null;
  finished: FinishedObject | null;
  state: UploadState;
  errorCode: string | null;
  documentId: string | null;
  documentVersion: number | null;
  expiresAt: Date;
}

interface Row {
  id: string;
  created_by: string;
  patient_nhs: string;
  target_document_id: string | null;
  metadata: Record<string, string>;
  upload_length: string | number;
  upload_offset: string | number;
  blob_store: string;
  parts: UploadPart[];
  blob_key: string | null;
  new_document_id: string | null;
  compose: ComposeState | null;
  content_type: string | null;
  finished: FinishedObject | null;
  state: UploadState;
  error_code: string | null;
  document_id: string | null;
  document_version: number | null;
  expires_at: Date;
}

const toUpload = (r: Row): ResumableUpload => ({
  id: r.id,
  createdBy: r.created_by,
  patient: r.patient_nhs,
  targetDocumentId: r.target_document_id,
  metadata: r.metadata,
  length: Number(r.upload_length),
  offset: Number(r.upload_offset),
  blobStore: r.blob_store,
  parts: r.parts,
  blobKey: r.blob_key,
  newDocumentId: r.new_document_id,
  compose: r.compose,
  contentType: r.content_type,
  finished: r.finished,
  state: r.state,
  errorCode: r.error_code,
  documentId: r.document_id,
  documentVersion: r.document_version,
  expiresAt: r.expires_at,
});

export async function insertUpload(
  db: Db,
  u: { id: string; createdBy: string; patient: string; targetDocumentId: string | null; metadata: Record<string, string>; length: number; blobStore: string; expiryHours: number },
): Promise<ResumableUpload> {
  const rows = await db<Row[]>`
    insert into resumable_uploads (id, created_by, patient_nhs, target_document_id, metadata, upload_length, blob_store, expires_at)
    values (${u.id}, ${u.createdBy}, ${u.patient}, ${u.targetDocumentId}, ${db.json(u.metadata)}, ${u.length}, ${u.blobStore},
            now() + make_interval(secs => ${u.expiryHours * 3600}))
    returning *`;
  return toUpload(rows[0]!);
}

export async function findUpload(db: Db, id: string): Promise<ResumableUpload | null> {
  const rows = await db<Row[]>`select * from resumable_uploads where id = ${id}`;
  return rows[0] ? toUpload(rows[0]) : null;
}

/**
 * Makes `writer` the one request writing this upload's bytes, for leaseSeconds (renewed while it streams), if the
 * upload is still receiving at `offset` and no other request holds an unexpired lease. Any instance: the row is the
 * lock.
 */
export async function claimWriter(db: Db, id: string, offset: number, writer: string, leaseSeconds: number): Promise<boolean> {
  const rows = await db`
    update resumable_uploads set writer = ${writer}, writer_until = now() + make_interval(secs => ${leaseSeconds})
     where id = ${id} and state = 'receiving' and upload_offset = ${offset} and expires_at > now()
       and (writer is null or writer_until < now())
     returning id`;
  return rows.length === 1;
}

/** Extends the lease; false when this writer no longer holds it. */
export async function renewWriter(db: Db, id: string, writer: string, leaseSeconds: number): Promise<boolean> {
  const rows = await db`
    update resumable_uploads set writer_until = now() + make_interval(secs => ${leaseSeconds})
     where id = ${id} and writer = ${writer} and state = 'receiving' returning id`;
  return rows.length === 1;
}

export async function releaseWriter(db: Db, id: string, writer: string): Promise<void> {
  await db`update resumable_uploads set writer = null, writer_until = null where id = ${id} and writer = ${writer}`;
}

/**
 * Records bytes appended at `fromOffset` by the lease holder: the new compose state (its size is the new offset), the
 * key and first-bytes type once known, legacy parts dropped once read into the composed object. Compare-and-set on the
 * offset and the lease: null changes nothing, else the upload as it now stands. `release` ends the lease too. Each accepted append pushes the expiry
 * forward.
 */
export async function recordAppend(
  db: Db,
  id: string,
  o: { fromOffset: number; writer: string; compose: ComposeState; newDocumentId: string | null; contentType: string | null; release: boolean; expiryHours: number },
): Promise<ResumableUpload | null> {
  const rows = await db<Row[]>`
    update resumable_uploads
       set upload_offset = ${o.compose.size}, compose = ${db.json(o.compose as never)}, blob_key = ${o.compose.key}, new_document_id = ${o.newDocumentId},
           content_type = coalesce(content_type, ${o.contentType}), parts = '[]'::jsonb, updated_at = now(),
           writer = case when ${o.release} then null else writer end,
           writer_until = case when ${o.release} then null else writer_until end,
           expires_at = now() + make_interval(secs => ${o.expiryHours * 3600})
     where id = ${id} and upload_offset = ${o.fromOffset} and writer = ${o.writer} and state = 'receiving' and expires_at > now()
           and ${o.compose.size} <= upload_length
     returning *`;
  return rows[0] ? toUpload(rows[0]) : null;
}

/** The commit made the object visible under blob_key. */
export async function recordFinished(db: Db, id: string, finished: FinishedObject): Promise<void> {
  await db`update resumable_uploads set finished = ${db.json(finished as never)}, updated_at = now() where id = ${id} and state = 'receiving'`;
}

export async function finishUpload(db: Db, id: string, f: { state: Exclude<UploadState, 'receiving'>; errorCode?: string | null; documentId?: string | null; documentVersion?: number | null }): Promise<boolean> {
  const rows = await db`
    update resumable_uploads set state = ${f.state}, error_code = ${f.errorCode ?? null}, document_id = ${f.documentId ?? null},
           document_version = ${f.documentVersion ?? null}, updated_at = now()
     where id = ${id} and state = 'receiving' returning id`;
  return rows.length === 1;
}

/** How many uploads this user has open: receiving and not past their expiry (QUILL_MAX_OPEN_UPLOADS). */
export async function countOpenUploads(db: Db, user: string): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int as n from resumable_uploads where created_by = ${user} and state = 'receiving' and expires_at > now()`;
  return row?.n ?? 0;
}

/** The stores holding parts of uploads still receiving past their expiry (the background expiry visits each). */
export async function storesWithExpiredUploads(db: Db): Promise<string[]> {
  const rows = await db<{ blob_store: string }[]>`select distinct blob_store from resumable_uploads where state = 'receiving' and expires_at <= now()`;
  return rows.map((r) => r.blob_store);
}

/** Uploads still receiving past their expiry. */
export async function expiredUploads(db: Db, blobStore: string): Promise<ResumableUpload[]> {
  const rows = await db<Row[]>`select * from resumable_uploads where state = 'receiving' and expires_at <= now() and blob_store = ${blobStore}`;
  return rows.map(toUpload);
}

/** The document keys of uploads still receiving and not expired: their unfinished (or finished, not yet committed) objects are wanted. */
export async function liveUploadKeys(db: Db, blobStore: string): Promise<Set<string>> {
  const rows = await db<{ blob_key: string }[]>`
    select blob_key from resumable_uploads where state = 'receiving' and expires_at > now() and blob_store = ${blobStore} and blob_key is not null`;
  return new Set(rows.map((r) => r.blob_key));
}

/** Ids of uploads whose parts must be kept (still receiving and not expired). */
export async function liveUploadIds(db: Db, blobStore: string): Promise<Set<string>> {
  const rows = await db<{ id: string }[]>`select id from resumable_uploads where state = 'receiving' and expires_at > now() and blob_store = ${blobStore}`;
  return new Set(rows.map((r) => r.id));
}

/** Claims the commit of a fully received upload; false while another request (any instance) is committing it. */
export async function claimCommit(db: Db, id: string, staleAfterSeconds: number): Promise<boolean> {
  const rows = await db`
    update resumable_uploads set commit_started_at = now()
     where id = ${id} and state = 'receiving' and upload_offset = upload_length
       and (commit_started_at is null or commit_started_at < now() - make_interval(secs => ${staleAfterSeconds}))
     returning id`;
  return rows.length === 1;
}

/**
 * Uploads fully received and still open: a commit in flight, or one a crash or a failover cut (its claim, if any,
 * with how old it is).
 */
export async function awaitingCommit(db: Db, blobStore: string): Promise<(ResumableUpload & { claimAgeSeconds: number | null })[]> {
  const rows = await db<(Row & { claim_age: number | null })[]>`
    select *, extract(epoch from now() - commit_started_at)::float8 as claim_age from resumable_uploads
     where state = 'receiving' and upload_offset = upload_length and blob_store = ${blobStore}`;
  return rows.map((r) => ({ ...toUpload(r), claimAgeSeconds: r.claim_age }));
}

/** Releases a commit claim older than `olderThanSeconds` (its request died with its instance or its database). */
export async function releaseStaleCommit(db: Db, id: string, olderThanSeconds: number): Promise<boolean> {
  const rows = await db`
    update resumable_uploads set commit_started_at = null
     where id = ${id} and state = 'receiving' and commit_started_at <= now() - make_interval(secs => ${olderThanSeconds})
    returning id`;
  return rows.length === 1;
}

export async function releaseCommit(db: Db, id: string): Promise<void> {
  await db`update resumable_uploads set commit_started_at = null where id = ${id}`;
}
