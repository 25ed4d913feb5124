-- The latest plan-quality assessment of each program (issue 4): derived from the texts by
-- the analysis crate on issue and by `resolute rescan-plans`; read by dashboards to list
-- flagged units. Not an official record: recomputed, never audited.
CREATE TABLE program_assessments (
    program_id       INTEGER PRIMARY KEY REFERENCES programs (id),
    province_id      INTEGER NOT NULL,
    org_path         TEXT NOT NULL,
    root_document_id INTEGER NOT NULL,
    verdict          TEXT NOT NULL,
    copied_fraction  REAL NOT NULL,
    score            INTEGER NOT NULL,
    upper_is_program INTEGER NOT NULL,
    siblings         INTEGER NOT NULL,
    flagged          INTEGER NOT NULL,
    assessed_at      TEXT NOT NULL
) STRICT;
CREATE INDEX program_assessments_subtree ON program_assessments (root_document_id, org_path);
