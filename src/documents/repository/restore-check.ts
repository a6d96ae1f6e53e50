import type { Db } from '../../db/sql.ts';

/** The restore check (backup/verify-restore.ts): read-only, against whichever database it checks. */

export interface StoredVersionRow {
  document_id: string;
  version: number;
  blob_store: string;
  blob_key: string;
  blob_version_id: string | null;
  sha256: string;
  size: bigint;
}

export function allVersions(db: Db): Promise<StoredVersionRow[]> {
  return db<StoredVersionRow[]>`select document_id, version, blob_store, blob_key, blob_version_id, sha256, size from document_versions order by document_id, version`;
}

export async function documentCount(db: Db): Promise<number> {
  const [r] = await db<{ n: number }[]>`select count(*)::int as n from documents`;
  return r?.n ?? 0;
}

/** When the newest version was written: the restore point of a database restored to "the latest". */
export async function newestVersionAt(db: Db): Promise<Date | null> {
  const [r] = await db<{ t: Date | null }[]>`select max(created_at) as t from document_versions`;
  return r?.t ?? null;
}

/** Every document with its current version's SHA-256. */
export function currentVersionDigests(db: Db): Promise<{ id: string; status: string; current_version: number; sha256: string }[]> {
  return db`
    select d.id, d.status, d.current_version, v.sha256
    from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version`;
}
