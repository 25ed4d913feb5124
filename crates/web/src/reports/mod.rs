//! Reports and reviews (issue 13): a unit's reporting schedule on a resolution's chain with
//! the state of each period, a report's page (the factual part generated from the record,
//! the four written sections, for reviews the conference, the decisions and the signed
//! document; save, submit, correct), the formalism signals with their evidence, the upper
//! level's gathered draft of its lower units' reports, and the downloads (.xlsx; .docx in
//! the party layout).
//!
//! Authorization is the store's: a unit writes its own reports; the levels above read
//! them; anything else is a 404. The forms are shown only when the store says the user may
//! write (`UnitReports::can_write`), as a convenience.

pub(crate) mod export;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::report::{
    self, Conference, ConferenceForm, Decision, DecisionForm, DecisionKind, DueState, ReportKind,
    ReportSections, ReportState,
};
use domain::{DocumentId, OrgId, Principal};
use services::reports::Signals;
use store::{
    Gathered, NewReport, ReportFacts, ReportId, ReportInput, ReportPeers, ReportRecord,
    ReportSummary, UnitReports,
};
use time::{Date, Duration};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::files::{self, UploadError};
use crate::forms::{self, FormData, FormErrors, store_errors, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/reports/{doc}", get(unit_page).post(start))
        .route("/orgs/{id}/reports/{doc}/gathered", get(gathered_page))
        .route("/reports/{id}", get(show).post(save))
        .route("/reports/{id}/correct", post(correct))
        .route(
            "/reports/{id}/file",
            get(file)
                .post(upload)
                .layer(axum::extract::DefaultBodyLimit::max(
                    crate::imports::BODY_LIMIT,
                )),
        )
        .route("/reports/{id}/apply", post(apply))
        .route("/reports/{id}/xlsx", get(export::xlsx))
        .route("/reports/{id}/docx", get(export::docx))
}

