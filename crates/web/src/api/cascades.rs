//! Cascades: a document's cascades, the units a cascade reached with their state on
//! today's date, and recording that a unit studied the document. The same store calls
//! as the pages (`crate::cascades`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::{CascadeDeadlines, CascadeId, DocumentId, Invalid, UnitStatus};
use serde::{Deserialize, Serialize};
use store::{Cascade, CascadeUnit, CascadeUnitId, OverdueUnit};
use time::Date;
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, id, moment, ok, page};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::forms::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/documents/{id}/cascades", get(document_cascades))
        .route("/api/cascades/{id}", get(cascade))
        .route("/api/cascade-units/{id}/study", post(study))
}

#[derive(OpenApi)]
#[openapi(paths(document_cascades, cascade, study))]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// The deadlines of a cascade.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlinesDto {
    pub study_by: Date,
    pub program_by: Date,
    /// `monthly` or `quarterly`.
    pub report_every: String,
    pub interim_review_by: Option<Date>,
    pub reports_until: Option<Date>,
    pub grace_days: u8,
}

impl From<&CascadeDeadlines> for DeadlinesDto {
    fn from(d: &CascadeDeadlines) -> DeadlinesDto {
        DeadlinesDto {
            study_by: d.study_by,
            program_by: d.program_by,
            report_every: d.report_every.as_str().to_owned(),
            interim_review_by: d.interim_review_by,
            reports_until: d.reports_until,
            grace_days: d.grace_days,
        }
    }
}

/// A document assigned to the units of a subtree with deadlines.
#[derive(Debug, Serialize, ToSchema)]
pub struct CascadeDto {
    pub id: i64,
    pub document_id: i64,
    pub root_document_id: i64,
    pub issuer_org_id: i64,
    /// The unit at the top of the scope.
    pub scope_root_org_id: i64,
    /// The kinds of units reached (`grassroots`, `cell`, …).
    pub scope_kinds: Vec<String>,
    pub include_root: bool,
    pub deadlines: DeadlinesDto,
    /// Units reached (units already reached by the chain are skipped).
    pub unit_count: u64,
    pub created_at: String,
}

impl From<&Cascade> for CascadeDto {
    fn from(c: &Cascade) -> CascadeDto {
        CascadeDto {
            id: c.id.0,
            document_id: c.document_id.0,
            root_document_id: c.root_document_id.0,
            issuer_org_id: c.issuer_org_id.0,
            scope_root_org_id: c.scope_root_path.id().0,
            scope_kinds: c
                .scope_kinds
                .iter()
                .map(|k| k.as_str().to_owned())
                .collect(),
            include_root: c.include_root,
            deadlines: DeadlinesDto::from(&c.deadlines),
            unit_count: c.unit_count,
            created_at: moment(&c.created_at),
        }
    }
}

/// A unit's state on a day: each milestone `pending`, `done`, `done_late` or `overdue`;
/// reports `not_due`, `on_time`, `late` or `behind`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitStatusDto {
    pub study: String,
    pub program: String,
    pub interim_review: Option<String>,
    pub reports: String,
    /// Something is overdue or behind.
    pub needs_attention: bool,
}

impl From<&UnitStatus> for UnitStatusDto {
    fn from(s: &UnitStatus) -> UnitStatusDto {
        UnitStatusDto {
            study: s.study.as_str().to_owned(),
            program: s.program.as_str().to_owned(),
            interim_review: s.interim_review.map(|r| r.as_str().to_owned()),
            reports: s.reports.as_str().to_owned(),
            needs_attention: s.needs_attention(),
        }
    }
}

/// An overdue milestone: `study`, `program`, `review` or `report`, with its due date.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverdueMilestone {
    #[schema(example = "study")]
    pub milestone: String,
    pub due: Date,
}

/// A member who answers for something.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonDto {
    pub member_id: i64,
    pub name: String,
}

/// One unit reached by a cascade: deadlines, what it did, its state today.
#[derive(Debug, Serialize, ToSchema)]
pub struct CascadeUnitDto {
    pub id: i64,
    pub cascade_id: i64,
    pub root_document_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub deadlines: DeadlinesDto,
    pub studied_on: Option<Date>,
    pub program_issued_on: Option<Date>,
    pub interim_reviewed_on: Option<Date>,
    /// The day each filled reporting period's first report was submitted, by period.
    pub report_dates: Vec<Date>,
    /// The unit's issued program, once issued.
    pub program_id: Option<i64>,
    /// The state on `as_of`.
    pub status: UnitStatusDto,
    pub as_of: Date,
    /// The overdue milestones, earliest first (in lists that compute them).
    pub overdue: Vec<OverdueMilestone>,
    /// The unit's secretary, who answers for it (in lists of overdue units).
    pub secretary: Option<PersonDto>,
}

