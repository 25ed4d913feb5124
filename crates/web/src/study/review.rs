//! Grading reflections (with copy flags), the members not yet studied, the round review
//! (generated from the figures, edited and issued by the office, downloadable as .xlsx) and
//! the study section of the dashboards.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::study::{self, CheckRules, ReflectionId};
use domain::{Audience, DocumentId, MemberId, OrgId, Permission, Principal, ReflectionGrade};
use store::{
    Page, Participation, ReflectionRecord, RosterRow, RoundReview, RoundReviewInput, StudyPlan,
};

use super::{audience_label, child_rows, grade_label, ids};
use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, FormData, FormErrors, store_errors, today};

/// Members read for a round review's lists (a grassroots unit has a few hundred).
const ROSTER_LIMIT: u32 = 5000;

// ---- Reflections and copy flags -------------------------------------------------------------

/// A reflection with its copy flag.
pub struct ReflectionView {
    pub r: ReflectionRecord,
    pub grade: &'static str,
    /// "copies <whom> (n%)" when flagged.
    pub flag: Option<String>,
    pub excerpt: String,
}

/// Flags reflections that copy another's or the core content: the `analysis` crate's
/// containment check of each text against the template and the other reflections.
fn copy_flags(ctx: &Ctx, list: &[ReflectionRecord], template: &str) -> Vec<Option<String>> {
    use analysis::{Gazetteer, Prepared, Thresholds, Verdict, check_plan_prepared};
    let gaz = Gazetteer::from_names(Vec::<String>::new());
    let texts: Vec<&str> = list
        .iter()
        .map(|r| r.body.as_deref().unwrap_or(""))
        .collect();
    let prepared: Vec<Prepared<'_>> = texts.iter().map(|t| Prepared::new(t, &gaz)).collect();
    let tpl = Prepared::new(template, &gaz);
    let th = Thresholds::default();
    list.iter()
        .enumerate()
        .map(|(i, _)| {
            if prepared[i].content_len() < 20 {
                return None;
            }
            let others: Vec<(&str, &Prepared<'_>)> = list
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(j, r)| (r.member_name.as_str(), &prepared[j]))
                .collect();
            let report = check_plan_prepared(&tpl, &prepared[i], &others, &th);
            if report.verdict == Verdict::Copied && !template.trim().is_empty() {
                return Some(i18n::fill(
                    ctx.t("study.grading.copies_template"),
                    &[("pct", &((report.copied_fraction * 100.0).round() as u32))],
                ));
            }
            report
                .siblings
                .iter()
                .filter(|s| s.verdict == Verdict::Copied)
                .max_by(|a, b| a.copied_fraction.total_cmp(&b.copied_fraction))
                .map(|s| {
                    i18n::fill(
                        ctx.t("study.grading.copies_member"),
                        &[
                            ("name", &s.name),
                            ("pct", &((s.copied_fraction * 100.0).round() as u32)),
                        ],
                    )
                })
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "study/reflections.html")]
struct ReflectionsPage {
    ctx: Ctx,
    title: String,
    plan: StudyPlan,
    items: Vec<ReflectionView>,
    can_grade: bool,
    grades: Vec<(&'static str, &'static str)>,
    notice: String,
    flagged: usize,
}

/// The core content the members were given (nearest unit's, members' audience first).
fn template_text(plan: &StudyPlan) -> String {
    plan.contents
        .iter()
        .filter(|c| c.audience == Audience::Member)
        .chain(plan.contents.iter())
        .map(|c| c.body_md.clone())
        .next()
        .unwrap_or_default()
}

pub(super) async fn reflections_page(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let p = &auth.p;
    let ctx = auth.ctx;
    let plan = st.store.study_plan(p, org, doc).await?;
    let list = st.store.reflections(p, org, plan.document_id).await?;
    let flags = copy_flags(&ctx, &list, &template_text(&plan));
    let items: Vec<ReflectionView> = list
        .into_iter()
        .zip(flags)
        .map(|(r, flag)| ReflectionView {
            grade: r.grade.map_or("", |g| grade_label(&ctx, g)),
            excerpt: r.body.as_deref().unwrap_or("").chars().take(600).collect(),
            flag,
            r,
        })
        .collect();
    let notice = if forms::query_param(&q, "done") == "graded" {
        ctx.t("study.grading.saved").to_owned()
    } else {
        String::new()
    };
    Ok(ReflectionsPage {
        title: ctx.t("study.grading.title").to_owned(),
        can_grade: p.can(Permission::EditPeople, &plan.org_path),
        flagged: items.iter().filter(|i| i.flag.is_some()).count(),
        grades: ReflectionGrade::ALL
            .iter()
            .map(|g| (g.as_str(), grade_label(&ctx, *g)))
            .collect(),
        ctx,
        plan,
        items,
        notice,
    }
    .into_response())
}

pub(super) async fn grade(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: ReflectionId = forms::id(&id)?;
    // The reflection first: outside the scope it is a 404 whatever the form says.
    st.store.reflection(&auth.p, id).await?;
    let grade = ReflectionGrade::parse(f.get("grade")).ok_or(AppError::BadRequest)?;
    let comment = f.get("comment").trim();
    st.store
        .grade_reflection(
            &auth.p,
            id,
            grade,
            (!comment.is_empty()).then(|| comment.to_owned()),
        )
        .await?;
    let back = forms::local_next(f.get("back"));
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{back}{sep}done=graded#r{id}")).into_response())
}

// ---- Members not yet studied ----------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "study/unstudied.html")]
struct UnstudiedPage {
    ctx: Ctx,
    title: String,
    plan: StudyPlan,
    rows: Vec<RosterRow>,
    page: u32,
    more: bool,
}

const PAGE: u32 = 200;

pub(super) async fn unstudied_page(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let page: u32 = forms::query_param(&q, "page")
        .parse()
        .unwrap_or(0)
        .min(10_000);
    let plan = st.store.study_plan(&auth.p, org, doc).await?;
    let mut rows = st
        .store
        .study_roster(
            &auth.p,
            org,
            plan.document_id,
            true,
            Page {
                offset: page * PAGE,
                limit: PAGE + 1,
            },
        )
        .await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let ctx = auth.ctx;
    Ok(UnstudiedPage {
        title: ctx.t("study.unstudied.title").to_owned(),
        ctx,
        plan,
        rows,
        page,
        more,
    }
    .into_response())
}

// ---- Round review ---------------------------------------------------------------------------

/// The facts of a round in a unit, from the rollups and the roster.
pub struct Facts {
    pub p: Participation,
    pub makeups: i64,
    pub commend: Vec<RosterRow>,
    pub remind: Vec<RosterRow>,
}

async fn facts(
    st: &AppState,
    p: &Principal,
    org: OrgId,
    doc: DocumentId,
) -> Result<Facts, AppError> {
    let part = st.store.participation(p, org, doc).await?;
    let makeups = st.store.makeups_held(p, org, doc, today()).await?;
    let roster = st
        .store
        .study_roster(
            p,
            org,
            doc,
            false,
            Page {
                offset: 0,
                limit: ROSTER_LIMIT,
            },
        )
        .await?;
    let rules = CheckRules::default();
    let commend = roster
        .iter()
        .filter(|r| r.study.commend())
        .cloned()
        .collect();
    let remind = roster
        .iter()
        .filter(|r| r.study.remind(&rules))
        .cloned()
        .collect();
    Ok(Facts {
        p: part,
        makeups,
        commend,
        remind,
    })
}

/// One line of the facts table: audience, members, studied (%), made up, checks passed,
/// reflections in time, late, graded good or better.
pub struct FactLine {
    pub label: &'static str,
    pub members: i64,
    pub studied: i64,
    pub pct: u32,
    pub made_up: i64,
    pub checks_passed: i64,
    pub checks_taken: i64,
    pub on_time: i64,
    pub late: i64,
    pub good: i64,
}

fn fact_lines(ctx: &Ctx, p: &Participation) -> Vec<FactLine> {
    let line = |label, members, c: &domain::StudyCounters| FactLine {
        label,
        members,
        studied: c.studied,
        pct: study::percent(c.studied, members),
        made_up: c.made_up,
        checks_passed: c.checks_passed,
        checks_taken: c.checks_taken,
        on_time: c.reflections_on_time,
        late: c.reflections_late,
        good: c.reflections_good,
    };
    vec![
        line(
            audience_label(ctx, Audience::KeyCadre),
            p.members[0],
            &p.counters[0],
        ),
        line(
            audience_label(ctx, Audience::Member),
            p.members[1],
            &p.counters[1],
        ),
        line(
            ctx.t("study.round_review.total"),
            p.members_total(),
            &p.total(),
        ),
    ]
}

/// The generated first draft of the round review, in the page's language.
fn generated_text(ctx: &Ctx, plan: &StudyPlan, f: &Facts) -> String {
    let t = f.p.total();
    let mut out = i18n::fill(
        ctx.t("study.round_review.generated"),
        &[
            ("unit", &plan.org_name),
            ("symbol", &plan.document_symbol),
            ("studied", &t.studied),
            ("members", &f.p.members_total()),
            ("pct", &f.p.percent()),
            ("key_studied", &f.p.counters[0].studied),
            ("key_members", &f.p.members[0]),
            ("makeups", &f.makeups),
            ("made_up", &t.made_up),
            ("passed", &t.checks_passed),
            ("taken", &t.checks_taken),
            ("on_time", &t.reflections_on_time),
            ("late", &t.reflections_late),
            ("good", &t.reflections_good),
        ],
    );
    out.push_str("\n\n");
    out.push_str(&i18n::fill(
        ctx.t("study.round_review.generated_lists"),
        &[("commend", &f.commend.len()), ("remind", &f.remind.len())],
    ));
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "study/round_review.html")]
struct RoundReviewPage {
    ctx: Ctx,
    title: String,
    plan: StudyPlan,
    lines: Vec<FactLine>,
    makeups: i64,
    review: Option<RoundReview>,
    body: String,
    /// The commend and remind lists counted by cell (a district has thousands of
    /// members: no box per person here; each cell's own page lists its people).
    cells: Vec<CellLine>,
    total: CellLine,
    /// The page of `cells` shown and whether there are more.
    pager: crate::forms::Pager,
    can_edit: bool,
    errors: FormErrors,
    notice: String,
    issued_html: String,
}

