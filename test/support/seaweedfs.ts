// Starts a real SeaweedFS S3 server (`weed mini`) on 127.0.0.1 for tests.
//
//   const s3 = await startSeaweed();
//   await createVersionedBucket(s3.endpoint, s3, 'docs', { objectLock: true });
//   const client = s3Client(s3);
//   ...
//   await s3.stop();
//
// The `weed` binary is built once by test-servers/seaweedfs/build.sh and cached
// at ${QUILL_CACHE_DIR:-~/.cache/quill}/seaweedfs-<version>/weed (override the
// path with QUILL_WEED_BIN). Every port weed opens (S3, master, volume, filer,
// admin and their gRPC ports) is pinned to a free port, so instances never
// collide. Set QUILL_TEST_SERVER_LOGS=1 to echo the server's output.
import {
  CreateBucketCommand,
  ListBucketsCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { existsSync, readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts, isPortInUse, spawnServer, waitUntil, type ServerProcess } from './process.ts';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region?: string;
  /** PEM bundle of the private CA that signed a TLS endpoint's certificate (MinIO with --certs-dir). */
  caFile?: string | null;
}

export interface SeaweedOptions {
  /**
   * State directory. Default: a fresh temp dir, deleted by stop(). A given
   * dir is kept, and starting again on it reuses its data and (if free) its ports,
   * which is how a test restarts the server.
   */
  dir?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Readiness timeout in ms. Default 90000. */
  timeoutMs?: number;
}

