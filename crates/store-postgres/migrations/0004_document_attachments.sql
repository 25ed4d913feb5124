-- Document attachments (issue 3): a registered document's own files. The table came with
-- 0002; this records who attached each file (the audit log says it too, but the page lists
-- it) and indexes the blob key, as for evidence files, so that a blob's users are found
-- without a scan. Files are content-addressed blobs in `evidence_blobs`, stored on disk by
-- the web layer under <data-dir>/evidence/. (0003 is reserved for another change.)
ALTER TABLE document_attachments ADD COLUMN uploaded_by BIGINT REFERENCES users (id);
CREATE INDEX document_attachments_blob ON document_attachments (evidence_key);