fn remind_reason(ctx: &Ctx, r: &RosterRow) -> String {
    let mut why = Vec::new();
    if !r.study.studied {
        why.push(ctx.t("study.round_review.why_not_studied"));
    }
    if r.study.reflection == study::ReflectionState::None {
        why.push(ctx.t("study.round_review.why_no_reflection"));
    }
    if !r.study.check_passed && r.study.check_attempts >= CheckRules::default().max_attempts {
        why.push(ctx.t("study.round_review.why_check"));
    }
    why.join(", ")
}

/// One cell's line in the round review: how many of its members are chosen for
/// commendation and reminder, of how many who qualify.
#[derive(Clone, Default)]
pub struct CellLine {
    pub cell_id: i64,
    pub name: String,
    pub unit_name: String,
    pub commend_on: usize,
    pub commend_all: usize,
    pub remind_on: usize,
    pub remind_all: usize,
}

/// Cells listed on one page of the round review.
const CELLS_PER_PAGE: usize = 50;

/// The review's chosen lists: as saved, or everyone who qualifies while nothing is saved.
fn chosen_lists(f: &Facts, review: Option<&RoundReview>) -> (Vec<MemberId>, Vec<MemberId>) {
    match review {
        Some(r) => (r.commend.clone(), r.remind.clone()),
        None => (
            f.commend.iter().map(|r| r.member_id).collect(),
            f.remind.iter().map(|r| r.member_id).collect(),
        ),
    }
}