/// Whether a path is the review document's upload (read with the upload limit).
pub(crate) fn is_upload(path: &str) -> bool {
    path.strip_prefix("/reports/")
        .and_then(|rest| rest.strip_suffix("/file"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Decision rows offered on a review's form beyond those saved.
const BLANK_DECISIONS: usize = 3;

pub(crate) fn kind_label(ctx: &Ctx, k: ReportKind) -> &'static str {
    ctx.t(&format!("reports.kind.{}", k.as_str()))
}

fn state_tag(ctx: &Ctx, s: ReportState) -> (&'static str, &'static str) {
    match s {
        ReportState::Draft => (ctx.t("reports.state.draft"), "tag-grey"),
        ReportState::Submitted => (ctx.t("reports.state.submitted"), "tag-green"),
        ReportState::Superseded => (ctx.t("reports.state.superseded"), "tag-yellow"),
    }
}

pub(crate) fn period_text(ctx: &Ctx, start: Date, end: Date) -> String {
    format!("{} – {}", ctx.date(&start), ctx.date(&end))
}

// ---- A unit's reports -----------------------------------------------------------------

/// One period of the schedule as the unit's page shows it.
pub struct DueRow {
    pub start_iso: String,
    pub period: String,
    pub due: String,
    pub tag: (&'static str, &'static str),
    /// The current report of the period, if any.
    pub report: Option<ReportSummary>,
    /// A report can be started (the period has ended, none submitted).
    pub can_start: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/unit.html")]
struct UnitPage {
    ctx: Ctx,
    title: String,
    u: UnitReports,
    rows: Vec<DueRow>,
    reviews: Vec<ReportSummary>,
    all: Vec<(
        ReportSummary,
        &'static str,
        &'static str,
        String,
        &'static str,
    )>,
    errors: FormErrors,
    review_end: String,
    has_children: bool,
    notice: String,
}

fn due_rows(ctx: &Ctx, u: &UnitReports) -> Vec<DueRow> {
    u.due
        .iter()
        .map(|d| {
            let report = u
                .reports
                .iter()
                .filter(|r| r.kind == ReportKind::Periodic && r.period.start == d.period.start)
                .find(|r| r.state != ReportState::Superseded)
                .cloned();
            let tag = match d.state {
                DueState::Running => (ctx.t("reports.due.running"), "tag-grey"),
                DueState::Open => (ctx.t("reports.due.open"), "tag-blue"),
                DueState::Overdue => (ctx.t("reports.due.overdue"), "tag-red"),
                DueState::Submitted { late: false, .. } => {
                    (ctx.t("reports.due.on_time"), "tag-green")
                }
                DueState::Submitted { late: true, .. } => (ctx.t("reports.due.late"), "tag-yellow"),
            };
            DueRow {
                start_iso: iso(&d.period.start),
                period: period_text(ctx, d.period.start, d.period.end),
                due: ctx.date(&d.period.due),
                tag,
                can_start: u.can_write
                    && matches!(d.state, DueState::Open | DueState::Overdue)
                    && report
                        .as_ref()
                        .is_none_or(|r| r.state == ReportState::Draft),
                report,
            }
        })
        .collect()
}

async fn unit_response(
    st: &AppState,
    auth: &Auth,
    org: OrgId,
    doc: DocumentId,
    errors: FormErrors,
    notice: String,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let u = st.store.unit_reports(&auth.p, org, doc, today()).await?;
    let o = st.store.org_get(&auth.p, org).await?;
    let rows = due_rows(ctx, &u);
    let reviews = u
        .reports
        .iter()
        .filter(|r| r.kind.is_review())
        .cloned()
        .collect();
    let all = u
        .reports
        .iter()
        .map(|r| {
            let (l, c) = state_tag(ctx, r.state);
            (
                r.clone(),
                l,
                c,
                period_text(ctx, r.period.start, r.period.end),
                kind_label(ctx, r.kind),
            )
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = forms::title(
        ctx.lang,
        &errors,
        &i18n::fill(
            ctx.t("reports.unit.title"),
            &[("symbol", &u.document_symbol)],
        ),
    );
    Ok((
        status,
        UnitPage {
            title,
            rows,
            reviews,
            all,
            errors,
            review_end: ctx.date(&(today() - Duration::days(1))),
            has_children: o.child_count > 0,
            notice,
            u,
            ctx: ctx.clone(),
        },
    )
        .into_response())
}

fn ids(org: &str, doc: &str) -> Result<(OrgId, DocumentId), AppError> {
    Ok((forms::id(org)?, forms::id(doc)?))
}

async fn unit_page(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    unit_response(&st, &auth, org, doc, FormErrors::default(), String::new()).await
}

async fn start(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let lang = auth.ctx.lang;
    // The unit first: outside the scope it is a 404 whatever the form says.
    st.store.org_get(&auth.p, org).await?;
    let kind = ReportKind::parse(f.get("kind")).ok_or(AppError::BadRequest)?;
    let today = today();
    let (period_start, period_end) = match kind {
        ReportKind::Periodic => {
            let s = domain::validate::date("period", f.get("period"))
                .map_err(|_| AppError::BadRequest)?;
            (s, s)
        }
        _ => match domain::validate::date("period_end", f.get("period_end")) {
            Ok(e) => (e, e),
            Err(inv) => {
                let errors = FormErrors::from_invalid(lang, &inv);
                return unit_response(&st, &auth, org, doc, errors, String::new()).await;
            }
        },
    };
    let new = NewReport {
        org,
        document: doc,
        kind,
        period_start,
        period_end,
        today,
    };
    match st.store.start_report(&auth.p, new).await {
        Ok(r) => Ok(Redirect::to(&format!("/reports/{}", r.id)).into_response()),
        Err(e) => {
            let mut errors = store_errors(lang, e)?;
            for m in &mut errors.0 {
                if m.field == "period" && kind.is_review() {
                    m.field = "period_end".into();
                }
            }
            unit_response(&st, &auth, org, doc, errors, String::new()).await
        }
    }
}

// ---- A report -------------------------------------------------------------------------

/// The factual part as the page shows it.
pub struct FactsView {
    pub f: ReportFacts,
    pub tasks_open: i64,
}

impl FactsView {
    pub fn new(f: ReportFacts) -> FactsView {
        FactsView {
            tasks_open: f.dashboard.tasks_not_started
                + f.dashboard.tasks_on_track
                + f.dashboard.tasks_at_risk
                + f.dashboard.tasks_overdue,
            f,
        }
    }

    pub fn fmt(&self, v: &Option<f64>) -> String {
        v.map(fmt_num).unwrap_or_else(|| "–".into())
    }

    pub fn goal(&self, v: &f64) -> String {
        fmt_num(*v)
    }

    /// The line that sums up the inspection facts.
    pub fn inspection_summary(&self, ctx: &Ctx, i: &store::InspectionFacts) -> String {
        i18n::fill(
            ctx.t("reports.facts.inspection_summary"),
            &[
                ("items", &ctx.num(i.items_concluded)),
                ("findings", &ctx.num(i.findings_total)),
                ("open", &ctx.num(i.open_total)),
                ("overdue", &ctx.num(i.open_overdue)),
            ],
        )
    }

    pub fn finding_kind(&self, ctx: &Ctx, k: &domain::inspection::FindingKind) -> &'static str {
        ctx.t(&format!("inspection.finding.{}", k.as_str()))
    }

    pub fn rec_state(&self, ctx: &Ctx, k: &domain::inspection::RecState) -> &'static str {
        ctx.t(&format!("inspection.rec.{}", k.as_str()))
    }
}

pub(crate) fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:.2}").replace('.', ",")
    }
}

