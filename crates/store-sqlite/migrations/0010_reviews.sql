-- Reports and reviews (issue 13): a unit's periodic report for one period of a cascade's
-- schedule, its interim review (sơ kết) and final review (tổng kết) of a resolution.
--
-- A report is written by its unit as a draft, then submitted: it gets the next number of
-- the unit's report series (`12-BC/HU`), its factual part is frozen in `facts_json`, and
-- nothing in the row changes any more except `state`/`superseded_by` when a correction
-- supersedes it. Nothing is deleted. At most one draft and one submitted version exist
-- per (unit, chain, kind, period). The first submission for a period is what the
-- cascade's report ledger counts (on time or late); `unit_reports` (0002) is no longer
-- written.
CREATE TABLE reports (
    id               INTEGER PRIMARY KEY,
    province_id      INTEGER NOT NULL,
    org_id           INTEGER NOT NULL REFERENCES organizations (id),
    root_document_id INTEGER NOT NULL REFERENCES documents (id),
    cascade_unit_id  INTEGER REFERENCES cascade_units (id),
    kind             TEXT NOT NULL,            -- periodic | interim | final
    period_start     TEXT NOT NULL,
    period_end       TEXT NOT NULL,
    due_on           TEXT,
    state            TEXT NOT NULL,            -- draft | submitted | superseded
    supersedes       INTEGER REFERENCES reports (id),
    superseded_by    INTEGER REFERENCES reports (id),
    number           INTEGER,
    symbol           TEXT,
    term             TEXT,
    assessment_md    TEXT NOT NULL,
    causes_md        TEXT NOT NULL,
    lessons_md       TEXT NOT NULL,
    proposals_md     TEXT NOT NULL,
    facts_json       TEXT,                     -- the factual part, frozen at submission
    held_on          TEXT,                     -- reviews: the conference
    chair            TEXT,
    invited          INTEGER,
    present          INTEGER,
    file_key         TEXT REFERENCES evidence_blobs (key), -- reviews: the signed document
    file_name        TEXT,
    submitted_on     TEXT,
    late             INTEGER NOT NULL DEFAULT 0,
    submitted_by     INTEGER,
    created_by       INTEGER,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX reports_unit ON reports (org_id, root_document_id, kind, period_start);
CREATE INDEX reports_cascade_unit ON reports (cascade_unit_id, kind, period_start)
    WHERE state <> 'draft';
CREATE UNIQUE INDEX reports_one_draft ON reports (org_id, root_document_id, kind, period_start)
    WHERE state = 'draft';
CREATE UNIQUE INDEX reports_one_current ON reports (org_id, root_document_id, kind, period_start)
    WHERE state = 'submitted';
CREATE INDEX reports_series ON reports (org_id, term, number);

-- The decisions of a review: new or adjusted tasks (added to the unit's program as a
-- revision: `program_id` names the draft they were added to), and units or people
-- proposed for commendation or criticism (read by the evaluation capability).
CREATE TABLE report_decisions (
    id                INTEGER PRIMARY KEY,
    province_id       INTEGER NOT NULL,
    report_id         INTEGER NOT NULL REFERENCES reports (id),
    position          INTEGER NOT NULL,
    kind              TEXT NOT NULL,           -- task | commend | criticize
    subject           TEXT NOT NULL,
    reason            TEXT,
    deadline          TEXT,
    program_id        INTEGER REFERENCES programs (id)
) STRICT;
CREATE INDEX report_decisions_report ON report_decisions (report_id, position);
CREATE INDEX report_decisions_kind ON report_decisions (province_id, kind);
