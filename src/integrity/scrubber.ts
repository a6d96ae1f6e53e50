import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { holdSessionLock, LOCKS } from '../db/advisory-lock.ts';
import type { Sql } from '../db/sql.ts';
import { isAppError } from '../domain/errors.ts';
import type { BlobStore, BlobStores } from '../domain/ports.ts';
import { clearFlag, flagVersion } from '../documents/quarantine.ts';
import * as repo from './repository.ts';
import * as versions from '../documents/repository.ts';
import type { ScrubbedVersion } from '../documents/repository.ts';

/**
 * The integrity scrubber: re-reads every stored version from the store its row names, recomputes SHA-256 and size,
 * and compares them with PostgreSQL. One pass walks versions in (document_id, version) order from a checkpoint kept
 * in integrity_scrub_state, so a pass survives restarts and is shared by every instance and by `quill-docstore
 * scrub`: each step (one version) runs under a session advisory lock, so only one scrubber reads at a time.
 *
 * A store's own checksum (S3's full-object SHA-256), where it has one, is only a cheap first check: a mismatch there
 * is reported without reading, but a match still re-reads the bytes, because a checksum the store keeps beside the
 * object proves nothing about the bytes it now returns.
 */
export const SCRUB_LOCK = LOCKS.scrub;

export interface ScrubFinding {
  documentId: string;
  version: number;
  store: string;
  key: string;
  size: number;
  sha256: string;
  problem: 'mismatch' | 'missing' | 'unreadable' | 'error';
  detail: string;
}

export interface ScrubProgress {
  versions: number;
  bytes: number;
  failures: number;
  /** Versions and bytes in the whole store (for a progress bar). */
  totalVersions: number;
  totalBytes: number;
  startedAt: number;
}

export interface ScrubOptions {
  /** MiB/s; 0 or undefined = as fast as the store answers. */
  rateMiBs?: number;
  onProgress?: (p: ScrubProgress) => void;
  /** Stop early (the service shutting down); the checkpoint keeps the place. */
  signal?: AbortSignal;
  /** Wait for the lock (CLI) instead of skipping a step when another scrubber holds it (service). */
  waitForLock?: boolean;
  /** Start a new pass only if the last one finished at least this long ago (the service: half the interval). */
  minPassGapMs?: number;
}

export interface ScrubReport {
  /** True when this run reached the end of a pass. */
  passComplete: boolean;
  versions: number;
  bytes: number;
  /** Problems found by this run. */
  findings: ScrubFinding[];
  /** Versions flagged now (found by this run or earlier and not yet repaired). */
  flagged: { documentId: string; version: number; failedAt: string; detail: string | null }[];
  elapsedMs: number;
}

