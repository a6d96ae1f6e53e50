-- The patient list's hot path (issue 12): a page is one index scan of documents (documents_patient_created) joined
-- to each row's current version. The version's listed columns ride in the primary key's index (INCLUDE), so that
-- half of the join is an index-only scan rather than a heap visit per row. Rebuilding the key takes a short
-- exclusive lock on document_versions (seconds per million versions).
alter table document_versions drop constraint document_versions_pkey;
alter table document_versions add constraint document_versions_pkey primary key (document_id, version) include (content_type, size, sha256, filename);
