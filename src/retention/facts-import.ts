import type { AuditTarget } from '../audit/audited.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { AppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { FACTS, setFacts, type FactsPatch } from './patient-facts.ts';
import { auditedAs, recordsManager, type RetentionDeps } from './retention-deps.ts';

/** Stands for an NDJSON line too long to read (the reader drops its text): reported as that line's error. */
export const TOO_LONG_LINE = '\u0000';

/** Failed lines reported (and counted) at most. */
const MAX_REPORTED = 1000;

/** A PAS feed: one JSON object per line ({"patient": …, "dateOfDeath": …}); each line its own transaction and audit row. */
export async function importFacts(d: RetentionDeps, ctx: RequestContext, lines: AsyncIterable<string>) {
  const target: AuditTarget = {};
  return auditedAs(d, ctx, 'retention.facts.import', target, async () => {
    recordsManager(ctx);
    let n = 0;
    let imported = 0;
    const failed: { line: number; code: string; detail: string }[] = [];
    for await (const raw of lines) {
      n++;
      if (!raw.trim()) continue;
      try {
        const { patient, patch } = parseLine(raw);
        await setFacts(d, ctx, patient, patch, 'import');
        imported++;
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        if (failed.length < MAX_REPORTED) failed.push({ line: n, code: e.code, detail: e.message });
      }
    }
    const summary = { lines: n, imported, failed: failed.length };
    await recordAudit(d.sql, ctx, { action: 'retention.facts.import', outcome: failed.length ? 'failed' : 'success', detail: summary });
    return { ...summary, errors: failed };
  });
}

/** One line of the feed: a JSON object naming the patient and only known facts (their values setFacts checks). */
function parseLine(raw: string): { patient: string; patch: FactsPatch } {
  if (raw === TOO_LONG_LINE) throw new AppError('payload_too_large', 'the line is longer than 64 KiB');
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    throw new AppError('validation_failed', 'not a JSON object');
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new AppError('validation_failed', 'not a JSON object');
  const { patient, ...rest } = rec;
  const unknown = Object.keys(rest).filter((k) => !(FACTS as string[]).includes(k));
  if (unknown.length) throw new AppError('validation_failed', `unknown field(s) ${unknown.join(', ')}`);
  return { patient: String(patient ?? ''), patch: rest as FactsPatch };
}
