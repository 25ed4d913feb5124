//! Inspection and supervision (issue 16): an item as the user may see it, concluding it,
//! a recommendation and the body's decision on its remediation, the dashboard and the
//! suggestions. The same store calls as the pages (`crate::inspection`); self-reports and
//! remediation with files go through the pages' multipart forms.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::{Invalid, OrgId};
use serde::{Deserialize, Serialize};
use store::{Conclusion, InspectionDashboard, Item, NewRecommendation, Recommendation};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, id, ok};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::forms::{query_param, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/inspection-items/{id}", get(item))
        .route("/api/inspection-items/{id}/conclude", post(conclude))
        .route("/api/recommendations/{id}", get(recommendation))
        .route("/api/recommendations/{id}/decision", post(decide))
        .route("/api/orgs/{id}/inspection/dashboard", get(dashboard))
        .route("/api/orgs/{id}/inspection/suggestions", get(suggestions))
}

#[derive(OpenApi)]
#[openapi(paths(item, conclude, recommendation, decide, dashboard, suggestions))]
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
    pub subjects: Vec<String>,
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
            notice_symbol: i.notice_symbol.clone(),
            conclusion: i.conclusion.clone(),
            sees_findings: i.sight.findings,
            findings: i
                .findings
                .iter()
                .map(|f| FindingDto {
                    id: f.id,
                    subject_id: f.subject_id,
                    kind: f.kind.as_str().to_owned(),
                    about: f.about.as_str().to_owned(),
                    about_id: f.about_id,
                    about_label: f.about_label.clone(),
                    text: f.text.clone(),
                    recurring: f.recurring,
                })
                .collect(),
            recommendations: i
                .recommendations
                .iter()
                .map(RecommendationDto::from)
                .collect(),
        }
    }
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
