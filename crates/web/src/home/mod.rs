//! `/`: what the signed-in account has to do now, ordered by deadline (issue 12 item 1).
//!
//! Three parts, each shown only to whom it concerns:
//! - **mine** (an account linked to a member): the study round of each resolution that
//!   reaches the member's cell (the next conference, the knowledge check, the reflection),
//!   the tasks they answer for, and consultations asking for their comments;
//! - **the unit's** (EditPeople on the home unit: a cell secretary, a unit's office): the
//!   milestones of each resolution cascaded to it (study, program, interim review, the next
//!   periodic report), conferences held and not yet marked, reflections to grade;
//! - **the office's** (EditOrgs on a unit above the cells): updates waiting for acceptance,
//!   and per resolution in progress, the units and tasks of the subtree that are overdue
//!   and the programs the plan check flagged.
//!
//! Everything is read through the store's bounded queries (a page of at most
//! [`COUNT_CAP`] rows where a count is shown): the page costs the same for a cell and
//! for the province.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use domain::cascade::{DeadlineStatus, ReportLedger};
use domain::consultation::Phase;
use domain::progress::EffectiveStatus;
use domain::{DocumentId, DocumentType, Permission, Principal};
use store::{Page, StoreError};
use time::Date;

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::documents::Implementing;
use crate::error::AppError;
use crate::forms;

/// Counts on the page stop here ("200+"): a home page never walks a whole province.
pub const COUNT_CAP: u32 = 200;
/// Items shown per part before "see all".
const SHOWN: usize = 12;

/// One thing to do.
pub struct Todo {
    /// The deadline, if there is one.
    pub due: Option<Date>,
    /// Past its deadline.
    pub late: bool,
    /// The tag's text key (`home.kind.*`).
    pub kind: &'static str,
    pub title: String,
    /// A second line: the unit, the resolution, a count.
    pub detail: String,
    pub href: String,
}

impl Todo {
    fn order(&self) -> (bool, Date) {
        (!self.late, self.due.unwrap_or(Date::MAX))
    }
}

/// One part of the page.
pub struct Part {
    /// Its heading's text key.
    pub heading: &'static str,
    pub items: Vec<Todo>,
    /// How many more than shown, and where to see them.
    pub more: Option<(usize, String)>,
}

