import type { List } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { audited, type AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { principalOf, requirePermission } from '../auth/permissions.ts';
import { requirePatientAccess } from '../documents/access.ts';
import type { Sql } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { all, orList, parseDateParam, parseSearchFrame, token, type Params } from '../fhir/search-params.ts';
import * as repo from './repository.ts';
import { listResource, MHD_LIST_TYPES } from './submission-set.ts';

/** The ITI-66 parameters the built-in index answers (a patient is required, as for DocumentReference). */
export const LIST_SEARCH_PARAMS = ['patient.identifier', 'code', 'status', 'identifier', 'date', '_count', '_offset', '_format'];

export function parseListSearch(q: Params): repo.ListSearch {
  const { patient, count, offset } = parseSearchFrame(q, LIST_SEARCH_PARAMS);
  const codes = orList(q.code).map(token);
  return {
    patient,
    status: orList(q.status),
    // the store keeps SubmissionSets only: a code search matches them by MHD's code (either spelling of its system)
    codes: codes.length ? codes.filter((t) => t.code === 'submissionset' && (t.system === null || MHD_LIST_TYPES.includes(t.system))).map(() => 'submissionset') : null,
    identifiers: orList(q.identifier).map((s) => (s.includes('|') ? `${token(s).system ?? ''}|${token(s).code}` : s)),
    date: all(q.date).map(parseDateParam),
    count,
    offset,
  };
}

/** ITI-66 Find Document Lists and List read on the built-in index, with the access rules and audit of every read. */
export class SubmissionSetService {
  readonly #sql: Sql;
  readonly #log: Logger;

  constructor(sql: Sql, log: Logger) {
    this.#sql = sql;
    this.#log = log;
  }

  async read(ctx: RequestContext, id: string): Promise<List> {
    const target: AuditTarget = {};
    return audited(this.#sql, this.#log, ctx, 'fhir.read', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const set = await repo.findSubmissionSet(this.#sql, id);
      if (!set) throw new AppError('not_found', `no List ${id}`);
      target.patient = set.patient;
      requirePatientAccess(p, set.patient, target, { read: true });
      await recordAudit(this.#sql, ctx, { action: 'fhir.read', outcome: 'success', ...target, detail: { list: id } });
      return listResource(set, set.entries);
    });
  }

  async search(ctx: RequestContext, params: Params): Promise<{ total: number; count: number; offset: number; resources: List[] }> {
    const target: AuditTarget = {};
    return audited(this.#sql, this.#log, ctx, 'fhir.search', target, async () => {
      const p = principalOf(ctx);
      requirePermission(p, 'document:read');
      const s = parseListSearch(params);
      target.patient = s.patient;
      requirePatientAccess(p, s.patient, target, { read: true });
      const { total, sets } = await repo.searchSubmissionSets(this.#sql, s);
      await recordAudit(this.#sql, ctx, { action: 'fhir.search', outcome: 'success', ...target, detail: { resource: 'List', total } });
      return { total, count: s.count, offset: s.offset, resources: sets.map((x) => listResource(x, x.entries)) };
    });
  }
}
