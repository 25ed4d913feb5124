//! Evaluation and rating (issue 17, docs/EVALUATION.md): pages for the periods that cover
//! a unit, a period's ranking (units or members, with peer groups, levels and the honesty
//! signals), one evaluation with its proposed score and the facts behind each point, and
//! the three steps: self-assessment, assessment, decision (with the quota).
//!
//! - `/my/evaluation`: the member's own evaluations;
//! - `/orgs/{id}/evaluation`: the periods covering the unit, the user's own evaluations,
//!   and (for its office) a form to set up a period;
//! - `/evaluation-periods/{id}?org=&subject=`: the ranking under a unit; computing the
//!   proposed scores; the .xlsx and .docx exports;
//! - `/evaluations/{id}`: one evaluation and the step the user may take;
//! - `/orgs/{id}/evaluation/framework`, `/evaluation-frameworks/{id}`: editing a
//!   framework into a new version, one version ([`framework`]);
//! - `/orgs/{id}/discipline`: a unit's disciplinary measures ([`discipline`]).
//!
//! Authorization is the store's (`domain::evaluation::may_read` and the steps' guards).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::evaluation::{FactKind, FactRef, Level, PeriodKind, Signal, Step, SubjectKind};
use domain::validate;
use domain::{Invalid, OrgId};
use store::{EvaluationPeriod, EvaluationRecord, EvaluationRow, NewPeriod, Org, StepInput};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, FormData, FormErrors, query_param};

pub(crate) mod discipline;
pub(crate) mod export;
pub(crate) mod framework;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/my/evaluation", get(my_page))
        .route("/orgs/{id}/evaluation", get(unit_page))
        .route("/orgs/{id}/evaluation/periods", post(period_create))
        .route(
            "/orgs/{id}/evaluation/framework",
            get(framework::edit_page).post(framework::save),
        )
        .route("/evaluation-frameworks/{id}", get(framework::view_page))
        .route(
            "/orgs/{id}/discipline",
            get(discipline::page).post(discipline::record),
        )
        .route("/evaluation-periods/{id}", get(period_page))
        .route("/evaluation-periods/{id}/compute", post(compute))
        .route("/evaluation-periods/{id}/xlsx", get(export::xlsx))
        .route("/evaluation-periods/{id}/docx", get(export::docx))
        .route("/evaluations/{id}", get(evaluation_page))
        .route("/evaluations/{id}/self", post(self_post))
        .route("/evaluations/{id}/assess", post(assess_post))
        .route("/evaluations/{id}/decide", post(decide_post))
}

// ---- Labels ---------------------------------------------------------------------------

/// A value a template passes by value or by reference (askama binds loop and `if let`
/// variables by reference, sometimes twice).
pub(crate) trait Val<T> {
    fn val(&self) -> T;
}

macro_rules! val {
    ($t:ty) => {
        impl Val<$t> for $t {
            fn val(&self) -> $t {
                *self
            }
        }
        impl Val<$t> for &$t {
            fn val(&self) -> $t {
                **self
            }
        }
        impl Val<$t> for &&$t {
            fn val(&self) -> $t {
                ***self
            }
        }
    };
}
val!(Level);
val!(Step);
val!(PeriodKind);
val!(u32);

pub(crate) fn level_label(ctx: &Ctx, l: impl Val<Level>) -> &'static str {
    ctx.t(&format!("evaluation.level.{}", l.val().as_str()))
}

pub(crate) fn level_tag(l: impl Val<Level>) -> &'static str {
    match l.val() {
        Level::Excellent => "tag-green",
        Level::Good => "tag-blue",
        Level::Completed => "tag-yellow",
        Level::NotCompleted => "tag-red",
    }
}

pub(crate) fn step_label(ctx: &Ctx, s: impl Val<Step>) -> &'static str {
    ctx.t(&format!("evaluation.step.{}", s.val().as_str()))
}

pub(crate) fn kind_label(ctx: &Ctx, k: impl Val<PeriodKind>) -> &'static str {
    ctx.t(&format!("evaluation.period_kind.{}", k.val().as_str()))
}

pub(crate) fn score(tenths: impl Val<u32>) -> String {
    domain::evaluation::format_score(tenths.val())
}

