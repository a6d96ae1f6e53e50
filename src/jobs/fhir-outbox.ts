import type { Logger } from 'pino';
import type { Db, Sql } from '../db/sql.ts';
import * as repo from '../documents/repository.ts';
import type { RemoteFhirIndex } from '../fhir/remote-index.ts';

/**
 * The newest queued outbox row of a document. Read it BEFORE the document: a change committed after this point has a
 * higher id and stays queued, so a row is never marked done by a write made from older state.
 */
export async function latestQueued(db: Db, documentId: string): Promise<string | null> {
  const [row] = await db<{ id: bigint | null }[]>`select max(id) as id from fhir_outbox where document_id = ${documentId} and done_at is null`;
  return row?.id == null ? null : String(row.id);
}

/** After a successful write: the document is indexed under fhirId, and the rows queued up to upTo are done. */
export async function markIndexed(db: Db, documentId: string, fhirId: string, upTo: string | null): Promise<void> {
  await db`update documents set fhir_state = 'indexed', fhir_id = ${fhirId} where id = ${documentId}`;
  if (upTo !== null) await db`update fhir_outbox set done_at = now(), last_error = null where document_id = ${documentId} and done_at is null and id <= ${upTo}`;
}

export interface OutboxOptions {
  batchSize?: number;
  /** Backoff: base * 2^attempts, capped, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * Drains fhir_outbox into the remote FHIR server. Rows are claimed with FOR UPDATE SKIP LOCKED, so several API
 * instances share the work; a per-document advisory lock keeps two instances from writing the same document at
 * once. A success marks the document's rows queued before its state was read done too (the resource is written
 * from that state); rows queued later stay for the next pass.
 */
export async function drainOutboxOnce(sql: Sql, index: RemoteFhirIndex, log: Logger, o: OutboxOptions = {}): Promise<{ done: number; failed: number }> {
  const batch = o.batchSize ?? 20;
  const base = o.baseDelayMs ?? 1000;
  const cap = o.maxDelayMs ?? 5 * 60_000;
  let done = 0;
  let failed = 0;
  await sql.begin(async (tx) => {
    const rows = await tx<{ id: bigint; document_id: string; attempts: number }[]>`
      select id, document_id, attempts from fhir_outbox
      where done_at is null and next_attempt_at <= now()
      order by id for update skip locked limit ${batch}`;
    const seen = new Set<string>();
    for (const row of rows) {
      if (seen.has(row.document_id)) continue;
      seen.add(row.document_id);
      const [lock] = await tx<{ ok: boolean }[]>`select pg_try_advisory_xact_lock(hashtext(${row.document_id})) as ok`;
      if (!lock?.ok) continue;
      try {
        const latest = (await latestQueued(tx, row.document_id)) ?? String(row.id);
        const doc = await repo.findDocument(tx, row.document_id);
        const version = doc ? await repo.findVersion(tx, doc.id, doc.currentVersion) : null;
        if (!doc || !version) throw new Error(`document ${row.document_id} has no current version`);
        const fhirId = await index.upsert(doc, version);
        await markIndexed(tx, doc.id, fhirId, latest);
        done++;
      } catch (e) {
        failed++;
        const delay = Math.random() * Math.min(cap, base * 2 ** Math.min(row.attempts, 20));
        const message = (e as Error).message.slice(0, 2000);
        log.warn({ documentId: row.document_id, attempts: row.attempts + 1, err: message }, 'FHIR index write failed; will retry');
        await tx`update fhir_outbox set attempts = attempts + 1, last_error = ${message},
                 next_attempt_at = now() + make_interval(secs => ${delay / 1000}) where id = ${String(row.id)}`;
      }
    }
  });
  return { done, failed };
}

export async function outboxStats(sql: Sql): Promise<{ backlog: number; oldestAgeSeconds: number; failing: number }> {
  const [r] = await sql<{ backlog: number; oldest: number | null; failing: number }[]>`
    select count(*)::int as backlog, extract(epoch from now() - min(created_at))::float8 as oldest,
           count(*) filter (where attempts > 0)::int as failing
    from fhir_outbox where done_at is null`;
  return { backlog: r?.backlog ?? 0, oldestAgeSeconds: r?.oldest ?? 0, failing: r?.failing ?? 0 };
}

/** Runs the drain loop until stopped; quick when there is work, idle-polls otherwise. */
export function startOutboxWorker(sql: Sql, index: RemoteFhirIndex, log: Logger, o: OutboxOptions & { idleMs?: number } = {}): { stop(): Promise<void>; kick(): void } {
  let stopped = false;
  let wake: (() => void) | null = null;
  const idle = o.idleMs ?? 1000;
  const loop = (async () => {
    while (!stopped) {
      let r = { done: 0, failed: 0 };
      try {
        r = await drainOutboxOnce(sql, index, log, o);
      } catch (e) {
        log.warn({ err: (e as Error).message }, 'FHIR outbox drain failed');
      }
      if (r.done === 0 && !stopped) await new Promise<void>((res) => {
        const t = setTimeout(res, idle);
        wake = () => {
          clearTimeout(t);
          res();
        };
      });
      wake = null;
    }
  })();
  return {
    kick: () => wake?.(),
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
