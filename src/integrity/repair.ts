import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import type { Sql } from '../db/sql.ts';
import { VerifyingStream } from '../documents/verifying-stream.ts';
import { documentBlobKey } from '../domain/blob-keys.ts';
import type { BlobStore, BlobStores } from '../domain/ports.ts';
import { clearFlag } from '../documents/quarantine.ts';
import { checkVersion, digestObject } from './scrubber.ts';
import * as versions from '../documents/repository.ts';
import type { FlaggedVersion } from '../documents/repository.ts';

/**
 * `scrub --repair`: for every flagged version, look for another intact copy of exactly its bytes and restore from it.
 *   1. the object itself, re-read (restored from a backup outside the service): just clear the flag;
 *   2. another version of the same object key in its store (a versioned S3 bucket or Azure container keeps the
 *      original when the object is overwritten): repoint the row's blob_version_id to it;
 *   3. another document version with the same SHA-256 and size that is not itself flagged (the same file uploaded
 *      again, or an older identical version), in any configured store: copy its bytes (SHA-256 verified while
 *      streaming) to a fresh key in the version's store, read them back, then repoint the row.
 * Every restore is verified by re-reading, and audited (integrity.repair). What cannot be restored is listed as lost.
 */
export interface RepairOutcome {
  documentId: string;
  version: number;
  patient: string;
  filename: string | null;
  size: number;
  sha256: string;
  store: string;
  key: string;
  repaired: boolean;
  /** How it was repaired, or exactly what is lost. */
  detail: string;
}

export async function repairFlagged(sql: Sql, blobs: BlobStores, log: Logger): Promise<RepairOutcome[]> {
  const rows = await versions.flaggedVersions(sql);
  const out: RepairOutcome[] = [];
  for (const r of rows) {
    const base = { documentId: r.document_id, version: r.version, patient: r.patient_nhs, filename: r.filename, size: Number(r.size), sha256: r.sha256, store: r.blob_store, key: r.blob_key };
    try {
      const detail = await repairOne(sql, blobs, r);
      out.push({ ...base, repaired: detail !== null, detail: detail ?? lostText(r) });
      if (detail) log.warn({ documentId: r.document_id, version: r.version, detail }, 'scrub --repair: version restored');
      else log.error({ documentId: r.document_id, version: r.version }, 'scrub --repair: no intact copy; the bytes are lost');
    } catch (e) {
      out.push({ ...base, repaired: false, detail: `repair failed: ${(e as Error).message}` });
    }
  }
  return out;
}

const lostText = (r: FlaggedVersion) =>
  `LOST: no intact copy of document ${r.document_id} version ${r.version} (${r.filename ?? 'no filename'}, ${Number(r.size)} bytes, SHA-256 ${r.sha256}, patient ${r.patient_nhs}) exists in any configured store; restore the ${r.blob_store} object ${r.blob_key} from a backup, then run scrub again`;

async function repairOne(sql: Sql, blobs: BlobStores, r: FlaggedVersion): Promise<string | null> {
  const target = { documentId: r.document_id, version: r.version };
  const size = Number(r.size);
  // 1. the object itself
  if (!(await checkVersion(blobs, r))) {
    await clearFlag(sql, target, { how: 'the object verified again when re-read', store: r.blob_store, key: r.blob_key });
    return `the ${r.blob_store} object verifies again (restored outside the service); flag cleared`;
  }
  const store = await blobs.of(r.blob_store);
  // 2. another version of the same key
  const others: (string | null)[] = [];
  try {
    for await (const l of store.list(r.blob_key)) if (l.key === r.blob_key && l.versionId !== r.blob_version_id) others.push(l.versionId);
  } catch {
    // listing versions is an optimisation; fall through to other copies
  }
  for (const vid of others) {
    const d = await digestObject(store, r.blob_key, vid).catch(() => null);
    if (d?.sha256 === r.sha256 && d.size === size) {
      await sql.begin(async (tx) => {
        await versions.repointObjectVersion(tx, r, vid);
        await clearFlag(tx, target, { how: 'repointed to an intact object version of the same key', store: r.blob_store, key: r.blob_key, fromVersionId: r.blob_version_id, toVersionId: vid });
      });
      return `restored from object version ${vid ?? '(null)'} of ${r.blob_key} in ${r.blob_store}, which has the same SHA-256`;
    }
  }
  // 3. another document version with the same bytes
  const twins = await versions.intactTwins(sql, r, size);
  for (const t of twins) {
    let src: BlobStore;
    try {
      src = await blobs.of(t.blob_store);
    } catch {
      continue;
    }
    const key = documentBlobKey(r.document_id, randomUUID()); // the shape of every key the service writes
    let corrupt = false;
    const verifier = new VerifyingStream(r.sha256, size, () => (corrupt = true));
    let put;
    try {
      const body = await src.get(t.blob_key, t.blob_version_id);
      const [piped, stored] = await Promise.allSettled([pipeline(body, verifier), store.put(key, verifier, { contentType: 'application/octet-stream', expectedSha256: Buffer.from(r.sha256, 'hex') })]);
      if (piped.status === 'rejected' || stored.status === 'rejected' || corrupt) {
        if (stored.status === 'fulfilled') await store.delete(key, stored.value.versionId).catch(() => undefined);
        continue;
      }
      put = stored.value;
    } catch {
      continue;
    }
    const back = await digestObject(store, key, put.versionId).catch(() => null);
    if (back?.sha256 !== r.sha256 || back.size !== size) {
      await store.delete(key, put.versionId).catch(() => undefined);
      continue;
    }
    await sql.begin(async (tx) => {
      await versions.repointObject(tx, r, key, put.versionId);
      await clearFlag(tx, target, {
        how: 'copied from another version with the same SHA-256, verified',
        store: r.blob_store,
        oldKey: r.blob_key,
        newKey: key,
        from: { documentId: t.document_id, version: t.version, store: t.blob_store, key: t.blob_key },
      });
    });
    return `restored from document ${t.document_id} version ${t.version} (${t.blob_store} ${t.blob_key}, same SHA-256) to ${r.blob_store} ${key}, verified`;
  }
  return null;
}
