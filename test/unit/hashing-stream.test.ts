// The upload's hashing pass, in the event loop and offloaded to the worker thread (large bodies): the same digests as
// node:crypto over the same bytes, whatever the piece sizes; the size limit still stops the stream; a stream torn
// down mid-way neither hangs nor disturbs the uploads hashing beside it.
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { runningHashWorker } from '../../src/documents/hash-offload.ts';
import { HashingStream, offloadHashing } from '../../src/documents/hashing-stream.ts';
import { AppError } from '../../src/domain/errors.ts';

const MiB = 1024 * 1024;

/** The bytes cut into pieces of the given sizes, repeating, like socket reads. */
function pieces(bytes: Buffer, sizes: number[]): Readable {
  const out: Buffer[] = [];
  for (let off = 0, i = 0; off < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(bytes.subarray(off, off + n));
    off += n;
  }
  return Readable.from(out, { objectMode: false });
}

async function run(bytes: Buffer, opts: ConstructorParameters<typeof HashingStream>[0], sizes = [65_483]) {
  const h = new HashingStream(opts);
  const got: Buffer[] = [];
  await pipeline(pieces(bytes, sizes), h, new Writable({ write: (c, _e, cb) => (got.push(c), cb()) }));
  return { digests: h.digests(), passed: Buffer.concat(got) };
}

const expected = (b: Buffer) => ({ sha256: createHash('sha256').update(b).digest('hex'), sha1: createHash('sha1').update(b).digest('hex'), size: b.length });

describe('HashingStream', () => {
  it('offloaded to the worker: the same digests and bytes as node:crypto around the 1 MiB buffer boundaries', async () => {
    const data = randomBytes(9 * MiB + 7);
    for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 4 * MiB, 5 * MiB + 3, 9 * MiB + 7]) {
      const b = data.subarray(0, size);
      for (const offload of [false, true]) {
        const r = await run(b, { sha1: true, offload }, [65_483, 7, MiB + 5]);
        expect(r.digests, `${size} bytes, offload ${offload}`).toEqual(expected(b));
        expect(r.passed.equals(b)).toBe(true);
      }
    }
  });

  it('offloads large bodies and bodies of unknown size (chunked), and an offloaded stream runs on the worker', async () => {
    expect(offloadHashing(8 * MiB)).toBe(true);
    expect(offloadHashing(null)).toBe(true);
    expect(offloadHashing(undefined)).toBe(true);
    expect(offloadHashing(8 * MiB - 1)).toBe(false);
    expect(offloadHashing(100 * 1024)).toBe(false);
    const b = randomBytes(2 * MiB);
    expect((await run(b, { sha1: true, offload: true })).digests).toEqual(expected(b));
    expect(runningHashWorker()).not.toBeNull();
  });

  it('offloaded: several uploads at once each get their own digests', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => randomBytes(3 * MiB + i * 1000));
    const results = await Promise.all(bodies.map((b, i) => run(b, { sha1: i % 2 === 0, offload: true }, [16_384 + i])));
    results.forEach((r, i) => expect(r.digests).toEqual({ ...expected(bodies[i]!), sha1: i % 2 === 0 ? expected(bodies[i]!).sha1 : '' }));
  });

  it('offloaded: the size limit still fails the stream with payload_too_large, and the next upload hashes correctly', async () => {
    const b = randomBytes(3 * MiB);
    const err = await run(b, { sha1: true, offload: true, maxBytes: 2 * MiB }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('payload_too_large');
    // a stream destroyed mid-way (client gone) ends, and does not disturb the worker
    const h = new HashingStream({ sha1: true, offload: true });
    const gone = pipeline(
      new Readable({
        read() {
          this.push(randomBytes(MiB));
          this.destroy(Object.assign(new Error('gone'), { code: 'ECONNRESET' }));
        },
      }),
      h,
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    await expect(gone).rejects.toThrow('gone');
    const r = await run(b, { sha1: true, offload: true });
    expect(r.digests).toEqual(expected(b));
  });

  it('offloaded: a worker that dies mid-upload fails that upload (no hang, no digest), and the next upload gets a new worker', async () => {
    const b = randomBytes(2 * MiB);
    await run(b, { sha1: true, offload: true }); // a worker is running
    const dying = runningHashWorker()!;
    let sent = 0;
    const h = new HashingStream({ sha1: true, offload: true });
    const cut = pipeline(
      new Readable({
        read() {
          // 9 MiB in 1 MiB pieces: more than the stream's four buffers, so it must wait on the worker after the kill
          if (sent === 3) void dying.terminate();
          this.push(sent++ < 9 ? randomBytes(MiB) : null);
        },
      }),
      h,
      new Writable({ write: (_c, _e, cb) => cb() }),
    );
    // a fault of this process, not of the upload: 503 with Retry-After, so the client retries
    const err = await cut.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'temporarily_unavailable', status: 503, retryAfter: 1 });
    expect((err as Error).message).toMatch(/hashing worker/);
    const r = await run(b, { sha1: true, offload: true });
    expect(r.digests).toEqual(expected(b));
    expect(runningHashWorker()).not.toBe(dying);
  });
});
