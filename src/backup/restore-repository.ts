import type { Db } from '../db/sql.ts';

/** SQL of the restore check (verify-restore.ts), read-only, against whichever database it checks. */

export interface StoredVersionRow {
  document_id: string;
  version: number;
  blob_store: string;
  blob_key: string;
  blob_version_id: string | null;
  sha256: string;
  size: bigint;
}

export interface IndexedDocumentRow {
  id: string;
  status: string;
  current_version: number;
  sha256: string;
  idx_id: string | null;
  idx_status: string | null;
  resource: { content?: { attachment?: { extension?: { url: string; valueString?: string }[] } }[] } | null;
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

/** Each document's current version beside its built-in index entry (null idx_id: none). */
export function documentsWithIndexEntries(db: Db): Promise<IndexedDocumentRow[]> {
  return db<IndexedDocumentRow[]>`
    select d.id, d.status, d.current_version, v.sha256, f.id as idx_id, f.status as idx_status, f.resource
    from documents d join document_versions v on v.document_id = d.id and v.version = d.current_version
    left join fhir_document_references f on f.id = d.id`;
}

/** Built-in index entries whose document the metadata does not hold. */
export async function orphanIndexEntries(db: Db): Promise<number> {
  const [r] = await db<{ n: number }[]>`select count(*)::int as n from fhir_document_references f where not exists (select 1 from documents d where d.id = f.id)`;
  return r?.n ?? 0;
}
