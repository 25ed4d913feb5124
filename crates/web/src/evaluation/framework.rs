//! Editing an evaluation framework (issue 17 item 1, docs/EVALUATION.md): the criteria
//! groups and criteria with their points and rules, the thresholds and conditions of the
//! levels and the quota on "excellent", for the office of a unit (`EditOrgs`).
//!
//! - `GET /orgs/{id}/evaluation/framework?subject=unit|member&from=ID`: the form, filled
//!   from a saved version (`from`), else the newest version the unit uses, else the
//!   defaults; with the version history.
//! - `POST /orgs/{id}/evaluation/framework`: `action=save` saves a new version (the
//!   store's `save_evaluation_framework`, validated and audited); `action=add_N` adds a
//!   criterion row to group N and `action=add_group` a group, returning the form as typed
//!   (no JavaScript needed). A row left without title and points is dropped on saving.
//! - `GET /evaluation-frameworks/{id}`: one version as saved (periods link to theirs).
//!
//! Saving never changes a version: periods keep the version they name.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::evaluation::{
    Conditions, Criterion, Framework, Group, LevelCondition, Quota, Rule, SubjectKind, Thresholds,
};
use domain::{OrgId, Permission};
use store::{FrameworkRecord, Org};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, FormData, FormErrors, query_param};

/// Versions of the history shown on one page.
const HISTORY_PER_PAGE: usize = 20;

/// A criterion row as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct CritRow {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub points: String,
    pub rule: String,
}

impl CritRow {
    fn is_blank(&self) -> bool {
        [&self.code, &self.title_vi, &self.title_en, &self.points]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// A group as typed.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupRow {
    pub code: String,
    pub title_vi: String,
    pub title_en: String,
    pub criteria: Vec<CritRow>,
}

/// The conditions of one level as typed.
#[derive(Debug, Clone)]
pub(crate) struct CondRow {
    /// `excellent`, `good`, `completed`.
    pub level: &'static str,
    pub threshold: String,
    pub all_tasks_on_time: bool,
    pub min_exceeded: String,
    /// Empty: no condition.
    pub max_late: String,
    pub no_discipline: bool,
}

/// The whole form as typed: what comes back with the messages.
#[derive(Debug, Clone)]
pub(crate) struct FwForm {
    pub subject: SubjectKind,
    pub name: String,
    pub basis: String,
    pub groups: Vec<GroupRow>,
    pub levels: Vec<CondRow>,
    pub quota: String,
}

const LEVELS: [&str; 3] = ["excellent", "good", "completed"];

impl FwForm {
    pub(crate) fn of(fw: &Framework) -> FwForm {
        let cond = |level: &'static str, threshold: u32, c: LevelCondition| CondRow {
            level,
            threshold: threshold.to_string(),
            all_tasks_on_time: c.all_tasks_on_time,
            min_exceeded: c.min_exceeded_percent.to_string(),
            max_late: c
                .max_late_percent
                .map(|p| p.to_string())
                .unwrap_or_default(),
            no_discipline: c.no_discipline,
        };
        FwForm {
            subject: fw.subject,
            name: fw.name.clone(),
            basis: fw.basis.clone(),
            groups: fw
                .groups
                .iter()
                .map(|g| GroupRow {
                    code: g.code.clone(),
                    title_vi: g.title_vi.clone(),
                    title_en: g.title_en.clone(),
                    criteria: g
                        .criteria
                        .iter()
                        .map(|c| CritRow {
                            code: c.code.clone(),
                            title_vi: c.title_vi.clone(),
                            title_en: c.title_en.clone(),
                            points: c.points.to_string(),
                            rule: c.rule.map(|r| r.as_str().to_owned()).unwrap_or_default(),
                        })
                        .collect(),
                })
                .collect(),
            levels: vec![
                cond(
                    "excellent",
                    fw.thresholds.excellent,
                    fw.conditions.excellent,
                ),
                cond("good", fw.thresholds.good, fw.conditions.good),
                cond(
                    "completed",
                    fw.thresholds.completed,
                    fw.conditions.completed,
                ),
            ],
            quota: fw.quota.max_excellent_percent.to_string(),
        }
    }

