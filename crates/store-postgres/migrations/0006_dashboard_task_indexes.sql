-- Dashboards (issue 3) list a subtree's overdue tasks, oldest deadline first, and count
-- its done tasks per week. With only tasks_subtree, both read every counted task of the
-- subtree (40,000 at province scale with cells) and the overdue list sorted all the open
-- ones to return 100: 50 ms and 24 ms at the province root. These partial indexes serve
-- the open tasks in (deadline, path, position) order, so the first 100 of a root's page are
-- read from the index in order without a sort, and the done tasks by path.
CREATE INDEX tasks_open_due ON tasks (root_document_id, deadline, org_path, position)
    WHERE counted AND status <> 'done';
CREATE INDEX tasks_done ON tasks (root_document_id, org_path)
    WHERE counted AND status = 'done';
