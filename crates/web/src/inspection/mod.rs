//! Inspection and supervision (issue 16): pages for a body's program of the year, its
//! items, the subject's self-report, findings, the conclusion with recommendations, the
//! recommendations followed to closure, the dashboard and the suggestions.
//!
//! - `/orgs/{id}/inspection`: a unit's page: the programs of the bodies the user acts for
//!   there (and a form to start one), the items that concern the unit, and the
//!   recommendations it must act on;
//! - `/inspection-programs/{id}` and `.../items/new`: a program and a new item;
//! - `/inspection-items/{id}`: an item as the user may see it (the store applies
//!   `domain::inspection::sight`), with the notice, findings and conclusion forms for the
//!   team and the body; `/inspection-subjects/{id}/report`: the subject's self-report
//!   with evidence (a multipart upload);
//! - `/recommendations/{id}`: one recommendation, made a task, reported on with
//!   evidence, verified or returned;
//! - `/inspection-files/{id}`: a file, served only after the store returned its owner;
//! - `/orgs/{id}/inspection/dashboard` (+ `/xlsx`) and `/orgs/{id}/inspection/suggestions`.
//!
//! Authorization is the store's: a page outside the user's reach is a 404.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::inspection::{
    AboutKind, BodyKind, FindingKind, ItemKind, ItemState, Reason, RecState, TeamRole,
};
use domain::validate;
use domain::{Invalid, MemberId, OrgId};
use store::{
    Conclusion, InspectionDashboard, InspectionProgram, Item, ItemSummary, NewFinding,
    NewInspectionProgram, NewItem, NewRecommendation, Org, Page, Recommendation, Suggestion,
};
use time::Date;

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::files::{self, UploadError};
use crate::forms::{self, Field, FormData, FormErrors, FormPage};
use crate::imports::BODY_LIMIT;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/inspection", get(unit_page))
        .route("/orgs/{id}/inspection/programs", post(program_create))
        .route("/orgs/{id}/inspection/dashboard", get(dashboard_page))
        .route("/orgs/{id}/inspection/dashboard/xlsx", get(dashboard_xlsx))
        .route("/orgs/{id}/inspection/suggestions", get(suggestions_page))
        .route("/inspection-programs/{id}", get(program_page))
        .route(
            "/inspection-programs/{id}/items/new",
            get(item_form).post(item_create),
        )
        .route("/inspection-items/{id}", get(item_page))
        .route("/inspection-items/{id}/docx", get(notice::docx))
        .route("/inspection-items/{id}/notify", post(item_notify))
        .route("/inspection-items/{id}/findings", post(finding_add))
        .route("/inspection-items/{id}/content", post(content_post))
        .route(
            "/inspection-items/{id}/conclude",
            get(conclude_form).post(conclude_post),
        )
        .route(
            "/inspection-subjects/{id}/report",
            get(report_form)
                .post(report_post)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/recommendations/{id}", get(rec_page))
        .route("/recommendations/{id}/adopt", post(rec_adopt))
        .route(
            "/recommendations/{id}/remediation",
            get(remediation_form)
                .post(remediation_post)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/recommendations/{id}/decision", post(rec_decide))
        .route("/inspection-files/{id}", get(file_download))
}

/// Whether a path is one of this module's uploads (read with the imports' larger limit).
pub(crate) fn is_upload(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    matches!(parts.as_slice(), ["", "inspection-subjects", id, "report"] if !id.is_empty())
        || matches!(parts.as_slice(), ["", "recommendations", id, "remediation"] if !id.is_empty())
}

// ---- Labels ---------------------------------------------------------------------------------

pub(crate) fn kind_label(ctx: &Ctx, x: impl std::borrow::Borrow<ItemKind>) -> &'static str {
    ctx.t(&format!("inspection.kind.{}", x.borrow().as_str()))
}

pub(crate) fn body_label(ctx: &Ctx, x: impl std::borrow::Borrow<BodyKind>) -> &'static str {
    ctx.t(&format!("inspection.body.{}", x.borrow().as_str()))
}

pub(crate) fn state_label(ctx: &Ctx, x: impl std::borrow::Borrow<ItemState>) -> &'static str {
    ctx.t(&format!("inspection.state.{}", x.borrow().as_str()))
}

pub(crate) fn rec_label(ctx: &Ctx, x: impl std::borrow::Borrow<RecState>) -> &'static str {
    ctx.t(&format!("inspection.rec.{}", x.borrow().as_str()))
}

pub(crate) fn rec_tag(s: impl std::borrow::Borrow<RecState>) -> &'static str {
    match s.borrow() {
        RecState::Open => "tag-grey",
        RecState::Tasked => "tag-blue",
        RecState::Reported => "tag-yellow",
        RecState::Returned => "tag-red",
        RecState::Closed => "tag-green",
    }
}

fn finding_label(ctx: &Ctx, k: FindingKind) -> &'static str {
    ctx.t(&format!("inspection.finding.{}", k.as_str()))
}

fn about_label(ctx: &Ctx, k: AboutKind) -> &'static str {
    ctx.t(&format!("inspection.about.{}", k.as_str()))
}

fn team_label(ctx: &Ctx, r: TeamRole) -> &'static str {
    ctx.t(&format!("inspection.team.{}", r.as_str()))
}

/// The words of a suggestion's reason, with its figures.
pub(crate) fn reason_text(ctx: &Ctx, r: &Reason) -> String {
    match r {
        Reason::FlaggedProgram { programs } => {
            ctx.fill("inspection.reason.flagged_program", "n", programs)
        }
        Reason::OverdueTasks { overdue, tasks } => i18n::fill(
            ctx.t("inspection.reason.overdue_tasks"),
            &[("n", overdue), ("total", tasks)],
        ),
        Reason::LowStudy { studied, expected } => i18n::fill(
            ctx.t("inspection.reason.low_study"),
            &[("n", studied), ("total", expected)],
        ),
        Reason::RecommendationsPastDue { count } => {
            ctx.fill("inspection.reason.recommendations_past_due", "n", count)
        }
        Reason::ContradictedReports {
            reports,
            claims,
            latest,
        } => i18n::fill(
            ctx.t("inspection.reason.contradicted_reports"),
            &[("n", reports), ("claims", claims), ("latest", latest)],
        ),
        Reason::NeverInspected => ctx.t("inspection.reason.never_inspected").to_owned(),
    }
}

