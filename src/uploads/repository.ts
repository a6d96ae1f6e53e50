import type { Db } from '../db/sql.ts';

/** SQL for resumable uploads (table resumable_uploads, migration 009). */

export interface UploadPart {
  key: string;
  versionId: string | null;
  offset: number;
  size: number;
}

export type UploadState = 'receiving' | 'committed' | 'failed' | 'terminated' | 'expired';

export interface ResumableUpload {
  id: string;
  createdBy: string;
  patient: string;
  targetDocumentId: string | null;
  metadata: Record<string, string>;
  length: number;
  offset: number;
  blobStore: string;
  parts: UploadPart[];
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
 * Records a part received at `fromOffset`. Compare-and-set on the offset: when another request (on any instance)
 * moved it first, nothing changes and false is returned, so the caller removes its part. Each accepted part pushes
 * the expiry forward.
 */
export async function appendPart(db: Db, id: string, fromOffset: number, part: UploadPart, expiryHours: number): Promise<boolean> {
  const rows = await db`
    update resumable_uploads
       set upload_offset = upload_offset + ${part.size}, parts = parts || ${db.json([part] as never)}::jsonb, updated_at = now(),
           expires_at = now() + make_interval(secs => ${expiryHours * 3600})
     where id = ${id} and upload_offset = ${fromOffset} and state = 'receiving' and expires_at > now()
           and upload_offset + ${part.size} <= upload_length
     returning id`;
  return rows.length === 1;
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
