-- Bulk import of a legacy archive (quill-docstore import): which document each source record became. The row is
-- written in the same transaction as the document, its version and its audit row, so a record is either imported
-- (and this row says where to) or not at all: a killed import run again skips what is here and does the rest.
-- No foreign key to documents: a document disposed of under the retention schedule loses its documents row, and its
-- mapping must stay, or running the manifest again would bring the destroyed record back.
create table imported_documents (
  source_id   text primary key check (length(source_id) between 1 and 500),
  document_id uuid not null unique,
  -- the row as the manifest named it: the same source id under another path is a conflict, not a resumed row
  path        text not null,
  line        integer not null,
  sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  imported_at timestamptz not null default now(),
  imported_by text not null,
  -- the run's request id, as every audit row of that run carries it
  run_id      text not null
);
