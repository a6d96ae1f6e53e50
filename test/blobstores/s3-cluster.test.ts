// The S3 store on a real distributed SeaweedFS: a master with default replication 001, three volume servers and a
// filer with the S3 gateway (test/support/seaweedfs-cluster.ts), all from the cached `weed` binary.
//  1. S3BlobStore on the cluster passes the shared store conformance suite;
//  2. the service on the cluster, under upload load from four clients, loses one volume server to SIGKILL: every
//     upload either succeeds (201) or answers a clean 503 problem, every acknowledged document stays readable while
//     the server is down (replicas), uploads keep succeeding, and after it returns every document verifies;
//  3. erasure coding (`ec.encode` from `weed shell`) on the cluster's volumes: the objects still read back intact.
// Without the weed binary the file is skipped (a failure under CI=true).
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCHARGE, PATIENT } from '../support/fixtures.ts';
import { bucketName, requireServers, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { startSeaweedCluster, type SeaweedCluster } from '../support/seaweedfs-cluster.ts';
import { createVersionedBucket, weedBinaryPath } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { blobStoreConformance } from './conformance.ts';
import { s3Kit } from './s3-features.ts';

const available = requireServers('S3 on a SeaweedFS cluster', { azurite: false });

let cluster: Promise<SeaweedCluster> | undefined;
const seaweed = (): Promise<SeaweedCluster> => (cluster ??= startSeaweedCluster());
const kit = s3Kit(seaweed);
afterAll(async () => {
  if (cluster) await (await cluster).stop();
}, 60_000);

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!available)('S3 on a SeaweedFS cluster (master, 3 volume servers, replication 001, filer + S3)', () => {
  blobStoreConformance('S3 (SeaweedFS cluster, versioned bucket, SSE-S3)', kit.harness, {
    versionsSameKey: true,
    refusesDigestMismatch: true,
    reportsSha256: true,
    encryptsAtRest: true,
    networked: true,
    // the same 256 MiB as every other store: at 128 MiB the memory bound (three quarters of the object, 96 MiB) sat
    // within garbage-collection lag of the multipart upload's designed ~48 MiB of parts in flight, and a CI run
    // measured 97 MiB; the server behind the S3 API does not change this process's memory
  });

  describe('the service on the cluster', () => {
    let s: TestServer;
    let restoreAws: () => void;
    let bucket: string;
    let sw: SeaweedCluster;
    beforeAll(async () => {
      sw = await seaweed();
      restoreAws = useAwsCredentials(sw as never);
      bucket = bucketName('docs');
      await createVersionedBucket(sw.endpoint, sw, bucket);
      s = await startTestServer({ QUILL_BLOB_STORE: 's3', ...s3Env(sw as never, bucket) });
    }, 120_000);
    afterAll(async () => {
      await s?.close();
      restoreAws?.();
    });

    it('loses a volume server to SIGKILL under upload load: no acknowledged document lost, reads keep working, uploads succeed or answer 503', async () => {
      const token = await s.token('cluster-test', ['clinician']);
      const auth = { authorization: `Bearer ${token}` };
      const acked = new Map<string, string>(); // id -> sha256
      const refused: number[] = [];
      const unexpected: string[] = [];
      let phase: 'before' | 'down' | 'after' = 'before';
      const ackedIn = { before: 0, down: 0, after: 0 };
      let stop = false;

      const uploader = async (c: number) => {
        for (let i = 0; !stop; i++) {
          const body = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(150_000 + ((c * 7919 + i * 104_729) % 200_000))]);
          const at = phase;
          const q = new URLSearchParams({ patient: PATIENT, type: DISCHARGE, title: `load ${c}/${i}` });
          try {
            const r = await fetch(`${s.baseUrl}/v1/documents?${q}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/pdf' }, body: new Uint8Array(body) });
            const text = await r.text();
            if (r.status === 201) {
              acked.set(JSON.parse(text).id, sha(body));
              ackedIn[at]++;
            } else if (r.status === 503 && (r.headers.get('content-type') ?? '').startsWith('application/problem+json')) {
              refused.push(r.status);
            } else {
              unexpected.push(`${r.status} ${text.slice(0, 200)}`);
            }
          } catch (e) {
            unexpected.push(`client error ${(e as Error).message}`);
          }
        }
      };
      const readBack = async (id: string) => {
        const r = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth });
        expect(r.status, `read of ${id}`).toBe(200);
        expect(sha(new Uint8Array(await r.arrayBuffer())), `bytes of ${id}`).toBe(acked.get(id));
      };

      const load = [0, 1, 2, 3].map(uploader);
      await waitFor(() => acked.size >= 20);
      const victim = sw.volumes[1]!;
      await victim.kill();
      phase = 'down';
      await expect(fetch(`http://127.0.0.1:${victim.port}/status`), 'the volume server is really gone').rejects.toThrow();
      const ackedBeforeKill = [...acked.keys()];
      // reads keep working from the replicas while the server is down (every document acknowledged before the kill)
      for (const id of ackedBeforeKill) await readBack(id);
      await waitFor(() => ackedIn.down >= 20, 60_000);
      await victim.start();
      phase = 'after';
      await waitFor(() => ackedIn.after >= 10, 60_000);
      stop = true;
      await Promise.all(load);

      expect(unexpected, 'every upload answered 201 or a 503 problem').toEqual([]);
      expect(ackedIn.down, 'uploads kept succeeding with a volume server down').toBeGreaterThanOrEqual(20);
      // after it returns, every acknowledged document verifies, byte for byte
      for (const id of acked.keys()) await readBack(id);
      const [row] = await s.sql<{ n: number }[]>`select count(*)::int as n from documents`;
      expect(row!.n).toBe(acked.size);
      console.log(`[cluster] acknowledged ${acked.size} uploads (${ackedIn.before} before the kill, ${ackedIn.down} with a volume server down, ${ackedIn.after} after), ${refused.length} answered 503`);
    }, 240_000);

    it('erasure-codes the volumes (weed shell ec.encode) and every document still reads back', async () => {
      const token = await s.token('cluster-test', ['clinician']);
      const auth = { authorization: `Bearer ${token}` };
      const ids = (await s.sql<{ id: string; sha256: string }[]>`select d.id, v.sha256 from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version`);
      expect(ids.length).toBeGreaterThan(0);
      // the S3 gateway keeps each bucket in its own collection. 10+4 shards on three volume servers cannot be spread so
      // that losing a server loses at most 4 (SeaweedFS places them best-effort), so no per-node limit is requested
      // (000): this shows encoding and reading through EC volumes, not surviving a node loss after encoding.
      const out = await runShell(sw, `lock; ec.encode -collection=${bucket} -fullPercent=0 -quietFor=0s -shardReplicaPlacement=000 -force; unlock`);
      const ecShards = await ecShardCount(sw);
      if (process.env.QUILL_TEST_SERVER_LOGS === '1') console.log(out);
      console.log(`[cluster] ec.encode: ${ecShards} "ec volume" entries in volume.list`);
      expect(ecShards, `ec.encode produced shards (shell said: ${out.slice(-400)})`).toBeGreaterThan(0);
      for (const { id, sha256 } of ids) {
        const r = await fetch(`${s.baseUrl}/v1/documents/${id}/content`, { headers: auth });
        expect(r.status).toBe(200);
        expect(sha(new Uint8Array(await r.arrayBuffer()))).toBe(sha256);
      }
    }, 240_000);
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function runShell(sw: SeaweedCluster, commands: string): Promise<string> {
  const master = new URL(sw.masterUrl);
  const { stdout, stderr } = await promisify(execFile)('/bin/sh', ['-c', `printf '%s\\n' "$1" | "$0" shell -master="$2"`, weedBinaryPath(), commands.split('; ').join('\n'), `${master.hostname}:${master.port}.${sw.masterGrpcPort}`], { timeout: 180_000 });
  return `${stdout}\n${stderr}`;
}

/** EC shards the cluster reports (`volume.list` prints one "ec volume" line per erasure-coded volume per server). */
async function ecShardCount(sw: SeaweedCluster): Promise<number> {
  const out = await runShell(sw, 'volume.list');
  return (out.match(/ec volume/gi) ?? []).length;
}
