//! Documents: registering a unit's resolutions, directives and conclusions (number and
//! symbol checked by `domain::document`), their goals and targets, a document's page
//! (text rendered from sanitized Markdown, targets, cascades, the units' programs), and
//! the documents of a unit: those it issued and those from above it must implement.
//!
//! Attachments (the signed scan, annexes) are uploaded from the document's page as a
//! multipart form with the imports' larger limit (`imports::is_upload` covers it), checked
//! from their content and kept in the blob store like task evidence (`files`,
//! `services::blobs`), and attached through the store, which audits it; they are
//! downloaded through the store's check. As everywhere, records are read as the signed-in
//! principal first (404 outside the scope) and the store checks every write again.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{
    DocumentId, DocumentNumber, DocumentType, Invalid, OrgId, Permission, Principal, ProgramState,
    Target, Term, UnitStatus, fieldpath, target::TargetForm, validate,
};
use store::{
    Cascade, CascadeUnit, Document, DocumentAttachment, NewDocument, Org, Page, Program,
    StoreError, TargetRecord,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::files::{self, UploadError};
use crate::forms::{self, Field, FormData, FormErrors, FormPage, store_errors, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/documents", get(my_documents))
        .route("/orgs/{id}/documents", get(org_documents))
        .route("/orgs/{id}/documents/new", get(new_form).post(create))
        .route("/documents/{id}", get(show))
        .route(
            "/documents/{id}/targets",
            get(targets_form).post(targets_save),
        )
        .route(
            "/documents/{id}/attachments",
            post(attach).layer(DefaultBodyLimit::max(crate::imports::BODY_LIMIT)),
        )
        .route("/documents/{id}/attachments/{file}", get(attachment_file))
}

/// The longest document text accepted, in characters.
const MAX_TEXT_CHARS: usize = 200_000;

pub(crate) async fn load(st: &AppState, p: &Principal, raw_id: &str) -> Result<Document, AppError> {
    Ok(st
        .store
        .document(p, forms::id::<DocumentId>(raw_id)?)
        .await?)
}

// ---- What a unit must implement ---------------------------------------------------------

/// A document from above that reached a unit, with the unit's state on it.
#[derive(Clone)]
pub struct Implementing {
    pub doc: Document,
    pub unit: CascadeUnit,
    pub status: UnitStatus,
}

impl Implementing {
    pub fn study_tag(&self) -> (&'static str, &'static str) {
        deadline_tag("study", self.status.study)
    }

    pub fn program_tag(&self) -> (&'static str, &'static str) {
        deadline_tag("program", self.status.program)
    }
}

/// The i18n key suffix and tag colour of a milestone's state (`study` or `program`).
pub fn deadline_tag(what: &str, s: domain::DeadlineStatus) -> (&'static str, &'static str) {
    use domain::DeadlineStatus::*;
    let key = match (what, s) {
        ("study", Pending) => "documents.cascade.study.pending",
        ("study", Done) => "documents.cascade.study.done",
        ("study", DoneLate) => "documents.cascade.study.done_late",
        ("study", Overdue) => "documents.cascade.study.overdue",
        (_, Pending) => "documents.cascade.program.pending",
        (_, Done) => "documents.cascade.program.done",
        (_, DoneLate) => "documents.cascade.program.done_late",
        (_, Overdue) => "documents.cascade.program.overdue",
    };
    let colour = match s {
        Pending => "tag-grey",
        Done => "tag-green",
        DoneLate => "tag-yellow",
        Overdue => "tag-red",
    };
    (key, colour)
}

/// The documents of the unit's ancestors that were cascaded to the unit, newest first,
/// each once (a unit reached through a chain shows the chain's first document it got).
pub async fn implementing(
    st: &AppState,
    p: &Principal,
    org: &Org,
) -> Result<Vec<Implementing>, AppError> {
    let today = today();
    let mut out: Vec<Implementing> = Vec::new();
    for a in st.store.org_ancestors(p, org.id).await?.iter().rev() {
        let docs = match st
            .store
            .documents(
                p,
                a.id,
                Page {
                    offset: 0,
                    limit: 50,
                },
            )
            .await
        {
            Ok(d) => d,
            Err(StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        for doc in docs.into_iter().filter(|d| d.doc_type.is_cascadable()) {
            let Some(unit) = st.store.cascade_unit_of(p, org.id, doc.id).await? else {
                continue;
            };
            if out.iter().any(|i| i.unit.id == unit.id) {
                continue;
            }
            let status = UnitStatus::derive(&unit.deadlines, &unit.facts, today);
            out.push(Implementing { doc, unit, status });
        }
    }
    Ok(out)
}

// ---- Lists ------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "documents/list.html")]
struct ListPage {
    ctx: Ctx,
    title: String,
    org: Org,
    issued: Vec<Document>,
    received: Vec<Implementing>,
    can_register: bool,
}

/// The documents of the user's first unit.
async fn my_documents(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let roots = st.store.org_roots(&auth.p).await?;
    match roots.first() {
        Some(o) => Ok(Redirect::to(&format!("/orgs/{}/documents", o.id)).into_response()),
        None => Err(AppError::NotFound),
    }
}

async fn org_documents(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let org = st.store.org_get(p, forms::id::<OrgId>(&id)?).await?;
    let issued = st
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
    let received = implementing(&st, p, &org).await?;
    Ok(ListPage {
        title: format!("{} – {}", auth.ctx.t("documents.list_title"), org.name),
        can_register: org.is_active() && p.can(Permission::EditOrgs, &org.path),
        ctx: auth.ctx,
        org,
        issued,
        received,
    }
    .into_response())
}

// ---- Register ---------------------------------------------------------------------------

fn type_options(ctx: &Ctx) -> Vec<(String, String)> {
    DocumentType::ALL
        .iter()
        .filter(|t| !matches!(t, DocumentType::Program))
        .map(|t| (t.as_str().to_owned(), ctx.doc_type(t).to_owned()))
        .collect()
}

fn new_page(ctx: &Ctx, org: &Org, f: &FormData, errors: FormErrors) -> Response {
    let fresh = f.0.is_empty();
    let v = |k: &str, default: String| {
        if fresh { default } else { f.get(k).to_owned() }
    };
    let term_default = Term::candidates(today())
        .last()
        .map(|t| t.to_string())
        .unwrap_or_default();
    let mut page = FormPage::new(
        ctx,
        ctx.t("documents.new_title"),
        &format!("/orgs/{}/documents/new", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.intro = ctx.t("documents.new_intro").to_owned();
    page.cancel_href = format!("/orgs/{}/documents", org.id);
    page.submit = ctx.t("documents.register").to_owned();
    page.fields = vec![
        Field::select(
            "doc_type",
            ctx.t("documents.field.doc_type"),
            &v("doc_type", "resolution".into()),
            type_options(ctx),
        ),
        Field::short(
            "number",
            ctx.t("documents.field.number"),
            &v("number", String::new()),
        )
        .hint(ctx.t("documents.field.number_hint")),
        Field::date(
            ctx.lang,
            "issued_on",
            ctx.t("documents.field.issued_on"),
            &v("issued_on", forms::today_text()),
        ),
        Field::short(
            "term",
            ctx.t("documents.field.term"),
            &v("term", term_default),
        )
        .hint(ctx.t("documents.field.term_hint")),
        Field::text(
            "title",
            ctx.t("documents.field.title"),
            &v("title", String::new()),
        ),
        Field::textarea(
            "body",
            ctx.t("documents.field.body"),
            &v("body", String::new()),
        )
        .hint(ctx.t("documents.field.body_hint")),
    ];
    page.respond()
}

async fn load_issuer(st: &AppState, p: &Principal, raw: &str) -> Result<Org, AppError> {
    let org = st.store.org_get(p, forms::id::<OrgId>(raw)?).await?;
    if !p.can(Permission::EditOrgs, &org.path) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

async fn new_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load_issuer(&st, &auth.p, &id).await?;
    Ok(new_page(
        &auth.ctx,
        &org,
        &FormData::default(),
        FormErrors::default(),
    ))
}

/// Parses the registration form into a new document of `org`.
fn parse_new(org: &Org, f: &FormData) -> Result<NewDocument, Invalid> {
    let mut inv = Invalid::default();
    let doc_type = DocumentType::parse(f.get("doc_type"));
    if doc_type.is_none() {
        inv.push("doc_type", "bad_choice");
    }
    let number = match doc_type {
        Some(t) => inv.take(DocumentNumber::parse_for("number", t, f.get("number"))),
        None => inv.take(DocumentNumber::parse("number", f.get("number"))),
    };
    let issued_on = inv.take(validate::date("issued_on", f.get("issued_on")));
    let term = inv.take(Term::parse("term", f.get("term")));
    if let (Some(t), Some(d)) = (term, issued_on) {
        inv.take(t.check_contains("issued_on", d));
    }
    let title = inv.take(validate::name("title", f.get("title"), 1000));
    let body_md = f.get("body").trim_end().to_owned();
    if body_md.chars().count() > MAX_TEXT_CHARS {
        inv.push("body", "too_long");
    }
    match (doc_type, number, issued_on, term, title) {
        (Some(doc_type), Some(number), Some(issued_on), Some(term), Some(title))
            if inv.is_empty() =>
        {
            Ok(NewDocument {
                issuer_org_id: org.id,
                doc_type,
                number,
                term,
                issued_on,
                title,
                body_md,
                parent_document_id: None,
            })
        }
        _ => Err(inv),
    }
}

async fn create(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let lang = auth.ctx.lang;
    let new = match parse_new(&org, &f) {
        Ok(n) => n,
        Err(inv) => {
            return Ok(new_page(
                &auth.ctx,
                &org,
                &f,
                FormErrors::from_invalid(lang, &inv),
            ));
        }
    };
    match st.store.register_document(&auth.p, new).await {
        Ok(d) => Ok(Redirect::to(&format!("/documents/{}", d.id)).into_response()),
        Err(e) => Ok(new_page(&auth.ctx, &org, &f, store_errors(lang, e)?)),
    }
}

// ---- A document's page ------------------------------------------------------------------

/// A unit's program listed on a document's page.
pub struct ProgramLink {
    pub org_name: String,
    pub program_id: i64,
    pub issued_on: Option<time::Date>,
}

/// The signed-in user's own unit reached by the document, with its program versions.
pub struct OwnUnit {
    pub org: Org,
    pub unit: CascadeUnit,
    pub status: UnitStatus,
    pub programs: Vec<Program>,
    pub can_draft: bool,
}

impl OwnUnit {
    pub fn draft(&self) -> Option<&Program> {
        self.programs
            .iter()
            .rev()
            .find(|p| p.state == ProgramState::Draft)
    }

    pub fn current(&self) -> Option<&Program> {
        self.programs
            .iter()
            .rev()
            .find(|p| p.state == ProgramState::Issued)
    }

    pub fn study_tag(&self) -> (&'static str, &'static str) {
        deadline_tag("study", self.status.study)
    }

    pub fn program_tag(&self) -> (&'static str, &'static str) {
        deadline_tag("program", self.status.program)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "documents/show.html")]
struct ShowPage {
    ctx: Ctx,
    title: String,
    doc: Document,
    text_html: String,
    targets: Vec<TargetRecord>,
    cascades: Vec<Cascade>,
    programs: Vec<ProgramLink>,
    own: Vec<OwnUnit>,
    can_edit: bool,
    can_cascade: bool,
    dashboard_org: Option<OrgId>,
    attachments: Vec<DocumentAttachment>,
    /// Problems of an attachment upload.
    errors: FormErrors,
    notice: String,
}

impl ShowPage {
    fn size(&self, a: &DocumentAttachment) -> String {
        crate::progress::size_text(&self.ctx, a.size)
    }

    fn kind_label(&self, a: &DocumentAttachment) -> String {
        a.kind.extension().trim_start_matches('.').to_uppercase()
    }

    fn status_label(&self) -> &'static str {
        self.ctx
            .t(&format!("documents.status.{}", self.doc.status.as_str()))
    }

    fn number(&self, v: &f64) -> String {
        domain::target::format_number(*v, 2)
    }

    fn direction(&self, t: &Target) -> &'static str {
        self.ctx
            .t(&format!("documents.direction.{}", t.direction.as_str()))
    }
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let doc = load(&st, &auth.p, &id).await?;
    let notice = match forms::query_param(&q, "attached").parse::<usize>() {
        Ok(n) => i18n::fill(auth.ctx.t("documents.attached"), &[("count", &n)]),
        Err(_) => String::new(),
    };
    show_page(&st, auth, doc, FormErrors::default(), notice).await
}

/// The document's page, with the problems of an attachment upload when there are some
/// (then 422).
async fn show_page(
    st: &AppState,
    auth: Auth,
    doc: Document,
    errors: FormErrors,
    notice: String,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let attachments = st.store.document_attachments(p, doc.id).await?;
    let targets = st.store.document_targets(p, doc.id).await?;
    let cascades = st.store.document_cascades(p, doc.id).await?;
    let mut programs = Vec::new();
    for c in &cascades {
        let units = st
            .store
            .cascade_units(
                p,
                c.id,
                Page {
                    offset: 0,
                    limit: 500,
                },
            )
            .await?;
        for u in units {
            if let Some(pid) = u.program_id {
                programs.push(ProgramLink {
                    org_name: u.org_name,
                    program_id: pid,
                    issued_on: u.facts.program_issued_on,
                });
            }
        }
    }
    // The user's own units the document reached: where they draft their program.
    let mut own = Vec::new();
    let today = today();
    for org in st.store.org_roots(p).await? {
        if let Some(unit) = st.store.cascade_unit_of(p, org.id, doc.id).await? {
            let versions = st.store.unit_programs(p, org.id, doc.id).await?;
            own.push(OwnUnit {
                status: UnitStatus::derive(&unit.deadlines, &unit.facts, today),
                can_draft: org.is_active() && p.can(Permission::EditOrgs, &org.path),
                org,
                unit,
                programs: versions,
            });
        }
    }
    let can_edit = p.can(Permission::EditOrgs, &doc.issuer_path);
    let dashboard_org = if p.can(Permission::Read, &doc.issuer_path) {
        Some(doc.issuer_org_id)
    } else {
        own.first().map(|o| o.org.id)
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ShowPage {
        title: forms::title(
            auth.ctx.lang,
            &errors,
            &format!("{} {}", doc.symbol, doc.title),
        ),
        text_html: crate::markdown::render(&doc.body_md),
        can_cascade: can_edit && doc.doc_type.is_cascadable(),
        can_edit,
        dashboard_org,
        ctx: auth.ctx,
        doc,
        targets,
        cascades,
        programs,
        own,
        attachments,
        errors,
        notice,
    };
    Ok((status, page).into_response())
}

// ---- Attachments ------------------------------------------------------------------------

/// At most this many files in one upload.
const MAX_FILES_PER_UPLOAD: usize = 10;

/// Attaches the uploaded files to a document (EditOrgs on its issuer): every file is
/// checked from its content first; nothing is attached unless all pass.
async fn attach(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let doc = load(&st, &auth.p, &id).await?;
    // Checked before any file is written (the store checks again).
    if !auth.p.can(Permission::EditOrgs, &doc.issuer_path) {
        return Err(AppError::Forbidden);
    }
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let too_large = |errors: &mut FormErrors| {
        errors.push_text(
            "file",
            &i18n::fill(
                i18n::tr(lang, "documents.attach_too_large"),
                &[("mb", &(crate::imports::FILE_LIMIT / (1024 * 1024)))],
            ),
        );
    };
    let files = match files::read(req, &st).await {
        Ok(up) => up.files,
        Err(UploadError::TooLarge) => {
            too_large(&mut errors);
            return show_page(&st, auth, doc, errors, String::new()).await;
        }
        Err(_) => {
            errors.push_key(lang, "file", "documents.attach_failed");
            return show_page(&st, auth, doc, errors, String::new()).await;
        }
    };
    let attached = st.store.document_attachments(&auth.p, doc.id).await?.len();
    if files.is_empty() {
        errors.push_key(lang, "file", "documents.attach_choose");
    } else if attached + files.len() > store::MAX_DOCUMENT_ATTACHMENTS {
        errors.push(lang, "file", "too_many_files");
    } else if files.len() > MAX_FILES_PER_UPLOAD {
        errors.push_text(
            "file",
            &i18n::fill(
                i18n::tr(lang, "documents.attach_too_many"),
                &[("count", &MAX_FILES_PER_UPLOAD)],
            ),
        );
    }
    let checked = files::check(lang, files, &mut errors);
    if !errors.is_empty() {
        return show_page(&st, auth, doc, errors, String::new()).await;
    }
    let metas = files::keep(&st, checked).await?;
    let n = metas.len();
    for meta in metas {
        if let Err(e) = st.store.attach_document_file(&auth.p, doc.id, meta).await {
            let mut errors = forms::store_errors(lang, e)?;
            for m in &mut errors.0 {
                m.field = "file".into();
            }
            return show_page(&st, auth, doc, errors, String::new()).await;
        }
    }
    Ok(Redirect::to(&format!("/documents/{}?attached={n}#attachments", doc.id)).into_response())
}

/// An attachment, served only when the store lets the user read the document.
async fn attachment_file(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let doc: DocumentId = forms::id(&id)?;
    let file_id: i64 = forms::id(&file)?;
    let list = st.store.document_attachments(&auth.p, doc).await?;
    let a = list
        .iter()
        .find(|a| a.id == file_id)
        .ok_or(AppError::NotFound)?;
    files::blob(&st, &a.key, a.kind, &a.file_name).await
}

// ---- Targets ----------------------------------------------------------------------------

/// One row of the targets form, as typed.
pub struct TargetRow {
    pub n: usize,
    pub form: TargetForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "documents/targets.html")]
struct TargetsPage {
    ctx: Ctx,
    title: String,
    doc: Document,
    rows: Vec<TargetRow>,
    errors: FormErrors,
}

impl TargetsPage {
    fn row_label(&self, n: &usize) -> String {
        i18n::fill(self.ctx.t("documents.row"), &[("n", &(n + 1))])
    }

    fn name(&self, i: &usize, field: &str) -> String {
        format!("targets[{i}].{field}")
    }

    fn err(&self, i: &usize, field: &str) -> Option<&str> {
        self.errors.err(&format!("targets[{i}].{field}"))
    }

    fn direction_options(&self) -> Vec<(&'static str, &'static str)> {
        domain::target::Direction::ALL
            .iter()
            .map(|d| {
                (
                    d.as_str(),
                    self.ctx.t(&format!("documents.direction.{}", d.as_str())),
                )
            })
            .collect()
    }

    fn rule_options(&self) -> Vec<(&'static str, &'static str)> {
        std::iter::once(("", self.ctx.t("targets.rule.default")))
            .chain(domain::RollupRule::ALL.iter().map(|r| {
                (
                    r.as_str(),
                    self.ctx.t(&format!("targets.rule.{}", r.as_str())),
                )
            }))
            .collect()
    }
}

fn target_rows_from_records(records: &[TargetRecord]) -> Vec<TargetRow> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| TargetRow {
            n: i,
            form: TargetForm {
                indicator: r.target.indicator.clone(),
                baseline: r
                    .target
                    .baseline
                    .map(|b| domain::target::format_number(b, 2))
                    .unwrap_or_default(),
                target_value: domain::target::format_number(r.target.target_value, 2),
                unit: r.target.unit.clone(),
                deadline: r
                    .target
                    .deadline
                    .map(validate::format_date)
                    .unwrap_or_default(),
                direction: r.target.direction.as_str().to_owned(),
                rule: r.target.rule.as_str().to_owned(),
            },
        })
        .collect()
}

/// The rows of a posted table of `list[i].field` inputs, in index order.
pub fn posted_rows(f: &FormData, list: &str) -> Vec<usize> {
    let mut rows: Vec<usize> =
        f.0.iter()
            .filter_map(|(k, _)| fieldpath::split(k))
            .filter(|(l, i, _)| *l == list && *i < fieldpath::MAX_INDEX)
            .map(|(_, i, _)| i)
            .collect();
    rows.sort_unstable();
    rows.dedup();
    rows
}

fn posted_targets(f: &FormData) -> Vec<TargetForm> {
    posted_rows(f, "targets")
        .into_iter()
        .map(|i| {
            let g = |k: &str| f.get(&format!("targets[{i}].{k}")).to_owned();
            TargetForm {
                indicator: g("indicator"),
                baseline: g("baseline"),
                target_value: g("target_value"),
                unit: g("unit"),
                deadline: g("deadline"),
                direction: g("direction"),
                rule: g("rule"),
            }
        })
        .filter(|t| {
            !(t.indicator.trim().is_empty()
                && t.baseline.trim().is_empty()
                && t.target_value.trim().is_empty()
                && t.unit.trim().is_empty()
                && t.deadline.trim().is_empty())
        })
        .collect()
}

fn targets_page(
    ctx: &Ctx,
    doc: Document,
    mut rows: Vec<TargetRow>,
    errors: FormErrors,
) -> Response {
    let n = rows.len();
    rows.push(TargetRow {
        n,
        form: TargetForm {
            direction: "increase".into(),
            ..TargetForm::default()
        },
    });
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = TargetsPage {
        title: forms::title(ctx.lang, &errors, ctx.t("documents.targets_edit")),
        ctx: ctx.clone(),
        doc,
        rows,
        errors,
    };
    (status, page).into_response()
}

async fn load_for_edit(st: &AppState, p: &Principal, raw: &str) -> Result<Document, AppError> {
    let doc = load(st, p, raw).await?;
    if !p.can(Permission::EditOrgs, &doc.issuer_path) {
        return Err(AppError::Forbidden);
    }
    Ok(doc)
}

async fn targets_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let doc = load_for_edit(&st, &auth.p, &id).await?;
    let records = st.store.document_targets(&auth.p, doc.id).await?;
    Ok(targets_page(
        &auth.ctx,
        doc,
        target_rows_from_records(&records),
        FormErrors::default(),
    ))
}