/// A signal in words.
pub(crate) fn signal_text(ctx: &Ctx, s: &Signal) -> String {
    match s {
        Signal::SameLevel { level, periods } => i18n::fill(
            ctx.t("evaluation.signal.same_level"),
            &[("level", &level_label(ctx, level)), ("periods", periods)],
        ),
        Signal::AboveRecord { proposed, decided } => i18n::fill(
            ctx.t("evaluation.signal.above_record"),
            &[
                ("proposed", &level_label(ctx, proposed)),
                ("decided", &level_label(ctx, decided)),
            ],
        ),
        Signal::ExcellentWithOverdue { recommendations } => ctx.fill(
            "evaluation.signal.excellent_with_overdue",
            "n",
            recommendations,
        ),
        Signal::SelfEqualsFinal { decided } => {
            ctx.fill("evaluation.signal.self_equals_final", "n", decided)
        }
    }
}

/// Where a fact of the record is shown, if it has a page.
pub(crate) fn fact_href(f: &FactRef) -> Option<String> {
    let base = match f.kind {
        FactKind::Program => "/programs",
        FactKind::Cascade => "/cascades",
        FactKind::Task => "/tasks",
        FactKind::Target => "/targets",
        FactKind::Study => "/documents",
        FactKind::Report => "/reports",
        FactKind::Recommendation => "/recommendations",
        FactKind::Finding | FactKind::Discipline => return None,
    };
    Some(format!("{base}/{}", f.id))
}

fn subject_of(query: &Option<String>) -> SubjectKind {
    SubjectKind::parse(&query_param(query, "subject")).unwrap_or(SubjectKind::Unit)
}

fn level_options(ctx: &Ctx) -> Vec<(String, String)> {
    Level::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), level_label(ctx, l).to_owned()))
        .collect()
}

// ---- The member's own evaluations ------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "evaluation/my.html")]
struct MyPage {
    ctx: Ctx,
    title: String,
    mine: Vec<(EvaluationPeriod, EvaluationRow)>,
}

async fn my_page(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let mine = st.store.my_evaluations(&auth.p).await?;
    let ctx = auth.ctx;
    Ok(MyPage {
        title: ctx.t("evaluation.unit.mine").to_owned(),
        ctx,
        mine,
    }
    .into_response())
}

// ---- A unit's page --------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "evaluation/unit.html")]
struct UnitPage {
    ctx: Ctx,
    title: String,
    org: Org,
    periods: Vec<EvaluationPeriod>,
    mine: Vec<(EvaluationPeriod, EvaluationRow)>,
    can_create: bool,
    /// May record disciplinary measures (`EditPeople`).
    can_discipline: bool,
    kinds: Vec<(String, String)>,
    /// The saved framework versions a period may use, per subject ("" for the defaults).
    unit_frameworks: Vec<(String, String)>,
    member_frameworks: Vec<(String, String)>,
    form: FormData,
    errors: FormErrors,
}

impl UnitPage {
    fn value(&self, name: &str) -> String {
        self.form.get(name).to_owned()
    }

    fn counts(&self, p: &EvaluationPeriod) -> String {
        let c = &p.counts;
        i18n::fill(
            self.ctx.t("evaluation.unit.counts"),
            &[
                ("units", &self.ctx.num(c.units)),
                ("members", &self.ctx.num(c.members)),
                ("self", &self.ctx.num(c.self_assessed)),
                ("assessed", &self.ctx.num(c.assessed)),
                ("decided", &self.ctx.num(c.decided)),
            ],
        )
    }
}

async fn unit_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    unit_response(&auth, &st, &id, FormData::default(), FormErrors::default()).await
}

