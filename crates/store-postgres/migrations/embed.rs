//! This backend's migrations, embedded in the binary in order: (version, description, SQL).
//! A migration is never edited once released; a change is a new file here and in the
//! other backend's folder, with the same version and description.

pub(crate) const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("0001_init.sql")),
    (2, "programs", include_str!("0002_programs.sql")),
    (3, "study", include_str!("0003_study.sql")),
    (
        4,
        "document_attachments",
        include_str!("0004_document_attachments.sql"),
    ),
    (
        5,
        "program_assessments",
        include_str!("0005_program_assessments.sql"),
    ),
    (
        6,
        "dashboard_task_indexes",
        include_str!("0006_dashboard_task_indexes.sql"),
    ),
    (7, "done_weeks", include_str!("0007_done_weeks.sql")),
    (8, "study_edits", include_str!("0008_study_edits.sql")),
    (10, "reviews", include_str!("0010_reviews.sql")),
    (11, "inspection", include_str!("0011_inspection.sql")),
    (12, "hardening", include_str!("0012_hardening.sql")),
    (13, "consultation", include_str!("0013_consultation.sql")),
    (15, "targets", include_str!("0015_targets.sql")),
    (16, "portal", include_str!("0016_portal.sql")),
    (18, "finish", include_str!("0018_finish.sql")),
    (19, "collation", include_str!("0019_collation.sql")),
    (20, "perf", include_str!("0020_perf.sql")),
    (21, "evaluation", include_str!("0021_evaluation.sql")),
    (22, "emulation", include_str!("0022_emulation.sql")),
    (
        23,
        "discipline_number",
        include_str!("0023_discipline_number.sql"),
    ),
    (24, "award_levels", include_str!("0024_award_levels.sql")),
    (
        25,
        "inspection_tasks",
        include_str!("0025_inspection_tasks.sql"),
    ),
];
