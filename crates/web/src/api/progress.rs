//! Progress: one task with its history, posting an update (without files: evidence is
//! uploaded with the page's multipart form), the supervising office's acceptance (accept
//! or return), the pending acceptances of an office, my tasks, and notifications. The same
//! store calls as the pages (`crate::progress`). The acceptance paths keep their first
//! name, `.../review` and `/api/orgs/{id}/reviews` (ARCHITECTURE.md, "Names").

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::{Acceptance, Invalid, OrgId, ProgressUpdate, ProgressUpdateId, TaskId, TaskStatus};
use serde::{Deserialize, Serialize};
use store::{
    AcceptanceDecision, MyTask, Notification, PendingAcceptance, ProgressInput, ProgressRecord,
    TaskContext,
};
use time::Date;
use utoipa::{OpenApi, ToSchema};

use super::programs::TaskDto;
use super::{ApiResult, body, created, id, moment, ok, page};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::forms::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/tasks/{id}", get(task))
        .route("/api/tasks/{id}/progress", post(post_progress))
        .route("/api/tasks/{id}/updates/{update}/review", post(decide))
        .route("/api/orgs/{id}/reviews", get(acceptances))
        .route("/api/my/tasks", get(my_tasks))
        .route("/api/notifications", get(notifications))
        .route("/api/notifications/read", post(notifications_read))
}

#[derive(OpenApi)]
#[openapi(paths(
    task,
    post_progress,
    decide,
    acceptances,
    my_tasks,
    notifications,
    notifications_read
))]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// A task with its program and unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskContextDto {
    pub task: TaskDto,
    pub org_id: i64,
    pub org_name: String,
    pub root_document_id: i64,
    pub program_title: String,
    /// The issued program's symbol.
    pub program_symbol: Option<String>,
}

impl TaskContextDto {
    pub fn new(t: &TaskContext, today: Date) -> TaskContextDto {
        TaskContextDto {
            task: TaskDto::new(&t.task, today),
            org_id: t.org_id.0,
            org_name: t.org_name.clone(),
            root_document_id: t.root_document_id.0,
            program_title: t.program_title.clone(),
            program_symbol: t.program_symbol.clone(),
        }
    }
}

/// An evidence file of an update; `download` is the address that serves it to those who
/// may read the task.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceDto {
    pub id: i64,
    pub file_name: String,
    /// Judged from the content: `pdf`, `png`, `jpeg`, `docx`, …
    pub kind: String,
    pub size: u64,
    #[schema(example = "/tasks/12/evidence/3")]
    pub download: String,
}

/// A progress update with the supervising office's decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressDto {
    pub id: i64,
    pub task_id: i64,
    /// `not_started`, `on_track`, `at_risk` or `done`.
    pub status: String,
    pub percent: Option<u8>,
    pub indicator_value: Option<f64>,
    pub note: Option<String>,
    pub posted_by: Option<i64>,
    pub posted_by_name: Option<String>,
    pub posted_at: String,
    /// `pending`, `accepted` or `returned`.
    pub acceptance: String,
    /// Why it was returned.
    pub return_reason: Option<String>,
    /// Who accepted or returned it, and when.
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub evidence: Vec<EvidenceDto>,
}

impl From<&ProgressRecord> for ProgressDto {
    fn from(r: &ProgressRecord) -> ProgressDto {
        ProgressDto {
            id: r.id.0,
            task_id: r.task_id.0,
            status: r.update.status.as_str().to_owned(),
            percent: r.update.percent,
            indicator_value: r.update.indicator_value,
            note: r.update.note.clone(),
            posted_by: r.posted_by.map(|u| u.0),
            posted_by_name: r.posted_by_name.clone(),
            posted_at: moment(&r.posted_at),
            acceptance: r.acceptance.as_str().to_owned(),
            return_reason: match &r.acceptance {
                Acceptance::Returned { reason } => Some(reason.clone()),
                _ => None,
            },
            decided_by: r.decided_by.map(|u| u.0),
            decided_at: r.decided_at.as_ref().map(moment),
            evidence: r
                .evidence
                .iter()
                .map(|e| EvidenceDto {
                    id: e.id,
                    file_name: e.file_name.clone(),
                    kind: e.kind.as_str().to_owned(),
                    size: e.size,
                    download: format!("/tasks/{}/evidence/{}", r.task_id, e.id),
                })
                .collect(),
        }
    }
}

