//! Evaluation and rating (issue 17): a period's ranking under a unit and one evaluation
//! with its proposed score, the facts behind each point, the steps and the signals. The
//! same store calls as the pages (`crate::evaluation`), and the three steps with the
//! pages' rules, messages and quota check (`crate::evaluation::{step_input, take}`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::OrgId;
use domain::evaluation::SubjectKind;
use serde::{Deserialize, Serialize};
use store::{EvaluationRecord, EvaluationRow, Ranking, StepRecord, StoreError};
use utoipa::{OpenApi, ToSchema};

use super::{ApiError, ApiResult, body, id, ok};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::ErrorBody;
use crate::evaluation::{QUOTA_FULL, Taking, quota_full_args, score_tenths, step_input, take};
use crate::forms::query_param;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/evaluation-periods/{id}", get(ranking))
        .route("/api/evaluations/{id}", get(evaluation))
        .route("/api/evaluations/{id}/self", post(self_assess))
        .route("/api/evaluations/{id}/assess", post(assess))
        .route("/api/evaluations/{id}/decide", post(decide))
}

#[derive(OpenApi)]
#[openapi(paths(ranking, evaluation, self_assess, assess, decide))]
pub struct Doc;

/// One evaluation in a ranking. Scores are in points (one decimal); levels are
/// `excellent`, `good`, `completed`, `not_completed`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowDto {
    pub id: i64,
    pub rank: usize,
    /// `unit` or `member`.
    pub subject: String,
    pub org_id: i64,
    pub org_name: String,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub score: f64,
    pub proposed_level: String,
    pub self_level: Option<String>,
    pub assessed_level: Option<String>,
    pub final_level: Option<String>,
    /// `proposed`, `self_assessed`, `assessed`, `decided`.
    pub step: String,
    #[schema(value_type = Vec<Object>)]
    pub signals: Vec<serde_json::Value>,
    /// The unit's kind (for a member, their cell's).
    pub org_kind: String,
    /// Members of the unit's subtree (units only; 0 for members).
    pub size: i64,
    /// A unit's rank among the units of the same kind and size band in this ranking
    /// (none for members).
    pub peer: Option<PeerDto>,
}

/// A unit's place in its peer group: units of the same kind and size band (`≤30`,
/// `31–100`, `101–300`, `>300` members).
#[derive(Debug, Serialize, ToSchema)]
pub struct PeerDto {
    pub kind: String,
    pub band: String,
    pub rank: usize,
    pub of: usize,
}

fn row(rank: usize, r: &EvaluationRow, peer: Option<PeerDto>) -> RowDto {
    RowDto {
        id: r.id,
        rank,
        subject: r.subject.as_str().to_owned(),
        org_id: r.org_id.0,
        org_name: r.org_name.clone(),
        member_id: r.member_id.map(|m| m.0),
        member_name: r.member_name.clone(),
        score: f64::from(r.score) / 10.0,
        proposed_level: r.proposed_level.as_str().to_owned(),
        self_level: r.self_level.map(|l| l.as_str().to_owned()),
        assessed_level: r.assessed_level.map(|l| l.as_str().to_owned()),
        final_level: r.final_level.map(|l| l.as_str().to_owned()),
        step: r.step.as_str().to_owned(),
        signals: r
            .signals
            .iter()
            .map(|s| serde_json::to_value(s).unwrap_or_default())
            .collect(),
        org_kind: r.org_kind.as_str().to_owned(),
        size: if r.subject == SubjectKind::Unit {
            r.size
        } else {
            0
        },
        peer,
    }
}

/// Each row's peer group and rank in it, as the ranking page computes them.
fn peers(rows: &[EvaluationRow]) -> Vec<Option<PeerDto>> {
    use std::collections::HashMap;
    let key = |r: &EvaluationRow| (r.org_kind, domain::evaluation::size_band(r.size));
    let mut totals: HashMap<_, usize> = HashMap::new();
    for r in rows.iter().filter(|r| r.subject == SubjectKind::Unit) {
        *totals.entry(key(r)).or_default() += 1;
    }
    let mut seen: HashMap<_, usize> = HashMap::new();
    rows.iter()
        .map(|r| {
            (r.subject == SubjectKind::Unit).then(|| {
                let k = key(r);
                let n = seen.entry(k).or_default();
                *n += 1;
                PeerDto {
                    kind: k.0.as_str().to_owned(),
                    band: domain::evaluation::size_band_label(k.1).to_owned(),
                    rank: *n,
                    of: totals[&k],
                }
            })
        })
        .collect()
}

