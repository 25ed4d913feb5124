//! Inspection and supervision (issue 16): the year's program and its items, the notice,
//! the subject's self-report, findings, concluding, a recommendation adopted as a task,
//! its remediation and the body's decision, the dashboard and the suggestions. The same
//! store calls as the pages (`crate::inspection`), and the pages' own parsing: a JSON body
//! is turned into the form's fields and read by the same `parse_*` function, so a rule is
//! written once. Self-reports and remediation are text here; their evidence files are
//! uploaded with the pages' multipart forms (`POST /inspection-subjects/{id}/report`,
//! `POST /recommendations/{id}/remediation`), as for progress updates.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::{Invalid, OrgId};
use serde::{Deserialize, Serialize};
use store::{Conclusion, InspectionDashboard, Item, NewRecommendation, Recommendation};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, created, id, ok};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::forms::{FormData, query_param, today};
use crate::inspection::{
    parse_content, parse_finding, parse_item, parse_notice, parse_program, parse_responsible,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/inspection/programs", post(program_create))
        .route("/api/inspection-programs/{id}", get(program))
        .route("/api/inspection-programs/{id}/items", post(item_create))
        .route("/api/inspection-items/{id}", get(item))
        .route("/api/inspection-items/{id}/notify", post(notify))
        .route("/api/inspection-items/{id}/findings", post(finding_add))
        .route("/api/inspection-items/{id}/task-choices", get(task_choices))
        .route("/api/inspection-items/{id}/content", post(content_set))
        .route("/api/inspection-items/{id}/conclude", post(conclude))
        .route("/api/inspection-subjects/{id}/report", post(self_report))
        .route("/api/recommendations/{id}", get(recommendation))
        .route("/api/recommendations/{id}/adopt", post(adopt))
        .route("/api/recommendations/{id}/remediation", post(remediation))
        .route("/api/recommendations/{id}/decision", post(decide))
        .route("/api/orgs/{id}/inspection/dashboard", get(dashboard))
        .route("/api/orgs/{id}/inspection/suggestions", get(suggestions))
}

#[derive(OpenApi)]
#[openapi(paths(
    program_create,
    program,
    item_create,
    item,
    notify,
    task_choices,
    content_set,
    finding_add,
    conclude,
    self_report,
    recommendation,
    adopt,
    remediation,
    decide,
    dashboard,
    suggestions
))]
pub struct Doc;

/// A finding (only once the user may see findings: the team and the body always, the
/// subject after the conclusion).
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingDto {
    pub id: i64,
    pub subject_id: i64,
    /// `strength`, `shortcoming` or `violation`.
    pub kind: String,
    /// `general`, `task`, `target`, `program`, `study` or `report`.
    pub about: String,
    pub about_id: Option<i64>,
    pub about_label: Option<String>,
    pub text: String,
    pub recurring: bool,
}

/// A recommendation with its state and who answers for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationDto {
    pub id: i64,
    pub item_id: i64,
    pub notice_symbol: Option<String>,
    pub acting_org_id: i64,
    pub acting_org_name: String,
    pub text: String,
    pub deadline: String,
    /// `open`, `tasked`, `reported`, `returned` or `closed`.
    pub state: String,
    pub responsible_name: Option<String>,
    pub task_id: Option<i64>,
    pub closed_on: Option<String>,
    /// Each remediation: (note, decision `verified`/`returned`/null, reason).
    pub remediations: Vec<RemediationDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemediationDto {
    pub note: String,
    pub decision: Option<String>,
    pub reason: Option<String>,
    pub files: Vec<String>,
}

