import type { Sql } from '../../db/sql.ts';
import * as repo from '../../documents/repository.ts';
import type { StoredVersionRef } from '../../documents/repository.ts';

/**
 * Which versions a migration run hands out. A pass walks keyset pages over the rows still in the source store,
 * shared by the workers (async generators queue concurrent next() calls, so no row is handed out twice). When a pass
 * has moved anything, the caller runs another pass to pick up rows that arrived meanwhile (a service still uploading
 * to the source); it ends when a pass finds nothing. Failed or skipped rows are excluded for the rest of the run.
 */
export class MigrationPlanner {
  readonly #sql: Sql;
  readonly #from: string;
  readonly #pageSize: number;
  readonly #excluded = new Set<string>();

  constructor(sql: Sql, from: string, pageSize: number) {
    this.#sql = sql;
    this.#from = from;
    this.#pageSize = pageSize;
  }

  /** Not to be handed out again in this run. */
  exclude(r: StoredVersionRef): void {
    this.#excluded.add(`${r.documentId}/${r.version}`);
  }

  /** One pass over the rows still in the source store; onFound sees each row as it is handed out. */
  async *pass(onFound: (r: StoredVersionRef) => void): AsyncGenerator<StoredVersionRef> {
    let after: { documentId: string; version: number } | null = null;
    for (;;) {
      const page = await repo.versionsInStorePage(this.#sql, this.#from, after, this.#pageSize);
      for (const r of page) {
        if (this.#excluded.has(`${r.documentId}/${r.version}`)) continue;
        onFound(r);
        yield r;
      }
      if (page.length < this.#pageSize) return;
      const last = page.at(-1)!;
      after = { documentId: last.documentId, version: last.version };
    }
  }
}