/** Sleeps as needed so that `bytes` read since `start` stay under rate MiB/s. */
export class RateLimiter {
  readonly #bytesPerMs: number;
  #start = Date.now();
  #bytes = 0;
  constructor(rateMiBs: number | undefined) {
    this.#bytesPerMs = rateMiBs && rateMiBs > 0 ? (rateMiBs * 1024 * 1024) / 1000 : 0;
  }
  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (!this.#bytesPerMs) return;
    this.#bytes += n;
    const due = this.#start + this.#bytes / this.#bytesPerMs;
    const wait = due - Date.now();
    if (wait > 5) await sleep(wait, signal);
    if (Date.now() - this.#start > 10_000 && this.#bytes > 0) {
      // keep the window short so a pause (e.g. between passes) does not allow a later burst
      this.#start = Date.now();
      this.#bytes = 0;
    }
  }
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Reads one object fully, at the given rate; SHA-256 and size of what the store returned. `tap` sees each chunk as it
 * passes (the malware rescan streams them to the scanner in the same read) and may hold the read back.
 */
export async function digestObject(
  store: BlobStore,
  key: string,
  versionId: string | null,
  limiter?: RateLimiter,
  signal?: AbortSignal,
  tap?: (chunk: Buffer) => Promise<void>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const body = await store.get(key, versionId);
  try {
    for await (const chunk of body) {
      const b = chunk as Buffer;
      hash.update(b);
      size += b.length;
      await tap?.(b);
      await limiter?.take(b.length, signal);
      if (signal?.aborted) throw new Error('scrub stopped');
    }
  } finally {
    body.destroy();
  }
  return { sha256: hash.digest('hex'), size };
}

/** Checks one version against its row; returns a finding, or null when the bytes are exactly right. */
export async function checkVersion(blobs: BlobStores, r: ScrubbedVersion, limiter?: RateLimiter, signal?: AbortSignal): Promise<ScrubFinding | null> {
  const size = Number(r.size);
  const base = { documentId: r.document_id, version: r.version, store: r.blob_store, key: r.blob_key, size, sha256: r.sha256 };
  let store: BlobStore;
  try {
    store = await blobs.of(r.blob_store);
  } catch (e) {
    return { ...base, problem: 'error', detail: (e as Error).message };
  }
  try {
    const cheap = await store.storedSha256?.(r.blob_key, r.blob_version_id).catch(() => null);
    if (cheap && cheap !== r.sha256) return { ...base, problem: 'mismatch', detail: `the ${r.blob_store} store's own SHA-256 checksum is ${cheap}, expected ${r.sha256}` };
    const got = await digestObject(store, r.blob_key, r.blob_version_id, limiter, signal);
    if (got.sha256 !== r.sha256 || got.size !== size) {
      return { ...base, problem: 'mismatch', detail: `read back ${got.size} bytes with SHA-256 ${got.sha256}; expected ${size} bytes with ${r.sha256}` };
    }
    return null;
  } catch (e) {
    if (isAppError(e) && e.code === 'not_found') return { ...base, problem: 'missing', detail: `the ${r.blob_store} object ${r.blob_key}${r.blob_version_id ? ` version ${r.blob_version_id}` : ''} is missing` };
    if (isAppError(e) && e.code === 'integrity_failure') return { ...base, problem: 'unreadable', detail: e.message };
    return { ...base, problem: 'error', detail: `${isAppError(e) ? `${e.code}: ` : ''}${(e as Error).message}` };
  }
}

/**
 * Advances the shared pass by up to `maxSteps` versions (or to its end). Returns when the pass is complete, the
 * signal fires, or (without waitForLock) another scrubber holds the lock.
 */
export async function scrub(sql: Sql, blobs: BlobStores, log: Logger, opts: ScrubOptions & { maxSteps?: number } = {}): Promise<ScrubReport> {
  const started = Date.now();
  const limiter = new RateLimiter(opts.rateMiBs);
  const findings: ScrubFinding[] = [];
  const totals = await versions.storeTotals(sql);
  const p: ScrubProgress = { versions: 0, bytes: 0, failures: 0, totalVersions: totals.versions, totalBytes: totals.bytes, startedAt: started };
  let passComplete = false;
  for (let step = 0; step < (opts.maxSteps ?? Number.POSITIVE_INFINITY) && !opts.signal?.aborted; step++) {
    const lock = await holdSessionLock(sql, SCRUB_LOCK, { wait: opts.waitForLock });
    if (!lock) break;
    try {
      const st = await repo.passState(sql);
      if (!st?.pass_started_at) {
        // A run starts a new pass only at its first step: when another scrubber finished the pass this run was
        // helping with, the run is done (it must not begin re-reading everything), and a new pass waits its turn.
        if (step > 0) {
          passComplete = true;
          break;
        }
        if (opts.minPassGapMs && st?.last_full_pass_at && Date.now() - st.last_full_pass_at.getTime() < opts.minPassGapMs) break;
        await repo.startPass(sql);
      }
      const after = st?.cursor_document_id ? { id: st.cursor_document_id, v: st.cursor_version ?? 0 } : null;
      const r = await versions.nextVersion(sql, after);
      if (!r) {
        await repo.finishPass(sql);
        passComplete = true;
        log.info({ versions: p.versions, bytes: p.bytes }, 'scrub: pass complete');
        break;
      }
      const finding = await checkVersion(blobs, r, limiter, opts.signal);
      if (opts.signal?.aborted) break; // leave the cursor: this version is checked again next time
      const size = Number(r.size);
      if (finding && finding.problem !== 'error') {
        findings.push(finding);
        p.failures++;
        const fresh = await flagVersion(sql, { documentId: r.document_id, version: r.version }, finding.detail, { store: r.blob_store, key: r.blob_key, problem: finding.problem, found: 'scrub' });
        if (fresh) log.error({ documentId: r.document_id, version: r.version, key: r.blob_key, problem: finding.problem }, `integrity failure: ${finding.detail}`);
        await repo.advancePast(sql, r, { failed: fresh });
      } else if (finding) {
        // the store could not be asked (down, not configured): not an integrity failure; keep the place and stop
        findings.push(finding);
        log.warn({ documentId: r.document_id, version: r.version, detail: finding.detail }, 'scrub: version could not be checked');
        await repo.advancePast(sql, r);
      } else {
        if (r.integrity_failed_at) {
          await clearFlag(sql, { documentId: r.document_id, version: r.version }, { how: 'the bytes verified again on a later scrub (restored outside the service)', store: r.blob_store, key: r.blob_key });
        } else {
          await versions.markVerified(sql, r);
        }
        await repo.advancePastVerified(sql, r, size);
        p.bytes += size;
      }
      p.versions++;
      opts.onProgress?.({ ...p });
    } finally {
      await lock.release();
    }
  }
  const flagged = await versions.flaggedSummary(sql);
  return {
    passComplete,
    versions: p.versions,
    bytes: p.bytes,
    findings,
    flagged: flagged.map((f) => ({ documentId: f.document_id, version: f.version, failedAt: f.integrity_failed_at.toISOString(), detail: f.integrity_detail })),
    elapsedMs: Date.now() - started,
  };
}

export interface ScrubStatus {
  bytesVerified: number;
  versionsVerified: number;
  failures: number;
  flagged: number;
  lastFullPassAt: Date | null;
  passStartedAt: Date | null;
  /** Age in seconds of the version verified longest ago (or never, counted from its upload). */
  oldestUnverifiedSeconds: number;
  totalBytes: number;
}

export async function scrubStatus(sql: Sql): Promise<ScrubStatus> {
  const [s, v] = await Promise.all([repo.scrubCounters(sql), versions.versionIntegrityTotals(sql)]);
  return {
    bytesVerified: Number(s?.bytes_verified ?? 0),
    versionsVerified: Number(s?.versions_verified ?? 0),
    failures: Number(s?.failures ?? 0),
    flagged: v?.flagged ?? 0,
    lastFullPassAt: s?.last_full_pass_at ?? null,
    passStartedAt: s?.pass_started_at ?? null,
    oldestUnverifiedSeconds: Math.max(0, v?.oldest ?? 0),
    totalBytes: Number(v?.total ?? 0),
  };
}
