//! Reports and reviews (issue 13): a unit's reports due on a chain, starting one, a
//! report with its factual part and formalism signals, saving the written sections (and
//! for reviews the conference and the decisions), submitting, correcting (a new version
//! that supersedes the submitted one once submitted), applying a review's task decisions
//! to the program, and the upper level's gathered reports. The same store calls as the
//! pages (`crate::reports`); the signed review document is uploaded with the page's
//! multipart form (`POST /reports/{id}/file`), the .docx and .xlsx are the page's
//! downloads (`/reports/{id}/docx`, `/reports/{id}/xlsx`).
//!
//! The factual part and the signals are sent as the store and services build them
//! (`facts`, `signals`: objects whose fields docs/REPORTS.md describes); they are read-only.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::report::{
    Conference, ConferenceForm, Decision, DecisionForm, DueState, ReportKind, ReportSections,
};
use domain::{DocumentId, Invalid, OrgId};
use serde::{Deserialize, Serialize};
use store::{Gathered, NewReport, ReportId, ReportInput, ReportRecord, ReportSummary, UnitReports};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, created, id, ok};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::forms::{query_param, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/reports/{doc}", get(unit).post(start))
        .route("/api/orgs/{id}/reports/{doc}/gathered", get(gathered))
        .route("/api/reports/{id}", get(report).post(save))
        .route("/api/reports/{id}/submit", post(submit))
        .route("/api/reports/{id}/correct", post(correct))
        .route("/api/reports/{id}/apply", post(apply))
}

#[derive(OpenApi)]
#[openapi(paths(unit, start, gathered, report, save, submit, correct, apply))]
pub struct Doc;

/// One period of the unit's schedule and how it stands today.
#[derive(Debug, Serialize, ToSchema)]
pub struct DueDto {
    /// The period's first day: what `POST .../reports/{doc}` names as `period`.
    pub period_start: String,
    pub period_end: String,
    /// The last day a report is on time.
    pub due: String,
    /// `running` (not ended), `open` (ended, not yet due), `overdue`, `submitted`.
    pub state: String,
    pub submitted_on: Option<String>,
    pub late: bool,
}

/// A report in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportSummaryDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// `periodic`, `interim` (sơ kết) or `final` (tổng kết).
    pub kind: String,
    pub period_start: String,
    pub period_end: String,
    /// `draft`, `submitted` or `superseded`.
    pub state: String,
    /// `12-BC/HU`, once submitted.
    pub symbol: Option<String>,
    pub submitted_on: Option<String>,
    pub late: bool,
}

impl From<&ReportSummary> for ReportSummaryDto {
    fn from(r: &ReportSummary) -> Self {
        ReportSummaryDto {
            id: r.id.0,
            org_id: r.org_id.0,
            org_name: r.org_name.clone(),
            kind: r.kind.as_str().to_owned(),
            period_start: r.period.start.to_string(),
            period_end: r.period.end.to_string(),
            state: r.state.as_str().to_owned(),
            symbol: r.symbol.clone(),
            submitted_on: r.submitted_on.map(|d| d.to_string()),
            late: r.late,
        }
    }
}

/// A unit's reports on a chain: the periods due and every report and review it wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitReportsDto {
    pub org_id: i64,
    pub org_name: String,
    pub document_id: i64,
    pub document_symbol: String,
    /// `monthly`, `quarterly`, …, or null when the unit reports on no schedule.
    pub report_every: Option<String>,
    pub interim_review_by: Option<String>,
    pub reports_until: Option<String>,
    /// Periods that have started, newest first.
    pub due: Vec<DueDto>,
    pub reports: Vec<ReportSummaryDto>,
    /// Whether the user writes this unit's reports (the unit's own office).
    pub can_write: bool,
}

