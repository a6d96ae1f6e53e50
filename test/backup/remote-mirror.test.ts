// QUILL_BACKUP_STORE=s3|azure: the backup repository is mirrored into a bucket on a real S3 server (SeaweedFS) or a
// container on Azurite, pulled back onto an empty machine intact, and retention is applied remotely too — but never
// because the local repository is empty.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/bootstrap.ts';
import { loadConfig, type Config } from '../../src/config/config.ts';
import type { BackupMeta } from '../../src/backup/catalog.ts';
import { expireBackups } from '../../src/backup/expire.ts';
import { backupRemote, mirrorToRemote, pullFromRemote } from '../../src/backup/remote-mirror.ts';
import { createVersionedBucket, startSeaweed, type SeaweedServer } from '../support/seaweedfs.ts';
import { startAzurite, type AzuriteServer } from '../support/azurite.ts';
import { BlobServiceClient } from '@azure/storage-blob';
import { requireServers } from '../support/live-stores.ts';

const run = requireServers('backup repository mirrored to S3 and Azure');

let sw: SeaweedServer;
let az: AzuriteServer;
let tmp = '';
const log = createLogger('silent');
const day = 86_400_000;

function config(dir: string): Config {
  return loadConfig({
    QUILL_DATA_DIR: path.join(tmp, 'data'),
    QUILL_BACKUP_DIR: dir,
    QUILL_BACKUP_STORE: 's3',
    QUILL_BACKUP_S3_BUCKET: 'backups',
    QUILL_BACKUP_S3_PREFIX: 'site-a/',
    QUILL_S3_ENDPOINT: sw.endpoint,
    QUILL_S3_FORCE_PATH_STYLE: 'true',
  });
}

/** A backup directory as runBackup leaves it (the files' contents do not matter to the mirror). */
async function fakeBackup(dir: string, daysAgo: number, kind: 'full' | 'incremental', seg: number, parent: string | null = null): Promise<string> {
  const t = new Date(Date.now() - daysAgo * day);
  const id = `${t.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${kind === 'full' ? 'full' : 'incr'}`;
  const segName = `00000001000000000000${seg.toString(16).toUpperCase().padStart(4, '0')}`;
  const meta: BackupMeta = { id, kind, parent, startedAt: t.toISOString(), finishedAt: new Date(t.getTime() + 60_000).toISOString(), startLsn: `0/${(seg * 0x1000000).toString(16).toUpperCase()}`, stopLsn: '0/0', timeline: 1, startWal: segName, sizeBytes: 1, verified: true, verifiedAt: t.toISOString(), systemIdentifier: '1', serverVersion: '18.4' };
  await mkdir(path.join(dir, 'base', id, 'data', 'global'), { recursive: true });
  await writeFile(path.join(dir, 'base', id, 'data', 'global', 'pg_control'), `control of ${id}`);
  await writeFile(path.join(dir, 'base', id, 'data', 'backup_manifest'), `manifest of ${id}`);
  await writeFile(path.join(dir, 'base', id, 'quill-backup.json'), JSON.stringify(meta));
  await mkdir(path.join(dir, 'wal'), { recursive: true });
  await writeFile(path.join(dir, 'wal', segName), `wal ${segName}`.repeat(100));
  return id;
}

async function remoteKeys(cfg: Config): Promise<string[]> {
  const remote = (await backupRemote(cfg))!;
  const keys: string[] = [];
  for await (const o of remote.store.list(remote.prefix)) keys.push(o.key.slice(remote.prefix.length));
  return [...new Set(keys)].sort();
}

beforeAll(async () => {
  if (!run) return;
  tmp = await mkdtemp(path.join(os.tmpdir(), 'quill-mirror-'));
  await chmod(tmp, 0o755);
  [sw, az] = await Promise.all([startSeaweed(), startAzurite()]);
  await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('backups').create();
  process.env.AWS_ACCESS_KEY_ID = sw.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = sw.secretAccessKey;
  process.env.AWS_REGION = sw.region;
  await createVersionedBucket(sw.endpoint, { accessKeyId: sw.accessKeyId, secretAccessKey: sw.secretAccessKey, region: sw.region }, 'backups');
});

