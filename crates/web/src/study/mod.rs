//! Study and dissemination (issue 5): a unit's study plan of a resolution, conferences
//! with one-screen attendance and QR check-in, the member's "resolutions to study" page,
//! knowledge checks, reflections with grading and copy flags, and each round review.
//!
//! - `/study`: the resolutions to study — the member's own, and the plans of the units the
//!   user keeps;
//! - `/orgs/{id}/study/{doc}`: a unit's plan (core content per audience, conferences,
//!   materials, question bank, figures), with the forms to change it;
//! - `/study-sessions/{id}`: a conference and its attendance sheet (radio buttons per
//!   member; works without JavaScript), `/study-sessions/{id}/qr` its check-in QR code
//!   (inline SVG drawn on the server) and `/check-in/{id}` the signed, time-limited link
//!   the QR code holds (sign-in required; a second scan changes nothing);
//! - `/my/study/{doc}/check` and `/my/study/{doc}/reflection`: the member's knowledge check
//!   and reflection;
//! - `/orgs/{id}/study/{doc}/reflections`: grading, with reflections that copy a
//!   colleague's or the core content flagged by the `analysis` crate;
//! - `/orgs/{id}/study/{doc}/review`: the round review generated from the figures, edited
//!   and issued by the office, and its .xlsx.
//!
//! Uploads (materials, reflection files) are read, checked and kept like task evidence
//! (`files`, `services::blobs`): content-checked, content-addressed on disk.

mod edit;
mod import;
mod review;

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::evidence;
use domain::study::{
    self, AttendanceEntry, CheckRules, MaterialId, Question, QuestionForm, ReflectionId,
    ReflectionState, SessionDraft, SessionForm,
};
use domain::{
    AttendanceMark, Audience, DocumentId, MemberId, OrgId, Permission, Principal, ReflectionGrade,
    StudySessionId,
};
use store::{
    MyStudy, NewMaterial, NewReflection, NewStudySession, Participation, SheetRow, StudyDocument,
    StudyPlan, StudySession, UnitParticipation,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::files::{self, Upload, UploadError, UploadForm};
use crate::forms::{self, FormData, FormErrors, store_errors, today};
use crate::imports::BODY_LIMIT;

pub use review::DashboardSection;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/study", get(index))
        .route("/orgs/{id}/study/{doc}", get(plan_page))
        .route("/orgs/{id}/study/{doc}/content", post(save_content))
        .route(
            "/orgs/{id}/study/{doc}/sessions/new",
            get(session_form).post(session_create),
        )
        .route(
            "/orgs/{id}/study/{doc}/materials",
            post(material_add).layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route(
            "/orgs/{id}/study/{doc}/questions",
            get(questions_page).post(question_add),
        )
        .route(
            "/orgs/{id}/study/{doc}/reflections",
            get(review::reflections_page),
        )
        .route(
            "/orgs/{id}/study/{doc}/unstudied",
            get(review::unstudied_page),
        )
        .route(
            "/orgs/{id}/study/{doc}/review",
            get(review::round_review_page).post(review::round_review_save),
        )
        .route(
            "/orgs/{id}/study/{doc}/review/cells/{cell}",
            get(review::round_review_cell).post(review::round_review_cell_save),
        )
        .route(
            "/orgs/{id}/study/{doc}/review/xlsx",
            get(review::round_review_xlsx),
        )
        .route("/study-sessions/{id}", get(session_page))
        .route("/study-sessions/{id}/attendance", post(attendance_save))
        .route("/study-sessions/{id}/qr", get(qr_page))
        .route(
            "/study-sessions/{id}/edit",
            get(edit::edit_form).post(edit::edit_save),
        )
        .route("/study-sessions/{id}/cancel", post(edit::cancel))
        .route(
            "/study-sessions/{id}/import",
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route(
            "/study-sessions/{id}/import/template",
            get(import::template),
        )
        .route("/check-in/{id}", get(checkin_page).post(checkin_post))
        .route("/study-materials/{id}", get(material_file))
        .route(
            "/study-materials/{id}/withdraw",
            post(edit::withdraw_material),
        )
        .route("/my/study/{doc}/check", get(check_page).post(check_post))
        .route(
            "/my/study/{doc}/reflection",
            get(reflection_form)
                .post(reflection_post)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/study-reflections/{id}/file", get(reflection_file))
        .route("/study-reflections/{id}/grade", post(review::grade))
}

/// Whether a path is one of this module's uploads (read with the imports' larger limit).
pub(crate) fn is_upload(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    matches!(parts.as_slice(), ["", "orgs", id, "study", doc, "materials"] if !id.is_empty() && !doc.is_empty())
        || matches!(parts.as_slice(), ["", "my", "study", doc, "reflection"] if !doc.is_empty())
        || matches!(parts.as_slice(), ["", "study-sessions", id, "import"] if !id.is_empty())
}

// ---- Shared ---------------------------------------------------------------------------------

pub(crate) fn audience_label(ctx: &Ctx, a: Audience) -> &'static str {
    ctx.audience(&a)
}

fn format_label(ctx: &Ctx, f: domain::ConferenceFormat) -> &'static str {
    ctx.t(&format!("study.format.{}", f.as_str()))
}

fn mark_label(ctx: &Ctx, m: AttendanceMark) -> &'static str {
    ctx.t(&format!("study.mark.{}", m.as_str()))
}

fn grade_label(ctx: &Ctx, g: ReflectionGrade) -> &'static str {
    ctx.t(&format!("study.grade.{}", g.as_str()))
}

fn ids(org: &str, doc: &str) -> Result<(OrgId, DocumentId), AppError> {
    Ok((forms::id(org)?, forms::id(doc)?))
}

/// A conference as a template shows it.
pub struct SessionView {
    pub s: StudySession,
    pub audience: &'static str,
    pub format: &'static str,
    pub date: String,
    pub reporters: String,
    pub makeup: bool,
}

fn session_view(ctx: &Ctx, s: StudySession) -> SessionView {
    SessionView {
        audience: audience_label(ctx, s.audience),
        format: format_label(ctx, s.format),
        date: ctx.date(&s.held_on),
        reporters: s
            .reporters
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        makeup: s.makeup_of.is_some(),
        s,
    }
}

/// Checks and keeps a form's file, if any; a refused file is a message for the field `file`.
async fn keep_upload(
    st: &AppState,
    ctx: &Ctx,
    file: Option<Upload>,
    errors: &mut FormErrors,
) -> Result<Option<store::EvidenceMeta>, AppError> {
    let checked = files::check(ctx.lang, file.into_iter().collect(), errors);
    Ok(files::keep(st, checked).await?.pop())
}

