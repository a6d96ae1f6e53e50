-- The append-only audit trail: every access and every refused or failed attempt.
create table audit_events (
  id          bigint generated always as identity primary key,
  at          timestamptz not null default clock_timestamp(),
  actor       text,
  roles       text[] not null default '{}',
  action      text not null,
  outcome     text not null check (outcome in ('success', 'denied', 'failed')),
  document_id uuid,
  version     integer,
  patient_nhs text,
  error_code  text,
  detail      jsonb,
  client_ip   text,
  user_agent  text,
  request_id  text
);
create index audit_events_at on audit_events (at desc, id desc);
create index audit_events_document on audit_events (document_id, at desc) where document_id is not null;
create index audit_events_patient on audit_events (patient_nhs, at desc) where patient_nhs is not null;
create index audit_events_actor on audit_events (actor, at desc);

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end $$;

create trigger audit_events_no_update before update or delete on audit_events
  for each row execute function audit_events_append_only();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_append_only();
