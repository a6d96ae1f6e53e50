-- tus resumable uploads (issue 13). Everything an instance needs to resume an upload another instance started
-- lives here and in the blob store (one object per received part under uploads/<id>/), never in memory.
create table resumable_uploads (
  id             uuid primary key,
  created_by     text not null,
  patient_nhs    text not null check (patient_nhs ~ '^[0-9]{10}$'),
  -- set when the upload adds a version to an existing document
  target_document_id uuid,
  metadata       jsonb not null,
  upload_length  bigint not null check (upload_length > 0),
  upload_offset  bigint not null default 0 check (upload_offset >= 0 and upload_offset <= upload_length),
  blob_store     text not null,
  -- [{ "key", "versionId", "offset", "size" }], in offset order; only parts listed here count
  parts          jsonb not null default '[]'::jsonb,
  state          text not null default 'receiving' check (state in ('receiving', 'committed', 'failed', 'terminated', 'expired')),
  error_code     text,
  document_id    uuid,
  document_version integer,
  -- claimed by the request that turns the received parts into a document (one at a time, across instances)
  commit_started_at timestamptz,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  expires_at     timestamptz not null
);
create index resumable_uploads_expiry on resumable_uploads (expires_at) where state = 'receiving';
