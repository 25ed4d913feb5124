-- Hardening (issue 11): a session names its account, so that a password change, a reset
-- and a disable end every other session of the account (defect 4). Sessions from before
-- this migration name no account; they are ended here (everyone signs in once more).
-- Mirrors the PostgreSQL migration.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN user_id INTEGER REFERENCES users (id);
CREATE INDEX sessions_user ON sessions (user_id);
