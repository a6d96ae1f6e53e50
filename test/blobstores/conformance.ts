// One behavioural contract for every BlobStore (filesystem, S3-compatible, Azure Blob), run unchanged against each
// real backend by test/blobstores/*.test.ts. Store-specific extras (Object Lock, multipart clean-up) live in those files.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachmentDisposition } from '../../src/blobstores/content-disposition.ts';
import { AppError } from '../../src/domain/errors.ts';
import type { BlobListing, BlobPutResult, BlobStore, ComposeState } from '../../src/domain/ports.ts';

export const MiB = 1024 * 1024;
/**
 * Big enough that buffering it would break the memory bound: the stores legitimately hold up to about
 * (parts in flight + 2) × 8 MiB ≈ 50-70 MiB, so a 64 MiB object could not tell streaming from buffering.
 */
const DEFAULT_LARGE = Number(process.env.QUILL_TEST_LARGE_MIB ?? 256) * MiB;

export interface ConformanceHarness {
  store: BlobStore;
  /** The same kind of store pointed at something that cannot answer (closed port, unwritable dir). */
  broken(): BlobStore;
  /**
   * Fetches a URL from store.presign(). Stores that presign natively use plain fetch(); the filesystem store's URLs are
   * served by our own HTTP route, so its harness stands in for that route (verifySignedUrl + store.get).
   */
  fetchUrl(url: string): Promise<Response>;
  /** Server-side encryption the store reports for one stored object version (S3 HeadObject ServerSideEncryption). */
  encryptionOf?(key: string, versionId: string | null): Promise<string | undefined>;
  /** Incomplete (multipart / uncommitted) uploads still pending under prefix, where the store exposes them. */
  pendingUploads?(prefix: string): Promise<number>;
  cleanup(): Promise<void>;
}

export interface ConformanceCaps {
  /** Same key twice → two version ids, both readable (S3 versioned bucket). Otherwise the second put must be refused. */
  versionsSameKey: boolean;
  /** put() with a wrong expectedSha256 is refused and leaves nothing visible. */
  refusesDigestMismatch: boolean;
  /** A single-part put reports the store's full-object SHA-256. */
  reportsSha256: boolean;
  /** Every object reports server-side encryption (needs harness.encryptionOf). */
  encryptsAtRest: boolean;
  /** A network store: get/put against an unreachable endpoint must also give storage_unavailable. */
  networked: boolean;
  /** Size of the streamed large-object test. */
  largeBytes?: number;
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

export const sha256hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

async function hashStream(r: Readable): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const c of r) {
    h.update(c as Buffer);
    size += (c as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

/** A stream of `total` random bytes generated on the fly (never held in memory), hashing as it goes. */
export function generated(total: number, chunk = 1 * MiB): { stream: Readable; digest: () => Buffer } {
  const h = createHash('sha256');
  let done: Buffer | null = null;
  async function* gen(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < total; ) {
      const b = randomBytes(Math.min(chunk, total - sent));
      h.update(b);
      sent += b.length;
      yield b;
    }
    done = h.digest();
  }
  return {
    stream: Readable.from(gen(), { objectMode: false }),
    digest: () => {
      if (!done) throw new Error('stream not fully consumed');
      return done;
    },
  };
}

/** A stream that sends `before` bytes and then fails, like a client that disconnects halfway through an upload. */
export function failingAfter(before: number, error = new Error('client went away')): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (let sent = 0; sent < before; ) {
      const b = randomBytes(Math.min(MiB, before - sent));
      sent += b.length;
      yield b;
      await new Promise((r) => setImmediate(r));
    }
    throw error;
  }
  return Readable.from(gen(), { objectMode: false });
}

export async function collect(it: AsyncIterable<BlobListing>): Promise<BlobListing[]> {
  const out: BlobListing[] = [];
  for await (const x of it) out.push(x);
  return out;
}

async function expectAppError(p: Promise<unknown>, code: string): Promise<AppError> {
  const e = await p.then(
    () => {
      throw new Error(`expected AppError ${code}, but it succeeded`);
    },
    (err: unknown) => err,
  );
  expect(e, `expected AppError ${code}, got ${String(e)}`).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  return e as AppError;
}

