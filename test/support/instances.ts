// Service instances as separate processes, started the way an operator starts them (`node bin/quill-docstore.js
// start`), for tests and soaks that stop, kill and restart them: a rolling restart behind HAProxy, crashes.
//
//   const i = serviceInstance('i0', env);   // env: DATABASE_URL, QUILL_FS_DIR, keys ... (PORT is the instance's own)
//   await i.start();                        // resolves once /readyz answers 200
//   await i.stop();                         // SIGTERM: the graceful stop; resolves with its exit code
//   await i.kill();                         // SIGKILL, no warning
//
// Each runs under test/support/process.ts's supervisor (dies with the test process). QUILL_TEST_SERVER_LOGS=1 echoes.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePorts, spawnServer, waitUntil, type ServerProcess } from './process.ts';

const BIN = fileURLToPath(new URL('../../bin/quill-docstore.js', import.meta.url));

export interface Instance {
  readonly name: string;
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** true between start() and an exit. */
  running(): boolean;
  /** true from when start() resolved (it answered /readyz) until stop() or kill() is called. */
  ready(): boolean;
  /** The node process's pid (not its supervisor's), while it runs. */
  pid(): number | null;
  /** Starts it (again) on its port; resolves when /readyz answers 200, with how long that took. */
  start(timeoutMs?: number): Promise<number>;
  /** SIGTERM and wait for the exit (SIGKILL after graceMs); its exit code and how long the stop took. */
  stop(graceMs?: number): Promise<{ code: number | null; ms: number }>;
  /** SIGKILL to the node process, and wait until it is gone. */
  kill(): Promise<void>;
  /** The last lines it printed. */
  tail(): string;
  /** Every line it printed at pino level error (50) or above since it was created, across restarts. */
  errors(): string[];
}

/** The pid of the process running `bin/quill-docstore.js` under the supervisor `parent`. */
function nodeChild(parent: number): number | null {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('quill-docstore.js')) return Number(name);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

export function serviceInstance(name: string, port: number, env: NodeJS.ProcessEnv): Instance {
  let proc: ServerProcess | null = null;
  let nodePid: number | null = null;
  let ready = false;
  const errorLines: string[] = [];
  const base = `http://127.0.0.1:${port}`;
  const alive = () => proc !== null && proc.child.exitCode === null && proc.child.signalCode === null;
  const self: Instance = {
    name,
    port,
    base,
    running: alive,
    ready: () => ready && alive(),
    pid: () => (alive() ? nodePid : null),
    async start(timeoutMs = 120_000) {
      if (alive()) return 0;
      const t0 = Date.now();
      const p = spawnServer(`quill-${name}`, process.execPath, [BIN, 'start'], { env: { ...env, PORT: String(port), HOST: '127.0.0.1' } });
      proc = p;
      const watch = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n')) if (/"level":(5\d|60)/.test(line)) errorLines.push(line.slice(0, 2000));
      };
      p.child.stdout!.on('data', watch);
      p.child.stderr!.on('data', watch);
      await waitUntil(p, `${name}'s /readyz`, async () => (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(3000) })).status === 200, timeoutMs, 100);
      nodePid = nodeChild(p.child.pid!);
      ready = true;
      return Date.now() - t0;
    },
    async stop(graceMs = 90_000) {
      const p = proc;
      ready = false;
      if (!p) return { code: null, ms: 0 };
      const t0 = Date.now();
      await p.stop(graceMs);
      return { code: p.child.exitCode, ms: Date.now() - t0 };
    },
    async kill() {
      const p = proc;
      ready = false;
      if (!p || !alive()) return;
      const pid = nodePid ?? nodeChild(p.child.pid!);
      if (pid !== null) process.kill(pid, 'SIGKILL');
      await p.stop(5000); // the supervisor exits with it; this also clears its group
    },
    tail: () => proc?.tail() ?? '',
    errors: () => errorLines,
  };
  return self;
}

/** `count` instances on free ports sharing `env`, started one after another. */
export async function startInstances(count: number, env: (name: string) => NodeJS.ProcessEnv): Promise<Instance[]> {
  const ports = await freePorts(count);
  const out = ports.map((port, i) => serviceInstance(`i${i}`, port, env(`i${i}`)));
  for (const i of out) await i.start();
  return out;
}
