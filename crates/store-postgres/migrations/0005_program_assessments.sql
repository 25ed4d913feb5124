-- The latest plan-quality assessment of each program (issue 4): derived from the texts by
-- the analysis crate on issue and by `resolute rescan-plans`; read by dashboards to list
-- flagged units. Not an official record: recomputed, never audited.
CREATE TABLE program_assessments (
    program_id       BIGINT PRIMARY KEY REFERENCES programs (id),
    province_id      BIGINT NOT NULL,
    org_path         TEXT COLLATE "C" NOT NULL,
    root_document_id BIGINT NOT NULL,
    verdict          TEXT NOT NULL,
    copied_fraction  DOUBLE PRECISION NOT NULL,
    score            BIGINT NOT NULL,
    upper_is_program BOOLEAN NOT NULL,
    siblings         BIGINT NOT NULL,
    flagged          BOOLEAN NOT NULL,
    assessed_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX program_assessments_subtree ON program_assessments (root_document_id, org_path);
