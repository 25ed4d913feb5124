//! Dashboards: how a document's implementation stands in a unit's subtree on today's
//! date, with one row per child for drill-down, and the overdue units with who answers
//! for each. The same store calls as the page (`crate::dashboards`): two reads of the
//! rollups, not a recount.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use domain::{Dashboard, DocumentId, OrgId};
use serde::Serialize;
use store::{Document, Org, OverdueUnit};
use time::Date;
use utoipa::{OpenApi, ToSchema};

use super::cascades::{OverdueMilestone, PersonDto, milestones, secretary};
use super::documents::DocumentDto;
use super::orgs::OrgDto;
use super::{ApiResult, id, ok, page};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::forms::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/dashboards/{org}/{document}", get(dashboard))
        .route("/api/dashboards/{org}/{document}/overdue", get(overdue))
}

#[derive(OpenApi)]
#[openapi(paths(dashboard, overdue))]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// The counters of a subtree on a day. Study, program and reports each partition
/// `units_total`; the five task counters partition `tasks_total`.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardDto {
    pub units_total: i64,
    pub studied: i64,
    pub studied_late: i64,
    pub study_pending: i64,
    pub study_overdue: i64,
    pub program_issued: i64,
    pub program_late: i64,
    pub program_pending: i64,
    pub program_overdue: i64,
    /// Units with an interim review deadline are the total of these four.
    pub review_done: i64,
    pub review_late: i64,
    pub review_pending: i64,
    pub review_overdue: i64,
    pub reports_not_due: i64,
    pub reports_on_time: i64,
    pub reports_late: i64,
    pub reports_behind: i64,
    pub tasks_total: i64,
    pub tasks_not_started: i64,
    pub tasks_on_track: i64,
    pub tasks_at_risk: i64,
    pub tasks_done: i64,
    pub tasks_overdue: i64,
    /// Returned updates not yet followed by an accepted one.
    pub returned_updates: i64,
}

impl From<&Dashboard> for DashboardDto {
    fn from(d: &Dashboard) -> DashboardDto {
        DashboardDto {
            units_total: d.units_total,
            studied: d.studied,
            studied_late: d.studied_late,
            study_pending: d.study_pending,
            study_overdue: d.study_overdue,
            program_issued: d.program_issued,
            program_late: d.program_late,
            program_pending: d.program_pending,
            program_overdue: d.program_overdue,
            review_done: d.review_done,
            review_late: d.review_late,
            review_pending: d.review_pending,
            review_overdue: d.review_overdue,
            reports_not_due: d.reports_not_due,
            reports_on_time: d.reports_on_time,
            reports_late: d.reports_late,
            reports_behind: d.reports_behind,
            tasks_total: d.tasks_total,
            tasks_not_started: d.tasks_not_started,
            tasks_on_track: d.tasks_on_track,
            tasks_at_risk: d.tasks_at_risk,
            tasks_done: d.tasks_done,
            tasks_overdue: d.tasks_overdue,
            returned_updates: d.returned_updates,
        }
    }
}

/// A child's line for drill-down.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildDashboard {
    pub org_id: i64,
    pub org_name: String,
    pub dashboard: DashboardDto,
}

/// A unit with an overdue milestone, and its secretary.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueUnitDto {
    pub cascade_unit_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub overdue: Vec<OverdueMilestone>,
    pub secretary: Option<PersonDto>,
}

impl From<&OverdueUnit> for OverdueUnitDto {
    fn from(o: &OverdueUnit) -> OverdueUnitDto {
        OverdueUnitDto {
            cascade_unit_id: o.cascade_unit_id.0,
            org_id: o.org_id.0,
            org_name: o.org_name.clone(),
            overdue: milestones(o),
            secretary: secretary(o),
        }
    }
}