impl From<&Recommendation> for RecommendationDto {
    fn from(r: &Recommendation) -> Self {
        RecommendationDto {
            id: r.id,
            item_id: r.item_id,
            notice_symbol: r.notice_symbol.clone(),
            acting_org_id: r.acting_org_id.0,
            acting_org_name: r.acting_org_name.clone(),
            text: r.text.clone(),
            deadline: r.deadline.to_string(),
            state: r.state.as_str().to_owned(),
            responsible_name: r.responsible_name.clone(),
            task_id: r.task_id.map(|t| t.0),
            closed_on: r.closed_on.map(|d| d.to_string()),
            remediations: r
                .remediations
                .iter()
                .map(|x| RemediationDto {
                    note: x.note.clone(),
                    decision: x.decision.clone(),
                    reason: x.reason.clone(),
                    files: x
                        .files
                        .iter()
                        .map(|f| format!("/inspection-files/{}", f.id))
                        .collect(),
                })
                .collect(),
        }
    }
}

/// An item of a program of inspection and supervision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    pub program_id: i64,
    pub org_name: String,
    /// `committee`, `inspection_committee`, `fatherland_front`, `mass_organization`.
    pub body: String,
    /// `inspection`, `thematic_supervision`, `regular_supervision`, `social_criticism`.
    pub kind: String,
    pub title: String,
    pub content: String,
    /// `planned`, `notified`, `reported`, `concluded`.
    pub state: String,
    pub starts_on: String,
    pub ends_on: String,
    pub self_report_due: Option<String>,
    pub conclusion_due: Option<String>,
    /// The subjects' names (see `subject_details` for their ids).
    pub subjects: Vec<String>,
    /// The resolution whose implementation is looked at.
    pub document_id: Option<i64>,
    /// The program looked at, and its title.
    pub content_program_id: Option<i64>,
    pub content_program_title: Option<String>,
    /// The named tasks looked at, in their order.
    pub tasks: Vec<ItemTaskDto>,
    /// Each subject with its id (for its self-report) and whether it has reported.
    pub subject_details: Vec<SubjectDto>,
    /// The team: (member id, name, `head`/`member`/`secretary`).
    pub team: Vec<TeamDto>,
    pub notice_symbol: Option<String>,
    pub conclusion: Option<String>,
    /// Whether the user sees the findings (false: they are not listed).
    pub sees_findings: bool,
    pub findings: Vec<FindingDto>,
    pub recommendations: Vec<RecommendationDto>,
}

impl From<&Item> for ItemDto {
    fn from(i: &Item) -> Self {
        ItemDto {
            id: i.id,
            program_id: i.program_id,
            org_name: i.org_name.clone(),
            body: i.body.as_str().to_owned(),
            kind: i.kind.as_str().to_owned(),
            title: i.title.clone(),
            content: i.content.clone(),
            state: i.state.as_str().to_owned(),
            starts_on: i.starts_on.to_string(),
            ends_on: i.ends_on.to_string(),
            self_report_due: i.self_report_due.map(|d| d.to_string()),
            conclusion_due: i.conclusion_due.map(|d| d.to_string()),
            subjects: i.subjects.iter().map(|s| s.org_name.clone()).collect(),
            document_id: i.document_id.map(|d| d.0),
            content_program_id: i.content_program_id.map(|x| x.0),
            content_program_title: i.content_program_title.clone(),
            tasks: i.tasks.iter().map(ItemTaskDto::from).collect(),
            subject_details: i
                .subjects
                .iter()
                .map(|s| SubjectDto {
                    id: s.id,
                    org_id: s.org_id.0,
                    org_name: s.org_name.clone(),
                    member_id: s.member_id.map(|m| m.0),
                    member_name: s.member_name.clone(),
                    reported: s.reported_at.is_some(),
                    report: s.report.clone(),
                    files: s
                        .files
                        .iter()
                        .map(|f| format!("/inspection-files/{}", f.id))
                        .collect(),
                })
                .collect(),
            team: i
                .team
                .iter()
                .map(|t| TeamDto {
                    member_id: t.member_id.0,
                    name: t.name.clone(),
                    role: t.role.as_str().to_owned(),
                })
                .collect(),
            notice_symbol: i.notice_symbol.clone(),
            conclusion: i.conclusion.clone(),
            sees_findings: i.sight.findings,
            findings: i.findings.iter().map(finding_dto).collect(),
            recommendations: i
                .recommendations
                .iter()
                .map(RecommendationDto::from)
                .collect(),
        }
    }
}

