/** One PostgreSQL server of a multi-host DATABASE_URL. */
export interface Host {
  host: string;
  port: number;
}

export const hostName = (h: Host): string => `${h.host}:${h.port}`;

export interface PrimaryLocatorOptions {
  /**
   * Resolves when a session on `host` meets the URL's target_session_attrs (for `primary`: a server not in recovery);
   * rejects with the reason otherwise (refused, a standby, timed out).
   */
  probe(host: Host): Promise<void>;
  /** How long a located primary is trusted without a failure before the next connection checks again (default 1 s). */
  trustMs?: number;
  /** Pause after a round in which no host qualified, doubling up to maxPauseMs (defaults 100 ms and 250 ms). */
  firstPauseMs?: number;
  maxPauseMs?: number;
  /** Told when the primary changes (first found, or moved). */
  onPrimary?(host: Host, previous: Host | null, ms: number): void;
  now?(): number;
}

/** No host qualified before the deadline: says what each one answered last. */
export class NoPrimaryError extends Error {
  override name = 'NoPrimaryError';
  readonly code = 'CONNECT_TIMEOUT'; // what postgres.js calls a connection not made in time (an outage, for errors.ts)
  readonly causes: ReadonlyMap<string, unknown>;
  constructor(waitedMs: number, causes: ReadonlyMap<string, unknown>) {
    super(`no primary among ${[...causes.keys()].join(', ')} within ${waitedMs} ms (${[...causes].map(([h, e]) => `${h}: ${describe(e)}`).join('; ')})`);
    this.causes = causes;
  }
}

const describe = (e: unknown): string => {
  const err = e as { code?: unknown; message?: unknown } | null;
  return [err?.code, err?.message].filter((x) => typeof x === 'string' && x).join(' ') || String(e);
};

/**
 * Which server of a multi-host DATABASE_URL is the primary now, for a pool whose every new connection goes there.
 *
 * Why not postgres.js's own multi-host support: with several hosts it swallows every connection error while
 * connecting (its host counter never advances), so in an outage queries wait with no bound and each pool slot
 * reconnects in a tight loop (about 100 attempts a second measured here); and it rotates to the next host on every
 * connection, so a pool keeps trying standbys. Here all hosts are probed at once, one round at a time however many
 * connections wait, with a growing pause between fruitless rounds; a found primary is reused until a connection to it
 * fails (forget()) or `trustMs` has passed, so a role change no connection saw is noticed within that time.
 */
export class PrimaryLocator {
  readonly #hosts: readonly Host[];
  readonly #o: Required<Omit<PrimaryLocatorOptions, 'onPrimary'>> & Pick<PrimaryLocatorOptions, 'onPrimary'>;
  #primary: Host | null = null; // trusted now (null after a failure)
  #last: Host | null = null; // the last one found, to tell a move
  #verifiedAt = 0;
  #round: Promise<Host | null> | null = null;
  #pause = 0;
  #lostAt: number | null = null;
  readonly #causes = new Map<string, unknown>();

  constructor(hosts: readonly Host[], o: PrimaryLocatorOptions) {
    if (hosts.length === 0) throw new Error('PrimaryLocator needs at least one host');
    this.#hosts = hosts;
    this.#o = { trustMs: 1000, firstPauseMs: 100, maxPauseMs: 250, now: Date.now, ...o };
    for (const h of hosts) this.#causes.set(hostName(h), 'not probed yet');
  }

  /** The primary, or NoPrimaryError once `deadline` (a now() instant) has passed without one. */
  async locate(deadline: number): Promise<Host> {
    const start = this.#o.now();
    for (;;) {
      if (this.#primary && this.#o.now() - this.#verifiedAt < this.#o.trustMs) return this.#primary;
      const found = await (this.#round ??= this.#probeRound().finally(() => (this.#round = null)));
      if (found) return found;
      const wait = Math.min(this.#pause, deadline - this.#o.now());
      if (wait <= 0) throw new NoPrimaryError(this.#o.now() - start, new Map(this.#causes));
      await new Promise((r) => setTimeout(r, wait));
      this.#pause = Math.min(this.#pause * 2, this.#o.maxPauseMs);
    }
  }

  /** A connection to `host` failed or was closed by the server: probe again before the next connection. */
  forget(host: Host): void {
    if (this.#primary && hostName(this.#primary) === hostName(host)) {
      this.#primary = null;
      this.#lostAt = this.#o.now();
    }
  }

  /** One probe of every host at once; the first that qualifies (in answer order) is the primary. */
  async #probeRound(): Promise<Host | null> {
    const found = await new Promise<Host | null>((resolve) => {
      let left = this.#hosts.length;
      for (const h of this.#hosts) {
        this.#o.probe(h).then(
          () => {
            this.#causes.set(hostName(h), 'qualified');
            resolve(h);
          },
          (e: unknown) => this.#causes.set(hostName(h), e),
        ).finally(() => {
          if (--left === 0) resolve(null);
        });
      }
    });
    if (!found) {
      if (this.#pause === 0) this.#pause = this.#o.firstPauseMs;
      this.#primary = null;
      this.#lostAt ??= this.#o.now();
      return null;
    }
    const previous = this.#last;
    const since = this.#lostAt;
    this.#primary = this.#last = found;
    this.#verifiedAt = this.#o.now();
    this.#pause = 0;
    this.#lostAt = null;
    if (!previous || hostName(previous) !== hostName(found)) this.#o.onPrimary?.(found, previous, since === null ? 0 : this.#o.now() - since);
    return found;
  }
}
