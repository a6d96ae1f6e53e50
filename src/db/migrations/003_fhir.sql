-- The built-in FHIR R4 index: one DocumentReference per document, updated in the same transaction as the metadata.
create table fhir_document_references (
  id             uuid primary key references documents (id),
  version_id     integer not null,
  patient_nhs    text not null,
  status         text not null,
  type_system    text not null,
  type_code      text not null,
  category_system text,
  category_code  text,
  date           timestamptz not null,
  period_start   date,
  identifier     text not null,
  last_updated   timestamptz not null,
  resource       jsonb not null
);
create index fhir_docref_patient on fhir_document_references (patient_nhs, date desc, id);

-- Work for a remote FHIR server (QUILL_FHIR_URL), written in the metadata transaction and drained by the worker.
create table fhir_outbox (
  id              bigint generated always as identity primary key,
  document_id     uuid not null references documents (id),
  created_at      timestamptz not null default now(),
  attempts        integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_error      text,
  done_at         timestamptz
);
create index fhir_outbox_due on fhir_outbox (next_attempt_at) where done_at is null;
