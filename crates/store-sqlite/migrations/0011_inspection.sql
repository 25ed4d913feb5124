-- Inspection and supervision (issue 16), SQLite dialect: a body's program for the year, its items with
-- subjects and team, the subjects' self-reports, findings, the conclusion notice,
-- recommendations and their remediation. docs/INSPECTION.md explains the columns. The
-- steps and time limits are data in domain::inspection, not here. Nothing is deleted.
-- Paths copied here (`org_path`, `acting_path`) are rewritten by restructurings.

-- The year's program of one body (a committee, its inspection committee, the Fatherland
-- Front or a mass organization at a unit's level).
CREATE TABLE inspection_programs (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    org_path    TEXT NOT NULL,
    body_kind   TEXT NOT NULL,
    year        INTEGER NOT NULL,
    title       TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, body_kind, year)
) STRICT;
CREATE INDEX inspection_programs_subtree ON inspection_programs (org_path);

CREATE TABLE inspection_items (
    id                  INTEGER PRIMARY KEY,
    province_id         INTEGER NOT NULL,
    program_id          INTEGER NOT NULL REFERENCES inspection_programs (id),
    org_id              INTEGER NOT NULL REFERENCES organizations (id),
    org_path            TEXT NOT NULL,
    body_kind           TEXT NOT NULL,
    kind                TEXT NOT NULL,
    title               TEXT NOT NULL,
    content_md          TEXT NOT NULL,
    document_id         INTEGER REFERENCES documents (id),
    content_program_id  INTEGER REFERENCES programs (id),
    period_from         TEXT,
    period_to           TEXT,
    starts_on           TEXT NOT NULL,
    ends_on             TEXT NOT NULL,
    self_report_due     TEXT,
    state               TEXT NOT NULL,
    notified_on         TEXT,
    reported_on         TEXT,
    concluded_on        TEXT,
    notice_year         INTEGER,
    notice_number       INTEGER,
    notice_symbol       TEXT,
    conclusion_md       TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
) STRICT;
CREATE INDEX inspection_items_program ON inspection_items (program_id, starts_on);
CREATE INDEX inspection_items_subtree ON inspection_items (org_path, starts_on);
CREATE UNIQUE INDEX inspection_items_notice
    ON inspection_items (org_id, body_kind, notice_year, notice_number)
    WHERE notice_number IS NOT NULL;

-- Who is inspected or supervised: a unit, or a member holding a position there; with its
-- self-report once submitted.
CREATE TABLE inspection_subjects (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    item_id     INTEGER NOT NULL REFERENCES inspection_items (id),
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    org_path    TEXT NOT NULL,
    member_id   INTEGER REFERENCES members (id),
    report_md   TEXT,
    reported_at TEXT,
    reported_by INTEGER
) STRICT;
CREATE INDEX inspection_subjects_item ON inspection_subjects (item_id);
CREATE INDEX inspection_subjects_subtree ON inspection_subjects (org_path);

CREATE TABLE inspection_team (
    item_id   INTEGER NOT NULL REFERENCES inspection_items (id),
    member_id INTEGER NOT NULL REFERENCES members (id),
    role      TEXT NOT NULL,
    PRIMARY KEY (item_id, member_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX inspection_team_member ON inspection_team (member_id);

-- Files of a self-report (`owner` 'subject') or of a remediation ('remediation').
CREATE TABLE inspection_files (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    owner       TEXT NOT NULL,
    owner_id    INTEGER NOT NULL,
    blob_key    TEXT NOT NULL REFERENCES evidence_blobs (key),
    file_name   TEXT NOT NULL,
    uploaded_by INTEGER,
    uploaded_at TEXT NOT NULL
) STRICT;
CREATE INDEX inspection_files_owner ON inspection_files (owner, owner_id);

-- What was found, tied to what it is about (`about_kind`: general, task, target,
-- program (+ `about_part`, a section), study (a document), report).
CREATE TABLE inspection_findings (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    item_id     INTEGER NOT NULL REFERENCES inspection_items (id),
    subject_id  INTEGER NOT NULL REFERENCES inspection_subjects (id),
    kind        TEXT NOT NULL,
    about_kind  TEXT NOT NULL,
    about_id    INTEGER,
    about_part  TEXT,
    text        TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX inspection_findings_item ON inspection_findings (item_id);
CREATE INDEX inspection_findings_subject_org ON inspection_findings (about_kind, about_id);

CREATE TABLE inspection_recommendations (
    id                    INTEGER PRIMARY KEY,
    province_id           INTEGER NOT NULL,
    item_id               INTEGER NOT NULL REFERENCES inspection_items (id),
    position              INTEGER NOT NULL,
    acting_org_id         INTEGER NOT NULL REFERENCES organizations (id),
    acting_path           TEXT NOT NULL,
    text                  TEXT NOT NULL,
    deadline              TEXT NOT NULL,
    concluded_on          TEXT NOT NULL,
    state                 TEXT NOT NULL,
    responsible_member_id INTEGER REFERENCES members (id),
    task_id               INTEGER REFERENCES tasks (id),
    program_id            INTEGER REFERENCES programs (id),
    closed_on             TEXT,
    updated_at            TEXT NOT NULL
) STRICT;
CREATE INDEX inspection_recommendations_item ON inspection_recommendations (item_id, position);
CREATE INDEX inspection_recommendations_acting ON inspection_recommendations (acting_path);
CREATE INDEX inspection_recommendations_task ON inspection_recommendations (task_id);

-- Each remediation report and the inspecting body's decision on it.
CREATE TABLE inspection_remediations (
    id                INTEGER PRIMARY KEY,
    province_id       INTEGER NOT NULL,
    recommendation_id INTEGER NOT NULL REFERENCES inspection_recommendations (id),
    note              TEXT NOT NULL,
    posted_by         INTEGER,
    posted_at         TEXT NOT NULL,
    decision          TEXT,
    reason            TEXT,
    decided_by        INTEGER,
    decided_at        TEXT
) STRICT;
CREATE INDEX inspection_remediations_rec ON inspection_remediations (recommendation_id, id);
