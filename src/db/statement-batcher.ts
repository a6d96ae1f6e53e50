/**
 * Group commit for one statement shape (or one transaction: shared-transaction.ts): requests that arrive while earlier
 * ones are in flight go to PostgreSQL together, as one statement over all their inputs, so they share one round trip,
 * one transaction and one WAL flush.
 * Nothing waits on a timer: with fewer than `maxInFlight` statements running, a request goes at once (alone when it is
 * alone); only while every slot is busy does it queue, and the queue leaves in one statement as soon as a slot frees.
 * Each request still gets its own answer, and only once the statement that carried it has committed.
 *
 * A statement that fails for one input would fail its companions, so when `separable(error)` says the failure was the
 * statement's own (PostgreSQL refused it, so nothing was committed) each input of a multi-input batch is run again on
 * its own; any other failure (a lost connection, where the outcome is unknown) is every input's answer.
 *
 * Written here because the batching libraries on npm (dataloader and the like) batch per event-loop tick with keys
 * and caches, which is the wrong shape for writes: this one batches by statements in flight and never merges inputs.
 */
export interface StatementBatcherOptions<I, O> {
  /** Runs one statement over the inputs; answers one output per input, in order. */
  run(inputs: I[]): Promise<O[]>;
  /** Statements running at once. */
  maxInFlight: number;
  /** Inputs per statement at most. */
  maxBatch: number;
  /** True when `run` failed without committing anything, so that its inputs may be retried one by one. */
  separable(error: unknown): boolean;
}

interface Waiting<I, O> {
  input: I;
  resolve(o: O): void;
  reject(e: unknown): void;
}

export class StatementBatcher<I, O> {
  readonly #o: StatementBatcherOptions<I, O>;
  #queue: Waiting<I, O>[] = [];
  #inFlight = 0;
  #statements = 0;
  #inputs = 0;

  constructor(o: StatementBatcherOptions<I, O>) {
    if (!(o.maxInFlight >= 1 && o.maxBatch >= 1)) throw new Error('maxInFlight and maxBatch must be at least 1');
    this.#o = o;
  }

  submit(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#pump();
    });
  }

  /** Statements run and inputs carried so far (inputs / statements is the mean batch), and inputs waiting now. */
  get stats(): { statements: number; inputs: number; queued: number } {
    return { statements: this.#statements, inputs: this.#inputs, queued: this.#queue.length };
  }

  #pump(): void {
    while (this.#inFlight < this.#o.maxInFlight && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#o.maxBatch);
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #send(batch: Waiting<I, O>[]): Promise<void> {
    this.#statements++;
    this.#inputs += batch.length;
    let outputs: O[];
    try {
      outputs = await this.#o.run(batch.map((w) => w.input));
      if (outputs.length !== batch.length) throw new Error(`a batched statement answered ${outputs.length} outputs for ${batch.length} inputs`);
    } catch (e) {
      if (batch.length > 1 && this.#o.separable(e)) {
        await Promise.all(batch.map((w) => this.#send([w])));
        return;
      }
      for (const w of batch) w.reject(e);
      return;
    }
    batch.forEach((w, i) => w.resolve(outputs[i]!));
  }
}
