import { Transform, type TransformCallback } from 'node:stream';
import { checkpointDigests, forgetCheckpoint, hashWorkerReady, OffloadedHash, runningHashWorker, type Digests } from '../documents/hash-offload.ts';

/**
 * The whole file's SHA-256 and SHA-1, carried from PATCH to PATCH so the commit never reads the bytes back.
 *
 * The state is node:crypto's (OpenSSL, with the CPU's SHA instructions: about 1.5 GB/s here), kept on the hash worker
 * thread between PATCHes under the name `<upload>@<offset>`. A state that can be saved to PostgreSQL would let any
 * instance continue it, but the hashes that can (hash-wasm's save()/load(), or JavaScript ones) run at 180 MB/s
 * (SHA-256) and 400 MB/s (SHA-1) on this machine, together slower than a whole plain upload: that would cap every tus
 * upload below the plain one (docs/benchmarks.md). So the state lives in the process, and when a PATCH lands on an
 * instance that does not hold it (another instance, a restart, the worker replaced), the hash is "lost": that
 * instance stops hashing and the commit hashes the stored object in one read (documents/composed-upload.ts), which is
 * also the read a malware scan makes. The digest recorded is always of the whole stored file, by the same code.
 */
export const checkpointName = (uploadId: string, offset: number): string => `${uploadId}@${offset}`;

export class CarriedHash extends Transform {
  readonly #uploadId: string;
  readonly #from: number;
  #ready: Promise<boolean> | null;
  #job: OffloadedHash | null = null;
  /** Bytes passed. */
  size = 0;
  /** After the end: the state through these bytes is kept, named for the offset they end at (false: lost, see above). */
  kept = false;

  /** The bytes of `uploadId` from offset `from` on (0: the file's first bytes). */
  constructor(uploadId: string, from: number) {
    super();
    this.#uploadId = uploadId;
    this.#from = from;
    this.#ready = hashWorkerReady();
  }

  /** Drops the state these bytes made (they will not count). */
  forget(): void {
    // no bytes: the name is the state these bytes continued, which stays
    if (this.kept && this.size > 0) forgetCheckpoint(checkpointName(this.#uploadId, this.#from + this.size));
    this.kept = false;
  }

  #decided(then: () => void, cb: TransformCallback): void {
    if (!this.#ready) return then();
    this.#ready.then((ok) => {
      this.#ready = null;
      const w = ok ? runningHashWorker() : null;
      if (this.destroyed) return cb();
      if (w) this.#job = new OffloadedHash(true, this.#from ? checkpointName(this.#uploadId, this.#from) : undefined);
      then();
    }, cb);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.size += chunk.length;
    this.#decided(() => {
      if (!this.#job) return cb(null, chunk);
      this.#job.update(chunk).then(() => cb(null, chunk), cb);
    }, cb);
  }

  override _flush(cb: TransformCallback): void {
    this.#decided(() => {
      if (!this.#job) return cb();
      this.#job.end(checkpointName(this.#uploadId, this.#from + this.size)).then((d) => {
        this.kept = d !== null;
        cb();
      }, cb);
    }, cb);
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.#job?.cancel();
    cb(err);
  }
}

/** The digests of the whole file, if this process holds the state after its last byte. */
export const carriedDigests = (uploadId: string, length: number): Promise<Digests | null> => checkpointDigests(checkpointName(uploadId, length));

export const forgetCarried = (uploadId: string, offset: number): void => forgetCheckpoint(checkpointName(uploadId, offset));