/// A task an item looks at (or may name), as it stands in its program.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemTaskDto {
    pub id: i64,
    pub program_id: i64,
    pub program_title: String,
    /// Whether the program is the unit's issued version (false: revised since).
    pub current: bool,
    pub org_id: i64,
    pub org_name: String,
    pub content: String,
    pub responsible_name: Option<String>,
    pub deadline: Option<String>,
    /// `not_started`, `on_track`, `at_risk`, `done`.
    pub status: String,
    pub percent: Option<u8>,
}

impl From<&store::ItemTask> for ItemTaskDto {
    fn from(t: &store::ItemTask) -> Self {
        ItemTaskDto {
            id: t.id.0,
            program_id: t.program_id.0,
            program_title: t.program_title.clone(),
            current: t.current,
            org_id: t.org_id.0,
            org_name: t.org_name.clone(),
            content: t.content.clone(),
            responsible_name: t.responsible_name.clone(),
            deadline: t.deadline.map(|d| d.to_string()),
            status: t.status.as_str().to_owned(),
            percent: t.percent,
        }
    }
}

/// A subject of an item: a unit, or a member holding a position in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubjectDto {
    /// The subject's id: `POST /api/inspection-subjects/{id}/report` sends its self-report.
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub reported: bool,
    /// The self-report's text, when the user may read it.
    pub report: Option<String>,
    /// The self-report's evidence files (download addresses).
    pub files: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamDto {
    pub member_id: i64,
    pub name: String,
    /// `head`, `member` or `secretary`.
    pub role: String,
}

/// A body's program of inspection and supervision for a year.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// `committee`, `inspection_committee`, `fatherland_front`, `mass_organization`.
    pub body: String,
    pub year: i32,
    pub title: String,
    /// Its items (with `GET /api/inspection-programs/{id}`).
    pub items: Vec<ItemLineDto>,
}

/// One item of a program's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemLineDto {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub subjects: Vec<String>,
    pub state: String,
    pub starts_on: String,
    pub ends_on: String,
    pub self_report_due: Option<String>,
    pub notice_symbol: Option<String>,
}

fn program_dto(p: &store::InspectionProgram, items: &[store::ItemSummary]) -> ProgramDto {
    ProgramDto {
        id: p.id,
        org_id: p.org_id.0,
        org_name: p.org_name.clone(),
        body: p.body.as_str().to_owned(),
        year: p.year,
        title: p.title.clone(),
        items: items
            .iter()
            .map(|i| ItemLineDto {
                id: i.id,
                kind: i.kind.as_str().to_owned(),
                title: i.title.clone(),
                subjects: i.subjects.clone(),
                state: i.state.as_str().to_owned(),
                starts_on: i.starts_on.to_string(),
                ends_on: i.ends_on.to_string(),
                self_report_due: i.self_report_due.map(|d| d.to_string()),
                notice_symbol: i.notice_symbol.clone(),
            })
            .collect(),
    }
}

/// The finding as the JSON API answers it.
fn finding_dto(f: &store::Finding) -> FindingDto {
    FindingDto {
        id: f.id,
        subject_id: f.subject_id,
        kind: f.kind.as_str().to_owned(),
        about: f.about.as_str().to_owned(),
        about_id: f.about_id,
        about_label: f.about_label.clone(),
        text: f.text.clone(),
        recurring: f.recurring,
    }
}

/// The form's fields from a JSON body: the pages' `parse_*` functions read them, so the
/// API and the pages share one set of rules.
fn fields<'a>(pairs: impl IntoIterator<Item = (&'a str, Option<String>)>) -> FormData {
    FormData(
        pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
            .collect(),
    )
}

/// A new program: the body it is run by at the unit, and the year.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ProgramInput {
    /// `committee`, `inspection_committee`, `fatherland_front` or `mass_organization`: a
    /// body the user acts for at the unit.
    pub body: Option<String>,
    pub year: Option<i32>,
    pub title: Option<String>,
}