fn cell_lines(f: &Facts, commend: &[MemberId], remind: &[MemberId]) -> (Vec<CellLine>, CellLine) {
    use std::collections::{BTreeMap, HashSet};
    let commend: HashSet<_> = commend.iter().collect();
    let remind: HashSet<_> = remind.iter().collect();
    // In the roster's order (cells by path), so cells keep the tree's numbering.
    let mut order: Vec<i64> = Vec::new();
    let mut lines: BTreeMap<i64, CellLine> = BTreeMap::new();
    for (list, is_commend) in [(&f.commend, true), (&f.remind, false)] {
        for r in list {
            let id = r.cell_id.0;
            let l = lines.entry(id).or_insert_with(|| {
                order.push(id);
                CellLine {
                    cell_id: id,
                    name: r.cell_name.clone(),
                    unit_name: r.unit_name.clone(),
                    ..CellLine::default()
                }
            });
            if is_commend {
                l.commend_all += 1;
                l.commend_on += usize::from(commend.contains(&r.member_id));
            } else {
                l.remind_all += 1;
                l.remind_on += usize::from(remind.contains(&r.member_id));
            }
        }
    }
    let mut total = CellLine::default();
    let cells: Vec<CellLine> = order
        .iter()
        .filter_map(|id| lines.remove(id))
        .inspect(|l| {
            total.commend_on += l.commend_on;
            total.commend_all += l.commend_all;
            total.remind_on += l.remind_on;
            total.remind_all += l.remind_all;
        })
        .collect();
    (cells, total)
}

