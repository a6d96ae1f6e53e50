import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { addYears, computeRetention, findClass, loadSchedule, NO_FACTS, scheduleProblems, type PatientFacts } from '../../src/domain/retention-schedule.ts';

const schedule = loadSchedule();
const cls = (code: string) => {
  const c = findClass(schedule, code);
  if (!c) throw new Error(`no class ${code}`);
  return c;
};
const facts = (f: Partial<PatientFacts>): PatientFacts => ({ ...NO_FACTS, ...f });

describe('the shipped schedule (Records Management Code of Practice 2023)', () => {
  it('has every class the issue names, each citing the Code', () => {
    expect(schedule.source).toMatch(/Code of Practice 2023/);
    for (const code of ['adult', 'children', 'maternity', 'mental-health', 'gp', 'oncology']) {
      expect(cls(code).citation).toMatch(/Appendix II/);
    }
  });

  it('refuses a malformed replacement file with the reasons', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'quill-sched-'));
    try {
      const file = path.join(dir, 's.json');
      await writeFile(file, JSON.stringify({ source: 'x', classes: [{ code: 'Adult!', display: 'a', citation: 'c', roles: [], rule: { kind: 'forever' } }] }));
      expect(() => loadSchedule(file)).toThrow(/code must be lower-case.*rule.kind must be one of/);
      expect(scheduleProblems({ classes: [] })).toEqual(['needs a non-empty "classes" array']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('adult: 8 years after the conclusion of treatment or death', () => {
  it('8 years after the last contact', () => {
    const r = computeRetention(cls('adult'), { facts: facts({ lastContact: '2020-03-15', dateOfDeath: null }), documentDate: '2019-01-01' });
    expect(r.retainUntil).toBe('2028-03-15');
    expect(r.missing).toEqual(['dateOfDeath']);
  });
  it('a document dated after the recorded last contact moves the contact forward (care on that day is proven)', () => {
    expect(computeRetention(cls('adult'), { facts: facts({ lastContact: '2015-01-01' }), documentDate: '2018-06-01' }).retainUntil).toBe('2026-06-01');
  });
  it('missing last contact: kept indefinitely, saying which fact is missing, with a floor of 8 years after the document', () => {
    const r = computeRetention(cls('adult'), { facts: NO_FACTS, documentDate: '2021-05-05' });
    expect(r.retainUntil).toBeNull();
    expect(r.missing).toContain('lastContact');
    expect(r.floor).toBe('2029-05-05');
  });
  it('missing last contact but a recorded death: 8 years after death (care cannot outlast the patient)', () => {
    const r = computeRetention(cls('adult'), { facts: facts({ dateOfDeath: '2022-02-02' }), documentDate: '2021-05-05' });
    expect(r.retainUntil).toBe('2030-02-02');
    expect(r.missing).toEqual(['lastContact']);
  });
});

describe("children: the 25th birthday, or 26th if 17 at the conclusion of treatment, or 8 years after death", () => {
  it('a child discharged at 10 is kept to the 25th birthday', () => {
    const r = computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2010-04-20', lastContact: '2020-09-01' }), documentDate: '2020-09-01' });
    expect(r.retainUntil).toBe('2035-04-20');
  });
  it('a young person discharged at 17 is kept to the 26th birthday (the Code example)', () => {
    const r = computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2003-07-01', lastContact: '2021-03-10' }), documentDate: '2021-03-10' });
    expect(r.retainUntil).toBe('2029-07-01');
    expect(r.basis).toMatch(/26th birthday.*17 at the conclusion/);
  });
  it('treated into adulthood (18+ at last contact): the later of the 25th birthday and 8 years after the last contact', () => {
    const r = computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2000-01-01', lastContact: '2019-06-01' }), documentDate: '2019-06-01' });
    expect(r.retainUntil).toBe('2027-06-01');
  });
  it('a child who died: 8 years after death', () => {
    const r = computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2015-01-01', lastContact: '2018-01-01', dateOfDeath: '2018-02-01' }), documentDate: '2018-01-01' });
    expect(r.retainUntil).toBe('2026-02-01');
    expect(r.missing).toEqual([]);
  });
  it('a death recorded later never shortens what Object Lock already promised', () => {
    const before = computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2015-01-01', lastContact: '2018-01-01' }), documentDate: '2018-01-01' });
    expect(before.retainUntil).toBe('2040-01-01');
    const after = computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2015-01-01', lastContact: '2018-01-01', dateOfDeath: '2018-02-01' }), documentDate: '2018-01-01', promised: before.retainUntil });
    expect(after.retainUntil).toBe('2040-01-01');
    expect(after.basis).toMatch(/already set on the stored objects/);
    // without a promise (a store with no Object Lock) the schedule's shorter answer stands
    expect(computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2015-01-01', lastContact: '2018-01-01', dateOfDeath: '2018-02-01' }), documentDate: '2018-01-01' }).retainUntil).toBe('2026-02-01');
  });
  it('missing date of birth: the longest the known facts allow, saying so', () => {
    const r = computeRetention(cls('children'), { facts: facts({ lastContact: '2020-01-01' }), documentDate: '2020-01-01' });
    expect(r.retainUntil).toBe('2046-01-01'); // born no later than the document: 26th birthday at the latest
    expect(r.missing).toContain('dateOfBirth');
  });
  it('missing last contact: indefinite', () => {
    const r = computeRetention(cls('children'), { facts: facts({ dateOfBirth: '2010-01-01' }), documentDate: '2020-01-01' });
    expect(r.retainUntil).toBeNull();
    expect(r.missing).toContain('lastContact');
  });
});

describe('the other classes', () => {
  it('maternity: 25 years after the birth of the last child; unknown birth keeps it', () => {
    expect(computeRetention(cls('maternity'), { facts: facts({ lastChildBirth: '2012-08-08' }), documentDate: '2012-08-01' }).retainUntil).toBe('2037-08-08');
    const r = computeRetention(cls('maternity'), { facts: NO_FACTS, documentDate: '2012-08-01' });
    expect(r).toMatchObject({ retainUntil: null, missing: ['lastChildBirth'] });
  });
  it('mental health: 20 years after last contact, or 10 years after death if sooner', () => {
    expect(computeRetention(cls('mental-health'), { facts: facts({ lastContact: '2010-01-01' }), documentDate: '2009-01-01' }).retainUntil).toBe('2030-01-01');
    expect(computeRetention(cls('mental-health'), { facts: facts({ lastContact: '2010-01-01', dateOfDeath: '2011-01-01' }), documentDate: '2009-01-01' }).retainUntil).toBe('2021-01-01');
    expect(computeRetention(cls('mental-health'), { facts: facts({ lastContact: '2010-01-01', dateOfDeath: '2025-01-01' }), documentDate: '2009-01-01' }).retainUntil).toBe('2030-01-01');
  });
  it('GP: 10 years after death; a living patient is kept', () => {
    expect(computeRetention(cls('gp'), { facts: facts({ dateOfDeath: '2015-05-05' }), documentDate: '2014-01-01' }).retainUntil).toBe('2025-05-05');
    expect(computeRetention(cls('gp'), { facts: NO_FACTS, documentDate: '2014-01-01' })).toMatchObject({ retainUntil: null, missing: ['dateOfDeath'], floor: '2024-01-01' });
  });
  it('oncology: 30 years', () => {
    expect(computeRetention(cls('oncology'), { facts: NO_FACTS, documentDate: '2001-02-03' }).retainUntil).toBe('2031-02-03');
  });
  it('29 February rolls forward to 1 March, never back', () => {
    expect(addYears('2000-02-29', 25)).toBe('2025-03-01');
  });
});

describe('isIsoDate', () => {
  it('takes real calendar days PostgreSQL can store, and nothing else', async () => {
    const { isIsoDate } = await import('../../src/domain/retention-schedule.ts');
    expect(['2026-02-28', '2024-02-29', '0001-01-01', '9999-12-31'].every(isIsoDate)).toBe(true);
    expect(['0000-01-08', '2026-02-30', '2025-02-29', '2026-13-01', '20260101', 2026, null].some((v) => isIsoDate(v))).toBe(false);
  });
});
