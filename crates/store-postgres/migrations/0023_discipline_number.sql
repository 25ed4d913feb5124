-- Evaluation (issue 17): a disciplinary measure keeps the number of its decision
-- (số quyết định), entered on the unit's discipline page with the date, form and reason.
ALTER TABLE discipline_records ADD COLUMN decision_no TEXT NOT NULL DEFAULT '';
