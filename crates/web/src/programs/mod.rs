//! Action programs: a unit drafts its program for a document it was reached by (a GOV.UK
//! task list of the three free-text sections and the task table, each with its status
//! tag), edits each section on its own page and the task table on one page that works
//! without JavaScript, checks its answers (every "5 rõ" problem listed with its task
//! number) and issues it: the store assigns the number (`15-CTr/HU`) and freezes it. A
//! revision starts a new draft; superseded versions stay readable with a banner.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::program::{PartStatus, TaskForm, check_issue, draft_parts};
use domain::{
    DocumentId, Invalid, OrgId, Permission, Principal, ProgramId, ProgramKind, ProgramSections,
    ProgramState, TaskDraft, fieldpath, validate,
};
use i18n::Lang;
use store::{Document, NewProgram, Page, Program, StoreError, TaskRecord};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::documents::posted_rows;
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage, store_errors, today, today_text};

pub mod quality;
// The quality section of the check and program templates calls its methods.
use quality::QualityText as _;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/programs", post(create_draft))
        .route("/programs/{id}", get(show))
        .route("/programs/{id}/draft", get(draft))
        .route(
            "/programs/{id}/draft/sections/{part}",
            get(section_form).post(section_save),
        )
        .route(
            "/programs/{id}/draft/tasks",
            get(tasks_form).post(tasks_save),
        )
        .route("/programs/{id}/draft/check", get(check))
        .route("/programs/{id}/issue", post(issue))
        .route("/programs/{id}/revise", post(revise))
}

/// Above this many members in the unit's subtree, the responsible person is typed as a
/// member number instead of chosen from a list.
const MAX_MEMBER_OPTIONS: i64 = 300;

async fn load(st: &AppState, p: &Principal, raw: &str) -> Result<Program, AppError> {
    Ok(st.store.program(p, forms::id::<ProgramId>(raw)?).await?)
}

/// A draft the user may edit; an issued version sends the user to its page.
async fn load_draft(
    st: &AppState,
    p: &Principal,
    raw: &str,
) -> Result<Result<Program, Response>, AppError> {
    let program = load(st, p, raw).await?;
    if program.state != ProgramState::Draft {
        return Ok(Err(
            Redirect::to(&format!("/programs/{}", program.id)).into_response()
        ));
    }
    if !p.can(Permission::EditOrgs, &program.org_path) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(program))
}

fn section_text(s: &ProgramSections, part: &str) -> Option<String> {
    match part {
        "purpose" => Some(s.purpose.clone()),
        "tasks_and_solutions" => Some(s.tasks_and_solutions.clone()),
        "organization" => Some(s.organization.clone()),
        _ => None,
    }
}

fn part_tag(s: PartStatus) -> &'static str {
    match s {
        PartStatus::NotStarted => "tag-grey",
        PartStatus::InProgress => "tag-yellow",
        PartStatus::Completed => "tag-green",
    }
}

// ---- Start a draft ----------------------------------------------------------------------

/// A new draft's title, from the document it implements: "Chương trình hành động thực
/// hiện Nghị quyết số 05-NQ/HU…". Part of the official record, so always in Vietnamese.
pub(crate) fn default_title(doc: &Document, kind: ProgramKind) -> String {
    let title = i18n::fill(
        i18n::tr(Lang::Vi, "programs.default_title"),
        &[(
            "doc",
            &format!(
                "{} số {}",
                i18n::tr(
                    Lang::Vi,
                    &format!("documents.doc_type.{}", doc.doc_type.as_str())
                ),
                doc.symbol
            ),
        )],
    );
    if kind == ProgramKind::Plan {
        title.replacen(
            i18n::tr(Lang::Vi, "programs.kind.action_program"),
            i18n::tr(Lang::Vi, "programs.kind.plan"),
            1,
        )
    } else {
        title
    }
}