    /// The form as posted: groups `g{i}_…`, criteria `g{i}_c{j}_…`, levels `{level}_…`.
    fn posted(f: &FormData) -> FwForm {
        let has = |name: &str| f.0.iter().any(|(k, _)| k == name);
        let get = |name: String| f.get(&name).to_owned();
        let mut groups = Vec::new();
        let mut i = 0;
        while has(&format!("g{i}_title_vi")) {
            let mut criteria = Vec::new();
            let mut j = 0;
            while has(&format!("g{i}_c{j}_title_vi")) {
                let p = format!("g{i}_c{j}_");
                criteria.push(CritRow {
                    code: get(format!("{p}code")),
                    title_vi: get(format!("{p}title_vi")),
                    title_en: get(format!("{p}title_en")),
                    points: get(format!("{p}points")),
                    rule: get(format!("{p}rule")),
                });
                j += 1;
            }
            groups.push(GroupRow {
                code: get(format!("g{i}_code")),
                title_vi: get(format!("g{i}_title_vi")),
                title_en: get(format!("g{i}_title_en")),
                criteria,
            });
            i += 1;
        }
        FwForm {
            subject: SubjectKind::parse(f.get("subject")).unwrap_or(SubjectKind::Unit),
            name: f.get("name").to_owned(),
            basis: f.get("basis").to_owned(),
            groups,
            levels: LEVELS
                .iter()
                .map(|l| CondRow {
                    level: l,
                    threshold: get(format!("{l}_threshold")),
                    all_tasks_on_time: !f.get(&format!("{l}_all_tasks_on_time")).is_empty(),
                    min_exceeded: get(format!("{l}_min_exceeded")),
                    max_late: get(format!("{l}_max_late")),
                    no_discipline: !f.get(&format!("{l}_no_discipline")).is_empty(),
                })
                .collect(),
            quota: f.get("quota").to_owned(),
        }
    }

    /// The points of the criteria typed so far (what reads as a number).
    pub(crate) fn total(&self) -> u32 {
        self.groups
            .iter()
            .flat_map(|g| &g.criteria)
            .filter_map(|c| c.points.trim().parse::<u32>().ok())
            .sum()
    }

    /// The framework typed, or the messages of every field that does not read: numbers
    /// first (each beside its field), then `Framework::validate`'s (beside the section).
    fn parse(&self, lang: i18n::Lang) -> Result<Framework, FormErrors> {
        let mut errors = FormErrors::default();
        let mut number = |field: String, raw: &str, optional: bool| -> Option<u32> {
            let t = raw.trim();
            if t.is_empty() && optional {
                return None;
            }
            match t.parse::<u32>() {
                Ok(n) if n <= 1000 => Some(n),
                _ if t.is_empty() => {
                    errors.push(lang, &field, "required");
                    None
                }
                _ => {
                    errors.push(lang, &field, "bad_number");
                    None
                }
            }
        };
        let mut codes = std::collections::BTreeSet::new();
        let mut groups = Vec::new();
        for (i, g) in self.groups.iter().enumerate() {
            let gcode = match g.code.trim() {
                "" => format!("g{}", i + 1),
                c => c.to_owned(),
            };
            let mut criteria = Vec::new();
            for (j, c) in g.criteria.iter().enumerate() {
                if c.is_blank() {
                    continue;
                }
                let points = number(format!("g{i}_c{j}_points"), &c.points, false).unwrap_or(0);
                // A new row gets a code of its group; codes stay unique.
                let mut code = match c.code.trim() {
                    "" => format!("{gcode}_{}", j + 1),
                    c => c.to_owned(),
                };
                if c.code.trim().is_empty() {
                    while codes.contains(&code) {
                        code.push('_');
                    }
                }
                codes.insert(code.clone());
                criteria.push(Criterion {
                    code,
                    title_vi: c.title_vi.trim().to_owned(),
                    title_en: c.title_en.trim().to_owned(),
                    points,
                    rule: Rule::parse(c.rule.trim()),
                });
            }
            if criteria.is_empty() && g.title_vi.trim().is_empty() {
                continue;
            }
            groups.push(Group {
                code: gcode,
                title_vi: g.title_vi.trim().to_owned(),
                title_en: g.title_en.trim().to_owned(),
                criteria,
            });
        }
        let mut level = |c: &CondRow| {
            let threshold = number(format!("{}_threshold", c.level), &c.threshold, false);
            let cond = LevelCondition {
                all_tasks_on_time: c.all_tasks_on_time,
                min_exceeded_percent: number(
                    format!("{}_min_exceeded", c.level),
                    &c.min_exceeded,
                    true,
                )
                .unwrap_or(0),
                max_late_percent: number(format!("{}_max_late", c.level), &c.max_late, true),
                no_discipline: c.no_discipline,
            };
            (threshold.unwrap_or(0), cond)
        };
        let (te, ce) = level(&self.levels[0]);
        let (tg, cg) = level(&self.levels[1]);
        let (tc, cc) = level(&self.levels[2]);
        let quota = number("quota".into(), &self.quota, false).unwrap_or(0);
        if !errors.is_empty() {
            return Err(errors);
        }
        let fw = Framework {
            name: self.name.trim().to_owned(),
            basis: self.basis.trim().to_owned(),
            subject: self.subject,
            groups,
            thresholds: Thresholds {
                excellent: te,
                good: tg,
                completed: tc,
            },
            conditions: Conditions {
                excellent: ce,
                good: cg,
                completed: cc,
            },
            quota: Quota {
                max_excellent_percent: quota,
            },
        };
        fw.validate()
            .map_err(|inv| FormErrors::from_invalid(lang, &inv))?;
        Ok(fw)
    }
}

