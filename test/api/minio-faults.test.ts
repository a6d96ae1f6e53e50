// Faults on real MinIO while the service takes uploads from 8 clients (raw bodies, multipart forms and tus uploads
// mixed; test/support/upload-load.ts). Every upload must answer 201 (204 for tus) or a clean 503 problem with
// Retry-After, and no acknowledged document may be lost or altered:
//  1. an erasure set of 4 drives loses one drive's directory mid-load (rm -rf), and separately has one made unreadable
//     (chmod 000; MinIO runs as `nobody`, see test/support/minio.ts): uploads keep succeeding, every document reads
//     back with its SHA-256, and after a new empty drive (or the permission restored) and `mc admin heal` the drive
//     holds its shards (xl.meta) of every document version again;
//  2. a distributed deployment of 4 processes loses one to SIGKILL mid-load (the service talks to another one): reads
//     keep working, and after the process is back every document verifies with `quill-docstore scrub`;
//  3. the whole store is down for 30 s, first frozen (SIGSTOP: it takes connections and answers nothing), then killed
//     (connections refused): every upload in that time answers 503 with Retry-After within a bound set by the store
//     timeout, nothing is half-written, and `reconcile` resolves every upload intent.
// Each test prints what the clients saw. Without the MinIO binaries the file is skipped (a failure under CI=true).
import { existsSync } from 'node:fs';
import { chmod, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newBucket, requireServers, runCli, s3Env, useAwsCredentials } from '../support/live-stores.ts';
import { makeDrive, startMinio, type MinioServer } from '../support/minio.ts';
import { s3Client } from '../support/seaweedfs.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { readBackFailures, startUploadLoad, type UploadLoad } from '../support/upload-load.ts';

const available = requireServers('faults on MinIO under upload load', { minio: true, seaweedfs: false, azurite: false });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A MinIO deployment, a versioned SSE-S3 bucket on it and the service on that bucket, for one describe block. */
function deployment(layout: 'erasure' | 'distributed' | 'single', env: Record<string, string> = {}) {
  const d = {} as { m: MinioServer; s: TestServer; bucket: string; token: string; env: Record<string, string> };
  let restoreAws = () => undefined as void;
  beforeAll(async () => {
    d.m = await startMinio({ layout });
    restoreAws = useAwsCredentials(d.m);
    d.bucket = await newBucket(d.m, 'faults');
    // the background scrubber would read documents beside the load; `scrub` runs explicitly where it is the check.
    // The load abandons a tus upload whose PATCH a store outage refused (as a client may): the per-user cap on open
    // uploads (its own bound, tested in security.test.ts) would then answer 429 to the one user all 8 clients share.
    d.env = { QUILL_BLOB_STORE: 's3', ...s3Env(d.m, d.bucket), QUILL_SCRUB_RATE: '0', QUILL_MAX_OPEN_UPLOADS: '100000', ...env };
    d.s = await startTestServer(d.env);
    d.token = await d.s.token('dr.load', ['clinician']);
  }, 180_000);
  afterAll(async () => {
    await d.s?.close();
    restoreAws();
    await d.m?.stop();
  }, 60_000);
  return d;
}

const documentCount = async (s: TestServer) => (await s.sql<{ n: number }[]>`select count(*)::int as n from documents`)[0]!.n;
const keysOf = async (s: TestServer) => (await s.sql<{ blob_key: string }[]>`select blob_key from document_versions where blob_store = 's3'`).map((r) => r.blob_key);

/** Document versions whose object has no xl.meta on this drive (MinIO keeps one per object on every drive of its set). */
async function missingShards(s: TestServer, drive: string, bucket: string): Promise<string[]> {
  return (await keysOf(s)).filter((k) => !existsSync(path.join(drive, bucket, k, 'xl.meta')));
}

