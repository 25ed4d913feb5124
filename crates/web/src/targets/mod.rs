//! Targets that add up (issue 13 item 4): the targets section of a program's page, the
//! editor of a draft's own targets (each linked to the upper target it serves, picked from
//! those the unit may serve), and a target's page with its roll-up by sub-unit: who brings
//! what, who has not reported, a bar per unit.
//!
//! Authorization is the store's: the editor needs EditOrgs on the program's unit (and a
//! draft: an issued program is revised first), a target's page is read by whoever may
//! read its unit or a unit below it; units outside the reader's scope are counted, not
//! named.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::target::{Direction, TargetForm, format_number};
use domain::{
    Invalid, Permission, Principal, ProgramId, ProgramState, RollupRule, Target, TargetId,
    fieldpath, validate,
};
use store::{
    ContributionSource, Program, ProgramTargetInput, TargetBreakdown, TargetOwner, TargetRecord,
    UpperTargetChoice,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::documents::posted_rows;
use crate::error::AppError;
use crate::forms::{self, FormData, FormErrors, store_errors};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/programs/{id}/targets", get(edit_form).post(edit_save))
        .route("/targets/{id}", get(show))
}

/// A number the page's way: 12,5 in Vietnamese, 12.5 in English.
pub(crate) fn number(ctx: &Ctx, v: f64) -> String {
    match ctx.lang {
        i18n::Lang::Vi => format_number(v, 2),
        i18n::Lang::En => {
            let t = format!("{v:.2}");
            t.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
    }
}

/// Where an upper target comes from, for the picker and the pages: "05-NQ/TU – Tỉnh ủy
/// Bắc Giang".
pub(crate) fn owner_label(owner: &TargetOwner, org_name: &str) -> String {
    let doc = match owner {
        TargetOwner::Document { symbol, .. } => symbol.clone(),
        TargetOwner::Program { symbol, title, .. } => {
            symbol.clone().unwrap_or_else(|| title.clone())
        }
    };
    format!("{doc} – {org_name}")
}

/// A target as shown in lists: goal, baseline, current roll-up and how far along.
pub struct TargetView {
    pub id: TargetId,
    pub indicator: String,
    pub baseline_text: String,
    pub goal_text: String,
    pub current_text: String,
    pub deadline: Option<time::Date>,
    /// 0..=100, for the bar.
    pub percent: f64,
    pub has_value: bool,
    pub met: bool,
    pub contributors: u32,
    pub rule: &'static str,
    /// The upper target it serves, worded ("Tỷ lệ … (05-NQ/TU – Tỉnh ủy Bắc Giang)").
    pub upper: Option<(TargetId, String)>,
}

pub(crate) fn view(ctx: &Ctx, r: &TargetRecord, uppers: &[UpperTargetChoice]) -> TargetView {
    let t = &r.target;
    let with_unit = |v: f64| format!("{} {}", number(ctx, v), t.unit);
    let upper = r.upper_target_id.map(|u| {
        let label = uppers
            .iter()
            .find(|c| c.record.id == u)
            .map(|c| {
                format!(
                    "{} ({})",
                    c.record.target.indicator,
                    owner_label(&c.owner, &c.org_name)
                )
            })
            .unwrap_or_else(|| format!("#{u}"));
        (u, label)
    });
    TargetView {
        id: r.id,
        indicator: t.indicator.clone(),
        baseline_text: t.baseline.map(with_unit).unwrap_or_default(),
        goal_text: with_unit(t.target_value),
        current_text: match r.current_value {
            Some(v) => with_unit(v),
            None => ctx.t("targets.page.no_value").to_owned(),
        },
        deadline: t.deadline,
        percent: r.current_value.map_or(0.0, |v| 100.0 * t.progress(v)),
        has_value: r.current_value.is_some(),
        met: r.current_value.is_some_and(|v| t.is_met(v)),
        contributors: r.contributors,
        rule: ctx.t(&format!("targets.rule.{}", t.rule.as_str())),
        upper,
    }
}

/// The targets section of a program's page: its own targets with their roll-ups.
pub(crate) async fn program_section(
    st: &AppState,
    ctx: &Ctx,
    p: &Principal,
    program: &Program,
) -> Result<Vec<TargetView>, AppError> {
    let own = st.store.program_targets(p, program.id).await?;
    if own.is_empty() {
        return Ok(Vec::new());
    }
    let uppers = st.store.upper_target_choices(p, program.id).await?;
    Ok(own.iter().map(|r| view(ctx, r, &uppers)).collect())
}

// ---- The editor ---------------------------------------------------------------------------

/// One row of the editor, as typed.
pub struct EditRow {
    pub n: usize,
    pub form: TargetForm,
    pub upper: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "targets/edit.html")]
struct EditPage {
    ctx: Ctx,
    title: String,
    program: Program,
    rows: Vec<EditRow>,
    /// (id, label) of each upper target the unit may serve, nearest unit first.
    choices: Vec<(String, String)>,
    errors: FormErrors,
}