/// A subject of a new item: a unit, or a member holding a position in it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SubjectInput {
    pub org_id: i64,
    pub member_id: Option<i64>,
}

/// A member of the team with a role.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TeamInput {
    pub member_id: i64,
    /// `head` (exactly one), `member` or `secretary`.
    pub role: String,
}

/// A new item of a program.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ItemInput {
    /// `inspection`, `thematic_supervision`, `regular_supervision`, `social_criticism`
    /// (those the program's body may run).
    pub kind: Option<String>,
    pub title: Option<String>,
    /// What is inspected or supervised, in words (markdown): a resolution's
    /// implementation, a program, named tasks.
    pub content: Option<String>,
    /// The resolution whose implementation is looked at.
    pub document_id: Option<i64>,
    /// A program looked at (a subject unit's, or a unit's under it).
    pub program_id: Option<i64>,
    /// Named tasks looked at: tasks of programs of the subject units (see
    /// `GET /api/inspection-items/{id}/task-choices` once the item exists).
    #[serde(default)]
    pub tasks: Vec<i64>,
    /// Units in the body's subtree, or members holding positions there.
    #[serde(default)]
    pub subjects: Vec<SubjectInput>,
    #[serde(default)]
    pub team: Vec<TeamInput>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    /// The schedule.
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

/// What a planned item looks at.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ItemContentInput {
    /// The program looked at (a subject unit's), or none.
    pub program_id: Option<i64>,
    /// Task ids, in the order to show them; an empty list names none.
    #[serde(default)]
    pub tasks: Vec<i64>,
}

/// The decision and plan sent to the subjects.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NoticeInput {
    pub notified_on: Option<String>,
    /// Required for kinds with a self-report.
    pub self_report_due: Option<String>,
}

/// A subject's self-report (text; files go through the page's multipart form).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SelfReportInput {
    pub text: Option<String>,
}

/// A finding.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FindingInput {
    /// The item's subject it is about (`subject_details[].id`).
    pub subject_id: Option<i64>,
    /// `strength`, `shortcoming` or `violation`.
    pub kind: Option<String>,
    /// `general` (default), `task`, `target`, `program`, `study` or `report`.
    pub about: Option<String>,
    pub about_id: Option<i64>,
    /// A program's section (`purpose`, `tasks_and_solutions`, `organization`).
    pub about_part: Option<String>,
    pub text: Option<String>,
}

/// Adopting a recommendation as a follow-up task.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AdoptInput {
    /// The member of the acting unit's subtree who answers for the task.
    pub responsible_member_id: Option<i64>,
}

/// A remediation report (text; files go through the page's multipart form).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RemediationInput {
    pub note: Option<String>,
}

/// A recommendation as sent to conclude.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RecommendationInput {
    pub acting_org_id: Option<i64>,
    pub text: Option<String>,
    /// `YYYY-MM-DD` or `dd/mm/yyyy`; required.
    pub deadline: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ConclusionInput {
    pub concluded_on: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub recommendations: Vec<RecommendationInput>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct DecisionInput {
    /// `verify` (closes the recommendation) or `return` (needs `reason`).
    pub decision: Option<String>,
    pub reason: Option<String>,
}

/// The dashboard's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardDto {
    pub org_id: i64,
    pub year: i32,
    pub planned: u32,
    pub done: u32,
    pub never_inspected: u32,
    pub overdue: u32,
    pub adverse_findings: u32,
    pub recurring_findings: u32,
    /// (unit, last conclusion date or null, items this term)
    pub coverage: Vec<(String, Option<String>, u32)>,
    /// (band, count): `0_30`, `31_90`, `91_180`, `over_180` days since the conclusion.
    pub open_by_age: Vec<(String, u32)>,
    /// Open recommendations, oldest first (at most 200 listed).
    pub open: Vec<OpenDto>,
}

