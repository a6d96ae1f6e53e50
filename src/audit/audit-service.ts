import type { Logger } from 'pino';
import { principalOf, requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Sql } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { audited, type AuditTarget } from './audited.ts';
import type { AuditRecord } from './audit-event.ts';
import { recordAudit } from './audit-log.ts';
import { iterateAudit, queryAudit, type AuditQuery } from './repository.ts';

export type AuditSearch = Omit<AuditQuery, 'beforeId' | 'patients'> & { cursor?: string | undefined };

/**
 * Reading the audit trail (auditor, admin), itself audited. A reader with a `patients` claim sees only rows about
 * those patients; asking for another patient is refused (and that refusal is audited like any other).
 */
export class AuditService {
  readonly #sql: Sql;
  readonly #log: Logger;

  constructor(sql: Sql, log: Logger) {
    this.#sql = sql;
    this.#log = log;
  }

  async search(ctx: RequestContext, q: AuditSearch): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
    const target: AuditTarget = { documentId: q.document ?? null, patient: q.patient ?? null };
    return audited(this.#sql, this.#log, ctx, 'audit.read', target, async () => {
      const p = ctx.principal;
      if (!p) throw new AppError('unauthenticated');
      requirePermission(p, 'audit:read');
      if (q.patient) requirePatient(p, q.patient);
      const { cursor, ...filters } = q;
      const rows = await queryAudit(this.#sql, { ...filters, patients: p.patients, beforeId: cursor, limit: q.limit + 1 });
      const items = rows.slice(0, q.limit);
      await recordAudit(this.#sql, ctx, { action: 'audit.read', outcome: 'success', ...target, detail: { count: items.length } });
      return { items, nextCursor: rows.length > q.limit ? (items.at(-1)?.id ?? null) : null };
    });
  }

  /**
   * The trail oldest first, for a SIEM (`audit export --ndjson`). `trusted` is an operator running the CLI with the
   * database's own credentials (who could read the table anyway); otherwise the caller's token decides, with the
   * same permission and patient scope as GET /v1/audit. Either way the export itself is audited, with its row count.
   */
  async *export(ctx: RequestContext, q: Omit<AuditQuery, 'limit' | 'beforeId' | 'patients'>, opts: { trusted: boolean }): AsyncGenerator<AuditRecord> {
    const target: AuditTarget = { documentId: q.document ?? null, patient: q.patient ?? null };
    let patients: string[] | null = null;
    await audited(this.#sql, this.#log, ctx, 'audit.export', target, async () => {
      if (opts.trusted) return;
      const p = principalOf(ctx);
      requirePermission(p, 'audit:read');
      if (q.patient) requirePatient(p, q.patient);
      patients = p.patients;
    });
    let count = 0;
    try {
      for await (const r of iterateAudit(this.#sql, { ...q, patients })) {
        count++;
        yield r;
      }
    } catch (e) {
      await recordAudit(this.#sql, ctx, { action: 'audit.export', outcome: 'failed', ...target, errorCode: 'internal_error', detail: { count } }).catch(() => undefined);
      throw e;
    }
    await recordAudit(this.#sql, ctx, { action: 'audit.export', outcome: 'success', ...target, detail: { count, trusted: opts.trusted } });
  }
}