async function healUntilComplete(m: MinioServer, s: TestServer, drive: string, bucket: string, timeoutMs = 180_000): Promise<{ rounds: number; ms: number }> {
  const started = Date.now();
  for (let rounds = 1; ; rounds++) {
    // format first (a replaced, empty drive), then every object of the bucket
    await m.mc(['admin', 'heal', m.alias], { timeoutMs: 120_000 }).catch(() => '');
    await m.mc(['admin', 'heal', '-r', `${m.alias}/${bucket}`], { timeoutMs: 170_000 });
    const missing = await missingShards(s, drive, bucket);
    if (!missing.length) return { rounds, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`after ${rounds} heal rounds ${missing.length} document versions still have no shard on ${drive}, e.g. ${missing[0]}`);
    await sleep(2000);
  }
}

function report(what: string, load: UploadLoad): string {
  const byPhase = new Map<string, { acked: number; refused: number }>();
  for (const a of load.acked.values()) byPhase.set(a.phase, { ...(byPhase.get(a.phase) ?? { acked: 0, refused: 0 }), acked: (byPhase.get(a.phase)?.acked ?? 0) + 1 });
  for (const r of load.refused) byPhase.set(r.phase, { ...(byPhase.get(r.phase) ?? { acked: 0, refused: 0 }), refused: (byPhase.get(r.phase)?.refused ?? 0) + 1 });
  const slowest = load.refused.length ? Math.max(...load.refused.map((r) => r.ms)) : 0;
  const reasons = new Map<string, number>();
  for (const r of load.refused) {
    const why = `${r.phase}: ${r.code} ${r.detail.replace(/(documents|uploads)\/[0-9a-f/-]+/g, '$1/…').slice(0, 110)}`;
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  return `[minio faults] ${what}: ${[...byPhase].map(([p, c]) => `${p}: ${c.acked} acknowledged, ${c.refused} refused (503)`).join('; ')}; slowest 503 ${slowest} ms; unexpected ${load.unexpected.length}` +
    [...reasons].map(([k, n]) => `\n  ${n} × ${k}`).join('');
}

describe.skipIf(!available)('MinIO erasure set (one server, 4 drives) under upload load', () => {
  const d = deployment('erasure');

  async function driveFault(title: string, drive: string, fault: () => Promise<void>, repair: () => Promise<void>): Promise<void> {
    const load = startUploadLoad(d.s.baseUrl, d.token, { clients: 8 });
    let faulted = false;
    // counted the moment the drive is back (before the read-backs below), so MinIO's own background healing has had
    // no time to refill it: what a replaced or recovered drive lacks is what was written while it was lost
    let missingBefore = 0;
    try {
      await load.waitFor('uploads before the fault', () => load.ackedIn('before') >= 16);
      await fault();
      faulted = true;
      load.setPhase('drive lost');
      await load.waitFor('uploads with the drive lost', () => load.ackedIn('drive lost') >= 40, 180_000);
      // reads keep working while the drive is lost: every document so far
      expect(await readBackFailures(d.s.baseUrl, d.token, [...load.acked.values()]), 'reads with a drive lost').toEqual([]);
    } finally {
      await load.stop();
      if (faulted) {
        await repair();
        missingBefore = (await missingShards(d.s, drive, d.bucket)).length;
      }
    }
    console.log(report(title, load));
    expect(load.unexpected, 'every upload answered 201/204 or a 503 problem').toEqual([]);
    const withDriveLost = [...load.acked.values()].filter((a) => a.phase === 'drive lost');
    expect(new Set(withDriveLost.map((a) => a.route)), 'raw, multipart and tus uploads all succeeded with the drive lost').toEqual(new Set(['raw', 'multipart', 'tus']));
    expect(await readBackFailures(d.s.baseUrl, d.token, load.acked.values())).toEqual([]);
    const n = await documentCount(d.s);
    expect(n).toBeGreaterThanOrEqual(load.acked.size);

    expect(missingBefore, 'the lost drive lacks the shards of what was written meanwhile').toBeGreaterThan(0);
    const healed = await healUntilComplete(d.m, d.s, drive, d.bucket);
    console.log(`[minio faults] ${title}: ${missingBefore} document versions had no shard on the drive; mc admin heal restored them all in ${healed.ms} ms (${healed.rounds} round(s))`);
    expect(await missingShards(d.s, drive, d.bucket)).toEqual([]);
    expect(await readBackFailures(d.s.baseUrl, d.token, load.acked.values())).toEqual([]);
  }

  it('one drive\'s directory removed mid-load: uploads keep succeeding, every document reads back, heal refills a new drive', async () => {
    const drive = d.m.drives[1]!;
    // renamed away first (the path is gone at once, as when a disk is pulled), then deleted: MinIO keeps writing into
    // what it still has open, which a recursive delete in place races with. A plain file then holds the path, so MinIO
    // cannot quietly make the drive again while it is "pulled" (it recreates a missing drive directory by itself, and
    // healing would then start before the drive is replaced); replacing the drive removes the file.
    const remove = async () => {
      await rename(drive, `${drive}.pulled`);
      await rm(`${drive}.pulled`, { recursive: true, force: true, maxRetries: 10 });
      await writeFile(drive, 'a pulled disk\n');
    };
    const replace = async () => {
      await rm(drive, { force: true });
      await makeDrive(drive);
    };
    await driveFault('drive directory removed', drive, remove, replace);
  }, 600_000);

  it('one drive made unreadable (chmod 000) mid-load: uploads keep succeeding, every document reads back, heal catches the drive up', async () => {
    const drive = d.m.drives[2]!;
    await driveFault('drive made unreadable', drive, () => chmod(drive, 0o000), () => chmod(drive, 0o755));
  }, 600_000);
});

describe.skipIf(!available)('MinIO distributed (4 processes, one drive each) under upload load', () => {
  const d = deployment('distributed');

  it('one process SIGKILLed mid-load: no acknowledged document lost, reads keep working, uploads succeed or answer 503; after restart scrub verifies all', async () => {
    const victim = d.m.nodes[2]!; // the service talks to node 1
    const load = startUploadLoad(d.s.baseUrl, d.token, { clients: 8 });
    try {
      await load.waitFor('uploads before the kill', () => load.ackedIn('before') >= 16);
      await victim.kill();
      load.setPhase('process down');
      await expect(fetch(`http://127.0.0.1:${victim.port}/minio/health/live`), 'the process is really gone').rejects.toThrow();
      const beforeKill = [...load.acked.values()].filter((a) => a.phase === 'before');
      expect(await readBackFailures(d.s.baseUrl, d.token, beforeKill), 'reads with a process down').toEqual([]);
      await load.waitFor('uploads with a process down', () => load.ackedIn('process down') >= 40, 180_000);
      await victim.start();
      await d.m.waitReady();
      load.setPhase('after restart');
      await load.waitFor('uploads after the restart', () => load.ackedIn('after restart') >= 16, 180_000);
    } finally {
      await load.stop();
      if (!victim.running()) await victim.start();
    }
    console.log(report('one of 4 processes SIGKILLed', load));
    expect(load.unexpected, 'every upload answered 201/204 or a 503 problem').toEqual([]);
    expect(load.ackedIn('process down')).toBeGreaterThanOrEqual(40);
    expect(await readBackFailures(d.s.baseUrl, d.token, load.acked.values())).toEqual([]);
    const n = await documentCount(d.s);
    expect(n).toBe(load.acked.size);
    const scrub = await runCli(['scrub', '--json'], { ...d.env, DATABASE_URL: d.s.cfg.databaseUrl!, QUILL_DATA_DIR: d.s.cfg.dataDir });
    expect(scrub.code, scrub.stderr).toBe(0);
    const result = JSON.parse(scrub.stdout.trim().split('\n').pop()!);
    expect(result.flagged).toEqual([]);
    console.log(`[minio faults] scrub after the restart: ${scrub.stdout.trim().split('\n').pop()}`);
  }, 600_000);
});

describe.skipIf(!available)('MinIO down for 30 s under upload load', () => {
  const TIMEOUT_MS = 3000;
  const d = deployment('single', { QUILL_S3_TIMEOUT_MS: String(TIMEOUT_MS) });

  it('frozen 30 s, then killed 30 s: 503 with Retry-After within the store timeout bound, nothing half-written, reconcile resolves every intent', async () => {
    const node = d.m.nodes[0]!;
    const load = startUploadLoad(d.s.baseUrl, d.token, { clients: 8 });
    try {
      await load.waitFor('uploads before the outage', () => load.ackedIn('before') >= 16);
      node.freeze();
      load.setPhase('frozen');
      await sleep(30_000);
      await node.kill(); // a frozen process dies on SIGKILL as well
      load.setPhase('killed');
      await sleep(30_000);
      // uploads begun from here on may find the store back: they belong to neither outage phase
      load.setPhase('restarting');
      await node.start();
      await d.m.waitReady();
      load.setPhase('after');
      await load.waitFor('uploads after the outage', () => load.ackedIn('after') >= 16, 180_000);
    } finally {
      await load.stop();
      if (!node.running()) await node.start();
    }
    console.log(report('whole store frozen 30 s then killed 30 s', load));
    expect(load.unexpected, 'every upload answered 201/204 or a 503 problem').toEqual([]);
    const during = load.refused.filter((r) => r.phase === 'frozen' || r.phase === 'killed');
    expect(during.length).toBeGreaterThan(0);
    expect(new Set(during.map((r) => r.code))).toEqual(new Set(['storage_unavailable']));
    // Each S3 request gives up after TIMEOUT_MS of silence, three attempts with the SDK's backoff between them; an
    // upload makes at most two such requests in a row before it answers (the write, then the abort of a multipart
    // upload), so no 503 may take longer than that. Without the timeout a frozen store held uploads for ever.
    const bound = 2 * (3 * TIMEOUT_MS + 3000) + 5000;
    expect(Math.max(...during.map((r) => r.ms)), `slowest 503 over ${during.length}`).toBeLessThan(bound);
    expect(load.ackedIn('frozen') + load.ackedIn('killed'), 'nothing is acknowledged while the store is down').toBeLessThanOrEqual(8);

    // nothing half-written: exactly the acknowledged documents exist, and each reads back
    const n = await documentCount(d.s);
    expect(n).toBe(load.acked.size);
    expect(await readBackFailures(d.s.baseUrl, d.token, load.acked.values())).toEqual([]);
    const pendingBefore = await d.s.sql<{ state: string; n: number }[]>`select state, count(*)::int as n from upload_intents where state <> 'committed' group by state order by state`;

    const rec = await runCli(['reconcile', '--grace', '0', '--json'], { ...d.env, DATABASE_URL: d.s.cfg.databaseUrl!, QUILL_DATA_DIR: d.s.cfg.dataDir });
    expect(rec.code, rec.stderr).toBe(0);
    const r = JSON.parse(rec.stdout.trim().split('\n').pop()!);
    expect(r).toMatchObject({ missingBlobs: [], errors: [] });
    const intents = await d.s.sql<{ state: string; n: number }[]>`select state, count(*)::int as n from upload_intents group by state order by state`;
    const [row] = await d.s.sql<{ versions: number }[]>`select count(*)::int as versions from document_versions`;
    const versions = row!.versions;
    expect(intents.map((i) => [i.state, i.n])).toEqual([['committed', versions]]);
    const raw = s3Client(d.m);
    try {
      const left = await raw.send(new ListMultipartUploadsCommand({ Bucket: d.bucket }));
      expect(left.Uploads ?? [], 'unfinished multipart uploads left behind').toEqual([]);
    } finally {
      raw.destroy();
    }
    console.log(`[minio faults] before reconcile: ${JSON.stringify(pendingBefore)} unfinished intents; reconcile: ${rec.stdout.trim().split('\n').pop()}`);
  }, 600_000);
});
