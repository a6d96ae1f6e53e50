import type { Tx } from '../db/sql.ts';
import type { DocumentWithVersion } from '../domain/document.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import { commitChange, type CommitOptions } from './commit.ts';
import { initialFhirState } from './fhir-index.ts';
import type { ResolvedMetadata } from './metadata.ts';
import * as repo from './repository.ts';
import type { StoredBytes } from './upload.ts';

/** What writing a new document's rows needs from records governance (RetentionService). */
export interface NewDocumentRetentionHook {
  forNewDocument(tx: Tx, patient: string, cls: { code: string }, clinicalDate: string | null, lockedUntil: Date | null): Promise<repo.NewDocumentRetention>;
}

/** A new document whose bytes are stored (steps 1 and 2 done) and whose metadata passed the domain rules. */
export interface NewDocument {
  documentId: string;
  meta: ResolvedMetadata;
  /** Its retention class (null without records governance). */
  cls: { code: string } | null;
  /** The Object Lock date its bytes were written with (null: none, or applied after the commit). */
  lock: Date | null;
  stored: StoredBytes;
}

export interface NewDocumentDeps {
  commit: CommitOptions;
  retention?: NewDocumentRetentionHook | undefined;
}

/**
 * Step 3 of the upload protocol for a new document, inside the caller's transaction: its retention, then the document
 * and version rows, sent on the transaction's connection without waiting, with the intent, the audit row and the FHIR
 * index behind them (commitChange): one round trip for the rows, one for the index.
 */
export async function writeNewDocument(
  tx: Tx,
  o: NewDocumentDeps,
  ctx: RequestContext,
  p: Principal,
  d: NewDocument,
  detail?: Record<string, unknown>,
  action: 'document.create' | 'document.import' = 'document.create',
): Promise<DocumentWithVersion> {
  const { documentId, meta: m } = d;
  const kept = o.retention && d.cls ? await o.retention.forNewDocument(tx, m.patient, d.cls, m.clinicalDate, d.lock) : null;
  const rows = Promise.all([
    repo.insertDocument(tx, { id: documentId, ...m, createdBy: p.sub, fhirState: initialFhirState(o.commit), retention: kept }),
    repo.insertVersion(tx, { ...d.stored.version, version: 1 }),
  ]).then(([document, version]) => ({ document, version }));
  return commitChange(tx, o.commit, ctx, action, { documentId, version: 1, patient: m.patient }, rows, d.stored.intentId, detail);
}

/** A version stored while the malware scanner was down (QUILL_SCAN_WHEN_DOWN=hold) says so in its upload's audit row. */
export const heldDetail = (stored: StoredBytes) => (stored.version.scanStatus === 'pending' ? { scanStatus: 'pending' } : undefined);