#[allow(clippy::too_many_arguments)]
async fn round_review_response(
    st: &AppState,
    auth: &Auth,
    org: OrgId,
    doc: DocumentId,
    posted: Option<&FormData>,
    errors: FormErrors,
    notice: String,
    page_no: usize,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let ctx = &auth.ctx;
    let plan = st.store.study_plan(p, org, doc).await?;
    let f = facts(st, p, org, plan.document_id).await?;
    let review = st.store.round_review(p, org, plan.document_id).await?;
    let (commend, remind) = chosen_lists(&f, review.as_ref());
    let (all_cells, total) = cell_lines(&f, &commend, &remind);
    let pager = crate::forms::Pager::new(page_no, all_cells.len(), CELLS_PER_PAGE);
    let cells = all_cells
        .into_iter()
        .skip(pager.offset())
        .take(CELLS_PER_PAGE)
        .collect();
    let body = match (posted, &review) {
        (Some(fd), _) => fd.get("body_md").to_owned(),
        (None, Some(r)) => r.body_md.clone(),
        (None, None) => generated_text(ctx, &plan, &f),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RoundReviewPage {
        title: forms::title(
            ctx.lang,
            &errors,
            &i18n::fill(
                ctx.t("study.round_review.title"),
                &[("symbol", &plan.document_symbol)],
            ),
        ),
        lines: fact_lines(ctx, &f.p),
        makeups: f.makeups,
        can_edit: p.can(Permission::EditPeople, &plan.org_path)
            && review.as_ref().is_none_or(|r| r.issued_on.is_none()),
        issued_html: review
            .as_ref()
            .filter(|r| r.issued_on.is_some())
            .map(|r| crate::markdown::render(&r.body_md))
            .unwrap_or_default(),
        review,
        body,
        cells,
        total,
        pager,
        errors,
        notice,
        plan,
        ctx: ctx.clone(),
    };
    Ok((status, page).into_response())
}

pub(super) async fn round_review_page(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let notice = match forms::query_param(&q, "done").as_str() {
        "saved" => auth.ctx.t("study.round_review.saved").to_owned(),
        "issued" => auth.ctx.t("study.round_review.issued").to_owned(),
        _ => String::new(),
    };
    let page_no = forms::Pager::page_of(&q);
    round_review_response(
        &st,
        &auth,
        org,
        doc,
        None,
        FormErrors::default(),
        notice,
        page_no,
    )
    .await
}

fn member_ids(f: &FormData, key: &str) -> Vec<MemberId> {
    f.0.iter()
        .filter(|(k, _)| k == key)
        .filter_map(|(_, v)| v.parse::<i64>().ok().map(MemberId))
        .collect()
}

pub(super) async fn round_review_save(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let issue = f.get("action") == "issue";
    // The lists are chosen cell by cell on their own pages; the text form keeps them.
    let plan = st.store.study_plan(&auth.p, org, doc).await?;
    let facts = facts(&st, &auth.p, org, plan.document_id).await?;
    let review = st
        .store
        .round_review(&auth.p, org, plan.document_id)
        .await?;
    let (commend, remind) = chosen_lists(&facts, review.as_ref());
    let input = RoundReviewInput {
        body_md: f.get("body_md").to_owned(),
        commend,
        remind,
        issue_on: issue.then(today),
    };
    match st.store.save_round_review(&auth.p, org, doc, input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/orgs/{org}/study/{doc}/review?done={}",
            if issue { "issued" } else { "saved" }
        ))
        .into_response()),
        Err(e) => {
            let errors = store_errors(auth.ctx.lang, e)?;
            round_review_response(&st, &auth, org, doc, Some(&f), errors, String::new(), 1).await
        }
    }
}

