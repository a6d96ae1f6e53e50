import type { Tx } from '../db/sql.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/principal.ts';
import { computeRetention, NO_FACTS, type RetentionClass } from '../domain/retention-schedule.ts';
import type { NewDocumentRetention } from '../documents/repository.ts';
import * as facts from './repository/facts.ts';
import { classNamed, classOf, compute, lockPatientFacts, typeClassCode } from './recompute.ts';
import type { RetentionDeps } from './retention-deps.ts';
import { lockDateOf } from './store-retention.ts';

/** What an upload asks of records governance: the new document's class, its Object Lock date, its retention. */

/** The class a new document gets: the override if the uploader's role may set it, else its type's class. */
export function classFor(d: RetentionDeps, p: Principal, typeCode: string, override: string | undefined): RetentionClass {
  if (override !== undefined && override !== '') {
    const c = classNamed(d, override);
    if (!p.roles.some((r) => c.roles.includes(r))) throw new AppError('forbidden', `your role may not set retention class ${c.code}`, { field: 'retentionClass' });
    return c;
  }
  return classOf(d, typeClassCode(d, typeCode));
}

/**
 * Before the bytes are stored: the Object Lock date a new version gets (null when the store does not lock or the
 * date is already past). A floor of the retention: never longer than what the schedule will require.
 */
export async function lockFor(d: RetentionDeps, patient: string, cls: { code: string }, documentDate: string, promised: string | null = null): Promise<Date | null> {
  if (!d.blobs.live.retention?.locksDocuments) return null;
  const f = (await facts.findFacts(d.sql, patient)) ?? NO_FACTS;
  const r = computeRetention(classOf(d, cls.code), { facts: f, documentDate, promised });
  return lockDateOf(r.retainUntil ?? r.floor);
}

/**
 * Inside the upload transaction, before the new document's row is inserted: the retention it is inserted with (so
 * the row needs no update afterwards). The facts are read under the patient's lock, shared.
 */
export async function forNewDocument(d: RetentionDeps, tx: Tx, patient: string, cls: { code: string }, clinicalDate: string | null, lockedUntil: Date | null): Promise<NewDocumentRetention> {
  // In turn with fact changes for this patient (setFacts takes the same lock, exclusively): never computed from stale
  // facts. Uploads only read the facts, so they take it shared and do not wait for each other. Two statements,
  // pipelined (one round trip): the facts are read in a snapshot taken after the lock is held.
  const [, stored] = await Promise.all([lockPatientFacts(tx, patient, { shared: true }), facts.factsForNewDocument(tx, patient)]);
  // The Object Lock date the bytes were written with, and the document date: its clinical date, else the day it is
  // created (created_at is the transaction's now(), whose UTC date the facts statement read).
  const objectLockUntil = lockedUntil ? isoDay(lockedUntil, -1) : null;
  const r = compute(d, cls.code, stored.facts ?? NO_FACTS, clinicalDate ?? stored.today, objectLockUntil);
  return { ...r, objectLockUntil };
}

/** YYYY-MM-DD of a Date, shifted by n days. */
const isoDay = (d: Date, n = 0): string => new Date(d.getTime() + n * 86_400_000).toISOString().slice(0, 10);