fn opt(raw: &str) -> Option<String> {
    let t = raw.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

// ---- A unit's page --------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "inspection/unit.html")]
struct UnitPage {
    ctx: Ctx,
    title: String,
    org: Org,
    programs: Vec<InspectionProgram>,
    items: Vec<ItemSummary>,
    recs: Vec<Recommendation>,
    /// (value, label) of the bodies the user acts for here.
    bodies: Vec<(String, String)>,
    year: String,
    errors: FormErrors,
}

async fn unit_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    unit_response(&auth, &st, &id, FormErrors::default(), None).await
}

async fn unit_response(
    auth: &Auth,
    st: &AppState,
    id: &str,
    errors: FormErrors,
    year: Option<String>,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let org = st.store.org_get(p, forms::id::<OrgId>(id)?).await?;
    let programs = st.store.inspection_programs(p, org.id).await?;
    let items = st.store.unit_inspection_items(p, org.id).await?;
    let recs = st.store.unit_recommendations(p, org.id).await?;
    let ctx = auth.ctx.clone();
    let bodies = BodyKind::held_at(p, &org.path)
        .into_iter()
        .map(|b| (b.as_str().to_owned(), body_label(&ctx, b).to_owned()))
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UnitPage {
        title: forms::title(
            ctx.lang,
            &errors,
            &format!("{} – {}", ctx.t("inspection.unit.title"), org.name),
        ),
        year: year.unwrap_or_else(|| forms::today().year().to_string()),
        org,
        programs,
        items,
        recs,
        bodies,
        errors,
        ctx,
    };
    Ok((status, page).into_response())
}

/// A new program from the unit page's form (and the JSON API's body as fields): `body`,
/// `year`, `title`.
pub(crate) fn parse_program(org: OrgId, f: &FormData) -> Result<NewInspectionProgram, Invalid> {
    let mut inv = Invalid::default();
    let body = BodyKind::parse(f.get("body").trim());
    if body.is_none() {
        inv.push("body", "required");
    }
    let year: Option<i32> = f.get("year").trim().parse().ok();
    if year.is_none() {
        inv.push("year", "bad_number");
    }
    match (body, year) {
        (Some(body), Some(year)) if inv.is_empty() => Ok(NewInspectionProgram {
            org_id: org,
            body,
            year,
            title: f.get("title").to_owned(),
        }),
        _ => Err(inv),
    }
}

async fn program_create(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let result = match parse_program(org.id, &f) {
        Ok(new) => st.store.create_inspection_program(&auth.p, new).await,
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(pr) => Ok(Redirect::to(&format!("/inspection-programs/{}", pr.id)).into_response()),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "year".into();
                }
            }
            unit_response(&auth, &st, &id, errors, Some(f.get("year").to_owned())).await
        }
    }
}

// ---- A program ------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "inspection/program.html")]
struct ProgramPage {
    ctx: Ctx,
    title: String,
    program: InspectionProgram,
    items: Vec<ItemSummary>,
}

async fn program_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (program, items) = st
        .store
        .inspection_program(&auth.p, forms::id(&id)?)
        .await?;
    let ctx = auth.ctx;
    Ok(ProgramPage {
        title: program.title.clone(),
        ctx,
        program,
        items,
    }
    .into_response())
}

// ---- A new item -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "inspection/item_form.html")]
struct ItemFormPage {
    ctx: Ctx,
    title: String,
    program: InspectionProgram,
    form: FormData,
    kinds: Vec<(String, String)>,
    /// (id, name) of the units that may be subjects: the body's unit and its children.
    units: Vec<(String, String)>,
    /// (`unit:member`, label) of members holding a position at those units: subjects too.
    positions: Vec<(String, String)>,
    /// (id, name) of members who may be on the team.
    members: Vec<(String, String)>,
    documents: Vec<(String, String)>,
    errors: FormErrors,
}

impl ItemFormPage {
    fn is(&self, name: &str, v: &str) -> bool {
        self.form.0.iter().any(|(k, x)| k == name && x == v)
    }
}

async fn item_form_page(
    auth: &Auth,
    st: &AppState,
    program: InspectionProgram,
    form: FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let ctx = auth.ctx.clone();
    let body_org = st.store.org_get(p, program.org_id).await?;
    let mut units = vec![(body_org.id.to_string(), body_org.name.clone())];
    for c in st.store.org_children(p, body_org.id, false).await? {
        units.push((c.id.to_string(), c.name));
    }
    let positions = st
        .store
        .subject_positions(p, body_org.id)
        .await?
        .into_iter()
        .map(|(pos, name)| {
            (
                format!("{}:{}", pos.org_id, pos.member_id),
                format!("{name} – {} ({})", ctx.position(&pos.role), pos.org_name),
            )
        })
        .collect();
    let members = st
        .store
        .subtree_members(
            p,
            body_org.id,
            Page {
                offset: 0,
                limit: 300,
            },
        )
        .await?
        .into_iter()
        .map(|h| {
            (
                h.member.id.to_string(),
                format!("{} ({})", h.member.full_name, h.cell_name),
            )
        })
        .collect();
    let documents = st
        .store
        .documents(
            p,
            body_org.id,
            Page {
                offset: 0,
                limit: 200,
            },
        )
        .await?
        .into_iter()
        .map(|d| (d.id.to_string(), format!("{} – {}", d.symbol, d.title)))
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ItemFormPage {
        title: forms::title(ctx.lang, &errors, ctx.t("inspection.item_form.title")),
        kinds: program
            .body
            .item_kinds()
            .iter()
            .map(|k| (k.as_str().to_owned(), kind_label(&ctx, *k).to_owned()))
            .collect(),
        units,
        positions,
        members,
        documents,
        program,
        form,
        errors,
        ctx,
    };
    Ok((status, page).into_response())
}

async fn item_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (program, _) = st
        .store
        .inspection_program(&auth.p, forms::id(&id)?)
        .await?;
    item_form_page(
        &auth,
        &st,
        program,
        FormData::default(),
        FormErrors::default(),
    )
    .await
}

