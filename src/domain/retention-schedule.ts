import { readFileSync } from 'node:fs';

/**
 * The retention schedule as data, and the pure computation of one document's minimum retention from it. No I/O
 * beyond loading the file; everything here is unit-tested with the Code's own examples.
 *
 * Dates are ISO calendar dates (YYYY-MM-DD, UTC). A document may be destroyed only on a day after its retainUntil.
 */

export type RetentionRule =
  /** `years` after the last contact (conclusion of treatment); if the patient died, `afterDeathYears` after death if sooner. */
  | { kind: 'after-last-contact'; years: number; afterDeathYears?: number }
  /** Until the `untilAge` birthday (`untilAgeIf17` if 17 at the last contact); 18+ at the last contact also `adultYears` after it; died: `afterDeathYears` after death if sooner. */
  | { kind: 'children'; untilAge: number; untilAgeIf17: number; adultYears: number; afterDeathYears: number }
  /** `years` after the birth of the patient's last child. */
  | { kind: 'after-last-child-birth'; years: number }
  /** `years` after death; kept while the patient lives. */
  | { kind: 'after-death'; years: number }
  /** `years` after the document's own date. */
  | { kind: 'after-document-date'; years: number };

export interface RetentionClass {
  code: string;
  display: string;
  /** Where in the Code the period comes from. */
  citation: string;
  rule: RetentionRule;
  /** Roles that may choose this class for a document at upload (overriding its type's class). */
  roles: string[];
}

export interface RetentionSchedule {
  source: string;
  sourceUrl?: string;
  note?: string;
  classes: RetentionClass[];
}

/** The facts about a patient that move the clock; null when not (yet) known. */
export interface PatientFacts {
  dateOfBirth: string | null;
  dateOfDeath: string | null;
  lastContact: string | null;
  lastChildBirth: string | null;
}

export type FactName = keyof PatientFacts;

export const NO_FACTS: PatientFacts = { dateOfBirth: null, dateOfDeath: null, lastContact: null, lastChildBirth: null };

export interface RetentionInput {
  facts: PatientFacts;
  /** The document's clinical date, else the day it was stored: proof the patient was in care that day. */
  documentDate: string;
  /** What object storage already promised (an Object Lock retain-until date): retention never ends before it. */
  promised?: string | null | undefined;
}

export interface RetentionResult {
  /** The last day the document must be kept; null = indefinitely until a missing fact is recorded. */
  retainUntil: string | null;
  /** Facts not known that would change the result (its length, or whether it ends at all). */
  missing: FactName[];
  /** A date retention certainly reaches whatever the missing facts turn out to be (used for Object Lock). */
  floor: string;
  /** How the date was reached, for people. */
  basis: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string' || !DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  // year 0000 parses here but is no date to PostgreSQL (it has no year 0)
  return s >= '0001-01-01' && !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
}

/** date + n years; 29 February in a year without one becomes 1 March (the later day: never shortens). */
export function addYears(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const out = new Date(Date.UTC(y + n, m - 1, d));
  return out.toISOString().slice(0, 10);
}

const maxDate = (...ds: (string | null | undefined)[]): string | null => ds.filter((d): d is string => !!d).sort().at(-1) ?? null;
const minDate = (...ds: string[]): string => [...ds].sort()[0]!;

