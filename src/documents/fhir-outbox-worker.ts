import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import type { RemoteFhirIndex } from '../fhir/remote-index.ts';
import * as outbox from './outbox-repository.ts';
import * as repo from './repository.ts';

export interface OutboxOptions {
  batchSize?: number;
  /** Backoff: base * 2^attempts, capped, with full jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long a claim lasts; longer than the remote calls of one document (two requests, 15 s timeout each). */
  leaseSeconds?: number;
  /**
   * More remote writes that ride on a document's row, after its DocumentReference is written (the SubmissionSet Lists
   * that delivered it: src/mhd/remote-lists.ts). A failure fails the row, which is retried like any other.
   */
  alsoWrite?: (documentId: string) => Promise<void>;
}

/**
 * Drains fhir_outbox into the remote FHIR server, in every instance. Documents are claimed with a lease in one short
 * statement, so instances share the work and never write one document at once; the remote calls run outside any
 * transaction, and each outcome is recorded in a short transaction of its own. A success marks done the document's
 * rows queued before its state was read (the resource is written from that state); rows queued later stay queued.
 */
export async function drainOutboxOnce(sql: Sql, index: RemoteFhirIndex, log: Logger, o: OutboxOptions = {}, owner: string = randomUUID()): Promise<{ done: number; failed: number }> {
  const base = o.baseDelayMs ?? 1000;
  const cap = o.maxDelayMs ?? 5 * 60_000;
  let done = 0;
  let failed = 0;
  const claimed = await outbox.claim(sql, owner, o.batchSize ?? 20, o.leaseSeconds ?? 60);
  for (const { documentId, attempts } of claimed) {
    try {
      const latest = await outbox.latestQueued(sql, documentId);
      const doc = await repo.findDocument(sql, documentId);
      const version = doc ? await repo.findVersion(sql, doc.id, doc.currentVersion) : null;
      if (!doc || !version) throw new Error(`document ${documentId} has no current version`);
      if (doc.disposalId) throw new Error(`document ${documentId} is being disposed of; its index entry is removed by the disposal`);
      const fhirId = await index.upsert(doc, version);
      await o.alsoWrite?.(doc.id);
      await sql.begin(async (tx) => {
        await repo.setIndexed(tx, doc.id, fhirId);
        await outbox.markDone(tx, doc.id, latest);
        await outbox.release(tx, owner, documentId);
      });
      done++;
    } catch (e) {
      failed++;
      const delay = Math.random() * Math.min(cap, base * 2 ** Math.min(attempts, 20));
      const message = (e as Error).message.slice(0, 2000);
      log.warn({ documentId, attempts: attempts + 1, err: message }, 'FHIR index write failed; will retry');
      await sql
        .begin(async (tx) => {
          await outbox.markFailed(tx, documentId, message, delay / 1000);
          await outbox.release(tx, owner, documentId);
        })
        .catch((err: unknown) => log.warn({ documentId, err: (err as Error).message }, 'could not record the failed FHIR write; its lease will expire'));
    }
  }
  return { done, failed };
}

export const outboxStats = (sql: Sql) => outbox.stats(sql);

/** Runs the drain loop until stopped; quick when there is work, idle-polls otherwise. */
export function startOutboxWorker(sql: Sql, index: RemoteFhirIndex, log: Logger, o: OutboxOptions & { idleMs?: number } = {}): { stop(): Promise<void>; kick(): void } {
  let stopped = false;
  let wake: (() => void) | null = null;
  const idle = o.idleMs ?? 1000;
  const owner = randomUUID();
  const loop = (async () => {
    while (!stopped) {
      let r = { done: 0, failed: 0 };
      try {
        r = await drainOutboxOnce(sql, index, log, o, owner);
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