/// A new item from the item form (and the JSON API's body as fields): `kind`, `title`,
/// `content`, `document`, `program`, `subjects` (a unit's id, or `unit:member` for a
/// member holding a position there), `head`, `members`, `secretary`, the period and the
/// schedule.
pub(crate) fn parse_item(f: &FormData) -> (NewItem, Invalid) {
    let mut inv = Invalid::default();
    let kind = ItemKind::parse(f.get("kind").trim());
    let ids = |name: &str| -> Vec<i64> {
        f.0.iter()
            .filter(|(k, _)| k == name)
            .filter_map(|(_, v)| v.trim().parse().ok())
            .collect()
    };
    let mut subjects = Vec::new();
    for v in
        f.0.iter()
            .filter(|(k, _)| k == "subjects")
            .map(|(_, v)| v.trim())
    {
        let parsed = match v.split_once(':') {
            None => v.parse().ok().map(|o| (OrgId(o), None)),
            Some((o, m)) => o
                .parse()
                .ok()
                .zip(m.parse().ok())
                .map(|(o, m)| (OrgId(o), Some(MemberId(m)))),
        };
        match parsed {
            Some(s) => subjects.push(s),
            None if v.is_empty() => {}
            None => inv.push("subjects", "bad_choice"),
        }
    }
    let mut team: Vec<(MemberId, TeamRole)> = Vec::new();
    for h in ids("head") {
        team.push((MemberId(h), TeamRole::Head));
    }
    for m in ids("members") {
        team.push((MemberId(m), TeamRole::Member));
    }
    for s in ids("secretary") {
        team.push((MemberId(s), TeamRole::Secretary));
    }
    let new = NewItem {
        kind,
        title: f.get("title").to_owned(),
        content: f.get("content").to_owned(),
        document_id: f
            .get("document")
            .trim()
            .parse()
            .ok()
            .map(domain::DocumentId),
        content_program_id: f.get("program").trim().parse().ok().map(domain::ProgramId),
        tasks: ids("tasks").into_iter().map(domain::TaskId).collect(),
        subjects,
        team,
        period_from: inv
            .take(validate::optional_date("period_from", f.get("period_from")))
            .flatten(),
        period_to: inv
            .take(validate::optional_date("period_to", f.get("period_to")))
            .flatten(),
        starts_on: inv
            .take(validate::optional_date("starts_on", f.get("starts_on")))
            .flatten(),
        ends_on: inv
            .take(validate::optional_date("ends_on", f.get("ends_on")))
            .flatten(),
    };
    (new, inv)
}

async fn item_create(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let (program, _) = st
        .store
        .inspection_program(&auth.p, forms::id(&id)?)
        .await?;
    let (new, inv) = parse_item(&f);
    let result = if inv.is_empty() {
        st.store.add_inspection_item(&auth.p, program.id, new).await
    } else {
        Err(inv.into())
    };
    match result {
        Ok(item) => Ok(Redirect::to(&format!("/inspection-items/{}", item.id)).into_response()),
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            item_form_page(&auth, &st, program, f, errors).await
        }
    }
}

// ---- An item --------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "inspection/item.html")]
struct ItemPage {
    ctx: Ctx,
    title: String,
    item: Item,
    /// The tasks the team or body may name, while the item is planned (else empty).
    choices: Vec<store::ItemTask>,
    /// What a finding may be about: (`kind[:id[:part]]`, label), grouped (group label).
    abouts: Vec<(String, Vec<(String, String)>)>,
    /// Subjects whose report the user may submit now.
    may_report: Vec<i64>,
    errors: FormErrors,
    form: FormData,
    notice: &'static str,
    today: String,
}

impl ItemPage {
    fn kind(&self) -> &'static str {
        kind_label(&self.ctx, self.item.kind)
    }
    fn body(&self) -> &'static str {
        body_label(&self.ctx, self.item.body)
    }
    fn state(&self) -> &'static str {
        state_label(&self.ctx, self.item.state)
    }
    fn finding(&self, k: &FindingKind) -> &'static str {
        finding_label(&self.ctx, *k)
    }
    fn about(&self, k: &AboutKind) -> &'static str {
        about_label(&self.ctx, *k)
    }
    fn team_role(&self, r: &TeamRole) -> &'static str {
        team_label(&self.ctx, *r)
    }
    fn rec(&self, s: &RecState) -> &'static str {
        rec_label(&self.ctx, *s)
    }
    fn rec_tag(&self, s: &RecState) -> &'static str {
        rec_tag(*s)
    }
    fn planned(&self) -> bool {
        self.item.state == ItemState::Planned
    }
    fn open_for_findings(&self) -> bool {
        matches!(self.item.state, ItemState::Notified | ItemState::Reported)
    }
    fn may_conclude(&self) -> bool {
        self.item.sight.act
            && domain::inspection::check_step(self.item.kind, self.item.state, ItemState::Concluded)
                .is_ok()
    }
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        FindingKind::ALL
            .iter()
            .map(|k| (k.as_str(), finding_label(&self.ctx, *k)))
            .collect()
    }
    fn val(&self, name: &str) -> String {
        self.form.get(name).to_owned()
    }
    /// The programs of the task choices, once each: (id, title, unit).
    fn programs(&self) -> Vec<(domain::ProgramId, &str, &str)> {
        let mut out: Vec<(domain::ProgramId, &str, &str)> = Vec::new();
        for t in &self.choices {
            if !out.iter().any(|(id, _, _)| *id == t.program_id) {
                out.push((t.program_id, t.program_title.as_str(), t.org_name.as_str()));
            }
        }
        out
    }
    fn program_chosen(&self, id: &domain::ProgramId) -> bool {
        if self.form.0.iter().any(|(k, _)| k == "program") {
            self.form.get("program") == id.to_string()
        } else {
            self.item.content_program_id == Some(*id)
        }
    }
    fn named(&self, t: &domain::TaskId) -> bool {
        self.item.tasks.iter().any(|x| x.id == *t)
            || self
                .form
                .0
                .iter()
                .any(|(k, v)| k == "tasks" && v == &t.to_string())
    }
    fn task_status(&self, t: &store::ItemTask) -> &'static str {
        let s = domain::progress::effective_status(t.status, t.deadline, forms::today());
        self.ctx.t(&format!("progress.status.{}", s.as_str()))
    }
    fn task_tag(&self, t: &store::ItemTask) -> &'static str {
        crate::progress::status_tag(domain::progress::effective_status(
            t.status,
            t.deadline,
            forms::today(),
        ))
    }
}

