// HAProxy (Debian apt, installed by test-servers/patroni/install.sh) on 127.0.0.1 for tests, with the two configs a
// deployment without a single point of failure uses:
//
//   postgresHAProxyConfig   TCP in front of a Patroni cluster: only the member whose REST API answers /primary 200
//                           gets connections, and a member marked down has its sessions cut (so clients reconnect
//                           to the new primary instead of hanging on the old one).
//   serviceHAProxyConfig    HTTP in front of service instances, health-checked on /readyz, `retries 3` and
//                           `option redispatch`.
//
//   const lb = await startHAProxy(postgresHAProxyConfig({ port, members: pg.members }));
//   connect(pg.appUrl(lb.port));
//   await lb.states();   // { pg0: 'UP', pg1: 'DOWN', ... } from the admin socket
//   await lb.stop();
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts, spawnServer, waitUntil } from './process.ts';

const run = promisify(execFile);
export const HAPROXY = process.env.QUILL_HAPROXY_BIN || '/usr/sbin/haproxy';
/** Replaced by startHAProxy with the path of the admin socket in the instance's directory. */
export const ADMIN_SOCKET = '@ADMIN_SOCKET@';

const global = (extra: string[] = []) => [
  'global',
  '  maxconn 2000',
  `  stats socket ${ADMIN_SOCKET} mode 600 level admin`,
  ...extra,
];

/**
 * TCP to the Patroni member whose GET /primary answers 200 (checked every `checkMs`, default 1000). HAProxy counts
 * every server up when it starts, until its first two failed checks: wait for states() to settle before use.
 */
export function postgresHAProxyConfig(o: { port: number; members: readonly { name: string; pgPort: number; restPort: number }[]; checkMs?: number }): string {
  return [
    ...global(),
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 30m',
    '  timeout server 30m',
    '  timeout check 2s',
    'listen postgres',
    `  bind 127.0.0.1:${o.port}`,
    '  option httpchk',
    '  http-check send meth GET uri /primary',
    '  http-check expect status 200',
    // down after 2 failed checks, up after 1; a member going down has its sessions cut
    `  default-server inter ${o.checkMs ?? 1000}ms fall 2 rise 1 on-marked-down shutdown-sessions`,
    ...o.members.map((m) => `  server ${m.name} 127.0.0.1:${m.pgPort} check port ${m.restPort}`),
    '',
  ].join('\n');
}

/**
 * HTTP round robin over service instances health-checked on GET /readyz (every `checkMs`, default 500; down after
 * 2 failures, up after 2 successes), with `retries 3` and `option redispatch` (a request whose connection to an
 * instance fails goes to another). `backend` adds lines to the backend section (e.g. `retry-on ...`).
 */
export function serviceHAProxyConfig(o: { port: number; instances: readonly { name: string; port: number }[]; checkMs?: number; backend?: string[] }): string {
  return [
    ...global(),
    'defaults',
    '  mode http',
    '  option httplog',
    '  timeout connect 2s',
    '  timeout client 5m',
    '  timeout server 5m',
    '  timeout http-request 30s',
    '  timeout check 2s',
    '  retries 3',
    '  option redispatch',
    'frontend quill',
    `  bind 127.0.0.1:${o.port}`,
    '  default_backend instances',
    'backend instances',
    '  balance roundrobin',
    '  option httpchk',
    '  http-check send meth GET uri /readyz',
    '  http-check expect status 200',
    `  default-server inter ${o.checkMs ?? 500}ms fall 2 rise 2`,
    ...(o.backend ?? []).map((l) => `  ${l}`),
    ...o.instances.map((i) => `  server ${i.name} 127.0.0.1:${i.port} check`),
    '',
  ].join('\n');
}

export interface HAProxy {
  readonly dir: string;
  readonly config: string;
  /** Each server's status as HAProxy sees it now ('UP', 'DOWN', 'MAINT', 'UP 1/2', ...), by server name. */
  states(): Promise<Record<string, string>>;
  /** One command on the admin socket (e.g. 'disable server instances/i0'); its answer. */
  admin(command: string): Promise<string>;
  /** The last lines HAProxy printed (with `option httplog`: one per request, termination state included). */
  tail(): string;
  stop(): Promise<void>;
}

/** true when the haproxy binary is there. */
export async function haproxyAvailable(): Promise<boolean> {
  return run(HAPROXY, ['-v']).then(() => true, () => false);
}

/** Checks `config` with `haproxy -c`, then runs it in the foreground; resolves once every listener accepts. */
export async function startHAProxy(config: string, opts: { timeoutMs?: number } = {}): Promise<HAProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'quill-haproxy-'));
  const socket = join(dir, 'admin.sock');
  // its log (one line per request or session, with how it ended) goes to stdout, kept in tail()
  const text = config
    .replaceAll(ADMIN_SOCKET, socket)
    .replace(/^global\n/, 'global\n  log stdout format raw local0\n')
    .replace(/^defaults\n/m, 'defaults\n  log global\n');
  const file = join(dir, 'haproxy.cfg');
  await writeFile(file, text);
  try {
    await run(HAPROXY, ['-c', '-q', '-f', file]);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`haproxy rejects the config:\n${(e as { stderr?: string }).stderr ?? (e as Error).message}\n${text}`);
  }
  const server = spawnServer('haproxy', HAPROXY, ['-db', '-f', file], { cwd: dir });
  const ports = [...text.matchAll(/^\s*bind 127\.0\.0\.1:(\d+)/gm)].map((m) => Number(m[1]));
  const admin = (command: string) =>
    new Promise<string>((resolve, reject) => {
      const c = net.connect(socket);
      let out = '';
      c.on('data', (d) => (out += d.toString('utf8')));
      c.on('end', () => resolve(out));
      c.on('error', reject);
      c.end(`${command}\n`);
    });
  const stop = async () => {
    await server.stop(5000);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntil(server, 'its listeners', async () => {
      await Promise.all(ports.map((p) => new Promise<void>((resolve, reject) => {
        const c = net.connect(p, '127.0.0.1', () => (c.destroy(), resolve()));
        c.on('error', reject);
      })));
      return true;
    }, opts.timeoutMs ?? 10_000, 100);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    dir,
    config: text,
    async states() {
      const csv = (await admin('show stat')).replace(/^# /, '').trim().split('\n');
      const head = csv[0]!.split(',');
      const [sv, st] = [head.indexOf('svname'), head.indexOf('status')];
      const out: Record<string, string> = {};
      for (const line of csv.slice(1)) {
        const f = line.split(',');
        if (f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND') out[f[sv]!] = f[st]!;
      }
      return out;
    },
    admin,
    tail: () => server.tail(),
    stop,
  };
}

/** A free port for a balancer's frontend. */
export const freePort = async (): Promise<number> => (await freePorts(1))[0]!;
