//! Progress on the tasks of issued programs, and the member's own view.
//!
//! - `/tasks/{id}`: a task's details and its progress history, with evidence links;
//! - `/tasks/{id}/progress`: the update form (status, percent or indicator value, note,
//!   evidence files). It is a multipart upload read by `files::read` with the imports'
//!   larger limit (`imports::is_upload` covers it); a body over the limit gets this form
//!   back with a message. Files are checked from their content, kept in the blob store
//!   (`services::blobs`), and only then is the update posted through the store. A blob
//!   left by a store call that then fails is a harmless orphan.
//! - `/tasks/{id}/evidence/{file}`: a file, served only when the store lets the principal
//!   read the task's history;
//! - `/orgs/{id}/reviews` and `/tasks/{id}/updates/{update}/review`: the supervising
//!   office's pending acceptances, each update accepted or returned with a reason (the
//!   paths keep their first name, see ARCHITECTURE.md "Names");
//! - `/my/tasks` and `/notifications`: what the signed-in member answers for, and the
//!   deadlines and events that concern them.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::evidence;
use domain::progress::{ProgressForm, ProgressUpdate};
use domain::{
    Acceptance, EffectiveStatus, Invalid, OrgId, Permission, Principal, ProgressUpdateId, TaskId,
    TaskStatus,
};
use store::{
    AcceptanceDecision, MAX_EVIDENCE_FILES, MyTask, Notification, Org, Page, PendingAcceptance,
    ProgressInput, ProgressRecord, TaskContext,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::files::{self, UploadError};
use crate::forms::{self, Field, FormData, FormErrors, FormPage};
use crate::imports::BODY_LIMIT;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tasks/{id}", get(task_page))
        .route(
            "/tasks/{id}/progress",
            get(progress_form)
                .post(progress_post)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/tasks/{id}/evidence/{file}", get(evidence_file))
        .route("/tasks/{id}/updates/{update}/review", post(decide))
        .route("/orgs/{id}/reviews", get(acceptances))
        .route("/my/tasks", get(my_tasks))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(notifications_read))
}

// ---- Shared -------------------------------------------------------------------------------

/// The unit of the target a task serves, if it serves one the principal can read.
pub(crate) async fn target_unit(
    st: &AppState,
    p: &Principal,
    t: &TaskContext,
) -> Result<Option<String>, AppError> {
    let Some(id) = t.task.draft.upper_target else {
        return Ok(None);
    };
    let targets = st.store.document_targets(p, t.root_document_id).await?;
    Ok(targets
        .into_iter()
        .find(|r| r.id == id)
        .map(|r| r.target.unit))
}

async fn load_task(st: &AppState, p: &Principal, raw: &str) -> Result<TaskContext, AppError> {
    Ok(st.store.task(p, forms::id::<TaskId>(raw)?).await?)
}

/// Whether to offer the update form (the store checks again): the responsible member, or
/// EditPeople on the program's unit.
pub(crate) async fn may_post(st: &AppState, p: &Principal, t: &TaskContext) -> bool {
    if p.member_id.is_some() && p.member_id == t.task.draft.responsible {
        return true;
    }
    match st.store.org_get(p, t.org_id).await {
        Ok(org) => p.can(Permission::EditPeople, &org.path),
        Err(_) => false,
    }
}

fn status_label(ctx: &Ctx, s: EffectiveStatus) -> &'static str {
    ctx.t(&format!("progress.status.{}", s.as_str()))
}

pub(crate) fn status_tag(s: EffectiveStatus) -> &'static str {
    match s {
        EffectiveStatus::NotStarted => "tag-grey",
        EffectiveStatus::OnTrack => "tag-blue",
        EffectiveStatus::AtRisk => "tag-yellow",
        EffectiveStatus::Done => "tag-green",
        EffectiveStatus::Overdue => "tag-red",
    }
}

