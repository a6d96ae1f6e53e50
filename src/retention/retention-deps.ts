import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { audited, type AuditTarget } from '../audit/audited.ts';
import type { RetentionAction } from '../audit/audit-event.ts';
import { principalOf, requirePermission } from '../auth/permissions.ts';
import type { Sql } from '../db/sql.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import { AppError } from '../domain/errors.ts';
import { displayText } from '../domain/input-limits.ts';
import type { BlobStores } from '../domain/ports.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import type { RetentionSchedule } from '../domain/retention-schedule.ts';
import type { IndexOptions } from '../documents/fhir-index.ts';

export interface RetentionServiceOptions {
  sql: Sql;
  log: Logger;
  blobs: BlobStores;
  schedule: RetentionSchedule;
  valueSet: DocumentValueSet;
  index: IndexOptions & { onIndexWork?: (() => void) | undefined };
}

/** What every records-governance use case works with: the options, and the fingerprint of the schedule in force. */
export interface RetentionDeps extends RetentionServiceOptions {
  /** Identifies the schedule in force: each computed date records it, so a changed schedule is re-applied. */
  fingerprint: string;
}

export function retentionDeps(o: RetentionServiceOptions): RetentionDeps {
  return { ...o, fingerprint: createHash('sha256').update(JSON.stringify(o.schedule)).digest('hex').slice(0, 16) };
}

/** Runs a use case audited under `action`: a refusal is recorded with what `target` knew by then. */
export function auditedAs<T>(d: RetentionDeps, ctx: RequestContext, action: RetentionAction, target: AuditTarget, fn: () => Promise<T>): Promise<T> {
  return audited(d.sql, d.log, ctx, action, target, fn);
}

/**
 * The caller, who must be a records manager (or admin). Lists across patients (due documents, batches, type holds)
 * are for records managers not limited to some patients.
 */
export function recordsManager(ctx: RequestContext, opts: { wholeOrganisation?: boolean } = {}): Principal {
  const p = principalOf(ctx);
  requirePermission(p, 'records:manage');
  if (opts.wholeOrganisation && p.patients !== null) throw new AppError('patient_forbidden', 'this needs a records manager whose token is not limited to some patients');
  return p;
}

/** A decision's reason, cleaned as all text people read (domain displayText): at least three characters. */
export function requireReason(reason: string, field = 'reason'): string {
  const why = displayText(reason, field);
  if (why.length < 3) throw new AppError('validation_failed', `a ${field} is required`, { field });
  return why;
}