/// A task, its history and whether the user may post on it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub task: TaskContextDto,
    /// Updates, oldest first.
    pub progress: Vec<ProgressDto>,
    /// The user is the responsible member or keeps the unit (the store checks again).
    pub may_post: bool,
}

/// A progress update. Files cannot be sent here: use the page's multipart form.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProgressInputDto {
    /// `not_started`, `on_track`, `at_risk` or `done`.
    #[schema(example = "on_track")]
    pub status: Option<String>,
    /// 0..=100; 100 (or none) when done.
    pub percent: Option<i64>,
    /// The value of the task's linked indicator.
    pub indicator_value: Option<f64>,
    /// Required when at risk.
    pub note: Option<String>,
}

/// The supervising office's decision: `accept`, or `return` with a reason.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptanceInput {
    #[schema(example = "return")]
    pub decision: Option<String>,
    #[schema(example = "Thiếu biên bản hội nghị.")]
    pub reason: Option<String>,
}

/// An update awaiting the office, with its task.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingAcceptanceDto {
    pub progress: ProgressDto,
    pub task: TaskContextDto,
}

impl PendingAcceptanceDto {
    fn new(r: &PendingAcceptance, today: Date) -> PendingAcceptanceDto {
        PendingAcceptanceDto {
            progress: ProgressDto::from(&r.progress),
            task: TaskContextDto::new(&r.context, today),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PendingAcceptances {
    pub org_id: i64,
    pub acceptances: Vec<PendingAcceptanceDto>,
}

/// A task the user's member answers for.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTaskDto {
    pub task: TaskContextDto,
    /// On today's date (overdue derived).
    pub effective_status: String,
    /// Not done and due within 14 days.
    pub due_soon: bool,
}

impl MyTaskDto {
    fn new(m: &MyTask, today: Date) -> MyTaskDto {
        MyTaskDto {
            task: TaskContextDto::new(&m.context, today),
            effective_status: m.effective.as_str().to_owned(),
            due_soon: m.due_soon,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyTasks {
    /// Whether the account is linked to a member (none: no tasks).
    pub has_member: bool,
    pub tasks: Vec<MyTaskDto>,
}

/// A deadline or an event that concerns the user. Computed deadlines have no `id`;
/// stored events have one and can be marked read.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: Option<i64>,
    /// `task_due_soon`, `task_overdue`, `unit_deadline`, `program_issued`,
    /// `update_returned`, `update_accepted`.
    pub kind: String,
    /// `task`, `program`, `progress_update` or `cascade_unit`.
    pub subject_type: String,
    pub subject_id: i64,
    pub title: String,
    pub org_id: i64,
    pub org_name: String,
    pub due: Option<Date>,
    /// For `unit_deadline`: `study`, `program`, `review` or `report`.
    pub milestone: Option<String>,
    pub reason: Option<String>,
    pub created_at: Option<String>,
    pub read: bool,
}

impl From<&Notification> for NotificationDto {
    fn from(n: &Notification) -> NotificationDto {
        NotificationDto {
            id: n.id,
            kind: n.kind.as_str().to_owned(),
            subject_type: n.subject_type.to_owned(),
            subject_id: n.subject_id,
            title: n.title.clone(),
            org_id: n.org_id.0,
            org_name: n.org_name.clone(),
            due: n.due,
            milestone: n.milestone.map(str::to_owned),
            reason: n.reason.clone(),
            created_at: n.created_at.as_ref().map(moment),
            read: n.read,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Notifications {
    pub unread: usize,
    pub notifications: Vec<NotificationDto>,
}

/// Which stored notifications to mark read; all unread ones when absent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadInput {
    pub ids: Option<Vec<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    /// How many changed.
    pub marked: u64,
}

// ---- Handlers ---------------------------------------------------------------------------

async fn load_task(st: &AppState, auth: &Auth, raw: &str) -> Result<TaskContext, ApiError> {
    Ok(st.store.task(&auth.p, id::<TaskId>(raw)?).await?)
}

/// One task with its progress history (Read on its unit, or its responsible member).
#[utoipa::path(get, path = "/api/tasks/{id}", tag = "progress",
    params(("id" = i64, Path, description = "The task")),
    responses((status = 200, description = "OK", body = TaskPage), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn task(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let t = load_task(&st, &auth, &raw).await?;
    let history = st.store.task_progress(&auth.p, t.task.id).await?;
    ok(TaskPage {
        may_post: crate::progress::may_post(&st, &auth.p, &t).await,
        task: TaskContextDto::new(&t, today()),
        progress: history.iter().map(ProgressDto::from).collect(),
    })
}

/// Posts a progress update on a task (JSON, without files).
///
/// Posts a progress update on a task of an issued program (the responsible member, or
/// EditPeople on the program's unit). Evidence files are not taken here: upload them with
/// the page's multipart form `POST /tasks/{id}/progress`.
#[utoipa::path(post, path = "/api/tasks/{id}/progress", tag = "progress",
    params(("id" = i64, Path, description = "The task")),
    request_body = ProgressInputDto,
    responses((status = 201, description = "Created", body = ProgressDto), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn post_progress(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let t = load_task(&st, &auth, &raw).await?;
    let input: ProgressInputDto = body(&bytes)?;
    let mut inv = Invalid::default();
    let status = match input.status.as_deref().map(str::trim) {
        None | Some("") => {
            inv.push("status", "required");
            None
        }
        Some(s) => {
            let status = TaskStatus::parse(s);
            if status.is_none() {
                inv.push("status", "bad_choice");
            }
            status
        }
    };
    let percent = match input.percent {
        None => Some(None),
        Some(n) => match u8::try_from(n) {
            Ok(v) if v <= 100 => Some(Some(v)),
            _ => {
                inv.push("percent", "percent_range");
                None
            }
        },
    };
    let (Some(status), Some(percent)) = (status, percent) else {
        return Err(ApiError::Invalid(inv));
    };
    let update = ProgressUpdate {
        status,
        percent,
        indicator_value: input.indicator_value,
        note: input.note,
    }
    .check()
    .map_err(ApiError::Invalid)?;
    if let Some(unit) = crate::progress::target_unit(&st, &auth.p, &t).await? {
        update.check_indicator(&unit).map_err(ApiError::Invalid)?;
    }
    let record = st
        .store
        .post_progress(
            &auth.p,
            t.task.id,
            ProgressInput {
                status: update.status,
                percent: update.percent,
                indicator_value: update.indicator_value,
                note: update.note,
                evidence: Vec::new(),
            },
        )
        .await?;
    created(ProgressDto::from(&record))
}

/// Decides on a pending update: accept, or return with a reason.
///
/// Accepts or returns (with a reason) a pending update: the supervising unit's office.
/// Your own update: `decide_own_update`; decided already: `already_decided`.
#[utoipa::path(post, path = "/api/tasks/{id}/updates/{update}/review", tag = "progress",
    params(("id" = i64, Path, description = "The task"),
        ("update" = i64, Path, description = "The update")),
    request_body = AcceptanceInput,
    responses((status = 200, description = "OK", body = ProgressDto), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn decide(
    auth: Auth,
    State(st): State<AppState>,
    Path((raw, raw_update)): Path<(String, String)>,
    bytes: Bytes,
) -> ApiResult {
    let p = &auth.p;
    let t = load_task(&st, &auth, &raw).await?;
    let update_id: ProgressUpdateId = id(&raw_update)?;
    let history = st.store.task_progress(p, t.task.id).await?;
    let record = history
        .iter()
        .find(|r| r.id == update_id)
        .ok_or(ApiError::NotFound)?;
    let input: AcceptanceInput = body(&bytes)?;
    let decision = match input.decision.as_deref().map(str::trim) {
        Some("accept") => AcceptanceDecision::Accept,
        Some("return") => match input.reason.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() => AcceptanceDecision::Return {
                reason: r.to_owned(),
            },
            _ => {
                return Err(ApiError::Invalid(Invalid::one(
                    "reason",
                    "return_reason_required",
                )));
            }
        },
        None | Some("") => return Err(ApiError::Invalid(Invalid::one("decision", "required"))),
        Some(_) => return Err(ApiError::Invalid(Invalid::one("decision", "bad_choice"))),
    };
    let decided = st.store.decide_progress(p, record.id, decision).await?;
    ok(ProgressDto::from(&decided))
}

/// The pending updates the office of a unit accepts or returns, oldest first (EditOrgs on
/// it).
#[utoipa::path(get, path = "/api/orgs/{id}/reviews", tag = "progress",
    params(("id" = i64, Path, description = "The supervising unit"),
        ("offset" = Option<u32>, Query, description = "Skip this many (0)"),
        ("limit" = Option<u32>, Query, description = "At most this many, 1–500 (100)")),
    responses((status = 200, description = "OK", body = PendingAcceptances), (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn acceptances(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let p = &auth.p;
    let org = st.store.org_get(p, id::<OrgId>(&raw)?).await?;
    let list = st
        .store
        .pending_acceptances(p, org.id, page(&query, 100, 500))
        .await?;
    let today = today();
    ok(PendingAcceptances {
        org_id: org.id.0,
        acceptances: list
            .iter()
            .map(|r| PendingAcceptanceDto::new(r, today))
            .collect(),
    })
}

/// The tasks the user's member answers for: overdue first, then by deadline.
#[utoipa::path(get, path = "/api/my/tasks", tag = "progress",
    responses((status = 200, description = "OK", body = MyTasks), (status = 401, description = "Not signed in", body = ErrorBody)))]
async fn my_tasks(auth: Auth, State(st): State<AppState>) -> ApiResult {
    let today = today();
    let list = st.store.my_tasks(&auth.p, today).await?;
    ok(MyTasks {
        has_member: auth.p.member_id.is_some(),
        tasks: list.iter().map(|m| MyTaskDto::new(m, today)).collect(),
    })
}

/// The user's notifications.
///
/// Deadlines that concern the user (computed, by due date), then stored events, newest
/// first.
#[utoipa::path(get, path = "/api/notifications", tag = "progress",
    responses((status = 200, description = "OK", body = Notifications), (status = 401, description = "Not signed in", body = ErrorBody)))]
async fn notifications(auth: Auth, State(st): State<AppState>) -> ApiResult {
    let list = st.store.notifications(&auth.p, today()).await?;
    ok(Notifications {
        unread: list.iter().filter(|n| n.id.is_some() && !n.read).count(),
        notifications: list.iter().map(NotificationDto::from).collect(),
    })
}

/// Marks notifications read.
///
/// Marks the user's stored notifications read: the given ids, or every unread one.
/// Another user's id is a 404.
#[utoipa::path(post, path = "/api/notifications/read", tag = "progress",
    request_body = ReadInput,
    responses((status = 200, description = "OK", body = Marked), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn notifications_read(auth: Auth, State(st): State<AppState>, bytes: Bytes) -> ApiResult {
    let input: ReadInput = body(&bytes)?;
    let ids = match input.ids {
        Some(ids) => ids,
        None => st
            .store
            .notifications(&auth.p, today())
            .await?
            .iter()
            .filter(|n| !n.read)
            .filter_map(|n| n.id)
            .collect(),
    };
    let marked = if ids.is_empty() {
        0
    } else {
        st.store.mark_notifications_read(&auth.p, ids).await?
    };
    ok(Marked { marked })
}