/// A progress record as the pages show it.
pub struct UpdateView {
    pub id: ProgressUpdateId,
    pub posted_at: String,
    pub posted_by: String,
    pub status: &'static str,
    pub status_tag: &'static str,
    pub percent: Option<u8>,
    pub value: Option<String>,
    pub note: Option<String>,
    pub acceptance: &'static str,
    pub acceptance_tag: &'static str,
    pub reason: Option<String>,
    /// (href, name, size text)
    pub files: Vec<(String, String, String)>,
}

pub(crate) fn size_text(ctx: &Ctx, bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", ctx.num(bytes.div_ceil(1024) as i64))
    }
}

fn update_view(ctx: &Ctx, r: &ProgressRecord) -> UpdateView {
    let status = EffectiveStatus::from(r.update.status);
    let (acceptance, acceptance_tag, reason) = match &r.acceptance {
        Acceptance::Pending => ("progress.acceptance.pending", "tag-yellow", None),
        Acceptance::Accepted => ("progress.acceptance.accepted", "tag-green", None),
        Acceptance::Returned { reason } => {
            ("progress.acceptance.returned", "tag-red", Some(reason))
        }
    };
    UpdateView {
        id: r.id,
        posted_at: ctx.day(&r.posted_at),
        posted_by: r.posted_by_name.clone().unwrap_or_default(),
        status: status_label(ctx, status),
        status_tag: status_tag(status),
        percent: r.update.percent,
        value: r
            .update
            .indicator_value
            .map(|v| domain::target::format_number(v, 2)),
        note: r.update.note.clone(),
        acceptance: ctx.t(acceptance),
        acceptance_tag,
        reason: reason.cloned(),
        files: r
            .evidence
            .iter()
            .map(|f| {
                (
                    format!("/tasks/{}/evidence/{}", r.task_id, f.id),
                    f.file_name.clone(),
                    size_text(ctx, f.size),
                )
            })
            .collect(),
    }
}

// ---- The task page ------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "progress/task.html")]
struct TaskPage {
    ctx: Ctx,
    title: String,
    t: TaskContext,
    status: &'static str,
    status_tag: &'static str,
    updates: Vec<UpdateView>,
    may_post: bool,
    notice: bool,
}

async fn task_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let t = load_task(&st, p, &id).await?;
    let history = st.store.task_progress(p, t.task.id).await?;
    let ctx = auth.ctx;
    let eff =
        domain::progress::effective_status(t.task.status, t.task.draft.deadline, forms::today());
    let mut updates: Vec<UpdateView> = history.iter().map(|r| update_view(&ctx, r)).collect();
    updates.reverse();
    Ok(TaskPage {
        title: t.task.draft.content.clone(),
        status: status_label(&ctx, eff),
        status_tag: status_tag(eff),
        updates,
        may_post: t.task.counted && may_post(&st, p, &t).await,
        notice: ctx.here.ends_with("?posted=1"),
        ctx,
        t,
    }
    .into_response())
}

// ---- The update form ----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "progress/form.html")]
struct UpdateFormPage {
    ctx: Ctx,
    title: String,
    t: TaskContext,
    form: ProgressForm,
    /// (value, label)
    statuses: Vec<(String, String)>,
    errors: FormErrors,
    files_hint: String,
}

impl UpdateFormPage {
    fn is_status(&self, v: &str) -> bool {
        self.form.status == v
    }
}

fn form_page(ctx: &Ctx, t: TaskContext, form: ProgressForm, errors: FormErrors) -> Response {
    let heading = ctx.t("progress.form.title");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.has("body") {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UpdateFormPage {
        title: forms::title(ctx.lang, &errors, heading),
        statuses: TaskStatus::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str().to_owned(),
                    status_label(ctx, EffectiveStatus::from(*s)).to_owned(),
                )
            })
            .collect(),
        files_hint: i18n::fill(
            ctx.t("progress.form.files_hint"),
            &[
                ("mb", &(evidence::MAX_EVIDENCE_BYTES / (1024 * 1024))),
                ("count", &MAX_EVIDENCE_FILES),
            ],
        ),
        errors,
        form,
        ctx: ctx.clone(),
        t,
    };
    (status, page).into_response()
}