afterAll(async () => {
  await sw?.stop();
  await az?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe.runIf(run)('backup repository mirrored to S3', () => {
  it('uploads finished backups and WAL (not interrupted ones), once, and pulls them back byte for byte', async () => {
    const dir = path.join(tmp, 'repo-a');
    const cfg = config(dir);
    const full = await fakeBackup(dir, 2, 'full', 2);
    const incr = await fakeBackup(dir, 1, 'incremental', 3, full);
    await mkdir(path.join(dir, 'base', 'x.partial', 'data'), { recursive: true });
    await writeFile(path.join(dir, 'base', 'x.partial', 'data', 'half'), 'interrupted');
    const remote = (await backupRemote(cfg))!;
    const first = await mirrorToRemote(cfg, log, remote);
    expect(first.uploaded).toBe(8); // 3 files per backup + 2 WAL segments
    expect(await remoteKeys(cfg)).toEqual([
      `base/${full}/data/backup_manifest`, `base/${full}/data/global/pg_control`, `base/${full}/quill-backup.json`,
      `base/${incr}/data/backup_manifest`, `base/${incr}/data/global/pg_control`, `base/${incr}/quill-backup.json`,
      'wal/000000010000000000000002', 'wal/000000010000000000000003',
    ]);
    expect((await mirrorToRemote(cfg, log, remote)).uploaded).toBe(0);

    // a new machine: empty repository; mirroring from it removes nothing, pulling restores everything
    const fresh = config(path.join(tmp, 'repo-new'));
    expect((await mirrorToRemote(fresh, log, (await backupRemote(fresh))!)).removed).toBe(0);
    const pulled = await pullFromRemote(fresh, (await backupRemote(fresh))!);
    expect(pulled.downloaded).toBe(8);
    const digest = async (p: string) => createHash('sha256').update(await readFile(p)).digest('hex');
    for (const rel of await remoteKeys(cfg)) expect(await digest(path.join(tmp, 'repo-new', rel)), rel).toBe(await digest(path.join(dir, rel)));
  });

  it('expires remotely what retention expired locally, keeping what a restore in the window needs', async () => {
    const dir = path.join(tmp, 'repo-b');
    const cfg = loadConfig({ ...Object.fromEntries(Object.entries(process.env)), QUILL_DATA_DIR: path.join(tmp, 'data'), QUILL_BACKUP_DIR: dir, QUILL_BACKUP_STORE: 's3', QUILL_BACKUP_S3_BUCKET: 'backups', QUILL_BACKUP_S3_PREFIX: 'site-b/', QUILL_S3_ENDPOINT: sw.endpoint, QUILL_S3_FORCE_PATH_STYLE: 'true' });
    const old = await fakeBackup(dir, 40, 'full', 2);
    const anchor = await fakeBackup(dir, 33, 'full', 5);
    const inWindow = await fakeBackup(dir, 10, 'incremental', 9, anchor);
    const remote = (await backupRemote(cfg))!;
    await mirrorToRemote(cfg, log, remote);
    expect((await expireBackups(cfg.backup, log)).backupsRemoved).toEqual([old]);
    const r = await mirrorToRemote(cfg, log, remote);
    expect(r.removed).toBe(4); // the old backup's 3 files and its WAL segment
    const keys = await remoteKeys(cfg);
    expect(keys.some((k) => k.includes(old))).toBe(false);
    expect(keys).toContain(`base/${anchor}/quill-backup.json`);
    expect(keys).toContain(`base/${inWindow}/quill-backup.json`);
    expect(keys).toEqual(expect.arrayContaining(['wal/000000010000000000000005', 'wal/000000010000000000000009']));
    expect(keys).not.toContain('wal/000000010000000000000002');
  });
});

describe.runIf(run)('backup repository mirrored to Azure Blob (Azurite)', () => {
  it('uploads, pulls back byte for byte, and never removes remote backups from an empty machine', async () => {
    const azureConfig = (dir: string) =>
      loadConfig({ QUILL_DATA_DIR: path.join(tmp, 'data'), QUILL_BACKUP_DIR: dir, QUILL_BACKUP_STORE: 'azure', QUILL_BACKUP_AZURE_CONTAINER: 'backups', QUILL_BACKUP_AZURE_PREFIX: 'site-c/', AZURE_STORAGE_CONNECTION_STRING: az.connectionString });
    const dir = path.join(tmp, 'repo-az');
    const cfg = azureConfig(dir);
    const full = await fakeBackup(dir, 1, 'full', 7);
    const first = await mirrorToRemote(cfg, log, (await backupRemote(cfg))!);
    expect(first.uploaded).toBe(4);
    expect(await remoteKeys(cfg)).toEqual([`base/${full}/data/backup_manifest`, `base/${full}/data/global/pg_control`, `base/${full}/quill-backup.json`, 'wal/000000010000000000000007']);
    const fresh = azureConfig(path.join(tmp, 'repo-az-new'));
    expect((await mirrorToRemote(fresh, log, (await backupRemote(fresh))!)).removed).toBe(0);
    expect((await pullFromRemote(fresh, (await backupRemote(fresh))!)).downloaded).toBe(4);
    for (const rel of await remoteKeys(cfg)) expect(await readFile(path.join(tmp, 'repo-az-new', rel), 'utf8')).toBe(await readFile(path.join(dir, rel), 'utf8'));
  });
});
