import type { Logger } from 'pino';
import { holdSessionLock, LOCKS } from '../db/advisory-lock.ts';
import type { Sql } from '../db/sql.ts';
import { isAppError } from '../domain/errors.ts';
import type { BlobStores, MalwareScanner, ScanVerdict } from '../domain/ports.ts';
import { quarantineInfected } from '../documents/quarantine.ts';
import * as versions from '../documents/repository.ts';
import type { ScanCandidate, ScanSelection } from '../documents/repository.ts';
import { digestObject, RateLimiter } from '../integrity/scrubber.ts';

/**
 * Rescans: stored versions read back from their store and streamed to the malware scanner, with the integrity
 * scrubber's machinery (its rate limiter and its read, which also re-checks each version's SHA-256 so the verdict is
 * about the bytes the metadata names). Clean versions record the new scan; a version found infected is quarantined
 * and audited (documents/quarantine.ts), its bytes kept; versions held `pending` are cleared or quarantined. One run at
 * a time across every instance and the `rescan` command (the rescan advisory lock).
 */

export interface RescanFind {
  documentId: string;
  version: number;
  signature: string;
}

export interface RescanProblem {
  documentId: string;
  version: number;
  detail: string;
}

export interface RescanReport {
  /** False when another run held the lock (the service's background pass when not waiting). */
  ran: boolean;
  versions: number;
  bytes: number;
  clean: number;
  /** Found infected by this run (now quarantined). */
  found: RescanFind[];
  /** Versions this run could not scan (bytes missing or not matching their SHA-256, too large for the scanner). */
  problems: RescanProblem[];
  /** Set when the scanner became unavailable: the run stopped there (nothing was marked clean without a verdict). */
  scannerUnavailable: string | null;
  /** True when the walk reached the end of what it selected. */
  complete: boolean;
  elapsedMs: number;
}

export interface RescanOptions extends ScanSelection {
  /** MiB/s; 0 or undefined: as fast as the store and the scanner go. */
  rateMiBs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Wait for the lock (the command) instead of returning at once when another run holds it (the service). */
  waitForLock?: boolean | undefined;
  /** Stop after this many versions (the service's background steps); the cursor says where to go on. */
  maxVersions?: number | undefined;
  after?: { documentId: string; version: number } | null | undefined;
  onFound?: ((f: RescanFind) => void) | undefined;
  onProgress?: ((r: RescanReport) => void) | undefined;
}

const PAGE = 100;

export async function rescan(sql: Sql, blobs: BlobStores, scanner: MalwareScanner, log: Logger, o: RescanOptions = {}): Promise<RescanReport & { cursor: { documentId: string; version: number } | null }> {
  const started = Date.now();
  const report: RescanReport = { ran: false, versions: 0, bytes: 0, clean: 0, found: [], problems: [], scannerUnavailable: null, complete: false, elapsedMs: 0 };
  let cursor = o.after ?? null;
  const lock = await holdSessionLock(sql, LOCKS.rescan, { wait: o.waitForLock });
  if (!lock) return { ...report, cursor, elapsedMs: Date.now() - started };
  report.ran = true;
  const limiter = new RateLimiter(o.rateMiBs);
  try {
    walk: for (;;) {
      const page = await versions.nextScanCandidates(sql, cursor, o, PAGE);
      if (page.length === 0) {
        report.complete = true;
        break;
      }
      for (const c of page) {
        if (o.signal?.aborted || (o.maxVersions !== undefined && report.versions >= o.maxVersions)) break walk;
        const outcome = await scanOne(blobs, scanner, c, limiter, o.signal);
        if (o.signal?.aborted) break walk; // this version is scanned again next time
        if (outcome.kind === 'unavailable') {
          report.scannerUnavailable = outcome.reason;
          log.warn({ reason: outcome.reason }, 'rescan: the malware scanner is unavailable; stopped');
          break walk;
        }
        cursor = { documentId: c.documentId, version: c.version };
        report.versions++;
        if (outcome.kind === 'problem') {
          report.problems.push({ documentId: c.documentId, version: c.version, detail: outcome.detail });
          log.warn({ documentId: c.documentId, version: c.version, detail: outcome.detail }, 'rescan: version could not be scanned');
        } else if (outcome.verdict.result === 'clean') {
          await versions.recordCleanScan(sql, c, outcome.verdict);
          report.clean++;
          report.bytes += c.size;
        } else if (outcome.verdict.result === 'infected') {
          const v = outcome.verdict;
          if (await quarantineInfected(sql, c, { scanner: v.scanner, signatureVersion: v.signatureVersion, signature: v.signature })) {
            const find = { documentId: c.documentId, version: c.version, signature: v.signature };
            report.found.push(find);
            o.onFound?.(find);
            log.error({ documentId: c.documentId, version: c.version, signature: v.signature }, 'rescan: malware found in a stored version; quarantined');
          }
          report.bytes += c.size;
        }
        o.onProgress?.({ ...report });
      }
    }
  } finally {
    await lock.release();
  }
  return { ...report, cursor, elapsedMs: Date.now() - started };
}

type Outcome = { kind: 'verdict'; verdict: Extract<ScanVerdict, { result: 'clean' | 'infected' }> } | { kind: 'problem'; detail: string } | { kind: 'unavailable'; reason: string };

/** One version: read from its store (at the rate), hashed and streamed to the scanner in the same read. */
async function scanOne(blobs: BlobStores, scanner: MalwareScanner, c: ScanCandidate, limiter: RateLimiter, signal?: AbortSignal): Promise<Outcome> {
  const session = scanner.scan();
  let read: { sha256: string; size: number };
  try {
    const store = await blobs.of(c.blobStore);
    read = await digestObject(store, c.blobKey, c.blobVersionId, limiter, signal, (chunk) => session.write(chunk));
  } catch (e) {
    session.abort();
    const why = isAppError(e) && e.code === 'not_found' ? `the ${c.blobStore} object ${c.blobKey} is missing` : (e as Error).message;
    return { kind: 'problem', detail: `could not read its bytes: ${why} (quill-docstore scrub reports and repairs stored bytes)` };
  }
  if (read.sha256 !== c.sha256 || read.size !== c.size) {
    session.abort();
    return { kind: 'problem', detail: `its bytes read back as ${read.size} bytes with SHA-256 ${read.sha256}, not the ${c.size} bytes stored (quill-docstore scrub)` };
  }
  session.end();
  const v = await session.verdict;
  if (v.result === 'unavailable') return { kind: 'unavailable', reason: v.reason };
  if (v.result === 'too-large') return { kind: 'problem', detail: v.reason };
  return { kind: 'verdict', verdict: v };
}