/// A document's implementation in a unit's subtree.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardPage {
    pub org: OrgDto,
    pub document: DocumentDto,
    pub as_of: Date,
    pub dashboard: DashboardDto,
    /// The children the chain reached, for drill-down.
    pub children: Vec<ChildDashboard>,
    /// The first 200 overdue units of the subtree, by path (all: `/overdue`).
    pub overdue_units: Vec<OverdueUnitDto>,
    /// The 100 oldest overdue tasks of the subtree, with who answers for each.
    pub overdue_tasks: Vec<OverdueTaskDto>,
    /// The document's targets (then the unit's own program's) against their values.
    pub targets: Vec<TargetProgressDto>,
    /// Tasks that became done per week (Monday), oldest first: the progress line.
    pub done_by_week: Vec<WeekDone>,
    /// Issued programs the plan-quality check flags (copied, or scored under 50).
    pub flagged_programs: FlaggedDto,
}

/// A task past its deadline and not done.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueTaskDto {
    pub task_id: i64,
    pub program_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub content: String,
    pub deadline: Date,
    /// `not_started`, `on_track` or `at_risk`.
    pub status: String,
    pub percent: Option<u8>,
    pub responsible: Option<PersonDto>,
}

impl From<&store::OverdueTask> for OverdueTaskDto {
    fn from(t: &store::OverdueTask) -> OverdueTaskDto {
        OverdueTaskDto {
            task_id: t.task_id.0,
            program_id: t.program_id.0,
            org_id: t.org_id.0,
            org_name: t.org_name.clone(),
            content: t.content.clone(),
            deadline: t.deadline,
            status: t.status.as_str().to_owned(),
            percent: t.percent,
            responsible: t.responsible.as_ref().map(|(id, name)| PersonDto {
                member_id: id.0,
                name: name.clone(),
            }),
        }
    }
}

/// A target, its latest accepted value, and the subtree's tasks that serve it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetProgressDto {
    pub target_id: i64,
    pub indicator: String,
    pub baseline: Option<f64>,
    pub target_value: f64,
    pub unit: String,
    pub deadline: Option<Date>,
    pub current_value: Option<f64>,
    pub current_on: Option<Date>,
    /// A target of the unit's own program (else of the document).
    pub own: bool,
    pub tasks: i64,
    pub tasks_done: i64,
}

impl From<&store::TargetProgress> for TargetProgressDto {
    fn from(t: &store::TargetProgress) -> TargetProgressDto {
        let tg = &t.target.target;
        TargetProgressDto {
            target_id: t.target.id.0,
            indicator: tg.indicator.clone(),
            baseline: tg.baseline,
            target_value: tg.target_value,
            unit: tg.unit.clone(),
            deadline: tg.deadline,
            current_value: t.target.current_value,
            current_on: t.target.current_on,
            own: t.own,
            tasks: t.tasks,
            tasks_done: t.tasks_done,
        }
    }
}

/// Tasks that became done in the week starting `week`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekDone {
    pub week: Date,
    pub done: i64,
}

/// The flagged programs of the subtree.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedDto {
    /// Issued programs assessed.
    pub assessed: i64,
    pub flagged_total: i64,
    /// The 50 worst.
    pub programs: Vec<FlaggedProgramDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlaggedProgramDto {
    pub program_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub symbol: Option<String>,
    /// `copied`, `adapted`, `original` or `unchecked`.
    pub verdict: String,
    pub copied_fraction: f64,
    pub score: u32,
}