/// An open recommendation on the dashboard.
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenDto {
    pub id: i64,
    pub acting_org_name: String,
    pub text: String,
    pub state: String,
    pub deadline: String,
    /// Days since the conclusion.
    pub age_days: i64,
    pub responsible_name: Option<String>,
    pub overdue: bool,
}

impl From<&InspectionDashboard> for DashboardDto {
    fn from(d: &InspectionDashboard) -> Self {
        DashboardDto {
            org_id: d.org_id.0,
            year: d.year,
            planned: d.planned,
            done: d.done,
            never_inspected: d.never_inspected,
            overdue: d.overdue,
            adverse_findings: d.adverse_findings,
            recurring_findings: d.recurring_findings,
            coverage: d
                .coverage
                .iter()
                .map(|c| {
                    (
                        c.org_name.clone(),
                        c.last_concluded.map(|x| x.to_string()),
                        c.items,
                    )
                })
                .collect(),
            open_by_age: d
                .open_by_age
                .iter()
                .map(|(b, n)| ((*b).to_owned(), *n))
                .collect(),
            open: d
                .open
                .iter()
                .map(|o| OpenDto {
                    id: o.id,
                    acting_org_name: o.acting_org_name.clone(),
                    text: o.text.clone(),
                    state: o.state.as_str().to_owned(),
                    deadline: o.deadline.to_string(),
                    age_days: o.age_days,
                    responsible_name: o.responsible_name.clone(),
                    overdue: o.overdue,
                })
                .collect(),
        }
    }
}

/// A unit suggested for supervision with its reasons (each a tagged object with its
/// figures: `flagged_program`, `overdue_tasks`, `low_study`, `recommendations_past_due`, `contradicted_reports`,
/// `never_inspected`).
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionDto {
    pub org_id: i64,
    pub org_name: String,
    /// The reasons in the user's language.
    pub reasons: Vec<String>,
    #[schema(value_type = Vec<Object>)]
    pub reason_codes: Vec<serde_json::Value>,
}

#[utoipa::path(get, path = "/api/inspection-items/{id}", tag = "inspection",
    params(("id" = i64, Path, description = "The item")),
    responses((status = 200, description = "OK", body = ItemDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody)))]
async fn item(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let i = st
        .store
        .inspection_item(&auth.p, id(&raw)?, today())
        .await?;
    ok(ItemDto::from(&i))
}

#[utoipa::path(post, path = "/api/inspection-items/{id}/conclude", tag = "inspection",
    params(("id" = i64, Path, description = "The item")),
    request_body = ConclusionInput,
    responses((status = 200, description = "Concluded", body = ItemDto), (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not at the step of concluding", body = ErrorBody)))]
async fn conclude(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let i = st
        .store
        .inspection_item(&auth.p, id(&raw)?, today())
        .await?;
    let input: ConclusionInput = body(&bytes)?;
    let mut inv = Invalid::default();
    let on = match input.concluded_on.as_deref().map(str::trim) {
        None | Some("") => {
            inv.push("concluded_on", "required");
            None
        }
        Some(d) => inv.take(domain::validate::date("concluded_on", d)),
    };
    let mut recs = Vec::new();
    for r in &input.recommendations {
        let deadline = super::opt_date(&mut inv, "deadline", r.deadline.as_deref()).flatten();
        recs.push(NewRecommendation {
            acting_org_id: r.acting_org_id.map(OrgId),
            text: r.text.clone().unwrap_or_default(),
            deadline,
        });
    }
    let Some(on) = on.filter(|_| inv.is_empty()) else {
        return Err(ApiError::Invalid(inv));
    };
    let done = st
        .store
        .conclude_inspection_item(
            &auth.p,
            i.id,
            Conclusion {
                concluded_on: on,
                text: input.text.unwrap_or_default(),
                recommendations: recs,
            },
        )
        .await?;
    ok(ItemDto::from(&done))
}

#[utoipa::path(get, path = "/api/recommendations/{id}", tag = "inspection",
    params(("id" = i64, Path, description = "The recommendation")),
    responses((status = 200, description = "OK", body = RecommendationDto), (status = 404, description = "Not found", body = ErrorBody)))]