impl EditPage {
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
        Direction::ALL
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
            .chain(RollupRule::ALL.iter().map(|r| {
                (
                    r.as_str(),
                    self.ctx.t(&format!("targets.rule.{}", r.as_str())),
                )
            }))
            .collect()
    }
}

fn choice_options(ctx: &Ctx, choices: &[UpperTargetChoice]) -> Vec<(String, String)> {
    choices
        .iter()
        .map(|c| {
            let t = &c.record.target;
            (
                c.record.id.to_string(),
                format!(
                    "{} ({}; {}: {} {}) – {}",
                    t.indicator,
                    ctx.t(&format!("targets.rule.{}", t.rule.as_str())),
                    ctx.t("targets.page.goal"),
                    number(ctx, t.target_value),
                    t.unit,
                    owner_label(&c.owner, &c.org_name)
                ),
            )
        })
        .collect()
}

fn rows_from_records(ctx: &Ctx, records: &[TargetRecord]) -> Vec<EditRow> {
    records
        .iter()
        .enumerate()
        .map(|(i, r)| EditRow {
            n: i,
            form: TargetForm {
                indicator: r.target.indicator.clone(),
                baseline: r
                    .target
                    .baseline
                    .map(|b| number(ctx, b))
                    .unwrap_or_default(),
                target_value: number(ctx, r.target.target_value),
                unit: r.target.unit.clone(),
                deadline: r
                    .target
                    .deadline
                    .map(validate::format_date)
                    .unwrap_or_default(),
                direction: r.target.direction.as_str().to_owned(),
                rule: r.target.rule.as_str().to_owned(),
            },
            upper: r.upper_target_id.map(|u| u.to_string()).unwrap_or_default(),
        })
        .collect()
}

fn posted(f: &FormData) -> Vec<EditRow> {
    posted_rows(f, "targets")
        .into_iter()
        .map(|i| {
            let g = |k: &str| f.get(&format!("targets[{i}].{k}")).to_owned();
            (
                TargetForm {
                    indicator: g("indicator"),
                    baseline: g("baseline"),
                    target_value: g("target_value"),
                    unit: g("unit"),
                    deadline: g("deadline"),
                    direction: g("direction"),
                    rule: g("rule"),
                },
                g("upper"),
            )
        })
        .filter(|(t, _)| {
            !(t.indicator.trim().is_empty()
                && t.baseline.trim().is_empty()
                && t.target_value.trim().is_empty()
                && t.unit.trim().is_empty()
                && t.deadline.trim().is_empty())
        })
        .enumerate()
        .map(|(n, (form, upper))| EditRow { n, form, upper })
        .collect()
}

/// Parses the rows: each target ([`Target::parse`]) and its link (`targets[i].upper`,
/// `bad_choice` for anything that is not an id).
fn parse_rows(rows: &[EditRow]) -> Result<Vec<ProgramTargetInput>, Invalid> {
    let mut inv = Invalid::default();
    let mut out = Vec::new();
    for r in rows {
        let target = inv.take(Target::parse(&r.form, Some(r.n), None));
        let upper = match r.upper.trim() {
            "" => Some(None),
            raw => match raw.parse::<i64>() {
                Ok(id) if id > 0 => Some(Some(TargetId(id))),
                _ => {
                    inv.push(fieldpath::indexed("targets", r.n, "upper"), "bad_choice");
                    None
                }
            },
        };
        if let (Some(target), Some(upper)) = (target, upper) {
            out.push(ProgramTargetInput { target, upper });
        }
    }
    inv.into_result(out)
}

/// Labels the summary entries: "Dòng 2 – Phục vụ chỉ tiêu cấp trên".
fn labelled(ctx: &Ctx, mut errors: FormErrors) -> FormErrors {
    for m in &mut errors.0 {
        if let Some((_, i, field)) = fieldpath::split(&m.field) {
            let label = match field {
                "upper" => ctx.t("targets.upper"),
                "rule" => ctx.t("targets.rule_label"),
                f => ctx.t(&format!("documents.target.{f}")),
            };
            m.label = format!(
                "{} – {label}",
                i18n::fill(ctx.t("documents.row"), &[("n", &(i + 1))])
            );
        }
    }
    errors
}

