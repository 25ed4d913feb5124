-- The public portal (issue 14 items 4-5), SQLite dialect: a unit's news articles with
-- their images, readers' feedback and its moderation, the day's view keys, and the
-- documents a unit marks public. docs/PORTAL.md explains the choices. Nothing official is
-- deleted: an article is unpublished, a feedback hidden with its reason; only the view
-- keys of past days are deleted (they are kept for the day only, by design). No path is
-- copied here (the unit's path is read by a join), so restructurings need no rewrite.

CREATE TABLE portal_articles (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    title       TEXT NOT NULL,
    lead        TEXT NOT NULL,
    body_md     TEXT NOT NULL,
    author      TEXT,
    category    TEXT NOT NULL,
    -- draft | published | unpublished (domain::portal::ArticleState); a published article
    -- is public from publish_at on (later: scheduled).
    state       TEXT NOT NULL,
    publish_at  TEXT,
    view_count  INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) STRICT;
CREATE INDEX portal_articles_public ON portal_articles (org_id, state, publish_at);

CREATE TABLE portal_images (
    id          INTEGER PRIMARY KEY,
    province_id INTEGER NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES portal_articles (id),
    blob_key    TEXT NOT NULL REFERENCES evidence_blobs (key),
    file_name   TEXT NOT NULL,
    uploaded_by INTEGER,
    uploaded_at TEXT NOT NULL
) STRICT;
CREATE INDEX portal_images_article ON portal_images (article_id);

-- Readers' feedback. `contact` is private (editors only); `address_key` is a hash of the
-- sender's address (domain::portal::address_key), for the rate limits; `repeat_key` the
-- folded body, for repeats.
CREATE TABLE portal_feedback (
    id           INTEGER PRIMARY KEY,
    province_id  INTEGER NOT NULL,
    article_id   INTEGER NOT NULL REFERENCES portal_articles (id),
    org_id       INTEGER NOT NULL REFERENCES organizations (id),
    name         TEXT NOT NULL,
    contact      TEXT,
    body         TEXT NOT NULL,
    repeat_key   TEXT NOT NULL,
    address_key  TEXT NOT NULL,
    -- waiting | published | answered | hidden (domain::portal::FeedbackState)
    state        TEXT NOT NULL,
    answer       TEXT,
    hide_reason  TEXT,
    moderated_by INTEGER,
    moderated_at TEXT,
    created_at   TEXT NOT NULL
) STRICT;
CREATE INDEX portal_feedback_article ON portal_feedback (article_id, state, created_at);
CREATE INDEX portal_feedback_org ON portal_feedback (org_id, state, created_at);
CREATE INDEX portal_feedback_address ON portal_feedback (address_key, created_at);

-- One row per (day, visitor-article key) counted: a view is counted once per visitor per
-- article per day. Rows of past days are deleted by the next flush.
CREATE TABLE portal_view_keys (
    day TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (day, key)
) STRICT, WITHOUT ROWID;

-- Documents a unit's office marks public, with the summary the portal shows.
CREATE TABLE portal_public_documents (
    document_id INTEGER PRIMARY KEY REFERENCES documents (id),
    province_id INTEGER NOT NULL,
    org_id      INTEGER NOT NULL REFERENCES organizations (id),
    summary     TEXT NOT NULL,
    marked_by   INTEGER,
    marked_at   TEXT NOT NULL
) STRICT;
CREATE INDEX portal_public_documents_org ON portal_public_documents (org_id);
