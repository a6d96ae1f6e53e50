import type { Sql } from '../../db/sql.ts';
import type { StoredVersionRef } from '../../documents/repository.ts';
import type { BlobStore } from '../../domain/ports.ts';
import type { RequestContext } from '../../domain/principal.ts';
import { copyVersion } from './copy-version.ts';
import { repoint } from './repoint.ts';

export type Outcome = { kind: 'copied' | 'adopted' | 'skipped' } | { kind: 'failed'; reason: string };

export interface MoveContext {
  sql: Sql;
  source: BlobStore;
  target: BlobStore;
  /** The audit identity of the run. */
  ctx: RequestContext;
  runId: string;
}

/** One version: a verified copy in the target, then the row repointed (skipped if someone else moved it first). */
export async function moveVersion(m: MoveContext, r: StoredVersionRef, onBytes: (n: number) => void): Promise<Outcome> {
  const copy = await copyVersion(m.source, m.target, r, onBytes);
  if (!copy.ok) return { kind: 'failed', reason: copy.reason };
  const moved = await repoint(m.sql, m.ctx, r, { from: m.source.kind, to: m.target.kind, toVersionId: copy.versionId, adopted: copy.adopted, runId: m.runId });
  return { kind: !moved ? 'skipped' : copy.adopted ? 'adopted' : 'copied' };
}
