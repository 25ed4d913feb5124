-- Emulation and commendation (issue 17 items 4-5), SQLite dialect. docs/EMULATION.md
-- explains the model. A movement (phong trào thi đua) is launched by a unit's office from
-- a resolution; its targets are copied from the resolution's targets (with the source
-- target's id, so values are read from the record); units register pledges (đăng ký giao
-- ước thi đua); the office closes each quarter's figures from the record into
-- `emulation_results` (the history the search for advanced models compares); units
-- nominate; the council's vote is kept with the rule it was counted by; the decision
-- (quyết định khen thưởng) awards what the council passed, into the register
-- (`emulation_awards`). Award kinds are data (`award_kinds`). Advanced models (điển hình
-- tiên tiến) confirmed by an office go into `advanced_models`, with the reasoning as it
-- was shown; units link their tasks to them. Nothing here is deleted; no path is copied
-- (units' paths are read by a join), so restructurings need no rewrite.

-- Forms of commendation and emulation titles (Luật Thi đua, khen thưởng 2022, Điều 19-20;
-- party commendation, HD 01-HD/TW 2021): a kind no longer given is made inactive.
CREATE TABLE award_kinds (
    code       TEXT PRIMARY KEY,
    name_vi    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    -- commendation | title
    form       TEXT NOT NULL,
    collective INTEGER NOT NULL,
    individual INTEGER NOT NULL,
    rank       INTEGER NOT NULL,
    active     INTEGER NOT NULL
) STRICT;
INSERT INTO award_kinds (code, name_vi, name_en, form, collective, individual, rank, active) VALUES
    ('co_thi_dua_tinh', 'Cờ thi đua của Tỉnh ủy', 'Emulation flag of the provincial committee', 'commendation', 1, 0, 90, 1),
    ('bang_khen_tinh', 'Bằng khen của Ban Thường vụ Tỉnh ủy', 'Certificate of merit of the provincial standing committee', 'commendation', 1, 1, 80, 1),
    ('giay_khen', 'Giấy khen', 'Certificate of commendation', 'commendation', 1, 1, 50, 1),
    ('tap_the_lao_dong_xuat_sac', 'Tập thể lao động xuất sắc', 'Excellent labour collective', 'title', 1, 0, 70, 1),
    ('tap_the_lao_dong_tien_tien', 'Tập thể lao động tiên tiến', 'Advanced labour collective', 'title', 1, 0, 40, 1),
    ('chien_si_thi_dua_co_so', 'Chiến sĩ thi đua cơ sở', 'Grassroots emulation fighter', 'title', 0, 1, 60, 1),
    ('lao_dong_tien_tien', 'Lao động tiên tiến', 'Advanced worker', 'title', 0, 1, 30, 1);

CREATE TABLE emulation_movements (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    document_id INTEGER NOT NULL REFERENCES documents (id),
    title       TEXT NOT NULL,
    content     TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    pledge_by   TEXT NOT NULL,
    -- open | closed (domain::emulation::MovementState)
    state       TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    closed_at   TEXT
) STRICT;
CREATE INDEX emulation_movements_org ON emulation_movements (org_id);
CREATE INDEX emulation_movements_document ON emulation_movements (document_id);

-- The movement's targets, copied from the resolution's targets when it is launched. The
-- source target is named without a foreign key: the resolution's office may still edit
-- its targets (a removed target leaves the movement's copy, with no value from the record).
CREATE TABLE emulation_targets (
    id               INTEGER PRIMARY KEY,
    province_id      INTEGER NOT NULL,
    movement_id      INTEGER NOT NULL REFERENCES emulation_movements (id),
    position         INTEGER NOT NULL,
    source_target_id INTEGER NOT NULL,
    indicator        TEXT NOT NULL,
    unit             TEXT NOT NULL,
    target_value     REAL NOT NULL,
    direction        TEXT NOT NULL
) STRICT;
CREATE INDEX emulation_targets_movement ON emulation_targets (movement_id, position);

-- A unit's pledge: its commitments in words and a value per target; changed until the
-- pledge deadline (each change audited).
CREATE TABLE emulation_pledges (
    id            INTEGER PRIMARY KEY,
    province_id   INTEGER NOT NULL,
    movement_id   INTEGER NOT NULL REFERENCES emulation_movements (id),
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    commitments   TEXT NOT NULL,
    registered_by INTEGER,
    registered_at TEXT NOT NULL,
    updated_at    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX emulation_pledges_unit ON emulation_pledges (movement_id, org_id);
CREATE INDEX emulation_pledges_org ON emulation_pledges (org_id);

CREATE TABLE emulation_pledge_values (
    pledge_id   INTEGER NOT NULL REFERENCES emulation_pledges (id),
    target_id   INTEGER NOT NULL REFERENCES emulation_targets (id),
    province_id INTEGER NOT NULL,
    value       REAL NOT NULL,
    PRIMARY KEY (pledge_id, target_id)
) STRICT;

-- A quarter's figures taken from the record (chốt số liệu): one row per closing.
CREATE TABLE emulation_snapshots (
    movement_id INTEGER NOT NULL REFERENCES emulation_movements (id),
    period      INTEGER NOT NULL,
    province_id INTEGER NOT NULL,
    units       INTEGER NOT NULL,
    taken_by    INTEGER,
    taken_at    TEXT NOT NULL,
    PRIMARY KEY (movement_id, period)
) STRICT;

-- Each unit's figure in a closed quarter: `metric` is an emulation target's id, or 0 for
-- the pace of the unit's program (share of its tasks done). `period` is
-- year × 4 + quarter − 1 (domain::models::quarter_of). `members` and `kind` are the unit's
-- at the closing (its peer group then).
CREATE TABLE emulation_results (
    movement_id INTEGER NOT NULL REFERENCES emulation_movements (id),
    metric      INTEGER NOT NULL,
    period      INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    province_id INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    members     INTEGER NOT NULL,
    value       REAL NOT NULL,
    PRIMARY KEY (movement_id, metric, period, org_id)
) STRICT;
CREATE INDEX emulation_results_org ON emulation_results (org_id);

-- A nomination by a unit for itself, a unit below it, or a member of its subtree.
-- `proposed_level` is the seam for the yearly rating (issue 17 items 1-3): the level the
-- nominee was rated, when that capability provides it; free text until then.
CREATE TABLE emulation_nominations (
    id               INTEGER PRIMARY KEY,
    province_id      INTEGER NOT NULL,
    movement_id      INTEGER NOT NULL REFERENCES emulation_movements (id),
    nominator_org_id INTEGER NOT NULL REFERENCES organizations (id),
    org_id           INTEGER NOT NULL REFERENCES organizations (id),
    member_id        INTEGER REFERENCES members (id),
    award_kind       TEXT NOT NULL REFERENCES award_kinds (code),
    achievements     TEXT NOT NULL,
    proposed_level   TEXT,
    -- proposed | passed | rejected | awarded (domain::emulation::NominationState)
    state            TEXT NOT NULL,
    created_by       INTEGER,
    created_at       TEXT NOT NULL
) STRICT;
CREATE INDEX emulation_nominations_movement ON emulation_nominations (movement_id, state);
CREATE INDEX emulation_nominations_org ON emulation_nominations (org_id);

-- The council's vote on a nomination, with the rule it was counted by.
CREATE TABLE emulation_votes (
    nomination_id    INTEGER PRIMARY KEY REFERENCES emulation_nominations (id),
    province_id      INTEGER NOT NULL,
    met_on           TEXT NOT NULL,
    members          INTEGER NOT NULL,
    for_votes        INTEGER NOT NULL,
    against          INTEGER NOT NULL,
    abstain          INTEGER NOT NULL,
    pass_numerator   INTEGER NOT NULL,
    pass_denominator INTEGER NOT NULL,
    quorum_percent   INTEGER NOT NULL,
    passed           INTEGER NOT NULL,
    recorded_by      INTEGER,
    recorded_at      TEXT NOT NULL
) STRICT;

CREATE TABLE emulation_decisions (
    id           INTEGER PRIMARY KEY,
    province_id  INTEGER NOT NULL,
    movement_id  INTEGER NOT NULL REFERENCES emulation_movements (id),
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    number       TEXT NOT NULL,
    signed_on    TEXT NOT NULL,
    signer_name  TEXT NOT NULL,
    signer_title TEXT NOT NULL,
    summary      TEXT NOT NULL,
    created_by   INTEGER,
    created_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX emulation_decisions_number ON emulation_decisions (org_id, number);
CREATE INDEX emulation_decisions_movement ON emulation_decisions (movement_id);

-- The register: one award per nomination awarded.
CREATE TABLE emulation_awards (
    id            INTEGER PRIMARY KEY,
    province_id   INTEGER NOT NULL,
    decision_id   INTEGER NOT NULL REFERENCES emulation_decisions (id),
    nomination_id INTEGER NOT NULL REFERENCES emulation_nominations (id),
    org_id        INTEGER NOT NULL REFERENCES organizations (id),
    member_id     INTEGER REFERENCES members (id),
    award_kind    TEXT NOT NULL REFERENCES award_kinds (code),
    citation      TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX emulation_awards_nomination ON emulation_awards (nomination_id);
CREATE INDEX emulation_awards_org ON emulation_awards (org_id);
CREATE INDEX emulation_awards_member ON emulation_awards (member_id) WHERE member_id IS NOT NULL;

-- The library of advanced models. `metric` as in emulation_results; `evidence` the
-- reasoning as the office saw it when confirming (JSON: domain::models::Candidate).
CREATE TABLE advanced_models (
    id           INTEGER PRIMARY KEY,
    province_id  INTEGER NOT NULL,
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    movement_id  INTEGER REFERENCES emulation_movements (id),
    metric       INTEGER NOT NULL,
    title        TEXT NOT NULL,
    practice     TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    confirmed_by INTEGER,
    confirmed_org_id INTEGER NOT NULL REFERENCES organizations (id),
    confirmed_at TEXT NOT NULL
) STRICT;
CREATE INDEX advanced_models_province ON advanced_models (province_id, confirmed_at);
CREATE INDEX advanced_models_org ON advanced_models (org_id);

-- A unit's task that follows a model.
CREATE TABLE advanced_model_links (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    model_id    INTEGER NOT NULL REFERENCES advanced_models (id),
    task_id     INTEGER NOT NULL REFERENCES tasks (id),
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    linked_by   INTEGER,
    linked_at   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX advanced_model_links_task ON advanced_model_links (model_id, task_id);
CREATE INDEX advanced_model_links_org ON advanced_model_links (org_id);
