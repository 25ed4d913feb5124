-- Targets that add up (issue 13 item 4). Mirrors the SQLite migration; docs/TARGETS.md
-- explains the model.

ALTER TABLE document_targets ADD COLUMN rollup_rule TEXT NOT NULL DEFAULT 'sum';
ALTER TABLE document_targets ADD COLUMN contributors BIGINT NOT NULL DEFAULT 0;
UPDATE document_targets SET rollup_rule = 'average'
    WHERE position('%' in unit) > 0 OR lower(trim(unit)) IN ('phần trăm', 'percent');
CREATE INDEX document_targets_upper ON document_targets (upper_target_id)
    WHERE upper_target_id IS NOT NULL;

CREATE TABLE target_values (
    target_id          BIGINT NOT NULL REFERENCES document_targets (id),
    org_id             BIGINT NOT NULL REFERENCES organizations (id),
    province_id        BIGINT NOT NULL,
    value              DOUBLE PRECISION NOT NULL,
    reported_on        DATE NOT NULL,
    progress_update_id BIGINT REFERENCES progress_updates (id),
    PRIMARY KEY (target_id, org_id)
);
CREATE INDEX target_values_org ON target_values (org_id);

INSERT INTO target_values (target_id, org_id, province_id, value, reported_on, progress_update_id)
SELECT DISTINCT ON (t.upper_target_id, t.org_id)
       t.upper_target_id, t.org_id, t.province_id, pu.indicator_value,
       (pu.posted_at AT TIME ZONE 'UTC')::date, pu.id
FROM progress_updates pu JOIN tasks t ON t.id = pu.task_id
WHERE pu.review = 'accepted' AND pu.indicator_value IS NOT NULL
  AND t.upper_target_id IS NOT NULL
ORDER BY t.upper_target_id, t.org_id, pu.posted_at DESC, pu.id DESC;