fn too_large_text(ctx: &Ctx) -> String {
    i18n::fill(
        ctx.t("study.too_large"),
        &[("mb", &(crate::imports::FILE_LIMIT / (1024 * 1024)))],
    )
}

fn too_large(ctx: &Ctx) -> FormErrors {
    let mut errors = FormErrors::default();
    errors.push_text("file", &too_large_text(ctx));
    errors
}

/// 413 when the form comes back because the upload was too large, 422 for other
/// mistakes, 200 for a fresh form.
fn form_status(ctx: &Ctx, errors: &FormErrors) -> StatusCode {
    let big = too_large_text(ctx);
    if errors.is_empty() {
        StatusCode::OK
    } else if errors.items().iter().any(|m| m.message == big) {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

// ---- Index ----------------------------------------------------------------------------------

/// A unit the user keeps, with the resolutions it studies.
pub struct UnitDocs {
    pub org_id: OrgId,
    pub org_name: String,
    pub docs: Vec<StudyDocument>,
}

/// One resolution on the member's page.
pub struct MyItem {
    pub m: MyStudy,
    pub content_html: String,
    pub sessions: Vec<(SessionView, Option<&'static str>)>,
    pub studied_tag: (&'static str, &'static str),
    pub check_tag: (String, &'static str),
    pub reflection_tag: (String, &'static str),
    pub can_check: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "study/index.html")]
struct IndexPage {
    ctx: Ctx,
    title: String,
    mine: Vec<MyItem>,
    has_member: bool,
    units: Vec<UnitDocs>,
    reporter: Vec<SessionView>,
    notice: String,
}

fn my_item(ctx: &Ctx, m: MyStudy) -> MyItem {
    let rules = CheckRules::default();
    let marks: HashMap<StudySessionId, AttendanceMark> = m.marks.iter().copied().collect();
    let studied_tag = if m.state.studied {
        ("study.state.studied", "tag-green")
    } else if m.state.excused {
        ("study.state.excused", "tag-yellow")
    } else {
        ("study.state.not_studied", "tag-grey")
    };
    let check_tag = if m.state.check_passed {
        (
            i18n::fill(
                ctx.t("study.check.passed_with"),
                &[("pct", &m.state.check_best.unwrap_or(0))],
            ),
            "tag-green",
        )
    } else if m.state.check_attempts >= rules.max_attempts {
        (ctx.t("study.check.failed").to_owned(), "tag-red")
    } else if m.state.check_attempts > 0 {
        (
            i18n::fill(
                ctx.t("study.check.attempts"),
                &[("n", &m.state.check_attempts), ("max", &rules.max_attempts)],
            ),
            "tag-yellow",
        )
    } else {
        (ctx.t("study.check.not_taken").to_owned(), "tag-grey")
    };
    let reflection_tag = match (&m.reflection, m.state.reflection) {
        (Some(r), _) if r.grade.is_some() => (
            format!(
                "{}: {}",
                ctx.t("study.reflection.graded"),
                grade_label(ctx, r.grade.expect("checked"))
            ),
            "tag-green",
        ),
        (_, ReflectionState::OnTime) => (ctx.t("study.reflection.in_time").to_owned(), "tag-blue"),
        (_, ReflectionState::Late) => (ctx.t("study.reflection.late").to_owned(), "tag-yellow"),
        _ => (ctx.t("study.reflection.missing").to_owned(), "tag-grey"),
    };
    let can_check = m.state.studied
        && !m.state.check_passed
        && m.state.check_attempts < rules.max_attempts
        && m.questions_available > 0;
    MyItem {
        content_html: m
            .content
            .as_ref()
            .map(|c| crate::markdown::render(&c.body_md))
            .unwrap_or_default(),
        sessions: m
            .sessions
            .iter()
            .cloned()
            .map(|s| {
                let mark = marks.get(&s.id).map(|k| mark_label(ctx, *k));
                (session_view(ctx, s), mark)
            })
            .collect(),
        studied_tag,
        check_tag,
        reflection_tag,
        can_check,
        m,
    }
}

async fn index(
    auth: Auth,
    State(st): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let ctx = auth.ctx;
    let mine: Vec<MyItem> = st
        .store
        .my_study(p)
        .await?
        .into_iter()
        .map(|m| my_item(&ctx, m))
        .collect();
    let mut units = Vec::new();
    if p.has_anywhere(Permission::EditPeople) {
        for o in st.store.org_roots(p).await? {
            if !p.can(Permission::EditPeople, &o.path) {
                continue;
            }
            let docs = st.store.study_documents(p, o.id).await?;
            units.push(UnitDocs {
                org_id: o.id,
                org_name: o.name,
                docs,
            });
        }
    }
    let reporter = st
        .store
        .my_reporter_sessions(p)
        .await?
        .into_iter()
        .map(|s| session_view(&ctx, s))
        .collect();
    let notice = match forms::query_param(&q, "done").as_str() {
        "reflection" => ctx.t("study.reflection.saved").to_owned(),
        _ => String::new(),
    };
    Ok(IndexPage {
        title: ctx.t("study.index.title").to_owned(),
        has_member: p.member_id.is_some(),
        ctx,
        mine,
        units,
        reporter,
        notice,
    }
    .into_response())
}

// ---- Plan -----------------------------------------------------------------------------------

/// (audience key, label, own text, the nearest upper unit's name and rendered text)
type ContentView = (&'static str, &'static str, String, Option<(String, String)>);

#[derive(Template, WebTemplate)]
#[template(path = "study/plan.html")]
struct PlanPage {
    ctx: Ctx,
    title: String,
    plan: StudyPlan,
    /// (audience key, label, own text, nearest upper text with its unit)
    contents: Vec<ContentView>,
    sessions: Vec<SessionView>,
    upper: Vec<SessionView>,
    lower: Vec<SessionView>,
    can_edit: bool,
    errors: FormErrors,
    notice: String,
    figures: Option<Participation>,
    /// (id, title, audience label, href, unit name, may withdraw)
    materials: Vec<(MaterialId, String, &'static str, String, String, bool)>,
    /// Labels of the key cadre and member audiences.
    aud_labels: [&'static str; 2],
}

async fn plan_response(
    st: &AppState,
    auth: &Auth,
    org: OrgId,
    doc: DocumentId,
    errors: FormErrors,
    notice: String,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let ctx = &auth.ctx;
    let plan = st.store.study_plan(p, org, doc).await?;
    let can_edit = p.can(Permission::EditPeople, &plan.org_path);
    let contents = study::AUDIENCES
        .iter()
        .map(|a| {
            let own = plan
                .contents
                .iter()
                .find(|c| c.audience == *a && c.org_id == org)
                .map(|c| c.body_md.clone())
                .unwrap_or_default();
            let upper = plan
                .contents
                .iter()
                .find(|c| c.audience == *a && c.org_id != org)
                .map(|c| (c.org_name.clone(), crate::markdown::render(&c.body_md)));
            (a.as_str(), audience_label(ctx, *a), own, upper)
        })
        .collect();
    let figures = if p.can(Permission::Read, &plan.org_path) {
        Some(st.store.participation(p, org, plan.document_id).await?)
    } else {
        None
    };
    let materials = plan
        .materials
        .iter()
        .map(|m| {
            let href = match (&m.url, &m.file) {
                (Some(u), _) => u.clone(),
                _ => format!("/study-materials/{}", m.id),
            };
            let aud = m
                .audience
                .map_or_else(|| ctx.t("study.audience.all"), |a| audience_label(ctx, a));
            // Only the office of the unit that added it withdraws a material.
            let mine = m.org_id == org && can_edit;
            (m.id, m.title.clone(), aud, href, m.org_name.clone(), mine)
        })
        .collect();
    let status = form_status(ctx, &errors);
    let title = forms::title(
        ctx.lang,
        &errors,
        &i18n::fill(
            ctx.t("study.plan.title"),
            &[("symbol", &plan.document_symbol)],
        ),
    );
    let page = PlanPage {
        title,
        sessions: plan
            .sessions
            .iter()
            .cloned()
            .map(|s| session_view(ctx, s))
            .collect(),
        upper: plan
            .upper_sessions
            .iter()
            .cloned()
            .map(|s| session_view(ctx, s))
            .collect(),
        lower: plan
            .lower_sessions
            .iter()
            .cloned()
            .map(|s| session_view(ctx, s))
            .collect(),
        ctx: ctx.clone(),
        contents,
        can_edit,
        errors,
        notice,
        figures,
        materials,
        aud_labels: [
            audience_label(ctx, Audience::KeyCadre),
            audience_label(ctx, Audience::Member),
        ],
        plan,
    };
    Ok((status, page).into_response())
}

async fn plan_page(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let notice = match forms::query_param(&q, "done").as_str() {
        "content" => auth.ctx.t("study.plan.content_saved").to_owned(),
        "session" => auth.ctx.t("study.session.created").to_owned(),
        "material" => auth.ctx.t("study.plan.material_added").to_owned(),
        "withdrawn" => auth.ctx.t("study.plan.material_withdrawn").to_owned(),
        _ => String::new(),
    };
    plan_response(&st, &auth, org, doc, FormErrors::default(), notice).await
}

async fn save_content(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let lang = auth.ctx.lang;
    let Some(audience) = Audience::parse(f.get("audience")) else {
        let mut e = FormErrors::default();
        e.push(lang, "content", "bad_choice");
        return plan_response(&st, &auth, org, doc, e, String::new()).await;
    };
    match st
        .store
        .save_study_content(&auth.p, org, doc, audience, f.get("body_md").to_owned())
        .await
    {
        Ok(()) => {
            Ok(Redirect::to(&format!("/orgs/{org}/study/{doc}?done=content")).into_response())
        }
        Err(e) => {
            let mut errors = FormErrors::default();
            for m in store_errors(lang, e)?.0 {
                errors.push_text(&format!("body_{}", audience.as_str()), &m.message);
            }
            plan_response(&st, &auth, org, doc, errors, String::new()).await
        }
    }
}

async fn material_add(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    req: Request,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let ctx = auth.ctx.clone();
    let (f, file) = match files::read(req, &st).await.map(UploadForm::into_one) {
        Ok(x) => x,
        Err(UploadError::TooLarge) => {
            return plan_response(&st, &auth, org, doc, too_large(&ctx), String::new()).await;
        }
        Err(_) => {
            let mut e = FormErrors::default();
            e.push_key(ctx.lang, "file", "study.upload_failed");
            return plan_response(&st, &auth, org, doc, e, String::new()).await;
        }
    };
    let mut errors = FormErrors::default();
    let url = f.get("url").trim().to_owned();
    let stored = keep_upload(&st, &ctx, file, &mut errors).await?;
    if !errors.is_empty() {
        return plan_response(&st, &auth, org, doc, errors, String::new()).await;
    }
    let new = NewMaterial {
        audience: Audience::parse(f.get("audience")),
        title: f.get("title").to_owned(),
        url: (!url.is_empty()).then_some(url),
        file: stored,
    };
    match st.store.add_study_material(&auth.p, org, doc, new).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/orgs/{org}/study/{doc}?done=material")).into_response())
        }
        Err(e) => {
            let mut errors = FormErrors::default();
            for m in store_errors(ctx.lang, e)?.0 {
                let field = if m.field == "title" {
                    "material_title"
                } else {
                    m.field.as_str()
                };
                errors.push_text(field, &m.message);
            }
            plan_response(&st, &auth, org, doc, errors, String::new()).await
        }
    }
}

async fn material_file(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let m = st.store.study_material(&auth.p, forms::id(&id)?).await?;
    match (&m.file, &m.url) {
        (Some((key, kind, name)), _) => files::blob(&st, key, *kind, name).await,
        (None, Some(url)) => Ok(Redirect::to(url).into_response()),
        _ => Err(AppError::NotFound),
    }
}

// ---- New conference -------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "study/session_form.html")]
struct SessionFormPage {
    ctx: Ctx,
    title: String,
    plan: StudyPlan,
    form: SessionForm,
    reporters: String,
    makeup_of: String,
    makeup_title: String,
    errors: FormErrors,
    formats: Vec<(&'static str, &'static str)>,
    audiences: Vec<(&'static str, &'static str)>,
    /// Where the form goes, its heading and its button.
    action: String,
    heading: String,
    submit: String,
    back: String,
    /// The conference being corrected.
    edit: Option<StudySession>,
    /// Its reason field (the cancel form) and that form's error.
    cancel_reason: String,
}

impl SessionFormPage {
    fn is_format(&self, v: &str) -> bool {
        self.form.format == v
    }
    fn is_audience(&self, v: &str) -> bool {
        self.form.audience == v
    }
    /// The audience of a conference with attendance cannot change.
    fn audience_locked(&self) -> bool {
        self.edit.as_ref().is_some_and(|s| s.marks() > 0)
    }
}

fn session_form_response(
    ctx: &Ctx,
    plan: StudyPlan,
    form: SessionForm,
    reporters: String,
    makeup: Option<&StudySession>,
    errors: FormErrors,
) -> Response {
    session_form_page(
        ctx,
        plan,
        form,
        reporters,
        makeup,
        None,
        errors,
        String::new(),
    )
}

/// The conference form: a new conference, a make-up, or the correction of `edit`.
#[allow(clippy::too_many_arguments)]
fn session_form_page(
    ctx: &Ctx,
    plan: StudyPlan,
    form: SessionForm,
    reporters: String,
    makeup: Option<&StudySession>,
    edit: Option<StudySession>,
    errors: FormErrors,
    cancel_reason: String,
) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let heading = if edit.is_some() {
        ctx.t("study.edit.title")
    } else if makeup.is_some() {
        ctx.t("study.session.makeup_title")
    } else {
        ctx.t("study.session.new_title")
    };
    let (action, submit, back) = match &edit {
        Some(s) => (
            format!("/study-sessions/{}/edit", s.id),
            ctx.t("study.edit.save"),
            format!("/study-sessions/{}", s.id),
        ),
        None => (
            format!(
                "/orgs/{}/study/{}/sessions/new",
                plan.org_id, plan.document_id
            ),
            ctx.t("study.session.create"),
            format!("/orgs/{}/study/{}", plan.org_id, plan.document_id),
        ),
    };
    let page = SessionFormPage {
        title: forms::title(ctx.lang, &errors, heading),
        action,
        heading: heading.to_owned(),
        submit: submit.to_owned(),
        back,
        edit,
        cancel_reason,
        plan,
        form,
        reporters,
        makeup_of: makeup.map(|s| s.id.to_string()).unwrap_or_default(),
        makeup_title: makeup.map(|s| s.title.clone()).unwrap_or_default(),
        errors,
        formats: domain::ConferenceFormat::ALL
            .iter()
            .map(|f| (f.as_str(), format_label(ctx, *f)))
            .collect(),
        audiences: study::AUDIENCES
            .iter()
            .map(|a| (a.as_str(), audience_label(ctx, *a)))
            .collect(),
        ctx: ctx.clone(),
    };
    (status, page).into_response()
}

async fn session_form(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let plan = st.store.study_plan(&auth.p, org, doc).await?;
    if !auth.p.can(Permission::EditPeople, &plan.org_path) {
        return Err(AppError::Forbidden);
    }
    let makeup = match forms::query_param(&q, "makeup_of").parse::<i64>() {
        Ok(id) => Some(st.store.study_session(&auth.p, StudySessionId(id)).await?),
        Err(_) => None,
    };
    let form = SessionForm {
        title: match &makeup {
            Some(s) => format!("{} ({})", s.title, auth.ctx.t("study.session.makeup")),
            None => i18n::fill(
                auth.ctx.t("study.session.default_title"),
                &[("symbol", &plan.document_symbol)],
            ),
        },
        audience: makeup
            .as_ref()
            .map_or("member", |s| s.audience.as_str())
            .to_owned(),
        format: "in_person".into(),
        held_on: forms::today_text(),
        place: String::new(),
    };
    Ok(session_form_response(
        &auth.ctx,
        plan,
        form,
        String::new(),
        makeup.as_ref(),
        FormErrors::default(),
    ))
}

async fn session_create(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let lang = auth.ctx.lang;
    let plan = st.store.study_plan(&auth.p, org, doc).await?;
    let makeup = match f.get("makeup_of").parse::<i64>() {
        Ok(id) => Some(st.store.study_session(&auth.p, StudySessionId(id)).await?),
        Err(_) => None,
    };
    let form = SessionForm {
        title: f.get("title").to_owned(),
        audience: f.get("audience").to_owned(),
        format: f.get("format").to_owned(),
        held_on: f.get("held_on").to_owned(),
        place: f.get("place").to_owned(),
    };
    let reporters_raw = f.get("reporters").to_owned();
    let mut errors = FormErrors::default();
    let reporters = crate::pick::members_into(
        &st,
        &auth.ctx,
        &auth.p,
        &reporters_raw,
        "reporters",
        &mut errors,
    )
    .await?;
    let draft = match SessionDraft::parse(&form, plan.study_by, makeup.is_some()) {
        Ok(d) => Some(d),
        Err(inv) => {
            errors.0.extend(FormErrors::from_invalid(lang, &inv).0);
            None
        }
    };
    let (Some(draft), true) = (draft, errors.is_empty()) else {
        return Ok(session_form_response(
            &auth.ctx,
            plan,
            form,
            reporters_raw,
            makeup.as_ref(),
            errors,
        ));
    };
    let new = NewStudySession {
        draft,
        reporters,
        makeup_of: makeup.as_ref().map(|s| s.id),
    };
    match st.store.create_study_session(&auth.p, org, doc, new).await {
        Ok(s) => {
            Ok(Redirect::to(&format!("/study-sessions/{}?done=created", s.id)).into_response())
        }
        Err(e) => {
            let errors = store_errors(lang, e)?;
            Ok(session_form_response(
                &auth.ctx,
                plan,
                form,
                reporters_raw,
                makeup.as_ref(),
                errors,
            ))
        }
    }
}

// ---- Conference and attendance --------------------------------------------------------------

/// One line of the sheet.
pub struct SheetLine {
    pub row: SheetRow,
    pub mark: &'static str,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "study/session.html")]
struct SessionPage {
    ctx: Ctx,
    title: String,
    v: SessionView,
    lines: Vec<SheetLine>,
    can_mark: bool,
    /// The conference has not taken place: no marking, no QR code yet.
    upcoming: bool,
    errors: FormErrors,
    notice: String,
    marks: Vec<(&'static str, &'static str)>,
    summary: String,
    /// A sheet too long for one page: its cells with their counts (this page of them).
    cells: Vec<store::SheetCell>,
    /// The cell whose lines are shown, when the sheet is opened cell by cell.
    cell: Option<store::SheetCell>,
    pager: forms::Pager,
}

/// A sheet up to this long is shown whole (a cell's or a commune's conference); a longer
/// one (a district's or the province's) is opened cell by cell.
const SHEET_WHOLE: u64 = 150;
/// Cells listed on one page of a long sheet, and lines on one page of a cell.
const SHEET_CELLS_PER_PAGE: usize = 50;
const SHEET_LINES_PER_PAGE: usize = 200;

#[allow(clippy::too_many_arguments)]
async fn session_response(
    st: &AppState,
    auth: &Auth,
    id: StudySessionId,
    posted: Option<&FormData>,
    errors: FormErrors,
    notice: String,
    query_cell: Option<OrgId>,
    page_no: usize,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let ctx = &auth.ctx;
    let s = st.store.study_session(p, id).await?;
    let can_read = p.can(Permission::Read, &s.org_path)
        || p.member_id
            .is_some_and(|m| s.reporters.iter().any(|(r, _)| *r == m));
    let all_cells = if can_read {
        st.store.attendance_cells(p, id).await?
    } else {
        Vec::new()
    };
    let total: u64 = all_cells.iter().map(|c| c.members).sum();
    let page_no = page_no.max(1);
    let chosen = cell_of(posted, query_cell)
        .and_then(|c| all_cells.iter().find(|x| x.cell_id == c).cloned());
    let whole = total <= SHEET_WHOLE;
    let (rows, cells, pager) = if !can_read {
        (Vec::new(), Vec::new(), forms::Pager::new(1, 0, 1))
    } else if whole || chosen.is_some() {
        let n = chosen.as_ref().map_or(total, |c| c.members) as usize;
        let mut pager = forms::Pager::new(page_no, n, SHEET_LINES_PER_PAGE);
        if let Some(c) = &chosen {
            pager = pager.keeping("cell", c.cell_id);
        }
        let rows = st
            .store
            .attendance_sheet_page(
                p,
                id,
                chosen.as_ref().map(|c| c.cell_id),
                store::Page {
                    offset: pager.offset() as u32,
                    limit: SHEET_LINES_PER_PAGE as u32,
                },
            )
            .await?;
        (rows, Vec::new(), pager)
    } else {
        let pager = forms::Pager::new(page_no, all_cells.len(), SHEET_CELLS_PER_PAGE);
        let cells = all_cells
            .into_iter()
            .skip(pager.offset())
            .take(SHEET_CELLS_PER_PAGE)
            .collect();
        (Vec::new(), cells, pager)
    };
    let can_mark = p.can(Permission::EditPeople, &s.org_path);
    let lines = rows
        .into_iter()
        .map(|row| {
            let key = format!("mark_{}", row.member_id);
            let mark = match posted {
                Some(f) => AttendanceMark::parse(f.get(&key)).map_or("", |m| m.as_str()),
                None => row.mark.map_or("", |m| m.as_str()),
            };
            let mut row = row;
            if let Some(f) = posted {
                let r = f.get(&format!("reason_{}", row.member_id));
                row.reason = (!r.is_empty()).then(|| r.to_owned());
            }
            let error = errors
                .err(&format!("reason_{}", row.member_id))
                .or(errors.err(&key))
                .map(str::to_owned);
            SheetLine { row, mark, error }
        })
        .collect();
    let summary = i18n::fill(
        ctx.t("study.session.summary"),
        &[
            ("present", &s.present),
            ("excused", &s.excused),
            ("absent", &s.absent),
        ],
    );
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let upcoming = forms::today() < s.held_on;
    let v = session_view(ctx, s);
    let page = SessionPage {
        title: forms::title(ctx.lang, &errors, &v.s.title),
        v,
        lines,
        can_mark,
        upcoming,
        errors,
        notice,
        marks: AttendanceMark::ALL
            .iter()
            .map(|m| {
                (
                    m.as_str(),
                    ctx.t(&format!("study.mark_short.{}", m.as_str())),
                )
            })
            .collect(),
        summary,
        cells,
        cell: chosen,
        pager,
        ctx: ctx.clone(),
    };
    Ok((status, page).into_response())
}

/// The cell a sheet is opened at: posted with the lines, or asked for in `?cell=`.
fn cell_of(posted: Option<&FormData>, query_cell: Option<OrgId>) -> Option<OrgId> {
    posted
        .and_then(|f| f.get("cell").parse::<i64>().ok().map(OrgId))
        .or(query_cell)
}

async fn session_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id: StudySessionId = forms::id(&id)?;
    let notice = match forms::query_param(&q, "done").as_str() {
        "created" => auth.ctx.t("study.session.created").to_owned(),
        "saved" => i18n::fill(
            auth.ctx.t("study.session.saved"),
            &[("n", &forms::query_param(&q, "n"))],
        ),
        "updated" => auth.ctx.t("study.edit.saved").to_owned(),
        "cancelled" => auth.ctx.t("study.cancel.done").to_owned(),
        _ => String::new(),
    };
    let cell = forms::query_param(&q, "cell")
        .parse::<i64>()
        .ok()
        .map(OrgId);
    let page_no = forms::Pager::page_of(&q);
    session_response(
        &st,
        &auth,
        id,
        None,
        FormErrors::default(),
        notice,
        cell,
        page_no,
    )
    .await
}

async fn attendance_save(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: StudySessionId = forms::id(&id)?;
    let lang = auth.ctx.lang;
    let mut entries = Vec::new();
    let mut errors = FormErrors::default();
    for (k, v) in &f.0 {
        let Some(mid) = k.strip_prefix("mark_") else {
            continue;
        };
        let Ok(member) = mid.parse::<i64>() else {
            errors.push(lang, k, "bad_choice");
            continue;
        };
        let reason_key = format!("reason_{member}");
        match AttendanceEntry::parse(MemberId(member), v, f.get(&reason_key), "mark", "reason") {
            Ok(e) => entries.push(e),
            Err(inv) => {
                for e in &inv.0 {
                    let field = if e.field == "reason" {
                        reason_key.clone()
                    } else {
                        k.clone()
                    };
                    errors.push(lang, &field, e.code);
                }
            }
        }
    }
    if !errors.is_empty() {
        return session_response(&st, &auth, id, Some(&f), errors, String::new(), None, 1).await;
    }
    let member_ids: Vec<MemberId> = entries.iter().map(|e| e.member_id).collect();
    match st.store.record_attendance(&auth.p, id, entries).await {
        Ok(n) => {
            let cell = match f.get("cell") {
                "" => String::new(),
                c => format!("&cell={}", c.parse::<i64>().unwrap_or_default()),
            };
            Ok(
                Redirect::to(&format!("/study-sessions/{id}?done=saved&n={n}{cell}"))
                    .into_response(),
            )
        }
        Err(e) => {
            let mut errors = FormErrors::default();
            for m in store_errors(lang, e)?.0 {
                // `attendance[i].mark` names the i-th line sent.
                let field = domain::fieldpath::split(&m.field)
                    .and_then(|(_, i, _)| member_ids.get(i))
                    .map_or(m.field.clone(), |mid| format!("mark_{mid}"));
                errors.push_text(&field, &m.message);
            }
            session_response(&st, &auth, id, Some(&f), errors, String::new(), None, 1).await
        }
    }
}

// ---- QR check-in ----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "study/qr.html")]
struct QrPage {
    ctx: Ctx,
    title: String,
    v: SessionView,
    /// Why there is no code (before or after the conference's day), else empty.
    problem: String,
    svg: String,
    link: String,
    until: String,
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The absolute address of this site, from the request's Host header.
fn origin(st: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = if st.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// The signed check-in path of a conference, valid for [`study::CHECKIN_TTL_SECONDS`].
pub async fn checkin_path(
    st: &AppState,
    id: StudySessionId,
    expires: i64,
) -> Result<String, AppError> {
    let key = st.store.checkin_key().await?;
    let sig = study::sign_checkin(&key, id, expires);
    Ok(format!("/check-in/{id}?exp={expires}&sig={sig}"))
}

/// A QR code as an inline SVG (dark modules as one path), sized by the page's CSS.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(AppError::internal)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

async fn qr_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id: StudySessionId = forms::id(&id)?;
    let s = st.store.study_session(&auth.p, id).await?;
    let is_reporter = auth
        .p
        .member_id
        .is_some_and(|m| s.reporters.iter().any(|(r, _)| *r == m));
    if !(auth.p.can(Permission::EditPeople, &s.org_path) || is_reporter) {
        return Err(AppError::Forbidden);
    }
    let ctx = auth.ctx;
    // A code only on the conference's day (`rules::check_checkin_day`): a link shared early
    // would mark members present at a conference that has not taken place, one kept from
    // the day would mark them present later.
    if let Err(refusal) = study::rules::check_checkin_day(s.held_on, forms::today()) {
        return Ok(QrPage {
            title: ctx.t("study.qr.title").to_owned(),
            problem: match refusal {
                domain::refusal::Refusal::Conflict(code) => {
                    ctx.t(&format!("err.{code}")).to_owned()
                }
                _ => ctx.t("err.session_not_held").to_owned(),
            },
            svg: String::new(),
            link: String::new(),
            until: String::new(),
            v: session_view(&ctx, s),
            ctx,
        }
        .into_response());
    }
    // The link lasts its time, and never past the conference's day.
    let expires =
        (now_unix() + study::CHECKIN_TTL_SECONDS).min(domain::tz::end_of_day_unix(s.held_on));
    let link = format!(
        "{}{}",
        origin(&st, &headers),
        checkin_path(&st, id, expires).await?
    );
    let until = time::OffsetDateTime::from_unix_timestamp(expires)
        .map(|t| {
            let t = domain::tz::local(t);
            format!("{:02}:{:02} {}", t.hour(), t.minute(), ctx.date(&t.date()))
        })
        .unwrap_or_default();
    Ok(QrPage {
        title: ctx.t("study.qr.title").to_owned(),
        problem: String::new(),
        svg: qr_svg(&link)?,
        link,
        until,
        v: session_view(&ctx, s),
        ctx,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "study/checkin.html")]
struct CheckInPage {
    ctx: Ctx,
    title: String,
    /// The conference, when the link is good.
    v: Option<SessionView>,
    exp: String,
    sig: String,
    /// A refusal, in the user's language.
    problem: String,
    /// Set after a check-in: the confirmation.
    done: String,
}

fn checkin_problem(ctx: &Ctx, code: &str) -> String {
    ctx.t(&format!("err.{code}")).to_owned()
}

/// Verifies the link's signature and expiry.
async fn verify_link(
    st: &AppState,
    id: StudySessionId,
    q: &Option<String>,
) -> Result<Result<(), &'static str>, AppError> {
    let key = st.store.checkin_key().await?;
    let exp = forms::query_param(q, "exp").parse::<i64>().unwrap_or(0);
    let sig = forms::query_param(q, "sig");
    Ok(study::verify_checkin(&key, id, exp, &sig, now_unix()).map_err(|e| e.code()))
}

fn checkin_response(
    ctx: &Ctx,
    v: Option<SessionView>,
    q: &Option<String>,
    problem: String,
    done: String,
) -> Response {
    let status = if problem.is_empty() {
        StatusCode::OK
    } else if v.is_none() && problem == checkin_problem(ctx, "checkin_not_your_unit") {
        // A conference the user may not see is answered as missing, with the reason.
        StatusCode::NOT_FOUND
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CheckInPage {
        title: ctx.t("study.checkin.title").to_owned(),
        v,
        exp: forms::query_param(q, "exp"),
        sig: forms::query_param(q, "sig"),
        problem,
        done,
        ctx: ctx.clone(),
    };
    (status, page).into_response()
}

async fn checkin_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let Ok(id) = id.parse::<i64>().map(StudySessionId) else {
        return Err(AppError::NotFound);
    };
    // A conference outside the user's units (or their own cell's) is not theirs.
    let s = match st.store.study_session(&auth.p, id).await {
        Ok(s) => s,
        Err(store::StoreError::NotFound) => {
            return Ok(checkin_response(
                ctx,
                None,
                &q,
                checkin_problem(ctx, "checkin_not_your_unit"),
                String::new(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if let Err(code) = verify_link(&st, id, &q).await? {
        return Ok(checkin_response(
            ctx,
            Some(session_view(ctx, s)),
            &q,
            checkin_problem(ctx, code),
            String::new(),
        ));
    }
    if auth.p.member_id.is_none() {
        return Ok(checkin_response(
            ctx,
            Some(session_view(ctx, s)),
            &q,
            checkin_problem(ctx, "checkin_no_member"),
            String::new(),
        ));
    }
    Ok(checkin_response(
        ctx,
        Some(session_view(ctx, s)),
        &q,
        String::new(),
        String::new(),
    ))
}

async fn checkin_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let q = Some(format!(
        "exp={}&sig={}",
        forms::urlencode(f.get("exp")),
        forms::urlencode(f.get("sig"))
    ));
    let Ok(id) = id.parse::<i64>().map(StudySessionId) else {
        return Err(AppError::NotFound);
    };
    let s = match st.store.study_session(&auth.p, id).await {
        Ok(s) => s,
        Err(store::StoreError::NotFound) => {
            return Ok(checkin_response(
                ctx,
                None,
                &q,
                checkin_problem(ctx, "checkin_not_your_unit"),
                String::new(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if let Err(code) = verify_link(&st, id, &q).await? {
        return Ok(checkin_response(
            ctx,
            Some(session_view(ctx, s)),
            &q,
            checkin_problem(ctx, code),
            String::new(),
        ));
    }
    match st.store.check_in(&auth.p, id).await {
        Ok(c) => {
            let key = if c.already {
                "study.checkin.already"
            } else {
                "study.checkin.done"
            };
            let done = i18n::fill(ctx.t(key), &[("name", &c.member_name)]);
            Ok(checkin_response(
                ctx,
                Some(session_view(ctx, c.session)),
                &q,
                String::new(),
                done,
            ))
        }
        Err(store::StoreError::Invalid(inv)) => {
            let code = inv.0.first().map_or("checkin_invalid", |e| e.code);
            Ok(checkin_response(
                ctx,
                None,
                &q,
                checkin_problem(ctx, code),
                String::new(),
            ))
        }
        Err(store::StoreError::Conflict(code)) => Ok(checkin_response(
            ctx,
            None,
            &q,
            checkin_problem(ctx, code),
            String::new(),
        )),
        Err(store::StoreError::NotFound) => Ok(checkin_response(
            ctx,
            None,
            &q,
            checkin_problem(ctx, "checkin_invalid"),
            String::new(),
        )),
        Err(e) => Err(e.into()),
    }
}

// ---- Question bank --------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "study/questions.html")]
struct QuestionsPage {
    ctx: Ctx,
    title: String,
    plan: StudyPlan,
    /// (audience label, prompt, choices, correct index)
    questions: Vec<(&'static str, String, Vec<String>, usize)>,
    form: QuestionForm,
    errors: FormErrors,
    audiences: Vec<(&'static str, &'static str)>,
    notice: String,
}

async fn questions_response(
    st: &AppState,
    auth: &Auth,
    org: OrgId,
    doc: DocumentId,
    form: QuestionForm,
    errors: FormErrors,
    notice: String,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let plan = st.store.study_plan(&auth.p, org, doc).await?;
    let questions = st
        .store
        .questions(&auth.p, org, plan.document_id)
        .await?
        .into_iter()
        .map(|q| {
            (
                audience_label(ctx, q.question.audience),
                q.question.prompt,
                q.question.choices,
                usize::from(q.question.correct),
            )
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = QuestionsPage {
        title: forms::title(ctx.lang, &errors, ctx.t("study.questions.title")),
        plan,
        questions,
        form,
        errors,
        audiences: study::AUDIENCES
            .iter()
            .map(|a| (a.as_str(), audience_label(ctx, *a)))
            .collect(),
        notice,
        ctx: ctx.clone(),
    };
    Ok((status, page).into_response())
}

async fn questions_page(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let notice = if forms::query_param(&q, "done") == "added" {
        auth.ctx.t("study.questions.added").to_owned()
    } else {
        String::new()
    };
    let form = QuestionForm {
        audience: "member".into(),
        ..QuestionForm::default()
    };
    questions_response(&st, &auth, org, doc, form, FormErrors::default(), notice).await
}

async fn question_add(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let lang = auth.ctx.lang;
    let form = QuestionForm {
        audience: f.get("audience").to_owned(),
        prompt: f.get("prompt").to_owned(),
        choices: f.get("choices").to_owned(),
        correct: f.get("correct").to_owned(),
    };
    let q: Question = match Question::parse(&form) {
        Ok(q) => q,
        Err(inv) => {
            let errors = FormErrors::from_invalid(lang, &inv);
            return questions_response(&st, &auth, org, doc, form, errors, String::new()).await;
        }
    };
    match st.store.add_question(&auth.p, org, doc, q).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/orgs/{org}/study/{doc}/questions?done=added")).into_response(),
        ),
        Err(e) => {
            let errors = store_errors(lang, e)?;
            questions_response(&st, &auth, org, doc, form, errors, String::new()).await
        }
    }
}

// ---- Knowledge check ------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "study/check.html")]
struct CheckPage {
    ctx: Ctx,
    title: String,
    doc: DocumentId,
    symbol: String,
    paper: Option<store::CheckPaper>,
    /// Why no paper (the store's message), or the result of the attempt just taken.
    problem: String,
    result: String,
    passed: bool,
    /// After an attempt: the questions answered wrong or left blank, with the answer
    /// picked (empty when left blank).
    wrong: Vec<(String, String)>,
    /// The attempt just handed in had no answer chosen (nothing spent).
    empty: bool,
}

/// The document's symbol; `NotFound` when the principal may not read the document.
/// The symbol of a resolution the user may study: one they may read, or (a member without
/// grants) one cascaded above their cell. Anything else is a 404. The JSON API's member
/// routes use the same rule.
pub(crate) async fn symbol_of(
    st: &AppState,
    p: &Principal,
    doc: DocumentId,
) -> Result<String, AppError> {
    match st.store.document(p, doc).await {
        Ok(d) => Ok(d.symbol),
        // A member without grants reads the resolutions cascaded above their cell.
        Err(store::StoreError::NotFound) => st
            .store
            .my_study(p)
            .await?
            .into_iter()
            .find(|m| m.document_id == doc)
            .map(|m| m.symbol)
            .ok_or(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

async fn check_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(doc): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let doc: DocumentId = forms::id(&doc)?;
    let ctx = &auth.ctx;
    let symbol = symbol_of(&st, &auth.p, doc).await?;
    let (mut paper, mut problem) = (None, String::new());
    match st.store.check_paper(&auth.p, doc).await {
        Ok(x) => paper = Some(x),
        Err(store::StoreError::Invalid(inv)) => {
            problem = ctx
                .t(&format!(
                    "err.{}",
                    inv.0.first().map_or("bad_request", |e| e.code)
                ))
                .to_owned();
        }
        Err(e) => return Err(e.into()),
    }
    // The result of the attempt just handed in is read back from the record, not from
    // the address (a score in a link could be forged or shared).
    let (mut result, mut passed, mut wrong) = (String::new(), false, Vec::new());
    if forms::query_param(&q, "done") == "taken"
        && let Some(r) = st.store.last_check(&auth.p, doc).await?
    {
        let key = if r.score.passed {
            "study.check.result_pass"
        } else {
            "study.check.result_fail"
        };
        result = i18n::fill(
            ctx.t(key),
            &[("correct", &r.score.correct), ("total", &r.score.total)],
        );
        passed = r.score.passed;
        wrong = r
            .wrong
            .into_iter()
            .map(|(prompt, picked)| (prompt, picked.unwrap_or_default()))
            .collect();
    }
    let empty = forms::query_param(&q, "empty") == "1";
    Ok(CheckPage {
        title: ctx.t("study.check.title").to_owned(),
        doc,
        symbol,
        paper,
        problem,
        result,
        passed,
        wrong,
        empty,
        ctx: ctx.clone(),
    }
    .into_response())
}

async fn check_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(doc): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let doc: DocumentId = forms::id(&doc)?;
    symbol_of(&st, &auth.p, doc).await?;
    let attempt = f
        .get("attempt")
        .parse::<u32>()
        .map_err(|_| AppError::BadRequest)?;
    let mut answers = Vec::new();
    for (k, v) in &f.0 {
        if let Some(q) = k.strip_prefix("q_")
            && let Ok(q) = q.parse::<i64>()
        {
            answers.push((study::QuestionId(q), v.parse::<u8>().ok()));
        }
    }
    // Questions left blank are sent as ids without an answer.
    for q in f
        .get("questions")
        .split(',')
        .filter_map(|x| x.parse::<i64>().ok())
    {
        if !answers.iter().any(|(a, _)| a.0 == q) {
            answers.push((study::QuestionId(q), None));
        }
    }
    match st.store.submit_check(&auth.p, doc, attempt, answers).await {
        Ok(_) => Ok(Redirect::to(&format!("/my/study/{doc}/check?done=taken")).into_response()),
        Err(store::StoreError::Invalid(inv)) if inv.0.iter().any(|e| e.code == "check_empty") => {
            Ok(Redirect::to(&format!("/my/study/{doc}/check?empty=1")).into_response())
        }
        Err(store::StoreError::Invalid(_) | store::StoreError::Conflict(_)) => {
            Ok(Redirect::to(&format!("/my/study/{doc}/check")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- Reflection -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "study/reflection.html")]
struct ReflectionPage {
    ctx: Ctx,
    title: String,
    doc: DocumentId,
    symbol: String,
    /// The resolution as the member studies it; `None` for an account without a member
    /// or a resolution not cascaded above the member's cell.
    item: Option<MyStudy>,
    body: String,
    errors: FormErrors,
    hint: String,
    graded: bool,
    problem: String,
    /// The deadline has passed: what is handed in now is recorded late (said before the
    /// member writes, not after).
    late: bool,
}

async fn reflection_response(
    st: &AppState,
    auth: &Auth,
    doc: DocumentId,
    body: Option<String>,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let symbol = symbol_of(st, &auth.p, doc).await?;
    let item = st
        .store
        .my_study(&auth.p)
        .await?
        .into_iter()
        .find(|m| m.document_id == doc);
    let problem = match (&item, auth.p.member_id) {
        (Some(_), _) => String::new(),
        (None, None) => ctx.t("err.checkin_no_member").to_owned(),
        (None, Some(_)) => ctx.t("study.reflection.not_yours").to_owned(),
    };
    let status = form_status(ctx, &errors);
    let today = forms::today();
    let late = item
        .as_ref()
        .is_some_and(|i| !study::on_time(today, i.study_by));
    let page = ReflectionPage {
        late,
        title: forms::title(ctx.lang, &errors, ctx.t("study.reflection.title")),
        doc,
        symbol,
        problem,
        body: body.unwrap_or_else(|| {
            item.as_ref()
                .and_then(|i| i.reflection.as_ref())
                .and_then(|r| r.body.clone())
                .unwrap_or_default()
        }),
        graded: item
            .as_ref()
            .and_then(|i| i.reflection.as_ref())
            .is_some_and(|r| r.grade.is_some()),
        hint: i18n::fill(
            ctx.t("study.reflection.file_hint"),
            &[("mb", &(evidence::MAX_EVIDENCE_BYTES / (1024 * 1024)))],
        ),
        item,
        errors,
        ctx: ctx.clone(),
    };
    Ok((status, page).into_response())
}

async fn reflection_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(doc): Path<String>,
) -> Result<Response, AppError> {
    let doc: DocumentId = forms::id(&doc)?;
    reflection_response(&st, &auth, doc, None, FormErrors::default()).await
}

async fn reflection_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(doc): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let doc: DocumentId = forms::id(&doc)?;
    symbol_of(&st, &auth.p, doc).await?;
    let ctx = auth.ctx.clone();
    let (f, file) = match files::read(req, &st).await.map(UploadForm::into_one) {
        Ok(x) => x,
        Err(UploadError::TooLarge) => {
            return reflection_response(&st, &auth, doc, None, too_large(&ctx)).await;
        }
        Err(_) => {
            let mut e = FormErrors::default();
            e.push_key(ctx.lang, "file", "study.upload_failed");
            return reflection_response(&st, &auth, doc, None, e).await;
        }
    };
    let body = f.get("body").to_owned();
    let mut errors = FormErrors::default();
    let text = match study::ReflectionText::parse(&body, file.is_some()) {
        Ok(t) => Some(t),
        Err(inv) => {
            errors = FormErrors::from_invalid(ctx.lang, &inv);
            None
        }
    };
    let stored = match (file, errors.is_empty()) {
        (Some(up), true) => keep_upload(&st, &ctx, Some(up), &mut errors).await?,
        _ => None,
    };
    let (Some(text), true) = (text, errors.is_empty()) else {
        return reflection_response(&st, &auth, doc, Some(body), errors).await;
    };
    let new = NewReflection {
        body: text.body,
        file: stored,
        on: today(),
    };
    match st.store.submit_reflection(&auth.p, doc, new).await {
        Ok(_) => Ok(Redirect::to("/study?done=reflection").into_response()),
        Err(e) => {
            let errors = store_errors(ctx.lang, e)?;
            reflection_response(&st, &auth, doc, Some(body), errors).await
        }
    }
}

async fn reflection_file(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: ReflectionId = forms::id(&id)?;
    let r = st.store.reflection(&auth.p, id).await?;
    let (key, kind, name) = r.file.ok_or(AppError::NotFound)?;
    files::blob(&st, &key, kind, &name).await
}

/// The participation of children as (name, org id, percent, studied, members), for pages.
pub(crate) fn child_rows(kids: &[UnitParticipation]) -> Vec<(String, OrgId, u32, i64, i64)> {
    kids.iter()
        .map(|k| {
            (
                k.org_name.clone(),
                k.org_id,
                k.participation.percent(),
                k.participation.total().studied,
                k.participation.members_total(),
            )
        })
        .collect()
}
