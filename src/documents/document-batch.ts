import { randomUUID } from 'node:crypto';
import { requirePatient, requirePermission } from '../auth/permissions.ts';
import type { Sql, Tx } from '../db/sql.ts';
import type { DocumentWithVersion, NewDocumentMetadata } from '../domain/document.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import type { Principal, RequestContext } from '../domain/principal.ts';
import { principalOf } from './access.ts';
import type { CommitOptions } from './commit.ts';
import { resolveMetadata, type ResolvedMetadata } from './metadata.ts';
import { heldDetail, writeNewDocument, type NewDocumentRetentionHook } from './new-document.ts';
import { discard, storeBytes, type StoredBytes, type UploadDeps, type UploadInput } from './upload.ts';

export interface DocumentBatchDeps {
  sql: Sql;
  upload: UploadDeps;
  commit: CommitOptions;
  retention?: (NewDocumentRetentionHook & { classFor(p: Principal, typeCode: string, override: string | undefined): { code: string }; afterCommit(ids: string[]): void }) | undefined;
  valueSet: DocumentValueSet;
}

/** A batch document's metadata after the domain rules: what commit() writes. */
export interface CheckedMetadata {
  meta: ResolvedMetadata;
  cls: { code: string } | null;
}

/**
 * New documents stored and committed together, all or none (IHE MHD ITI-65 Provide Document Bundle). Each document's
 * bytes go through steps 1 and 2 of the upload protocol as they arrive (storeBytes: intent, size limit, SHA-256/SHA-1
 * and type check in one pass, into the live store); then one transaction writes every document (step 3 for each: rows,
 * intent, audit row, FHIR index and outbox) together with what the caller adds (its SubmissionSet). Refused, or failed
 * at the commit: every object the batch stored is removed again (discard).
 *
 * Object Lock: a batch's bytes are written without a retain-until date and locked right after the commit
 * (RetentionService.afterCommit, the same step `reconcile` repeats), because an object locked at upload could not be
 * removed when a later document of the same batch is refused.
 */
export class DocumentBatch {
  readonly #d: DocumentBatchDeps;
  readonly #ctx: RequestContext;
  readonly #p: Principal;
  readonly #stores: Promise<StoredBytes>[] = [];

  constructor(d: DocumentBatchDeps, ctx: RequestContext) {
    this.#d = d;
    this.#ctx = ctx;
    this.#p = principalOf(ctx);
    requirePermission(this.#p, 'document:write');
  }

  /** Steps 1 and 2 for one new document's bytes, under a fresh document id: `stored` settles once they are in (or refused). */
  store(input: UploadInput): { documentId: string; stored: Promise<StoredBytes> } {
    const documentId = randomUUID();
    const stored = storeBytes(this.#d.upload, this.#p, documentId, input, null);
    this.#stores.push(stored);
    return { documentId, stored };
  }

  /** The domain rules for one document's metadata (NHS number, value sets, dates) and the caller's right to file it. */
  check(meta: NewDocumentMetadata): CheckedMetadata {
    const m = resolveMetadata(meta, this.#d.valueSet);
    requirePatient(this.#p, m.patient);
    const cls = this.#d.retention?.classFor(this.#p, m.type.code, meta.retentionClass) ?? null;
    return { meta: m, cls };
  }

  /**
   * Step 3 for every document of the batch in one transaction, with `also` (the caller's own rows) in it too. Each
   * document's `stored` must have resolved. On failure nothing is committed and every stored object is removed.
   */
  async commit(docs: (CheckedMetadata & { documentId: string; stored: StoredBytes })[], detail: Record<string, unknown>, also: (tx: Tx, committed: DocumentWithVersion[]) => Promise<void>): Promise<DocumentWithVersion[]> {
    const d = this.#d;
    let committed: DocumentWithVersion[];
    try {
      committed = await d.sql.begin(async (tx) => {
        const out: DocumentWithVersion[] = [];
        for (const doc of docs) out.push(await writeNewDocument(tx, d, this.#ctx, this.#p, { ...doc, lock: null }, { ...detail, ...heldDetail(doc.stored) }));
        await also(tx, out);
        return out;
      });
    } catch (e) {
      await this.discard();
      throw e;
    }
    d.retention?.afterCommit(committed.map((c) => c.document.id));
    return committed;
  }

  /** Removes every object this batch stored (best effort: what is missed is debris `reconcile` removes). */
  async discard(): Promise<void> {
    const settled = await Promise.allSettled(this.#stores);
    await Promise.all(
      settled.flatMap((s) => (s.status === 'fulfilled' ? [discard(this.#d.upload, s.value.intentId, s.value.version.blobKey, s.value.version.blobVersionId)] : [])),
    );
  }
}
