-- Integrity at rest (issue 10): when each version was last re-verified, versions whose bytes failed (downloads
-- refused until repaired), the scrubber's checkpoint, and a hash chain over the audit trail.

alter table document_versions
  add column last_verified_at timestamptz,
  add column integrity_failed_at timestamptz,
  add column integrity_detail text;
create index document_versions_integrity_failed on document_versions (integrity_failed_at) where integrity_failed_at is not null;
create index document_versions_verified on document_versions ((coalesce(last_verified_at, created_at)));

-- One row: where the current scrub pass has got to, and totals for /metrics.
create table integrity_scrub_state (
  id                  boolean primary key default true check (id),
  pass_started_at     timestamptz,
  cursor_document_id  uuid,
  cursor_version      integer,
  last_full_pass_at   timestamptz,
  last_pass_started_at timestamptz,
  bytes_verified      bigint not null default 0,
  versions_verified   bigint not null default 0,
  failures            bigint not null default 0,
  updated_at          timestamptz not null default now()
);
insert into integrity_scrub_state (id) values (true);

-- The audit hash chain, in 16 lanes. Each row's row_hash = sha256(prev_hash || canonical text of the row); its
-- (chain_lane, chain_seq) is the next position of one lane's chain; both are set by a trigger in the inserting
-- transaction under a row lock on that lane's head. One lane alone would serialise every audit-writing transaction
-- from its audit insert to its commit (the commit's WAL flush included: about 700 rows/s on this machine against
-- 4,500 unchained); a writer takes the first free lane (SKIP LOCKED, starting from its backend's own), so up to 16
-- commits proceed together. Every lane is a complete chain; `quill-docstore audit verify` recomputes them all in the
-- application, and the anchors in the blob store hold every lane's head.
alter table audit_events
  add column chain_lane smallint,
  add column chain_seq bigint,
  add column prev_hash bytea,
  add column row_hash bytea,
  add constraint audit_events_chain_position unique (chain_lane, chain_seq);

create table audit_chain_head (
  lane smallint primary key check (lane >= 0 and lane < 16),
  seq  bigint not null default 0,
  hash bytea not null default '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
);
insert into audit_chain_head (lane) select generate_series(0, 15);

-- The canonical text of a row: a JSON array of its chain position and every column, in this order, with `at` as
-- integer microseconds since the epoch (independent of the session time zone). audit verify spells the same expression.
create function audit_canonical(lane smallint, seq bigint, r audit_events) returns text language sql stable as $$
  select jsonb_build_array(lane, seq, r.id, (extract(epoch from r.at) * 1000000)::bigint, r.actor, r.roles, r.action, r.outcome,
    r.document_id, r.version, r.patient_nhs, r.error_code, r.detail, r.client_ip, r.user_agent, r.request_id)::text
$$;

create function audit_events_chain() returns trigger language plpgsql as $$
declare
  h audit_chain_head;
  first smallint := (pg_backend_pid() % 16)::smallint;
begin
  for i in 0..15 loop
    select * into h from audit_chain_head where lane = (first + i) % 16 for update skip locked;
    exit when found;
  end loop;
  if h.lane is null then
    select * into h from audit_chain_head where lane = first for update; -- every lane busy: wait for our own
  end if;
  new.chain_lane := h.lane;
  new.chain_seq := h.seq + 1;
  new.prev_hash := h.hash;
  new.row_hash := sha256(h.hash || convert_to(audit_canonical(new.chain_lane, new.chain_seq, new), 'UTF8'));
  update audit_chain_head set seq = new.chain_seq, hash = new.row_hash where lane = h.lane;
  return new;
end $$;

-- Rows written before this migration form lane 0, in id order (the append-only trigger is lifted for that only).
alter table audit_events disable trigger audit_events_no_update;
do $$
declare
  r audit_events;
  s bigint := 0;
  h bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
begin
  for r in select * from audit_events order by id loop
    s := s + 1;
    update audit_events set chain_lane = 0, chain_seq = s, prev_hash = h, row_hash = sha256(h || convert_to(audit_canonical(0::smallint, s, r), 'UTF8'))
      where id = r.id returning row_hash into h;
  end loop;
  update audit_chain_head set seq = s, hash = h where lane = 0;
end $$;
alter table audit_events enable trigger audit_events_no_update;

create trigger audit_events_chain before insert on audit_events for each row execute function audit_events_chain();