export interface SeaweedServer {
  /** e.g. http://127.0.0.1:40123 (use forcePathStyle: true) */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** State directory (data in `${dir}/data`). */
  dir: string;
  /** Process-group id of the server (its supervisor's pid); `kill -- -pid` stops everything. */
  pid: number;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WRAPPER_GO_MOD = join(REPO_ROOT, 'test-servers', 'seaweedfs', 'wrapper', 'go.mod');
const PORT_NAMES = ['s3', 's3Grpc', 'master', 'masterGrpc', 'volume', 'volumeGrpc', 'filer', 'filerGrpc', 'admin', 'adminGrpc'] as const;
type Ports = Record<(typeof PORT_NAMES)[number], number>;

/** Path of the cached weed binary, as build.sh writes it. */
export function weedBinaryPath(): string {
  if (process.env.QUILL_WEED_BIN) return process.env.QUILL_WEED_BIN;
  const goMod = readFileSync(WRAPPER_GO_MOD, 'utf8');
  const version = goMod.match(/^require github\.com\/seaweedfs\/seaweedfs (\S+)$/m)?.[1];
  if (!version) throw new Error(`cannot read the seaweedfs version from ${WRAPPER_GO_MOD}`);
  const cacheDir = process.env.QUILL_CACHE_DIR || join(homedir(), '.cache', 'quill');
  return join(cacheDir, `seaweedfs-${version}`, 'weed');
}

async function choosePorts(dir: string): Promise<Ports> {
  // On a restart, reuse the previous ports so the master's topology matches.
  try {
    const saved = JSON.parse(await readFile(join(dir, 'ports.json'), 'utf8')) as Ports;
    const busy = await Promise.all(PORT_NAMES.map((name) => isPortInUse(saved[name])));
    if (!busy.includes(true)) return saved;
  } catch {
    // no saved ports
  }
  const list = await freePorts(PORT_NAMES.length);
  return Object.fromEntries(PORT_NAMES.map((name, i) => [name, list[i]])) as Ports;
}

function weedArgs(dir: string, ports: Ports): string[] {
  return [
    '-logtostderr=true', // glog would otherwise write log files into /tmp
    'mini',
    `-dir=${join(dir, 'data')}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-s3.port=${ports.s3}`,
    `-s3.port.grpc=${ports.s3Grpc}`,
    `-s3.config=${join(dir, 's3.json')}`,
    '-s3.port.iceberg=0',
    '-s3.port.lance=0',
    `-s3.localSocket=${join(dir, 's3.sock')}`,
    `-master.port=${ports.master}`,
    `-master.port.grpc=${ports.masterGrpc}`,
    '-master.telemetry=false',
    `-volume.port=${ports.volume}`,
    `-volume.port.grpc=${ports.volumeGrpc}`,
    `-filer.port=${ports.filer}`,
    `-filer.port.grpc=${ports.filerGrpc}`,
    `-filer.localSocket=${join(dir, 'filer.sock')}`,
    '-admin.ui=false',
    `-admin.port=${ports.admin}`,
    `-admin.port.grpc=${ports.adminGrpc}`,
    '-admin.port.legacy=0',
    '-webdav=false',
  ];
}

/** weed leaves its gRPC unix sockets at fixed /tmp paths when it is killed. */
async function removeSockets(dir: string, ports: Ports): Promise<void> {
  const paths = [
    `/tmp/seaweedfs-s3-grpc-${ports.s3Grpc}.sock`,
    `/tmp/seaweedfs-master-grpc-${ports.masterGrpc}.sock`,
    `/tmp/seaweedfs-volume-grpc-${ports.volumeGrpc}.sock`,
    `/tmp/seaweedfs-filer-grpc-${ports.filerGrpc}.sock`,
    `/tmp/seaweedfs-admin-grpc-${ports.adminGrpc}.sock`,
    join(dir, 's3.sock'),
    join(dir, 'filer.sock'),
  ];
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}

export function s3Client(server: { endpoint: string } & S3Credentials): S3Client {
  return new S3Client({
    endpoint: server.endpoint,
    region: server.region ?? REGION,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
    forcePathStyle: true,
    ...(server.caFile ? { requestHandler: { httpsAgent: new HttpsAgent({ ca: readFileSync(server.caFile) }) } } : {}),
  });
}

export async function startSeaweed(options: SeaweedOptions = {}): Promise<SeaweedServer> {
  const weed = weedBinaryPath();
  if (!existsSync(weed)) {
    throw new Error(
      `SeaweedFS binary not found at ${weed}.\n` +
        'Build it once (10-20 min cold, cached afterwards) with: test-servers/seaweedfs/build.sh',
    );
  }
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'quill-seaweed-')));
  const creds = {
    accessKeyId: options.accessKeyId ?? 'quill-test-access-key',
    secretAccessKey: options.secretAccessKey ?? 'quill-test-secret-key-not-for-production',
  };
  await mkdir(join(dir, 'data'), { recursive: true });
  const identities = {
    identities: [
      {
        name: 'quill',
        credentials: [{ accessKey: creds.accessKeyId, secretKey: creds.secretAccessKey }],
        actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
      },
    ],
  };
  await writeFile(join(dir, 's3.json'), JSON.stringify(identities), { mode: 0o600 });

  const timeoutMs = options.timeoutMs ?? 90_000;
  let lastError: unknown;
  // A port picked as free can be taken before weed binds it; retry with new ports.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const ports = await choosePorts(dir);
    await writeFile(join(dir, 'ports.json'), JSON.stringify(ports));
    const server = spawnServer('seaweedfs', weed, weedArgs(dir, ports), { cwd: dir });
    const endpoint = `http://127.0.0.1:${ports.s3}`;
    const stop = async (): Promise<void> => {
      await server.stop(15_000);
      await removeSockets(dir, ports);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    };
    try {
      await server.waitForLine(/running and ready to use/, timeoutMs);
      await waitForS3(server, endpoint, creds, timeoutMs);
      return { endpoint, ...creds, region: REGION, dir, pid: server.child.pid as number, stop };
    } catch (err) {
      lastError = err;
      await server.stop(2_000);
      await removeSockets(dir, ports);
      const portClash = /not available|address already in use/i.test(server.tail());
      if (!portClash) break;
      await rm(join(dir, 'ports.json'), { force: true });
    }
  }
  if (ownDir) await rm(dir, { recursive: true, force: true });
  throw lastError;
}

async function waitForS3(server: ServerProcess, endpoint: string, creds: S3Credentials, timeoutMs: number): Promise<void> {
  const client = s3Client({ endpoint, ...creds });
  try {
    await waitUntil(server, 'an authenticated S3 ListBuckets', async () => {
      await client.send(new ListBucketsCommand({}));
      return true;
    }, timeoutMs, 200);
  } finally {
    client.destroy();
  }
}

/**
 * Creates a bucket with versioning enabled and default encryption SSE-S3
 * (AES256). With `objectLock`, the bucket is created with Object Lock enabled
 * (which also turns versioning on). `defaultEncryption: false` leaves the bucket
 * without a default, so only what a client asks for per request gets encrypted
 * (tests of the client's own SSE header need that: a default would mask it).
 */
export async function createVersionedBucket(
  endpoint: string,
  creds: S3Credentials,
  name: string,
  options: { objectLock?: boolean; defaultEncryption?: boolean } = {},
): Promise<void> {
  const client = s3Client({ endpoint, ...creds });
  try {
    await client.send(new CreateBucketCommand({ Bucket: name, ...(options.objectLock ? { ObjectLockEnabledForBucket: true } : {}) }));
    await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    if (options.defaultEncryption !== false) await client.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
  } finally {
    client.destroy();
  }
}
