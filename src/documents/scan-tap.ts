import { Transform, type TransformCallback } from 'node:stream';
import { AppError } from '../domain/errors.ts';
import type { ScanSession, ScanVerdict } from '../domain/ports.ts';

/**
 * The upload's bytes to the malware scanner as they pass, in the same pass as the hash and the store write, with the
 * scanner's backpressure (a slow scanner slows the upload; it never buffers it). A scanner that fails never fails the
 * upload by itself: the bytes keep flowing to the store and the verdict says `unavailable`, unless `failFast`
 * (QUILL_SCAN_WHEN_DOWN=refuse): then the upload stops at once with scanner_unavailable instead of reading on for
 * nothing. A file larger than the scanner takes stops it in either mode: no scan can ever clear it.
 */
export class ScanTap extends Transform {
  readonly #session: ScanSession;
  readonly #failFast: boolean;
  #early: ScanVerdict | null = null;
  #ended = false;

  constructor(session: ScanSession, opts: { failFast: boolean }) {
    super();
    this.#session = session;
    this.#failFast = opts.failFast;
    session.verdict.then((v) => {
      if (!this.#ended) this.#early = v;
    }, () => undefined);
  }

  get verdict(): Promise<ScanVerdict> {
    return this.#session.verdict;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const stop = this.#stopFor(this.#early);
    if (stop) return cb(stop);
    this.#session.write(chunk).then(() => cb(null, chunk), cb);
  }

  override _flush(cb: TransformCallback): void {
    const stop = this.#stopFor(this.#early);
    if (stop) return cb(stop);
    this.#ended = true;
    this.#session.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    if (!this.#ended) this.#session.abort();
    cb(err);
  }

  #stopFor(v: ScanVerdict | null): AppError | null {
    if (v?.result === 'too-large') return tooLargeToScan(v.reason);
    if (v?.result === 'unavailable' && this.#failFast) return scannerUnavailable(v.reason);
    return null;
  }
}

/** Seconds a client is told to wait before retrying an upload the scanner's outage refused. */
export const SCANNER_RETRY_AFTER_SECONDS = 30;

export const scannerUnavailable = (reason: string) =>
  new AppError('scanner_unavailable', 'the malware scanner could not check this upload, so it was not stored; try again later', {}, { retryAfter: SCANNER_RETRY_AFTER_SECONDS, cause: new Error(reason) });

export const tooLargeToScan = (reason: string) =>
  new AppError('payload_too_large', `the malware scanner cannot check a file this large (${reason}), so it was not stored; the operator can raise the scanner's limit (quill-docstore doctor)`, {}, { cause: new Error(reason) });