async fn progress_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let t = load_task(&st, &auth.p, &id).await?;
    let form = ProgressForm {
        status: t.task.status.as_str().to_owned(),
        percent: t.task.percent.map(|p| p.to_string()).unwrap_or_default(),
        ..ProgressForm::default()
    };
    Ok(form_page(&auth.ctx, t, form, FormErrors::default()))
}

async fn progress_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let t = load_task(&st, p, &id).await?;
    let too_large = || {
        let mut errors = FormErrors::default();
        errors.push_text(
            "body",
            &i18n::fill(
                ctx.t("progress.form.too_large"),
                &[("mb", &(crate::imports::FILE_LIMIT / (1024 * 1024)))],
            ),
        );
        errors
    };
    let up = match files::read(req, &st).await {
        Ok(up) => up,
        Err(UploadError::TooLarge) => {
            return Ok(form_page(ctx, t, ProgressForm::default(), too_large()));
        }
        Err(_) => {
            let mut errors = FormErrors::default();
            errors.push_key(lang, "file", "progress.form.upload_failed");
            return Ok(form_page(ctx, t, ProgressForm::default(), errors));
        }
    };
    let form = ProgressForm {
        status: up.get("status").to_owned(),
        percent: up.get("percent").to_owned(),
        indicator_value: up.get("indicator_value").to_owned(),
        note: up.get("note").to_owned(),
    };

    // Every problem at once: the fields, then each file; nothing is written before all pass.
    let mut errors = FormErrors::default();
    let update = match ProgressUpdate::parse(&form) {
        Ok(u) => Some(u),
        Err(inv) => {
            errors = FormErrors::from_invalid(lang, &inv);
            None
        }
    };
    // The indicator value in the range of the target the task serves (a percentage
    // within 0..=100).
    if let Some(u) = &update
        && let Some(unit) = target_unit(&st, p, &t).await?
        && let Err(inv) = u.check_indicator(&unit)
    {
        errors = FormErrors::from_invalid(lang, &inv);
    }
    let update = update.filter(|_| errors.is_empty());
    if up.files.len() > MAX_EVIDENCE_FILES {
        errors.push_text(
            "file",
            &i18n::fill(
                ctx.t("progress.form.too_many"),
                &[("count", &MAX_EVIDENCE_FILES)],
            ),
        );
    }
    let had_files = !up.files.is_empty();
    let checked = files::check(lang, up.files, &mut errors);
    let Some(update) = update.filter(|_| errors.is_empty()) else {
        if had_files {
            errors.push_key(lang, "file", "progress.form.choose_again");
        }
        return Ok(form_page(ctx, t, form, errors));
    };

    // Files first (content-addressed, so a failed store call leaves a harmless orphan).
    let evidence = files::keep(&st, checked).await?;
    let input = ProgressInput {
        status: update.status,
        percent: update.percent,
        indicator_value: update.indicator_value,
        note: update.note,
        evidence,
    };
    match st.store.post_progress(p, t.task.id, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{}?posted=1", t.task.id)).into_response()),
        Err(e) => {
            let mut errors = forms::store_errors(lang, e)?;
            // The store names evidence fields `evidence[i].file`: one field on this form.
            for m in &mut errors.0 {
                if m.field.starts_with("evidence") {
                    m.field = "file".into();
                } else if m.field == "task" {
                    m.field = "status".into();
                }
            }
            Ok(form_page(ctx, t, form, errors))
        }
    }
}

// ---- Evidence downloads -------------------------------------------------------------------

async fn evidence_file(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let task: TaskId = forms::id(&id)?;
    let file_id: i64 = forms::id(&file)?;
    // The store decides whether the principal may read the task's history.
    let history = st.store.task_progress(p, task).await?;
    let f = history
        .iter()
        .flat_map(|r| r.evidence.iter())
        .find(|f| f.id == file_id)
        .ok_or(AppError::NotFound)?;
    files::blob(&st, &f.key, f.kind, &f.file_name).await
}

