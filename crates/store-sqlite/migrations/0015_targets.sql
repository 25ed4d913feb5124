-- Targets that add up (issue 13 item 4), SQLite dialect. A program's own targets are linked
-- to the upper targets they serve (`document_targets.upper_target_id`, written at last);
-- each target carries the rule by which the values of the units serving it roll up
-- (`domain::target_rollup::RollupRule`); the value each unit reported for a target through
-- a task linked to it is kept per (target, unit) in `target_values`; and a target's
-- `current_value` is the roll-up of its subtree, kept on write along the chain of upper
-- targets (`contributors`: the units counted in it). docs/TARGETS.md explains the model.

ALTER TABLE document_targets ADD COLUMN rollup_rule TEXT NOT NULL DEFAULT 'sum';
ALTER TABLE document_targets ADD COLUMN contributors INTEGER NOT NULL DEFAULT 0;
-- A rate in percent averages by members; anything counted adds up.
UPDATE document_targets SET rollup_rule = 'average'
    WHERE instr(unit, '%') > 0 OR lower(trim(unit)) IN ('phần trăm', 'percent');
CREATE INDEX document_targets_upper ON document_targets (upper_target_id)
    WHERE upper_target_id IS NOT NULL;

-- The latest accepted value a unit reported for a target (through a task of its program
-- linked to the target). One row per (target, unit); an older value accepted late does not
-- replace a newer one.
CREATE TABLE target_values (
    target_id          INTEGER NOT NULL REFERENCES document_targets (id),
    org_id             INTEGER NOT NULL REFERENCES organizations (id),
    province_id        INTEGER NOT NULL,
    value              REAL NOT NULL,
    reported_on        TEXT NOT NULL,
    progress_update_id INTEGER REFERENCES progress_updates (id),
    PRIMARY KEY (target_id, org_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX target_values_org ON target_values (org_id);

-- The values accepted so far, each unit's latest per target (ties by the later update).
INSERT INTO target_values (target_id, org_id, province_id, value, reported_on, progress_update_id)
SELECT t.upper_target_id, t.org_id, t.province_id, pu.indicator_value,
       substr(pu.posted_at, 1, 10), pu.id
FROM progress_updates pu JOIN tasks t ON t.id = pu.task_id
WHERE pu.review = 'accepted' AND pu.indicator_value IS NOT NULL
  AND t.upper_target_id IS NOT NULL
  AND pu.id = (SELECT pu2.id FROM progress_updates pu2 JOIN tasks t2 ON t2.id = pu2.task_id
               WHERE pu2.review = 'accepted' AND pu2.indicator_value IS NOT NULL
                 AND t2.upper_target_id = t.upper_target_id AND t2.org_id = t.org_id
               ORDER BY pu2.posted_at DESC, pu2.id DESC LIMIT 1);
