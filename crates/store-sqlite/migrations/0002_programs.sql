-- Resolutions into programs (issue 3), SQLite dialect: documents, targets, cascades, the
-- units they reach, programs with sections and tasks, progress updates with evidence, the
-- dashboards' rollups and notifications. The PostgreSQL migration mirrors it table for
-- table; docs/PROGRAMS.md §2 explains the columns.
--
-- Every large table carries `province_id` (the future Citus distribution column). Paths
-- copied here (`issuer_path`, `org_path`) are denormalized for subtree range scans and are
-- rewritten with `organizations.path` by restructurings.

-- Registered documents, and every issued program (its number and symbol live here).
CREATE TABLE documents (
    id                 INTEGER PRIMARY KEY,
    province_id        INTEGER NOT NULL,
    issuer_org_id      INTEGER NOT NULL REFERENCES organizations (id),
    issuer_path        TEXT NOT NULL,
    doc_type           TEXT NOT NULL,
    number             INTEGER NOT NULL,
    symbol             TEXT NOT NULL,
    term               TEXT NOT NULL,
    issued_on          TEXT NOT NULL,
    title              TEXT NOT NULL,
    search_key         TEXT NOT NULL,
    body_md            TEXT NOT NULL,
    parent_document_id INTEGER REFERENCES documents (id),
    root_document_id   INTEGER NOT NULL,
    status             TEXT NOT NULL,
    superseded_by      INTEGER REFERENCES documents (id),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX documents_number ON documents (issuer_org_id, doc_type, term, number);
CREATE INDEX documents_issuer ON documents (issuer_path, issued_on);
CREATE INDEX documents_root ON documents (root_document_id);

-- One row per distinct evidence content (the bytes live on disk under their key).
CREATE TABLE evidence_blobs (
    key           TEXT PRIMARY KEY,
    evidence_type TEXT NOT NULL,
    size          INTEGER NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

-- A document's own files (not evidence).
CREATE TABLE document_attachments (
    id           INTEGER PRIMARY KEY,
    province_id  INTEGER NOT NULL,
    document_id  INTEGER NOT NULL REFERENCES documents (id),
    evidence_key TEXT NOT NULL REFERENCES evidence_blobs (key),
    file_name    TEXT NOT NULL,
    position     INTEGER NOT NULL,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX document_attachments_document ON document_attachments (document_id, position);

CREATE TABLE cascades (
    id                INTEGER PRIMARY KEY,
    province_id       INTEGER NOT NULL,
    document_id       INTEGER NOT NULL REFERENCES documents (id),
    root_document_id  INTEGER NOT NULL,
    issuer_org_id     INTEGER NOT NULL REFERENCES organizations (id),
    scope_root_path   TEXT NOT NULL,
    scope_kinds       TEXT NOT NULL,
    include_root      INTEGER NOT NULL,
    study_by          TEXT NOT NULL,
    program_by        TEXT NOT NULL,
    report_every      TEXT NOT NULL,
    interim_review_by TEXT,
    reports_until     TEXT,
    grace_days        INTEGER NOT NULL,
    unit_count        INTEGER NOT NULL,
    created_at        TEXT NOT NULL,
    user_id           INTEGER
) STRICT;
CREATE INDEX cascades_document ON cascades (document_id, id);

-- One row per unit reached in a document chain (the first cascade that reached it).
CREATE TABLE cascade_units (
    id                  INTEGER PRIMARY KEY,
    province_id         INTEGER NOT NULL,
    cascade_id          INTEGER NOT NULL REFERENCES cascades (id),
    root_document_id    INTEGER NOT NULL,
    org_id              INTEGER NOT NULL REFERENCES organizations (id),
    org_path            TEXT NOT NULL,
    study_by            TEXT NOT NULL,
    program_by          TEXT NOT NULL,
    interim_review_by   TEXT,
    studied_on          TEXT,
    program_id          INTEGER,
    program_issued_on   TEXT,
    interim_reviewed_on TEXT,
    report_class        TEXT NOT NULL,
    report_next_due     TEXT,
    UNIQUE (root_document_id, org_id)
) STRICT;
CREATE INDEX cascade_units_cascade ON cascade_units (cascade_id, org_path);
CREATE INDEX cascade_units_subtree ON cascade_units (root_document_id, org_path);
CREATE INDEX cascade_units_study_due ON cascade_units (root_document_id, study_by)
    WHERE studied_on IS NULL;

-- A unit's periodic progress report.
CREATE TABLE unit_reports (
    id              INTEGER PRIMARY KEY,
    province_id     INTEGER NOT NULL,
    cascade_unit_id INTEGER NOT NULL REFERENCES cascade_units (id),
    reported_on     TEXT NOT NULL,
    body_md         TEXT NOT NULL,
    user_id         INTEGER,
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX unit_reports_unit ON unit_reports (cascade_unit_id, reported_on);

CREATE TABLE programs (
    id               INTEGER PRIMARY KEY,
    province_id      INTEGER NOT NULL,
    org_id           INTEGER NOT NULL REFERENCES organizations (id),
    org_path         TEXT NOT NULL,
    cascade_unit_id  INTEGER REFERENCES cascade_units (id),
    root_document_id INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL,
    title            TEXT NOT NULL,
    document_id      INTEGER REFERENCES documents (id),
    revises          INTEGER REFERENCES programs (id),
    superseded_by    INTEGER REFERENCES programs (id),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    issued_at        TEXT,
    issued_by        INTEGER
) STRICT;
CREATE INDEX programs_unit ON programs (org_id, root_document_id, state);
CREATE INDEX programs_subtree ON programs (root_document_id, org_path);
CREATE UNIQUE INDEX programs_current ON programs (org_id, root_document_id)
    WHERE state = 'issued';

-- Goals and targets of a document, and a program's own targets (one owner).
CREATE TABLE document_targets (
    id              INTEGER PRIMARY KEY,
    province_id     INTEGER NOT NULL,
    document_id     INTEGER REFERENCES documents (id),
    program_id      INTEGER REFERENCES programs (id),
    upper_target_id INTEGER REFERENCES document_targets (id),
    position        INTEGER NOT NULL,
    indicator       TEXT NOT NULL,
    baseline        REAL,
    target_value    REAL NOT NULL,
    unit            TEXT NOT NULL,
    deadline        TEXT,
    direction       TEXT NOT NULL,
    current_value   REAL,
    current_on      TEXT,
    CHECK ((document_id IS NULL) <> (program_id IS NULL))
) STRICT;
CREATE INDEX document_targets_document ON document_targets (document_id, position);
CREATE INDEX document_targets_program ON document_targets (program_id, position);

-- One row per program; frozen with it.
CREATE TABLE program_sections (
    program_id          INTEGER PRIMARY KEY REFERENCES programs (id),
    province_id         INTEGER NOT NULL,
    purpose             TEXT NOT NULL,
    tasks_and_solutions TEXT NOT NULL,
    organization        TEXT NOT NULL
) STRICT;

CREATE TABLE tasks (
    id                    INTEGER PRIMARY KEY,
    province_id           INTEGER NOT NULL,
    program_id            INTEGER NOT NULL REFERENCES programs (id),
    position              INTEGER NOT NULL,
    org_id                INTEGER NOT NULL,
    org_path              TEXT NOT NULL,
    root_document_id      INTEGER NOT NULL,
    content               TEXT NOT NULL,
    lead_body             TEXT,
    cooperating_bodies    TEXT NOT NULL,
    responsible_member_id INTEGER REFERENCES members (id),
    deadline              TEXT,
    expected_output       TEXT,
    upper_target_id       INTEGER REFERENCES document_targets (id),
    status                TEXT NOT NULL DEFAULT 'not_started',
    percent               INTEGER,
    returned_count        INTEGER NOT NULL DEFAULT 0,
    counted               INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX tasks_program ON tasks (program_id, position);
CREATE INDEX tasks_responsible ON tasks (responsible_member_id, deadline) WHERE counted;
CREATE INDEX tasks_subtree ON tasks (root_document_id, org_path) WHERE counted;

CREATE TABLE progress_updates (
    id              INTEGER PRIMARY KEY,
    province_id     INTEGER NOT NULL,
    task_id         INTEGER NOT NULL REFERENCES tasks (id),
    status          TEXT NOT NULL,
    percent         INTEGER,
    indicator_value REAL,
    note            TEXT,
    posted_by_user  INTEGER,
    posted_at       TEXT NOT NULL,
    review          TEXT NOT NULL DEFAULT 'pending',
    return_reason   TEXT,
    reviewed_by     INTEGER,
    reviewed_at     TEXT
) STRICT;
CREATE INDEX progress_updates_task ON progress_updates (task_id, id);
CREATE INDEX progress_updates_pending ON progress_updates (province_id, review)
    WHERE review = 'pending';

-- A blob attached to an update, under its uploaded name.
CREATE TABLE evidence_files (
    id                 INTEGER PRIMARY KEY,
    province_id        INTEGER NOT NULL,
    progress_update_id INTEGER NOT NULL REFERENCES progress_updates (id),
    blob_key           TEXT NOT NULL REFERENCES evidence_blobs (key),
    file_name          TEXT NOT NULL,
    uploaded_by        INTEGER,
    uploaded_at        TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_files_update ON evidence_files (progress_update_id);
CREATE INDEX evidence_files_blob ON evidence_files (blob_key);

-- Rollups: one row per (organization, root document) for every organization on the path
-- of a reached unit; columns are rollup::Counters::COLUMNS.
CREATE TABLE rollups (
    org_id            INTEGER NOT NULL,
    root_document_id  INTEGER NOT NULL,
    province_id       INTEGER NOT NULL,
    units_total       INTEGER NOT NULL DEFAULT 0,
    studied           INTEGER NOT NULL DEFAULT 0,
    studied_late      INTEGER NOT NULL DEFAULT 0,
    study_open        INTEGER NOT NULL DEFAULT 0,
    program_issued    INTEGER NOT NULL DEFAULT 0,
    program_late      INTEGER NOT NULL DEFAULT 0,
    program_open      INTEGER NOT NULL DEFAULT 0,
    review_done       INTEGER NOT NULL DEFAULT 0,
    review_late       INTEGER NOT NULL DEFAULT 0,
    review_open       INTEGER NOT NULL DEFAULT 0,
    reports_none      INTEGER NOT NULL DEFAULT 0,
    reports_on_time   INTEGER NOT NULL DEFAULT 0,
    reports_late      INTEGER NOT NULL DEFAULT 0,
    tasks_total       INTEGER NOT NULL DEFAULT 0,
    tasks_not_started INTEGER NOT NULL DEFAULT 0,
    tasks_on_track    INTEGER NOT NULL DEFAULT 0,
    tasks_at_risk     INTEGER NOT NULL DEFAULT 0,
    tasks_done        INTEGER NOT NULL DEFAULT 0,
    returned_updates  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, root_document_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX rollups_root ON rollups (root_document_id);

-- Open items by due date (rollup::Rollup::dues); rows at 0 are deleted.
CREATE TABLE rollup_dues (
    org_id           INTEGER NOT NULL,
    root_document_id INTEGER NOT NULL,
    province_id      INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    due_on           TEXT NOT NULL,
    n                INTEGER NOT NULL,
    PRIMARY KEY (org_id, root_document_id, due_on, kind)
) STRICT, WITHOUT ROWID;

-- Events that concern a user (deadlines are a query, not rows).
CREATE TABLE notifications (
    id           INTEGER PRIMARY KEY,
    province_id  INTEGER NOT NULL,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    kind         TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    read_at      TEXT
) STRICT;
CREATE INDEX notifications_user ON notifications (user_id, read_at, id);
