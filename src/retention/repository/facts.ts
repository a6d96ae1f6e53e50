import type { Db } from '../../db/sql.ts';
import type { PatientFacts } from '../../domain/retention-schedule.ts';

/** SQL for patient_facts: the facts that move a patient's retention clock. */

export async function findFacts(db: Db, patient: string): Promise<(PatientFacts & { updatedAt: Date; updatedBy: string }) | null> {
  const rows = await db<{ dob: string | null; dod: string | null; lc: string | null; lcb: string | null; updated_at: Date; updated_by: string }[]>`
    select to_char(date_of_birth, 'YYYY-MM-DD') as dob, to_char(date_of_death, 'YYYY-MM-DD') as dod, to_char(last_contact, 'YYYY-MM-DD') as lc,
           to_char(last_child_birth, 'YYYY-MM-DD') as lcb, updated_at, updated_by
    from patient_facts where patient_nhs = ${patient}`;
  const r = rows[0];
  return r ? { dateOfBirth: r.dob, dateOfDeath: r.dod, lastContact: r.lc, lastChildBirth: r.lcb, updatedAt: r.updated_at, updatedBy: r.updated_by } : null;
}

/**
 * A new document's inputs, in one statement: the patient's facts (null: none recorded) and the transaction's date
 * (UTC), the date a document without a clinical date is dated by (its created_at, which defaults to now()).
 */
export async function factsForNewDocument(db: Db, patient: string): Promise<{ facts: PatientFacts | null; today: string }> {
  const [r] = await db<{ today: string; found: boolean; dob: string | null; dod: string | null; lc: string | null; lcb: string | null }[]>`
    select to_char(now() at time zone 'UTC', 'YYYY-MM-DD') as today, f.patient_nhs is not null as found,
           to_char(f.date_of_birth, 'YYYY-MM-DD') as dob, to_char(f.date_of_death, 'YYYY-MM-DD') as dod, to_char(f.last_contact, 'YYYY-MM-DD') as lc,
           to_char(f.last_child_birth, 'YYYY-MM-DD') as lcb
    from (select 1) one left join patient_facts f on f.patient_nhs = ${patient}`;
  return { facts: r!.found ? { dateOfBirth: r!.dob, dateOfDeath: r!.dod, lastContact: r!.lc, lastChildBirth: r!.lcb } : null, today: r!.today };
}

/** Locks the patient's facts row (creating it) so concurrent fact changes and uploads recompute in turn. */
export async function upsertFacts(db: Db, patient: string, f: PatientFacts, by: string): Promise<void> {
  await db`insert into patient_facts (patient_nhs, date_of_birth, date_of_death, last_contact, last_child_birth, updated_by)
    values (${patient}, ${f.dateOfBirth}, ${f.dateOfDeath}, ${f.lastContact}, ${f.lastChildBirth}, ${by})
    on conflict (patient_nhs) do update set date_of_birth = excluded.date_of_birth, date_of_death = excluded.date_of_death,
      last_contact = excluded.last_contact, last_child_birth = excluded.last_child_birth, updated_at = now(), updated_by = excluded.updated_by`;
}
