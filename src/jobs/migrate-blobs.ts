import { createHash, randomUUID } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { recordAudit } from '../audit/audit-log.ts';
import { withAdvisoryLock } from '../db/advisory-lock.ts';
import type { Sql } from '../db/sql.ts';
import { faultPoint } from '../documents/fault-points.ts';
import * as repo from '../documents/repository.ts';
import type { StoredVersionRef } from '../documents/repository.ts';
import { VerifyingStream } from '../documents/verifying-stream.ts';
import { AppError, isAppError } from '../domain/errors.ts';
import type { BlobStore } from '../domain/ports.ts';
import type { RequestContext } from '../domain/principal.ts';

/**
 * `quill-docstore migrate-blobs`: moves every document version whose bytes live in one store to another.
 *
 * Per version: stream source.get → SHA-256/size check (the last chunk is held back until it matches the metadata, so a
 * corrupt source never completes an upload) → target.put under the same key, with the expected SHA-256 for stores
 * that check it themselves → read the object back from the target and hash it → only then, in one transaction,
 * repoint the row (blob_store, blob_key, blob_version_id) guarded by `where blob_store = from` and write an audit row.
 *
 * Killed at any moment, the worst left behind is an object in the target that no row points at yet. A re-run only
 * looks at rows still in the source store; where the target refuses to overwrite (fs, Azure: object_exists) it reads
 * the existing object, and adopts it if its SHA-256 matches the metadata (else reports the version as failed); a
 * versioned S3 bucket simply takes a new version. Source bytes are never deleted.
 */
export interface MigrateBlobsOptions {
  /** Objects in flight at once (default 4). Memory is bounded by the stores' part buffers per object in flight. */
  concurrency?: number;
  /** Called whenever a counter changes; the caller decides how often to draw. */
  onProgress?: (p: MigrateProgress) => void;
  /** Rows fetched per query. */
  pageSize?: number;
}

export interface MigrateProgress {
  from: string;
  to: string;
  /** Versions in the source store when the run started (plus any that arrived while it ran). */
  total: number;
  totalBytes: number;
  /** Versions finished (copied, adopted, skipped or failed). */
  done: number;
  copied: number;
  adopted: number;
  skipped: number;
  failed: number;
  /** Bytes streamed from source to target so far (read-back verification not counted). */
  bytes: number;
  startedAt: number;
}

export interface MigrateFailure {
  documentId: string;
  version: number;
  key: string;
  reason: string;
}

export interface MigrateBlobsReport {
  from: string;
  to: string;
  runId: string;
  /** Versions found in the source store. */
  total: number;
  totalBytes: number;
  /** Copied and verified in the target, row repointed (adopted ones included). */
  copied: number;
  /** Of those, how many were already in the target from an interrupted run and were verified and adopted. */
  adopted: number;
  /** Versions already in the target store when the run started, or moved by someone else meanwhile. */
  skipped: number;
  failed: MigrateFailure[];
  /** Bytes copied (source → target). */
  bytes: number;
  elapsedMs: number;
  /** Versions still in the source store at the end (failed ones, or uploads that arrived during the run). */
  remaining: number;
}

type Outcome = { kind: 'copied' | 'adopted' | 'skipped' } | { kind: 'failed'; reason: string };

const LOCK = 'quill-docstore:migrate-blobs';