/// A period's ranking under a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankingDto {
    pub period_id: i64,
    pub period_name: String,
    /// `year`, `quarter`, `term`, `ad_hoc`.
    pub period_kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub computed_on: Option<String>,
    pub org_id: i64,
    pub org_name: String,
    pub subject: String,
    /// Final levels: excellent, good, completed, not completed, undecided.
    pub by_level: [i64; 5],
    #[schema(value_type = Vec<Object>)]
    pub body_signals: Vec<serde_json::Value>,
    pub rows: Vec<RowDto>,
}

impl From<&Ranking> for RankingDto {
    fn from(r: &Ranking) -> Self {
        RankingDto {
            period_id: r.period.id,
            period_name: r.period.name.clone(),
            period_kind: r.period.kind.as_str().to_owned(),
            starts_on: r.period.starts_on.to_string(),
            ends_on: r.period.ends_on.to_string(),
            computed_on: r.period.computed_on.map(|d| d.to_string()),
            org_id: r.org_id.0,
            org_name: r.org_name.clone(),
            subject: r.subject.as_str().to_owned(),
            by_level: r.by_level,
            body_signals: r
                .body_signals
                .iter()
                .map(|s| serde_json::to_value(s).unwrap_or_default())
                .collect(),
            rows: r
                .rows
                .iter()
                .zip(peers(&r.rows))
                .enumerate()
                .map(|(i, (x, peer))| row(i + 1, x, peer))
                .collect(),
        }
    }
}

/// A step as taken.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepDto {
    pub level: String,
    pub text: String,
    pub by: Option<String>,
    pub at: String,
}

fn step(s: &Option<StepRecord>) -> Option<StepDto> {
    s.as_ref().map(|s| StepDto {
        level: s.level.as_str().to_owned(),
        text: s.text.clone(),
        by: s.by.clone(),
        at: super::moment(&s.at),
    })
}

/// One evaluation: the proposal (each point with `earned`/`max` in tenths of a point and
/// the facts it came from), the three steps and the signals.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationDto {
    pub id: i64,
    pub period_id: i64,
    pub period_name: String,
    pub subject: String,
    pub org_id: i64,
    pub org_name: String,
    pub member_id: Option<i64>,
    pub member_name: Option<String>,
    pub decider_id: i64,
    pub decider_name: String,
    pub score: f64,
    pub proposed_level: String,
    pub computed_on: String,
    #[schema(value_type = Object)]
    pub proposal: serde_json::Value,
    pub step: String,
    pub self_assessment: Option<StepDto>,
    pub self_score: Option<f64>,
    pub assessment: Option<StepDto>,
    pub decision: Option<StepDto>,
    #[schema(value_type = Vec<Object>)]
    pub signals: Vec<serde_json::Value>,
    pub can_self_assess: bool,
    pub can_assess: bool,
    pub can_decide: bool,
}

impl From<&EvaluationRecord> for EvaluationDto {
    fn from(e: &EvaluationRecord) -> Self {
        EvaluationDto {
            id: e.id,
            period_id: e.period_id,
            period_name: e.period_name.clone(),
            subject: e.subject.as_str().to_owned(),
            org_id: e.org_id.0,
            org_name: e.org_name.clone(),
            member_id: e.member_id.map(|m| m.0),
            member_name: e.member_name.clone(),
            decider_id: e.decider_id.0,
            decider_name: e.decider_name.clone(),
            score: f64::from(e.proposal.score) / 10.0,
            proposed_level: e.proposal.level.as_str().to_owned(),
            computed_on: e.computed_on.to_string(),
            proposal: serde_json::to_value(&e.proposal).unwrap_or_default(),
            step: e.step.as_str().to_owned(),
            self_assessment: step(&e.self_assessment),
            self_score: e.self_score.map(|s| f64::from(s) / 10.0),
            assessment: step(&e.assessment),
            decision: step(&e.decision),
            signals: e
                .signals
                .iter()
                .map(|s| serde_json::to_value(s).unwrap_or_default())
                .collect(),
            can_self_assess: e.can_self_assess,
            can_assess: e.can_assess,
            can_decide: e.can_decide,
        }
    }
}

#[utoipa::path(get, path = "/api/evaluation-periods/{id}", tag = "evaluation",
    params(("id" = i64, Path, description = "The period"),
        ("org" = Option<i64>, Query, description = "The unit whose subtree is ranked (the period's unit)"),
        ("subject" = Option<String>, Query, description = "`unit` (default) or `member`")),
    responses((status = 200, description = "OK", body = RankingDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody)))]
