-- The line of progress over time on a dashboard (issue 3) counted, for each subtree, the
-- done tasks per week by reading every done task of the subtree and its done update: it
-- grew with the tasks done (tens of ms at the province root once most of 40,000 tasks are
-- done). Like every other dashboard figure it is now kept on write: a task remembers the
-- day it was reported done (its earliest done update not returned), and the rollup of each
-- organization on its path counts done tasks per week (the week's Monday). Rows at 0 are
-- deleted. `resolute recount` rebuilds both.
ALTER TABLE tasks ADD COLUMN done_on DATE;

UPDATE tasks SET done_on = (
    SELECT (MIN(pu.posted_at) AT TIME ZONE 'UTC')::date FROM progress_updates pu
    WHERE pu.task_id = tasks.id AND pu.status = 'done' AND pu.review <> 'returned'
) WHERE status = 'done';

CREATE TABLE rollup_done_weeks (
    org_id           BIGINT NOT NULL,
    root_document_id BIGINT NOT NULL,
    province_id      BIGINT NOT NULL,
    week             DATE NOT NULL,
    n                BIGINT NOT NULL,
    PRIMARY KEY (org_id, root_document_id, week)
);

-- Paths hold digits and '/', so [path, path || '~') is the subtree of `path`.
INSERT INTO rollup_done_weeks (org_id, root_document_id, province_id, week, n)
SELECT o.id, t.root_document_id, t.province_id, date_trunc('week', t.done_on)::date, COUNT(*)
FROM organizations o JOIN tasks t ON t.org_path >= o.path AND t.org_path < o.path || '~'
WHERE t.counted AND t.status = 'done' AND t.done_on IS NOT NULL
GROUP BY o.id, t.root_document_id, t.province_id, date_trunc('week', t.done_on)::date;