async fn unit_response(
    auth: &Auth,
    st: &AppState,
    id: &str,
    mut form: FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let org = st.store.org_get(p, forms::id::<OrgId>(id)?).await?;
    let periods = st.store.evaluation_periods(p, org.id).await?;
    let mine = st.store.my_evaluations(p).await?;
    let ctx = auth.ctx.clone();
    let can_create = p.can(domain::Permission::EditOrgs, &org.path);
    let versions = if can_create {
        st.store.evaluation_frameworks(p, org.id).await?
    } else {
        Vec::new()
    };
    let options = |subject: SubjectKind| {
        let mut mine: Vec<&store::FrameworkRecord> = versions
            .iter()
            .filter(|f| f.framework.subject == subject)
            .collect();
        mine.sort_by_key(|f| std::cmp::Reverse((f.created_at, f.id)));
        mine.into_iter()
            .map(|f| (f.id.to_string(), framework::version_label(&ctx, f)))
            .chain(std::iter::once((
                String::new(),
                ctx.t("evaluation.unit.framework_default").to_owned(),
            )))
            .collect::<Vec<_>>()
    };
    let (unit_frameworks, member_frameworks) =
        (options(SubjectKind::Unit), options(SubjectKind::Member));
    if form.0.is_empty() {
        let y = forms::today().year();
        form.0 = vec![
            (
                "name".into(),
                format!("Đánh giá, xếp loại chất lượng năm {y}"),
            ),
            ("kind".into(), "year".into()),
            ("starts_on".into(), format!("01/01/{y}")),
            ("ends_on".into(), format!("31/12/{y}")),
            // The newest saved versions (the first options), else the defaults.
            ("unit_framework".into(), unit_frameworks[0].0.clone()),
            ("member_framework".into(), member_frameworks[0].0.clone()),
        ];
    }
    let status = errors.status();
    let page = UnitPage {
        title: forms::title(
            ctx.lang,
            &errors,
            &format!("{} – {}", ctx.t("evaluation.title"), org.name),
        ),
        can_create,
        can_discipline: p.can(domain::Permission::EditPeople, &org.path),
        unit_frameworks,
        member_frameworks,
        kinds: PeriodKind::ALL
            .iter()
            .map(|k| (k.as_str().to_owned(), kind_label(&ctx, *k).to_owned()))
            .collect(),
        org,
        periods,
        mine,
        form,
        errors,
        ctx,
    };
    Ok((status, page).into_response())
}

async fn period_create(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let mut inv = Invalid::default();
    let kind = PeriodKind::parse(f.get("kind").trim());
    if kind.is_none() {
        inv.push("kind", "required");
    }
    let starts = inv.take(validate::date("starts_on", f.get("starts_on")));
    let ends = inv.take(validate::date("ends_on", f.get("ends_on")));
    if f.get("name").trim().is_empty() {
        inv.push("name", "required");
    }
    // A saved version, or "" for the defaults.
    let mut version = |field: &'static str| match f.get(field).trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => Some(id),
            Err(_) => {
                inv.push(field, "bad_choice");
                None
            }
        },
    };
    let (unit_framework, member_framework) =
        (version("unit_framework"), version("member_framework"));
    let result = match (kind, starts, ends) {
        (Some(kind), Some(starts_on), Some(ends_on)) if inv.is_empty() => {
            st.store
                .create_evaluation_period(
                    &auth.p,
                    NewPeriod {
                        org: org.id,
                        kind,
                        name: f.get("name").to_owned(),
                        starts_on,
                        ends_on,
                        unit_framework,
                        member_framework,
                    },
                )
                .await
        }
        _ => Err(inv.into()),
    };
    match result {
        Ok(per) => Ok(
            Redirect::to(&format!("/evaluation-periods/{}?org={}", per.id, org.id)).into_response(),
        ),
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            unit_response(&auth, &st, &id, f, errors).await
        }
    }
}

// ---- A period's ranking ---------------------------------------------------------------

/// Rows of a ranking on one page.
const RANKING_PER_PAGE: usize = 100;

/// A row of the ranking as shown.
pub(crate) struct RowView {
    pub rank: usize,
    pub id: i64,
    pub name: String,
    pub unit: Option<String>,
    pub score: String,
    pub proposed: Level,
    pub self_level: Option<Level>,
    pub assessed: Option<Level>,
    pub final_level: Option<Level>,
    pub step: Step,
    pub peer: Option<String>,
    pub signals: Vec<String>,
}

/// The ranking's rows with their peer groups (units of the same kind and size band).
pub(crate) fn row_views(ctx: &Ctx, rows: &[EvaluationRow]) -> Vec<RowView> {
    use std::collections::HashMap;
    let key = |r: &EvaluationRow| (r.org_kind, domain::evaluation::size_band(r.size));
    let mut totals: HashMap<_, usize> = HashMap::new();
    for r in rows.iter().filter(|r| r.subject == SubjectKind::Unit) {
        *totals.entry(key(r)).or_default() += 1;
    }
    let mut seen: HashMap<_, usize> = HashMap::new();
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let peer = (r.subject == SubjectKind::Unit).then(|| {
                let k = key(r);
                let n = seen.entry(k).or_default();
                *n += 1;
                i18n::fill(
                    ctx.t("evaluation.period.peer"),
                    &[
                        ("kind", &ctx.kind(&r.org_kind)),
                        ("band", &domain::evaluation::size_band_label(k.1)),
                        ("rank", n),
                        ("total", &totals[&k]),
                    ],
                )
            });
            let (name, unit) = match &r.member_name {
                Some(m) => (m.clone(), Some(r.org_name.clone())),
                None => (r.org_name.clone(), None),
            };
            RowView {
                rank: i + 1,
                id: r.id,
                name,
                unit,
                score: score(r.score),
                proposed: r.proposed_level,
                self_level: r.self_level,
                assessed: r.assessed_level,
                final_level: r.final_level,
                step: r.step,
                peer,
                signals: r.signals.iter().map(|s| signal_text(ctx, s)).collect(),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "evaluation/period.html")]