/// What a finding may be about, for the item page's one select: in general; each named
/// task; each section of the named tasks' programs (and of the program looked at); the
/// study of the item's resolution. Targets and reports are named through the JSON API.
fn about_choices(ctx: &Ctx, item: &Item) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = vec![(
        String::new(),
        vec![(
            AboutKind::General.as_str().to_owned(),
            about_label(ctx, AboutKind::General).to_owned(),
        )],
    )];
    if !item.tasks.is_empty() {
        out.push((
            ctx.t("inspection.item.tasks").to_owned(),
            item.tasks
                .iter()
                .map(|t| {
                    (
                        format!("task:{}", t.id),
                        format!("{} – {}", t.content, t.org_name),
                    )
                })
                .collect(),
        ));
    }
    let mut programs: Vec<(i64, String)> = Vec::new();
    for t in &item.tasks {
        if !programs.iter().any(|(id, _)| *id == t.program_id.0) {
            programs.push((
                t.program_id.0,
                format!("{} – {}", t.program_title, t.org_name),
            ));
        }
    }
    if let Some(pid) = item.content_program_id
        && !programs.iter().any(|(id, _)| *id == pid.0)
    {
        programs.push((pid.0, ctx.t("inspection.item.program_looked_at").to_owned()));
    }
    for (id, title) in programs {
        out.push((
            title,
            ["purpose", "tasks_and_solutions", "organization"]
                .iter()
                .map(|part| {
                    (
                        format!("program:{id}:{part}"),
                        ctx.t(&format!("programs.section.{part}")).to_owned(),
                    )
                })
                .collect(),
        ));
    }
    if let (Some(doc), Some(symbol)) = (item.document_id, &item.document_symbol) {
        out.push((
            about_label(ctx, AboutKind::Study).to_owned(),
            vec![(
                format!("study:{doc}"),
                format!("{} {symbol}", about_label(ctx, AboutKind::Study)),
            )],
        ));
    }
    out
}

async fn item_response(
    auth: &Auth,
    st: &AppState,
    id: i64,
    form: FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let item = st.store.inspection_item(p, id, forms::today()).await?;
    let ctx = auth.ctx.clone();
    let may_report = if item.state == ItemState::Notified {
        item.subjects
            .iter()
            .filter(|s| s.report.is_none() && keeps(p, &s.org_path))
            .map(|s| s.id)
            .collect()
    } else {
        Vec::new()
    };
    let notice = match forms::query_param(
        &Some(ctx.here.split('?').nth(1).unwrap_or("").to_owned()),
        "done",
    )
    .as_str()
    {
        "notified" => "inspection.item.done_notified",
        "finding" => "inspection.item.done_finding",
        "reported" => "inspection.item.done_reported",
        "concluded" => "inspection.item.done_concluded",
        "tasks" => "inspection.item.done_tasks",
        _ => "",
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let choices = if item.sight.act && item.state == ItemState::Planned {
        st.store.item_task_choices(p, id).await?
    } else {
        Vec::new()
    };
    let page = ItemPage {
        title: forms::title(ctx.lang, &errors, &item.title),
        abouts: about_choices(&ctx, &item),
        choices,
        item,
        may_report,
        errors,
        form,
        notice,
        today: forms::today_text(),
        ctx,
    };
    Ok((status, page).into_response())
}

/// Whether the page offers a unit's keepers' actions (the store checks again).
fn keeps(p: &domain::Principal, path: &domain::OrgPath) -> bool {
    use domain::AccessRole::*;
    p.system
        || p.grants
            .iter()
            .any(|g| matches!(g.role, Admin | OfficeStaff | Secretary) && g.org_path.covers(path))
}

async fn item_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    item_response(
        &auth,
        &st,
        forms::id(&id)?,
        FormData::default(),
        FormErrors::default(),
    )
    .await
}

/// The notice's day and the self-report's due day (`notified_on`, `self_report_due`).
pub(crate) fn parse_notice(f: &FormData) -> Result<(Date, Option<Date>), Invalid> {
    let mut inv = Invalid::default();
    let on = inv.take(validate::date("notified_on", f.get("notified_on")));
    let due = inv
        .take(validate::optional_date(
            "self_report_due",
            f.get("self_report_due"),
        ))
        .flatten();
    match on {
        Some(on) if inv.is_empty() => Ok((on, due)),
        _ => Err(inv),
    }
}

async fn item_notify(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = visible_item(&auth, &st, &raw).await?;
    let result = match parse_notice(&f) {
        Ok((on, due)) => st
            .store
            .notify_inspection_item(&auth.p, id, on, due)
            .await
            .map(drop),
        Err(inv) => Err(inv.into()),
    };
    item_written(&auth, &st, id, f, result, "?done=notified").await
}

/// The item a write from its page is about, once the user may see it (`NotFound` else).
async fn visible_item(auth: &Auth, st: &AppState, raw: &str) -> Result<i64, AppError> {
    let id: i64 = forms::id(raw)?;
    st.store
        .inspection_item(&auth.p, id, forms::today())
        .await?;
    Ok(id)
}

/// After a write from the item page: back to the page with `done` (its notice and
/// anchor), or the page again with the messages and what was typed.
async fn item_written(
    auth: &Auth,
    st: &AppState,
    id: i64,
    f: FormData,
    result: store::Result<()>,
    done: &str,
) -> Result<Response, AppError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/inspection-items/{id}{done}")).into_response()),
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            item_response(auth, st, id, f, errors).await
        }
    }
}

