// Starts real MinIO deployments on 127.0.0.1 for tests, from the binaries test-servers/minio/build.sh caches:
//
//   single       one server, one drive
//   erasure      one server, four drives: one erasure set (EC 2+2), survives a lost drive
//   distributed  four server processes on their own ports, one drive each, one erasure set across them: survives a
//                lost process
//
//   const a = await startMinio({ layout: 'erasure', tls: true });
//   await createVersionedBucket(a.endpoint, a, 'docs', { objectLock: true });
//   await a.mc(['admin', 'heal', '-r', `${a.alias}/docs`]);
//   await a.stop();
//
// Every deployment has SSE-S3 (MINIO_KMS_SECRET_KEY, the same test key everywhere, so replicas decrypt), binds
// 127.0.0.1 only, takes free ports, and is stopped by stop() (or, at the latest, when the test process exits: see
// process.ts). `tls: true` serves HTTPS with a certificate from a throwaway CA (`caFile` is the bundle to trust; every
// MinIO of this test process trusts the same CA, so sites can replicate to each other over TLS).
// MINIO_CI_CD=1 is set because test drives sit on the root disk (MinIO refuses those otherwise): tests only.
// This machine kind has /.dockerenv, so MinIO believes it runs in a container and a distributed deployment on loopback
// would wait for ever; each process is told its own address with _MINIO_SERVER_LOCAL.
// As root, MinIO runs as `nobody` (setpriv), so a test can make a drive unreadable to it with chmod.
// QUILL_TEST_SERVER_LOGS=1 echoes the servers' output.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { chmod, chown, copyFile, link, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { freePorts, spawnServer, waitUntil, type ServerProcess } from './process.ts';
import { s3Client } from './seaweedfs.ts';
import { makeTestCa, type TestCa } from './test-pki.ts';

export type MinioLayout = 'single' | 'erasure' | 'distributed';

export interface MinioOptions {
  layout?: MinioLayout;
  /** HTTPS with a certificate signed by this process's test CA. */
  tls?: boolean;
  /** Readiness timeout per start, ms. Default 120000. */
  timeoutMs?: number;
}

/** One MinIO server process and its drives. */
export interface MinioNode {
  readonly index: number;
  readonly port: number;
  readonly drives: string[];
  /** SIGKILL to the process, no grace. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT to the process: it holds its connections and answers nothing while frozen. */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same drives and port; resolves when it answers. */
  start(): Promise<void>;
  running(): boolean;
}

export interface MinioServer {
  layout: MinioLayout;
  /** The first node's S3 endpoint (path-style), http:// or https://. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** The CA bundle to trust for an https endpoint (QUILL_S3_CA_BUNDLE), else null. */
  caFile: string | null;
  dir: string;
  nodes: MinioNode[];
  /** Every drive directory, node by node. */
  drives: string[];
  /** The mc alias of this deployment in its own mc config dir (what `mc(...)` uses). */
  alias: string;
  /** Runs `mc --config-dir <dir>/mc <args>`; rejects with mc's output on a non-zero exit. */
  mc(args: string[], opts?: { timeoutMs?: number }): Promise<string>;
  /** Waits until the deployment answers with write quorum (GET /minio/health/cluster = 200, then ListBuckets). */
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REGION = 'us-east-1';
/** SSE-S3 key for every test MinIO (name:base64 of 32 bytes). Test-only; production uses KES and a real KMS. */
export const MINIO_TEST_KMS_KEY = `quill-test-key:${Buffer.alloc(32, 'quill-minio-test-kms-key').toString('base64')}`;
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

function pinnedVersion(wrapper: string, module: string): string {
  const goMod = path.join(REPO_ROOT, 'test-servers', 'minio', wrapper, 'go.mod');
  const version = readFileSync(goMod, 'utf8').match(new RegExp(`^require ${module.replace(/\./g, '\\.')} (\\S+)$`, 'm'))?.[1];
  if (!version) throw new Error(`cannot read the ${module} version from ${goMod}`);
  return version;
}

const cacheDir = (): string => process.env.QUILL_CACHE_DIR || path.join(homedir(), '.cache', 'quill');

/** Paths of the cached binaries, as test-servers/minio/build.sh writes them. */
export function minioBinaryPaths(): { minio: string; mc: string } {
  return {
    minio: process.env.QUILL_MINIO_BIN || path.join(cacheDir(), `minio-${pinnedVersion('server-wrapper', 'github.com/minio/minio')}`, 'minio'),
    mc: process.env.QUILL_MC_BIN || path.join(cacheDir(), `minio-mc-${pinnedVersion('mc-wrapper', 'github.com/minio/mc')}`, 'mc'),
  };
}

/** Why MinIO cannot run here, or null. */
export function minioMissing(): string | null {
  let bins: { minio: string; mc: string };
  try {
    bins = minioBinaryPaths();
  } catch (e) {
    return (e as Error).message;
  }
  const missing = [bins.minio, bins.mc].filter((b) => !existsSync(b));
  return missing.length ? `MinIO binaries are missing (${missing.join(', ')}); build them with test-servers/minio/build.sh` : null;
}

/**
 * One CA at a time for every TLS MinIO of this process, so sites replicate to each other over HTTPS. Each server keeps
 * its own copy of the CA certificate (its caFile); the CA itself is removed when the last server using it stops.
 */
let sharedCa: Promise<TestCa> | undefined;
let caUsers = 0;
async function useTestCa(): Promise<TestCa> {
  caUsers++;
  return (sharedCa ??= makeTestCa().then((ca) => {
    process.once('exit', () => rmSync(ca.dir, { recursive: true, force: true })); // a process that dies mid-test
    return ca;
  }));
}
async function releaseTestCa(): Promise<void> {
  if (--caUsers > 0 || !sharedCa) return;
  const ca = await sharedCa;
  sharedCa = undefined;
  await rm(ca.dir, { recursive: true, force: true });
}

/**
 * Starts several deployments side by side. If one fails, the others are stopped before the error is thrown, so a
 * failed beforeAll leaves nothing running or on disk.
 */
export async function startMinios(options: MinioOptions[]): Promise<MinioServer[]> {
  const settled = await Promise.allSettled(options.map((o) => startMinio(o)));
  const failed = settled.find((r) => r.status === 'rejected');
  if (!failed) return settled.map((r) => (r as PromiseFulfilledResult<MinioServer>).value);
  await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  throw failed.reason;
}

async function chownTree(p: string, uid: number): Promise<void> {
  await chown(p, uid, uid);
  for (const e of await readdir(p, { withFileTypes: true })) {
    const child = path.join(p, e.name);
    if (e.isDirectory()) await chownTree(child, uid);
    else await chown(child, uid, uid);
  }
}

/** Makes a directory MinIO (nobody, when we are root) may use as a drive, e.g. a replacement for a removed one. */
export async function makeDrive(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  if (asRoot) await chownTree(dir, NOBODY);
}

export async function startMinio(options: MinioOptions = {}): Promise<MinioServer> {
  const missing = minioMissing();
  if (missing) throw new Error(missing);
  // A port picked as free can be taken (by another test file's server) before MinIO binds it: start again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (e) {
      if (attempt >= 3 || !/already in use/i.test((e as Error).message)) throw e;
    }
  }
}

