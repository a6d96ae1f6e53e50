import type { Sql, Tx } from './sql.ts';
import { isDatabaseUnavailable } from './errors.ts';
import { StatementBatcher } from './statement-batcher.ts';

/** A piece of work for a shared transaction: it runs its statements on `tx` and must not commit or roll back. */
export type TransactionWork<T> = (tx: Tx) => Promise<T>;

/**
 * Group commit for whole transactions: work that arrives while `maxInFlight` transactions are running waits, then runs
 * in one transaction with the rest of the queue, its statements pipelined beside theirs (one BEGIN, one COMMIT, one
 * WAL flush for all). Every piece's promise settles before the transaction ends, so none is cut off mid-statement.
 * If any piece fails, nothing of the transaction is committed, and each piece is run again in a transaction of its
 * own, so a failure is only its own piece's; a failure where the outcome is unknown (the database unreachable, a
 * timeout) is every piece's answer.
 */
export function transactionBatcher<T>(sql: Sql, opts: { maxInFlight: number; maxBatch: number }): StatementBatcher<TransactionWork<T>, T> {
  return new StatementBatcher<TransactionWork<T>, T>({
    ...opts,
    run: (work) =>
      sql.begin(async (tx) => {
        const settled = await Promise.allSettled(work.map((w) => w(tx)));
        const failed = settled.find((r) => r.status === 'rejected');
        if (failed) throw failed.reason;
        return settled.map((r) => (r as PromiseFulfilledResult<T>).value);
      }) as Promise<T[]>,
    separable: (e) => !isDatabaseUnavailable(e),
  });
}
