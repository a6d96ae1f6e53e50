import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { requirePatient } from '../auth/permissions.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import { isIsoDate, NO_FACTS, type FactName, type PatientFacts } from '../domain/retention-schedule.ts';
import { validatePatient } from '../documents/metadata.ts';
import * as docs from '../documents/repository.ts';
import * as facts from './repository/facts.ts';
import { applyRetention, lockPatientFacts, pickFacts } from './recompute.ts';
import { auditedAs, recordsManager, type RetentionDeps } from './retention-deps.ts';
import { syncAfterCommit } from './store-retention.ts';

/** A patient's facts that move the retention clock: read, and set with every document of the patient recomputed. */

export const FACTS: FactName[] = ['dateOfBirth', 'dateOfDeath', 'lastContact', 'lastChildBirth'];

export type FactsPatch = Partial<Record<FactName, string | null>>;

export async function getFacts(d: RetentionDeps, ctx: RequestContext, patientIn: string) {
  const target: AuditTarget = {};
  return auditedAs(d, ctx, 'retention.facts.read', target, async () => {
    const { patient } = patientOfManager(ctx, patientIn, target);
    const f = await facts.findFacts(d.sql, patient);
    await recordAudit(d.sql, ctx, { action: 'retention.facts.read', outcome: 'success', patient });
    return { patient, ...(f ?? { ...NO_FACTS, updatedAt: null, updatedBy: null }) };
  });
}

/** Sets the named facts (null clears one), recomputing every document of the patient in the same transaction. */
export async function setFacts(d: RetentionDeps, ctx: RequestContext, patientIn: string, patch: FactsPatch, source: 'api' | 'import' = 'api') {
  const target: AuditTarget = {};
  return auditedAs(d, ctx, 'retention.facts.set', target, async () => {
    const { p, patient } = patientOfManager(ctx, patientIn, target);
    checkFacts(patch);
    const result = await d.sql.begin(async (tx) => {
      await lockPatientFacts(tx, patient);
      const before = (await facts.findFacts(tx, patient)) ?? NO_FACTS;
      const next: PatientFacts = { ...pickFacts(before), ...patch };
      checkOrder(next);
      await facts.upsertFacts(tx, patient, next, p.sub);
      const changed: { id: string; from: string | null; to: string | null }[] = [];
      for (const row of await docs.retentionRowsForPatient(tx, patient)) {
        const to = await applyRetention(d, tx, row, next);
        if (to !== row.retainUntil) changed.push({ id: row.id, from: row.retainUntil, to });
      }
      const diff = Object.fromEntries(FACTS.filter((k) => patch[k] !== undefined && patch[k] !== before[k]).map((k) => [k, { from: before[k], to: patch[k] }]));
      await recordAudit(tx, ctx, { action: 'retention.facts.set', outcome: 'success', patient, detail: { source, facts: diff, documentsRecomputed: changed } });
      return { facts: next, changed };
    });
    syncAfterCommit(d, result.changed.map((c) => c.id));
    return { patient, ...result.facts, documentsRecomputed: result.changed };
  });
}

/** The records manager and the patient they name (a valid NHS number, one of theirs), recorded in the audit target. */
function patientOfManager(ctx: RequestContext, patientIn: string, target: AuditTarget): { p: Principal; patient: string } {
  const p = recordsManager(ctx);
  const patient = validatePatient(patientIn);
  target.patient = patient;
  requirePatient(p, patient);
  return { p, patient };
}

/** Facts about a patient of this service; also keeps every date PostgreSQL is given inside its range (year 1+). */
const EARLIEST_FACT = '1850-01-01';

function checkFacts(patch: FactsPatch): void {
  const today = new Date().toISOString().slice(0, 10);
  for (const [k, v] of Object.entries(patch)) {
    if (!(FACTS as string[]).includes(k)) throw new AppError('validation_failed', `unknown fact ${k}`, { field: k });
    if (v === null) continue;
    if (!isIsoDate(v)) throw new AppError('validation_failed', `${k} must be a calendar date YYYY-MM-DD or null`, { field: k });
    if (v > today) throw new AppError('validation_failed', `${k} cannot be in the future`, { field: k });
    if (v < EARLIEST_FACT) throw new AppError('validation_failed', `${k} cannot be before ${EARLIEST_FACT}`, { field: k });
  }
}

function checkOrder(f: PatientFacts): void {
  const dob = f.dateOfBirth;
  for (const k of ['dateOfDeath', 'lastContact', 'lastChildBirth'] as const) {
    if (dob && f[k] && f[k]! < dob) throw new AppError('validation_failed', `${k} is before the date of birth`, { field: k });
  }
}
