//! Dashboards (issue 3): a unit's figures on a document's chain, read from the rollups
//! kept up to date on every write (cascades, programs, progress), its overdue units and
//! tasks, its targets, its progress line and its flagged plans.
//!
//! Reading a unit's dashboard needs `Read` on the unit. See docs/PROGRAMS.md for the
//! rollup scheme.

use crate::{Assessment, CascadeUnitId, Org, Page, Result, TargetRecord};
use async_trait::async_trait;
use domain::{
    Dashboard, DocumentId, MemberId, OrgId, OrgPath, Principal, ProgramId, Rollup, TaskId,
    TaskStatus,
};
use serde::Serialize;
use time::Date;

/// The stored rollup of one (organization, root document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RollupRow {
    pub org_id: OrgId,
    pub root_document_id: DocumentId,
    pub rollup: Rollup,
}

/// A child organization with its dashboard on a document's chain, on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChildDashboard {
    pub org: Org,
    pub dashboard: Dashboard,
}

/// A unit with at least one overdue milestone on a day, and who answers for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueUnit {
    pub cascade_unit_id: CascadeUnitId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    /// Each overdue milestone with its due date, earliest first: study, program, review,
    /// report (`OpenKind::Study` etc. as strings: "study", "program", "review", "report").
    pub overdue: Vec<(&'static str, Date)>,
    /// The unit's secretary (current position), who answers for it.
    pub secretary: Option<(MemberId, String)>,
}

/// A task past its deadline, for a dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueTask {
    pub task_id: TaskId,
    pub program_id: ProgramId,
    pub org_id: OrgId,
    pub org_name: String,
    pub content: String,
    pub deadline: Date,
    pub status: TaskStatus,
    pub percent: Option<u8>,
    pub responsible: Option<(MemberId, String)>,
}

/// A target with the subtree's tasks that serve it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetProgress {
    pub target: TargetRecord,
    /// Whether it is a target of the unit's own program (else of the document).
    pub own: bool,
    pub tasks: i64,
    pub tasks_done: i64,
}

/// One point of the progress line: tasks that became done in the week starting `week`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SeriesPoint {
    pub week: Date,
    pub done: i64,
}

/// A flagged program, for a dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlaggedProgram {
    pub program_id: ProgramId,
    pub org_id: OrgId,
    pub org_name: String,
    pub symbol: Option<String>,
    pub assessment: Assessment,
}

/// The flagged programs of a subtree, and how many issued programs were assessed.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct FlaggedPrograms {
    pub assessed: i64,
    pub flagged_total: i64,
    pub flagged: Vec<FlaggedProgram>,
}

/// What a recount found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RecountReport {
    /// Rollup rows written.
    pub rows: u64,
    /// Rows whose stored value differed from the rebuilt one (a bug when non-zero).
    pub differing_rows: u64,
    /// Items (cascade units) whose stored state differed from the rebuilt one.
    pub fixed_items: u64,
}

/// The reads of a dashboard, and the rebuild of the rollups behind them.
#[async_trait]
pub trait DashboardStore: Send + Sync + 'static {
    // ---- Dashboards --------------------------------------------------------------

    /// The dashboard of a unit for a document's chain on `today`: two reads of the rollups.
    /// A readable unit the chain does not reach has an empty dashboard.
    async fn dashboard(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<Dashboard>;

    /// Units of the subtree with an overdue milestone on `today`, by path, with the
    /// unit's secretary.
    async fn overdue_units(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
        page: Page,
    ) -> Result<Vec<OverdueUnit>>;

    /// The stored rollup rows of a document's chain that the principal may read, by org.
    async fn rollups(&self, p: &Principal, document: DocumentId) -> Result<Vec<RollupRow>>;

    /// The children of `org` (open and closed) that have a rollup on the document's chain,
    /// with their dashboards on `today`: one row per child of a dashboard's drill-down,
    /// read by the children's index, not by scanning the document's rollups, and with the
    /// open items due before `today` summed by the database (a child's dues by date are
    /// hundreds of rows).
    async fn child_dashboards(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
    ) -> Result<Vec<ChildDashboard>>;

    /// Counted tasks of the subtree past their deadline on `today` and not done, oldest
    /// deadline first, with the member who answers for each.
    async fn overdue_tasks(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        today: Date,
        page: Page,
    ) -> Result<Vec<OverdueTask>>;

    /// The targets a dashboard compares with their values: the document's own targets,
    /// then those of the unit's current program for the document's chain (if `org` has
    /// one), each with the counted tasks of the subtree that serve it and how many are done.
    async fn targets_progress(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<TargetProgress>>;

    /// Tasks of the subtree that became done, per week (Monday) of their first accepted
    /// or pending "done" update, oldest first: the points of the progress line.
    async fn progress_series(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Vec<SeriesPoint>>;

    /// Issued programs of the subtree on the document's chain whose assessment is flagged
    /// (`Assessment::is_flagged`), worst first, and how many were assessed in all.
    async fn flagged_programs(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        page: Page,
    ) -> Result<FlaggedPrograms>;

    // ---- Maintenance -------------------------------------------------------------

    /// Rebuilds every rollup from the records (system principal only).
    async fn recount_programs(&self, p: &Principal) -> Result<RecountReport>;
}
