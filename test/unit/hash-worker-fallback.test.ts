// When the hashing worker cannot start (it fails while loading, or cannot be created), a large upload's stream still
// gets the right digests: it hashes on the event loop instead of failing (it used to answer 500).
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it, vi } from 'vitest';

const state = vi.hoisted(() => ({ mode: 'fails-loading' as 'fails-loading' | 'throws', created: 0 }));

vi.mock('node:worker_threads', () => ({
  // a worker that never loads: it reports an error (as a module that fails to import does) and exits, or its
  // construction throws
  Worker: class extends EventEmitter {
    constructor() {
      super();
      state.created++;
      if (state.mode === 'throws') throw new Error('no threads left');
      setImmediate(() => {
        this.emit('error', new Error('the worker failed to load'));
        this.emit('exit', 1);
      });
    }
    unref() {}
    postMessage() {
      throw new Error('a job was sent to a worker that never became ready');
    }
  },
}));

const { HashingStream } = await import('../../src/documents/hashing-stream.ts');

async function digestsOf(b: Buffer) {
  const h = new HashingStream({ sha1: true, offload: true });
  const out: Buffer[] = [];
  await pipeline(Readable.from([b.subarray(0, 1000), b.subarray(1000)]), h, new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }));
  expect(Buffer.concat(out).equals(b)).toBe(true);
  return h.digests();
}

describe('HashingStream without a hashing worker', () => {
  it('hashes on the event loop when the worker fails while loading, and tries a new worker for the next upload', async () => {
    const b = randomBytes(3 * 1024 * 1024);
    const want = { sha256: createHash('sha256').update(b).digest('hex'), sha1: createHash('sha1').update(b).digest('hex'), size: b.length };
    expect(await digestsOf(b)).toEqual(want);
    const before = state.created;
    expect(await digestsOf(b)).toEqual(want);
    expect(state.created).toBe(before + 1);
  });

  it('hashes on the event loop when a worker cannot be created at all', async () => {
    state.mode = 'throws';
    const b = randomBytes(100_000);
    expect(await digestsOf(b)).toEqual({ sha256: createHash('sha256').update(b).digest('hex'), sha1: createHash('sha1').update(b).digest('hex'), size: b.length });
  });
});