struct PeriodPage {
    ctx: Ctx,
    title: String,
    period: EvaluationPeriod,
    org_id: OrgId,
    org_name: String,
    subject: &'static str,
    rows: Vec<RowView>,
    /// The ranking is shown [`RANKING_PER_PAGE`] rows at a time (a district ranks
    /// hundreds of units, a commune thousands of members).
    pager: forms::Pager,
    by_level: Vec<(Option<Level>, i64)>,
    body_signals: Vec<String>,
    as_of: String,
    done: Option<String>,
    errors: FormErrors,
}

async fn period_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let done = match query_param(&query, "done").as_str() {
        "computed" => Some(i18n::fill(
            auth.ctx.t("evaluation.period.done"),
            &[
                ("units", &query_param(&query, "units")),
                ("members", &query_param(&query, "members")),
                ("kept", &query_param(&query, "kept")),
            ],
        )),
        _ => None,
    };
    period_response(&auth, &st, &id, &query, FormErrors::default(), done).await
}

async fn period_response(
    auth: &Auth,
    st: &AppState,
    id: &str,
    query: &Option<String>,
    errors: FormErrors,
    done: Option<String>,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let period = st.store.evaluation_period(p, forms::id(id)?).await?;
    let org = match query_param(query, "org").as_str() {
        "" => period.org_id,
        raw => forms::id(raw)?,
    };
    let subject = subject_of(query);
    let ranking = st
        .store
        .evaluation_ranking(p, period.id, org, subject)
        .await?;
    let ctx = auth.ctx.clone();
    // Peer groups and ranks are computed over the whole ranking; one page is rendered.
    let all = row_views(&ctx, &ranking.rows);
    let pager = forms::Pager::new(forms::Pager::page_of(query), all.len(), RANKING_PER_PAGE)
        .keeping("org", org)
        .keeping("subject", subject.as_str());
    let rows: Vec<RowView> = all
        .into_iter()
        .skip(pager.offset())
        .take(RANKING_PER_PAGE)
        .collect();
    let mut by_level: Vec<(Option<Level>, i64)> = Level::ALL
        .iter()
        .zip(ranking.by_level)
        .map(|(l, n)| (Some(*l), n))
        .collect();
    by_level.push((None, ranking.by_level[4]));
    let status = errors.status();
    let page = PeriodPage {
        title: forms::title(
            ctx.lang,
            &errors,
            &format!("{} – {}", ranking.period.name, ranking.org_name),
        ),
        org_id: ranking.org_id,
        org_name: ranking.org_name.clone(),
        subject: subject.as_str(),
        rows,
        pager,
        by_level,
        body_signals: ranking
            .body_signals
            .iter()
            .map(|s| signal_text(&ctx, s))
            .collect(),
        as_of: forms::today_text(),
        period: ranking.period,
        done,
        errors,
        ctx,
    };
    Ok((status, page).into_response())
}

async fn compute(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
    f: FormData,
) -> Result<Response, AppError> {
    let period = st.store.evaluation_period(&auth.p, forms::id(&id)?).await?;
    let as_of = match validate::date("as_of", f.get("as_of")) {
        Ok(d) => d,
        Err(inv) => {
            let errors = FormErrors::from_invalid(auth.ctx.lang, &inv);
            return period_response(&auth, &st, &id, &query, errors, None).await;
        }
    };
    let r = st
        .store
        .compute_evaluations(&auth.p, period.id, as_of, &|_, _| {})
        .await?;
    Ok(Redirect::to(&format!(
        "/evaluation-periods/{}?done=computed&units={}&members={}&kept={}",
        period.id, r.units, r.members, r.kept
    ))
    .into_response())
}

// ---- One evaluation -------------------------------------------------------------------

pub(crate) struct PointView {
    pub title: String,
    pub points: String,
    pub counted: Option<String>,
    pub note: Option<&'static str>,
    pub facts: Vec<(String, Option<String>, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "evaluation/evaluation.html")]