/// A finding from the item page's form: `subject`, `kind`, `about`, `about_id`,
/// `about_part`, `text`.
pub(crate) fn parse_finding(f: &FormData) -> Result<NewFinding, Invalid> {
    let mut inv = Invalid::default();
    let kind = FindingKind::parse(f.get("kind").trim());
    if kind.is_none() {
        inv.push("kind", "required");
    }
    // The page sends one choice, `kind[:id[:part]]`; the JSON API sends the fields.
    let reference = f.get("about_ref").trim();
    let (about, about_id, about_part) = if reference.is_empty() {
        let about_id = match f.get("about_id").trim() {
            "" => None,
            x => match x.parse() {
                Ok(v) => Some(v),
                Err(_) => {
                    inv.push("about_id", "bad_number");
                    None
                }
            },
        };
        (
            AboutKind::parse(f.get("about").trim()).unwrap_or(AboutKind::General),
            about_id,
            opt(f.get("about_part")),
        )
    } else {
        let mut parts = reference.splitn(3, ':');
        let about = parts.next().and_then(AboutKind::parse);
        let about_id = parts.next().map(|x| x.parse::<i64>().ok());
        if about.is_none() || about_id == Some(None) {
            inv.push("about_id", "bad_choice");
        }
        (
            about.unwrap_or(AboutKind::General),
            about_id.flatten(),
            parts.next().map(str::to_owned),
        )
    };
    let subject_id: i64 = f.get("subject").trim().parse().unwrap_or(0);
    match kind {
        Some(kind) if inv.is_empty() => Ok(NewFinding {
            subject_id,
            kind,
            about,
            about_id,
            about_part,
            text: f.get("text").to_owned(),
        }),
        _ => Err(inv),
    }
}

async fn finding_add(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = visible_item(&auth, &st, &raw).await?;
    let result = match parse_finding(&f) {
        Ok(new) => st.store.add_finding(&auth.p, id, new).await.map(drop),
        Err(inv) => Err(inv.into()),
    };
    item_written(&auth, &st, id, f, result, "?done=finding#findings").await
}

/// What an item looks at, from the item page's form (and the JSON API's body as fields):
/// `program` (a program's id, or empty for none) and `tasks` (each a task's id).
pub(crate) fn parse_content(
    f: &FormData,
) -> Result<(Option<domain::ProgramId>, Vec<domain::TaskId>), Invalid> {
    let program = match f.get("program").trim() {
        "" => None,
        x => match x.parse() {
            Ok(id) => Some(domain::ProgramId(id)),
            Err(_) => return Err(Invalid::one("program_id", "bad_choice")),
        },
    };
    let mut out = Vec::new();
    for (_, v) in f.0.iter().filter(|(k, _)| k == "tasks") {
        match v.trim().parse() {
            Ok(id) => out.push(domain::TaskId(id)),
            Err(_) => return Err(Invalid::one("tasks", "bad_choice")),
        }
    }
    Ok((program, out))
}

async fn content_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = visible_item(&auth, &st, &raw).await?;
    let result = match parse_content(&f) {
        Ok((program, tasks)) => st
            .store
            .set_item_content(&auth.p, id, program, tasks)
            .await
            .map(drop),
        Err(inv) => Err(inv.into()),
    };
    item_written(&auth, &st, id, f, result, "?done=tasks#tasks").await
}

// ---- Concluding -----------------------------------------------------------------------------

/// Rows of recommendations on the conclusion form.
const REC_ROWS: usize = 5;

async fn conclude_page(
    auth: &Auth,
    st: &AppState,
    item: Item,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let mut units: Vec<(String, String)> = vec![(String::new(), String::new())];
    let body_org = st.store.org_get(&auth.p, item.org_id).await?;
    for s in &item.subjects {
        units.push((s.org_id.to_string(), s.org_name.clone()));
    }
    for c in st.store.org_children(&auth.p, body_org.id, false).await? {
        if !units.iter().any(|(v, _)| *v == c.id.to_string()) {
            units.push((c.id.to_string(), c.name));
        }
    }
    let mut page = FormPage::new(
        ctx,
        ctx.t("inspection.conclude.title"),
        &format!("/inspection-items/{}/conclude", item.id),
        errors,
    );
    page.caption = item.title.clone();
    page.intro = ctx.t("inspection.conclude.intro").to_owned();
    page.fields = vec![
        Field::date(
            ctx.lang,
            "concluded_on",
            ctx.t("inspection.conclude.on"),
            &match f.get("concluded_on") {
                "" => forms::today_text(),
                v => v.to_owned(),
            },
        ),
        Field::textarea(
            "conclusion",
            ctx.t("inspection.conclude.text"),
            f.get("conclusion"),
        ),
    ];
    for i in 0..REC_ROWS {
        let n = i + 1;
        page.fields.push(
            Field::select(
                &format!("acting_{i}"),
                &ctx.fill("inspection.conclude.acting", "n", n),
                f.get(&format!("acting_{i}")),
                units.clone(),
            )
            .hint(ctx.t("inspection.conclude.acting_hint")),
        );
        page.fields.push(Field::text(
            &format!("rec_{i}"),
            &ctx.fill("inspection.conclude.rec", "n", n),
            f.get(&format!("rec_{i}")),
        ));
        page.fields.push(Field::date(
            ctx.lang,
            &format!("deadline_{i}"),
            &ctx.fill("inspection.conclude.deadline", "n", n),
            f.get(&format!("deadline_{i}")),
        ));
    }
    page.submit = ctx.t("inspection.conclude.submit").to_owned();
    page.cancel_href = format!("/inspection-items/{}", item.id);
    Ok(page.respond())
}

async fn conclude_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = st
        .store
        .inspection_item(&auth.p, forms::id(&id)?, forms::today())
        .await?;
    if !item.sight.act {
        return Err(AppError::NotFound);
    }
    conclude_page(
        &auth,
        &st,
        item,
        &FormData::default(),
        FormErrors::default(),
    )
    .await
}