/// The rules a criterion may take, for the select ("" for none).
fn rule_options(ctx: &Ctx) -> Vec<(String, String)> {
    std::iter::once((String::new(), ctx.t("evaluation.rule.none").to_owned()))
        .chain(Rule::ALL.iter().map(|r| {
            (
                r.as_str().to_owned(),
                ctx.t(&format!("evaluation.rule.{}", r.as_str())).to_owned(),
            )
        }))
        .collect()
}

/// A version's label: "Khung tiêu chí đảng viên – phiên bản 2 (Huyện ủy Lục Nam, 05/01/2026)".
pub(crate) fn version_label(ctx: &Ctx, f: &FrameworkRecord) -> String {
    i18n::fill(
        ctx.t("evaluation.framework.version_label"),
        &[
            ("name", &f.framework.name),
            ("version", &f.version),
            ("org", &f.org_name),
            ("date", &ctx.day(&f.created_at)),
        ],
    )
}

#[derive(Template, WebTemplate)]
#[template(path = "evaluation/framework.html")]
struct EditPage {
    ctx: Ctx,
    title: String,
    org: Org,
    subject: &'static str,
    form: FwForm,
    total: u32,
    rules: Vec<(String, String)>,
    errors: FormErrors,
    /// The version the form started from.
    from: Option<FrameworkRecord>,
    history: Vec<FrameworkRecord>,
    pager: forms::Pager,
}

/// A row of the form with its field names (`g0_c1_points`).
pub(crate) struct Named<'a, T> {
    pub prefix: String,
    pub n: usize,
    pub row: &'a T,
}

impl<T> Named<'_, T> {
    pub fn name(&self, field: &str) -> String {
        format!("{}{field}", self.prefix)
    }
}

impl EditPage {
    fn level_name(&self, level: &str) -> &'static str {
        self.ctx.t(&format!("evaluation.level.{level}"))
    }

    fn groups(&self) -> Vec<(Named<'_, GroupRow>, Vec<Named<'_, CritRow>>)> {
        self.form
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let crits = g
                    .criteria
                    .iter()
                    .enumerate()
                    .map(|(j, c)| Named {
                        prefix: format!("g{i}_c{j}_"),
                        n: j + 1,
                        row: c,
                    })
                    .collect();
                (
                    Named {
                        prefix: format!("g{i}_"),
                        n: i + 1,
                        row: g,
                    },
                    crits,
                )
            })
            .collect()
    }

    fn group_title(&self, n: &usize) -> String {
        self.ctx.fill("evaluation.framework.group_n", "n", n)
    }

    fn crit_title(&self, n: &usize) -> String {
        self.ctx.fill("evaluation.framework.criterion_n", "n", n)
    }

    fn err(&self, name: &str) -> Option<&str> {
        self.errors.err(name)
    }

    /// The message of a level's field (`good_threshold`).
    fn lerr(&self, level: &str, field: &str) -> Option<&str> {
        self.errors.err(&format!("{level}_{field}"))
    }

    fn heading(&self) -> String {
        heading(&self.ctx, self.form.subject)
    }
}