struct EvaluationPage {
    ctx: Ctx,
    title: String,
    e: EvaluationRecord,
    subject_name: String,
    points: Vec<PointView>,
    unmet: Vec<String>,
    quota: Option<String>,
    levels: Vec<(String, String)>,
    form: FormData,
    errors: FormErrors,
    saved: bool,
    /// The step form shown: its path segment, button and text label.
    action: &'static str,
    button: &'static str,
    text_label: &'static str,
}

impl EvaluationPage {
    fn value(&self, name: &str) -> String {
        self.form.get(name).to_owned()
    }

    fn is_level(&self, v: &str) -> bool {
        self.form.get("level") == v
    }

    fn by(&self, s: &store::StepRecord) -> String {
        i18n::fill(
            self.ctx.t("evaluation.detail.by"),
            &[
                ("who", &s.by.clone().unwrap_or_else(|| "—".into())),
                ("date", &self.ctx.day(&s.at)),
            ],
        )
    }
}

fn point_views(ctx: &Ctx, e: &EvaluationRecord) -> Vec<PointView> {
    e.proposal
        .points
        .iter()
        .map(|p| {
            let title = match ctx.lang {
                i18n::Lang::Vi => p.title_vi.clone(),
                i18n::Lang::En => p.title_en.clone(),
            };
            let (counted, note) = match p.rule {
                None => (None, Some(ctx.t("evaluation.detail.no_rule"))),
                Some(_) if p.counted == 0 => (None, Some(ctx.t("evaluation.detail.nothing_due"))),
                Some(_) => (
                    Some(i18n::fill(
                        ctx.t("evaluation.detail.counted"),
                        &[("met", &p.met), ("counted", &p.counted)],
                    )),
                    None,
                ),
            };
            PointView {
                title,
                points: i18n::fill(
                    ctx.t("evaluation.detail.points"),
                    &[("earned", &score(p.earned)), ("max", &score(p.max))],
                ),
                counted,
                note,
                facts: p
                    .facts
                    .iter()
                    .map(|f| (f.label.clone(), fact_href(f), f.met))
                    .collect(),
            }
        })
        .collect()
}

async fn evaluation_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let saved = query_param(&query, "done") == "saved";
    evaluation_response(
        &auth,
        &st,
        &id,
        FormData::default(),
        FormErrors::default(),
        saved,
    )
    .await
}

async fn evaluation_response(
    auth: &Auth,
    st: &AppState,
    id: &str,
    mut form: FormData,
    errors: FormErrors,
    saved: bool,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let e = st.store.evaluation(p, forms::id(id)?).await?;
    let ctx = auth.ctx.clone();
    let quota = if e.can_decide {
        let q = st.store.evaluation_quota(p, e.id).await?;
        let left = match q.if_excellent {
            Ok(after) => after.left(&q.quota) + 1,
            Err(over) => over.left,
        };
        Some(i18n::fill(
            ctx.t("evaluation.detail.quota"),
            &[
                ("body", &e.decider_name),
                ("percent", &q.quota.max_excellent_percent),
                ("left", &left),
            ],
        ))
    } else {
        None
    };
    if form.0.is_empty() {
        // The level the step starts from: the last one taken, else the proposed one.
        let current = e
            .assessment
            .as_ref()
            .or(e.self_assessment.as_ref())
            .map_or(e.proposal.level, |s| s.level);
        form.0 = vec![("level".into(), current.as_str().to_owned())];
    }
    let unmet = e
        .proposal
        .unmet
        .iter()
        .map(|(l, u)| {
            i18n::fill(
                ctx.t("evaluation.detail.unmet"),
                &[
                    ("level", &level_label(&ctx, l)),
                    ("what", &ctx.t(&format!("evaluation.unmet.{}", u.as_str()))),
                ],
            )
        })
        .collect();
    let status = errors.status();
    let subject_name = e.member_name.clone().unwrap_or_else(|| e.org_name.clone());
    let (action, button, text_label) = if e.can_decide {
        (
            "decide",
            "evaluation.detail.submit_decide",
            "evaluation.detail.decision_text",
        )
    } else if e.can_assess {
        (
            "assess",
            "evaluation.detail.submit_assess",
            "evaluation.detail.assess_text",
        )
    } else {
        (
            "self",
            "evaluation.detail.submit_self",
            "evaluation.detail.self_text",
        )
    };
    let page = EvaluationPage {
        title: forms::title(
            ctx.lang,
            &errors,
            &format!("{} – {}", subject_name, e.period_name),
        ),
        subject_name,
        points: point_views(&ctx, &e),
        unmet,
        quota,
        levels: level_options(&ctx),
        form,
        errors,
        saved,
        action,
        button,
        text_label,
        e,
        ctx,
    };
    Ok((status, page).into_response())
}