export async function migrateBlobs(sql: Sql, source: BlobStore, target: BlobStore, log: Logger, opts: MigrateBlobsOptions = {}): Promise<MigrateBlobsReport> {
  const from = source.kind;
  const to = target.kind;
  if (from === to) throw new AppError('validation_failed', '--from and --to must name different stores');
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
  const pageSize = opts.pageSize ?? 100;
  const runId = randomUUID();
  const ctx: RequestContext = { principal: { sub: 'system:migrate-blobs', roles: [], patients: null }, clientIp: null, userAgent: 'quill-docstore migrate-blobs', requestId: runId };

  // One run at a time: a session advisory lock, released when the run ends or its connection dies with the process.
  const locked = await withAdvisoryLock(sql, LOCK, () => run());
  if (!locked.ran) throw new AppError('validation_failed', 'another migrate-blobs run holds the lock; wait for it to finish');
  return locked.value;

  async function run(): Promise<MigrateBlobsReport> {
    const startedAt = Date.now();
    const counts = await repo.migrationCounts(sql, from, to);
    const p: MigrateProgress = {
      from,
      to,
      total: counts.n,
      totalBytes: counts.bytes,
      done: 0,
      copied: 0,
      adopted: 0,
      skipped: counts.already,
      failed: 0,
      bytes: 0,
      startedAt,
    };
    const failures: MigrateFailure[] = [];
    const progress = () => opts.onProgress?.({ ...p });
    progress();
    log.info({ from, to, versions: p.total, bytes: p.totalBytes, concurrency, runId }, 'migrate-blobs: starting');

    // A pass walks keyset pages over the rows still in the source, shared by the workers (so no row is handed out
    // twice). When a pass has moved anything, another pass picks up rows that arrived meanwhile (a service still
    // uploading to the source); it ends when a pass finds nothing. Failed or skipped rows are not retried in this run.
    const excluded = new Set<string>();
    async function* pass(first: boolean, found: { n: number }): AsyncGenerator<StoredVersionRef> {
      let after: { documentId: string; version: number } | null = null;
      for (;;) {
        const page = await repo.versionsInStorePage(sql, from, after, pageSize);
        for (const r of page) {
          if (excluded.has(`${r.documentId}/${r.version}`)) continue;
          found.n++;
          if (!first) {
            // an upload that arrived during the previous pass
            p.total++;
            p.totalBytes += Number(r.size);
          }
          yield r;
        }
        if (page.length < pageSize) return;
        const last = page.at(-1)!;
        after = { documentId: last.documentId, version: last.version };
      }
    }

    const worker = async (queue: AsyncGenerator<StoredVersionRef>) => {
      for (;;) {
        const next = await queue.next(); // async generators queue concurrent next() calls
        if (next.done) return;
        const r = next.value;
        const out = await moveOne(r).catch((e: unknown): Outcome => ({ kind: 'failed', reason: describe(e) }));
        p.done++;
        p.total = Math.max(p.total, p.done); // an upload that landed during the first pass
        if (out.kind === 'failed') {
          p.failed++;
          excluded.add(`${r.documentId}/${r.version}`);
          failures.push({ documentId: r.documentId, version: r.version, key: r.blobKey, reason: out.reason });
          log.error({ documentId: r.documentId, version: r.version, key: r.blobKey, reason: out.reason }, 'migrate-blobs: version not moved');
        } else if (out.kind === 'skipped') {
          p.skipped++;
          excluded.add(`${r.documentId}/${r.version}`);
        } else {
          p.copied++;
          if (out.kind === 'adopted') p.adopted++;
        }
        progress();
      }
    };
    for (let n = 0; ; n++) {
      const found = { n: 0 };
      const queue = pass(n === 0, found);
      await Promise.all(Array.from({ length: concurrency }, () => worker(queue)));
      if (found.n === 0) break;
    }

    const left = await repo.countVersionsInStore(sql, from);
    const report: MigrateBlobsReport = {
      from,
      to,
      runId,
      total: p.total,
      totalBytes: p.totalBytes,
      copied: p.copied,
      adopted: p.adopted,
      skipped: p.skipped,
      failed: failures,
      bytes: p.bytes,
      elapsedMs: Date.now() - startedAt,
      remaining: left,
    };
    log.info({ ...report, failed: failures.length }, 'migrate-blobs: finished');
    return report;

    async function moveOne(r: StoredVersionRef): Promise<Outcome> {
      const size = r.size;
      const expected = Buffer.from(r.sha256, 'hex');
      let put: { versionId: string | null; adopted: boolean };

      const src = await source.get(r.blobKey, r.blobVersionId);
      const meter = new Meter((n) => {
        p.bytes += n;
        progress();
      });
      let corrupt: string | null = null;
      // Errors before the final chunk on a SHA-256 or size mismatch, so the target never completes a corrupt object.
      const verifier = new VerifyingStream(r.sha256, size, (actual) => (corrupt = actual));
      const [piped, stored] = await Promise.allSettled([
        pipeline(src, meter, verifier),
        target.put(r.blobKey, verifier, { contentType: r.contentType, expectedSha256: expected }),
      ]);
      if (corrupt) {
        return { kind: 'failed', reason: `the ${from} copy does not match its recorded SHA-256 (got ${corrupt}); not copied` };
      }
      if (stored.status === 'rejected') {
        const e = stored.reason;
        if (!(isAppError(e) && e.code === 'object_exists')) {
          const inspect = piped.status === 'rejected' && isAppError(piped.reason) ? piped.reason : e;
          return { kind: 'failed', reason: `copying to ${to}: ${describe(inspect)}` };
        }
        // An earlier, interrupted run got this far: the target keeps what it has. Adopt it only if it is exactly ours.
        const existing = await digestOf(target, r.blobKey, null).catch((err: unknown) => ({ error: describe(err) }));
        if ('error' in existing) return { kind: 'failed', reason: `the ${to} store already holds ${r.blobKey} but it cannot be read back: ${existing.error}` };
        if (existing.sha256 !== r.sha256 || existing.size !== size) {
          return {
            kind: 'failed',
            reason: `the ${to} store already holds ${r.blobKey} with different bytes (sha256 ${existing.sha256}, ${existing.size} bytes; expected ${r.sha256}, ${size} bytes); left as it is`
          };
        }
        put = { versionId: await onlyVersionOf(target, r.blobKey), adopted: true };
      } else {
        if (piped.status === 'rejected') {
          // the store finished but our side failed: do not trust what it holds
          await target.delete(r.blobKey, stored.value.versionId).catch(() => undefined);
          return { kind: 'failed', reason: `reading from ${from}: ${describe(piped.reason)}` };
        }
        if (stored.value.storeSha256 && stored.value.storeSha256 !== r.sha256) {
          await target.delete(r.blobKey, stored.value.versionId).catch(() => undefined);
          return { kind: 'failed', reason: `the ${to} store computed SHA-256 ${stored.value.storeSha256}, expected ${r.sha256}` };
        }
        // Verified at the target: read back exactly the version the row will point at.
        const back = await digestOf(target, r.blobKey, stored.value.versionId).catch((err: unknown) => ({ error: describe(err) }));
        if ('error' in back || back.sha256 !== r.sha256 || back.size !== size) {
          await target.delete(r.blobKey, stored.value.versionId).catch(() => undefined);
          const got = 'error' in back ? back.error : `sha256 ${back.sha256}, ${back.size} bytes`;
          return { kind: 'failed', reason: `read-back from ${to} did not verify (${got}; expected ${r.sha256}, ${size} bytes)` };
        }
        put = { versionId: stored.value.versionId, adopted: false };
      }

      faultPoint('migrate-before-commit');
      const moved = await sql.begin(async (tx) => {
        if (!(await repo.repointVersion(tx, r, from, to, put.versionId))) return false;
        await recordAudit(tx, ctx, {
          action: 'document.blob-migrate',
          outcome: 'success',
          documentId: r.documentId,
          version: r.version,
          patient: r.patient,
          detail: { from, to, key: r.blobKey, fromVersionId: r.blobVersionId, toVersionId: put.versionId, sha256: r.sha256, adopted: put.adopted, runId },
        });
        return true;
      });
      faultPoint('migrate-after-commit');
      return { kind: !moved ? 'skipped' : put.adopted ? 'adopted' : 'copied' };
    }
  }
}

/** Streams an object and returns its SHA-256 and size. */
async function digestOf(store: BlobStore, key: string, versionId: string | null): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const body: Readable = await store.get(key, versionId);
  for await (const chunk of body) {
    const b = chunk as Buffer;
    hash.update(b);
    size += b.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The version id of an adopted object, when the store lists exactly one for the key (Azure with versioning). */
async function onlyVersionOf(store: BlobStore, key: string): Promise<string | null> {
  const ids: (string | null)[] = [];
  try {
    for await (const l of store.list(key)) if (l.key === key) ids.push(l.versionId);
  } catch {
    return null;
  }
  return ids.length === 1 ? (ids[0] ?? null) : null;
}

/** Counts bytes as they pass, for progress. */
class Meter extends Transform {
  readonly #onBytes: (n: number) => void;
  constructor(onBytes: (n: number) => void) {
    super();
    this.#onBytes = onBytes;
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#onBytes(chunk.length);
    cb(null, chunk);
  }
}

function describe(e: unknown): string {
  if (isAppError(e)) return `${e.code}: ${e.message}`;
  const err = e as { code?: string; message?: string } | null;
  return `${err?.code ? `${err.code}: ` : ''}${err?.message ?? String(e)}`;
}
