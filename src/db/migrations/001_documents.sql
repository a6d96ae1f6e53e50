-- Documents, their versions, and the upload intents that make crash recovery possible.
create table documents (
  id               uuid primary key,
  patient_nhs      text not null check (patient_nhs ~ '^[0-9]{10}$'),
  type_system      text not null,
  type_code        text not null,
  type_display     text not null,
  category_system  text,
  category_code    text,
  category_display text,
  title            text not null,
  description      text,
  clinical_date    date,
  author           text,
  status           text not null default 'current' check (status in ('current', 'entered-in-error')),
  current_version  integer not null check (current_version >= 1),
  created_at       timestamptz not null default now(),
  created_by       text not null,
  updated_at       timestamptz not null default now(),
  entered_in_error_at     timestamptz,
  entered_in_error_by     text,
  entered_in_error_reason text,
  fhir_state       text not null default 'indexed' check (fhir_state in ('indexed', 'pending', 'failed')),
  fhir_id          text
);
create index documents_patient_created on documents (patient_nhs, created_at desc, id desc);

create table document_versions (
  document_id     uuid not null references documents (id),
  version         integer not null check (version >= 1),
  blob_store      text not null,
  blob_key        text not null,
  blob_version_id text,
  content_type    text not null,
  size            bigint not null check (size > 0),
  sha256          text not null check (sha256 ~ '^[0-9a-f]{64}$'),
  sha1            text not null check (sha1 ~ '^[0-9a-f]{40}$'),
  filename        text,
  created_at      timestamptz not null default now(),
  created_by      text not null,
  primary key (document_id, version),
  unique (blob_store, blob_key)
);

-- Written before any byte goes to the blob store; committed in the metadata transaction. An intent left
-- 'pending' past the grace period marks bytes that no metadata points at: `reconcile` removes them.
create table upload_intents (
  id          uuid primary key,
  document_id uuid not null,
  blob_store  text not null,
  blob_key    text not null unique,
  state       text not null default 'pending' check (state in ('pending', 'committed', 'aborted')),
  created_at  timestamptz not null default now(),
  created_by  text not null,
  finished_at timestamptz
);
create index upload_intents_pending on upload_intents (created_at) where state = 'pending';
