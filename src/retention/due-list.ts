import { recordAudit } from '../audit/audit-log.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { isIsoDate } from '../domain/retention-schedule.ts';
import * as docs from '../documents/repository.ts';
import { auditedAs, recordsManager, type RetentionDeps } from './retention-deps.ts';

/** Documents past their retainUntil, not on hold and not already proposed, oldest first, keyset-paged. */
export async function due(d: RetentionDeps, ctx: RequestContext, cursor: string | undefined, limit: number) {
  return auditedAs(d, ctx, 'retention.due', {}, async () => {
    recordsManager(ctx, { wholeOrganisation: true });
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = await docs.dueDocuments(d.sql, after, limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    await recordAudit(d.sql, ctx, { action: 'retention.due', outcome: 'success', detail: { count: items.length } });
    return { items, nextCursor: rows.length > limit && last ? Buffer.from(`${last.retainUntil}|${last.id}`).toString('base64url') : null };
  });
}

function decodeCursor(c: string): { retainUntil: string; id: string } {
  const [retainUntil, id] = Buffer.from(c, 'base64url').toString().split('|');
  if (!isIsoDate(retainUntil) || !/^[0-9a-f-]{36}$/.test(id ?? '')) throw new AppError('validation_failed', 'cursor is not valid', { field: 'cursor' });
  return { retainUntil, id: id! };
}
