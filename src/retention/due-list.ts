import { recordAudit } from '../audit/audit-log.ts';
import type { RequestContext } from '../domain/principal.ts';
import { dueDocuments, type DueDocument } from './repository/disposal.ts';
import { auditedAs, recordsManager, type RetentionDeps } from './retention-deps.ts';

/** Where a page of the due list ends: the keyset the next page starts after (http/cursor.ts signs it for the client). */
export interface DuePosition {
  retainUntil: string;
  id: string;
}

/** Documents past their retainUntil, not on hold and not already proposed, oldest first, keyset-paged. */
export async function due(d: RetentionDeps, ctx: RequestContext, after: DuePosition | null, limit: number): Promise<{ items: DueDocument[]; next: DuePosition | null }> {
  return auditedAs(d, ctx, 'retention.due', {}, async () => {
    recordsManager(ctx, { wholeOrganisation: true });
    const rows = await dueDocuments(d.sql, after, limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    await recordAudit(d.sql, ctx, { action: 'retention.due', outcome: 'success', detail: { count: items.length } });
    return { items, next: rows.length > limit && last ? { retainUntil: last.retainUntil, id: last.id } : null };
  });
}
