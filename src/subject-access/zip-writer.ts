import { Transform, type Readable, type TransformCallback } from 'node:stream';
import yazl from 'yazl';

/**
 * A zip streamed entry by entry with flat memory: yazl (ZIP64 where an entry or the archive passes 4 GiB, which
 * fflate's streaming Zip cannot write) pulls each entry's stream only when its turn comes, and the output is read at
 * the pace of whoever consumes it (pipe backpressure from the consumer back to the entry's source).
 *
 * Whatever fails, the whole archive fails: an entry's stream erroring (a SHA-256 mismatch, a store gone) or the
 * consumer going away destroys the output, so a broken archive never ends as if complete. The archive's last bytes
 * (its end-of-central-directory record, without which no reader opens it) are held back until `beforeEnd` resolves:
 * the export's audit row is durable before the archive can be used.
 */

export interface ZipEntry {
  name: string;
  /** Deflate it (JSON, CSV); stored as is otherwise (documents: already compressed, and hashed byte for byte). */
  compress: boolean;
  /** The entry's length when known beforehand (a document's): its bytes count towards progress. */
  size?: number;
  open(): Promise<Readable>;
}

export interface ZipHooks {
  /** Called once the input has ended, before the archive's last bytes; the archive fails if it rejects. */
  beforeEnd: () => Promise<void>;
  mtime?: Date;
  onBytes?: (entry: ZipEntry, n: number) => void;
  onEntryDone?: (entry: ZipEntry) => void;
}

export interface ZipStream {
  stream: Readable;
  /** Resolves once the last byte has been handed on; rejects with why the archive failed. */
  done: Promise<void>;
}

export function zipStream(entries: readonly ZipEntry[], hooks: ZipHooks): ZipStream {
  const zip = new yazl.ZipFile();
  // a PassThrough, typed by @types/yazl as the bare NodeJS.ReadableStream
  const output = zip.outputStream as unknown as Readable;
  const out = new HoldLastChunk(hooks.beforeEnd);
  let failure: Error | null = null;
  let current: Readable | null = null;
  let settle: { resolve: () => void; reject: (e: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined); // the caller may only watch the stream

  const fail = (e: Error) => {
    if (failure) return;
    failure = e;
    current?.destroy();
    output.unpipe(out);
    output.destroy();
    if (!out.destroyed) out.destroy(e);
    settle.reject(e);
  };
  zip.on('error', fail);
  out.on('error', fail);
  out.on('close', () => (out.writableFinished && out.readableEnded ? settle.resolve() : fail(new ConsumerGone())));
  out.on('end', () => settle.resolve());

  const mtime = hooks.mtime ?? new Date();
  for (const entry of entries) {
    zip.addReadStreamLazy(entry.name, { compress: entry.compress, mtime }, (cb) => {
      if (failure) return;
      entry.open().then(
        (s) => {
          current = s;
          s.on('error', fail);
          s.on('end', () => hooks.onEntryDone?.(entry));
          cb(null, s);
          // after yazl's pipe: a 'data' listener added before it would start the flow with nobody to take it
          if (hooks.onBytes) s.on('data', (chunk: Buffer) => hooks.onBytes!(entry, chunk.length));
        },
        (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))),
      );
    });
  }
  zip.end();
  output.pipe(out);
  return { stream: out, done };
}

/** The consumer closed the archive's stream before its end (an HTTP client that went away). */
export class ConsumerGone extends Error {
  override name = 'ConsumerGone';
  constructor() {
    super('the archive was not read to its end');
  }
}

/** Passes bytes on, keeping the latest chunk back until the input has ended and `beforeEnd` has resolved. */
class HoldLastChunk extends Transform {
  #held: Buffer | null = null;
  readonly #beforeEnd: () => Promise<void>;

  constructor(beforeEnd: () => Promise<void>) {
    super();
    this.#beforeEnd = beforeEnd;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const previous = this.#held;
    this.#held = chunk;
    cb(null, previous ?? undefined);
  }

  override _flush(cb: TransformCallback): void {
    this.#beforeEnd().then(
      () => cb(null, this.#held ?? undefined),
      (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))),
    );
  }
}
