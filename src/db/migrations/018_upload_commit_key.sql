-- The commit of a resumable (tus) upload is keyed by its upload (issue 21). A failover can cut a commit after the
-- server committed it: the client is told 503, the upload still says `receiving`, and its retry (an empty PATCH at the
-- full offset) would make a second document of the same bytes. The intent now names the upload it commits, a retry
-- finds the committed one and answers with it, and at most one intent per upload can ever be committed (a retry that
-- races a commit whose outcome is not known yet waits on this index for it, then fails).
alter table upload_intents add column resumable_upload_id uuid;
create unique index upload_intents_one_commit_per_upload on upload_intents (resumable_upload_id) where state = 'committed';
