import type { DocumentReference } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { audited, type AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { principalOf, requirePermission } from '../auth/permissions.ts';
import type { Sql } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import { readBuiltin, searchBuiltin } from './builtin-index-repository.ts';
import { parseSearch, type Params } from './search-params.ts';

/**
 * The read rules' patient stage (documents/access.ts requirePatientAccess: scope, or a stated break-glass reason, which
 * it records in the target), given by the composition root: the documents layer imports this folder, so it cannot be
 * imported from here.
 */
export type PatientReadCheck = (p: Principal, patient: string, target: AuditTarget, opts: { read: true }) => void;

/** The built-in FHIR index's use cases: read and ITI-67 search, with the same access rules and audit as the API. */
export class FhirIndexService {
  readonly #sql: Sql;
  readonly #log: Logger;
  readonly #patientRead: PatientReadCheck;

  constructor(sql: Sql, log: Logger, patientRead: PatientReadCheck) {
    this.#sql = sql;
    this.#log = log;
    this.#patientRead = patientRead;
  }

  async read(ctx: RequestContext, id: string): Promise<DocumentReference> {
    const target: AuditTarget = { documentId: id };
    return audited(this.#sql, this.#log, ctx, 'fhir.read', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const found = await readBuiltin(this.#sql, id);
      if (!found) throw new AppError('not_found', `no DocumentReference ${id}`);
      target.patient = found.patient;
      this.#patientRead(p, found.patient, target, { read: true });
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
      this.#patientRead(p, s.patient, target, { read: true });
      const { total, resources } = await searchBuiltin(this.#sql, s);
      await recordAudit(this.#sql, ctx, { action: 'fhir.search', outcome: 'success', ...target, detail: { total } });
      return { total, count: s.count, offset: s.offset, resources };
    });
  }
}