impl From<&store::FlaggedProgram> for FlaggedProgramDto {
    fn from(f: &store::FlaggedProgram) -> FlaggedProgramDto {
        FlaggedProgramDto {
            program_id: f.program_id.0,
            org_id: f.org_id.0,
            org_name: f.org_name.clone(),
            symbol: f.symbol.clone(),
            verdict: f.assessment.verdict.as_str().to_owned(),
            copied_fraction: f.assessment.copied_fraction,
            score: f.assessment.score,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueUnits {
    pub org_id: i64,
    pub document_id: i64,
    pub as_of: Date,
    pub units: Vec<OverdueUnitDto>,
}

// ---- Handlers ---------------------------------------------------------------------------

async fn load(
    st: &AppState,
    auth: &Auth,
    raw_org: &str,
    raw_doc: &str,
) -> Result<(Org, Document), ApiError> {
    let org = st.store.org_get(&auth.p, id::<OrgId>(raw_org)?).await?;
    let doc = st
        .store
        .document(&auth.p, id::<DocumentId>(raw_doc)?)
        .await?;
    Ok((org, doc))
}

/// A document's dashboard for a unit and its children.
///
/// The rollup of a document for a unit and each of its children, and the overdue units
/// (like the page `/dashboards/{org}/{document}`).
#[utoipa::path(get, path = "/api/dashboards/{org}/{document}", tag = "dashboards",
    params(("org" = i64, Path, description = "The unit"),
        ("document" = i64, Path, description = "Any document of the chain")),
    responses((status = 200, description = "OK", body = DashboardPage), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn dashboard(
    auth: Auth,
    State(st): State<AppState>,
    Path((raw_org, raw_doc)): Path<(String, String)>,
) -> ApiResult {
    let p = &auth.p;
    let (org, doc) = load(&st, &auth, &raw_org, &raw_doc).await?;
    let today = today();
    let d = st.store.dashboard(p, org.id, doc.id, today).await?;
    let mut children = Vec::new();
    for c in st.store.child_dashboards(p, org.id, doc.id, today).await? {
        let cd = c.dashboard;
        if cd.units_total > 0 {
            children.push(ChildDashboard {
                org_id: c.org.id.0,
                org_name: c.org.name.clone(),
                dashboard: DashboardDto::from(&cd),
            });
        }
    }
    let overdue = st
        .store
        .overdue_units(
            p,
            org.id,
            doc.id,
            today,
            store::Page {
                offset: 0,
                limit: 200,
            },
        )
        .await?;
    let first = |limit| store::Page { offset: 0, limit };
    let overdue_tasks = st
        .store
        .overdue_tasks(p, org.id, doc.id, today, first(100))
        .await?;
    let targets = st.store.targets_progress(p, org.id, doc.id).await?;
    let series = st.store.progress_series(p, org.id, doc.id).await?;
    let flagged = st
        .store
        .flagged_programs(p, org.id, doc.id, first(50))
        .await?;
    ok(DashboardPage {
        org: OrgDto::from(&org),
        document: DocumentDto::from(&doc),
        as_of: today,
        dashboard: DashboardDto::from(&d),
        children,
        overdue_units: overdue.iter().map(OverdueUnitDto::from).collect(),
        overdue_tasks: overdue_tasks.iter().map(OverdueTaskDto::from).collect(),
        targets: targets.iter().map(TargetProgressDto::from).collect(),
        done_by_week: series
            .iter()
            .map(|pt| WeekDone {
                week: pt.week,
                done: pt.done,
            })
            .collect(),
        flagged_programs: FlaggedDto {
            assessed: flagged.assessed,
            flagged_total: flagged.flagged_total,
            programs: flagged
                .flagged
                .iter()
                .map(FlaggedProgramDto::from)
                .collect(),
        },
    })
}

/// The overdue units of a subtree.
///
/// The units of the subtree with an overdue milestone today, by path, with their
/// secretaries.
#[utoipa::path(get, path = "/api/dashboards/{org}/{document}/overdue", tag = "dashboards",
    params(("org" = i64, Path, description = "The unit"),
        ("document" = i64, Path, description = "Any document of the chain"),
        ("offset" = Option<u32>, Query, description = "Skip this many (0)"),
        ("limit" = Option<u32>, Query, description = "At most this many, 1–2000 (500)")),
    responses((status = 200, description = "OK", body = OverdueUnits), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn overdue(
    auth: Auth,
    State(st): State<AppState>,
    Path((raw_org, raw_doc)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let (org, doc) = load(&st, &auth, &raw_org, &raw_doc).await?;
    let today = today();
    let units = st
        .store
        .overdue_units(&auth.p, org.id, doc.id, today, page(&query, 500, 2000))
        .await?;
    ok(OverdueUnits {
        org_id: org.id.0,
        document_id: doc.id.0,
        as_of: today,
        units: units.iter().map(OverdueUnitDto::from).collect(),
    })
}