/// A decision row of the form.
pub struct DecisionRow {
    pub kind: String,
    pub subject: String,
    pub reason: String,
    pub deadline: String,
    pub applied: bool,
    /// The program draft a task decision went to.
    pub program: Option<domain::ProgramId>,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/show.html")]
struct ShowPage {
    ctx: Ctx,
    title: String,
    r: ReportRecord,
    state: (&'static str, &'static str),
    kind: &'static str,
    period: String,
    facts: FactsView,
    signals: Signals,
    versions: Vec<(ReportSummary, &'static str, &'static str)>,
    can_write: bool,
    editing: bool,
    errors: FormErrors,
    notice: String,
    /// The form's values (posted ones after an error).
    sections: ReportSections,
    sections_html: Vec<(&'static str, String)>,
    conf: ConferenceForm,
    decisions: Vec<DecisionRow>,
    decision_kinds: Vec<(&'static str, &'static str)>,
    pending_tasks: usize,
}

fn conference_form(ctx: &Ctx, c: &Option<Conference>) -> ConferenceForm {
    match c {
        Some(c) => ConferenceForm {
            held_on: ctx.date(&c.held_on),
            chair: c.chair.clone(),
            invited: c.invited.to_string(),
            present: c.present.to_string(),
        },
        None => ConferenceForm::default(),
    }
}

fn decision_rows(ctx: &Ctx, r: &ReportRecord, blanks: usize) -> Vec<DecisionRow> {
    let mut rows: Vec<DecisionRow> = r
        .decisions
        .iter()
        .map(|d| DecisionRow {
            kind: d.decision.kind.as_str().to_owned(),
            subject: d.decision.subject.clone(),
            reason: d.decision.reason.clone().unwrap_or_default(),
            deadline: d
                .decision
                .deadline
                .map(|x| ctx.date(&x))
                .unwrap_or_default(),
            applied: d.program_id.is_some(),
            program: d.program_id,
        })
        .collect();
    for _ in 0..blanks {
        rows.push(DecisionRow {
            kind: "task".into(),
            subject: String::new(),
            reason: String::new(),
            deadline: String::new(),
            applied: false,
            program: None,
        });
    }
    rows
}

fn posted_decisions(f: &FormData) -> Vec<DecisionForm> {
    (0..domain::report::MAX_DECISIONS + BLANK_DECISIONS)
        .map_while(|i| {
            let key = |n: &str| format!("decisions[{i}].{n}");
            let kind = f.get(&key("kind"));
            if kind.is_empty() && f.get(&key("subject")).is_empty() && i > 0 {
                // Rows are sent in order; the first row without a kind ends them.
                return None;
            }
            Some(DecisionForm {
                kind: kind.to_owned(),
                subject: f.get(&key("subject")).to_owned(),
                reason: f.get(&key("reason")).to_owned(),
                deadline: f.get(&key("deadline")).to_owned(),
            })
        })
        .collect()
}

fn posted_sections(f: &FormData) -> ReportSections {
    ReportSections {
        assessment: f.get("assessment").to_owned(),
        causes: f.get("causes").to_owned(),
        lessons: f.get("lessons").to_owned(),
        proposals: f.get("proposals").to_owned(),
    }
}

fn posted_conference(f: &FormData) -> ConferenceForm {
    ConferenceForm {
        held_on: f.get("held_on").to_owned(),
        chair: f.get("chair").to_owned(),
        invited: f.get("invited").to_owned(),
        present: f.get("present").to_owned(),
    }
}

/// The report's factual part: frozen when submitted, else generated now.
pub(crate) async fn facts_of(
    st: &AppState,
    p: &Principal,
    r: &ReportRecord,
) -> Result<ReportFacts, AppError> {
    match &r.facts {
        Some(f) => Ok(f.clone()),
        None => Ok(st
            .store
            .report_facts(p, r.org_id, r.root_document_id, r.period, today())
            .await?),
    }
}

pub(crate) async fn signals_of(
    st: &AppState,
    p: &Principal,
    r: &ReportRecord,
    facts: &ReportFacts,
) -> Result<Signals, AppError> {
    let peers: ReportPeers = st.store.report_peers(p, r.id).await?;
    Ok(services::reports::signals(r, facts, &peers))
}

async fn show_response(
    st: &AppState,
    auth: &Auth,
    id: ReportId,
    posted: Option<&FormData>,
    errors: FormErrors,
    notice: String,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let p = &auth.p;
    let r = st.store.report(p, id).await?;
    let can_write = report::may_write(p, &r.org_path).is_ok();
    let facts = facts_of(st, p, &r).await?;
    let signals = signals_of(st, p, &r, &facts).await?;
    let versions = st
        .store
        .report_versions(p, id)
        .await?
        .into_iter()
        .map(|v| {
            let (l, c) = state_tag(ctx, v.state);
            (v, l, c)
        })
        .collect();
    let editing = can_write && r.state == ReportState::Draft;
    let (sections, conf, decisions) = match posted {
        Some(f) => (
            posted_sections(f),
            posted_conference(f),
            posted_decisions(f)
                .into_iter()
                .map(|d| DecisionRow {
                    kind: d.kind,
                    subject: d.subject,
                    reason: d.reason,
                    deadline: d.deadline,
                    applied: false,
                    program: None,
                })
                .collect(),
        ),
        None => (
            r.sections.clone(),
            conference_form(ctx, &r.conference),
            decision_rows(ctx, &r, if editing { BLANK_DECISIONS } else { 0 }),
        ),
    };
    let sections_html = ReportSections::FIELDS
        .iter()
        .map(|f| (*f, crate::markdown::render(r.sections.get(f))))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let kind = kind_label(ctx, r.kind);
    let title = forms::title(ctx.lang, &errors, &format!("{kind} {}", r.document_symbol));
    let page = ShowPage {
        title,
        state: state_tag(ctx, r.state),
        kind,
        period: period_text(ctx, r.period.start, r.period.end),
        facts: FactsView::new(facts),
        signals,
        versions,
        can_write,
        editing,
        errors,
        notice,
        sections,
        sections_html,
        conf,
        decisions,
        decision_kinds: DecisionKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str(),
                    ctx.t(&format!("reports.decision.{}", k.as_str())),
                )
            })
            .collect(),
        pending_tasks: r
            .decisions
            .iter()
            .filter(|d| d.decision.kind == DecisionKind::Task && d.program_id.is_none())
            .count(),
        r,
        ctx: ctx.clone(),
    };
    Ok((status, page).into_response())
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let id = ReportId(forms::id(&id)?);
    let notice = match forms::query_param(&q, "done").as_str() {
        "saved" => auth.ctx.t("reports.saved"),
        "submitted" => auth.ctx.t("reports.submitted"),
        "attached" => auth.ctx.t("reports.attached"),
        "applied" => auth.ctx.t("reports.applied"),
        _ => "",
    }
    .to_owned();
    show_response(&st, &auth, id, None, FormErrors::default(), notice).await
}

