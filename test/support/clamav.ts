// A real clamd (Debian clamav-daemon) on 127.0.0.1 for tests, started by test-servers/clamav/start.sh with a private
// signature database (the EICAR test file by MD5; tests add their own samples and send RELOAD). Nothing is downloaded.
//
//   const clamd = await startClamd();          // clamd.url: tcp://127.0.0.1:<port>
//   await clamd.addSignature(bytes, 'Quill.Test.Sample'); await clamd.reload();
//   await clamd.kill(); await clamd.restart(); clamd.pause(); clamd.resume();
//   await clamd.stop();
//
// requireClamd(title) skips a suite when clamd is not installed, and fails it under CI=true (.ci/servers installs it).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { PATIENT } from './fixtures.ts';
import { requireAvailable } from './live-stores.ts';
import { freePorts, spawnServer, waitUntil, type ServerProcess } from './process.ts';
import { startTestServer, type TestServer } from './server.ts';

const START = fileURLToPath(new URL('../../test-servers/clamav/start.sh', import.meta.url));
const CLAMD = ['/usr/sbin/clamd', '/usr/bin/clamd'].find((p) => existsSync(p)) ?? null;

/** Why clamd cannot run here, or null. */
export function clamdMissing(): string | null {
  if (!CLAMD) return 'clamd is not installed; run test-servers/clamav/install.sh (Debian clamav-daemon), as .ci/servers does';
  if (!['/usr/bin/sigtool', '/usr/local/bin/sigtool'].some((p) => existsSync(p))) return 'sigtool is not installed (Debian clamav)';
  return null;
}

/** Registers the skip (or, under CI=true, the failure) when clamd is missing; returns true when the suite can run. */
export const requireClamd = (title: string): boolean => requireAvailable(title, clamdMissing(), 'a real clamd');

/**
 * A suite's clamd and a service scanning with it (and a clinician's token for PATIENT), started before its tests and
 * stopped after them. Read the fields inside tests.
 */
export function scanningService(env: Record<string, string> = {}): { clamd: Clamd; s: TestServer; token: string } {
  const live = {} as { clamd: Clamd; s: TestServer; token: string };
  beforeAll(async () => {
    live.clamd = await startClamd();
    live.s = await startTestServer({ QUILL_CLAMD_URL: live.clamd.url, QUILL_SCRUB_RATE: '0', ...env });
    live.token = await live.s.token('dr.jones', ['clinician'], [PATIENT]);
  }, 120_000);
  afterAll(async () => {
    await live.s?.close();
    await live.clamd?.stop();
  });
  return live;
}

export interface Clamd {
  url: string;
  /** The same clamd on its unix socket: unix:DIR/clamd.sock. */
  socketUrl: string;
  port: number;
  dir: string;
  /** Adds an MD5 signature for exactly these bytes (what `sigtool --md5` writes) to a database file of its own. */
  addSignature(bytes: Buffer, name: string): Promise<void>;
  /** RELOAD, then waits until a scan of `probe` (when given) is found. */
  reload(probe?: Buffer): Promise<void>;
  /** SIGKILL: gone mid-whatever. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a clamd that accepts connections (the kernel does) and never answers. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Starts it again on the same port and database. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** One z-command, its NUL-terminated answer. */
export function clamdCommand(port: number, cmd: string | Buffer[], timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`clamd did not answer ${typeof cmd === 'string' ? cmd : 'INSTREAM'} in ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('data', (d: Buffer) => got.push(d));
    s.on('close', () => {
      clearTimeout(t);
      resolve(Buffer.concat(got).toString('latin1').replace(/\0+$/, ''));
    });
    s.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    if (typeof cmd === 'string') s.write(`z${cmd}\0`);
    else for (const b of cmd) s.write(b);
  });
}

const len = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** Scans bytes directly with clamd (INSTREAM); the raw answer. */
export const clamdScan = (port: number, bytes: Buffer) => clamdCommand(port, [Buffer.from('zINSTREAM\0'), len(bytes.length), bytes, len(0)]);

export async function startClamd(opts: { streamMaxLength?: string } = {}): Promise<Clamd> {
  const missing = clamdMissing();
  if (missing) throw new Error(missing);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quill-clamd-'));
  const [port] = (await freePorts(1)) as [number];
  const env = { ...process.env, CLAMD_STREAM_MAX_LENGTH: opts.streamMaxLength ?? '200M' };
  let server: ServerProcess;
  const up = async () => {
    server = spawnServer('clamd', 'bash', [START, dir, String(port), '--foreground'], { env });
    await waitUntil(server, `clamd to answer PING on port ${port}`, async () => (await clamdCommand(port, 'PING', 1000).catch(() => '')) === 'PONG', 60_000);
  };
  await up();
  const pid = async () => Number((await readFile(path.join(dir, 'clamd.pid'), 'utf8')).trim());
  const signal = async (sig: NodeJS.Signals) => {
    try {
      process.kill(await pid(), sig);
    } catch {
      // already gone
    }
  };
  return {
    url: `tcp://127.0.0.1:${port}`,
    socketUrl: `unix:${path.join(dir, 'clamd.sock')}`,
    port,
    dir,
    async addSignature(bytes, name) {
      await appendFile(path.join(dir, 'db', 'samples.hdb'), `${createHash('md5').update(bytes).digest('hex')}:${bytes.length}:${name}\n`);
    },
    async reload(probe) {
      const answer = await clamdCommand(port, 'RELOAD');
      if (answer !== 'RELOADING') throw new Error(`clamd answered RELOAD with ${answer}`);
      if (probe) await waitUntil(server, 'clamd to load the new signature', async () => / FOUND$/.test(await clamdScan(port, probe).catch(() => '')), 30_000);
    },
    async kill() {
      await signal('SIGKILL');
      await server.stop(1000);
    },
    pause: () => signal('SIGSTOP'),
    resume: () => signal('SIGCONT'),
    async restart() {
      await up();
    },
    async stop() {
      await signal('SIGCONT');
      await server.stop(5000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The EICAR test file, assembled here so that no file in the repository is one. */
export const eicar = (): Buffer => Buffer.from(`${'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD'}${'-ANTIVIRUS-TEST-FILE!$H+H*'}`, 'latin1');
