import type { DocumentReference } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { audited, type AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { principalOf, requirePatientRead, requirePermission } from '../auth/permissions.ts';
import type { Sql } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { readBuiltin, searchBuiltin } from './builtin-index-repository.ts';
import { parseSearch, type Params } from './search-params.ts';

/** The built-in FHIR index's use cases: read and ITI-67 search, with the same access rules and audit as the API. */
export class FhirIndexService {
  readonly #sql: Sql;
  readonly #log: Logger;

  constructor(sql: Sql, log: Logger) {
    this.#sql = sql;
    this.#log = log;
  }

  async read(ctx: RequestContext, id: string): Promise<DocumentReference> {
    const target: AuditTarget = { documentId: id };
    return audited(this.#sql, this.#log, ctx, 'fhir.read', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const found = await readBuiltin(this.#sql, id);
      if (!found) throw new AppError('not_found', `no DocumentReference ${id}`);
      target.patient = found.patient;
      target.breakGlass = requirePatientRead(p, found.patient);
      await recordAudit(this.#sql, ctx, { action: 'fhir.read', outcome: 'success', ...target });
      return found.resource;
    });
  }

  async search(ctx: RequestContext, params: Params): Promise<{ total: number; count: number; offset: number; resources: DocumentReference[] }> {
    const target: AuditTarget = {};
    return audited(this.#sql, this.#log, ctx, 'fhir.search', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const s = parseSearch(params);
      target.patient = s.patient;
      target.breakGlass = requirePatientRead(p, s.patient);
      const { total, resources } = await searchBuiltin(this.#sql, s);
      await recordAudit(this.#sql, ctx, { action: 'fhir.search', outcome: 'success', ...target, detail: { total } });
      return { total, count: s.count, offset: s.offset, resources };
    });
  }
}
