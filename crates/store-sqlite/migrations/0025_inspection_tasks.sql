-- The named tasks an inspection or supervision item looks at (issue 16 item 1: content
-- "a resolution's implementation, a program, named tasks"), sqlite dialect. A task belongs
-- to a program of one of the item's subject units (or a unit under it); the list may
-- change while the item is planned and is fixed once the subjects are notified (what was
-- sent to them). Changes are audited on the item (entity `inspection_item`).
CREATE TABLE inspection_item_tasks (
    item_id  INTEGER NOT NULL REFERENCES inspection_items (id),
    task_id  INTEGER NOT NULL REFERENCES tasks (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (item_id, task_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX inspection_item_tasks_task ON inspection_item_tasks (task_id);