async fn conclude_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let item = st
        .store
        .inspection_item(&auth.p, forms::id(&id)?, forms::today())
        .await?;
    let lang = auth.ctx.lang;
    let mut bad = FormErrors::default();
    let on = match validate::date("concluded_on", f.get("concluded_on")) {
        Ok(d) => Some(d),
        Err(_) => {
            bad.push(lang, "concluded_on", "bad_date");
            None
        }
    };
    let mut recs = Vec::new();
    // Row fields are named per row on the page; the store's `acting_unit`, `text` and
    // `deadline` are pointed at the first row with the problem.
    let mut row_of: Vec<usize> = Vec::new();
    for i in 0..REC_ROWS {
        let acting = f.get(&format!("acting_{i}")).trim().to_owned();
        let text = f.get(&format!("rec_{i}")).to_owned();
        let deadline_raw = f.get(&format!("deadline_{i}")).to_owned();
        if acting.is_empty() && text.trim().is_empty() && deadline_raw.trim().is_empty() {
            continue;
        }
        let deadline = match validate::optional_date("deadline", &deadline_raw) {
            Ok(d) => d,
            Err(_) => {
                bad.push(lang, &format!("deadline_{i}"), "bad_date");
                None
            }
        };
        recs.push(NewRecommendation {
            acting_org_id: acting.parse().ok().map(OrgId),
            text,
            deadline,
        });
        row_of.push(i);
    }
    if !bad.is_empty() {
        return conclude_page(&auth, &st, item, &f, bad).await;
    }
    let inv = Invalid::default();
    let result = match on {
        Some(on) if inv.is_empty() => {
            st.store
                .conclude_inspection_item(
                    &auth.p,
                    item.id,
                    Conclusion {
                        concluded_on: on,
                        text: f.get("conclusion").to_owned(),
                        recommendations: recs.clone(),
                    },
                )
                .await
        }
        _ => Err(inv.into()),
    };
    match result {
        Ok(done) => Ok(
            Redirect::to(&format!("/inspection-items/{}?done=concluded", done.id)).into_response(),
        ),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            // Point each recommendation problem at the first row that has it.
            for m in &mut errors.0 {
                let field = m.field.clone();
                let row = match field.as_str() {
                    "acting_unit" => recs.iter().position(|r| {
                        r.acting_org_id.is_none()
                            || !item
                                .subjects
                                .iter()
                                .any(|s| Some(s.org_id) == r.acting_org_id)
                    }),
                    "text" => recs.iter().position(|r| r.text.trim().is_empty()),
                    "deadline" => recs
                        .iter()
                        .position(|r| r.deadline.is_none_or(|d| Some(d) < on)),
                    "conclusion" | "findings" | "form" | "concluded_on" => None,
                    _ => None,
                };
                if let Some(r) = row.and_then(|r| row_of.get(r)) {
                    let prefix = match field.as_str() {
                        "acting_unit" => "acting",
                        "text" => "rec",
                        _ => "deadline",
                    };
                    m.field = format!("{prefix}_{r}");
                }
            }
            conclude_page(&auth, &st, item, &f, errors).await
        }
    }
}

// ---- Self-report and remediation uploads ------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "inspection/upload.html")]
struct UploadPage {
    ctx: Ctx,
    title: String,
    heading: String,
    caption: String,
    intro: String,
    action: String,
    label: &'static str,
    value: String,
    errors: FormErrors,
    back: String,
    /// What the self-report must answer for: the item's named tasks (none on the
    /// remediation form).
    asked: Vec<store::ItemTask>,
}

#[allow(clippy::too_many_arguments)]
fn upload_page(
    ctx: &Ctx,
    heading: &str,
    caption: String,
    intro: String,
    action: String,
    field: &'static str,
    value: String,
    errors: FormErrors,
    back: String,
) -> (axum::http::StatusCode, UploadPage) {
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else if errors.has("body") {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = UploadPage {
        title: forms::title(ctx.lang, &errors, heading),
        heading: heading.to_owned(),
        caption,
        intro,
        action,
        label: ctx.t(&format!("inspection.upload.{field}")),
        value,
        errors,
        back,
        asked: Vec::new(),
        ctx: ctx.clone(),
    };
    (status, page)
}

async fn subject_item(st: &AppState, auth: &Auth, raw: &str) -> Result<(Item, i64), AppError> {
    let subject: i64 = forms::id(raw)?;
    // The subject's item, found through the items of the units the user reads.
    let item_id = st.store.subject_item_id(&auth.p, subject).await?;
    let item = st
        .store
        .inspection_item(&auth.p, item_id, forms::today())
        .await?;
    Ok((item, subject))
}

async fn report_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (item, subject) = subject_item(&st, &auth, &id).await?;
    Ok(report_page(
        &auth.ctx,
        &item,
        subject,
        String::new(),
        FormErrors::default(),
    ))
}

fn report_page(
    ctx: &Ctx,
    item: &Item,
    subject: i64,
    value: String,
    errors: FormErrors,
) -> Response {
    let intro = match item.self_report_due {
        Some(d) => ctx.fill("inspection.report.intro", "due", ctx.date(&d)),
        None => ctx.t("inspection.report.intro_no_due").to_owned(),
    };
    let (status, mut page) = upload_page(
        ctx,
        ctx.t("inspection.report.title"),
        item.title.clone(),
        intro,
        format!("/inspection-subjects/{subject}/report"),
        "report",
        value,
        errors,
        format!("/inspection-items/{}", item.id),
    );
    page.asked = item.tasks.clone();
    (status, page).into_response()
}

async fn read_upload(
    req: Request,
    st: &AppState,
    ctx: &Ctx,
) -> Result<(String, Vec<services::CheckedFile>, FormErrors, bool), Response> {
    let _ = ctx;
    match files::read(req, st).await {
        Ok(up) => {
            let text = up.get("text").to_owned();
            let mut errors = FormErrors::default();
            let had = !up.files.is_empty();
            let checked = files::check(ctx.lang, up.files, &mut errors);
            Ok((text, checked, errors, had))
        }
        Err(UploadError::TooLarge) => {
            let mut errors = FormErrors::default();
            errors.push_text(
                "body",
                &i18n::fill(
                    ctx.t("progress.form.too_large"),
                    &[("mb", &(crate::imports::FILE_LIMIT / (1024 * 1024)))],
                ),
            );
            Ok((String::new(), Vec::new(), errors, false))
        }
        Err(_) => {
            let mut errors = FormErrors::default();
            errors.push_key(ctx.lang, "file", "progress.form.upload_failed");
            Ok((String::new(), Vec::new(), errors, false))
        }
    }
}