async fn recommendation(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult {
    let r = st.store.recommendation(&auth.p, id(&raw)?).await?;
    ok(RecommendationDto::from(&r))
}

#[utoipa::path(post, path = "/api/recommendations/{id}/decision", tag = "inspection",
    params(("id" = i64, Path, description = "The recommendation")),
    request_body = DecisionInput,
    responses((status = 200, description = "Decided", body = RecommendationDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 403, description = "Not the concluding body", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "No remediation to verify: nothing closes unverified", body = ErrorBody)))]
async fn decide(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let r = st.store.recommendation(&auth.p, id(&raw)?).await?;
    let input: DecisionInput = body(&bytes)?;
    let verify = match input.decision.as_deref().map(str::trim) {
        Some("verify") => true,
        Some("return") => false,
        None | Some("") => return Err(ApiError::Invalid(Invalid::one("decision", "required"))),
        Some(_) => return Err(ApiError::Invalid(Invalid::one("decision", "bad_choice"))),
    };
    let out = st
        .store
        .decide_remediation(&auth.p, r.id, verify, input.reason, today())
        .await?;
    ok(RecommendationDto::from(&out))
}

#[utoipa::path(get, path = "/api/orgs/{id}/inspection/dashboard", tag = "inspection",
    params(("id" = i64, Path, description = "The subtree's root"),
        ("year" = Option<i32>, Query, description = "The year (this year)")),
    responses((status = 200, description = "OK", body = DashboardDto), (status = 404, description = "Not found", body = ErrorBody)))]
async fn dashboard(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let year = query_param(&query, "year")
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| today().year());
    let d = st
        .store
        .inspection_dashboard(&auth.p, id(&raw)?, year, today())
        .await?;
    ok(DashboardDto::from(&d))
}

#[utoipa::path(get, path = "/api/orgs/{id}/inspection/suggestions", tag = "inspection",
    params(("id" = i64, Path, description = "The subtree's root")),
    responses((status = 200, description = "OK", body = Vec<SuggestionDto>), (status = 404, description = "Not found", body = ErrorBody)))]
async fn suggestions(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let list = st
        .store
        .supervision_suggestions(&auth.p, id(&raw)?, today(), 100)
        .await?;
    let out: Vec<SuggestionDto> = list
        .iter()
        .map(|s| SuggestionDto {
            org_id: s.org_id.0,
            org_name: s.org_name.clone(),
            reasons: s
                .reasons
                .iter()
                .map(|r| crate::inspection::reason_text(&auth.ctx, r))
                .collect(),
            reason_codes: s
                .reasons
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .collect(),
        })
        .collect();
    ok(out)
}

#[utoipa::path(post, path = "/api/orgs/{id}/inspection/programs", tag = "inspection",
    params(("id" = i64, Path, description = "The unit whose body runs the program")),
    request_body = ProgramInput,
    responses((status = 201, description = "Created", body = ProgramDto), (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
        (status = 403, description = "The user does not act for that body here", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "The body has a program for that year (`inspection_program_exists`)", body = ErrorBody)))]
async fn program_create(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let org = st.store.org_get(&auth.p, id::<OrgId>(&raw)?).await?;
    let input: ProgramInput = body(&bytes)?;
    let f = fields([
        ("body", input.body),
        ("year", input.year.map(|y| y.to_string())),
        ("title", input.title),
    ]);
    let new = parse_program(org.id, &f).map_err(ApiError::Invalid)?;
    let pr = st.store.create_inspection_program(&auth.p, new).await?;
    created(program_dto(&pr, &[]))
}

#[utoipa::path(get, path = "/api/inspection-programs/{id}", tag = "inspection",
    params(("id" = i64, Path, description = "The program")),
    responses((status = 200, description = "The program and its items", body = ProgramDto), (status = 404, description = "Not found", body = ErrorBody)))]
async fn program(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let (pr, items) = st.store.inspection_program(&auth.p, id(&raw)?).await?;
    ok(program_dto(&pr, &items))
}

