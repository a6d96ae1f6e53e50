-- FHIR outbox leases: a worker claims a document's queued rows in a short transaction (a lease), calls the remote
-- FHIR server outside any transaction, then records the outcome in another short one. A worker that dies leaves its
-- lease to expire; nothing stays locked across a network call.
create table fhir_index_leases (
  document_id uuid primary key references documents (id),
  owner       text not null,
  lease_until timestamptz not null
);

-- This deployment's identity (one row). Resources this deployment writes to a shared FHIR server are tagged with it,
-- so `reconcile --fhir` never touches another deployment's (staging, another trust) index entries. A restored
-- database keeps its identity; a new database is a new deployment.
create table deployment (
  id         uuid primary key default gen_random_uuid(),
  singleton  boolean not null default true unique check (singleton),
  created_at timestamptz not null default now()
);
insert into deployment default values;