/** Samples RSS while fn runs; returns the peak growth in bytes over the starting RSS. */
async function peakRssGrowth(fn: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  return peak - start;
}

const HOSTILE_FILENAME = 'évil "report"\r\nX-Injected: 1\n../../etc/passwd; 报告 %41 \u0007.pdf';

// ---------------------------------------------------------------------------------------------------------------

export function blobStoreConformance(name: string, factory: () => Promise<ConformanceHarness>, caps: ConformanceCaps): void {
  describe(`BlobStore conformance: ${name}`, () => {
    let h: ConformanceHarness;
    let store: BlobStore;
    const run = randomUUID().slice(0, 8);
    const k = (s: string): string => `conf-${run}/${s}`;
    /** Every object version this suite stored, so the SSE check can cover all of them. */
    const stored: Array<{ key: string; versionId: string | null }> = [];

    async function put(key: string, data: Buffer | Readable, contentType = 'application/pdf', expectedSha256?: Buffer): Promise<BlobPutResult> {
      const body = Buffer.isBuffer(data) ? Readable.from([data]) : data;
      const r = await store.put(key, body, { contentType, expectedSha256 });
      stored.push({ key, versionId: r.versionId });
      return r;
    }

    beforeAll(async () => {
      h = await factory();
      store = h.store;
    }, 180_000);

    afterAll(async () => {
      await h?.cleanup();
    }, 60_000);

    it('ping() succeeds and doctor() returns named checks', async () => {
      await store.ping();
      const checks = await store.doctor();
      expect(checks.length).toBeGreaterThan(0);
      for (const c of checks) {
        expect(c.name).toMatch(/\S/);
        expect(typeof c.ok).toBe('boolean');
        if (!c.ok) expect(c.fix, `failing check ${c.name} must say how to fix it`).toMatch(/\S/);
      }
    });

    it('round-trips a small object and reports agreeing checksums', async () => {
      const data = Buffer.from(`hello ${run}\n`);
      const r = await put(k('small.txt'), data, 'text/plain');
      if (r.storeSha256 !== undefined) expect(r.storeSha256).toBe(sha256hex(data));
      if (caps.reportsSha256) expect(r.storeSha256, 'store should report a full-object SHA-256').toBe(sha256hex(data));
      expect((await readAll(await store.get(k('small.txt'), r.versionId))).equals(data)).toBe(true);
    });

    it('accepts an upload whose declared SHA-256 matches (single and multi-part sizes)', async () => {
      for (const size of [1000, 12 * MiB]) {
        const data = randomBytes(size);
        const digest = createHash('sha256').update(data).digest();
        const key = k(`declared-${size}`);
        const r = await put(key, Readable.from([data.subarray(0, 4096), data.subarray(4096)]), 'application/pdf', digest);
        if (r.storeSha256 !== undefined) expect(r.storeSha256).toBe(digest.toString('hex'));
        expect(sha256hex(await readAll(await store.get(key, r.versionId)))).toBe(digest.toString('hex'));
      }
    }, 120_000);

    it.skipIf(!caps.refusesDigestMismatch)('refuses an upload whose declared SHA-256 does not match, leaving nothing (single and multi-part sizes)', async () => {
      for (const size of [1000, 12 * MiB]) {
        const key = k(`mismatch-${size}`);
        await expectAppError(store.put(key, Readable.from([randomBytes(size)]), { contentType: 'application/pdf', expectedSha256: randomBytes(32) }), 'digest_mismatch');
        await expectAppError(store.get(key, null), 'not_found');
        expect(await collect(store.list(key))).toEqual([]);
      }
      if (h.pendingUploads) expect(await h.pendingUploads(k('mismatch-'))).toBe(0);
    }, 120_000);

    it(`streams a large object (${(caps.largeBytes ?? DEFAULT_LARGE) / MiB} MiB) with bounded memory and reads it back intact`, async () => {
      const total = caps.largeBytes ?? DEFAULT_LARGE;
      const src = generated(total);
      let r: BlobPutResult | undefined;
      const growth = await peakRssGrowth(async () => {
        r = await put(k('large.bin'), src.stream, 'application/octet-stream');
      });
      const want = src.digest().toString('hex');
      if (process.env.QUILL_TEST_MEMORY_LOG === '1') console.info(`[${name}] RSS growth while storing ${total / MiB} MiB: ${(growth / MiB).toFixed(1)} MiB`);
      // Loose bound: holding the object in memory would need at least `total` bytes more.
      expect(growth, `RSS grew by ${(growth / MiB).toFixed(0)} MiB while storing ${total / MiB} MiB`).toBeLessThan(Math.min(200 * MiB, total * 0.75));
      if (r?.storeSha256 !== undefined) expect(r.storeSha256).toBe(want);
      let got: { sha256: string; size: number } | undefined;
      const readGrowth = await peakRssGrowth(async () => {
        got = await hashStream(await store.get(k('large.bin'), r?.versionId ?? null));
      });
      expect(got).toEqual({ sha256: want, size: total });
      if (process.env.QUILL_TEST_MEMORY_LOG === '1') console.info(`[${name}] RSS growth while reading ${total / MiB} MiB: ${(readGrowth / MiB).toFixed(1)} MiB`);
      expect(readGrowth, `RSS grew by ${(readGrowth / MiB).toFixed(0)} MiB while reading`).toBeLessThan(Math.min(200 * MiB, total * 0.75));
    }, 300_000);

    it('never overwrites a stored version: a second put of the same key is refused or gets its own version', async () => {
      const key = k('same-key.txt');
      const one = Buffer.from('version one');
      const two = Buffer.from('version two, longer');
      const r1 = await put(key, one, 'text/plain');
      let r2: BlobPutResult | undefined;
      let refused: unknown;
      try {
        r2 = await put(key, two, 'text/plain');
      } catch (e) {
        refused = e;
      }
      if (caps.versionsSameKey) {
        expect(refused).toBeUndefined();
        expect(r1.versionId).toBeTruthy();
        expect(r2?.versionId).toBeTruthy();
        expect(r2?.versionId).not.toBe(r1.versionId);
        expect((await readAll(await store.get(key, r2?.versionId ?? null))).toString()).toBe(two.toString());
      } else {
        expect(refused, 'a store without versions must refuse to reuse a key').toBeDefined();
      }
      // Whatever happened, the first version is still there, byte for byte.
      expect((await readAll(await store.get(key, r1.versionId))).toString()).toBe(one.toString());
    });

    it('reports a missing object as AppError not_found', async () => {
      await expectAppError(store.get(k('does-not-exist'), null), 'not_found');
    });

    it('leaves nothing visible when the upload stream fails halfway (small and multi-part sizes)', async () => {
      for (const size of [2 * MiB, 20 * MiB]) {
        const key = k(`interrupted-${size}`);
        const boom = new Error(`client went away after ${size} bytes`);
        await expect(store.put(key, failingAfter(size, boom), { contentType: 'application/pdf' })).rejects.toThrow(boom.message);
        await expectAppError(store.get(key, null), 'not_found');
        expect(await collect(store.list(key))).toEqual([]);
      }
      if (h.pendingUploads) expect(await h.pendingUploads(k('interrupted-'))).toBe(0);
    }, 120_000);

    it('lists every stored version under a prefix, and nothing outside it', async () => {
      const a = await put(k('listing/a.txt'), Buffer.from('aaa'), 'text/plain');
      const b = await put(k('listing/sub/b.txt'), Buffer.from('bbbbb'), 'text/plain');
      await put(k('listing-other/c.txt'), Buffer.from('c'), 'text/plain');
      const items = await collect(store.list(k('listing/')));
      const simplified = items.map((i) => ({ key: i.key, versionId: i.versionId, size: i.size })).sort((x, y) => x.key.localeCompare(y.key));
      expect(simplified).toEqual([
        { key: k('listing/a.txt'), versionId: a.versionId, size: 3 },
        { key: k('listing/sub/b.txt'), versionId: b.versionId, size: 5 },
      ]);
      for (const i of items) {
        expect(i.lastModified).toBeInstanceOf(Date);
        expect(Math.abs(i.lastModified.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      }
    });

    it('deletes exactly one version', async () => {
      const key = k('deleted.txt');
      const r1 = await put(key, Buffer.from('doomed'), 'text/plain');
      if (caps.versionsSameKey) {
        const r2 = await put(key, Buffer.from('survivor'), 'text/plain');
        await store.delete(key, r1.versionId);
        await expectAppError(store.get(key, r1.versionId), 'not_found');
        expect((await readAll(await store.get(key, r2.versionId))).toString()).toBe('survivor');
        expect((await collect(store.list(key))).map((i) => i.versionId)).toEqual([r2.versionId]);
        await store.delete(key, r2.versionId);
      } else {
        await store.delete(key, r1.versionId);
      }
      await expectAppError(store.get(key, null), 'not_found');
      expect(await collect(store.list(key))).toEqual([]);
      await store.delete(key, r1.versionId); // deleting again is harmless
    });

    describe('presigned URLs', () => {
      it('fetch exactly the bytes of the version they were issued for, with a safe Content-Disposition for a hostile filename', async () => {
        const key = k('presigned.pdf');
        const data = randomBytes(300_000);
        const r = await put(key, data);
        const url = await store.presign(key, r.versionId, { expiresInSeconds: 300, contentType: 'application/pdf', filename: HOSTILE_FILENAME, issuedTo: 'user-1' });
        if (caps.versionsSameKey) await put(key, Buffer.from('a later version must not be served'));
        const res = await h.fetchUrl(url);
        expect(res.status).toBe(200);
        const body = Buffer.from(await res.arrayBuffer());
        expect(body.length).toBe(data.length);
        expect(body.equals(data)).toBe(true);
        expect(res.headers.get('content-type')).toBe('application/pdf');
        const cd = res.headers.get('content-disposition') ?? '';
        expect(cd).toBe(attachmentDisposition(HOSTILE_FILENAME));
        expect(cd).not.toMatch(/[\r\n\u0007]/);
        expect(cd).toMatch(/^attachment;/);
        // the RFC 8187 form carries the real name, round-trippable
        const star = /filename\*=UTF-8''(.+)$/.exec(cd)?.[1] ?? '';
        expect(decodeURIComponent(star)).toBe(HOSTILE_FILENAME);
      });

      it('fail when any part of the URL is tampered with', async () => {
        const key = k('tamper.txt');
        const r = await put(key, Buffer.from('secret'), 'text/plain');
        const other = await put(k('tamper-other.txt'), Buffer.from('other'), 'text/plain');
        const url = await store.presign(key, r.versionId, { expiresInSeconds: 300, contentType: 'text/plain', filename: 'a.txt', issuedTo: 'user-1' });
        expect((await h.fetchUrl(url)).status).toBe(200);

        const variants: string[] = [];
        const u = new URL(url);
        // flip one character of the signature-bearing parameter (whatever the store calls it)
        const sigParam = ['X-Amz-Signature', 'sig'].find((p) => u.searchParams.has(p));
        expect(sigParam, `no signature parameter in ${url}`).toBeDefined();
        const sig = u.searchParams.get(sigParam as string) as string;
        const flipped = new URL(url);
        flipped.searchParams.set(sigParam as string, (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
        variants.push(flipped.toString());
        // change the response headers it asks for
        for (const p of ['response-content-disposition', 'rscd', 'fn']) {
          if (!u.searchParams.has(p)) continue;
          const t = new URL(url);
          t.searchParams.set(p, 'inline');
          variants.push(t.toString());
        }
        for (const p of ['response-content-type', 'rsct', 'ct']) {
          if (!u.searchParams.has(p)) continue;
          const t = new URL(url);
          t.searchParams.set(p, 'text/html');
          variants.push(t.toString());
        }
        // extend the expiry
        for (const p of ['X-Amz-Expires', 'se', 'exp']) {
          if (!u.searchParams.has(p)) continue;
          const t = new URL(url);
          t.searchParams.set(p, p === 'se' ? '2099-01-01T00:00:00Z' : p === 'exp' ? '4102444800' : '604800');
          variants.push(t.toString());
        }
        // point it at another object
        const moved = new URL(url);
        moved.pathname = moved.pathname.replace(/tamper\.txt$/, 'tamper-other.txt');
        if (other.versionId) {
          for (const p of ['versionId', 'versionid', 'v']) if (moved.searchParams.has(p)) moved.searchParams.set(p, other.versionId);
        }
        variants.push(moved.toString());
        expect(variants.length).toBeGreaterThanOrEqual(5);
        for (const v of variants) {
          const res = await h.fetchUrl(v);
          expect(res.status, `tampered URL was accepted: ${v}`).toBe(403);
          const text = await res.text();
          expect(text).not.toContain('secret');
          expect(text).not.toMatch(/^other$/);
        }
      });

      it('stop working after they expire', async () => {
        const key = k('expiring.txt');
        const r = await put(key, Buffer.from('short-lived'), 'text/plain');
        const url = await store.presign(key, r.versionId, { expiresInSeconds: 2, contentType: 'text/plain', filename: null, issuedTo: 'user-1' });
        const fresh = await h.fetchUrl(url);
        expect(fresh.status).toBe(200);
        expect(await fresh.text()).toBe('short-lived');
        await new Promise((res) => setTimeout(res, 4_000));
        const late = await h.fetchUrl(url);
        expect([403, 410]).toContain(late.status);
        expect(await late.text()).not.toBe('short-lived');
      }, 30_000);
    });

    describe('composing (resumable uploads)', () => {
      /** The state as PostgreSQL hands it back to whichever instance takes the next run. */
      const kept = (s: ComposeState): ComposeState => JSON.parse(JSON.stringify(s)) as ComposeState;
      const working = async (prefix: string) => (await collect(store.list(prefix))).map((o) => o.key).sort();

      it('appends runs of any size (small, unaligned, whole parts), shows nothing until finished, then the exact bytes under the key alone', async () => {
        const runs = [300 * 1024, MiB + 7, 9 * MiB, 64 * 1024, 2 * MiB + 13];
        const data = randomBytes(runs.reduce((a, b) => a + b, 0));
        const key = k(`composed-${randomUUID()}`);
        const prefix = k(`compose-work-${randomUUID()}/`);
        let state = kept(await store.composer.start(key, { prefix, length: data.length, contentType: 'application/pdf' }));
        let at = 0;
        for (const n of runs) {
          // the run arrives in uneven pieces, as an HTTP body does
          const run = data.subarray(at, at + n);
          state = kept(await store.composer.append(state, Readable.from([run.subarray(0, 1000), run.subarray(1000)])));
          at += n;
          expect(state.size).toBe(at);
          // what the store keeps under the prefix is what the state says it holds (its earlier holdings are leftovers)
          for (const held of state.holds) expect(await working(prefix)).toContain(held);
          await expectAppError(store.get(key, null), 'not_found');
        }
        const r = await store.composer.finish(state);
        stored.push({ key, versionId: r.versionId });
        for (const o of await collect(store.list(prefix))) await store.delete(o.key, o.versionId);
        const back = await readAll(await store.get(key, r.versionId));
        expect(back.length).toBe(data.length);
        expect(sha256hex(back)).toBe(sha256hex(data));
        expect((await collect(store.list(key))).map((o) => o.size)).toEqual([data.length]);
      }, 120_000);

      it('counts the bytes of a run that ends early, and nothing of a run that fails: the next run continues from the state kept', async () => {
        const data = randomBytes(6 * MiB + 999);
        const key = k(`composed-retry-${randomUUID()}`);
        const prefix = k(`compose-retry-${randomUUID()}/`);
        let state = kept(await store.composer.start(key, { prefix, length: data.length, contentType: 'application/pdf' }));
        // a body that ends early (a dropped connection whose bytes are kept): those bytes count
        state = kept(await store.composer.append(state, Readable.from([data.subarray(0, 700 * 1024 + 5)])));
        expect(state.size).toBe(700 * 1024 + 5);
        // a run that fails halfway counts nothing, and the state before it stays good, even for other bytes
        const boom = new Error('client went away');
        await expect(store.composer.append(state, failingAfter(3 * MiB + 77, boom))).rejects.toThrow(boom.message);
        state = kept(await store.composer.append(state, Readable.from([data.subarray(state.size)])));
        expect(state.size).toBe(data.length);
        const r = await store.composer.finish(state);
        stored.push({ key, versionId: r.versionId });
        expect(sha256hex(await readAll(await store.get(key, r.versionId)))).toBe(sha256hex(data));
        for (const o of await collect(store.list(prefix))) await store.delete(o.key, o.versionId);
      }, 120_000);

      it('refuses more bytes than the declared length, and to finish short', async () => {
        const key = k(`composed-bounds-${randomUUID()}`);
        const prefix = k(`compose-bounds-${randomUUID()}/`);
        const state = kept(await store.composer.start(key, { prefix, length: 1000, contentType: 'application/pdf' }));
        await expect(store.composer.append(state, Readable.from([randomBytes(1001)]))).rejects.toThrow();
        const short = kept(await store.composer.append(state, Readable.from([randomBytes(999)])));
        await expect(store.composer.finish(short)).rejects.toThrow();
        await expectAppError(store.get(key, null), 'not_found');
        await store.composer.abandon(short);
        for (const o of await collect(store.list(prefix))) await store.delete(o.key, o.versionId);
      });

      it('abandon() leaves nothing behind but the working objects the caller removes', async () => {
        const key = k(`composed-abandoned-${randomUUID()}`);
        const prefix = k(`compose-abandoned-${randomUUID()}/`);
        let state = kept(await store.composer.start(key, { prefix, length: 20 * MiB, contentType: 'application/pdf' }));
        state = kept(await store.composer.append(state, Readable.from([randomBytes(9 * MiB + 1)])));
        await store.composer.abandon(state);
        for (const o of await collect(store.list(prefix))) await store.delete(o.key, o.versionId);
        expect(await working(prefix)).toEqual([]);
        await expectAppError(store.get(key, null), 'not_found');
        if (h.pendingUploads) expect(await h.pendingUploads(key)).toBe(0);
      }, 60_000);
    });

    it.skipIf(!caps.encryptsAtRest)('reports server-side encryption on every object this suite stored', async () => {
      expect(h.encryptionOf, 'harness must provide encryptionOf').toBeDefined();
      const live = [];
      for (const s of stored) {
        // some were deleted by the delete test
        const enc = await h.encryptionOf?.(s.key, s.versionId).catch((e: unknown) => (e instanceof AppError && e.code === 'not_found' ? 'deleted' : Promise.reject(e)));
        if (enc === 'deleted') continue;
        live.push(s);
        expect(enc, `${s.key}@${s.versionId} is not encrypted`).toMatch(/^(AES256|aws:kms|aws:kms:dsse|true)$/);
      }
      expect(live.length).toBeGreaterThan(8);
    }, 60_000);

    it('turns an unreachable store into AppError storage_unavailable (with Retry-After)', async () => {
      const broken = h.broken();
      const e = await expectAppError(broken.ping(), 'storage_unavailable');
      expect(e.status).toBe(503);
      expect(e.retryAfter).toBeGreaterThan(0);
      if (caps.networked) {
        await expectAppError(broken.get('some/key', null), 'storage_unavailable');
        await expectAppError(broken.put('some/key', Readable.from([Buffer.from('x')]), { contentType: 'text/plain' }), 'storage_unavailable');
        await expectAppError(broken.put('some/key', generated(12 * MiB).stream, { contentType: 'text/plain' }), 'storage_unavailable');
      }
      const checks = await broken.doctor();
      expect(checks.some((c) => !c.ok && c.fix)).toBe(true);
    }, 60_000);
  });
}
