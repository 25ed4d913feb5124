-- Study (issue 5), second part: conferences are corrected and cancelled, materials are
-- withdrawn. Nothing is deleted: a cancelled conference keeps its row (shown as cancelled,
-- left out of the members' lists of conferences to attend) and a withdrawn material keeps
-- its row and file (hidden from members); the audit log has who and when. Mirrors the
-- SQLite migration.
ALTER TABLE study_sessions ADD COLUMN cancelled_at TIMESTAMPTZ;
ALTER TABLE study_sessions ADD COLUMN cancelled_by BIGINT;
ALTER TABLE study_sessions ADD COLUMN cancel_reason TEXT;
ALTER TABLE study_sessions ADD COLUMN updated_at TIMESTAMPTZ;
ALTER TABLE study_materials ADD COLUMN withdrawn_at TIMESTAMPTZ;
ALTER TABLE study_materials ADD COLUMN withdrawn_by BIGINT;
