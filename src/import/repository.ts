import type { Db } from '../db/sql.ts';

/** Every statement on imported_documents: which document each legacy source record became. */

export interface ImportedDocument {
  sourceId: string;
  documentId: string;
  path: string;
  line: number;
}

export interface NewImportedDocument extends ImportedDocument {
  sha256: string;
  importedBy: string;
  runId: string;
}

/** The records of these source ids already imported (one statement for a batch of manifest rows). */
export async function findImported(db: Db, sourceIds: string[]): Promise<Map<string, ImportedDocument>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await db<ImportedDocument[]>`select source_id as "sourceId", document_id as "documentId", path, line
    from imported_documents where source_id = any(${sourceIds}::text[])`;
  return new Map(rows.map((r) => [r.sourceId, r]));
}

/** Inside the upload's commit transaction: a source id imported meanwhile (another run) fails it with 23505. */
export async function insertImported(db: Db, r: NewImportedDocument): Promise<void> {
  await db`insert into imported_documents (source_id, document_id, path, line, sha256, imported_by, run_id)
    values (${r.sourceId}, ${r.documentId}, ${r.path}, ${r.line}, ${r.sha256}, ${r.importedBy}, ${r.runId})`;
}
