import { Worker } from 'node:worker_threads';

/**
 * One worker thread for one kind of byte-crunching job (an upload's hashes, an object's AES-GCM), so that work runs
 * beside the event loop instead of on it. The thread is started on first use and does not keep the process alive; its
 * messages are routed to the job they name. A thread that cannot start leaves `ready()` false (the caller then does the
 * work on the event loop, and a later call tries again); a thread that dies fails every job it held with `failure`'s
 * error, and the next job starts a new one.
 *
 * The worker script posts `{ type: 'ready' }` once loaded, then answers messages carrying `job`. node:crypto has no
 * asynchronous incremental hash or cipher, hence threads; hand-written because what a pool library gives (task
 * queues, one answer per task) does not fit jobs that stream many buffers and return them for reuse.
 */
export type JobEvent<M> = M | { type: 'failed'; error: Error };

export class JobWorker<ToWorker extends { job: number }, FromWorker extends { job: number }> {
  readonly #url: URL;
  readonly #failure: (cause: Error) => Error;
  #worker: Worker | null = null;
  #starting: Promise<boolean> | null = null;
  #nextJob = 1;
  /** Each open job's listener and the thread it runs on. */
  readonly #listeners = new Map<number, { on: (e: JobEvent<FromWorker>) => void; thread: Worker | null }>();

  /** `failure`: the error a job gets when the thread dies under it. */
  constructor(url: URL, failure: (cause: Error) => Error) {
    this.#url = url;
    this.#failure = failure;
  }

  /** Starts the thread if it is not running; true once it can take jobs, false if it could not start. */
  ready(): Promise<boolean> {
    if (!this.#starting) {
      const attempt = this.#start();
      this.#starting = attempt;
      void attempt.then((ok) => {
        if (!ok && this.#starting === attempt) this.#starting = null;
      });
    }
    return this.#starting;
  }

  /** The running thread, once ready() has resolved true and it has not failed since. */
  running(): Worker | null {
    return this.#worker;
  }

  /** A new job on the running thread: its id, whose messages (and the thread's failure) go to `listener`. */
  open(listener: (e: JobEvent<FromWorker>) => void): number {
    const job = this.#nextJob++;
    this.#listeners.set(job, { on: listener, thread: this.#worker });
    this.#worker?.ref(); // a job in progress keeps the process alive until its answer
    return job;
  }

  /** The job is over: its listener hears nothing more. */
  close(job: number): void {
    const thread = this.#listeners.get(job)?.thread;
    this.#listeners.delete(job);
    if (thread && ![...this.#listeners.values()].some((l) => l.thread === thread)) thread.unref();
  }

  /** Sends a message to the thread its job runs on; throws the failure error if that thread is gone. */
  post(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    const thread = this.#listeners.get(message.job)?.thread;
    if (!thread || thread !== this.#worker) throw this.#failure(new Error('the worker is not running'));
    thread.postMessage(message, transfer);
  }

  #start(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      let w: Worker;
      try {
        w = new Worker(this.#url);
      } catch {
        return resolve(false); // e.g. too many threads: the work stays on the event loop
      }
      w.on('message', (m: FromWorker | { type: 'ready' }) => {
        if ('job' in m) return this.#listeners.get(m.job)?.on(m);
        this.#worker = w;
        w.unref(); // an idle thread does not keep the process alive (a starting one does: someone awaits ready())
        resolve(true);
      });
      const fail = (cause: Error) => {
        const error = this.#failure(cause);
        if (this.#worker === w) {
          // it ran and died: its jobs fail, and the next job starts a new one
          this.#worker = null;
          this.#starting = null;
        }
        resolve(false); // no effect once it was ready
        for (const l of [...this.#listeners.values()]) if (l.thread === w) l.on({ type: 'failed', error });
      };
      w.on('error', fail);
      w.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
    });
  }
}