async fn create_draft(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let org = st.store.org_get(p, forms::id::<OrgId>(&id)?).await?;
    let doc_id: DocumentId = f
        .get("document")
        .parse()
        .map_err(|_| AppError::BadRequest)?;
    let doc = st.store.document(p, doc_id).await?;
    // An existing draft is continued rather than duplicated.
    let versions = st.store.unit_programs(p, org.id, doc.id).await?;
    if let Some(d) = versions.iter().find(|v| v.state == ProgramState::Draft) {
        return Ok(Redirect::to(&format!("/programs/{}/draft", d.id)).into_response());
    }
    let kind = ProgramKind::parse(f.get("kind")).unwrap_or(ProgramKind::ActionProgram);
    let title = default_title(&doc, kind);
    let program = st
        .store
        .create_program_draft(
            p,
            NewProgram {
                org_id: org.id,
                document_id: doc.id,
                kind,
                title,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("/programs/{}/draft", program.id)).into_response())
}

// ---- The task list ----------------------------------------------------------------------

pub struct PartRow {
    pub href: String,
    pub label: &'static str,
    pub status: &'static str,
    pub tag: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "programs/draft.html")]
struct DraftPage {
    ctx: Ctx,
    title: String,
    program: Program,
    doc: Option<Document>,
    parts: Vec<PartRow>,
    notice: String,
}

async fn draft(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Result<Response, AppError> {
    // After a save the page says so ("Đã lưu bản nháp."), then reads as usual.
    let saved = query.is_some_and(|q| q.split('&').any(|kv| kv == "saved=1"));
    let program = match load_draft(&st, &auth.p, &id).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let tasks = st.store.program_tasks(&auth.p, program.id).await?;
    let drafts: Vec<TaskDraft> = tasks.iter().map(|t| t.draft.clone()).collect();
    let ctx = auth.ctx;
    let mut parts = Vec::new();
    for part in ProgramSections::FIELDS {
        let filled = section_text(&program.sections, part).is_some_and(|t| !t.trim().is_empty());
        let status = if filled {
            PartStatus::Completed
        } else {
            PartStatus::NotStarted
        };
        parts.push(PartRow {
            href: format!("/programs/{}/draft/sections/{part}", program.id),
            label: ctx.t(&format!("programs.section.{part}")),
            status: ctx.t(&format!("programs.part_status.{}", status.as_str())),
            tag: part_tag(status),
        });
    }
    let tasks_status = draft_parts(&program.sections, &drafts, 0)[1].1;
    parts.push(PartRow {
        href: format!("/programs/{}/draft/tasks", program.id),
        label: ctx.t("programs.task_table"),
        status: ctx.t(&format!("programs.part_status.{}", tasks_status.as_str())),
        tag: part_tag(tasks_status),
    });
    // The program's own targets (optional): how many are set.
    let own = st.store.program_targets(&auth.p, program.id).await?;
    parts.push(PartRow {
        href: format!("/programs/{}/targets", program.id),
        label: ctx.t("targets.part"),
        status: if own.is_empty() {
            ctx.t("programs.part_status.not_started")
        } else {
            ctx.t("programs.part_status.completed")
        },
        tag: part_tag(if own.is_empty() {
            PartStatus::NotStarted
        } else {
            PartStatus::Completed
        }),
    });
    let doc = match st.store.document(&auth.p, program.root_document_id).await {
        Ok(d) => Some(d),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let notice = if saved {
        ctx.t("programs.saved").to_owned()
    } else {
        String::new()
    };
    Ok(DraftPage {
        title: program.title.clone(),
        ctx,
        doc,
        parts,
        notice,
        program,
    }
    .into_response())
}

// ---- Sections ---------------------------------------------------------------------------

fn section_page(
    ctx: &Ctx,
    program: &Program,
    part: &str,
    value: &str,
    errors: FormErrors,
) -> Response {
    let mut page = FormPage::new(
        ctx,
        ctx.t(&format!("programs.section.{part}")),
        &format!("/programs/{}/draft/sections/{part}", program.id),
        errors,
    );
    page.caption = program.title.clone();
    page.cancel_href = format!("/programs/{}/draft", program.id);
    page.submit = ctx.t("programs.save_draft").to_owned();
    page.fields = vec![
        Field::textarea("text", ctx.t(&format!("programs.section.{part}")), value)
            .hint(ctx.t(&format!("programs.section_hint.{part}"))),
    ];
    page.respond()
}

async fn section_form(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, part)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let program = match load_draft(&st, &auth.p, &id).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let value = section_text(&program.sections, &part).ok_or(AppError::NotFound)?;
    Ok(section_page(
        &auth.ctx,
        &program,
        &part,
        &value,
        FormErrors::default(),
    ))
}

async fn section_save(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, part)): Path<(String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let program = load(&st, &auth.p, &id).await?;
    section_text(&program.sections, &part).ok_or(AppError::NotFound)?;
    let text = f.get("text").trim_end().to_owned();
    let mut sections = program.sections.clone();
    match part.as_str() {
        "purpose" => sections.purpose = text.clone(),
        "tasks_and_solutions" => sections.tasks_and_solutions = text.clone(),
        _ => sections.organization = text.clone(),
    }
    let lang = auth.ctx.lang;
    match st
        .store
        .save_program_sections(&auth.p, program.id, sections)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/programs/{}/draft?saved=1", program.id)).into_response())
        }
        Err(e) => {
            let mut errors = store_errors(lang, e)?;
            for m in &mut errors.0 {
                m.field = "text".into();
            }
            Ok(section_page(&auth.ctx, &program, &part, &text, errors))
        }
    }
}

