// Which host of a multi-host DATABASE_URL is the primary: the locator's own logic, with scripted probes (the real
// thing, against a Patroni cluster, is test/db/patroni-failover.test.ts).
import { describe, expect, it } from 'vitest';
import { NoPrimaryError, PrimaryLocator, type Host } from '../../src/db/primary-locator.ts';
import { isDatabaseUnavailable } from '../../src/db/errors.ts';

const hosts: Host[] = [1, 2, 3].map((i) => ({ host: '127.0.0.1', port: 5430 + i }));
const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const standby = Object.assign(new Error('write CONNECTION_DESTROYED'), { code: 'CONNECTION_DESTROYED' });

/** Probes that answer as `roles` says (the primary's port), counting calls per round. */
function cluster(primaryPort: () => number | null, down: Set<number> = new Set()) {
  const probed: number[] = [];
  const probe = async (h: Host) => {
    probed.push(h.port);
    await new Promise((r) => setImmediate(r));
    if (down.has(h.port)) throw refused;
    if (h.port !== primaryPort()) throw standby;
  };
  return { probed, probe };
}

describe('PrimaryLocator', () => {
  it('probes every host at once, in one round however many connections wait, and names the one that qualifies', async () => {
    const { probed, probe } = cluster(() => 5432);
    const moves: [string, string | null][] = [];
    const l = new PrimaryLocator(hosts, { probe, onPrimary: (h, prev) => moves.push([`${h.port}`, prev && `${prev.port}`]) });
    const found = await Promise.all([1, 2, 3, 4].map(() => l.locate(Date.now() + 1000)));
    expect(found.map((h) => h.port)).toEqual([5432, 5432, 5432, 5432]);
    expect(probed.sort()).toEqual([5431, 5432, 5433]);
    expect(moves).toEqual([['5432', null]]);
  });

  it('trusts a found primary for trustMs, then checks again; forget() after a failure checks at once', async () => {
    let now = 0;
    let primary = 5432;
    const { probed, probe } = cluster(() => primary);
    const moves: [number, number | null][] = [];
    const l = new PrimaryLocator(hosts, { probe, trustMs: 1000, now: () => now, onPrimary: (h, prev) => moves.push([h.port, prev?.port ?? null]) });
    expect((await l.locate(now + 1000)).port).toBe(5432);
    probed.length = 0;
    now += 999;
    expect((await l.locate(now + 1000)).port).toBe(5432);
    expect(probed).toEqual([]); // still trusted
    primary = 5433; // a switchover no connection noticed
    now += 1;
    expect((await l.locate(now + 1000)).port).toBe(5433);
    expect(probed).toHaveLength(3);
    probed.length = 0;
    l.forget({ host: '127.0.0.1', port: 5431 }); // not the primary: nothing to forget
    expect((await l.locate(now + 1000)).port).toBe(5433);
    expect(probed).toEqual([]);
    l.forget({ host: '127.0.0.1', port: 5433 });
    expect((await l.locate(now + 1000)).port).toBe(5433); // a passing failure: the same primary, found again
    expect(probed).toHaveLength(3);
    expect(moves).toEqual([[5432, null], [5433, 5432]]);
  });

  it('waits through a failover with growing pauses, and reports the move', async () => {
    let primary: number | null = null;
    const { probed, probe } = cluster(() => primary, new Set([5431]));
    const moves: [number, number | null][] = [];
    const l = new PrimaryLocator(hosts, { probe, firstPauseMs: 5, maxPauseMs: 20, onPrimary: (h, prev) => moves.push([h.port, prev?.port ?? null]) });
    setTimeout(() => (primary = 5433), 60);
    expect((await l.locate(Date.now() + 5000)).port).toBe(5433);
    const rounds = probed.length / 3;
    expect(rounds).toBeGreaterThanOrEqual(3);
    expect(rounds).toBeLessThan(20); // pauses of 5, 10, 20, 20, … ms: no tight loop
    expect(moves).toEqual([[5433, null]]);
  });

  it('gives up at the deadline with what each host answered, as an outage (CONNECT_TIMEOUT)', async () => {
    const { probe } = cluster(() => null, new Set([5431]));
    const l = new PrimaryLocator(hosts, { probe, firstPauseMs: 5, maxPauseMs: 10 });
    const e = await l.locate(Date.now() + 50).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NoPrimaryError);
    expect(isDatabaseUnavailable(e)).toBe(true);
    expect((e as Error).message).toMatch(/no primary among 127\.0\.0\.1:5431, 127\.0\.0\.1:5432, 127\.0\.0\.1:5433 within \d+ ms/);
    expect((e as Error).message).toContain('127.0.0.1:5431: ECONNREFUSED');
    expect((e as Error).message).toContain('127.0.0.1:5432: CONNECTION_DESTROYED');
  });
});