impl CascadeUnitDto {
    pub fn new(u: &CascadeUnit, today: Date, overdue: Option<&OverdueUnit>) -> CascadeUnitDto {
        let status = UnitStatus::derive(&u.deadlines, &u.facts, today);
        CascadeUnitDto {
            id: u.id.0,
            cascade_id: u.cascade_id.0,
            root_document_id: u.root_document_id.0,
            org_id: u.org_id.0,
            org_name: u.org_name.clone(),
            deadlines: DeadlinesDto::from(&u.deadlines),
            studied_on: u.facts.studied_on,
            program_issued_on: u.facts.program_issued_on,
            interim_reviewed_on: u.facts.interim_reviewed_on,
            report_dates: u.facts.reports.iter().map(|r| r.filed_on).collect(),
            program_id: u.program_id,
            status: UnitStatusDto::from(&status),
            as_of: today,
            overdue: overdue.map(milestones).unwrap_or_default(),
            secretary: overdue.and_then(secretary),
        }
    }
}

pub(crate) fn milestones(o: &OverdueUnit) -> Vec<OverdueMilestone> {
    o.overdue
        .iter()
        .map(|(m, due)| OverdueMilestone {
            milestone: (*m).to_owned(),
            due: *due,
        })
        .collect()
}

pub(crate) fn secretary(o: &OverdueUnit) -> Option<PersonDto> {
    o.secretary.as_ref().map(|(id, name)| PersonDto {
        member_id: id.0,
        name: name.clone(),
    })
}

/// A cascade with the units reached that the user may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct CascadePage {
    pub cascade: CascadeDto,
    pub units: Vec<CascadeUnitDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CascadeList {
    pub document_id: i64,
    pub cascades: Vec<CascadeDto>,
}

/// The day a unit studied the document (ISO or dd/mm/yyyy, not in the future).
#[derive(Debug, Deserialize, ToSchema)]
pub struct StudyInput {
    #[schema(example = "2025-02-10")]
    pub on: Option<String>,
}

// ---- Handlers ---------------------------------------------------------------------------

/// The cascades of a document, oldest first.
#[utoipa::path(get, path = "/api/documents/{id}/cascades", tag = "cascades",
    params(("id" = i64, Path, description = "The document")),
    responses((status = 200, description = "OK", body = CascadeList), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn document_cascades(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult {
    let p = &auth.p;
    let doc = st.store.document(p, id::<DocumentId>(&raw)?).await?;
    let list = st.store.document_cascades(p, doc.id).await?;
    ok(CascadeList {
        document_id: doc.id.0,
        cascades: list.iter().map(CascadeDto::from).collect(),
    })
}

/// A cascade and the units it reached.
///
/// A cascade and the units reached that the user may read, by path, with their state
/// today and, for overdue ones, the milestones and the secretary who answers for it (like
/// the page `/cascades/{id}`).
#[utoipa::path(get, path = "/api/cascades/{id}", tag = "cascades",
    params(("id" = i64, Path, description = "The cascade"),
        ("overdue" = Option<u8>, Query, description = "1: only units with something overdue or behind"),
        ("offset" = Option<u32>, Query, description = "Skip this many units (0)"),
        ("limit" = Option<u32>, Query, description = "At most this many units, 1–2000 (500)")),
    responses((status = 200, description = "OK", body = CascadePage), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn cascade(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let p = &auth.p;
    let cascade = st.store.cascade(p, id::<CascadeId>(&raw)?).await?;
    let units = st
        .store
        .cascade_units(p, cascade.id, page(&query, 500, 2000))
        .await?;
    let overdue = crate::cascades::overdue_map(&st, p, &cascade).await?;
    let only_overdue = crate::forms::query_param(&query, "overdue") == "1";
    let today = today();
    let units = units
        .iter()
        .map(|u| CascadeUnitDto::new(u, today, overdue.get(&u.id)))
        .filter(|u| !only_overdue || u.status.needs_attention)
        .collect();
    ok(CascadePage {
        cascade: CascadeDto::from(&cascade),
        units,
    })
}

/// Records the day a unit studied the document.
///
/// Records the day a unit studied the document; a later call corrects it (EditPeople on
/// the unit: its office or secretary).
#[utoipa::path(post, path = "/api/cascade-units/{id}/study", tag = "cascades",
    params(("id" = i64, Path, description = "The unit's row in the cascade")),
    request_body = StudyInput,
    responses((status = 200, description = "OK", body = CascadeUnitDto), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn study(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let p = &auth.p;
    let unit = st
        .store
        .cascade_unit(p, CascadeUnitId(id::<i64>(&raw)?))
        .await?;
    let input: StudyInput = body(&bytes)?;
    let mut inv = Invalid::default();
    let on = match input.on.as_deref().map(str::trim) {
        None | Some("") => {
            inv.push("on", "required");
            None
        }
        Some(d) => inv.take(domain::validate::date("on", d)),
    };
    if on.is_some_and(|d| d > today()) {
        inv.push("on", "bad_date");
    }
    let (Some(on), true) = (on, inv.is_empty()) else {
        return Err(ApiError::Invalid(inv));
    };
    let u = st.store.record_study(p, unit.id, on).await?;
    ok(CascadeUnitDto::new(&u, today(), None))
}
