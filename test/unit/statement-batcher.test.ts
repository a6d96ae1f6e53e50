// The group-commit batcher's own logic, with a scripted `run` (pure logic: the statement it batches is tested against
// a real PostgreSQL in test/db/url-read-batch.test.ts).
import { describe, expect, it } from 'vitest';
import { StatementBatcher } from '../../src/db/statement-batcher.ts';

/** A run() whose statements finish only when the test says so. */
function scripted() {
  const calls: { inputs: number[]; finish(out?: number[] | Error): void }[] = [];
  const run = (inputs: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      calls.push({ inputs, finish: (out) => (out instanceof Error ? reject(out) : resolve(out ?? inputs.map((x) => x * 10))) });
    });
  return { calls, run };
}
const tick = () => new Promise((r) => setImmediate(r));
const inputError = Object.assign(new Error('invalid input syntax for type uuid'), { code: '22P02' });

describe('StatementBatcher', () => {
  it('sends a lone request at once, and queues the ones that arrive while every slot is busy into one statement', async () => {
    const { calls, run } = scripted();
    const b = new StatementBatcher({ run, maxInFlight: 1, maxBatch: 10, separable: () => false });
    const first = b.submit(1);
    expect(calls.map((c) => c.inputs)).toEqual([[1]]);
    const rest = [2, 3, 4].map((x) => b.submit(x));
    await tick();
    expect(calls).toHaveLength(1);
    calls[0]!.finish();
    expect(await first).toBe(10);
    await tick();
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2, 3, 4]]);
    calls[1]!.finish();
    expect(await Promise.all(rest)).toEqual([20, 30, 40]);
    expect(b.stats).toEqual({ statements: 2, inputs: 4, queued: 0 });
  });

  it('uses every slot before queueing, and never puts more than maxBatch inputs in one statement', async () => {
    const { calls, run } = scripted();
    const b = new StatementBatcher({ run, maxInFlight: 2, maxBatch: 2, separable: () => false });
    const all = [1, 2, 3, 4, 5, 6].map((x) => b.submit(x));
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2]]);
    calls[0]!.finish();
    await tick();
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2], [3, 4]]);
    calls[1]!.finish();
    await tick();
    expect(calls.map((c) => c.inputs)).toEqual([[1], [2], [3, 4], [5, 6]]);
    calls[2]!.finish();
    calls[3]!.finish();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('runs each input alone when the statement failed for its data, so one bad input fails only itself', async () => {
    const { calls, run } = scripted();
    const b = new StatementBatcher({ run, maxInFlight: 1, maxBatch: 10, separable: (e) => (e as { code?: string }).code === '22P02' });
    const head = b.submit(0);
    const batch = [1, 2, 3].map((x) => b.submit(x));
    calls[0]!.finish();
    await head;
    await tick();
    calls[1]!.finish(inputError);
    await tick();
    expect(calls.slice(2).map((c) => c.inputs)).toEqual([[1], [2], [3]]);
    calls[2]!.finish();
    calls[3]!.finish(inputError);
    calls[4]!.finish();
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toBe(inputError);
  });

  it('gives every input the error when the outcome is unknown (a lost connection), and retries nothing', async () => {
    const { calls, run } = scripted();
    const lost = Object.assign(new Error('connection closed'), { code: 'CONNECTION_CLOSED' });
    const b = new StatementBatcher({ run, maxInFlight: 1, maxBatch: 10, separable: (e) => (e as { code?: string }).code === '22P02' });
    const head = b.submit(0);
    const batch = [1, 2].map((x) => b.submit(x));
    calls[0]!.finish();
    await head;
    await tick();
    calls[1]!.finish(lost);
    const settled = await Promise.allSettled(batch);
    expect(settled.map((s) => (s as PromiseRejectedResult).reason)).toEqual([lost, lost]);
    expect(calls).toHaveLength(2);
    // and the batcher goes on serving
    const after = b.submit(7);
    calls[2]!.finish();
    expect(await after).toBe(70);
  });

  it('refuses an answer with the wrong number of outputs rather than pairing outputs with the wrong requests', async () => {
    const { calls, run } = scripted();
    const b = new StatementBatcher({ run, maxInFlight: 1, maxBatch: 10, separable: () => false });
    const one = b.submit(1);
    calls[0]!.finish([10, 20]);
    await expect(one).rejects.toThrow(/2 outputs for 1 inputs/);
  });
});