async fn report_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let (item, subject) = subject_item(&st, &auth, &id).await?;
    let (text, checked, mut errors, had) = match read_upload(req, &st, ctx).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    if !errors.is_empty() {
        if had {
            errors.push_key(ctx.lang, "file", "progress.form.choose_again");
        }
        return Ok(report_page(ctx, &item, subject, text, errors));
    }
    let kept = files::keep(&st, checked).await?;
    match st
        .store
        .submit_self_report(&auth.p, subject, text.clone(), kept, forms::today())
        .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/inspection-items/{}?done=reported", item.id)).into_response(),
        ),
        Err(e) => {
            let mut errors = forms::store_errors(ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field.starts_with("evidence") {
                    m.field = "file".into();
                } else if m.field == "report" || m.field == "form" {
                    m.field = "text".into();
                }
            }
            Ok(report_page(ctx, &item, subject, text, errors))
        }
    }
}

// ---- A recommendation -----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "inspection/recommendation.html")]
struct RecPage {
    ctx: Ctx,
    title: String,
    rec: Recommendation,
    /// (id, name) of members of the acting unit who may answer for it.
    members: Vec<(String, String)>,
    errors: FormErrors,
    form: FormData,
    notice: &'static str,
    overdue: bool,
}

impl RecPage {
    fn state(&self) -> &'static str {
        rec_label(&self.ctx, self.rec.state)
    }
    fn tag(&self) -> &'static str {
        rec_tag(self.rec.state)
    }
    fn body(&self) -> &'static str {
        body_label(&self.ctx, self.rec.body)
    }
    fn may_adopt(&self) -> bool {
        self.rec.may_act_unit && self.rec.state == RecState::Open
    }
    fn may_report(&self) -> bool {
        self.rec.may_act_unit && matches!(self.rec.state, RecState::Tasked | RecState::Returned)
    }
    fn may_decide(&self) -> bool {
        self.rec.may_verify && self.rec.state == RecState::Reported
    }
    fn val(&self, name: &str) -> String {
        self.form.get(name).to_owned()
    }
    fn decision(&self, d: &Option<String>) -> &'static str {
        match d.as_deref() {
            Some("verified") => self.ctx.t("inspection.rec.verified"),
            Some("returned") => self.ctx.t("inspection.rec.returned"),
            _ => self.ctx.t("inspection.rec.awaiting"),
        }
    }
}

async fn rec_response(
    auth: &Auth,
    st: &AppState,
    id: i64,
    form: FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let rec = st.store.recommendation(p, id).await?;
    let ctx = auth.ctx.clone();
    let members = if rec.may_act_unit && rec.state == RecState::Open {
        st.store
            .subtree_members(
                p,
                rec.acting_org_id,
                Page {
                    offset: 0,
                    limit: 300,
                },
            )
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|h| {
                (
                    h.member.id.to_string(),
                    format!("{} ({})", h.member.full_name, h.cell_name),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let q = ctx.here.split('?').nth(1).unwrap_or("").to_owned();
    let notice = match forms::query_param(&Some(q), "done").as_str() {
        "adopted" => "inspection.rec.done_adopted",
        "reported" => "inspection.rec.done_reported",
        "verified" => "inspection.rec.done_verified",
        "returned" => "inspection.rec.done_returned",
        _ => "",
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RecPage {
        title: forms::title(ctx.lang, &errors, &rec.text),
        overdue: rec.state != RecState::Closed && rec.deadline < forms::today(),
        rec,
        members,
        errors,
        form,
        notice,
        ctx,
    };
    Ok((status, page).into_response())
}

async fn rec_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    rec_response(
        &auth,
        &st,
        forms::id(&id)?,
        FormData::default(),
        FormErrors::default(),
    )
    .await
}

/// Who answers for an adopted recommendation (`responsible`, a member's id).
pub(crate) fn parse_responsible(f: &FormData) -> Option<MemberId> {
    f.get("responsible").trim().parse().ok().map(MemberId)
}

async fn rec_adopt(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    st.store.recommendation(&auth.p, id).await?;
    let responsible = parse_responsible(&f);
    match st
        .store
        .adopt_recommendation(&auth.p, id, responsible, forms::today())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/recommendations/{id}?done=adopted")).into_response()),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" || m.field.starts_with("tasks") {
                    m.field = "responsible".into();
                }
            }
            rec_response(&auth, &st, id, f, errors).await
        }
    }
}

async fn rec_decide(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    st.store.recommendation(&auth.p, id).await?;
    let result = match f.get("decision").trim() {
        "verify" => {
            st.store
                .decide_remediation(&auth.p, id, true, None, forms::today())
                .await
        }
        "return" => {
            st.store
                .decide_remediation(
                    &auth.p,
                    id,
                    false,
                    Some(f.get("reason").to_owned()),
                    forms::today(),
                )
                .await
        }
        _ => Err(Invalid::one("decision", "required").into()),
    };
    match result {
        Ok(r) => {
            let done = if r.state == RecState::Closed {
                "verified"
            } else {
                "returned"
            };
            Ok(Redirect::to(&format!("/recommendations/{id}?done={done}")).into_response())
        }
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "decision".into();
                }
            }
            rec_response(&auth, &st, id, f, errors).await
        }
    }
}

fn remediation_page(
    ctx: &Ctx,
    rec: &Recommendation,
    value: String,
    errors: FormErrors,
) -> Response {
    upload_page(
        ctx,
        ctx.t("inspection.remediation.title"),
        rec.text.clone(),
        ctx.t("inspection.remediation.intro").to_owned(),
        format!("/recommendations/{}/remediation", rec.id),
        "note",
        value,
        errors,
        format!("/recommendations/{}", rec.id),
    )
    .into_response()
}

async fn remediation_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let rec = st.store.recommendation(&auth.p, forms::id(&id)?).await?;
    Ok(remediation_page(
        &auth.ctx,
        &rec,
        String::new(),
        FormErrors::default(),
    ))
}