fn heading(ctx: &Ctx, subject: SubjectKind) -> String {
    i18n::fill(
        ctx.t("evaluation.framework.heading"),
        &[(
            "subject",
            &ctx.t(&format!("evaluation.subject.{}", subject.as_str())),
        )],
    )
}

/// The unit, if the principal may edit its frameworks (`EditOrgs`).
async fn editable_org(auth: &Auth, st: &AppState, id: &str) -> Result<Org, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(id)?).await?;
    if !auth.p.can(Permission::EditOrgs, &org.path) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

pub(crate) async fn edit_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let org = editable_org(&auth, &st, &id).await?;
    let mut subject =
        SubjectKind::parse(&query_param(&query, "subject")).unwrap_or(SubjectKind::Unit);
    let history = st.store.evaluation_frameworks(&auth.p, org.id).await?;
    // Start from the version asked for, else the newest one of the subject, else the
    // defaults.
    let from = match query_param(&query, "from").as_str() {
        "" => newest(&history, subject).cloned(),
        raw => {
            let f = st
                .store
                .evaluation_framework(&auth.p, forms::id(raw)?)
                .await?;
            subject = f.framework.subject;
            Some(f)
        }
    };
    let form = FwForm::of(
        &from
            .as_ref()
            .map_or_else(|| Framework::default_for(subject), |f| f.framework.clone()),
    );
    respond(
        &auth,
        org,
        form,
        FormErrors::default(),
        from,
        history,
        forms::Pager::page_of(&query),
    )
}

/// The newest saved version for a subject (the unit's own first, then the nearest above).
pub(crate) fn newest(
    history: &[FrameworkRecord],
    subject: SubjectKind,
) -> Option<&FrameworkRecord> {
    history
        .iter()
        .filter(|f| f.framework.subject == subject)
        .max_by_key(|f| (f.created_at, f.id))
}

fn respond(
    auth: &Auth,
    org: Org,
    form: FwForm,
    errors: FormErrors,
    from: Option<FrameworkRecord>,
    history: Vec<FrameworkRecord>,
    page: usize,
) -> Result<Response, AppError> {
    let ctx = auth.ctx.clone();
    let mut history: Vec<FrameworkRecord> = history
        .into_iter()
        .filter(|f| f.framework.subject == form.subject)
        .collect();
    history.sort_by_key(|f| std::cmp::Reverse((f.created_at, f.id)));
    let subject = form.subject.as_str();
    let pager =
        forms::Pager::new(page, history.len(), HISTORY_PER_PAGE).keeping("subject", subject);
    let history = history
        .into_iter()
        .skip(pager.offset())
        .take(HISTORY_PER_PAGE)
        .collect();
    let status = errors.status();
    let heading = heading(&ctx, form.subject);
    let page = EditPage {
        title: forms::title(ctx.lang, &errors, &format!("{heading} – {}", org.name)),
        total: form.total(),
        rules: rule_options(&ctx),
        subject,
        org,
        form,
        errors,
        from,
        history,
        pager,
        ctx,
    };
    Ok((status, page).into_response())
}

