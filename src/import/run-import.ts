import path from 'node:path';
import type { Logger } from 'pino';
import { isInputError } from '../db/errors.ts';
import type { Sql } from '../db/sql.ts';
import { checkBytes } from '../documents/check-bytes.ts';
import type { DocumentService } from '../documents/service.ts';
import type { DocumentValueSet } from '../domain/document-types.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { RequestContext } from '../domain/principal.ts';
import { readManifest, type ManifestRow } from './manifest.ts';
import { findImported, insertImported, type ImportedDocument } from './repository.ts';
import { isRefusal, RowRefused, toItem, type ImportItem, type Refusal } from './rows.ts';
import type { Sources } from './sources.ts';

/**
 * Bulk import of a legacy archive: every row of a manifest through the upload protocol of the API (DocumentService:
 * intent, bytes hashed and type-checked in one pass, one commit transaction with metadata, version, audit, FHIR index
 * and outbox), N rows at a time. Idempotent by source id: the import's own row (imported_documents) is written in the
 * document's commit transaction, so a run killed at any instant and started again skips exactly what was committed
 * and does the rest. Bytes a killed run had stored but not committed stay behind as a pending upload intent, which
 * `reconcile` removes after the grace period like any interrupted upload.
 */

export interface ImportDeps {
  sql: Sql;
  documents: DocumentService;
  sources: Sources;
  valueSet: DocumentValueSet;
  allowedContentTypes: string[];
  maxUploadBytes: number;
  /** The operator's run: every audit row and import row carries its actor and request id. */
  ctx: RequestContext;
  log: Logger;
}

export interface ImportOptions {
  manifest: string;
  concurrency: number;
  /** Check every row (file present, hash, type, patient number) without storing anything. */
  dryRun: boolean;
  /** Rows in the manifest, when counted beforehand (for the progress line). */
  total?: number | undefined;
  onProgress?: ((p: ImportProgress) => void) | undefined;
  /** Each refused row, as it is refused (the report). */
  onRefused: (r: Refusal) => unknown;
}

export interface ImportProgress {
  done: number;
  total: number;
  imported: number;
  alreadyImported: number;
  refused: number;
  /** Bytes stored (or, dry run, checked). */
  bytes: number;
  /** Unknown beforehand (files are not listed first): 0, so progress is counted in rows. */
  totalBytes: number;
  startedAt: number;
}

export interface ImportSummary {
  manifest: string;
  dryRun: boolean;
  runId: string;
  rows: number;
  /** Stored now (dry run: would be). */
  imported: number;
  /** Already imported by an earlier run (skipped). */
  alreadyImported: number;
  refused: number;
  refusedByCode: Record<string, number>;
  bytes: number;
  elapsedMs: number;
}

/** Rows looked up together (one statement) before they are started. */
const LOOKUP_BATCH = 256;

