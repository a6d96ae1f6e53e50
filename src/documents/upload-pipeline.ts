import { PassThrough, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** How long a refused upload's remaining body is read and discarded before the connection is dropped. */
const DRAIN_MS = 10_000;

/**
 * The upload's single pass: client body → checks (size/hash, type sniffing, the malware scanner's tap) → blob store. Whichever side fails first
 * tears the whole pass down, so the request always ends:
 *  - a store that fails before (or while) reading gets its input destroyed, which fails the checks' pipeline too;
 *  - checks that fail destroy the store's input, which fails the store's put;
 *  - the client's body is detached and drained rather than destroyed: destroying an unfinished HTTP request resets
 *    the connection, and the client would never see the problem document (it is dropped after DRAIN_MS).
 * Hand-written because stream.pipeline destroys its source on error, which is exactly that reset; a gate stream
 * between the client body and the checks keeps the source out of the pipeline.
 */
export interface UploadPass<T> {
  checked: PromiseSettledResult<void>;
  stored: PromiseSettledResult<T>;
  /** Set when the client's body itself failed (the client went away): then that, not what it caused, is the cause. */
  sourceFailure: Error | null;
}

export async function runUploadPipeline<T>(source: Readable, checks: readonly [Transform, ...Transform[]], put: (body: Readable) => Promise<T>): Promise<UploadPass<T>> {
  const gate = new PassThrough();
  const last = checks[checks.length - 1]!;
  let sourceFailure: Error | null = null;
  const onSourceError = (e: Error) => {
    sourceFailure ??= e;
    gate.destroy(e);
  };
  const onSourceClose = () => {
    if (source.readableEnded) return;
    sourceFailure ??= Object.assign(new Error('the upload body closed before it ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    gate.destroy(sourceFailure);
  };
  source.on('error', onSourceError);
  source.on('close', onSourceClose);
  if (source.destroyed) {
    // It failed (or closed) before we got to it, e.g. a multipart form found bad after a small file part: its
    // 'error' and 'close' have already been emitted, so take the outcome from its state instead.
    if (source.errored) onSourceError(source.errored);
    else onSourceClose();
  }
  source.pipe(gate);
  const checked: Promise<void> = pipeline([gate, ...checks] as unknown as [PassThrough, Transform]);
  const stored = put(last).catch((e: unknown) => {
    // The store gave up (often before reading a byte): nothing consumes the checks' output any more.
    if (!last.destroyed) last.destroy();
    throw e;
  });
  const [checkedResult, storedResult] = await Promise.allSettled([checked, stored]);
  source.off('error', onSourceError);
  source.off('close', onSourceClose);
  if (checkedResult.status === 'rejected' || storedResult.status === 'rejected') {
    source.unpipe(gate);
    drainBody(source);
  }
  return { checked: checkedResult, stored: storedResult, sourceFailure };
}

/**
 * Reads and drops what is left of a refused request body, so the client sees the answer rather than a reset, then gives
 * up after DRAIN_MS (also for an ITI-65 bundle refused before its end).
 */
export function drainBody(source: Readable): void {
  if (source.readableEnded || source.destroyed) return;
  const timer = setTimeout(() => source.destroy(), DRAIN_MS);
  timer.unref();
  source.once('end', () => clearTimeout(timer));
  source.once('close', () => clearTimeout(timer));
  source.on('error', () => undefined);
  source.resume();
}
