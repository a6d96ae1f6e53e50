-- Resumable uploads at plain-upload speed (issue 26): each PATCH's bytes are appended to one object the store puts
-- together (fs: one file; S3: one multipart upload; Azure: staged blocks), which the commit makes the document's
-- object without copying it. `parts` stays for uploads started before this migration (read once into a composed
-- object at their next request).
alter table resumable_uploads
  -- the key the document's bytes appear under at the commit: documents/<document id>/<uuid>, chosen at the first PATCH
  add column blob_key text,
  -- the id a new document gets at the commit (the one blob_key names); null for a new version of target_document_id
  add column new_document_id uuid,
  -- the store's state of the object being put together (domain/ports.ts ComposeState), null before the first PATCH
  add column compose jsonb,
  -- the type the first bytes were recognised as (magic bytes), checked at the first PATCH and recorded at the commit
  add column content_type text,
  -- the one request writing bytes now (any instance): a lease renewed while it streams, so a second PATCH waits its turn
  -- instead of writing the same bytes of the same object
  add column writer uuid,
  add column writer_until timestamptz,
  -- set once the commit has made the object visible under blob_key (a retried commit does not do it twice)
  add column finished jsonb;