async fn remediation_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let rec = st.store.recommendation(&auth.p, forms::id(&id)?).await?;
    let (text, checked, mut errors, had) = match read_upload(req, &st, ctx).await {
        Ok(x) => x,
        Err(r) => return Ok(r),
    };
    if !errors.is_empty() {
        if had {
            errors.push_key(ctx.lang, "file", "progress.form.choose_again");
        }
        return Ok(remediation_page(ctx, &rec, text, errors));
    }
    let kept = files::keep(&st, checked).await?;
    match st
        .store
        .report_remediation(&auth.p, rec.id, text.clone(), kept)
        .await
    {
        Ok(_) => {
            Ok(Redirect::to(&format!("/recommendations/{}?done=reported", rec.id)).into_response())
        }
        Err(e) => {
            let mut errors = forms::store_errors(ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field.starts_with("evidence") {
                    m.field = "file".into();
                } else if m.field == "note" || m.field == "form" {
                    m.field = "text".into();
                }
            }
            Ok(remediation_page(ctx, &rec, text, errors))
        }
    }
}

async fn file_download(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let f = st
        .store
        .inspection_file(&auth.p, forms::id(&id)?, forms::today())
        .await?;
    files::blob(&st, &f.key, f.kind, &f.file_name).await
}

// ---- Dashboard and suggestions --------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "inspection/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    title: String,
    d: InspectionDashboard,
}

impl DashboardPage {
    fn kind(&self, k: &ItemKind) -> &'static str {
        kind_label(&self.ctx, *k)
    }
    fn rec(&self, s: &RecState) -> &'static str {
        rec_label(&self.ctx, *s)
    }
    fn band(&self, b: &str) -> &'static str {
        self.ctx.t(&format!("inspection.dashboard.band_{b}"))
    }
    fn open_total(&self) -> u32 {
        self.d.open_by_age.iter().map(|b| b.1).sum()
    }
    fn recurring_share(&self) -> String {
        match (self.d.recurring_findings * 100).checked_div(self.d.adverse_findings) {
            Some(share) => format!("{share}%"),
            None => "–".into(),
        }
    }
}

fn year_of(query: &Option<String>) -> i32 {
    forms::query_param(query, "year")
        .parse()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| forms::today().year())
}

async fn dashboard_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let d = st
        .store
        .inspection_dashboard(&auth.p, forms::id(&id)?, year_of(&query), forms::today())
        .await?;
    let ctx = auth.ctx;
    Ok(DashboardPage {
        title: format!("{} – {}", ctx.t("inspection.dashboard.title"), d.org_name),
        ctx,
        d,
    }
    .into_response())
}

async fn dashboard_xlsx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let d = st
        .store
        .inspection_dashboard(&auth.p, forms::id(&id)?, year_of(&query), forms::today())
        .await?;
    let bytes = xlsx::dashboard(&auth.ctx, &d).map_err(AppError::internal)?;
    Ok(files::xlsx(
        &format!("kiem-tra-giam-sat-{}.xlsx", d.year),
        bytes,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "inspection/suggestions.html")]
struct SuggestionsPage {
    ctx: Ctx,
    title: String,
    org: Org,
    items: Vec<(Suggestion, Vec<String>)>,
}

async fn suggestions_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id(&id)?).await?;
    let list = st
        .store
        .supervision_suggestions(&auth.p, org.id, forms::today(), 100)
        .await?;
    let ctx = auth.ctx;
    let items = list
        .into_iter()
        .map(|s| {
            let reasons = s.reasons.iter().map(|r| reason_text(&ctx, r)).collect();
            (s, reasons)
        })
        .collect();
    Ok(SuggestionsPage {
        title: format!("{} – {}", ctx.t("inspection.suggestions.title"), org.name),
        ctx,
        org,
        items,
    }
    .into_response())
}

mod notice;

mod xlsx {
    //! The dashboard's tables as a workbook (rust_xlsxwriter).

    use super::{kind_label, rec_label};
    use crate::ctx::Ctx;
    use rust_xlsxwriter::{Workbook, XlsxError};
    use store::InspectionDashboard;

    pub fn dashboard(ctx: &Ctx, d: &InspectionDashboard) -> Result<Vec<u8>, XlsxError> {
        let mut wb = Workbook::new();
        let s = wb.add_worksheet();
        s.set_name(ctx.t("inspection.dashboard.sheet_plan"))?;
        s.write(0, 0, ctx.t("inspection.dashboard.kind"))?;
        s.write(0, 1, ctx.t("inspection.dashboard.planned"))?;
        s.write(0, 2, ctx.t("inspection.dashboard.done"))?;
        for (i, (k, p, n)) in d.by_kind.iter().enumerate() {
            let r = i as u32 + 1;
            s.write(r, 0, kind_label(ctx, *k))?;
            s.write(r, 1, *p)?;
            s.write(r, 2, *n)?;
        }
        let s = wb.add_worksheet();
        s.set_name(ctx.t("inspection.dashboard.sheet_coverage"))?;
        s.write(0, 0, ctx.t("inspection.dashboard.unit"))?;
        s.write(0, 1, ctx.t("inspection.dashboard.last"))?;
        s.write(0, 2, ctx.t("inspection.dashboard.items"))?;
        for (i, c) in d.coverage.iter().enumerate() {
            let r = i as u32 + 1;
            s.write(r, 0, &c.org_name)?;
            s.write(
                r,
                1,
                c.last_concluded
                    .map(|x| ctx.date(&x))
                    .unwrap_or_else(|| ctx.t("inspection.dashboard.never").to_owned()),
            )?;
            s.write(r, 2, c.items)?;
        }
        let s = wb.add_worksheet();
        s.set_name(ctx.t("inspection.dashboard.sheet_open"))?;
        for (c, k) in [
            "inspection.dashboard.unit",
            "inspection.dashboard.rec",
            "inspection.dashboard.state",
            "inspection.dashboard.deadline",
            "inspection.dashboard.age",
            "inspection.dashboard.responsible",
        ]
        .iter()
        .enumerate()
        {
            s.write(0, c as u16, ctx.t(k))?;
        }
        for (i, o) in d.open.iter().enumerate() {
            let r = i as u32 + 1;
            s.write(r, 0, &o.acting_org_name)?;
            s.write(r, 1, &o.text)?;
            s.write(r, 2, rec_label(ctx, o.state))?;
            s.write(r, 3, ctx.date(&o.deadline))?;
            s.write(r, 4, o.age_days as f64)?;
            s.write(r, 5, o.responsible_name.clone().unwrap_or_default())?;
        }
        wb.save_to_buffer()
    }
}