impl From<&UnitReports> for UnitReportsDto {
    fn from(u: &UnitReports) -> Self {
        UnitReportsDto {
            org_id: u.org_id.0,
            org_name: u.org_name.clone(),
            document_id: u.document_id.0,
            document_symbol: u.document_symbol.clone(),
            report_every: u
                .deadlines
                .as_ref()
                .map(|d| d.report_every.as_str().to_owned()),
            interim_review_by: u
                .deadlines
                .as_ref()
                .and_then(|d| d.interim_review_by.map(|x| x.to_string())),
            reports_until: u
                .deadlines
                .as_ref()
                .and_then(|d| d.reports_until.map(|x| x.to_string())),
            due: u
                .due
                .iter()
                .map(|d| {
                    let (state, on, late) = match d.state {
                        DueState::Running => ("running", None, false),
                        DueState::Open => ("open", None, false),
                        DueState::Overdue => ("overdue", None, false),
                        DueState::Submitted { on, late } => ("submitted", Some(on), late),
                    };
                    DueDto {
                        period_start: d.period.start.to_string(),
                        period_end: d.period.end.to_string(),
                        due: d.period.due.to_string(),
                        state: state.to_owned(),
                        submitted_on: on.map(|x| x.to_string()),
                        late,
                    }
                })
                .collect(),
            reports: u.reports.iter().map(ReportSummaryDto::from).collect(),
            can_write: u.can_write,
        }
    }
}

/// The conference of a review.
#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
pub struct ConferenceDto {
    /// `YYYY-MM-DD` (inputs also `dd/mm/yyyy`); not in the future.
    pub held_on: Option<String>,
    pub chair: Option<String>,
    /// Members called, and those present (no more than called).
    pub invited: Option<u32>,
    pub present: Option<u32>,
}

/// A decision of a review.
#[derive(Debug, Serialize, Deserialize, ToSchema, Default)]
pub struct DecisionDto {
    /// `task` (a new or adjusted task for the program), `commend` or `criticize`.
    pub kind: Option<String>,
    /// The task, or the unit or person proposed.
    pub subject: Option<String>,
    /// The reason; for a task, its expected output.
    pub reason: Option<String>,
    /// A task's deadline, `YYYY-MM-DD` or `dd/mm/yyyy`.
    pub deadline: Option<String>,
    /// The program draft a task decision was added to (read-only).
    #[serde(default, skip_deserializing)]
    pub program_id: Option<i64>,
}

/// A report or review with its factual part and its signals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportDto {
    #[serde(flatten)]
    pub summary: ReportSummaryDto,
    pub document_id: i64,
    pub document_symbol: String,
    /// The period's due day, if it has one.
    pub due: Option<String>,
    pub supersedes: Option<i64>,
    pub superseded_by: Option<i64>,
    pub assessment: String,
    pub causes: String,
    pub lessons: String,
    pub proposals: String,
    /// Reviews only.
    pub conference: Option<ConferenceDto>,
    pub decisions: Vec<DecisionDto>,
    /// The signed review document's file name, if kept.
    pub file_name: Option<String>,
    /// The factual part generated from the record (frozen at submission; a draft's is
    /// read now): study, program, tasks with the overdue ones and who answers for them,
    /// targets, evidence gaps, lower units' reports, inspection findings and open
    /// recommendations.
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
    /// The formalism signals with their evidence: `copies` (passages shared with the
    /// previous, a sibling's or the upper report), `contradictions` (a claimed figure
    /// and the recorded one), `last_minute`, `evidence_gaps`.
    #[schema(value_type = Object)]
    pub signals: serde_json::Value,
    /// Whether the user writes this report (the unit's own office).
    pub can_write: bool,
}

fn to_value<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

async fn report_dto(st: &AppState, auth: &Auth, r: &ReportRecord) -> Result<ReportDto, ApiError> {
    let facts = crate::reports::facts_of(st, &auth.p, r)
        .await
        .map_err(ApiError::from)?;
    let signals = crate::reports::signals_of(st, &auth.p, r, &facts)
        .await
        .map_err(ApiError::from)?;
    let summary = ReportSummaryDto {
        id: r.id.0,
        org_id: r.org_id.0,
        org_name: r.org_name.clone(),
        kind: r.kind.as_str().to_owned(),
        period_start: r.period.start.to_string(),
        period_end: r.period.end.to_string(),
        state: r.state.as_str().to_owned(),
        symbol: r.symbol.clone(),
        submitted_on: r.submitted_on.map(|d| d.to_string()),
        late: r.late,
    };
    Ok(ReportDto {
        summary,
        document_id: r.root_document_id.0,
        document_symbol: r.document_symbol.clone(),
        due: r.period.due.map(|d| d.to_string()),
        supersedes: r.supersedes.map(|x| x.0),
        superseded_by: r.superseded_by.map(|x| x.0),
        assessment: r.sections.assessment.clone(),
        causes: r.sections.causes.clone(),
        lessons: r.sections.lessons.clone(),
        proposals: r.sections.proposals.clone(),
        conference: r.conference.as_ref().map(|c| ConferenceDto {
            held_on: Some(c.held_on.to_string()),
            chair: Some(c.chair.clone()),
            invited: Some(c.invited),
            present: Some(c.present),
        }),
        decisions: r
            .decisions
            .iter()
            .map(|d| DecisionDto {
                kind: Some(d.decision.kind.as_str().to_owned()),
                subject: Some(d.decision.subject.clone()),
                reason: d.decision.reason.clone(),
                deadline: d.decision.deadline.map(|x| x.to_string()),
                program_id: d.program_id.map(|p| p.0),
            })
            .collect(),
        file_name: r.file.as_ref().map(|(_, _, n)| n.clone()),
        facts: to_value(&facts),
        signals: to_value(&signals),
        can_write: domain::report::may_write(&auth.p, &r.org_path).is_ok(),
    })
}