impl Part {
    fn new(heading: &'static str, mut items: Vec<Todo>, all: Option<String>) -> Part {
        items.sort_by_key(Todo::order);
        let extra = items.len().saturating_sub(SHOWN);
        items.truncate(SHOWN);
        Part {
            heading,
            items,
            more: (extra > 0).then(|| (extra, all.unwrap_or_default())),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "home/todo.html")]
struct HomePage {
    ctx: Ctx,
    title: String,
    today: Date,
    /// The home unit (its page is one link away).
    unit: Option<(i64, String)>,
    parts: Vec<Part>,
}

/// `/`: the to-do page; a portal editor's home is their desk, an invited expert's the
/// consultations they may comment on.
pub async fn home(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let p = &auth.p;
    if !p.has_anywhere(Permission::Read)
        && let Some(g) = p
            .grants
            .iter()
            .find(|g| g.role.permits(Permission::EditPortal))
    {
        return Ok(Redirect::to(&format!("/orgs/{}/portal", g.org_id)).into_response());
    }
    // An account with neither grants nor a member (an invited expert) has only the
    // consultations it was asked to comment on.
    if p.home().is_none() && p.member_id.is_none() {
        return Ok(Redirect::to("/consultations").into_response());
    }
    let today = forms::today();
    let ctx = &auth.ctx;
    let org = match p.home() {
        Some(id) => Some(st.store.org_get(p, id).await?),
        None => None,
    };
    let mut parts = Vec::new();
    if p.member_id.is_some() {
        parts.push(Part::new(
            "home.mine",
            mine(&st, p, ctx, today).await?,
            Some("/my/tasks".into()),
        ));
    }
    if let Some(org) = org
        .as_ref()
        .filter(|o| p.can(Permission::EditPeople, &o.path))
    {
        let received = crate::documents::implementing(&st, p, org).await?;
        parts.push(Part::new(
            "home.unit",
            unit(&st, p, ctx, org, &received, today).await?,
            Some(format!("/orgs/{}", org.id)),
        ));
        if p.can(Permission::EditOrgs, &org.path) && !org.kind.holds_members() {
            parts.push(Part::new(
                "home.office",
                office(&st, p, ctx, org, &received, today).await?,
                None,
            ));
        }
    }
    Ok(HomePage {
        title: ctx.t("home.title").to_owned(),
        today,
        unit: org.map(|o| (o.id.0, o.name)),
        parts,
        ctx: ctx.clone(),
    }
    .into_response())
}

fn capped(n: usize) -> String {
    if n >= COUNT_CAP as usize {
        format!("{COUNT_CAP}+")
    } else {
        n.to_string()
    }
}

fn first(limit: u32) -> Page {
    Page { offset: 0, limit }
}

/// The member's own: study steps, tasks, consultations.
async fn mine(st: &AppState, p: &Principal, ctx: &Ctx, today: Date) -> Result<Vec<Todo>, AppError> {
    let mut out = Vec::new();
    let rules = domain::study::CheckRules::default();
    for s in st.store.my_study(p).await? {
        let doc = s.document_id;
        let late = s.study_by.is_some_and(|d| today > d);
        let detail = format!("{} – {}", s.symbol, s.title);
        if !s.state.studied {
            // The next conference for me, or a make-up to wait for.
            let next = s
                .sessions
                .iter()
                .filter(|c| !c.is_cancelled() && c.held_on >= today)
                .min_by_key(|c| c.held_on);
            out.push(match next {
                Some(c) => Todo {
                    due: Some(c.held_on),
                    late: false,
                    kind: "home.kind.study",
                    title: i18n::fill(
                        ctx.t("home.attend"),
                        &[("date", &ctx.date(&c.held_on)), ("place", &c.place)],
                    ),
                    detail,
                    href: format!("/study#doc-{doc}"),
                },
                None => Todo {
                    due: s.study_by,
                    late,
                    kind: "home.kind.study",
                    title: ctx
                        .t(if s.state.excused {
                            "home.makeup_wait"
                        } else {
                            "home.not_studied"
                        })
                        .to_owned(),
                    detail,
                    href: "/study".into(),
                },
            });
            continue;
        }
        if !s.state.check_passed
            && s.questions_available > 0
            && s.state.check_attempts < rules.max_attempts
        {
            out.push(Todo {
                due: s.study_by,
                late,
                kind: "home.kind.study",
                title: i18n::fill(
                    ctx.t("home.take_check"),
                    &[("n", &s.state.check_attempts), ("max", &rules.max_attempts)],
                ),
                detail: detail.clone(),
                href: format!("/my/study/{doc}/check"),
            });
        }
        if s.reflection.is_none() {
            out.push(Todo {
                due: s.study_by,
                late,
                kind: "home.kind.study",
                title: ctx.t("home.hand_in_reflection").to_owned(),
                detail,
                href: format!("/my/study/{doc}/reflection"),
            });
        }
    }
    for t in st.store.my_tasks(p, today).await? {
        if t.effective == EffectiveStatus::Done {
            continue;
        }
        let task = &t.context.task;
        out.push(Todo {
            due: task.draft.deadline,
            late: t.effective == EffectiveStatus::Overdue,
            kind: "home.kind.task",
            title: task.draft.content.clone(),
            detail: format!(
                "{} · {}",
                t.context.org_name,
                ctx.t(&format!("progress.status.{}", t.effective.as_str()))
            ),
            href: format!("/tasks/{}", task.id),
        });
    }
    for c in st.store.my_consultations(p, today).await? {
        if c.phase != Phase::Open {
            continue;
        }
        out.push(Todo {
            due: Some(c.closes_on),
            late: false,
            kind: "home.kind.consultation",
            title: i18n::fill(ctx.t("home.comment_on"), &[("title", &c.title)]),
            detail: c.org_name.clone(),
            href: format!("/consultations/{}", c.id),
        });
    }
    Ok(out)
}

/// A milestone shows when it is overdue, or pending and due within [`SOON_DAYS`].
const SOON_DAYS: i64 = 31;

fn milestone(
    kind: &'static str,
    (status, today): (DeadlineStatus, Date),
    due: Date,
    title: String,
    detail: &str,
    href: String,
) -> Option<Todo> {
    let show = status == DeadlineStatus::Overdue
        || (status == DeadlineStatus::Pending && due <= today + time::Duration::days(SOON_DAYS));
    show.then(|| Todo {
        due: Some(due),
        late: status == DeadlineStatus::Overdue,
        kind,
        title,
        detail: detail.to_owned(),
        href,
    })
}

/// The home unit's own milestones, conferences to mark and reflections to grade.
async fn unit(
    st: &AppState,
    p: &Principal,
    ctx: &Ctx,
    org: &store::Org,
    received: &[Implementing],
    today: Date,
) -> Result<Vec<Todo>, AppError> {
    let mut out = Vec::new();
    for r in received {
        let (doc, d) = (r.doc.id, &r.unit.deadlines);
        let detail = format!("{} – {}", r.doc.symbol, r.doc.title);
        out.extend(milestone(
            "home.kind.study",
            (r.status.study, today),
            d.study_by,
            ctx.t("home.unit_study").to_owned(),
            &detail,
            format!("/orgs/{}/study/{doc}", org.id),
        ));
        out.extend(milestone(
            "home.kind.program",
            (r.status.program, today),
            d.program_by,
            ctx.t("home.unit_program").to_owned(),
            &detail,
            match r.unit.program_id {
                Some(id) => format!("/programs/{id}"),
                None => format!("/documents/{doc}"),
            },
        ));
        if let (Some(s), Some(by)) = (r.status.interim_review, d.interim_review_by) {
            out.extend(milestone(
                "home.kind.report",
                (s, today),
                by,
                ctx.t("home.unit_interim").to_owned(),
                &detail,
                format!("/orgs/{}/reports/{doc}", org.id),
            ));
        }
        if let Some(due) = ReportLedger::new(d, &r.unit.facts.reports).next_due()
            && due <= today + time::Duration::days(SOON_DAYS)
        {
            out.push(Todo {
                due: Some(due),
                late: today > due,
                kind: "home.kind.report",
                title: ctx.t("home.unit_report").to_owned(),
                detail: detail.clone(),
                href: format!("/orgs/{}/reports/{doc}", org.id),
            });
        }
    }
    // The study of every resolution cascaded to the unit or above it (a cell is not a
    // cascade unit: it studies what its grassroots unit received).
    for d in st.store.study_documents(p, org.id).await? {
        let detail = format!("{} – {}", d.symbol, d.title);
        study_todos(st, p, ctx, org, d.document_id, &detail, today, &mut out).await?;
    }
    Ok(out)
}

/// A unit's study work on one resolution: conferences held and not marked, the round
/// review once a conference is marked, reflections waiting for a grade.
#[allow(clippy::too_many_arguments)]
async fn study_todos(
    st: &AppState,
    p: &Principal,
    ctx: &Ctx,
    org: &store::Org,
    doc: DocumentId,
    detail: &str,
    today: Date,
    out: &mut Vec<Todo>,
) -> Result<(), AppError> {
    let detail = detail.to_owned();
    // Conferences of the unit held and not marked; reflections waiting for a grade.
    let plan = match st.store.study_plan(p, org.id, doc).await {
        Ok(plan) => plan,
        Err(StoreError::NotFound) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for c in plan
        .sessions
        .iter()
        .filter(|c| !c.is_cancelled() && c.held_on <= today && c.marks() == 0)
    {
        out.push(Todo {
            due: Some(c.held_on),
            late: false,
            kind: "home.kind.study",
            title: i18n::fill(ctx.t("home.mark_attendance"), &[("title", &c.title)]),
            detail: detail.clone(),
            href: format!("/study-sessions/{}", c.id),
        });
    }
    // Once a conference has been marked, the round is under way: its review (who is
    // commended, who reminded) is the secretary's to write until it is issued.
    if plan
        .sessions
        .iter()
        .any(|c| !c.is_cancelled() && c.marks() > 0)
        && st
            .store
            .round_review(p, org.id, doc)
            .await?
            .is_none_or(|r| r.issued_on.is_none())
    {
        out.push(Todo {
            due: plan.study_by,
            late: plan.study_by.is_some_and(|d| today > d),
            kind: "home.kind.study",
            title: ctx.t("home.round_review").to_owned(),
            detail: detail.clone(),
            href: format!("/orgs/{}/study/{doc}/review", org.id),
        });
    }
    if org.kind.holds_members() {
        let waiting = st
            .store
            .reflections(p, org.id, doc)
            .await?
            .iter()
            .filter(|x| x.grade.is_none())
            .count();
        if waiting > 0 {
            out.push(Todo {
                due: None,
                late: false,
                kind: "home.kind.study",
                title: i18n::fill(ctx.t("home.grade_reflections"), &[("n", &waiting)]),
                detail: detail.clone(),
                href: format!("/orgs/{}/study/{doc}/reflections", org.id),
            });
        }
    }
    Ok(())
}

/// The office's: acceptances, and per resolution the overdue units and tasks of the
/// subtree and the flagged programs.
async fn office(
    st: &AppState,
    p: &Principal,
    ctx: &Ctx,
    org: &store::Org,
    received: &[Implementing],
    today: Date,
) -> Result<Vec<Todo>, AppError> {
    let mut out = Vec::new();
    let pending = st
        .store
        .pending_acceptances(p, org.id, first(COUNT_CAP))
        .await?;
    if let Some(oldest) = pending.first() {
        out.push(Todo {
            due: None,
            late: false,
            kind: "home.kind.task",
            title: i18n::fill(ctx.t("home.acceptances"), &[("n", &capped(pending.len()))]),
            detail: i18n::fill(
                ctx.t("home.oldest_since"),
                &[(
                    "date",
                    &ctx.date(&domain::tz::local_date(oldest.progress.posted_at)),
                )],
            ),
            href: format!("/orgs/{}/reviews", org.id),
        });
    }
    // The resolutions in progress here: the unit's own (issued and cascaded) and those
    // that reached it from above.
    let mut docs: Vec<store::Document> = received.iter().map(|r| r.doc.clone()).collect();
    // A unit's own programs and plans carry out a resolution: its chain is already there
    // (the dashboards count a chain once), so only the documents that start a chain.
    for d in st.store.documents(p, org.id, first(20)).await? {
        let starts_chain = d.doc_type.is_cascadable()
            && !matches!(d.doc_type, DocumentType::Program | DocumentType::Plan);
        if starts_chain && !docs.iter().any(|x| x.id == d.id) {
            docs.push(d);
        }
    }
    for d in docs.iter().take(10) {
        let detail = format!("{} – {}", d.symbol, d.title);
        let dash = format!("/dashboards/{}/{}", org.id, d.id);
        let units = st
            .store
            .overdue_units(p, org.id, d.id, today, first(COUNT_CAP))
            .await?;
        if !units.is_empty() {
            out.push(Todo {
                due: None,
                late: true,
                kind: "home.kind.unit",
                title: i18n::fill(ctx.t("home.overdue_units"), &[("n", &capped(units.len()))]),
                detail: detail.clone(),
                href: format!("{dash}#overdue-units"),
            });
        }
        let tasks = st
            .store
            .overdue_tasks(p, org.id, d.id, today, first(COUNT_CAP))
            .await?;
        if let Some(t) = tasks.first() {
            out.push(Todo {
                due: Some(t.deadline),
                late: true,
                kind: "home.kind.task",
                title: i18n::fill(ctx.t("home.overdue_tasks"), &[("n", &capped(tasks.len()))]),
                detail: detail.clone(),
                href: format!("{dash}#overdue-tasks"),
            });
        }
        let flagged = st
            .store
            .flagged_programs(p, org.id, d.id, first(COUNT_CAP))
            .await?;
        if !flagged.flagged.is_empty() {
            out.push(Todo {
                due: None,
                late: false,
                kind: "home.kind.program",
                title: i18n::fill(
                    ctx.t("home.flagged_programs"),
                    &[("n", &flagged.flagged_total)],
                ),
                detail,
                href: format!("{dash}#flagged"),
            });
        }
    }
    Ok(out)
}
