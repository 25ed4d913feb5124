//! Programs: a unit's action programs, one program with its sections and tasks, and the
//! draft's life: start it, save its sections and its task table, issue it, revise an
//! issued one. The same store calls and checks as the pages (`crate::programs`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::program::TaskForm;
use domain::{
    DocumentId, EffectiveStatus, Invalid, OrgId, ProgramId, ProgramKind, ProgramState, TaskDraft,
};
use serde::{Deserialize, Serialize};
use store::{NewProgram, Page, Program, StoreError, TaskRecord};
use time::Date;
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, created, id, moment, ok, opt_date};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::forms::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/orgs/{id}/programs",
            get(org_programs).post(create_draft),
        )
        .route("/api/programs/{id}", get(program))
        .route("/api/programs/{id}/quality", get(quality))
        .route("/api/programs/{id}/sections", post(save_sections))
        .route("/api/programs/{id}/tasks", post(save_tasks))
        .route("/api/programs/{id}/issue", post(issue))
        .route("/api/programs/{id}/revise", post(revise))
}

#[derive(OpenApi)]
#[openapi(paths(
    org_programs,
    create_draft,
    program,
    quality,
    save_sections,
    save_tasks,
    issue,
    revise
))]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// The three free-text sections of a program, in Markdown.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionsDto {
    /// I. Mục đích, yêu cầu.
    pub purpose: String,
    /// II. Nhiệm vụ, giải pháp.
    pub tasks_and_solutions: String,
    /// III. Tổ chức thực hiện.
    pub organization: String,
}

/// A unit's action program (CTr) or implementation plan (KH), in any version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// The unit's row in the cascade it answers.
    pub cascade_unit_id: Option<i64>,
    pub root_document_id: i64,
    /// `action_program` or `plan`.
    pub kind: String,
    /// `draft`, `issued` or `superseded`.
    pub state: String,
    pub title: String,
    pub sections: SectionsDto,
    /// Set on issue: the document row with the number and symbol.
    pub document_id: Option<i64>,
    #[schema(example = "01-CTr/ĐU")]
    pub symbol: Option<String>,
    pub issued_on: Option<Date>,
    pub revises: Option<i64>,
    pub superseded_by: Option<i64>,
    pub created_at: String,
}

impl From<&Program> for ProgramDto {
    fn from(p: &Program) -> ProgramDto {
        ProgramDto {
            id: p.id.0,
            org_id: p.org_id.0,
            org_name: p.org_name.clone(),
            cascade_unit_id: p.cascade_unit_id.map(|c| c.0),
            root_document_id: p.root_document_id.0,
            kind: p.kind.as_str().to_owned(),
            state: p.state.as_str().to_owned(),
            title: p.title.clone(),
            sections: SectionsDto {
                purpose: p.sections.purpose.clone(),
                tasks_and_solutions: p.sections.tasks_and_solutions.clone(),
                organization: p.sections.organization.clone(),
            },
            document_id: p.document_id.map(|d| d.0),
            symbol: p.symbol.clone(),
            issued_on: p.issued_on,
            revises: p.revises.map(|r| r.0),
            superseded_by: p.superseded_by.map(|r| r.0),
            created_at: moment(&p.created_at),
        }
    }
}

/// A task of a program: the "5 rõ" (content, lead body, responsible person, deadline,
/// output) and its state.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    pub id: i64,
    pub program_id: i64,
    pub position: u32,
    pub content: String,
    pub lead_body: Option<String>,
    pub cooperating_bodies: Vec<String>,
    /// The responsible member's id, and name.
    pub responsible: Option<i64>,
    pub responsible_name: Option<String>,
    pub deadline: Option<Date>,
    pub expected_output: Option<String>,
    /// The upper level's target it serves.
    pub upper_target: Option<i64>,
    /// As reported: `not_started`, `on_track`, `at_risk`, `done`.
    pub status: String,
    /// On `as_of`: the status, or `overdue` past the deadline when not done.
    pub effective_status: String,
    pub as_of: Date,
    pub percent: Option<u8>,
    /// Returned updates not yet followed by an accepted one.
    pub returned_count: u32,
    /// Whether it counts on dashboards (its program is the issued version).
    pub counted: bool,
}