async fn ranking(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let period = st.store.evaluation_period(&auth.p, id(&raw)?).await?;
    let org: OrgId = match query_param(&query, "org").as_str() {
        "" => period.org_id,
        o => id(o)?,
    };
    let subject = SubjectKind::parse(&query_param(&query, "subject")).unwrap_or(SubjectKind::Unit);
    let r = st
        .store
        .evaluation_ranking(&auth.p, period.id, org, subject)
        .await?;
    ok(RankingDto::from(&r))
}

#[utoipa::path(get, path = "/api/evaluations/{id}", tag = "evaluation",
    params(("id" = i64, Path, description = "The evaluation")),
    responses((status = 200, description = "OK", body = EvaluationDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody)))]
async fn evaluation(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let e = st.store.evaluation(&auth.p, id(&raw)?).await?;
    ok(EvaluationDto::from(&e))
}

/// A step: the level (`excellent`, `good`, `completed`, `not_completed`) and the text
/// (the self-criticism, the assessment, or the decision's reason, required when the
/// decision is above the proposed level). `score` (0–100, one decimal) is the
/// self-assessment's own score, optional and ignored by the other steps.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepBody {
    pub level: Option<String>,
    #[serde(default)]
    pub text: String,
    pub score: Option<f64>,
}

/// The three steps: the same guards as the pages (who may take it, in order, a decision
/// is final, the reason above the proposal, the quota on "excellent").
async fn take_step(
    auth: Auth,
    st: AppState,
    raw: String,
    bytes: Bytes,
    taking: Taking,
) -> ApiResult {
    // Read first: outside the reader's reach this is a 404 whatever the body.
    let e = st.store.evaluation(&auth.p, id(&raw)?).await?;
    let b: StepBody = body(&bytes)?;
    let input = step_input(
        taking,
        b.level.as_deref().unwrap_or(""),
        b.text,
        b.score.map(score_tenths).transpose(),
    )
    .map_err(ApiError::Invalid)?;
    match take(&st, &auth.p, e.id, input, taking).await {
        Ok(after) => ok(EvaluationDto::from(&after)),
        Err(StoreError::Conflict("evaluation_quota")) => Err(ApiError::ConflictWith {
            code: "evaluation_quota",
            key: QUOTA_FULL,
            args: quota_full_args(&st, &auth.p, &e).await?,
        }),
        Err(err) => Err(err.into()),
    }
}

/// Step 1: the self-assessment (the member themselves; for a unit, who keeps its people).
/// It may be redone until the assessment.
#[utoipa::path(post, path = "/api/evaluations/{id}/self", tag = "evaluation",
    params(("id" = i64, Path, description = "The evaluation")),
    request_body = StepBody,
    responses((status = 200, description = "The evaluation after the step", body = EvaluationDto),
        (status = 400, description = "Invalid input (`level` required, `score` 0–100, `text`)", body = ErrorBody),
        (status = 403, description = "Not the subject (or who keeps the unit's people)", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody),
        (status = 409, description = "`evaluation_decided`, `evaluation_step_order`", body = ErrorBody)))]
async fn self_assess(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    take_step(auth, st, raw, bytes, Taking::SelfAssess).await
}

/// Step 2: the assessment (a member's cell; a unit's level above), after the
/// self-assessment.
#[utoipa::path(post, path = "/api/evaluations/{id}/assess", tag = "evaluation",
    params(("id" = i64, Path, description = "The evaluation")),
    request_body = StepBody,
    responses((status = 200, description = "The evaluation after the step", body = EvaluationDto),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 403, description = "Not the assessing body", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody),
        (status = 409, description = "`evaluation_decided`, `evaluation_step_order`", body = ErrorBody)))]
async fn assess(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    take_step(auth, st, raw, bytes, Taking::Assess).await
}

/// Step 3: the decision of the evaluating body, after the assessment; final. Above the
/// proposed level it needs a reason (`text`, `evaluation_reason_required`); "excellent"
/// is checked against the body's quota (409 `evaluation_quota`, the message telling the
/// places left).
#[utoipa::path(post, path = "/api/evaluations/{id}/decide", tag = "evaluation",
    params(("id" = i64, Path, description = "The evaluation")),
    request_body = StepBody,
    responses((status = 200, description = "The evaluation decided", body = EvaluationDto),
        (status = 400, description = "Invalid input (`evaluation_reason_required`)", body = ErrorBody),
        (status = 403, description = "Not the evaluating body", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody),
        (status = 409, description = "`evaluation_quota`, `evaluation_decided`, `evaluation_step_order`", body = ErrorBody)))]
async fn decide(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    take_step(auth, st, raw, bytes, Taking::Decide).await
}
