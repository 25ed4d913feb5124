-- Evaluation and rating (issue 17, docs/EVALUATION.md).
--
-- A criteria framework is data (domain::evaluation::Framework as JSON in `body`), one row
-- per version: an edit saves a new version and never changes a row a period uses. A
-- period names the framework versions it rates units and members with. An evaluation is
-- one subject (a unit, or a member with their cell) in one period: its proposed score
-- (tenths of a point) with the breakdown and the facts it came from, then the three steps,
-- each with who, when and the text. Disciplinary measures are recorded here because the
-- record held none before; they feed the "no discipline" rule and conditions.
CREATE TABLE evaluation_frameworks (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    org_path    TEXT NOT NULL,
    subject     TEXT NOT NULL,            -- unit | member
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,            -- JSON: domain::evaluation::Framework
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    UNIQUE (org_id, subject, name, version)
) STRICT;

CREATE TABLE evaluation_periods (
    id                  INTEGER PRIMARY KEY,
    province_id         INTEGER NOT NULL,
    org_id              INTEGER NOT NULL REFERENCES organizations (id),
    org_path            TEXT NOT NULL,
    kind                TEXT NOT NULL,    -- quarter | year | term | ad_hoc
    name                TEXT NOT NULL,
    starts_on           TEXT NOT NULL,
    ends_on             TEXT NOT NULL,
    unit_framework_id   INTEGER NOT NULL REFERENCES evaluation_frameworks (id),
    member_framework_id INTEGER NOT NULL REFERENCES evaluation_frameworks (id),
    computed_on         TEXT,
    -- Kept on write (computing, each step) so that a period's page counts nothing.
    n_units             INTEGER NOT NULL DEFAULT 0,
    n_members           INTEGER NOT NULL DEFAULT 0,
    n_self              INTEGER NOT NULL DEFAULT 0,
    n_assessed          INTEGER NOT NULL DEFAULT 0,
    n_decided           INTEGER NOT NULL DEFAULT 0,
    created_by          INTEGER,
    created_at          TEXT NOT NULL
) STRICT;
CREATE INDEX evaluation_periods_org ON evaluation_periods (org_path, ends_on);

CREATE TABLE evaluations (
    id             INTEGER PRIMARY KEY,
    province_id    INTEGER NOT NULL,
    period_id      INTEGER NOT NULL REFERENCES evaluation_periods (id),
    subject        TEXT NOT NULL,         -- unit | member
    org_id         INTEGER NOT NULL REFERENCES organizations (id),
    org_path       TEXT NOT NULL,
    member_id      INTEGER REFERENCES members (id),
    decider_id     INTEGER NOT NULL REFERENCES organizations (id),
    decider_path   TEXT NOT NULL,
    score          INTEGER NOT NULL,      -- tenths of a point
    proposed_level TEXT NOT NULL,
    breakdown      TEXT NOT NULL,         -- JSON: domain::evaluation::Proposal
    overdue_recs   INTEGER NOT NULL DEFAULT 0,
    computed_on    TEXT NOT NULL,
    step           TEXT NOT NULL,         -- proposed | self_assessed | assessed | decided
    self_level     TEXT,
    self_score     INTEGER,
    self_text      TEXT,
    self_by        INTEGER,
    self_at        TEXT,
    assessed_level TEXT,
    assess_text    TEXT,
    assessed_by    INTEGER,
    assessed_at    TEXT,
    final_level    TEXT,
    decision_text  TEXT,
    decided_by     INTEGER,
    decided_at     TEXT
) STRICT;
CREATE UNIQUE INDEX evaluations_unit ON evaluations (period_id, org_id) WHERE member_id IS NULL;
CREATE UNIQUE INDEX evaluations_member ON evaluations (period_id, member_id) WHERE member_id IS NOT NULL;
CREATE INDEX evaluations_subtree ON evaluations (period_id, subject, org_path);
CREATE INDEX evaluations_decider ON evaluations (period_id, subject, decider_id);
CREATE INDEX evaluations_history_member ON evaluations (member_id) WHERE member_id IS NOT NULL;
CREATE INDEX evaluations_history_unit ON evaluations (org_id, subject);

CREATE TABLE discipline_records (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    org_path    TEXT NOT NULL,
    member_id   INTEGER REFERENCES members (id),
    form        TEXT NOT NULL,            -- khiển trách, cảnh cáo, cách chức, khai trừ…
    decided_on  TEXT NOT NULL,
    note        TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX discipline_records_subtree ON discipline_records (org_path, decided_on);
