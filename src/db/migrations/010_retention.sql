-- Records governance: retention per document, patient facts that move the clock, legal holds, reviewed disposal
-- with certificates of destruction, break-glass access marked in the audit trail.

-- Facts that move the retention clock, set by records managers (API or a PAS feed). Absent = not known.
create table patient_facts (
  patient_nhs      text primary key check (patient_nhs ~ '^[0-9]{10}$'),
  date_of_birth    date,
  date_of_death    date,
  last_contact     date,
  last_child_birth date,
  updated_at       timestamptz not null default now(),
  updated_by       text not null
);

alter table documents
  add column retention_class   text not null default 'adult',
  -- the last day the document must be kept; null = indefinitely, until a missing fact is recorded
  add column retain_until      date,
  add column retention_missing text[] not null default '{}',
  add column retention_basis   text,
  -- a fingerprint of the schedule the date was computed with: a changed schedule is applied by `reconcile`
  add column retention_schedule text,
  -- the retain-until date every stored object version carries (S3 Object Lock); retention never ends before it
  add column object_lock_until date,
  -- whether the stored object versions carry an S3 legal hold (kept in step with legal_holds by the service and reconcile)
  add column object_legal_hold boolean not null default false,
  -- set when an approved disposal has begun: the document is no longer served, and reconcile finishes the job
  add column disposal_id       uuid;
create index documents_retain_until on documents (retain_until) where retain_until is not null;

-- Legal holds (litigation, inquiry moratoria): one document, every document of a patient, or a document type over a
-- date range. A held document cannot be destroyed. Rows are never deleted: lifting records who and why.
create table legal_holds (
  id            uuid primary key,
  scope         text not null check (scope in ('document', 'patient', 'type')),
  document_id   uuid,
  patient_nhs   text,
  type_code     text,
  date_from     date,
  date_to       date,
  reason        text not null,
  set_by        text not null,
  set_at        timestamptz not null default now(),
  lifted_by     text,
  lifted_at     timestamptz,
  lift_reason   text,
  check ((scope = 'document') = (document_id is not null)),
  check ((scope = 'patient') = (patient_nhs is not null)),
  check ((scope = 'type') = (type_code is not null and date_from is not null and date_to is not null and date_from <= date_to))
);
create index legal_holds_active on legal_holds (scope) where lifted_at is null;

-- Whether a document is under any active hold.
create function document_on_hold(d documents) returns boolean language sql stable as $$
  select exists (
    select 1 from legal_holds h where h.lifted_at is null and (
      h.document_id = d.id
      or h.patient_nhs = d.patient_nhs
      or (h.type_code = d.type_code and coalesce(d.clinical_date, d.created_at::date) between h.date_from and h.date_to)))
$$;

-- A disposal batch: proposed by one records manager, approved by another records manager or an admin (four eyes).
create table disposal_batches (
  id           uuid primary key,
  state        text not null check (state in ('proposed', 'approved', 'rejected', 'completed')),
  reason       text not null,
  proposed_by  text not null,
  proposed_at  timestamptz not null default now(),
  decided_by   text,
  decided_at   timestamptz,
  decision_note text,
  completed_at timestamptz,
  check (decided_by is null or decided_by <> proposed_by)
);

create table disposal_items (
  batch_id    uuid not null references disposal_batches (id),
  document_id uuid not null,
  primary key (batch_id, document_id)
);

-- The certificate of destruction: written (state 'destroying') in the transaction that approves the batch, before any
-- byte is deleted, and completed in the transaction that removes the metadata. Never deleted.
create table destruction_certificates (
  id              uuid primary key,
  batch_id        uuid not null references disposal_batches (id),
  document_id     uuid not null unique,
  state           text not null check (state in ('destroying', 'destroyed')),
  patient_nhs     text not null,
  type_system     text not null,
  type_code       text not null,
  type_display    text not null,
  title           text not null,
  clinical_date   date,
  document_created_at timestamptz not null,
  retention_class text not null,
  retain_until    date not null,
  retention_basis text,
  versions        jsonb not null,
  proposed_by     text not null,
  proposed_at     timestamptz not null,
  approved_by     text not null,
  approved_at     timestamptz not null,
  destroyed_at    timestamptz
);
create index destruction_certificates_destroying on destruction_certificates (approved_at) where state = 'destroying';

-- Break-glass reads carry their stated reason in detail.breakGlass (no new audit column: rows stay as they are
-- written); this index makes `GET /v1/audit?breakGlass=true` cheap.
create index audit_events_break_glass on audit_events (at desc, id desc) where detail ? 'breakGlass';
