-- Resolute schema, SQLite dialect. The PostgreSQL migration mirrors it table for table.
--
-- Sharding note: every large table carries `province_id`, the id of the root organization
-- of the province the row belongs to. It is the future Citus distribution column; on SQLite
-- it is plain data, kept so that both schemas stay the same shape.
--
-- Dates are ISO `YYYY-MM-DD` TEXT and instants RFC 3339 TEXT in UTC (sqlx's `time` support),
-- so that text order is time order. JSON columns hold JSON text.

-- The organization tree. `path` is the materialized path `/1/17/240/` (ids from the root to
-- the unit itself); a subtree is the range [path, path with its last '/' replaced by '0'),
-- answered by the unique index on `path`. Counters are kept up to date on write.
CREATE TABLE organizations (
    id                   INTEGER PRIMARY KEY,
    parent_id            INTEGER REFERENCES organizations (id),
    province_id          INTEGER NOT NULL,
    path                 TEXT NOT NULL UNIQUE,
    depth                INTEGER NOT NULL,
    kind                 TEXT NOT NULL,
    code                 TEXT,
    name                 TEXT NOT NULL,
    search_key           TEXT NOT NULL,
    valid_from           TEXT NOT NULL,
    valid_to             TEXT,
    member_count         INTEGER NOT NULL DEFAULT 0,
    subtree_member_count INTEGER NOT NULL DEFAULT 0,
    subtree_cell_count   INTEGER NOT NULL DEFAULT 0,
    child_count          INTEGER NOT NULL DEFAULT 0,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
) STRICT;

-- A code is unique among active units only: a closed unit's code may be reused.
CREATE UNIQUE INDEX organizations_active_code ON organizations (code)
    WHERE valid_to IS NULL AND code IS NOT NULL;
CREATE INDEX organizations_parent ON organizations (parent_id);
CREATE INDEX organizations_province ON organizations (province_id);

-- Renames, moves, merges, splits, closures and creations of a unit.
CREATE TABLE org_events (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    province_id INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    on_date     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    at          TEXT NOT NULL,
    user_id     INTEGER
) STRICT;
CREATE INDEX org_events_org ON org_events (org_id, id);

-- Merges and splits: a merge gives each source one successor, a split gives the source
-- several.
CREATE TABLE org_successions (
    predecessor_id INTEGER NOT NULL REFERENCES organizations (id),
    successor_id   INTEGER NOT NULL REFERENCES organizations (id),
    on_date        TEXT NOT NULL,
    PRIMARY KEY (predecessor_id, successor_id)
) STRICT;
CREATE INDEX org_successions_successor ON org_successions (successor_id);

-- Members. `cell_path` is the path of the member's cell, denormalized so that subtree
-- member lists and counts are one range scan; moves of the cell rewrite it.
CREATE TABLE members (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    cell_id     INTEGER NOT NULL REFERENCES organizations (id),
    cell_path   TEXT NOT NULL,
    full_name   TEXT NOT NULL,
    search_key  TEXT NOT NULL,
    gender      TEXT,
    birth_date  TEXT,
    joined_on   TEXT,
    audience    TEXT NOT NULL,
    status      TEXT NOT NULL,
    card_number TEXT UNIQUE,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX members_cell ON members (cell_id, status);
CREATE INDEX members_cell_path ON members (cell_path);
CREATE INDEX members_province ON members (province_id);

-- The cells a member belonged to, with dates: transfers close one stint and open another.
CREATE TABLE member_stints (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    cell_id     INTEGER NOT NULL REFERENCES organizations (id),
    province_id INTEGER NOT NULL,
    from_date   TEXT NOT NULL,
    to_date     TEXT
) STRICT;
CREATE INDEX member_stints_member ON member_stints (member_id, from_date);
CREATE INDEX member_stints_cell ON member_stints (cell_id);

CREATE TABLE positions (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    province_id INTEGER NOT NULL,
    role        TEXT NOT NULL,
    from_date   TEXT NOT NULL,
    to_date     TEXT
) STRICT;
CREATE INDEX positions_member ON positions (member_id);
CREATE INDEX positions_org ON positions (org_id);

-- Accounts. `org_id` is the unit whose administrators created the account (NULL when the
-- command line did), so that an account without grants yet stays visible to them.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    member_id     INTEGER REFERENCES members (id),
    org_id        INTEGER REFERENCES organizations (id),
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE grants (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL,
    org_id     INTEGER NOT NULL REFERENCES organizations (id),
    created_at TEXT NOT NULL,
    UNIQUE (user_id, role, org_id)
) STRICT;
CREATE INDEX grants_org ON grants (org_id);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    data       BLOB NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Append-only. `org_path` is the path of the unit the record belonged to when written, for
-- subtree filtering; NULL for entries about the whole database.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_id   INTEGER,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    org_path  TEXT,
    before    TEXT,
    after     TEXT
) STRICT;
CREATE INDEX audit_log_org_path ON audit_log (org_path, id);
