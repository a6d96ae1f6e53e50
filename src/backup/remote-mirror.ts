import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import { builtInStore } from '../config/store-config.ts';
import type { BlobStore } from '../domain/ports.ts';
import { baseDir, listBackups, META } from './catalog.ts';
import { planExpiry } from './expire.ts';
import { walArchiveDir } from '../db/archive-settings.ts';
import { parseSegmentName, isSegmentName } from './wal-names.ts';

/**
 * QUILL_BACKUP_STORE=s3|azure: the local repository (QUILL_BACKUP_DIR, where pg_basebackup and archive_command write)
 * is mirrored into a bucket/container under a prefix, so backups leave the machine. The store adapters of the live
 * blob store are reused (streamed uploads, SSE and SHA-256 checksums on S3). A backup's metadata file goes up last, so
 * a half-uploaded backup is never listed by `backup pull`. Remote objects are removed only by retention: never because
 * they are missing locally (a new machine after a disaster has an empty repository).
 */
export async function backupRemote(cfg: Config): Promise<{ store: BlobStore; prefix: string } | null> {
  const b = cfg.backup;
  if (b.store === 's3') {
    const { S3BlobStore } = await import('../blobstores/s3/s3-store.ts');
    return { store: new S3BlobStore({ ...builtInStore(cfg, 's3'), bucket: b.s3.bucket }), prefix: b.s3.prefix };
  }
  if (b.store === 'azure') {
    const { AzureBlobStore } = await import('../blobstores/azure/azure-store.ts');
    return { store: new AzureBlobStore({ ...builtInStore(cfg, 'azure'), container: b.azure.container }), prefix: b.azure.prefix };
  }
  return null;
}

export interface MirrorReport {
  uploaded: number;
  uploadedBytes: number;
  removed: number;
}

async function* localFiles(dir: string, rel = ''): AsyncIterable<{ rel: string; size: number }> {
  if (!existsSync(path.join(dir, rel))) return;
  for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* localFiles(dir, r);
    else if (e.isFile()) yield { rel: r, size: (await stat(path.join(dir, r))).size };
  }
}

/** Uploads what the remote lacks (finished backups and archived WAL), then applies retention remotely. */
export async function mirrorToRemote(cfg: Config, log: Logger, remote: { store: BlobStore; prefix: string }): Promise<MirrorReport> {
  const report: MirrorReport = { uploaded: 0, uploadedBytes: 0, removed: 0 };
  const have = new Map<string, { size: number; versions: (string | null)[] }>();
  for await (const o of remote.store.list(remote.prefix)) {
    const k = o.key.slice(remote.prefix.length);
    const cur = have.get(k) ?? { size: o.size, versions: [] };
    cur.versions.push(o.versionId);
    have.set(k, cur);
  }
  const finished = new Set((await listBackups(cfg.backup)).map((m) => m.id));
  const upload = async (rel: string, size: number) => {
    if (have.get(rel)?.size === size) return;
    await remote.store.put(`${remote.prefix}${rel}`, createReadStream(path.join(cfg.backup.dir, rel)), { contentType: 'application/octet-stream' });
    report.uploaded++;
    report.uploadedBytes += size;
  };
  for await (const f of localFiles(walArchiveDir(cfg.backup))) if (!f.rel.endsWith('.tmp')) await upload(`wal/${f.rel}`, f.size);
  for (const id of finished) {
    const metas: { rel: string; size: number }[] = [];
    for await (const f of localFiles(path.join(baseDir(cfg.backup), id))) {
      const rel = `base/${id}/${f.rel}`;
      if (f.rel === META) metas.push({ rel, size: f.size });
      else await upload(rel, f.size);
    }
    for (const m of metas) await upload(m.rel, m.size);
  }
  // retention, remotely: whatever is older than the local anchor (the oldest backup a restore in the window needs)
  // was expired locally; with no local full backup (a new, empty machine) nothing is removed
  const { anchor } = planExpiry(await listBackups(cfg.backup), cfg.backup.retentionDays);
  if (anchor) {
    const fromSeg = parseSegmentName(anchor.startWal).segno;
    const stampOf = (id: string) => id.split('-')[0]!;
    for (const [k, v] of have) {
      const [top, name = ''] = k.split('/');
      const expiredBase = top === 'base' && stampOf(name) < stampOf(anchor.id);
      const expiredWal = top === 'wal' && isSegmentName(name.slice(0, 24)) && parseSegmentName(name.slice(0, 24)).segno < fromSeg;
      if (!expiredBase && !expiredWal) continue;
      for (const version of v.versions) await remote.store.delete(`${remote.prefix}${k}`, version);
      report.removed++;
    }
  }
  if (report.uploaded || report.removed) log.info({ ...report, store: cfg.backup.store }, 'backup repository mirrored');
  return report;
}

/** `backup pull`: fetch the remote repository into QUILL_BACKUP_DIR (what is missing or differs), e.g. on a new machine. */
export async function pullFromRemote(cfg: Config, remote: { store: BlobStore; prefix: string }, onFile: (rel: string) => void = () => undefined): Promise<{ downloaded: number; bytes: number }> {
  const latest = new Map<string, { size: number; versionId: string | null; at: number }>();
  for await (const o of remote.store.list(remote.prefix)) {
    const k = o.key.slice(remote.prefix.length);
    const cur = latest.get(k);
    if (!cur || o.lastModified.getTime() > cur.at) latest.set(k, { size: o.size, versionId: o.versionId, at: o.lastModified.getTime() });
  }
  let downloaded = 0;
  let bytes = 0;
  // metadata files last: a backup appears locally only once all its files are there
  const keys = [...latest.keys()].sort((a, b) => Number(a.endsWith(META)) - Number(b.endsWith(META)));
  for (const k of keys) {
    const v = latest.get(k)!;
    const dest = path.join(cfg.backup.dir, ...k.split('/'));
    if (!dest.startsWith(cfg.backup.dir + path.sep)) continue; // never outside the repository
    if (existsSync(dest) && (await stat(dest)).size === v.size) continue;
    await mkdir(path.dirname(dest), { recursive: true });
    await pipeline(await remote.store.get(`${remote.prefix}${k}`, v.versionId), createWriteStream(`${dest}.download`));
    await rename(`${dest}.download`, dest);
    // WAL times matter (the restorable window, the WAL checked for a target): keep the remote's, not the download's
    await utimes(dest, new Date(v.at), new Date(v.at));
    downloaded++;
    bytes += v.size;
    onFile(k);
  }
  return { downloaded, bytes };
}