// ---- Acceptance ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "progress/acceptances.html")]
struct AcceptancesPage {
    ctx: Ctx,
    title: String,
    org: Org,
    /// (pending record, its view)
    items: Vec<(PendingAcceptance, UpdateView)>,
    done: bool,
}

async fn acceptances(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let org = st.store.org_get(p, forms::id::<OrgId>(&id)?).await?;
    let pending = st
        .store
        .pending_acceptances(
            p,
            org.id,
            Page {
                offset: 0,
                limit: 200,
            },
        )
        .await?;
    let ctx = auth.ctx;
    let items = pending
        .into_iter()
        .map(|r| {
            let v = update_view(&ctx, &r.progress);
            (r, v)
        })
        .collect();
    Ok(AcceptancesPage {
        title: format!("{} – {}", ctx.t("progress.acceptances.title"), org.name),
        done: ctx.here.ends_with("?done=1"),
        ctx,
        org,
        items,
    }
    .into_response())
}

fn decision_of(f: &FormData) -> Result<AcceptanceDecision, Invalid> {
    match f.get("decision").trim() {
        "accept" => Ok(AcceptanceDecision::Accept),
        "return" => {
            let reason = f.get("reason").trim();
            if reason.is_empty() {
                Err(Invalid::one("reason", "return_reason_required"))
            } else {
                Ok(AcceptanceDecision::Return {
                    reason: reason.to_owned(),
                })
            }
        }
        _ => Err(Invalid::one("decision", "bad_choice")),
    }
}

async fn decide(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, update)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    f: FormData,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let ctx = &auth.ctx;
    let t = load_task(&st, p, &id).await?;
    let update_id: ProgressUpdateId = forms::id(&update)?;
    let history = st.store.task_progress(p, t.task.id).await?;
    let record = history
        .iter()
        .find(|r| r.id == update_id)
        .ok_or(AppError::NotFound)?;
    let next = match f.get("next") {
        "" => forms::query_param(&query, "next"),
        n => n.to_owned(),
    };
    let back = forms::local_next(&next);
    let back = if back == "/" {
        format!("/tasks/{}", t.task.id)
    } else {
        back
    };
    let result = match decision_of(&f) {
        Ok(d) => match st.store.decide_progress(p, record.id, d).await {
            Ok(_) => return Ok(Redirect::to(&with_done(&back)).into_response()),
            Err(e) => forms::store_errors(ctx.lang, e)?,
        },
        Err(inv) => FormErrors::from_invalid(ctx.lang, &inv),
    };
    // The form again, on its own page, with the reason kept.
    let mut page = FormPage::new(
        ctx,
        ctx.t("progress.acceptances.decide_title"),
        &format!(
            "/tasks/{}/updates/{}/review?next={}",
            t.task.id,
            record.id,
            forms::urlencode(&back)
        ),
        result,
    );
    page.caption = t.task.draft.content.clone();
    page.intro = i18n::fill(
        ctx.t("progress.acceptances.decide_intro"),
        &[
            ("who", &record.posted_by_name.clone().unwrap_or_default()),
            ("day", &ctx.day(&record.posted_at)),
        ],
    );
    page.fields = vec![
        Field::radios(
            "decision",
            ctx.t("progress.acceptances.decision"),
            f.get("decision"),
            vec![
                ("accept".into(), ctx.t("progress.acceptances.accept").into()),
                ("return".into(), ctx.t("progress.acceptances.return").into()),
            ],
        ),
        Field::textarea(
            "reason",
            ctx.t("progress.acceptances.reason"),
            f.get("reason"),
        )
        .hint(ctx.t("progress.acceptances.reason_hint")),
    ];
    page.submit = ctx.t("progress.acceptances.submit").into();
    page.cancel_href = back;
    Ok(page.respond())
}

fn with_done(back: &str) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}done=1")
}

