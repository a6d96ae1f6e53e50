import { xactLock } from '../db/advisory-lock.ts';
import type { Db, Tx } from '../db/sql.ts';
import { findType } from '../domain/document-types.ts';
import { AppError } from '../domain/errors.ts';
import { computeRetention, findClass, NO_FACTS, type PatientFacts, type RetentionClass } from '../domain/retention-schedule.ts';
import { indexChange, initialFhirState } from '../documents/fhir-index.ts';
import * as docs from '../documents/repository.ts';
import * as facts from './repository/facts.ts';
import type { RetentionDeps } from './retention-deps.ts';

/**
 * A document's retention under the schedule in force, as its row stores it, and its recomputation in the transaction
 * that changed what it depends on (the patient's facts, the document's class, the schedule).
 */

/** The class of a type the value set does not place in one (and of a class code the schedule no longer has). */
export const FALLBACK_CLASS = 'adult';

export function classOf(d: RetentionDeps, code: string): RetentionClass {
  return findClass(d.schedule, code) ?? findClass(d.schedule, FALLBACK_CLASS) ?? d.schedule.classes[0]!;
}

/** The class a records manager or uploader names: one of the schedule's, or unknown_retention_class. */
export function classNamed(d: RetentionDeps, code: string): RetentionClass {
  const c = findClass(d.schedule, code);
  if (!c) throw new AppError('unknown_retention_class', `retentionClass must be one of ${d.schedule.classes.map((x) => x.code).join(', ')}`, { field: 'retentionClass' });
  return c;
}

/** The class code a document type's documents get. */
export const typeClassCode = (d: RetentionDeps, typeCode: string): string => findType(d.valueSet, typeCode)?.retentionClass ?? FALLBACK_CLASS;

/** A document's retention under this schedule, as its row stores it. */
export function compute(d: RetentionDeps, code: string, f: PatientFacts, documentDate: string, promised: string | null) {
  const r = computeRetention(classOf(d, code), { facts: f, documentDate, promised });
  return { retentionClass: code, retainUntil: r.retainUntil, missing: r.missing, basis: r.basis, schedule: d.fingerprint };
}

/** Recomputes one document's retention (optionally with a new class) and reindexes it when the date moved. */
export async function applyRetention(d: RetentionDeps, tx: Tx, row: docs.RetentionRow, f: PatientFacts, classCode?: string): Promise<string | null> {
  const code = classCode ?? row.retentionClass;
  const r = compute(d, code, f, row.documentDate, row.objectLockUntil);
  await docs.setRetention(tx, row.id, r);
  if (r.retainUntil !== row.retainUntil || code !== row.retentionClass) await reindex(d, tx, row.id);
  return r.retainUntil;
}

/** The FHIR entry carries retainUntil: rewrite the built-in one now and queue the remote one. */
async function reindex(d: RetentionDeps, tx: Tx, documentId: string): Promise<void> {
  if (initialFhirState(d.index) === 'pending') await docs.markFhirPending(tx, documentId);
  const doc = await docs.findDocument(tx, documentId);
  if (!doc) return;
  const version = await docs.findVersion(tx, documentId, doc.currentVersion);
  if (version && (await indexChange(tx, doc, version, d.index))) setImmediate(() => d.index.onIndexWork?.());
}

/** Just the facts (a stored row also says who changed them when). */
export const pickFacts = (f: PatientFacts): PatientFacts => ({ dateOfBirth: f.dateOfBirth, dateOfDeath: f.dateOfDeath, lastContact: f.lastContact, lastChildBirth: f.lastChildBirth });

export async function factsOf(db: Db, patient: string): Promise<PatientFacts> {
  return pickFacts((await facts.findFacts(db, patient)) ?? NO_FACTS);
}

/**
 * Serialises fact changes and new documents of one patient (a transaction-scoped advisory lock): fact changes take
 * it exclusively, uploads (which only read the facts) shared.
 */
export function lockPatientFacts(tx: Tx, patient: string, opts: { shared?: boolean } = {}): Promise<void> {
  return xactLock(tx, `quill-patient-facts:${patient}`, opts);
}