fn org_doc(raw: &(String, String)) -> Result<(OrgId, DocumentId), ApiError> {
    Ok((OrgId(id(&raw.0)?), DocumentId(id(&raw.1)?)))
}

#[utoipa::path(get, path = "/api/orgs/{id}/reports/{doc}", tag = "reports",
    params(("id" = i64, Path, description = "The unit"), ("doc" = i64, Path, description = "The resolution (any document of its chain)")),
    responses((status = 200, description = "The reports due and written", body = UnitReportsDto),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody)))]
async fn unit(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<(String, String)>,
) -> ApiResult {
    let (org, doc) = org_doc(&raw)?;
    let u = st.store.unit_reports(&auth.p, org, doc, today()).await?;
    ok(UnitReportsDto::from(&u))
}

/// Starting a report.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct StartInput {
    /// `periodic`, `interim` or `final`.
    pub kind: Option<String>,
    /// Periodic: the period's first day (as listed in `due`).
    pub period: Option<String>,
    /// Reviews: the last day the review covers (it must have passed).
    pub period_end: Option<String>,
}

#[utoipa::path(post, path = "/api/orgs/{id}/reports/{doc}", tag = "reports",
    params(("id" = i64, Path, description = "The unit"), ("doc" = i64, Path, description = "The resolution")),
    request_body = StartInput,
    responses((status = 201, description = "The draft (or the open draft of that period)", body = ReportDto),
        (status = 400, description = "Bad input: `period_not_ended`, `period_not_in_schedule`, …", body = ErrorBody),
        (status = 403, description = "Only the unit writes its reports", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "`report_exists`: correct that report instead", body = ErrorBody)))]
async fn start(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let (org, doc) = org_doc(&raw)?;
    // The unit first: outside the scope it is a 404 whatever the body says.
    st.store.org_get(&auth.p, org).await?;
    let input: StartInput = body(&bytes)?;
    let kind = match input.kind.as_deref().map(str::trim) {
        None | Some("") => return Err(ApiError::Invalid(Invalid::one("kind", "required"))),
        Some(k) => {
            ReportKind::parse(k).ok_or(ApiError::Invalid(Invalid::one("kind", "bad_choice")))?
        }
    };
    let (field, raw_date) = match kind {
        ReportKind::Periodic => ("period", input.period),
        _ => ("period_end", input.period_end),
    };
    let day = match raw_date.as_deref().map(str::trim) {
        None | Some("") => return Err(ApiError::Invalid(Invalid::one(field, "required"))),
        Some(d) => domain::validate::date(field, d).map_err(ApiError::Invalid)?,
    };
    let r = st
        .store
        .start_report(
            &auth.p,
            NewReport {
                org,
                document: doc,
                kind,
                period_start: day,
                period_end: day,
                today: today(),
            },
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Invalid(mut inv) if kind.is_review() => {
                for m in &mut inv.0 {
                    if m.field == "period" {
                        m.field = "period_end";
                    }
                }
                ApiError::Invalid(inv)
            }
            e => e.into(),
        })?;
    let dto = report_dto(&st, &auth, &r).await?;
    created(dto)
}

#[utoipa::path(get, path = "/api/reports/{id}", tag = "reports",
    params(("id" = i64, Path, description = "The report")),
    responses((status = 200, description = "The report with its factual part and signals", body = ReportDto),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody)))]
async fn report(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let r = st.store.report(&auth.p, ReportId(id(&raw)?)).await?;
    ok(report_dto(&st, &auth, &r).await?)
}