/// One of the three steps (the pages' and the API's).
#[derive(Clone, Copy)]
pub(crate) enum Taking {
    SelfAssess,
    Assess,
    Decide,
}

/// "87,5" or "87.5" → 875 tenths, within 0..=100.
fn parse_score(raw: &str) -> Result<Option<u32>, Invalid> {
    let t = raw.trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) => score_tenths(v).map(Some),
        _ => Err(Invalid::one("score", "bad_number")),
    }
}

/// A score in points (0..=100) → tenths.
pub(crate) fn score_tenths(v: f64) -> Result<u32, Invalid> {
    if (0.0..=100.0).contains(&v) {
        Ok((v * 10.0).round() as u32)
    } else {
        Err(Invalid::one("score", "bad_number"))
    }
}

/// A step's input as posted, page or API: the level is required; only the
/// self-assessment keeps its own score.
pub(crate) fn step_input(
    taking: Taking,
    level: &str,
    text: String,
    score: Result<Option<u32>, Invalid>,
) -> Result<StepInput, Invalid> {
    let mut inv = Invalid::default();
    let level = Level::parse(level.trim());
    if level.is_none() {
        inv.push("level", "required");
    }
    let score = match taking {
        Taking::SelfAssess => inv.take(score).flatten(),
        _ => None,
    };
    match level {
        Some(level) if inv.is_empty() => Ok(StepInput { level, text, score }),
        _ => Err(inv),
    }
}

/// Takes a step on an evaluation the principal reads.
pub(crate) async fn take(
    st: &AppState,
    p: &domain::Principal,
    id: i64,
    input: StepInput,
    taking: Taking,
) -> Result<EvaluationRecord, store::StoreError> {
    match taking {
        Taking::SelfAssess => st.store.self_assess(p, id, input).await,
        Taking::Assess => st.store.assess_evaluation(p, id, input).await,
        Taking::Decide => st.store.decide_evaluation(p, id, input).await,
    }
}

/// What the refusal of an "excellent" over the quota says (`evaluation.detail.quota_full`):
/// the body, the places left, the places and those rated good or better.
pub(crate) async fn quota_full_args(
    st: &AppState,
    p: &domain::Principal,
    e: &EvaluationRecord,
) -> Result<Vec<(&'static str, String)>, store::StoreError> {
    let q = st.store.evaluation_quota(p, e.id).await?;
    let (left, places, total) = match q.if_excellent {
        Ok(after) => (after.left(&q.quota), 0, after.good_or_better),
        Err(o) => (o.left, o.places, o.good_or_better),
    };
    Ok(vec![
        ("body", e.decider_name.clone()),
        ("left", left.to_string()),
        ("places", places.to_string()),
        ("total", total.to_string()),
    ])
}

pub(crate) const QUOTA_FULL: &str = "evaluation.detail.quota_full";

async fn take_step(
    auth: Auth,
    st: AppState,
    id: String,
    f: FormData,
    taking: Taking,
) -> Result<Response, AppError> {
    // Read first: outside the reader's reach this is a 404 whatever the body.
    let e = st.store.evaluation(&auth.p, forms::id(&id)?).await?;
    let result = match step_input(
        taking,
        f.get("level"),
        f.get("text").to_owned(),
        parse_score(f.get("score")),
    ) {
        Ok(input) => take(&st, &auth.p, e.id, input, taking).await,
        Err(inv) => Err(inv.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/evaluations/{}?done=saved", e.id)).into_response()),
        Err(store::StoreError::Conflict("evaluation_quota")) => {
            let args = quota_full_args(&st, &auth.p, &e).await?;
            let mut errors = FormErrors::default();
            errors.push_text("level", &i18n::fill_owned(auth.ctx.t(QUOTA_FULL), &args));
            evaluation_response(&auth, &st, &id, f, errors, false).await
        }
        Err(err) => {
            let mut errors = forms::store_errors(auth.ctx.lang, err)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "level".into();
                }
            }
            evaluation_response(&auth, &st, &id, f, errors, false).await
        }
    }
}

async fn self_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    take_step(auth, st, id, f, Taking::SelfAssess).await
}

async fn assess_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    take_step(auth, st, id, f, Taking::Assess).await
}

async fn decide_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    take_step(auth, st, id, f, Taking::Decide).await
}