pub(crate) async fn save(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = editable_org(&auth, &st, &id).await?;
    let mut form = FwForm::posted(&f);
    let history = st.store.evaluation_frameworks(&auth.p, org.id).await?;
    let action = f.get("action");
    // Adding rows returns the form as typed, one row longer.
    if action == "add_group" {
        form.groups.push(GroupRow {
            criteria: vec![CritRow::default()],
            ..GroupRow::default()
        });
        return respond(&auth, org, form, FormErrors::default(), None, history, 1);
    }
    if let Some(i) = action
        .strip_prefix("add_")
        .and_then(|i| i.parse::<usize>().ok())
        && let Some(g) = form.groups.get_mut(i)
    {
        g.criteria.push(CritRow::default());
        return respond(&auth, org, form, FormErrors::default(), None, history, 1);
    }
    if let Some((i, j)) = action
        .strip_prefix("remove_")
        .and_then(|r| r.split_once('_'))
        .and_then(|(i, j)| Some((i.parse::<usize>().ok()?, j.parse::<usize>().ok()?)))
        && let Some(g) = form.groups.get_mut(i)
        && j < g.criteria.len()
    {
        g.criteria.remove(j);
        return respond(&auth, org, form, FormErrors::default(), None, history, 1);
    }
    let saved = match form.parse(auth.ctx.lang) {
        Ok(fw) => match st
            .store
            .save_evaluation_framework(&auth.p, org.id, fw)
            .await
        {
            Ok(saved) => Ok(saved),
            Err(e) => Err(forms::store_errors(auth.ctx.lang, e)?),
        },
        Err(errors) => Err(errors),
    };
    match saved {
        Ok(v) => Ok(
            Redirect::to(&format!("/evaluation-frameworks/{}?done=saved", v.id)).into_response(),
        ),
        Err(mut errors) => {
            // The total helps with "points do not add up to 100".
            for m in &mut errors.0 {
                if m.field == "points" {
                    m.message = format!(
                        "{} {}",
                        m.message,
                        auth.ctx
                            .fill("evaluation.framework.total_now", "n", form.total())
                    );
                }
            }
            respond(&auth, org, form, errors, None, history, 1)
        }
    }
}

// ---- One version -------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "evaluation/framework_view.html")]
struct ViewPage {
    ctx: Ctx,
    title: String,
    f: FrameworkRecord,
    saved: bool,
    /// Where to edit from this version, for the office of its unit.
    edit_href: Option<String>,
}

impl ViewPage {
    fn subject_name(&self) -> &'static str {
        self.ctx.t(&format!(
            "evaluation.subject.{}",
            self.f.framework.subject.as_str()
        ))
    }

    fn rule_name(&self, r: &Option<Rule>) -> &'static str {
        match r {
            Some(r) => self.ctx.t(&format!("evaluation.rule.{}", r.as_str())),
            None => self.ctx.t("evaluation.rule.none"),
        }
    }

    fn level_name(&self, level: &str) -> &'static str {
        self.ctx.t(&format!("evaluation.level.{level}"))
    }

    /// The levels with their thresholds and conditions in words.
    fn levels(&self) -> Vec<(&'static str, u32, Vec<String>)> {
        let fw = &self.f.framework;
        let ctx = &self.ctx;
        [
            (
                "excellent",
                fw.thresholds.excellent,
                fw.conditions.excellent,
            ),
            ("good", fw.thresholds.good, fw.conditions.good),
            (
                "completed",
                fw.thresholds.completed,
                fw.conditions.completed,
            ),
        ]
        .into_iter()
        .map(|(l, t, c)| {
            let mut words = Vec::new();
            if c.all_tasks_on_time {
                words.push(ctx.t("evaluation.framework.all_tasks_on_time").to_owned());
            }
            if c.min_exceeded_percent > 0 {
                words.push(ctx.fill(
                    "evaluation.framework.min_exceeded_is",
                    "n",
                    c.min_exceeded_percent,
                ));
            }
            if let Some(p) = c.max_late_percent {
                words.push(ctx.fill("evaluation.framework.max_late_is", "n", p));
            }
            if c.no_discipline {
                words.push(ctx.t("evaluation.framework.no_discipline").to_owned());
            }
            (l, t, words)
        })
        .collect()
    }
}

pub(crate) async fn view_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let f = st
        .store
        .evaluation_framework(&auth.p, forms::id(&id)?)
        .await?;
    let edit_href = match st.store.org_get(&auth.p, f.org_id).await {
        Ok(o) if auth.p.can(Permission::EditOrgs, &o.path) => Some(format!(
            "/orgs/{}/evaluation/framework?subject={}&from={}",
            o.id,
            f.framework.subject.as_str(),
            f.id
        )),
        Ok(_) | Err(store::StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    let ctx = auth.ctx.clone();
    Ok(ViewPage {
        title: version_label(&ctx, &f),
        saved: query_param(&query, "done") == "saved",
        edit_href,
        f,
        ctx,
    }
    .into_response())
}
