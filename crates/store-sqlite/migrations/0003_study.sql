-- Study and dissemination (issue 5), SQLite dialect: each unit's study plan of a
-- resolution (core content per audience, conferences with reporters, materials, a
-- question bank), attendance, knowledge-check attempts, reflections, each member's study
-- state, the participation rollups and the round's review. The PostgreSQL migration
-- mirrors it table for table; docs/STUDY.md explains the model.
--
-- `document_id` is always the resolution at the top of the chain (the cascade's root
-- document). Every large table carries `province_id`; paths copied here (`org_path`,
-- `cell_path`) are denormalized for subtree range scans. JSON lists are kept as TEXT in
-- both backends so that the SQL of the two stores stays the same.

-- The secret that signs check-in links: one row, made here, kept across restarts and
-- shared by every web node.
CREATE TABLE study_secret (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key TEXT NOT NULL
) STRICT;
INSERT INTO study_secret (id, key) VALUES (1, lower(hex(randomblob(32))));

-- The core content of a resolution for one audience, written by a unit's office.
CREATE TABLE study_contents (
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    document_id INTEGER NOT NULL REFERENCES documents (id),
    audience    TEXT NOT NULL,
    province_id INTEGER NOT NULL,
    org_path    TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    updated_by  INTEGER,
    PRIMARY KEY (org_id, document_id, audience)
) STRICT;

-- Conferences (one audience each); a make-up session names the conference it makes up.
CREATE TABLE study_sessions (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    org_path    TEXT NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    title       TEXT NOT NULL,
    audience    TEXT NOT NULL,
    format      TEXT NOT NULL,
    held_on     TEXT NOT NULL,
    place       TEXT NOT NULL,
    makeup_of   INTEGER REFERENCES study_sessions (id),
    created_at  TEXT NOT NULL,
    created_by  INTEGER
) STRICT;
CREATE INDEX study_sessions_unit ON study_sessions (org_id, document_id, held_on);
CREATE INDEX study_sessions_subtree ON study_sessions (document_id, org_path);