async function startOnce(options: MinioOptions): Promise<MinioServer> {
  const bins = minioBinaryPaths();
  const layout = options.layout ?? 'single';
  const timeoutMs = options.timeoutMs ?? 120_000;
  const dir = await mkdtemp(path.join(tmpdir(), `quill-minio-${layout}-`));
  const creds = { accessKeyId: 'quill-test-minio-user', secretAccessKey: 'quill-test-minio-secret-not-for-production' };
  const count = layout === 'distributed' ? 4 : 1;
  const ports = await freePorts(count * 2); // API and console port of each process
  const scheme = options.tls ? 'https' : 'http';
  const certsDir = path.join(dir, 'certs');
  let caFile: string | null = null;
  if (options.tls) {
    const ca = await useTestCa();
    const leaf = await ca.issue(`minio-${path.basename(dir)}`);
    await mkdir(path.join(certsDir, 'CAs'), { recursive: true });
    await copyFile(leaf.certFile, path.join(certsDir, 'public.crt'));
    await copyFile(leaf.keyFile, path.join(certsDir, 'private.key'));
    await copyFile(ca.caFile, path.join(certsDir, 'CAs', 'ca.pem'));
    caFile = path.join(certsDir, 'CAs', 'ca.pem');
  }
  const drivesOf = (i: number): string[] =>
    layout === 'erasure' ? [1, 2, 3, 4].map((d) => path.join(dir, `drive${d}`)) : [path.join(dir, layout === 'distributed' ? `node${i + 1}` : 'drive1')];
  for (let i = 0; i < count; i++) for (const d of drivesOf(i)) await mkdir(d, { recursive: true });
  await mkdir(path.join(dir, 'mc', 'certs', 'CAs'), { recursive: true });
  if (caFile) await copyFile(caFile, path.join(dir, 'mc', 'certs', 'CAs', 'ca.pem'));
  // As root, MinIO runs as nobody, who cannot reach the cache under a 0700 home: it runs a hard link (a copy across
  // file systems) in its own directory. mkdtemp made that directory 0700 too.
  let minioBin = bins.minio;
  if (asRoot) {
    await chownTree(dir, NOBODY);
    minioBin = path.join(dir, 'minio'); // after the chown: the link shares the cached file's owner
    await link(bins.minio, minioBin).catch(() => copyFile(bins.minio, minioBin));
    await chmod(dir, 0o755);
  }

  const apiPort = (i: number) => ports[2 * i]!;
  const endpointOf = (i: number) => `${scheme}://127.0.0.1:${apiPort(i)}`;
  // Distributed: every process is given every endpoint, one by one (ports are not consecutive), and its own address.
  const serverArgs = (i: number): string[] => [
    'server',
    '--address',
    `127.0.0.1:${apiPort(i)}`,
    '--console-address',
    `127.0.0.1:${ports[2 * i + 1]}`,
    ...(options.tls ? ['--certs-dir', certsDir] : []),
    ...(layout === 'distributed' ? Array.from({ length: count }, (_, n) => `${endpointOf(n)}${drivesOf(n)[0]}`) : drivesOf(i)),
  ];
  const envOf = (i: number): NodeJS.ProcessEnv => ({
    ...process.env,
    MINIO_ROOT_USER: creds.accessKeyId,
    MINIO_ROOT_PASSWORD: creds.secretAccessKey,
    MINIO_KMS_SECRET_KEY: MINIO_TEST_KMS_KEY,
    MINIO_CI_CD: '1', // tests only: drives on the root disk
    MINIO_BROWSER: 'off',
    MINIO_UPDATE: 'off',
    MINIO_REGION: REGION,
    HOME: dir,
    ...(layout === 'distributed' ? { _MINIO_SERVER_LOCAL: `127.0.0.1:${apiPort(i)}` } : {}),
  });

  const nodes: (MinioNode & { proc: ServerProcess | null })[] = [];
  for (let i = 0; i < count; i++) {
    const node: MinioNode & { proc: ServerProcess | null } = {
      index: i,
      port: apiPort(i),
      drives: drivesOf(i),
      proc: null,
      running: () => node.proc !== null,
      async start() {
        const [cmd, args] = asRoot ? ['setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', minioBin, ...serverArgs(i)]] : [minioBin, serverArgs(i)];
        node.proc = spawnServer(`minio-${layout}${count > 1 ? `-${i + 1}` : ''}`, cmd, args as string[], { cwd: dir, env: envOf(i) });
        await waitUntil(node.proc, `MinIO node ${i + 1} to answer`, async () => (await probe(`${endpointOf(i)}/minio/health/live`)) === 200, timeoutMs, 200);
      },
      async kill() {
        const p = node.proc;
        if (!p) return;
        node.proc = null;
        try {
          process.kill(-p.child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
        await p.stop(0);
      },
      freeze() {
        if (node.proc) process.kill(-node.proc.child.pid!, 'SIGSTOP');
      },
      thaw() {
        if (node.proc) process.kill(-node.proc.child.pid!, 'SIGCONT');
      },
    };
    nodes.push(node);
  }

  const endpoint = endpointOf(0);
  const agent = caFile ? new HttpsAgent({ ca: readFileSync(caFile) }) : undefined;
  function probe(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const request = url.startsWith('https:') ? httpsRequest : httpRequest;
      const req = request(url, { agent, timeout: 2000 }, (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
  }
  const mcConfig = path.join(dir, 'mc');
  const alias = 'quill';
  const mc = async (args: string[], o: { timeoutMs?: number } = {}): Promise<string> => {
    try {
      const { stdout } = await promisify(execFile)(bins.mc, ['--config-dir', mcConfig, '--no-color', ...args], { timeout: o.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`mc ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    }
  };
  const waitReady = async (ms = timeoutMs): Promise<void> => {
    const live = nodes.find((n) => n.proc)!;
    await waitUntil(live.proc!, 'write quorum (/minio/health/cluster)', async () => (await probe(`${endpointOf(live.index)}/minio/health/cluster`)) === 200, ms, 200);
    const client = s3Client({ endpoint: endpointOf(live.index), ...creds, caFile });
    try {
      await waitUntil(live.proc!, 'an authenticated ListBuckets', async () => {
        await client.send(new ListBucketsCommand({}));
        return true;
      }, ms, 200);
    } finally {
      client.destroy();
    }
  };
  let released = false;
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.proc?.stop(10_000)));
    for (const n of nodes) n.proc = null;
    agent?.destroy();
    await rm(dir, { recursive: true, force: true });
    if (options.tls && !released) {
      released = true;
      await releaseTestCa();
    }
  };

  try {
    await Promise.all(nodes.map((n) => n.start()));
    await waitReady();
    await mc(['alias', 'set', alias, endpoint, creds.accessKeyId, creds.secretAccessKey]);
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  return { layout, endpoint, ...creds, region: REGION, caFile, dir, nodes, drives: nodes.flatMap((n) => n.drives), alias, mc, waitReady, stop };
}

/**
 * Continuous bucket replication from `source` to `target` (MinIO's `mc replicate add`): new versions, delete markers,
 * version deletes and the objects already there, with their SSE, Object Lock retention and legal holds. Both buckets
 * must be versioned (and both Object-Locked if the source is); both deployments share the test KMS key and CA.
 */
export async function replicateBucket(source: MinioServer, target: MinioServer, bucket: string, targetBucket = bucket): Promise<void> {
  const remote = new URL(target.endpoint);
  remote.username = encodeURIComponent(target.accessKeyId);
  remote.password = encodeURIComponent(target.secretAccessKey);
  remote.pathname = `/${targetBucket}`;
  await source.mc(['replicate', 'add', `${source.alias}/${bucket}`, '--remote-bucket', remote.toString(), '--replicate', 'delete,delete-marker,existing-objects']);
}
