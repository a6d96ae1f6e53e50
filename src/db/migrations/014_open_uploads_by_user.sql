-- Second security review (issue 25): a user's open resumable uploads are counted at every creation
-- (QUILL_MAX_OPEN_UPLOADS), so the count reads only that user's receiving uploads.
create index resumable_uploads_open_by_user on resumable_uploads (created_by) where state = 'receiving';