/** Whole years between birth and a date. */
export function ageOn(dateOfBirth: string, on: string): number {
  const [by, bm, bd] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = on.split('-').map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

interface Raw {
  until: string | null;
  basis: string;
  missing: FactName[];
}

/**
 * The period the class's rule gives from these facts. A fact that is missing never shortens it: the computation
 * takes the longest period the known facts allow (null when a missing fact could push it out without bound).
 */
function apply(rule: RetentionRule, f: PatientFacts, documentDate: string): Raw {
  // The patient was in care on the document's date: the last contact cannot be earlier.
  const lastContact = f.lastContact ? maxDate(f.lastContact, documentDate)! : null;
  const death = f.dateOfDeath;
  switch (rule.kind) {
    case 'after-last-contact': {
      const missing: FactName[] = [];
      let until: string | null;
      let basis: string;
      if (lastContact) {
        until = addYears(lastContact, rule.years);
        basis = `${rule.years} years after the last contact (${lastContact})`;
      } else if (death) {
        // care cannot continue after death: the latest the last contact can be is the date of death
        until = addYears(maxDate(death, documentDate)!, rule.years);
        basis = `${rule.years} years after the date of death (${death}), the latest the unrecorded last contact can be`;
        missing.push('lastContact');
      } else {
        until = null;
        basis = `${rule.years} years after the last contact, which is not recorded: kept until it is`;
        missing.push('lastContact');
      }
      if (rule.afterDeathYears !== undefined) {
        if (death) {
          const byDeath = addYears(death, rule.afterDeathYears);
          if (until === null || byDeath < until) {
            until = byDeath;
            basis = `${rule.afterDeathYears} years after death (${death}), sooner than ${rule.years} years after the last contact`;
          }
        } else missing.push('dateOfDeath');
      }
      return { until, basis, missing: unique(missing) };
    }
    case 'children': {
      const missing: FactName[] = [];
      let until: string | null;
      let basis: string;
      if (!f.dateOfBirth) {
        missing.push('dateOfBirth');
        // born by the document's date: the 26th birthday is at the latest 26 years after it; an older patient falls
        // under the adult period after the last contact
        const latestBirthday = addYears(documentDate, rule.untilAgeIf17);
        until = lastContact ? maxDate(latestBirthday, addYears(lastContact, rule.adultYears)) : null;
        if (!lastContact) missing.push('lastContact');
        basis = `date of birth not recorded: the longest the known facts allow`;
      } else if (!lastContact) {
        // without the conclusion of treatment we cannot know the age then, nor whether care ran past 18
        missing.push('lastContact');
        until = null;
        basis = `until the ${rule.untilAge}th birthday (${rule.untilAgeIf17}th if 17 at the conclusion of treatment, later if treated as an adult): last contact not recorded`;
      } else {
        const age = ageOn(f.dateOfBirth, lastContact);
        const birthday = addYears(f.dateOfBirth, age === 17 ? rule.untilAgeIf17 : rule.untilAge);
        until = birthday;
        basis = age === 17 ? `until the ${rule.untilAgeIf17}th birthday (${birthday}): 17 at the conclusion of treatment` : `until the ${rule.untilAge}th birthday (${birthday})`;
        if (age >= 18) {
          const adult = addYears(lastContact, rule.adultYears);
          if (adult > birthday) {
            until = adult;
            basis = `${rule.adultYears} years after the last contact (${lastContact}), treated as an adult: later than the ${rule.untilAge}th birthday`;
          }
        }
      }
      if (death) {
        const byDeath = addYears(death, rule.afterDeathYears);
        if (until === null || byDeath < until) {
          until = byDeath;
          basis = `${rule.afterDeathYears} years after death (${death})`;
          return { until, basis, missing: [] };
        }
      } else missing.push('dateOfDeath');
      return { until, basis, missing: unique(missing) };
    }
    case 'after-last-child-birth': {
      const birth = f.lastChildBirth ? maxDate(f.lastChildBirth, documentDate)! : null;
      if (!birth) return { until: null, basis: `${rule.years} years after the birth of the last child, which is not recorded: kept until it is`, missing: ['lastChildBirth'] };
      return { until: addYears(birth, rule.years), basis: `${rule.years} years after the birth of the last child (${birth})`, missing: [] };
    }
    case 'after-death': {
      if (!death) return { until: null, basis: `${rule.years} years after death; the patient is not recorded as dead: kept`, missing: ['dateOfDeath'] };
      return { until: addYears(maxDate(death, documentDate)!, rule.years), basis: `${rule.years} years after death (${death})`, missing: [] };
    }
    case 'after-document-date':
      return { until: addYears(documentDate, rule.years), basis: `${rule.years} years after the document's date (${documentDate})`, missing: [] };
  }
}

const unique = <T>(xs: T[]): T[] => [...new Set(xs)];

/**
 * The minimum retention of one document of class `cls`. Never earlier than what object storage already promised
 * (a death date recorded later may shorten the schedule's answer, but not below a retain-until date already set on
 * the stored objects).
 */
export function computeRetention(cls: RetentionClass, input: RetentionInput): RetentionResult {
  const r = apply(cls.rule, input.facts, input.documentDate);
  // The floor: the same rule with each missing fact at the value that ends retention soonest (a last contact or
  // death on the document's date, an adult patient, a birth on the document's date).
  const f = input.facts;
  const shortest: PatientFacts = {
    dateOfBirth: f.dateOfBirth ?? addYears(input.documentDate, -100),
    dateOfDeath: f.dateOfDeath ?? input.documentDate,
    lastContact: f.lastContact ?? input.documentDate,
    lastChildBirth: f.lastChildBirth ?? input.documentDate,
  };
  const floorRaw = apply(cls.rule, shortest, input.documentDate).until ?? input.documentDate;
  let until = r.until;
  let basis = `${cls.display}: ${r.basis}`;
  const promised = input.promised ?? null;
  if (promised && until !== null && promised > until) {
    until = promised;
    basis += `; kept until ${promised}, the retain-until date already set on the stored objects`;
  }
  const floor = promised ? maxDate(floorRaw, promised)! : until === null ? floorRaw : minDate(floorRaw, until);
  return { retainUntil: until, missing: r.missing, floor, basis };
}

export function findClass(s: RetentionSchedule, code: string): RetentionClass | undefined {
  return s.classes.find((c) => c.code === code);
}

const KINDS = ['after-last-contact', 'children', 'after-last-child-birth', 'after-death', 'after-document-date'];

/** Checks a schedule's shape; returns the problems found (empty when valid). */
export function scheduleProblems(s: unknown): string[] {
  const p: string[] = [];
  const sch = s as RetentionSchedule;
  if (typeof sch !== 'object' || sch === null || !Array.isArray(sch.classes) || sch.classes.length === 0) return ['needs a non-empty "classes" array'];
  if (typeof sch.source !== 'string' || !sch.source) p.push('needs "source" (the Code and table the periods come from)');
  const seen = new Set<string>();
  for (const [i, c] of sch.classes.entries()) {
    const at = `classes[${i}]`;
    if (typeof c?.code !== 'string' || !/^[a-z0-9-]{1,40}$/.test(c.code)) p.push(`${at}.code must be lower-case letters, digits and dashes`);
    else if (seen.has(c.code)) p.push(`${at}.code ${c.code} is repeated`);
    else seen.add(c.code);
    if (typeof c?.display !== 'string' || typeof c?.citation !== 'string') p.push(`${at} needs "display" and "citation"`);
    if (!Array.isArray(c?.roles)) p.push(`${at}.roles must be an array of role names`);
    const r = c?.rule as Record<string, unknown> | undefined;
    if (!r || !KINDS.includes(String(r.kind))) p.push(`${at}.rule.kind must be one of ${KINDS.join(', ')}`);
    else for (const [k, v] of Object.entries(r)) if (k !== 'kind' && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 200)) p.push(`${at}.rule.${k} must be a whole number of years`);
  }
  return p;
}

/** The schedule shipped with the service (the Code of Practice 2023), or a trust's own file. */
export function loadSchedule(file?: string | null): RetentionSchedule {
  const where = file ?? new URL('./nhs-retention-schedule-2023.json', import.meta.url);
  const parsed = JSON.parse(readFileSync(where, 'utf8')) as unknown;
  const problems = scheduleProblems(parsed);
  if (problems.length) throw new Error(problems.join('; '));
  return parsed as RetentionSchedule;
}