impl TaskDto {
    pub fn new(t: &TaskRecord, today: Date) -> TaskDto {
        let d = &t.draft;
        let effective: EffectiveStatus =
            domain::progress::effective_status(t.status, d.deadline, today);
        TaskDto {
            id: t.id.0,
            program_id: t.program_id.0,
            position: t.position,
            content: d.content.clone(),
            lead_body: d.lead_body.clone(),
            cooperating_bodies: d.cooperating_bodies.clone(),
            responsible: d.responsible.map(|m| m.0),
            responsible_name: t.responsible_name.clone(),
            deadline: d.deadline,
            expected_output: d.expected_output.clone(),
            upper_target: d.upper_target.map(|x| x.0),
            status: t.status.as_str().to_owned(),
            effective_status: effective.as_str().to_owned(),
            as_of: today,
            percent: t.percent,
            returned_count: t.returned_count,
            counted: t.counted,
        }
    }
}

fn tasks_of(list: &[TaskRecord]) -> Vec<TaskDto> {
    let today = today();
    list.iter().map(|t| TaskDto::new(t, today)).collect()
}

/// A program with its tasks and the unit's other versions for the same chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramPage {
    pub program: ProgramDto,
    pub tasks: Vec<TaskDto>,
    /// Every version of the unit's program for the chain, oldest first.
    pub versions: Vec<ProgramDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramList {
    pub org_id: i64,
    /// Every version, by document chain, oldest first.
    pub programs: Vec<ProgramDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskList {
    pub program_id: i64,
    pub tasks: Vec<TaskDto>,
}

/// Start a draft for the unit, implementing a document (any document of its chain).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewDraft {
    pub document_id: Option<i64>,
    /// `action_program` (default) or `plan`.
    pub kind: Option<String>,
}

/// The sections to change; an absent one is kept.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SectionsInput {
    pub purpose: Option<String>,
    pub tasks_and_solutions: Option<String>,
    pub organization: Option<String>,
}

/// The whole task table of a draft, in order (it replaces the saved one).
#[derive(Debug, Deserialize, ToSchema)]
pub struct TasksInput {
    pub tasks: Option<Vec<TaskInput>>,
}

/// One task as the draft saves it: only the content is required until issue.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TaskInput {
    #[schema(example = "Tổ chức hội nghị quán triệt nghị quyết đến toàn thể đảng viên")]
    pub content: String,
    pub lead_body: Option<String>,
    pub cooperating_bodies: Vec<String>,
    /// A member of the unit or of a unit under it.
    pub responsible: Option<i64>,
    /// ISO or dd/mm/yyyy.
    #[schema(example = "2025-06-30")]
    pub deadline: Option<String>,
    pub expected_output: Option<String>,
    /// A target of the document the program implements.
    pub upper_target: Option<i64>,
}

impl TaskInput {
    fn form(&self) -> TaskForm {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
        TaskForm {
            content: self.content.clone(),
            lead_body: s(&self.lead_body),
            cooperating_bodies: self.cooperating_bodies.join("\n"),
            responsible: n(self.responsible),
            deadline: s(&self.deadline),
            expected_output: s(&self.expected_output),
            upper_target: n(self.upper_target),
        }
    }
}

/// The issue date (ISO or dd/mm/yyyy; today when absent).
#[derive(Debug, Deserialize, ToSchema)]
pub struct IssueInput {
    pub issued_on: Option<String>,
}

// ---- Handlers ---------------------------------------------------------------------------

async fn load(st: &AppState, auth: &Auth, raw: &str) -> Result<Program, ApiError> {
    Ok(st.store.program(&auth.p, id::<ProgramId>(raw)?).await?)
}

async fn page_of(st: &AppState, auth: &Auth, program: Program) -> ApiResult<ProgramPage> {
    let p = &auth.p;
    let tasks = st.store.program_tasks(p, program.id).await?;
    let versions = st
        .store
        .unit_programs(p, program.org_id, program.root_document_id)
        .await?;
    Ok(ProgramPage {
        program: ProgramDto::from(&program),
        tasks: tasks_of(&tasks),
        versions: versions.iter().map(ProgramDto::from).collect(),
    })
}