// ---- One cell's people in the round review -------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "study/round_review_cell.html")]
struct CellPage {
    ctx: Ctx,
    title: String,
    plan: StudyPlan,
    cell_name: String,
    cell_id: i64,
    /// (member, name, reason, checked)
    commend: Vec<(MemberId, String, String, bool)>,
    remind: Vec<(MemberId, String, String, bool)>,
    can_edit: bool,
    errors: FormErrors,
}

/// `GET /orgs/{id}/study/{doc}/review/cells/{cell}`: the people of one cell who qualify
/// for commendation or a reminder, each with a box (a cell has tens of members).
pub(super) async fn round_review_cell(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc, cell)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let cell = forms::id::<i64>(&cell)?;
    cell_response(&st, &auth, org, doc, cell, FormErrors::default()).await
}

async fn cell_response(
    st: &AppState,
    auth: &Auth,
    org: OrgId,
    doc: DocumentId,
    cell: i64,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let (p, ctx) = (&auth.p, &auth.ctx);
    let plan = st.store.study_plan(p, org, doc).await?;
    let f = facts(st, p, org, plan.document_id).await?;
    let review = st.store.round_review(p, org, plan.document_id).await?;
    let (commend, remind) = chosen_lists(&f, review.as_ref());
    let in_cell = |list: &[RosterRow], chosen: &[MemberId], why: bool| {
        list.iter()
            .filter(|r| r.cell_id.0 == cell)
            .map(|r| {
                let reason = if why {
                    remind_reason(ctx, r)
                } else {
                    String::new()
                };
                (
                    r.member_id,
                    r.full_name.clone(),
                    reason,
                    chosen.contains(&r.member_id),
                )
            })
            .collect::<Vec<_>>()
    };
    let commend_rows = in_cell(&f.commend, &commend, false);
    let remind_rows = in_cell(&f.remind, &remind, true);
    let Some(cell_name) = f
        .commend
        .iter()
        .chain(&f.remind)
        .find(|r| r.cell_id.0 == cell)
        .map(|r| r.cell_name.clone())
    else {
        return Err(AppError::NotFound);
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = CellPage {
        title: forms::title(
            ctx.lang,
            &errors,
            &i18n::fill(
                ctx.t("study.round_review.cell_title"),
                &[("cell", &cell_name)],
            ),
        ),
        can_edit: p.can(Permission::EditPeople, &plan.org_path)
            && review.as_ref().is_none_or(|r| r.issued_on.is_none()),
        cell_name,
        cell_id: cell,
        commend: commend_rows,
        remind: remind_rows,
        errors,
        plan,
        ctx: ctx.clone(),
    };
    Ok((status, page).into_response())
}

/// `POST /orgs/{id}/study/{doc}/review/cells/{cell}`: the boxes of one cell replace that
/// cell's part of the lists; every other cell's choice is kept.
pub(super) async fn round_review_cell_save(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc, cell)): Path<(String, String, String)>,
    f: FormData,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let cell = forms::id::<i64>(&cell)?;
    let p = &auth.p;
    let plan = st.store.study_plan(p, org, doc).await?;
    let facts = facts(&st, p, org, plan.document_id).await?;
    let review = st.store.round_review(p, org, plan.document_id).await?;
    let (commend, remind) = chosen_lists(&facts, review.as_ref());
    let merge = |kept: Vec<MemberId>, eligible: &[RosterRow], key: &str| {
        let here: Vec<MemberId> = eligible
            .iter()
            .filter(|r| r.cell_id.0 == cell)
            .map(|r| r.member_id)
            .collect();
        let ticked = member_ids(&f, key);
        let mut out: Vec<MemberId> = kept.into_iter().filter(|m| !here.contains(m)).collect();
        out.extend(here.into_iter().filter(|m| ticked.contains(m)));
        out
    };
    let input = RoundReviewInput {
        body_md: review.as_ref().map_or_else(
            || generated_text(&auth.ctx, &plan, &facts),
            |r| r.body_md.clone(),
        ),
        commend: merge(commend, &facts.commend, "commend"),
        remind: merge(remind, &facts.remind, "remind"),
        issue_on: None,
    };
    match st.store.save_round_review(p, org, doc, input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/orgs/{org}/study/{doc}/review?done=saved")).into_response())
        }
        Err(e) => {
            let errors = store_errors(auth.ctx.lang, e)?;
            cell_response(&st, &auth, org, doc, cell, errors).await
        }
    }
}