async fn load_draft(
    st: &AppState,
    p: &Principal,
    raw: &str,
) -> Result<Result<Program, Response>, AppError> {
    let program = st.store.program(p, forms::id::<ProgramId>(raw)?).await?;
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

async fn edit_page(
    st: &AppState,
    ctx: &Ctx,
    p: &Principal,
    program: Program,
    mut rows: Vec<EditRow>,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let choices = st.store.upper_target_choices(p, program.id).await?;
    let n = rows.len();
    rows.push(EditRow {
        n,
        form: TargetForm {
            direction: "increase".into(),
            ..TargetForm::default()
        },
        upper: String::new(),
    });
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = EditPage {
        title: forms::title(ctx.lang, &errors, ctx.t("targets.edit_title")),
        ctx: ctx.clone(),
        program,
        rows,
        choices: choice_options(ctx, &choices),
        errors,
    };
    Ok((status, page).into_response())
}

async fn edit_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let program = match load_draft(&st, &auth.p, &id).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let records = st.store.program_targets(&auth.p, program.id).await?;
    let rows = rows_from_records(&auth.ctx, &records);
    edit_page(
        &st,
        &auth.ctx,
        &auth.p,
        program,
        rows,
        FormErrors::default(),
    )
    .await
}

async fn edit_save(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let program = match load_draft(&st, &auth.p, &id).await? {
        Ok(p) => p,
        Err(res) => return Ok(res),
    };
    let lang = auth.ctx.lang;
    let rows = posted(&f);
    let targets = match parse_rows(&rows) {
        Ok(t) => t,
        Err(inv) => {
            let errors = labelled(&auth.ctx, FormErrors::from_invalid(lang, &inv));
            return edit_page(&st, &auth.ctx, &auth.p, program, rows, errors).await;
        }
    };
    match st
        .store
        .set_program_targets(&auth.p, program.id, targets)
        .await
    {
        Ok(_) if f.get("action") == "add_row" => {
            Ok(Redirect::to(&format!("/programs/{}/targets", program.id)).into_response())
        }
        Ok(_) => {
            Ok(Redirect::to(&format!("/programs/{}/draft?saved=1", program.id)).into_response())
        }
        Err(e) => {
            let errors = labelled(&auth.ctx, store_errors(lang, e)?);
            edit_page(&st, &auth.ctx, &auth.p, program, rows, errors).await
        }
    }
}

// ---- A target's page ---------------------------------------------------------------------

/// One unit's line on a target's page.
pub struct UnitLine {
    pub org_id: domain::OrgId,
    pub name: String,
    pub value_text: String,
    pub goal_text: String,
    pub weight: i64,
    pub on: Option<time::Date>,
    pub reached: bool,
    pub lower: Option<TargetId>,
    /// Bar length and goal mark, 0..=100 of the chart's scale.
    pub bar: f64,
    pub mark: Option<f64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "targets/show.html")]
struct ShowPage {
    ctx: Ctx,
    title: String,
    b: TargetBreakdown,
    v: TargetView,
    owner: String,
    owner_href: String,
    lines: Vec<UnitLine>,
}

impl ShowPage {
    /// The y of the n-th bar of the chart.
    fn y(&self, i: &usize) -> usize {
        i * 28
    }

    fn chart_height(&self) -> usize {
        self.lines.len() * 28
    }

    fn fmt1(&self, v: &f64) -> String {
        format!("{v:.1}")
    }
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let b = st
        .store
        .target_breakdown(&auth.p, forms::id::<TargetId>(&id)?)
        .await?;
    let ctx = auth.ctx;
    let uppers: Vec<UpperTargetChoice> = b.upper.iter().cloned().collect();
    let v = view(&ctx, &b.record, &uppers);
    let unit = b.record.target.unit.clone();
    let scale = b
        .contributions
        .iter()
        .flat_map(|c| [Some(c.value), c.goal])
        .flatten()
        .chain([b.record.target.target_value])
        .fold(0.0_f64, |m, x| m.max(x.abs()))
        .max(f64::MIN_POSITIVE);
    let lines = b
        .contributions
        .iter()
        .map(|c| UnitLine {
            org_id: c.org_id,
            name: c.org_name.clone(),
            value_text: format!("{} {unit}", number(&ctx, c.value)),
            goal_text: c
                .goal
                .map(|g| format!("{} {unit}", number(&ctx, g)))
                .unwrap_or_default(),
            weight: i64::try_from(c.weight).unwrap_or(i64::MAX),
            on: c.on,
            reached: c.reached,
            lower: match c.source {
                ContributionSource::LowerTarget { id } => Some(id),
                ContributionSource::Reported => None,
            },
            bar: (100.0 * c.value.max(0.0) / scale).clamp(0.0, 100.0),
            mark: c
                .goal
                .map(|g| (100.0 * g.max(0.0) / scale).clamp(0.0, 100.0)),
        })
        .collect();
    let (owner, owner_href) = match &b.owner {
        TargetOwner::Document { id, .. } => (
            owner_label(&b.owner, &b.org_name),
            format!("/documents/{id}"),
        ),
        TargetOwner::Program { id, .. } => (
            owner_label(&b.owner, &b.org_name),
            format!("/programs/{id}"),
        ),
    };
    Ok(ShowPage {
        title: ctx.fill(
            "targets.page.title",
            "indicator",
            &b.record.target.indicator,
        ),
        ctx,
        v,
        owner,
        owner_href,
        lines,
        b,
    }
    .into_response())
}
