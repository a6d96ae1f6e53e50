-- IHE MHD SubmissionSets (issue 24): the List a Document Source sends with each ITI-65 Provide Document Bundle
-- (POST /fhir), kept as received and found by ITI-66 (GET /fhir/List). Written in the bundle's one transaction,
-- beside its documents (src/mhd/repository.ts).
create table submission_sets (
  id                uuid primary key,
  patient_nhs       text not null,
  status            text not null,
  code              text not null,
  -- its uniqueId (the identifier whose use is 'usual'), as system|value: the same bundle sent twice is refused
  unique_id         text unique,
  -- every List.identifier as system|value and as its bare value (the two forms of a token search)
  identifiers       text[] not null,
  -- the ihe-sourceId extension: the Document Source that sent it
  source_id         text,
  -- List.date (when it was submitted), else when it was received
  date              timestamptz not null,
  created_by        text not null,
  created_at        timestamptz not null default now(),
  -- the List as received without id, meta and entry (its entries are the rows below)
  resource          jsonb not null,
  -- when it was written to the remote FHIR server (QUILL_FHIR_URL), riding on its documents' outbox rows; null: not yet
  remote_written_at timestamptz
);
create index submission_sets_patient on submission_sets (patient_nhs, date desc, id);

-- A SubmissionSet's entries in order: the document each delivered (set to null when the document is disposed of, so
-- the set records that it delivered one) and the masterIdentifier the Document Source sent it with (its uniqueId;
-- the store names the document by its own urn:uuid).
create table submission_set_entries (
  submission_set_id    uuid not null references submission_sets (id),
  position             integer not null,
  document_id          uuid references documents (id) on delete set null,
  submitted_identifier jsonb,
  primary key (submission_set_id, position)
);
create index submission_set_entries_document on submission_set_entries (document_id) where document_id is not null;