fn workbook(
    ctx: &Ctx,
    plan: &StudyPlan,
    f: &Facts,
    review: Option<&RoundReview>,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    let sheet = wb.add_worksheet();
    sheet.set_name(ctx.t("study.xlsx.summary"))?;
    sheet.write_with_format(
        0,
        0,
        i18n::fill(
            ctx.t("study.round_review.title"),
            &[("symbol", &plan.document_symbol)],
        ),
        &bold,
    )?;
    sheet.write(1, 0, &plan.org_name)?;
    let heads = [
        ctx.t("study.round_review.col.audience"),
        ctx.t("study.round_review.col.members"),
        ctx.t("study.round_review.col.studied"),
        ctx.t("study.round_review.col.pct"),
        ctx.t("study.round_review.col.made_up"),
        ctx.t("study.round_review.col.checks"),
        ctx.t("study.round_review.col.on_time"),
        ctx.t("study.round_review.col.late"),
        ctx.t("study.round_review.col.good"),
    ];
    for (c, h) in heads.iter().enumerate() {
        sheet.write_with_format(3, c as u16, *h, &bold)?;
    }
    for (i, l) in fact_lines(ctx, &f.p).iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write(r, 0, l.label)?;
        let nums = [
            l.members,
            l.studied,
            i64::from(l.pct),
            l.made_up,
            l.checks_passed,
            l.on_time,
            l.late,
            l.good,
        ];
        for (c, n) in nums.iter().enumerate() {
            sheet.write(r, 1 + c as u16, *n as f64)?;
        }
    }
    sheet.write(8, 0, ctx.t("study.round_review.makeups"))?;
    sheet.write(8, 1, f.makeups as f64)?;
    sheet.set_column_width(0, 28)?;
    if let Some(r) = review {
        sheet.write_with_format(10, 0, ctx.t("study.round_review.text"), &bold)?;
        sheet.write_with_format(11, 0, &r.body_md, &wrap)?;
        if let Some(d) = r.issued_on {
            sheet.write(
                12,
                0,
                format!(
                    "{}: {}",
                    ctx.t("study.round_review.issued_on"),
                    ctx.date(&d)
                ),
            )?;
        }
    }
    let lists: [(&str, Vec<&RosterRow>); 2] = [
        (
            ctx.t("study.xlsx.commend"),
            f.commend
                .iter()
                .filter(|r| review.is_none_or(|v| v.commend.contains(&r.member_id)))
                .collect(),
        ),
        (
            ctx.t("study.xlsx.remind"),
            f.remind
                .iter()
                .filter(|r| review.is_none_or(|v| v.remind.contains(&r.member_id)))
                .collect(),
        ),
    ];
    for (name, rows) in lists {
        let s = wb.add_worksheet();
        s.set_name(name)?;
        for (c, h) in [
            ctx.t("study.col.member"),
            ctx.t("study.col.cell"),
            ctx.t("study.col.audience"),
            ctx.t("study.col.check"),
            ctx.t("study.col.reflection"),
        ]
        .iter()
        .enumerate()
        {
            s.write_with_format(0, c as u16, *h, &bold)?;
        }
        for (i, r) in rows.iter().enumerate() {
            let row = 1 + i as u32;
            s.write(row, 0, &r.full_name)?;
            s.write(row, 1, &r.cell_name)?;
            s.write(row, 2, audience_label(ctx, r.audience))?;
            s.write(
                row,
                3,
                r.study
                    .check_best
                    .map(|b| format!("{b}%"))
                    .unwrap_or_default(),
            )?;
            s.write(
                row,
                4,
                r.study.grade.map(|g| grade_label(ctx, g)).unwrap_or(""),
            )?;
        }
        s.set_column_width(0, 28)?;
        s.set_column_width(1, 28)?;
    }
    wb.save_to_buffer()
}