// ---- The task table ---------------------------------------------------------------------

pub struct TaskRow {
    pub n: usize,
    pub form: TaskForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "programs/tasks.html")]
struct TasksPage {
    ctx: Ctx,
    title: String,
    program: Program,
    rows: Vec<TaskRow>,
    errors: FormErrors,
    /// (id, label) of the unit's members, or none when they are too many for a list.
    members: Option<Vec<(String, String)>>,
    targets: Vec<(String, String)>,
}

impl TasksPage {
    fn name(&self, i: &usize, field: &str) -> String {
        format!("tasks[{i}].{field}")
    }

    fn err(&self, i: &usize, field: &str) -> Option<&str> {
        self.errors.err(&format!("tasks[{i}].{field}"))
    }

    fn row_label(&self, n: &usize) -> String {
        i18n::fill(self.ctx.t("programs.task_row"), &[("n", &(n + 1))])
    }

    /// The member options for a row, with its current value kept even when it is not
    /// among them.
    fn member_options(&self, current: &str) -> Vec<(String, String)> {
        let mut out = vec![(String::new(), self.ctx.t("programs.choose").to_owned())];
        if let Some(m) = &self.members {
            out.extend(m.iter().cloned());
            if !current.trim().is_empty() && !m.iter().any(|(v, _)| v == current.trim()) {
                out.push((current.trim().to_owned(), format!("#{}", current.trim())));
            }
        }
        out
    }

    fn target_options(&self) -> Vec<(String, String)> {
        let mut out = vec![(String::new(), self.ctx.t("programs.choose").to_owned())];
        out.extend(self.targets.iter().cloned());
        out
    }
}

fn form_of(t: &TaskDraft) -> TaskForm {
    TaskForm {
        content: t.content.clone(),
        lead_body: t.lead_body.clone().unwrap_or_default(),
        cooperating_bodies: t.cooperating_bodies.join("\n"),
        responsible: t.responsible.map(|m| m.to_string()).unwrap_or_default(),
        deadline: t.deadline.map(validate::format_date).unwrap_or_default(),
        expected_output: t.expected_output.clone().unwrap_or_default(),
        upper_target: t.upper_target.map(|t| t.to_string()).unwrap_or_default(),
    }
}

fn is_blank(t: &TaskForm) -> bool {
    [
        &t.content,
        &t.lead_body,
        &t.cooperating_bodies,
        &t.responsible,
        &t.deadline,
        &t.expected_output,
        &t.upper_target,
    ]
    .iter()
    .all(|s| s.trim().is_empty())
}