async fn targets_save(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let doc = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let forms_in = posted_targets(&f);
    let mut inv = Invalid::default();
    let mut targets = Vec::new();
    for (i, t) in forms_in.iter().enumerate() {
        if let Some(t) = inv.take(Target::parse(t, Some(i), Some(doc.issued_on))) {
            targets.push(t);
        }
    }
    let rows: Vec<TargetRow> = forms_in
        .into_iter()
        .enumerate()
        .map(|(n, form)| TargetRow { n, form })
        .collect();
    if !inv.is_empty() {
        let errors = target_errors(&auth.ctx, FormErrors::from_invalid(lang, &inv));
        return Ok(targets_page(&auth.ctx, doc, rows, errors));
    }
    match st
        .store
        .set_document_targets(&auth.p, doc.id, targets)
        .await
    {
        Ok(_) => {
            let add = f.get("action") == "add_row";
            if add {
                Ok(Redirect::to(&format!("/documents/{}/targets", doc.id)).into_response())
            } else {
                Ok(Redirect::to(&format!("/documents/{}", doc.id)).into_response())
            }
        }
        Err(e) => {
            let errors = target_errors(&auth.ctx, store_errors(lang, e)?);
            Ok(targets_page(&auth.ctx, doc, rows, errors))
        }
    }
}

/// Labels the summary entries of a targets table: "Dòng 2 – Giá trị mục tiêu".
fn target_errors(ctx: &Ctx, mut errors: FormErrors) -> FormErrors {
    for m in &mut errors.0 {
        if let Some((_, i, field)) = fieldpath::split(&m.field) {
            m.label = format!(
                "{} – {}",
                i18n::fill(ctx.t("documents.row"), &[("n", &(i + 1))]),
                ctx.t(&format!("documents.target.{field}"))
            );
        }
    }
    errors
}