/// What a draft saves: the four written sections, and for reviews the conference and the
/// decisions (the whole list: it replaces the saved one).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SaveInput {
    pub assessment: Option<String>,
    pub causes: Option<String>,
    pub lessons: Option<String>,
    pub proposals: Option<String>,
    pub conference: Option<ConferenceDto>,
    #[serde(default)]
    pub decisions: Vec<DecisionDto>,
}

fn parse_save(kind: ReportKind, input: SaveInput) -> Result<ReportInput, Invalid> {
    let mut inv = Invalid::default();
    let sections = inv.take(ReportSections::parse(&ReportSections {
        assessment: input.assessment.unwrap_or_default(),
        causes: input.causes.unwrap_or_default(),
        lessons: input.lessons.unwrap_or_default(),
        proposals: input.proposals.unwrap_or_default(),
    }));
    let mut conference = None;
    let mut decisions = Vec::new();
    if kind.is_review() {
        if let Some(c) = input.conference {
            let form = ConferenceForm {
                held_on: c.held_on.unwrap_or_default(),
                chair: c.chair.unwrap_or_default(),
                invited: c.invited.map(|n| n.to_string()).unwrap_or_default(),
                present: c.present.map(|n| n.to_string()).unwrap_or_default(),
            };
            conference = inv.take(Conference::parse(&form, today()));
        }
        let rows: Vec<DecisionForm> = input
            .decisions
            .into_iter()
            .map(|d| DecisionForm {
                kind: d.kind.unwrap_or_default(),
                subject: d.subject.unwrap_or_default(),
                reason: d.reason.unwrap_or_default(),
                deadline: d.deadline.unwrap_or_default(),
            })
            .collect();
        decisions = inv
            .take(Decision::parse_all(&rows, today()))
            .unwrap_or_default();
    } else if input.conference.is_some() || !input.decisions.is_empty() {
        inv.push("conference", "review_only");
    }
    match sections {
        Some(sections) if inv.is_empty() => Ok(ReportInput {
            sections,
            conference,
            decisions,
        }),
        _ => Err(inv),
    }
}

#[utoipa::path(post, path = "/api/reports/{id}", tag = "reports",
    params(("id" = i64, Path, description = "The report (a draft)")),
    request_body = SaveInput,
    responses((status = 200, description = "Saved", body = ReportDto),
        (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
        (status = 403, description = "Only the unit writes its reports", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "`report_frozen`: submitted reports are corrected, not edited", body = ErrorBody)))]
async fn save(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let r = st.store.report(&auth.p, ReportId(id(&raw)?)).await?;
    let input: SaveInput = body(&bytes)?;
    let input = parse_save(r.kind, input).map_err(ApiError::Invalid)?;
    let saved = st.store.save_report(&auth.p, r.id, input).await?;
    ok(report_dto(&st, &auth, &saved).await?)
}

#[utoipa::path(post, path = "/api/reports/{id}/submit", tag = "reports",
    params(("id" = i64, Path, description = "The report (a draft)")),
    responses((status = 200, description = "Submitted: numbered, its factual part frozen, the period filled (on time or late)", body = ReportDto),
        (status = 400, description = "Something is missing: an assessment; a review's conference", body = ErrorBody),
        (status = 403, description = "Only the unit writes its reports", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "`report_frozen`", body = ErrorBody)))]
async fn submit(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let r = st.store.report(&auth.p, ReportId(id(&raw)?)).await?;
    let done = services::reports::submit(st.store.as_ref(), &auth.p, r.id, today()).await?;
    ok(report_dto(&st, &auth, &done).await?)
}

#[utoipa::path(post, path = "/api/reports/{id}/correct", tag = "reports",
    params(("id" = i64, Path, description = "The submitted report to correct")),
    responses((status = 201, description = "The correction's draft, which supersedes the report once submitted", body = ReportDto),
        (status = 403, description = "Only the unit writes its reports", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "`report_not_submitted`, `report_superseded`", body = ErrorBody)))]
async fn correct(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let r = st.store.report(&auth.p, ReportId(id(&raw)?)).await?;
    let draft = st.store.correct_report(&auth.p, r.id).await?;
    created(report_dto(&st, &auth, &draft).await?)
}

/// Where a review's task decisions went.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppliedDto {
    /// The program draft (a revision) that now holds the tasks; issue it with
    /// `POST /api/programs/{id}/issue`.
    pub program_id: i64,
    pub report: ReportDto,
}