/// The programs of a unit.
///
/// The programs of a unit (every version), for one document's chain or for every chain
/// that reached the unit or that it issued.
#[utoipa::path(get, path = "/api/orgs/{id}/programs", tag = "programs",
    params(("id" = i64, Path, description = "The unit"),
        ("document" = Option<i64>, Query, description = "Only the chain of this document")),
    responses((status = 200, description = "OK", body = ProgramList), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn org_programs(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let p = &auth.p;
    let org = st.store.org_get(p, id::<OrgId>(&raw)?).await?;
    let chains: Vec<DocumentId> = match crate::forms::query_param(&query, "document").as_str() {
        "" => {
            let mut roots: Vec<DocumentId> = crate::documents::implementing(&st, p, &org)
                .await?
                .iter()
                .map(|i| i.doc.root_document_id)
                .collect();
            let own = st
                .store
                .documents(
                    p,
                    org.id,
                    Page {
                        offset: 0,
                        limit: 200,
                    },
                )
                .await?;
            roots.extend(
                own.iter()
                    .filter(|d| d.doc_type.is_cascadable())
                    .map(|d| d.root_document_id),
            );
            let mut seen = std::collections::HashSet::new();
            roots.retain(|r| seen.insert(*r));
            roots
        }
        raw_doc => {
            let doc_id = raw_doc
                .parse::<DocumentId>()
                .map_err(|_| ApiError::Invalid(Invalid::one("document", "bad_choice")))?;
            vec![st.store.document(p, doc_id).await?.id]
        }
    };
    let mut programs = Vec::new();
    for doc in chains {
        match st.store.unit_programs(p, org.id, doc).await {
            Ok(list) => programs.extend(list.iter().map(ProgramDto::from)),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    ok(ProgramList {
        org_id: org.id.0,
        programs,
    })
}

/// Starts a program draft for a unit.
///
/// Starts a draft (EditOrgs on the unit), titled after the document. An existing draft
/// for the chain is answered instead (200), as the page continues it.
#[utoipa::path(post, path = "/api/orgs/{id}/programs", tag = "programs",
    params(("id" = i64, Path, description = "The unit")),
    request_body = NewDraft,
    responses((status = 201, description = "The new draft", body = ProgramPage),
        (status = 200, description = "The unit's existing draft for the chain", body = ProgramPage),
        (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody), (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn create_draft(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let p = &auth.p;
    let org = st.store.org_get(p, id::<OrgId>(&raw)?).await?;
    let input: NewDraft = body(&bytes)?;
    let mut inv = Invalid::default();
    let Some(doc_id) = input.document_id else {
        return Err(ApiError::Invalid(Invalid::one("document_id", "required")));
    };
    let kind = match input.kind.as_deref().map(str::trim) {
        None | Some("") => Some(ProgramKind::ActionProgram),
        Some(k) => {
            let kind = ProgramKind::parse(k);
            if kind.is_none() {
                inv.push("kind", "bad_choice");
            }
            kind
        }
    };
    let doc = match st.store.document(p, DocumentId(doc_id)).await {
        Ok(d) => d,
        Err(StoreError::NotFound) => {
            inv.push("document_id", "bad_choice");
            return Err(ApiError::Invalid(inv));
        }
        Err(e) => return Err(e.into()),
    };
    let Some(kind) = kind.filter(|_| inv.is_empty()) else {
        return Err(ApiError::Invalid(inv));
    };
    let versions = st.store.unit_programs(p, org.id, doc.id).await?;
    if let Some(d) = versions
        .into_iter()
        .find(|v| v.state == ProgramState::Draft)
    {
        return ok(page_of(&st, &auth, d).await?);
    }
    let program = st
        .store
        .create_program_draft(
            p,
            NewProgram {
                org_id: org.id,
                document_id: doc.id,
                kind,
                title: crate::programs::default_title(&doc, kind),
            },
        )
        .await?;
    created(page_of(&st, &auth, program).await?)
}

/// One program with its sections and tasks, in any state.
#[utoipa::path(get, path = "/api/programs/{id}", tag = "programs",
    params(("id" = i64, Path, description = "The program")),
    responses((status = 200, description = "OK", body = ProgramPage), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn program(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let program = load(&st, &auth, &raw).await?;
    ok(page_of(&st, &auth, program).await?)
}

/// One side of a shared passage: the text before, the shared text, the text after.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassageSideDto {
    pub before: String,
    pub matched: String,
    pub after: String,
}

/// A passage found in both texts: this plan's side and the other text's.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassageDto {
    pub plan: PassageSideDto,
    pub other: PassageSideDto,
}

/// Another plan compared with this one (a sibling unit's, or the unit's previous plan).
#[derive(Debug, Serialize, ToSchema)]
pub struct ComparisonDto {
    pub name: String,
    /// `copied`, `adapted` or `original`.
    pub verdict: String,
    /// Share of this plan's own content found in the other text, in percent.
    pub percent: u32,
    pub passages: Vec<PassageDto>,
}

/// The plan's overall verdict: the most severe comparison and which one it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverallDto {
    /// `copied`, `adapted` or `original`.
    pub verdict: String,
    /// `upper`, `previous` or `sibling`; absent when nothing was compared.
    pub source: Option<String>,
    /// The sibling unit or the previous plan; empty for the upper plan.
    pub name: String,
    pub percent: u32,
    /// Why, in the user's language.
    pub reason: String,
}

/// The plan-quality check of a program (advisory): its 0–100 score and the points taken
/// off, the overall copy verdict, the comparison with the upper plan, the unit's previous
/// plan and the sibling units' plans with the shared passages, and each task's findings.
#[derive(Debug, Serialize, ToSchema)]
pub struct QualityDto {
    pub score: u32,
    /// Where the plan stands: `good` (85 and above), `fair` (70–84), `needs_completing`
    /// (50–69) or `needs_redoing` (under 50, or copied).
    pub band: String,
    /// Points taken off and why: `[points, message]`.
    pub deductions: Vec<(String, String)>,
    /// Absent when the copy check was skipped (the upper text is empty).
    pub overall: Option<OverallDto>,
    /// Against the upper plan alone.
    pub upper: Option<ComparisonDto>,
    /// Whether the upper plan is the parent unit's program (else the resolution's text).
    pub upper_is_program: bool,
    pub previous: Option<ComparisonDto>,
    /// Sibling units' plans sharing a real part of this one, most first.
    pub siblings: Vec<ComparisonDto>,
    /// How many sibling plans were compared.
    pub compared_siblings: usize,
    /// The findings of each task, in the order of the task table.
    pub findings: Vec<Vec<String>>,
}

fn passage_dtos(passages: &[services::quality::PassageView]) -> Vec<PassageDto> {
    let side = |s: &services::quality::Side| PassageSideDto {
        before: s.before.clone(),
        matched: s.matched.clone(),
        after: s.after.clone(),
    };
    passages
        .iter()
        .map(|p| PassageDto {
            plan: side(&p.lower),
            other: side(&p.upper),
        })
        .collect()
}

fn comparison_dto(c: &services::quality::ComparisonView) -> ComparisonDto {
    ComparisonDto {
        name: c.name.clone(),
        verdict: c.verdict.as_str().to_owned(),
        percent: c.percent,
        passages: passage_dtos(&c.passages),
    }
}

/// The plan-quality check of a program as the user may read the plans it is compared with,
/// in the user's language; the same as the check page shows.
#[utoipa::path(get, path = "/api/programs/{id}/quality", tag = "programs",
    params(("id" = i64, Path, description = "The program")),
    responses((status = 200, description = "OK", body = QualityDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn quality(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let program = load(&st, &auth, &raw).await?;
    let tasks = st.store.program_tasks(&auth.p, program.id).await?;
    let q = crate::programs::quality::view(&st, &auth, &program, &tasks).await;
    ok(QualityDto {
        score: q.total,
        band: q.band.as_str().to_owned(),
        deductions: q.deductions,
        overall: q.overall.map(|o| OverallDto {
            verdict: o.verdict.as_str().to_owned(),
            source: o.source.map(|s| s.as_str().to_owned()),
            name: o.name,
            percent: o.percent,
            reason: o.reason,
        }),
        upper: q.verdict.map(|v| ComparisonDto {
            name: String::new(),
            verdict: v.as_str().to_owned(),
            percent: q.percent,
            passages: passage_dtos(&q.passages),
        }),
        upper_is_program: q.upper_is_program,
        previous: q.previous.as_ref().map(comparison_dto),
        siblings: q.siblings.iter().map(comparison_dto).collect(),
        compared_siblings: q.compared_siblings,
        findings: q.findings,
    })
}

/// Saves a draft's sections (EditOrgs on the unit; drafts only: `program_not_draft`).
#[utoipa::path(post, path = "/api/programs/{id}/sections", tag = "programs",
    params(("id" = i64, Path, description = "The draft")),
    request_body = SectionsInput,
    responses((status = 200, description = "OK", body = ProgramDto), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn save_sections(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let program = load(&st, &auth, &raw).await?;
    let input: SectionsInput = body(&bytes)?;
    let mut sections = program.sections.clone();
    let set = |slot: &mut String, v: Option<String>| {
        if let Some(v) = v {
            *slot = v.trim_end().to_owned();
        }
    };
    set(&mut sections.purpose, input.purpose);
    set(&mut sections.tasks_and_solutions, input.tasks_and_solutions);
    set(&mut sections.organization, input.organization);
    let saved = st
        .store
        .save_program_sections(&auth.p, program.id, sections)
        .await?;
    ok(ProgramDto::from(&saved))
}

/// Replaces a draft's task table.
///
/// Replaces a draft's whole task table (EditOrgs on the unit). Formats are checked here
/// (`tasks[i].deadline`, …), the responsible people by the store
/// (`responsible_outside_unit`); completeness ("5 rõ") only on issue.
#[utoipa::path(post, path = "/api/programs/{id}/tasks", tag = "programs",
    params(("id" = i64, Path, description = "The draft")),
    request_body = TasksInput,
    responses((status = 200, description = "OK", body = TaskList), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn save_tasks(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let program = load(&st, &auth, &raw).await?;
    let input: TasksInput = body(&bytes)?;
    let Some(rows) = input.tasks else {
        return Err(ApiError::Invalid(Invalid::one("tasks", "required")));
    };
    let mut inv = Invalid::default();
    if rows.len() > domain::program::MAX_TASKS {
        return Err(ApiError::Invalid(Invalid::one("tasks", "too_many_tasks")));
    }
    let mut drafts: Vec<TaskDraft> = Vec::new();
    for (i, t) in rows.iter().enumerate() {
        if let Some(d) = inv.take(TaskDraft::parse(i, &t.form())) {
            drafts.push(d);
        }
    }
    if !inv.is_empty() {
        return Err(ApiError::Invalid(inv));
    }
    let saved = st.store.save_tasks(&auth.p, program.id, drafts).await?;
    ok(TaskList {
        program_id: program.id.0,
        tasks: tasks_of(&saved),
    })
}

/// Issues a draft program.
///
/// Issues a draft (EditOrgs on the unit): every "5 rõ" problem is a 400 naming its field
/// (`tasks[2].deadline`); on success the program has its number and symbol.
#[utoipa::path(post, path = "/api/programs/{id}/issue", tag = "programs",
    params(("id" = i64, Path, description = "The draft")),
    request_body = IssueInput,
    responses((status = 200, description = "OK", body = ProgramPage), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody),
        (status = 409, description = "In conflict with stored records", body = ErrorBody)))]
async fn issue(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let program = load(&st, &auth, &raw).await?;
    let input: IssueInput = body(&bytes)?;
    let mut inv = Invalid::default();
    let Some(on) = opt_date(&mut inv, "issued_on", input.issued_on.as_deref()) else {
        return Err(ApiError::Invalid(inv));
    };
    let issued = st
        .store
        .issue_program(&auth.p, program.id, on.unwrap_or_else(today))
        .await?;
    // As on the page: kept for the dashboards' list of programs to look at again.
    services::quality::assess_and_save(&*st.store, &auth.p, &issued).await;
    ok(page_of(&st, &auth, issued).await?)
}

/// A new draft from the issued version, sections and tasks copied (EditOrgs on the unit).
#[utoipa::path(post, path = "/api/programs/{id}/revise", tag = "programs",
    params(("id" = i64, Path, description = "The issued version")),
    responses((status = 201, description = "Created", body = ProgramPage), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn revise(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let program = load(&st, &auth, &raw).await?;
    let draft = st.store.revise_program(&auth.p, program.id).await?;
    created(page_of(&st, &auth, draft).await?)
}
