// Starts a real SeaweedFS cluster on 127.0.0.1 from the same cached `weed` binary as startSeaweed(): one master
// (default replication 001: every volume has a copy on a second volume server of the same rack), three volume
// servers, and a filer with the S3 gateway. Each process runs under its own supervisor (test/support/process.ts), so
// a test can SIGKILL one volume server and start it again on the same directory and ports.
// test-servers/seaweedfs/cluster-start.sh does the same from a shell.
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts, spawnServer, waitUntil, type ServerProcess } from './process.ts';
import { s3Client, weedBinaryPath, type SeaweedServer } from './seaweedfs.ts';

export interface VolumeServer {
  readonly index: number;
  readonly port: number;
  /** SIGKILL to the volume server's whole process group, no grace. */
  kill(): Promise<void>;
  /** Starts it again on the same directory and ports; resolves when the master sees it. */
  start(): Promise<void>;
  running(): boolean;
}

export interface SeaweedCluster extends Omit<SeaweedServer, 'pid'> {
  masterUrl: string;
  masterGrpcPort: number;
  volumes: VolumeServer[];
  /** The master's view: how many volume servers are registered as live. */
  liveVolumeServers(): Promise<number>;
}

const KEK = 'a3f1c2d4e5b60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a'; // test key-encryption key for SSE-S3

export async function startSeaweedCluster(opts: { replication?: string; timeoutMs?: number } = {}): Promise<SeaweedCluster> {
  // A port picked as free can be taken (by another test file) before weed binds it: start again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/address already in use|not available/i.test((e as Error).message)) throw e;
    }
  }
}

async function startOnce(opts: { replication?: string; timeoutMs?: number }): Promise<SeaweedCluster> {
  const weed = weedBinaryPath();
  if (!existsSync(weed)) throw new Error(`SeaweedFS binary not found at ${weed}; build it with test-servers/seaweedfs/build.sh`);
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const dir = await mkdtemp(join(tmpdir(), 'quill-seaweed-cluster-'));
  const creds = { accessKeyId: 'quill-test-access-key', secretAccessKey: 'quill-test-secret-key-not-for-production' };
  await writeFile(
    join(dir, 's3.json'),
    JSON.stringify({ identities: [{ name: 'quill', credentials: [{ accessKey: creds.accessKeyId, secretKey: creds.secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] }] }),
    { mode: 0o600 },
  );
  const [mPort, mGrpc, fPort, fGrpc, s3Port, s3Grpc, ...vp] = await freePorts(12);
  const master = `127.0.0.1:${mPort}.${mGrpc}`;
  const procs: ServerProcess[] = [];
  const common = ['-logtostderr=true'];
  const net = ['-ip=127.0.0.1', '-ip.bind=127.0.0.1'];
  const env = { ...process.env, WEED_S3_SSE_KEK: KEK };

  const stopAll = async () => {
    await Promise.all([...volumes.map((v) => v.kill()), ...procs.map((p) => p.stop(3000))]);
    await Promise.all([mGrpc, fGrpc, s3Grpc, ...vp].map((p) => rm(`/tmp/seaweedfs-${p}.sock`, { force: true })));
    await rm(dir, { recursive: true, force: true });
  };

  const volumes: (VolumeServer & { proc: ServerProcess | null })[] = [];
  try {
    await mkdir(join(dir, 'master'));
    const m = spawnServer('weed-master', weed, [...common, 'master', ...net, `-port=${mPort}`, `-port.grpc=${mGrpc}`, `-mdir=${join(dir, 'master')}`,
      `-defaultReplication=${opts.replication ?? '001'}`, '-volumeSizeLimitMB=64', '-telemetry=false'], { cwd: dir, env });
    procs.push(m);
    const masterUrl = `http://127.0.0.1:${mPort}`;
    await waitUntil(m, 'the master', async () => (await fetch(`${masterUrl}/cluster/status`)).ok, timeoutMs, 200);

    const liveVolumeServers = async () => {
      const topo = (await (await fetch(`${masterUrl}/dir/status`)).json()) as { Topology?: { DataCenters?: { Racks?: { DataNodes?: unknown[] }[] }[] } };
      return (topo.Topology?.DataCenters ?? []).flatMap((dc) => dc.Racks ?? []).flatMap((r) => r.DataNodes ?? []).length;
    };

    for (let i = 0; i < 3; i++) {
      const port = vp[2 * i]!;
      const grpc = vp[2 * i + 1]!;
      const vdir = join(dir, `volume${i}`);
      await mkdir(vdir);
      const v: VolumeServer & { proc: ServerProcess | null } = {
        index: i,
        port,
        proc: null,
        running: () => v.proc !== null,
        async start() {
          v.proc = spawnServer(`weed-volume${i}`, weed, [...common, 'volume', ...net, `-port=${port}`, `-port.grpc=${grpc}`, `-dir=${vdir}`, '-max=20', `-master=${master}`, '-minFreeSpace=1',
            // SeaweedFS refuses to copy EC shards from a loopback peer (an SSRF guard); every peer here is on loopback
            '-volume.allowUntrustedRemoteEndpoints'], { cwd: dir, env });
          await waitUntil(v.proc, `volume server ${i}`, async () => (await fetch(`http://127.0.0.1:${port}/status`)).ok, timeoutMs, 200);
        },
        async kill() {
          const p = v.proc;
          if (!p) return;
          v.proc = null;
          try {
            process.kill(-p.child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
          await p.stop(0);
        },
      };
      volumes.push(v);
      await v.start();
    }
    await waitUntil(m, 'three volume servers registered', async () => (await liveVolumeServers()) === 3, timeoutMs, 200);

    await mkdir(join(dir, 'filer'));
    const f = spawnServer('weed-filer', weed, [...common, 'filer', ...net, `-port=${fPort}`, `-port.grpc=${fGrpc}`, `-master=${master}`, `-defaultStoreDir=${join(dir, 'filer')}`,
      `-localSocket=${join(dir, 'filer.sock')}`], { cwd: dir, env });
    procs.push(f);
    await waitUntil(f, 'the filer', async () => (await fetch(`http://127.0.0.1:${fPort}/`, { headers: { accept: 'application/json' } })).status < 500, timeoutMs, 200);
    // the S3 gateway as its own process in front of the filer (SSE-S3 key-encryption key in its environment)
    const g = spawnServer('weed-s3', weed, [...common, 's3', ...net, `-port=${s3Port}`, `-port.grpc=${s3Grpc}`, `-filer=127.0.0.1:${fPort}.${fGrpc}`, `-config=${join(dir, 's3.json')}`,
      '-port.iceberg=0', '-port.lance=0', `-localSocket=${join(dir, 's3.sock')}`], { cwd: dir, env });
    procs.push(g);
    const endpoint = `http://127.0.0.1:${s3Port}`;
    const client = s3Client({ endpoint, ...creds });
    try {
      await waitUntil(g, 'the S3 gateway', async () => {
        await client.send(new ListBucketsCommand({}));
        return true;
      }, timeoutMs, 200);
    } finally {
      client.destroy();
    }
    return { endpoint, ...creds, region: 'us-east-1', dir, masterUrl, masterGrpcPort: mGrpc!, volumes, liveVolumeServers, stop: stopAll };
  } catch (e) {
    await stopAll().catch(() => undefined);
    throw e;
  }
}
