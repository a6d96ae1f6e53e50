// Failover of a 3-member Patroni cluster (test/support/patroni.ts) as the service's database layer sees it: inserts
// from 8 workers (half in two-statement transactions) while the primary's postmaster is SIGKILLed, `kills` times.
// Per kill: when Patroni's REST API names a new leader (/primary 200), when that server really accepts writes (out of
// recovery, asked directly), when the first write started after the kill succeeds on the new primary through the
// connection under test (the failover time the service sees), TCP connection attempts to PostgreSQL per second
// meanwhile (probes included), and the errors the writes got. Finally: acknowledged rows, and how many are missing.
//
// Run: node bench/failover.ts [kills=5] [ours|driver] [strict]
//   ours    connect() from src/db/sql.ts (the located primary: src/db/primary-locator.ts)
//   driver  postgres.js's own multi-host mode with the same options (what connect() did before)
//   strict  synchronous_mode_strict: true (a primary never accepts a write without a synchronous standby)
// Needs test-servers/patroni/install.sh.
import net from 'node:net';
import { dirname } from 'node:path';
import postgres from 'postgres';
import { isDatabaseUnavailable } from '../src/db/errors.ts';
import { connect, type Sql } from '../src/db/sql.ts';
import { startPatroniCluster, writeRow } from '../test/support/patroni.ts';

const kills = Number(process.argv[2] ?? 5);
const mode = process.argv[3] ?? 'ours';
if (mode !== 'ours' && mode !== 'driver') throw new Error('mode: ours | driver');
const strict = process.argv[4] === 'strict';

const pg = await startPatroniCluster({ strict });
const pgPorts = new Set(pg.members.map((m) => m.pgPort));
// count TCP connection attempts to the PostgreSQL ports (the REST polling below goes to other ports)
let attempts = 0;
const connectSocket = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
  const a = Array.isArray(args[0]) ? args[0][0] : args[0]; // net.connect() passes its normalized arguments as an array
  const port = typeof a === 'object' && a !== null ? Number((a as { port?: unknown }).port) : Number(a);
  if (pgPorts.has(port)) attempts++;
  return (connectSocket as (...x: unknown[]) => net.Socket).apply(this, args);
} as typeof connectSocket;

const sql: Sql =
  mode === 'ours'
    ? connect(pg.databaseUrl, { timeoutMs: 5000, log: { info: (o, m) => console.log(`  ${m} ${JSON.stringify(o)}`) } })
    : postgres(pg.databaseUrl, { max: 20, onnotice: () => undefined, connect_timeout: 5, idle_timeout: 30, types: { bigint: postgres.BigInt }, transform: { undefined: null } });
await sql`create table bench_load (worker int, n int, primary key (worker, n))`;

interface Ack { key: string; port: number; started: number; at: number }
const acks: Ack[] = [];
const errors: { at: number; code: string; classified: boolean }[] = [];
let stop = false;
async function worker(w: number): Promise<void> {
  for (let n = 1; !stop; n++) {
    const started = Date.now();
    try {
      const port = await writeRow(sql, 'bench_load', w, n);
      acks.push({ key: `${w}:${n}`, port, started, at: Date.now() });
    } catch (e) {
      errors.push({ at: Date.now(), code: String((e as { code?: unknown }).code ?? (e as Error).message), classified: isDatabaseUnavailable(e) });
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
const workers = Array.from({ length: 8 }, (_, w) => worker(w));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * true when this member's server is out of recovery, asked directly through its Unix socket (as the superuser, no
 * target_session_attrs; and not counted above).
 */
async function writable(port: number): Promise<boolean> {
  const m = pg.members.find((x) => x.pgPort === port)!;
  const direct = postgres({ host: dirname(m.dataDir), port, user: 'postgres', database: 'postgres', max: 1, connect_timeout: 2, fetch_types: false, onnotice: () => undefined });
  try {
    return !(await direct<{ r: boolean }[]>`select pg_is_in_recovery() as r`)[0]!.r;
  } catch {
    return false; // refused, starting up: not yet
  } finally {
    await direct.end({ timeout: 0 });
  }
}

const rows: { kill: number; from: string; patroniMs: number; serverMs: number; writeMs: number; attemptsPerS: number; errors: string }[] = [];
for (let k = 1; k <= kills; k++) {
  await sleep(3000);
  const old = await pg.leader();
  if (!old) throw new Error('no leader');
  const a0 = attempts;
  const e0 = errors.length;
  const t0 = Date.now();
  old.killPostmaster();
  let patroniMs = -1;
  let serverMs = -1;
  let writeMs = -1;
  let next: number | null = null;
  while (patroniMs < 0 || serverMs < 0 || writeMs < 0) {
    if (Date.now() - t0 > 120_000) throw new Error(`kill ${k}: no failover within 120 s`);
    if (patroniMs < 0) {
      const l = await pg.leader();
      if (l && l.name !== old.name) {
        patroniMs = Date.now() - t0;
        next = l.pgPort;
      }
    }
    if (next !== null && serverMs < 0 && (await writable(next))) serverMs = Date.now() - t0;
    if (writeMs < 0) {
      const first = acks.find((a) => a.started >= t0 && a.port !== old.pgPort);
      if (first) writeMs = first.at - t0;
    }
    await sleep(20);
  }
  const codes = new Map<string, number>();
  for (const e of errors.slice(e0)) codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  rows.push({
    kill: k,
    from: old.name,
    patroniMs,
    serverMs,
    writeMs,
    attemptsPerS: Math.round(((attempts - a0) / (writeMs / 1000)) * 10) / 10,
    errors: [...codes].map(([c, n]) => `${c}×${n}`).join(' '),
  });
  console.log(JSON.stringify(rows.at(-1)));
  await pg.waitHealthy(); // the old primary rejoined (pg_rewind) before the next kill
}
stop = true;
await Promise.all(workers);
const stored = new Set((await sql<{ worker: number; n: number }[]>`select worker, n from bench_load`).map((r) => `${r.worker}:${r.n}`));
const lost = acks.filter((a) => !stored.has(a.key)).length;
await sql.end({ timeout: 5 });
await pg.stop();

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]}, min ${s[0]}, max ${s.at(-1)}`;
};
console.table(rows);
console.log(`${mode}${strict ? ', synchronous_mode_strict' : ''}: ${kills} kills; after the kill (ms): Patroni names a new leader ${stats(rows.map((r) => r.patroniMs))}; ` +
  `it accepts writes ${stats(rows.map((r) => r.serverMs))}; first write through the connection ${stats(rows.map((r) => r.writeMs))}; ` +
  `connection attempts/s during the outage ${stats(rows.map((r) => r.attemptsPerS))}`);
console.log(`acknowledged ${acks.length}, lost ${lost}, errors ${errors.length} (unclassified ${errors.filter((e) => !e.classified).length})`);
