import type { Db } from '../../db/sql.ts';

/** Upload intents (upload_intents): written before bytes go to the store, resolved by the commit or by reconcile. */

export interface NewIntent {
  id: string;
  documentId: string;
  blobStore: string;
  blobKey: string;
  createdBy: string;
}

export async function insertIntent(db: Db, i: NewIntent): Promise<void> {
  await db`insert into upload_intents (id, document_id, blob_store, blob_key, created_by)
           values (${i.id}, ${i.documentId}, ${i.blobStore}, ${i.blobKey}, ${i.createdBy})`;
}

/** The intent, unless one with its id exists (a resumable upload's commit retried names the same one). */
export async function ensureIntent(db: Db, i: NewIntent): Promise<void> {
  await db`insert into upload_intents (id, document_id, blob_store, blob_key, created_by)
           values (${i.id}, ${i.documentId}, ${i.blobStore}, ${i.blobKey}, ${i.createdBy}) on conflict (id) do nothing`;
}

export async function finishIntent(db: Db, id: string, state: 'committed' | 'aborted'): Promise<void> {
  await db`update upload_intents set state = ${state}, finished_at = now() where id = ${id} and state = 'pending'`;
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