// ---- My tasks and notifications -----------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "progress/my_tasks.html")]
struct MyTasksPage {
    ctx: Ctx,
    title: String,
    has_member: bool,
    /// (heading, tasks) of the non-empty groups: overdue, due soon, the rest.
    groups: Vec<(&'static str, Vec<MyTaskView>)>,
}

struct MyTaskView {
    id: TaskId,
    content: String,
    org_name: String,
    program: String,
    deadline: String,
    status: &'static str,
    status_tag: &'static str,
    percent: Option<u8>,
}

fn my_task_view(ctx: &Ctx, m: &MyTask) -> MyTaskView {
    let t = &m.context;
    MyTaskView {
        id: t.task.id,
        content: t.task.draft.content.clone(),
        org_name: t.org_name.clone(),
        program: t
            .program_symbol
            .clone()
            .unwrap_or_else(|| t.program_title.clone()),
        deadline: ctx.opt_date(&t.task.draft.deadline),
        status: status_label(ctx, m.effective),
        status_tag: status_tag(m.effective),
        percent: t.task.percent,
    }
}

async fn my_tasks(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let p = &auth.p;
    let tasks = st.store.my_tasks(p, forms::today()).await?;
    let ctx = auth.ctx;
    let mut overdue = Vec::new();
    let mut soon = Vec::new();
    let mut rest = Vec::new();
    for m in &tasks {
        let v = my_task_view(&ctx, m);
        if m.effective == EffectiveStatus::Overdue {
            overdue.push(v);
        } else if m.due_soon {
            soon.push(v);
        } else {
            rest.push(v);
        }
    }
    let groups = [
        ("progress.my.overdue", overdue),
        ("progress.my.due_soon", soon),
        ("progress.my.others", rest),
    ]
    .into_iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| (ctx.t(k), v))
    .collect();
    Ok(MyTasksPage {
        title: ctx.t("progress.my.title").into(),
        has_member: p.member_id.is_some(),
        groups,
        ctx,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "progress/notifications.html")]
struct NotificationsPage {
    ctx: Ctx,
    title: String,
    items: Vec<NoteView>,
    unread: usize,
}

struct NoteView {
    text: String,
    href: Option<String>,
    org_name: String,
    when: String,
    reason: Option<String>,
    unread: bool,
    urgent: bool,
}

fn note_view(ctx: &Ctx, n: &Notification) -> NoteView {
    use store::NotificationKind as K;
    let key = match (n.kind, n.milestone) {
        (K::UnitDeadline, Some(m)) => format!("progress.note.unit_deadline_{m}"),
        (k, _) => format!("progress.note.{}", k.as_str()),
    };
    let text = i18n::fill(ctx.t(&key), &[("title", &n.title)]);
    let href = match n.subject_type {
        "task" => Some(format!("/tasks/{}", n.subject_id)),
        "program" => Some(format!("/programs/{}", n.subject_id)),
        "cascade_unit" => Some(format!("/orgs/{}", n.org_id)),
        _ => None,
    };
    let when = match (n.due, n.created_at) {
        (Some(d), _) => format!("{} {}", ctx.t("progress.note.due"), ctx.date(&d)),
        (None, Some(t)) => ctx.day(&t),
        _ => String::new(),
    };
    NoteView {
        text,
        href,
        org_name: n.org_name.clone(),
        when,
        reason: n.reason.clone(),
        unread: n.id.is_some() && !n.read,
        urgent: matches!(n.kind, K::TaskOverdue) || n.due.is_some_and(|d| d < forms::today()),
    }
}

async fn notifications(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let list = st.store.notifications(&auth.p, forms::today()).await?;
    let ctx = auth.ctx;
    let items: Vec<NoteView> = list.iter().map(|n| note_view(&ctx, n)).collect();
    Ok(NotificationsPage {
        title: ctx.t("progress.notes.title").into(),
        unread: items.iter().filter(|n| n.unread).count(),
        items,
        ctx,
    }
    .into_response())
}

async fn notifications_read(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let list = st.store.notifications(&auth.p, forms::today()).await?;
    let ids: Vec<i64> = list
        .iter()
        .filter(|n| !n.read)
        .filter_map(|n| n.id)
        .collect();
    if !ids.is_empty() {
        st.store.mark_notifications_read(&auth.p, ids).await?;
    }
    Ok(Redirect::to("/notifications").into_response())
}
