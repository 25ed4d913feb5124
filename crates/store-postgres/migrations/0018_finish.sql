-- Issues 13 and 16 leftovers, PostgreSQL dialect.
-- Bottom-up report deadlines: a unit's own grace days after a period's end, set by its
-- level when the cascade reaches it (domain::cascade::level_grace_days); NULL: the
-- cascade's grace_days (units reached before this migration).
ALTER TABLE cascade_units ADD COLUMN grace_days BIGINT;
-- Claims of a submitted report that the record contradicts (services::reports::signals),
-- kept for the inspection suggestions ("reports contradicted by their data"); NULL: not
-- checked (a draft, or a report submitted before this migration until re-checked).
ALTER TABLE reports ADD COLUMN contradicted_claims BIGINT;
CREATE INDEX reports_contradicted ON reports (org_id) WHERE contradicted_claims > 0;