#[utoipa::path(post, path = "/api/inspection-programs/{id}/items", tag = "inspection",
    params(("id" = i64, Path, description = "The program")),
    request_body = ItemInput,
    responses((status = 201, description = "Created", body = ItemDto), (status = 400, description = "Bad input: the error names the field (`subject_outside_body`, `team_head_required`, …)", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
async fn item_create(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let (pr, _) = st.store.inspection_program(&auth.p, id(&raw)?).await?;
    let input: ItemInput = body(&bytes)?;
    let mut inv = Invalid::default();
    let mut pairs: Vec<(&str, Option<String>)> = vec![
        ("kind", input.kind),
        ("title", input.title),
        ("content", input.content),
        ("document", input.document_id.map(|d| d.to_string())),
        ("program", input.program_id.map(|d| d.to_string())),
        ("period_from", input.period_from),
        ("period_to", input.period_to),
        ("starts_on", input.starts_on),
        ("ends_on", input.ends_on),
    ];
    for t in &input.tasks {
        pairs.push(("tasks", Some(t.to_string())));
    }
    for s in &input.subjects {
        let v = match s.member_id {
            Some(m) => format!("{}:{m}", s.org_id),
            None => s.org_id.to_string(),
        };
        pairs.push(("subjects", Some(v)));
    }
    for t in &input.team {
        let name = match t.role.trim() {
            "head" => "head",
            "member" => "members",
            "secretary" => "secretary",
            _ => {
                inv.push("team", "bad_choice");
                continue;
            }
        };
        pairs.push((name, Some(t.member_id.to_string())));
    }
    let (new, more) = parse_item(&fields(pairs));
    for m in more.0 {
        inv.0.push(m);
    }
    if !inv.is_empty() {
        return Err(ApiError::Invalid(inv));
    }
    let item = st.store.add_inspection_item(&auth.p, pr.id, new).await?;
    created(ItemDto::from(&item))
}

#[utoipa::path(post, path = "/api/inspection-items/{id}/notify", tag = "inspection",
    params(("id" = i64, Path, description = "The item")),
    request_body = NoticeInput,
    responses((status = 200, description = "Notified", body = ItemDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not planned any more", body = ErrorBody)))]
async fn notify(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let i = st
        .store
        .inspection_item(&auth.p, id(&raw)?, today())
        .await?;
    let input: NoticeInput = body(&bytes)?;
    let f = fields([
        ("notified_on", input.notified_on),
        ("self_report_due", input.self_report_due),
    ]);
    let (on, due) = parse_notice(&f).map_err(ApiError::Invalid)?;
    let out = st
        .store
        .notify_inspection_item(&auth.p, i.id, on, due)
        .await?;
    ok(ItemDto::from(&out))
}

#[utoipa::path(get, path = "/api/inspection-items/{id}/task-choices", tag = "inspection",
    params(("id" = i64, Path, description = "The item")),
    responses((status = 200, description = "The tasks of the subjects' issued programs (on the item's resolution) that the item may name, at most 300", body = [ItemTaskDto]),
        (status = 403, description = "Not the team or the body", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody)))]
async fn task_choices(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult {
    let out = st.store.item_task_choices(&auth.p, id(&raw)?).await?;
    ok(out.iter().map(ItemTaskDto::from).collect::<Vec<_>>())
}

#[utoipa::path(post, path = "/api/inspection-items/{id}/content", tag = "inspection",
    params(("id" = i64, Path, description = "The item")),
    request_body = ItemContentInput,
    responses((status = 200, description = "Saved: the item", body = ItemDto),
        (status = 400, description = "Bad input (`program_id`: `bad_choice`, `tasks`: `task_outside_subjects`)", body = ErrorBody),
        (status = 403, description = "Not the team or the body", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "The subjects were notified (`item_tasks_fixed`)", body = ErrorBody)))]
async fn content_set(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let item = id(&raw)?;
    st.store.inspection_item(&auth.p, item, today()).await?;
    let input: ItemContentInput = body(&bytes)?;
    let mut pairs = vec![("program", input.program_id.map(|x| x.to_string()))];
    for t in &input.tasks {
        pairs.push(("tasks", Some(t.to_string())));
    }
    let (program, tasks) = parse_content(&fields(pairs)).map_err(ApiError::Invalid)?;
    let out = st
        .store
        .set_item_content(&auth.p, item, program, tasks)
        .await?;
    ok(ItemDto::from(&out))
}

#[utoipa::path(post, path = "/api/inspection-subjects/{id}/report", tag = "inspection",
    params(("id" = i64, Path, description = "The subject (`subject_details[].id` of the item)")),
    request_body = SelfReportInput,
    responses((status = 200, description = "Submitted: the item", body = ItemDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 403, description = "Not the subject's office", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not open for the self-report (`self_report_closed`)", body = ErrorBody)))]
async fn self_report(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let subject: i64 = id(&raw)?;
    st.store.subject_item_id(&auth.p, subject).await?;
    let input: SelfReportInput = body(&bytes)?;
    let out = st
        .store
        .submit_self_report(
            &auth.p,
            subject,
            input.text.unwrap_or_default(),
            Vec::new(),
            today(),
        )
        .await?;
    ok(ItemDto::from(&out))
}

#[utoipa::path(post, path = "/api/inspection-items/{id}/findings", tag = "inspection",
    params(("id" = i64, Path, description = "The item")),
    request_body = FindingInput,
    responses((status = 201, description = "Recorded", body = FindingDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 403, description = "Not the team or the body", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Concluded already", body = ErrorBody)))]
async fn finding_add(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let i = st
        .store
        .inspection_item(&auth.p, id(&raw)?, today())
        .await?;
    let input: FindingInput = body(&bytes)?;
    let f = fields([
        ("subject", input.subject_id.map(|s| s.to_string())),
        ("kind", input.kind),
        ("about", input.about),
        ("about_id", input.about_id.map(|s| s.to_string())),
        ("about_part", input.about_part),
        ("text", input.text),
    ]);
    let new = parse_finding(&f).map_err(ApiError::Invalid)?;
    let finding = st.store.add_finding(&auth.p, i.id, new).await?;
    created(finding_dto(&finding))
}

#[utoipa::path(post, path = "/api/recommendations/{id}/adopt", tag = "inspection",
    params(("id" = i64, Path, description = "The recommendation")),
    request_body = AdoptInput,
    responses((status = 200, description = "Adopted: a follow-up task of a revision of the acting unit's program", body = RecommendationDto),
        (status = 400, description = "Bad input (`responsible` required, or outside the unit)", body = ErrorBody),
        (status = 403, description = "Not the acting unit", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "No issued program, a draft revision open, or adopted already", body = ErrorBody)))]
async fn adopt(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let r = st.store.recommendation(&auth.p, id(&raw)?).await?;
    let input: AdoptInput = body(&bytes)?;
    let f = fields([(
        "responsible",
        input.responsible_member_id.map(|m| m.to_string()),
    )]);
    let out = st
        .store
        .adopt_recommendation(&auth.p, r.id, parse_responsible(&f), today())
        .await?;
    ok(RecommendationDto::from(&out))
}

#[utoipa::path(post, path = "/api/recommendations/{id}/remediation", tag = "inspection",
    params(("id" = i64, Path, description = "The recommendation")),
    request_body = RemediationInput,
    responses((status = 200, description = "Reported", body = RecommendationDto), (status = 400, description = "Bad input", body = ErrorBody),
        (status = 403, description = "Not the acting unit", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Not a task yet, or awaiting the decision", body = ErrorBody)))]
async fn remediation(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let r = st.store.recommendation(&auth.p, id(&raw)?).await?;
    let input: RemediationInput = body(&bytes)?;
    let out = st
        .store
        .report_remediation(&auth.p, r.id, input.note.unwrap_or_default(), Vec::new())
        .await?;
    ok(RecommendationDto::from(&out))
}
