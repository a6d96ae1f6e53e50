import type { Tx } from '../db/sql.ts';
import type { DocumentRecord, DocumentVersion } from '../domain/document.ts';
import { upsertBuiltin } from '../fhir/builtin-index-repository.ts';
import { toDocumentReference } from '../fhir/document-reference.ts';
import * as outbox from './outbox-repository.ts';

export interface IndexOptions {
  baseUrl: () => string;
  odsCode: string;
  /** A remote FHIR server is configured: queue its write too. */
  remoteFhir: boolean;
}

/**
 * The FHIR side of a change, inside the metadata transaction: the built-in DocumentReference is written at once (it
 * cannot drift), and when a remote FHIR server is configured an outbox row is queued for the worker.
 * Returns whether remote work was queued.
 */
export async function indexChange(tx: Tx, doc: DocumentRecord, version: DocumentVersion, o: IndexOptions): Promise<boolean> {
  await upsertBuiltin(tx, doc, toDocumentReference(doc, version, { baseUrl: o.baseUrl(), odsCode: o.odsCode }));
  if (!o.remoteFhir) return false;
  await outbox.enqueue(tx, doc.id);
  return true;
}

/** The state a changed document starts in: indexed at once when the built-in index is the only one. */
export const initialFhirState = (o: Pick<IndexOptions, 'remoteFhir'>): 'indexed' | 'pending' => (o.remoteFhir ? 'pending' : 'indexed');