pub(super) async fn round_review_xlsx(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (org, doc) = ids(&org, &doc)?;
    let p = &auth.p;
    let plan = st.store.study_plan(p, org, doc).await?;
    let f = facts(&st, p, org, plan.document_id).await?;
    let review = st.store.round_review(p, org, plan.document_id).await?;
    let bytes = workbook(&auth.ctx, &plan, &f, review.as_ref()).map_err(AppError::internal)?;
    let name = format!("hoc-tap-{}-{}.xlsx", plan.document_id, org);
    Ok(crate::files::xlsx(&name, bytes))
}

// ---- Dashboard section ----------------------------------------------------------------------

/// Study figures for the dashboards: the subtree's participation per audience, the children
/// below the threshold and the way to the list of members not yet studied.
pub struct DashboardSection {
    pub org_id: OrgId,
    pub doc_id: DocumentId,
    pub lines: Vec<FactLine>,
    /// (name, org, percent, studied, members) of children below the threshold.
    pub below: Vec<(String, OrgId, u32, i64, i64)>,
    pub threshold: u32,
    /// Members who studied of the members to study.
    pub studied: i64,
    pub members: i64,
    pub unstudied: i64,
}

impl DashboardSection {
    /// The section for a dashboard, or `None` when the user may not read the figures.
    pub async fn load(
        st: &AppState,
        ctx: &Ctx,
        p: &Principal,
        org: OrgId,
        doc: DocumentId,
    ) -> Result<Option<DashboardSection>, AppError> {
        // Both reads at once; the unit's own figures decide whether the user may read any.
        let (part, kids) = tokio::join!(
            st.store.participation(p, org, doc),
            st.store.participation_children(p, org, doc)
        );
        let part = match part {
            Ok(x) => x,
            Err(store::StoreError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let kids = kids?;
        let threshold = study::PARTICIPATION_THRESHOLD;
        let below = child_rows(&kids)
            .into_iter()
            .filter(|(_, _, pct, _, members)| *members > 0 && *pct < threshold)
            .collect();
        Ok(Some(DashboardSection {
            org_id: org,
            doc_id: doc,
            lines: fact_lines(ctx, &part),
            below,
            threshold,
            studied: part.total().studied,
            members: part.members_total(),
            unstudied: (part.members_total() - part.total().studied).max(0),
        }))
    }
}
