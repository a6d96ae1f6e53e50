import type { Db } from '../db/sql.ts';

/** SQL for fhir_outbox and its leases: the queue of documents whose remote FHIR DocumentReference must be written. */

export async function enqueue(db: Db, documentId: string): Promise<void> {
  await db`insert into fhir_outbox (document_id) values (${documentId})`;
}

/**
 * The newest queued outbox row of a document. Read it BEFORE the document: a change committed after this point has a
 * higher id and stays queued, so a row is never marked done by a write made from older state.
 */
export async function latestQueued(db: Db, documentId: string): Promise<string | null> {
  const [row] = await db<{ id: bigint | null }[]>`select max(id) as id from fhir_outbox where document_id = ${documentId} and done_at is null`;
  return row?.id == null ? null : String(row.id);
}

/** After a successful write: the rows queued up to upTo are done. */
export async function markDone(db: Db, documentId: string, upTo: string | null): Promise<void> {
  if (upTo !== null) await db`update fhir_outbox set done_at = now(), last_error = null where document_id = ${documentId} and done_at is null and id <= ${upTo}`;
}

export interface ClaimedDocument {
  documentId: string;
  /** The most attempts any of its due rows has had (drives the backoff). */
  attempts: number;
}

/**
 * Claims up to `limit` documents with due outbox rows for `owner` until now + leaseSeconds, in one statement. The
 * primary key on the lease table makes a claim atomic: a document already leased to a live owner is not returned.
 */
export async function claim(db: Db, owner: string, limit: number, leaseSeconds: number): Promise<ClaimedDocument[]> {
  return db<ClaimedDocument[]>`
    with due as (
      select document_id, max(attempts) as attempts, min(id) as first from fhir_outbox
      where done_at is null and next_attempt_at <= now()
      group by document_id order by first limit ${limit}
    ), leased as (
      insert into fhir_index_leases (document_id, owner, lease_until)
      select document_id, ${owner}, now() + make_interval(secs => ${leaseSeconds}) from due
      on conflict (document_id) do update set owner = excluded.owner, lease_until = excluded.lease_until
        where fhir_index_leases.lease_until < now()
      returning document_id
    )
    select due.document_id as "documentId", due.attempts from due join leased using (document_id)`;
}

/**
 * Takes one document's lease for `owner` (or renews it, if `owner` holds it): false while another owner's lease is
 * live, which means an outbox worker may be writing the document's entry right now.
 */
export async function takeLease(db: Db, documentId: string, owner: string, leaseSeconds: number): Promise<boolean> {
  const rows = await db`
    insert into fhir_index_leases (document_id, owner, lease_until) values (${documentId}, ${owner}, now() + make_interval(secs => ${leaseSeconds}))
    on conflict (document_id) do update set owner = excluded.owner, lease_until = excluded.lease_until
      where fhir_index_leases.lease_until < now() or fhir_index_leases.owner = excluded.owner
    returning 1`;
  return rows.length === 1;
}

export async function release(db: Db, owner: string, documentId: string): Promise<void> {
  await db`delete from fhir_index_leases where document_id = ${documentId} and owner = ${owner}`;
}

/** A failed write: every due row of the document waits delaySeconds before its next attempt. */
export async function markFailed(db: Db, documentId: string, message: string, delaySeconds: number): Promise<void> {
  await db`update fhir_outbox set attempts = attempts + 1, last_error = ${message},
             next_attempt_at = now() + make_interval(secs => ${delaySeconds})
           where document_id = ${documentId} and done_at is null`;
}

export async function stats(db: Db): Promise<{ backlog: number; oldestAgeSeconds: number; failing: number }> {
  const [r] = await db<{ backlog: number; oldest: number | null; failing: number }[]>`
    select count(*)::int as backlog, extract(epoch from now() - min(created_at))::float8 as oldest,
           count(*) filter (where attempts > 0)::int as failing
    from fhir_outbox where done_at is null`;
  return { backlog: r?.backlog ?? 0, oldestAgeSeconds: r?.oldest ?? 0, failing: r?.failing ?? 0 };
}

/** This deployment's id (migration 004), which scopes ownership of resources on a shared FHIR server. */
export async function deploymentId(db: Db): Promise<string> {
  const [row] = await db<{ id: string }[]>`select id from deployment`;
  if (!row) throw new Error('the deployment table is empty; run quill-docstore migrate');
  return row.id;
}

// ---- records governance (src/retention): a document being disposed of ----

/** Withdrawn for disposal: no more writes of its entry are queued (the disposal removes the remote entry itself). */
export async function dropQueued(db: Db, documentId: string): Promise<void> {
  await db`delete from fhir_outbox where document_id = ${documentId} and done_at is null`;
}

/** Disposed of: every outbox row of the document, done or not, and its lease. */
export async function forgetDocument(db: Db, documentId: string): Promise<void> {
  await db`delete from fhir_outbox where document_id = ${documentId}`;
  await db`delete from fhir_index_leases where document_id = ${documentId}`;
}