#[utoipa::path(post, path = "/api/reports/{id}/apply", tag = "reports",
    params(("id" = i64, Path, description = "The submitted review")),
    responses((status = 200, description = "The task decisions were added to the program's draft revision", body = AppliedDto),
        (status = 403, description = "Only the unit writes its program", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "`report_not_submitted`, `report_nothing_to_apply`, `report_no_program`", body = ErrorBody)))]
async fn apply(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let r = st.store.report(&auth.p, ReportId(id(&raw)?)).await?;
    let (after, program) = st.store.apply_review_decisions(&auth.p, r.id).await?;
    ok(AppliedDto {
        program_id: program.0,
        report: report_dto(&st, &auth, &after).await?,
    })
}

/// One lower unit's current report in the gathered draft.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatheredReportDto {
    #[serde(flatten)]
    pub summary: ReportSummaryDto,
    pub assessment: String,
    pub causes: String,
    pub lessons: String,
    pub proposals: String,
    /// Its frozen factual part (figures side by side).
    #[schema(value_type = Object)]
    pub facts: serde_json::Value,
}

/// The upper level's material for its own report: its lower units' reports for one
/// period and kind, and the units reached that did not report.
#[derive(Debug, Serialize, ToSchema)]
pub struct GatheredDto {
    pub org_id: i64,
    pub org_name: String,
    pub document_id: i64,
    pub kind: String,
    pub period_start: String,
    pub reports: Vec<GatheredReportDto>,
    /// (unit id, name) of the lower units without a submitted report.
    pub missing: Vec<(i64, String)>,
}

impl From<&Gathered> for GatheredDto {
    fn from(g: &Gathered) -> Self {
        GatheredDto {
            org_id: g.org_id.0,
            org_name: g.org_name.clone(),
            document_id: g.document_id.0,
            kind: g.kind.as_str().to_owned(),
            period_start: g.period_start.to_string(),
            reports: g
                .reports
                .iter()
                .map(|r| GatheredReportDto {
                    summary: ReportSummaryDto {
                        id: r.id.0,
                        org_id: r.org_id.0,
                        org_name: r.org_name.clone(),
                        kind: r.kind.as_str().to_owned(),
                        period_start: r.period.start.to_string(),
                        period_end: r.period.end.to_string(),
                        state: r.state.as_str().to_owned(),
                        symbol: r.symbol.clone(),
                        submitted_on: r.submitted_on.map(|d| d.to_string()),
                        late: r.late,
                    },
                    assessment: r.sections.assessment.clone(),
                    causes: r.sections.causes.clone(),
                    lessons: r.sections.lessons.clone(),
                    proposals: r.sections.proposals.clone(),
                    facts: to_value(&r.facts),
                })
                .collect(),
            missing: g.missing.iter().map(|(o, n)| (o.0, n.clone())).collect(),
        }
    }
}

#[utoipa::path(get, path = "/api/orgs/{id}/reports/{doc}/gathered", tag = "reports",
    params(("id" = i64, Path, description = "The upper unit"), ("doc" = i64, Path, description = "The resolution"),
        ("kind" = Option<String>, Query, description = "`periodic` (default), `interim` or `final`"),
        ("period" = Option<String>, Query, description = "The period's first day (periodic); default: the latest period that ended")),
    responses((status = 200, description = "The lower units' reports and those missing", body = GatheredDto),
        (status = 400, description = "Bad `kind` or `period`", body = ErrorBody),
        (status = 404, description = "Not found", body = ErrorBody)))]
async fn gathered(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let (org, doc) = org_doc(&raw)?;
    let kind = match query_param(&query, "kind").trim() {
        "" => ReportKind::Periodic,
        k => ReportKind::parse(k).ok_or(ApiError::Invalid(Invalid::one("kind", "bad_choice")))?,
    };
    let period = match query_param(&query, "period").trim() {
        "" => {
            // The latest period of the unit's schedule that has ended.
            let u = st.store.unit_reports(&auth.p, org, doc, today()).await?;
            u.due
                .iter()
                .find(|d| d.state != DueState::Running)
                .map(|d| d.period.start)
                .unwrap_or(u.document_issued_on)
        }
        p => domain::validate::date("period", p).map_err(ApiError::Invalid)?,
    };
    let g = st
        .store
        .gathered_reports(&auth.p, org, doc, kind, period)
        .await?;
    ok(GatheredDto::from(&g))
}