/// The posted rows, in order, without the removed one and the blank ones.
fn posted_tasks(f: &FormData) -> Vec<TaskForm> {
    let removed: Option<usize> = f
        .get("action")
        .strip_prefix("remove_")
        .and_then(|n| n.parse().ok());
    posted_rows(f, "tasks")
        .into_iter()
        .filter(|i| Some(*i) != removed)
        .map(|i| {
            let g = |k: &str| f.get(&format!("tasks[{i}].{k}")).to_owned();
            TaskForm {
                content: g("content"),
                lead_body: g("lead_body"),
                cooperating_bodies: g("cooperating_bodies"),
                responsible: g("responsible"),
                deadline: g("deadline"),
                expected_output: g("expected_output"),
                upper_target: g("upper_target"),
            }
        })
        .filter(|t| !is_blank(t))
        .collect()
}

/// Labels the summary entries of the task table: "Nhiệm vụ 3 – Thời hạn".
fn task_errors(ctx: &Ctx, mut errors: FormErrors) -> FormErrors {
    for m in &mut errors.0 {
        if let Some((_, i, field)) = fieldpath::split(&m.field) {
            m.label = format!(
                "{} – {}",
                i18n::fill(ctx.t("programs.task_row"), &[("n", &(i + 1))]),
                ctx.t(&format!("programs.task.{field}"))
            );
        }
    }
    errors
}

async fn tasks_page(
    st: &AppState,
    auth: &Auth,
    program: Program,
    forms_in: Vec<TaskForm>,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let org = st.store.org_get(p, program.org_id).await?;
    let members = if org.subtree_member_count <= MAX_MEMBER_OPTIONS {
        let hits = st
            .store
            .subtree_members(
                p,
                org.id,
                Page {
                    offset: 0,
                    limit: MAX_MEMBER_OPTIONS as u32,
                },
            )
            .await?;
        Some(
            hits.into_iter()
                .map(|h| {
                    (
                        h.member.id.to_string(),
                        format!("{} – {}", h.member.full_name, h.cell_name),
                    )
                })
                .collect(),
        )
    } else {
        None
    };
    let mut targets = Vec::new();
    match st.store.document_targets(p, program.root_document_id).await {
        Ok(list) => {
            for t in list {
                targets.push((
                    t.id.to_string(),
                    format!(
                        "{} ({} {})",
                        t.target.indicator,
                        domain::target::format_number(t.target.target_value, 2),
                        t.target.unit
                    ),
                ));
            }
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let list = members.is_some();
    let mut rows: Vec<TaskRow> = forms_in
        .into_iter()
        .enumerate()
        .map(|(n, mut form)| {
            // A list selects by number; a text field shows "Name #number".
            if list && let Some((_, id)) = form.responsible.rsplit_once('#') {
                form.responsible = id.trim().to_owned();
            }
            TaskRow { n, form }
        })
        .collect();
    let blanks = if rows.is_empty() { 3 } else { 1 };
    for _ in 0..blanks {
        rows.push(TaskRow {
            n: rows.len(),
            form: TaskForm::default(),
        });
    }
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let ctx = &auth.ctx;
    let page = TasksPage {
        title: forms::title(ctx.lang, &errors, ctx.t("programs.task_table")),
        ctx: ctx.clone(),
        program,
        rows,
        errors,
        members,
        targets,
    };
    Ok((status, page).into_response())
}

async fn tasks_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let program = match load_draft(&st, &auth.p, &id).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let tasks = st.store.program_tasks(&auth.p, program.id).await?;
    let forms_in = tasks
        .iter()
        .map(|t| {
            let mut form = form_of(&t.draft);
            if let (Some(id), Some(name)) = (t.draft.responsible, &t.responsible_name) {
                form.responsible = format!("{name} #{id}");
            }
            form
        })
        .collect();
    tasks_page(&st, &auth, program, forms_in, FormErrors::default()).await
}

async fn tasks_save(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let program = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let forms_in = posted_tasks(&f);
    // The responsible person as typed (a name, a card number, "Name #number"), resolved
    // among the unit's members; a message names whoever cannot be chosen and why.
    let unit = st.store.org_get(&auth.p, program.org_id).await?;
    let mut picked = FormErrors::default();
    let mut resolved = forms_in.clone();
    for (i, t) in resolved.iter_mut().enumerate() {
        match crate::pick::member_in(
            &st,
            &auth.ctx,
            &auth.p,
            &t.responsible,
            &unit,
            "shell.pick.member_outside",
        )
        .await?
        {
            Ok(Some(id)) => t.responsible = id.to_string(),
            Ok(None) => {}
            Err(message) => {
                picked.push_text(&format!("tasks[{i}].responsible"), &message);
                t.responsible.clear();
            }
        }
    }
    let mut inv = Invalid::default();
    let mut drafts = Vec::new();
    for (i, t) in resolved.iter().enumerate() {
        if let Some(d) = inv.take(TaskDraft::parse(i, t)) {
            drafts.push(d);
        }
    }
    if drafts.len() > domain::program::MAX_TASKS {
        inv.push("tasks", "too_many_tasks");
    }
    if !inv.is_empty() || !picked.is_empty() {
        let mut errors = FormErrors::from_invalid(lang, &inv);
        errors.0.extend(picked.0);
        errors
            .0
            .sort_by_key(|e| fieldpath::split(&e.field).map(|(_, i, _)| i));
        let errors = task_errors(&auth.ctx, errors);
        return tasks_page(&st, &auth, program, forms_in, errors).await;
    }
    let n = drafts.len();
    match st.store.save_tasks(&auth.p, program.id, drafts).await {
        Ok(_) => {
            let action = f.get("action");
            let to = if action == "add_row" || action.starts_with("remove_") {
                format!("/programs/{}/draft/tasks#task-{n}", program.id)
            } else {
                format!("/programs/{}/draft?saved=1", program.id)
            };
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            let errors = task_errors(&auth.ctx, store_errors(lang, e)?);
            tasks_page(&st, &auth, program, forms_in, errors).await
        }
    }
}

// ---- Check your answers and issue -------------------------------------------------------

/// One problem on the check page, with where to fix it.
pub struct Problem {
    pub label: String,
    pub message: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "programs/check.html")]
