import type { Db } from '../../db/sql.ts';

/** Upload intents (upload_intents): written before bytes go to the store, resolved by the commit or by reconcile. */

export interface NewIntent {
  id: string;
  documentId: string;
  blobStore: string;
  blobKey: string;
  createdBy: string;
  /** The resumable (tus) upload this commits, if any: at most one intent per upload commits (migration 018). */
  resumableUploadId?: string | null;
}

/** The unique index that lets one intent per resumable upload commit. */
export const ONE_COMMIT_PER_UPLOAD = 'upload_intents_one_commit_per_upload';

export async function insertIntent(db: Db, i: NewIntent): Promise<void> {
  await db`insert into upload_intents (id, document_id, blob_store, blob_key, created_by, resumable_upload_id)
           values (${i.id}, ${i.documentId}, ${i.blobStore}, ${i.blobKey}, ${i.createdBy}, ${i.resumableUploadId ?? null})`;
}

/**
 * The intent, unless one with its id exists: a resumable upload's commit names one intent for every attempt (a retry
 * after a crash or a cut connection names the same one), and that intent names the upload (migration 018).
 */
export async function ensureIntent(db: Db, i: NewIntent): Promise<void> {
  await db`insert into upload_intents (id, document_id, blob_store, blob_key, created_by, resumable_upload_id)
           values (${i.id}, ${i.documentId}, ${i.blobStore}, ${i.blobKey}, ${i.createdBy}, ${i.resumableUploadId ?? null}) on conflict (id) do nothing`;
}

/** The version a resumable upload's committed intent became, if it committed. */
export async function committedByUpload(db: Db, uploadId: string): Promise<{ documentId: string; version: number } | null> {
  const [row] = await db<{ documentId: string; version: number }[]>`
    select v.document_id as "documentId", v.version from upload_intents i
      join document_versions v on v.blob_store = i.blob_store and v.blob_key = i.blob_key
     where i.resumable_upload_id = ${uploadId} and i.state = 'committed'`;
  return row ?? null;
}

/**
 * Moves a pending intent to its end; false when it was not pending (any more). The intent row is what decides an
 * upload's fate when the database answered nothing (a failover cut the commit): the commit moves it to committed in
 * its own transaction, a discard or `reconcile` moves it to aborted before removing the bytes, and whichever comes
 * second finds it no longer pending (waiting on the row lock while the other's transaction is open) and backs off.
 */
export async function finishIntent(db: Db, id: string, state: 'committed' | 'aborted'): Promise<boolean> {
  const rows = await db`update upload_intents set state = ${state}, finished_at = now() where id = ${id} and state = 'pending' returning id`;
  return rows.length === 1;
}

/**
 * `reconcile`: claims a stale intent for removal (pending moved to aborted, aborted kept) unless a version names its
 * bytes; false when a commit got there first.
 */
export async function claimStaleIntent(db: Db, id: string): Promise<boolean> {
  const rows = await db`
    update upload_intents set state = 'aborted', finished_at = coalesce(finished_at, now())
     where id = ${id} and state in ('pending', 'aborted')
       and not exists (select 1 from document_versions v where v.blob_store = upload_intents.blob_store and v.blob_key = upload_intents.blob_key)
    returning id`;
  return rows.length === 1;
}

export async function staleIntents(db: Db, olderThanSeconds: number): Promise<{ id: string; blobStore: string; blobKey: string }[]> {
  return db<{ id: string; blobStore: string; blobKey: string }[]>`
    select id, blob_store as "blobStore", blob_key as "blobKey" from upload_intents
    where state in ('pending', 'aborted') and created_at < now() - make_interval(secs => ${olderThanSeconds})
      and not exists (select 1 from document_versions v where v.blob_store = upload_intents.blob_store and v.blob_key = upload_intents.blob_key)`;
}

export async function deleteIntent(db: Db, id: string): Promise<void> {
  await db`delete from upload_intents where id = ${id}`;
}
