-- Issue 16: the inspection dashboard counts open recommendations by age and lists the first
-- page from one index range of the subtree (partial: closed ones are most of them in time),
-- and finds the earlier findings of a unit through its subjects.
CREATE INDEX inspection_recommendations_open
    ON inspection_recommendations (acting_path, concluded_on, deadline) WHERE state <> 'closed';
CREATE INDEX inspection_findings_subject ON inspection_findings (subject_id);