struct CheckPage {
    ctx: Ctx,
    title: String,
    program: Program,
    sections: Vec<(&'static str, String, String)>,
    tasks: Vec<TaskRecord>,
    problems: Vec<Problem>,
    /// Errors of the issue form itself (the date).
    errors: FormErrors,
    issued_on: String,
    /// Plan quality (advisory): copy verdict, passages, score.
    quality: quality::QualityView,
    /// The "5 rõ" findings of each task, shown in its row.
    findings: Vec<Vec<String>>,
}

impl CheckPage {
    fn task_findings(&self, i: &usize) -> &[String] {
        self.findings.get(*i).map_or(&[], Vec::as_slice)
    }
}

fn problems_of(ctx: &Ctx, program: &Program, inv: &Invalid) -> Vec<Problem> {
    inv.0
        .iter()
        .map(|e| {
            let message = ctx.t(&format!("err.{}", e.code)).to_owned();
            if let Some((_, i, field)) = fieldpath::split(e.field) {
                // "Nhiệm vụ 3: chưa có người chịu trách nhiệm", not "Nhiệm vụ 3: Nhiệm vụ chưa có…".
                let message = message
                    .strip_prefix(ctx.t("programs.task_prefix"))
                    .map_or(message.clone(), str::to_owned);
                Problem {
                    label: i18n::fill(ctx.t("programs.task_row"), &[("n", &(i + 1))]),
                    message,
                    href: format!("/programs/{}/draft/tasks#tasks[{i}].{field}", program.id),
                }
            } else if ProgramSections::FIELDS.contains(&e.field) {
                Problem {
                    label: ctx.t(&format!("programs.section.{}", e.field)).to_owned(),
                    message,
                    href: format!("/programs/{}/draft/sections/{}", program.id, e.field),
                }
            } else {
                Problem {
                    label: ctx.t("programs.task_table").to_owned(),
                    message,
                    href: format!("/programs/{}/draft/tasks", program.id),
                }
            }
        })
        .collect()
}

async fn check_page(
    st: &AppState,
    auth: &Auth,
    program: Program,
    issued_on: String,
    store_problems: Option<Invalid>,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let tasks = st.store.program_tasks(&auth.p, program.id).await?;
    let drafts: Vec<TaskDraft> = tasks.iter().map(|t| t.draft.clone()).collect();
    let day = validate::date("issued_on", &issued_on).unwrap_or_else(|_| today());
    let inv = match store_problems {
        Some(inv) => inv,
        None => check_issue(program.state, &program.sections, &drafts, day)
            .err()
            .unwrap_or_default(),
    };
    let problems = problems_of(ctx, &program, &inv);
    let mut quality = quality::view(st, auth, &program, &tasks).await;
    let findings = std::mem::take(&mut quality.findings);
    let sections = ProgramSections::FIELDS
        .iter()
        .map(|part| {
            let text = section_text(&program.sections, part).unwrap_or_default();
            (
                *part,
                ctx.t(&format!("programs.section.{part}")).to_owned(),
                crate::markdown::render(&text),
            )
        })
        .collect();
    let title = if !errors.is_empty() {
        format!(
            "{} {}",
            ctx.t("shell.error_prefix"),
            ctx.t("programs.check_title")
        )
    } else {
        ctx.t("programs.check_title").to_owned()
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CheckPage {
        title,
        ctx: ctx.clone(),
        program,
        sections,
        tasks,
        problems,
        errors,
        issued_on,
        quality,
        findings,
    };
    Ok((status, page).into_response())
}

async fn check(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let program = match load_draft(&st, &auth.p, &id).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    check_page(
        &st,
        &auth,
        program,
        today_text(),
        None,
        FormErrors::default(),
    )
    .await
}

async fn issue(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let program = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let raw = f.get("issued_on").to_owned();
    let on = match validate::date("issued_on", &raw) {
        Ok(d) => d,
        Err(inv) => {
            let errors = FormErrors::from_invalid(lang, &inv);
            return check_page(&st, &auth, program, raw, None, errors).await;
        }
    };
    match st.store.issue_program(&auth.p, program.id, on).await {
        Ok(p) => {
            // Kept for the dashboards' list of programs to look at again.
            services::quality::assess_and_save(&*st.store, &auth.p, &p).await;
            Ok(Redirect::to(&format!("/programs/{}?issued=1", p.id)).into_response())
        }
        Err(StoreError::Invalid(inv)) => {
            // The refusal itself is the form's error; the problems list says what to fix.
            let mut errors = FormErrors::default();
            errors.push_key(lang, "problems", "programs.problems");
            check_page(&st, &auth, program, raw, Some(inv), errors).await
        }
        Err(StoreError::Conflict("consultation_unanswered")) => {
            // Name how many comments still wait (docs/CONSULTATION.md).
            let gate = st.store.program_gate(program.id, on).await?;
            let n = domain::consultation::unanswered_total(&gate);
            let mut errors = FormErrors::default();
            errors.push_text(
                "form",
                &format!(
                    "{} {}",
                    i18n::tr(lang, "err.consultation_unanswered"),
                    i18n::fill(i18n::tr(lang, "consultation.unanswered_n"), &[("n", &n)])
                ),
            );
            check_page(&st, &auth, program, raw, None, errors).await
        }
        Err(e) => {
            let errors = store_errors(lang, e)?;
            check_page(&st, &auth, program, raw, None, errors).await
        }
    }
}

// ---- An issued program, and revisions ---------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "programs/show.html")]
struct ShowPage {
    ctx: Ctx,
    title: String,
    program: Program,
    doc: Option<Document>,
    sections: Vec<(&'static str, String, String)>,
    tasks: Vec<TaskRecord>,
    versions: Vec<Program>,
    can_revise: bool,
    draft: Option<ProgramId>,
    /// Plan quality of the issued text, with the passages shared with the plan above.
    quality: quality::QualityView,
    /// The program's own targets with their roll-ups.
    targets: Vec<crate::targets::TargetView>,
    /// Right after issuing: what happened and what comes next.
    issued: Option<IssuedPanel>,
}

/// The confirmation panel shown once, right after a program is issued.
struct IssuedPanel {
    headline: String,
    what_happened: Vec<String>,
    /// (href, label) of the next steps.
    next: Vec<(String, String)>,
}

fn issued_panel(
    ctx: &Ctx,
    program: &Program,
    tasks: &[TaskRecord],
    may_cascade: bool,
) -> Option<IssuedPanel> {
    let (Some(symbol), Some(on)) = (&program.symbol, program.issued_on) else {
        return None;
    };
    let kind = ctx.t(&format!("programs.kind.{}", program.kind.as_str()));
    let headline = i18n::fill(
        ctx.t("programs.issued_panel.headline"),
        &[
            ("kind", &kind),
            ("symbol", symbol),
            ("date", &ctx.date(&on)),
        ],
    );
    let people = tasks
        .iter()
        .filter_map(|t| t.draft.responsible)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let what_happened = vec![
        i18n::fill(
            ctx.t("programs.issued_panel.tasks"),
            &[("tasks", &tasks.len()), ("people", &people)],
        ),
        ctx.t("programs.issued_panel.upper").to_owned(),
        ctx.t("programs.issued_panel.frozen").to_owned(),
    ];
    let mut next = vec![(
        format!(
            "/dashboards/{}/{}",
            program.org_id, program.root_document_id
        ),
        ctx.t("programs.issued_panel.dashboard").to_owned(),
    )];
    if may_cascade && let Some(doc) = program.document_id {
        next.insert(
            0,
            (
                format!("/documents/{doc}/cascades/new"),
                ctx.t("programs.issued_panel.cascade").to_owned(),
            ),
        );
    }
    next.push((
        format!("/orgs/{}", program.org_id),
        ctx.t("programs.issued_panel.unit").to_owned(),
    ));
    Some(IssuedPanel {
        headline,
        what_happened,
        next,
    })
}

impl ShowPage {
    fn task_findings(&self, i: &usize) -> &[String] {
        self.quality.findings.get(*i).map_or(&[], Vec::as_slice)
    }

    fn kind_label(&self) -> &'static str {
        self.ctx
            .t(&format!("programs.kind.{}", self.program.kind.as_str()))
    }
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let program = load(&st, p, &id).await?;
    if program.state == ProgramState::Draft {
        return Ok(Redirect::to(&format!("/programs/{}/draft", program.id)).into_response());
    }
    let tasks = st.store.program_tasks(p, program.id).await?;
    let versions = st
        .store
        .unit_programs(p, program.org_id, program.root_document_id)
        .await?;
    let doc = match st.store.document(p, program.root_document_id).await {
        Ok(d) => Some(d),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let draft = versions
        .iter()
        .find(|v| v.state == ProgramState::Draft)
        .map(|v| v.id);
    let quality = quality::view(&st, &auth, &program, &tasks).await;
    let targets = crate::targets::program_section(&st, &auth.ctx, p, &program).await?;
    let issued = if forms::query_param(&q, "issued") == "1" && program.state == ProgramState::Issued
    {
        // A cell has no units below it to cascade its program to.
        let may_cascade = p.can(Permission::EditOrgs, &program.org_path)
            && st.store.org_get(p, program.org_id).await?.kind != domain::OrgKind::Cell;
        issued_panel(&auth.ctx, &program, &tasks, may_cascade)
    } else {
        None
    };
    let ctx = auth.ctx;
    let sections = ProgramSections::FIELDS
        .iter()
        .map(|part| {
            let text = section_text(&program.sections, part).unwrap_or_default();
            (
                *part,
                ctx.t(&format!("programs.section.{part}")).to_owned(),
                crate::markdown::render(&text),
            )
        })
        .collect();
    Ok(ShowPage {
        quality,
        title: program.title.clone(),
        can_revise: program.state.can_revise()
            && draft.is_none()
            && p.can(Permission::EditOrgs, &program.org_path),
        ctx,
        doc,
        sections,
        tasks,
        versions,
        draft,
        targets,
        issued,
        program,
    }
    .into_response())
}

async fn revise(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let program = load(&st, &auth.p, &id).await?;
    match st.store.revise_program(&auth.p, program.id).await {
        Ok(d) => Ok(Redirect::to(&format!("/programs/{}/draft", d.id)).into_response()),
        // Not the issued version (a draft, a superseded one): back to its page.
        Err(StoreError::Invalid(_) | StoreError::Conflict(_)) => {
            Ok(Redirect::to(&format!("/programs/{}", program.id)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