CREATE TABLE study_session_reporters (
    session_id  INTEGER NOT NULL REFERENCES study_sessions (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    province_id INTEGER NOT NULL,
    PRIMARY KEY (session_id, member_id)
) STRICT;
CREATE INDEX study_session_reporters_member ON study_session_reporters (member_id);

-- Materials of a plan: a link or a stored file (the evidence store's blobs).
CREATE TABLE study_materials (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    org_path    TEXT NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    audience    TEXT,
    title       TEXT NOT NULL,
    url         TEXT,
    blob_key    TEXT REFERENCES evidence_blobs (key),
    file_name   TEXT,
    created_at  TEXT NOT NULL,
    created_by  INTEGER,
    CHECK ((url IS NULL) <> (blob_key IS NULL))
) STRICT;
CREATE INDEX study_materials_unit ON study_materials (org_id, document_id);

-- One mark per (conference, member). `cell_path` is the member's cell when marked.
CREATE TABLE study_attendance (
    session_id  INTEGER NOT NULL REFERENCES study_sessions (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    province_id INTEGER NOT NULL,
    document_id INTEGER NOT NULL,
    cell_path   TEXT NOT NULL,
    mark        TEXT NOT NULL,
    reason      TEXT,
    via         TEXT NOT NULL,
    marked_at   TEXT NOT NULL,
    marked_by   INTEGER,
    PRIMARY KEY (session_id, member_id)
) STRICT;
CREATE INDEX study_attendance_member ON study_attendance (member_id, document_id);

-- The question bank of a unit for a resolution and an audience.
CREATE TABLE study_questions (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    org_path    TEXT NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents (id),
    audience    TEXT NOT NULL,
    prompt      TEXT NOT NULL,
    choices     TEXT NOT NULL,            -- JSON array of strings
    correct     INTEGER NOT NULL,         -- index into choices
    created_at  TEXT NOT NULL,
    created_by  INTEGER
) STRICT;
CREATE INDEX study_questions_bank ON study_questions (document_id, audience, org_id);

-- Knowledge-check attempts, graded when handed in.
CREATE TABLE study_check_attempts (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    document_id INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    questions   TEXT NOT NULL,            -- JSON array of question ids
    answers     TEXT NOT NULL,            -- JSON array of chosen indexes (null = blank)
    correct     INTEGER NOT NULL,
    total       INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    taken_at    TEXT NOT NULL,
    UNIQUE (member_id, document_id, attempt)
) STRICT;

-- Reflections: one per (member, resolution), replaced until graded.
CREATE TABLE study_reflections (
    id           INTEGER PRIMARY KEY,
    province_id  INTEGER NOT NULL,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    document_id  INTEGER NOT NULL,
    cell_path    TEXT NOT NULL,
    body         TEXT,
    blob_key     TEXT REFERENCES evidence_blobs (key),
    file_name    TEXT,
    submitted_at TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    on_time      INTEGER NOT NULL,
    grade        TEXT,
    comment      TEXT,
    graded_by    INTEGER,
    graded_at    TEXT,
    UNIQUE (member_id, document_id)
) STRICT;
CREATE INDEX study_reflections_subtree ON study_reflections (document_id, cell_path);

-- Each member's study of a resolution (domain::study::MemberStudy), derived from the
-- rows above and kept so that a write can compute its delta.
CREATE TABLE study_members (
    member_id      INTEGER NOT NULL REFERENCES members (id),
    document_id    INTEGER NOT NULL,
    province_id    INTEGER NOT NULL,
    cell_path      TEXT NOT NULL,
    audience       TEXT NOT NULL,
    studied        INTEGER NOT NULL DEFAULT 0,
    made_up        INTEGER NOT NULL DEFAULT 0,
    excused        INTEGER NOT NULL DEFAULT 0,
    check_attempts INTEGER NOT NULL DEFAULT 0,
    check_passed   INTEGER NOT NULL DEFAULT 0,
    check_best     INTEGER,
    reflection     TEXT NOT NULL DEFAULT 'none',
    grade          TEXT,
    PRIMARY KEY (member_id, document_id)
) STRICT;
CREATE INDEX study_members_subtree ON study_members (document_id, cell_path);

-- Participation rollups: one row per (organization, resolution, audience) on the path of
-- a member with a study row; columns are domain::study::StudyCounters::COLUMNS.
CREATE TABLE study_rollups (
    org_id              INTEGER NOT NULL,
    document_id         INTEGER NOT NULL,
    audience            TEXT NOT NULL,
    province_id         INTEGER NOT NULL,
    studied             INTEGER NOT NULL DEFAULT 0,
    made_up             INTEGER NOT NULL DEFAULT 0,
    excused             INTEGER NOT NULL DEFAULT 0,
    checks_taken        INTEGER NOT NULL DEFAULT 0,
    checks_passed       INTEGER NOT NULL DEFAULT 0,
    reflections_on_time INTEGER NOT NULL DEFAULT 0,
    reflections_late    INTEGER NOT NULL DEFAULT 0,
    reflections_graded  INTEGER NOT NULL DEFAULT 0,
    reflections_good    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, document_id, audience)
) STRICT;

-- A unit's review of the round, edited and issued by its office.
CREATE TABLE study_reviews (
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    document_id INTEGER NOT NULL,
    province_id INTEGER NOT NULL,
    org_path    TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    commend     TEXT NOT NULL,            -- JSON array of member ids
    remind      TEXT NOT NULL,            -- JSON array of member ids
    issued_on   TEXT,
    updated_at  TEXT NOT NULL,
    updated_by  INTEGER,
    PRIMARY KEY (org_id, document_id)
) STRICT;

-- Key cadres of a subtree are counted by an index range (members = all − key cadres).
CREATE INDEX members_audience_path ON members (audience, status, cell_path);
