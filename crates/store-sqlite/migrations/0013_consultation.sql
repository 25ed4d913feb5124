-- Consultation on drafts (issue 14 items 1-3), SQLite dialect; mirrors the PostgreSQL
-- migration. docs/CONSULTATION.md explains the choices. A consultation belongs to a unit
-- (its path is read from `organizations`, so restructurings need not rewrite it); its
-- draft is snapshot into numbered items at opening. Nothing is deleted: a comment hidden
-- in moderation keeps its row with the reason.

CREATE TABLE consultations (
    id                 INTEGER PRIMARY KEY,
    province_id        INTEGER NOT NULL,
    org_id             INTEGER NOT NULL REFERENCES organizations (id),
    subject_kind       TEXT NOT NULL,
    program_id         INTEGER REFERENCES programs (id),
    title              TEXT NOT NULL,
    -- A JSON array of the questions asked.
    questions          TEXT NOT NULL,
    for_members        INTEGER NOT NULL,
    for_experts        INTEGER NOT NULL,
    for_public         INTEGER NOT NULL,
    opens_on           TEXT NOT NULL,
    closes_on          TEXT NOT NULL,
    -- Set when the office ends the period early.
    ended_at           TEXT,
    -- The one reason the office closed the unanswered rest with.
    rest_reason        TEXT,
    rest_closed_at     TEXT,
    created_by         INTEGER REFERENCES users (id),
    created_at         TEXT NOT NULL
) STRICT;
CREATE INDEX consultations_org ON consultations (org_id, id);
CREATE INDEX consultations_program ON consultations (program_id) WHERE program_id IS NOT NULL;
CREATE INDEX consultations_public ON consultations (province_id, closes_on) WHERE for_public;

-- The snapshot: paragraphs numbered through the text, tasks through the task table.
CREATE TABLE consultation_items (
    id               INTEGER PRIMARY KEY,
    consultation_id  INTEGER NOT NULL REFERENCES consultations (id),
    position         INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    number           INTEGER NOT NULL,
    heading          TEXT,
    text             TEXT NOT NULL,
    UNIQUE (consultation_id, position)
) STRICT;

-- An invited expert: the account's only right is to see and comment on this
-- consultation (the account holds no grant).
CREATE TABLE consultation_experts (
    id               INTEGER PRIMARY KEY,
    consultation_id  INTEGER NOT NULL REFERENCES consultations (id),
    user_id          INTEGER NOT NULL REFERENCES users (id),
    affiliation      TEXT,
    invited_by       INTEGER REFERENCES users (id),
    invited_at       TEXT NOT NULL,
    UNIQUE (consultation_id, user_id)
) STRICT;
CREATE INDEX consultation_experts_user ON consultation_experts (user_id);

CREATE TABLE consultation_comments (
    id               INTEGER PRIMARY KEY,
    province_id      INTEGER NOT NULL,
    consultation_id  INTEGER NOT NULL REFERENCES consultations (id),
    item_id          INTEGER REFERENCES consultation_items (id),
    -- member | expert | public
    source           TEXT NOT NULL,
    user_id          INTEGER REFERENCES users (id),
    author_name      TEXT NOT NULL,
    affiliation      TEXT,
    -- A public commenter's phone or e-mail: shown to the office only.
    contact          TEXT,
    body             TEXT NOT NULL,
    proposed_text    TEXT,
    -- pending | published | rejected
    moderation       TEXT NOT NULL,
    moderation_reason TEXT,
    moderated_by     INTEGER REFERENCES users (id),
    moderated_at     TEXT,
    -- A hash of the public commenter's address (limits), and the folded text (repeats).
    address_hash     TEXT,
    repeat_key       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    answer           TEXT,
    answer_reason    TEXT,
    changed_text     TEXT,
    answered_by      INTEGER REFERENCES users (id),
    answered_at      TEXT
) STRICT;
CREATE INDEX consultation_comments_of ON consultation_comments (consultation_id, id);
CREATE INDEX consultation_comments_address
    ON consultation_comments (consultation_id, address_hash, created_at)
    WHERE address_hash IS NOT NULL;
CREATE INDEX consultation_comments_repeat ON consultation_comments (consultation_id, repeat_key);
CREATE INDEX consultation_comments_user ON consultation_comments (user_id) WHERE user_id IS NOT NULL;