export async function runImport(d: ImportDeps, o: ImportOptions): Promise<ImportSummary> {
  const p: ImportProgress = { done: 0, total: o.total ?? 0, imported: 0, alreadyImported: 0, refused: 0, bytes: 0, totalBytes: 0, startedAt: Date.now() };
  const refusedByCode: Record<string, number> = {};
  /** Each source id seen in this run, with its line: a second row with the same one is refused. */
  const seen = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();
  let fatal: unknown = null;

  const finish = (outcome: 'imported' | 'alreadyImported', bytes = 0) => {
    p[outcome]++;
    p.bytes += bytes;
    p.done++;
    o.onProgress?.(p);
  };
  const refuse = async (r: Refusal) => {
    p.refused++;
    refusedByCode[r.code] = (refusedByCode[r.code] ?? 0) + 1;
    p.done++;
    await o.onRefused(r);
    o.onProgress?.(p);
  };
  /** A source id already imported: this row again (resumed, skipped), or another row claiming it (refused). */
  const alreadyThere = (item: ImportItem, prior: ImportedDocument) =>
    prior.path === item.path
      ? finish('alreadyImported')
      : refuse(refusal(item, 'duplicate_source_id', `sourceId ${item.sourceId} was imported from ${prior.path} (line ${prior.line}) as document ${prior.documentId}`));

  const one = async (item: ImportItem): Promise<void> => {
    try {
      const bytes = o.dryRun ? await check(d, item) : await store(d, o, item);
      finish('imported', bytes);
    } catch (e) {
      if (e instanceof RowRefused) return refuse(refusal(item, e.code, e.message));
      if (isAppError(e) && e.code === 'conflict') {
        // another run committed this source id between our look-up and our commit (ours was rolled back)
        const prior = (await findImported(d.sql, [item.sourceId])).get(item.sourceId);
        if (prior) return alreadyThere(item, prior);
      }
      if (isAppError(e) && e.status < 500) return refuse(refusal(item, e.code, e.message));
      if (isInputError(e)) return refuse(refusal(item, 'validation_failed', (e as Error).message));
      // the store or the database failing is no fault of the row's: stop here, a new run resumes
      fatal ??= e;
    }
  };

  const start = async (item: ImportItem) => {
    while (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    if (fatal) return;
    const run = one(item).finally(() => inFlight.delete(run));
    inFlight.add(run);
  };

  try {
    for await (const rows of batches(readManifest(o.manifest), LOOKUP_BATCH)) {
      if (fatal) break;
      const items: ImportItem[] = [];
      for (const row of rows) {
        const x = toItem(row, d.valueSet);
        if (isRefusal(x)) await refuse(x);
        else if (seen.has(x.sourceId)) await refuse(refusal(x, 'duplicate_source_id', `sourceId ${x.sourceId} is also on line ${seen.get(x.sourceId)}`));
        else {
          seen.set(x.sourceId, x.line);
          items.push(x);
        }
      }
      const prior = await findImported(d.sql, items.map((i) => i.sourceId));
      for (const item of items) {
        if (fatal) break;
        const found = prior.get(item.sourceId);
        if (found) await alreadyThere(item, found);
        else await start(item);
      }
    }
  } finally {
    // also when the manifest stops being readable part-way: what was started finishes (or is refused) first
    await Promise.allSettled(inFlight);
  }
  if (fatal) throw fatal;
  return {
    manifest: o.manifest,
    dryRun: o.dryRun,
    runId: d.ctx.requestId,
    rows: p.done,
    imported: p.imported,
    alreadyImported: p.alreadyImported,
    refused: p.refused,
    refusedByCode,
    bytes: p.bytes,
    elapsedMs: Date.now() - p.startedAt,
  };
}

const refusal = (item: ImportItem, code: Refusal['code'], reason: string): Refusal => ({ line: item.line, sourceId: item.sourceId, path: item.path, code, reason });

/** One row through the upload protocol, its import row in the same commit transaction. Returns the bytes stored. */
async function store(d: ImportDeps, o: ImportOptions, item: ImportItem): Promise<number> {
  const src = await d.sources.open(item.path);
  const input = { body: src.body, declaredType: null, filename: src.filename, expectedSha256: item.expectedSha256, sizeHint: src.size };
  const detail = { sourceId: item.sourceId, line: item.line, manifest: path.basename(o.manifest) };
  try {
    const done = await d.documents.importDocument(d.ctx, item.meta, input, {
      detail,
      record: (tx, documentId, sha256) =>
        insertImported(tx, { sourceId: item.sourceId, documentId, path: item.path, line: item.line, sha256, importedBy: d.ctx.principal?.sub ?? 'unknown', runId: d.ctx.requestId }).catch((e: unknown) => {
          if ((e as { code?: unknown }).code === '23505') throw new AppError('conflict', `sourceId ${item.sourceId} was imported meanwhile by another run`);
          throw e;
        }),
    });
    return done.version.size;
  } finally {
    // a refused row's file may not have been read to its end (an upload drains what is left; a file need not be)
    src.body.destroy();
  }
}

/** Dry run: the file is there and passes the upload's checks (size, hash, type, the expected SHA-256). */
async function check(d: ImportDeps, item: ImportItem): Promise<number> {
  const src = await d.sources.open(item.path);
  try {
    const r = await checkBytes(d, { body: src.body, declaredType: null, filename: src.filename, expectedSha256: item.expectedSha256, sizeHint: src.size });
    return r.size;
  } finally {
    src.body.destroy();
  }
}

async function* batches(rows: AsyncIterable<ManifestRow>, size: number): AsyncGenerator<ManifestRow[]> {
  let batch: ManifestRow[] = [];
  for await (const r of rows) {
    batch.push(r);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}