/// Parses the whole form (every problem reported) into what the store saves.
fn parse_input(kind: ReportKind, f: &FormData) -> Result<ReportInput, domain::Invalid> {
    let mut inv = domain::Invalid::default();
    let sections = inv.take(ReportSections::parse(&posted_sections(f)));
    let mut conference = None;
    let mut decisions = Vec::new();
    if kind.is_review() {
        let c = posted_conference(f);
        let blank = c.held_on.trim().is_empty()
            && c.chair.trim().is_empty()
            && c.invited.trim().is_empty()
            && c.present.trim().is_empty();
        if !blank {
            conference = inv.take(Conference::parse(&c, today()));
        }
        decisions = inv
            .take(Decision::parse_all(&posted_decisions(f), today()))
            .unwrap_or_default();
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

async fn save(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = ReportId(forms::id(&id)?);
    let lang = auth.ctx.lang;
    // The report first: outside the scope it is a 404 whatever the form says.
    let r = st.store.report(&auth.p, id).await?;
    let input = match parse_input(r.kind, &f) {
        Ok(i) => i,
        Err(inv) => {
            let errors = FormErrors::from_invalid(lang, &inv);
            return show_response(&st, &auth, id, Some(&f), errors, String::new()).await;
        }
    };
    if let Err(e) = st.store.save_report(&auth.p, id, input).await {
        let errors = store_errors(lang, e)?;
        return show_response(&st, &auth, id, Some(&f), errors, String::new()).await;
    }
    if f.get("action") == "submit" {
        if let Err(e) = services::reports::submit(st.store.as_ref(), &auth.p, id, today()).await {
            let errors = store_errors(lang, e)?;
            return show_response(&st, &auth, id, Some(&f), errors, String::new()).await;
        }
        return Ok(Redirect::to(&format!("/reports/{id}?done=submitted")).into_response());
    }
    Ok(Redirect::to(&format!("/reports/{id}?done=saved")).into_response())
}

async fn correct(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = ReportId(forms::id(&id)?);
    match st.store.correct_report(&auth.p, id).await {
        Ok(r) => Ok(Redirect::to(&format!("/reports/{}", r.id)).into_response()),
        Err(store::StoreError::Conflict(code)) => {
            let mut errors = FormErrors::default();
            errors.push(auth.ctx.lang, "apply", code);
            show_response(&st, &auth, id, None, errors, String::new()).await
        }
        Err(e) => {
            let errors = store_errors(auth.ctx.lang, e)?;
            show_response(&st, &auth, id, None, errors, String::new()).await
        }
    }
}

async fn upload(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let id = ReportId(forms::id(&id)?);
    let r = st.store.report(&auth.p, id).await?;
    report::may_write(&auth.p, &r.org_path).map_err(|_| AppError::Forbidden)?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let files = match files::read(req, &st).await {
        Ok(up) => up.files,
        Err(UploadError::TooLarge) => {
            errors.push_text(
                "file",
                &i18n::fill(
                    i18n::tr(lang, "reports.file_too_large"),
                    &[("mb", &(crate::imports::FILE_LIMIT / (1024 * 1024)))],
                ),
            );
            return show_response(&st, &auth, id, None, errors, String::new()).await;
        }
        Err(_) => {
            errors.push_key(lang, "file", "reports.file_failed");
            return show_response(&st, &auth, id, None, errors, String::new()).await;
        }
    };
    if files.len() != 1 {
        errors.push_key(lang, "file", "reports.file_choose");
        return show_response(&st, &auth, id, None, errors, String::new()).await;
    }
    let checked = files::check(lang, files, &mut errors);
    if !errors.is_empty() {
        return show_response(&st, &auth, id, None, errors, String::new()).await;
    }
    let meta = files::keep(&st, checked).await?;
    for m in meta {
        if let Err(e) = st.store.attach_report_file(&auth.p, id, m).await {
            let errors = store_errors(lang, e)?;
            return show_response(&st, &auth, id, None, errors, String::new()).await;
        }
    }
    Ok(Redirect::to(&format!("/reports/{id}?done=attached")).into_response())
}

async fn file(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = ReportId(forms::id(&id)?);
    let r = st.store.report(&auth.p, id).await?;
    let (key, kind, name) = r.file.ok_or(AppError::NotFound)?;
    files::blob(&st, &key, kind, &name).await
}

/// Adds a submitted review's task decisions to the unit's program as a revision draft (the
/// office then issues it from the program's pages).
async fn apply(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = ReportId(forms::id(&id)?);
    let p = &auth.p;
    match st.store.apply_review_decisions(p, id).await {
        Ok((_, program)) => Ok(Redirect::to(&format!("/programs/{program}/draft")).into_response()),
        Err(store::StoreError::Conflict(code)) => {
            let mut errors = FormErrors::default();
            errors.push(auth.ctx.lang, "apply", code);
            show_response(&st, &auth, id, None, errors, String::new()).await
        }
        Err(e) => {
            let errors = store_errors(auth.ctx.lang, e)?;
            show_response(&st, &auth, id, None, errors, String::new()).await
        }
    }
}

// ---- The upper level's gathered draft ------------------------------------------------

/// One lower unit's line of the figures side by side.
pub struct GatheredRow {
    pub r: ReportRecord,
    pub study: String,
    pub tasks: String,
    pub overdue: i64,
    pub signals: Signals,
}

#[derive(Template, WebTemplate)]
#[template(path = "reports/gathered.html")]
struct GatheredPage {
    ctx: Ctx,
    title: String,
    g: Gathered,
    period: String,
    rows: Vec<GatheredRow>,
    sections: Vec<(&'static str, Vec<(String, String)>)>,
}

/// The signals of each gathered report against the others (its siblings) and its own
/// previous report.
pub(crate) fn gathered_rows(g: &Gathered, previous: &[Option<ReportRecord>]) -> Vec<GatheredRow> {
    g.reports
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let f = r.facts.clone().expect("submitted reports have facts");
            let peers = ReportPeers {
                previous: previous.get(i).cloned().flatten(),
                siblings: g.reports.iter().filter(|o| o.id != r.id).cloned().collect(),
                upper: None,
                own_last_minute: Vec::new(),
            };
            GatheredRow {
                study: format!(
                    "{}/{} ({}%)",
                    f.study.studied,
                    f.study.members,
                    f.study.percent()
                ),
                tasks: format!("{}/{}", f.dashboard.tasks_done, f.dashboard.tasks_total),
                overdue: f.dashboard.tasks_overdue,
                signals: services::reports::signals(r, &f, &peers),
                r: r.clone(),
            }
        })
        .collect()
}

async fn gathered_page(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let ctx = &auth.ctx;
    let kind = ReportKind::parse(&forms::query_param(&q, "kind")).unwrap_or(ReportKind::Periodic);
    let period = domain::validate::date("period", &forms::query_param(&q, "period"))
        .unwrap_or_else(|_| today());
    let g = st
        .store
        .gathered_reports(&auth.p, org, doc, kind, period)
        .await?;
    let mut previous = Vec::with_capacity(g.reports.len());
    for r in &g.reports {
        previous.push(st.store.report_peers(&auth.p, r.id).await?.previous);
    }
    let rows = gathered_rows(&g, &previous);
    let sections = ReportSections::FIELDS
        .iter()
        .map(|f| {
            (
                ctx.t(&format!("reports.section.{f}")),
                g.reports
                    .iter()
                    .filter(|r| !r.sections.get(f).is_empty())
                    .map(|r| {
                        (
                            r.org_name.clone(),
                            crate::markdown::render(r.sections.get(f)),
                        )
                    })
                    .collect(),
            )
        })
        .collect();
    let period_label = match (kind, g.reports.first()) {
        (ReportKind::Periodic, Some(r)) => period_text(ctx, r.period.start, r.period.end),
        (ReportKind::Periodic, None) => ctx.date(&period),
        _ => kind_label(ctx, kind).to_owned(),
    };
    Ok(GatheredPage {
        title: i18n::fill(
            ctx.t("reports.gathered.title"),
            &[("symbol", &g.document_symbol)],
        ),
        period: period_label,
        rows,
        sections,
        g,
        ctx: ctx.clone(),
    }
    .into_response())
}

/// A period's first day from a query (`yyyy-mm-dd`), for links.
pub fn iso(d: &Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_paths() {
        assert!(is_upload("/reports/12/file"));
        assert!(!is_upload("/reports//file"));
        assert!(!is_upload("/reports/12/x/file"));
    }

    #[test]
    fn numbers_read_the_vietnamese_way() {
        assert_eq!(fmt_num(15.0), "15");
        assert_eq!(fmt_num(97.5), "97,50");
    }

    #[test]
    fn decision_rows_end_at_the_first_blank_row() {
        let f = FormData(vec![
            ("decisions[0].kind".into(), "task".into()),
            ("decisions[0].subject".into(), "A".into()),
            ("decisions[1].kind".into(), "commend".into()),
            ("decisions[1].subject".into(), "B".into()),
        ]);
        assert_eq!(posted_decisions(&f).len(), 2);
        assert_eq!(iso(&time::macros::date!(2025 - 07 - 01)), "2025-07-01");
    }
}
