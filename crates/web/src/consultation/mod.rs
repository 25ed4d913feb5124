//! Consultation on drafts (issue 14 items 1-3; docs/CONSULTATION.md): a unit's office opens
//! a draft program, or the text of a report or resolution, for comment; members of the
//! subtree and invited experts comment with their names, the public on a page of its own
//! (`public`); the office moderates the public comments, answers every comment, ends the
//! period, closes the rest with one reason, and downloads the response report (`report`).
//!
//! Pages: `/consultations` (what I am asked to comment on), `/orgs/{id}/consultations`
//! (a unit's), `/orgs/{id}/consultations/new`, `/consultations/{id}` (one page for every
//! viewer: the draft's numbered items, the questions, the comment form, and for the office
//! the comments with their moderation and answers), `/consultation-comments/{id}/answer`.
//! Public: `/public/consultations/{id}`. What each viewer sees is the store's answer
//! (`domain::consultation::Viewer`); the templates only lay it out.

pub mod public;
pub(crate) mod report;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::consultation::{
    Answer, AnswerForm, CommentForm, ConsultationForm, ItemKind, Moderation, ModerationDecision,
    Phase, SubjectKind,
};
use domain::{OrgId, Permission, ProgramId};
use store::{
    Comment, CommentSource, Consultation, ConsultationSummary, DraftItem, NewConsultation,
    NewExpert, StoreError, Subject,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage, query_param, store_errors, today};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(mine))
        .route("/orgs/{id}/consultations", get(unit_list))
        .route(
            "/orgs/{id}/consultations/new",
            get(new_form).post(new_submit),
        )
        .route("/consultations/{id}", get(show))
        .route("/consultations/{id}/comments", post(comment))
        .route("/consultations/{id}/experts", post(invite))
        .route("/consultations/{id}/end", get(end_confirm).post(end))
        .route("/consultations/{id}/close-rest", post(close_rest))
        .route("/consultations/{id}/report.docx", get(report::docx))
        .route(
            "/consultation-comments/{id}/answer",
            get(answer_form).post(answer_submit),
        )
        .route("/consultation-comments/{id}/moderate", post(moderate))
        .merge(public::router())
}

// ---- Labels shared by the templates ------------------------------------------------------

/// "Đoạn 3" / "Nhiệm vụ 2".
pub(crate) fn item_label(lang: i18n::Lang, kind: ItemKind, number: u32) -> String {
    i18n::fill(
        i18n::tr(lang, &format!("consultation.item.{}", kind.as_str())),
        &[("n", &number)],
    )
}

/// The label of the item a comment is on, or "the whole draft".
pub(crate) fn target_label(
    lang: i18n::Lang,
    items: &[DraftItem],
    item: Option<domain::consultation::ItemId>,
) -> String {
    match item.and_then(|id| items.iter().find(|i| i.id == id)) {
        Some(i) => item_label(lang, i.kind, i.number),
        None => i18n::tr(lang, "consultation.item.whole").to_owned(),
    }
}

/// The options of the "comment on" select: the whole draft, then each item with the
/// start of its text.
pub(crate) fn item_options(lang: i18n::Lang, items: &[DraftItem]) -> Vec<(String, String)> {
    let mut out = vec![(
        String::new(),
        i18n::tr(lang, "consultation.item.whole").to_owned(),
    )];
    for i in items {
        let start: String = i.text.chars().take(60).collect();
        let more = if i.text.chars().count() > 60 {
            "…"
        } else {
            ""
        };
        out.push((
            i.id.to_string(),
            format!("{}: {start}{more}", item_label(lang, i.kind, i.number)),
        ));
    }
    out
}

fn phase_tag(p: Phase) -> &'static str {
    match p {
        Phase::Scheduled => "tag-grey",
        Phase::Open => "tag-green",
        Phase::Closed => "tag-blue",
    }
}

// ---- Lists -------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "consultation/list.html")]
struct ListPage {
    ctx: Ctx,
    title: String,
    /// The unit, when this is a unit's list.
    org: Option<(OrgId, String)>,
    may_open: bool,
    rows: Vec<ConsultationSummary>,
}

impl ListPage {
    fn phase(&self, p: &Phase) -> &'static str {
        self.ctx.t(&format!("consultation.phase.{}", p.as_str()))
    }

    fn tag(&self, p: &Phase) -> &'static str {
        phase_tag(*p)
    }

    fn kind(&self, k: &SubjectKind) -> &'static str {
        self.ctx.t(&format!("consultation.kind.{}", k.as_str()))
    }
}

/// `GET /consultations`: the drafts I am asked to comment on.
async fn mine(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let rows = st.store.my_consultations(&auth.p, today()).await?;
    Ok(ListPage {
        title: auth.ctx.t("consultation.mine.title").to_owned(),
        ctx: auth.ctx,
        org: None,
        may_open: false,
        rows,
    }
    .into_response())
}

/// `GET /orgs/{id}/consultations`: a unit's consultations.
async fn unit_list(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id(&id)?).await?;
    let rows = st
        .store
        .unit_consultations(&auth.p, org.id, today())
        .await?;
    Ok(ListPage {
        title: format!("{} – {}", auth.ctx.t("consultation.unit.title"), org.name),
        may_open: auth.p.can(Permission::EditOrgs, &org.path) && org.valid_to.is_none(),
        org: Some((org.id, org.name)),
        ctx: auth.ctx,
        rows,
    }
    .into_response())
}

// ---- Opening a consultation --------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "consultation/new.html")]
struct NewPage {
    ctx: Ctx,
    title: String,
    org_id: OrgId,
    org_name: String,
    /// The draft program, when opening on one.
    program: Option<(ProgramId, String)>,
    errors: FormErrors,
    form: FormData,
}

impl NewPage {
    fn val(&self, name: &str) -> &str {
        self.form.get(name)
    }

    fn checked(&self, name: &str) -> bool {
        !self.form.get(name).is_empty()
    }

    fn kind_is(&self, v: &str, first: &bool) -> bool {
        let current = self.form.get("kind");
        current == v || (current.is_empty() && *first)
    }

    fn kind_options(&self) -> Vec<(&'static str, &'static str)> {
        [SubjectKind::Report, SubjectKind::Resolution]
            .into_iter()
            .map(|k| {
                (
                    k.as_str(),
                    self.ctx.t(&format!("consultation.kind.{}", k.as_str())),
                )
            })
            .collect()
    }
}

async fn new_page(
    st: &AppState,
    auth: &Auth,
    org: OrgId,
    program: Option<ProgramId>,
    form: FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let o = st.store.org_get(&auth.p, org).await?;
    auth.p
        .ensure(Permission::EditOrgs, &o.path)
        .map_err(StoreError::from)?;
    let program = match program {
        Some(pid) => {
            let pr = st.store.program(&auth.p, pid).await?;
            if pr.org_id != o.id {
                return Err(AppError::NotFound);
            }
            Some((pr.id, pr.title))
        }
        None => None,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = NewPage {
        title: forms::title(auth.ctx.lang, &errors, auth.ctx.t("consultation.new.title")),
        ctx: auth.ctx.clone(),
        org_id: o.id,
        org_name: o.name,
        program,
        errors,
        form,
    };
    Ok((status, page).into_response())
}

/// `GET /orgs/{id}/consultations/new[?program=]`.
async fn new_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let program = match query_param(&q, "program").as_str() {
        "" => None,
        raw => Some(forms::id::<ProgramId>(raw)?),
    };
    let today = forms::today_text();
    let in_two_weeks = domain::validate::format_date(forms::today() + time::Duration::days(14));
    let mut form = FormData(vec![
        ("opens_on".into(), today),
        ("closes_on".into(), in_two_weeks),
        ("members".into(), "1".into()),
    ]);
    if let Some(pid) = program {
        form.0.push(("program".into(), pid.to_string()));
    }
    new_page(
        &st,
        &auth,
        forms::id(&id)?,
        program,
        form,
        FormErrors::default(),
    )
    .await
}

/// `POST /orgs/{id}/consultations/new`.
async fn new_submit(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org: OrgId = forms::id(&id)?;
    let lang = auth.ctx.lang;
    let program = match f.get("program").trim() {
        "" => None,
        raw => Some(raw.parse::<ProgramId>().map_err(|_| AppError::BadRequest)?),
    };
    let kind = match program {
        Some(_) => SubjectKind::Program,
        None => SubjectKind::parse(f.get("kind")).unwrap_or(SubjectKind::Report),
    };
    let input = ConsultationForm {
        title: f.get("title").into(),
        questions: f.get("questions").into(),
        opens_on: f.get("opens_on").into(),
        closes_on: f.get("closes_on").into(),
        members: !f.get("members").is_empty(),
        experts: !f.get("experts").is_empty(),
        public: !f.get("public").is_empty(),
        text: f.get("text").into(),
    };
    let draft = match input.parse(kind, today()) {
        Ok(d) => d,
        Err(inv) => {
            let errors = FormErrors::from_invalid(lang, &inv);
            return new_page(&st, &auth, org, program, f, errors).await;
        }
    };
    let subject = match program {
        Some(pid) => Subject::Program(pid),
        None => Subject::Text(kind),
    };
    match st
        .store
        .open_consultation(
            &auth.p,
            NewConsultation {
                org_id: org,
                subject,
                draft,
            },
            today(),
        )
        .await
    {
        Ok(c) => {
            // The portal's home lists the open public consultations: rendered afresh.
            st.portal.changed();
            Ok(Redirect::to(&format!("/consultations/{}?done=opened", c.id)).into_response())
        }
        Err(e) => {
            let errors = store_errors(lang, e)?;
            new_page(&st, &auth, org, program, f, errors).await
        }
    }
}

// ---- The consultation's page -------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "consultation/show.html")]
struct ShowPage {
    ctx: Ctx,
    title: String,
    c: Consultation,
    notice: String,
    errors: FormErrors,
    form: FormData,
    /// The item the comment form starts on (`?item=`).
    item: String,
    /// An expert just invited, with the password to hand over (shown once).
    invited: Option<(String, String)>,
}

impl ShowPage {
    fn val(&self, name: &str) -> &str {
        self.form.get(name)
    }

    fn phase(&self) -> &'static str {
        self.ctx
            .t(&format!("consultation.phase.{}", self.c.phase.as_str()))
    }

    fn tag(&self) -> &'static str {
        phase_tag(self.c.phase)
    }

    fn kind(&self) -> &'static str {
        self.ctx
            .t(&format!("consultation.kind.{}", self.c.kind.as_str()))
    }

    fn office(&self) -> bool {
        self.c.viewer.is_office()
    }

    fn may_comment(&self) -> bool {
        self.c.viewer.may_comment(self.c.audiences) && self.c.phase == Phase::Open
    }

    fn may_invite(&self) -> bool {
        self.office() && self.c.audiences.experts && self.c.phase != Phase::Closed
    }

    fn may_end(&self) -> bool {
        self.office() && self.c.phase != Phase::Closed
    }

    fn may_close_rest(&self) -> bool {
        self.office()
            && self.c.phase == Phase::Closed
            && self.c.unanswered > 0
            && !self.c.finalized()
    }

    fn may_answer(&self, cm: &Comment) -> bool {
        self.office() && !self.c.finalized() && cm.moderation != Moderation::Rejected
    }

    fn label(&self, i: &DraftItem) -> String {
        item_label(self.ctx.lang, i.kind, i.number)
    }

    fn target(&self, cm: &Comment) -> String {
        target_label(self.ctx.lang, &self.c.items, cm.item)
    }

    fn options(&self) -> Vec<(String, String)> {
        item_options(self.ctx.lang, &self.c.items)
    }

    fn selected(&self, v: &str) -> bool {
        let current = if self.form.get("item").is_empty() {
            self.item.as_str()
        } else {
            self.form.get("item")
        };
        current == v
    }

    fn source(&self, s: &CommentSource) -> &'static str {
        self.ctx.t(&format!("consultation.source.{}", s.as_str()))
    }

    fn moderation(&self, m: &Moderation) -> &'static str {
        self.ctx
            .t(&format!("consultation.moderation.{}", m.as_str()))
    }

    fn answer(&self, a: &Answer) -> &'static str {
        self.ctx.t(&format!("consultation.answer.{}", a.as_str()))
    }

    fn answer_tag(&self, a: &Answer) -> &'static str {
        match a {
            Answer::TakenIn => "tag-green",
            Answer::PartlyTakenIn => "tag-yellow",
            Answer::NotTakenIn => "tag-red",
            Answer::ClosedWithRest => "tag-grey",
        }
    }

    /// Whether a heading starts before item `i` (its first item, or a new heading).
    fn heading_at(&self, i: &usize) -> Option<&str> {
        let i = *i;
        let h = self.c.items.get(i)?.heading.as_deref()?;
        let prev = i
            .checked_sub(1)
            .and_then(|p| self.c.items[p].heading.as_deref());
        (prev != Some(h)).then_some(h)
    }

    fn first_task(&self, i: &usize) -> bool {
        let i = *i;
        self.c.items[i].kind == ItemKind::Task
            && (i == 0 || self.c.items[i - 1].kind != ItemKind::Task)
    }

    fn count_text(&self) -> String {
        i18n::fill(
            self.ctx.t("consultation.show.counts"),
            &[
                ("n", &self.c.comments.len()),
                ("unanswered", &self.c.unanswered),
                ("pending", &self.c.pending),
            ],
        )
    }
}

#[allow(clippy::too_many_arguments)]
async fn show_page(
    st: &AppState,
    auth: &Auth,
    id: domain::consultation::ConsultationId,
    status: StatusCode,
    notice: String,
    errors: FormErrors,
    form: FormData,
    invited: Option<(String, String)>,
) -> Result<Response, AppError> {
    let c = st.store.consultation(&auth.p, id, today()).await?;
    let page = ShowPage {
        title: forms::title(auth.ctx.lang, &errors, &c.title),
        ctx: auth.ctx.clone(),
        c,
        notice,
        errors,
        form,
        item: String::new(),
        invited,
    };
    Ok((status, page).into_response())
}

/// `GET /consultations/{id}[?item=&done=]`.
async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let c = st
        .store
        .consultation(&auth.p, forms::id(&id)?, today())
        .await?;
    let notice = match query_param(&q, "done").as_str() {
        d @ ("opened" | "sent" | "ended" | "closed" | "answered" | "moderated") => {
            auth.ctx.t(&format!("consultation.done.{d}")).to_owned()
        }
        _ => String::new(),
    };
    Ok(ShowPage {
        title: c.title.clone(),
        ctx: auth.ctx,
        c,
        notice,
        errors: FormErrors::default(),
        form: FormData::default(),
        item: query_param(&q, "item"),
        invited: None,
    }
    .into_response())
}

/// `POST /consultations/{id}/comments`: a member's or an expert's comment.
async fn comment(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = forms::id(&id)?;
    let lang = auth.ctx.lang;
    let c = st.store.consultation(&auth.p, id, today()).await?;
    let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
    let form = CommentForm {
        item: f.get("item").into(),
        body: f.get("body").into(),
        proposed: f.get("proposed").into(),
    };
    let result = match form.parse(&ids) {
        Ok(draft) => st.store.comment_on(&auth.p, id, draft, today()).await,
        Err(inv) => Err(StoreError::Invalid(inv)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/consultations/{id}?done=sent#mine")).into_response()),
        Err(StoreError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => {
            let errors = store_errors(lang, e)?;
            show_page(
                &st,
                &auth,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                errors,
                f,
                None,
            )
            .await
        }
    }
}

/// `POST /consultations/{id}/experts`: invites an expert with an account of their own;
/// the page shows the password once, for the office to hand over.
async fn invite(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = forms::id(&id)?;
    let lang = auth.ctx.lang;
    // A readable one-time password: 4 groups of 4 from an alphabet without look-alikes.
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let password: String = (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-");
    let hash = st
        .passwords
        .hash(password.clone())
        .await
        .map_err(|_| AppError::internal("password gate busy"))?
        .map_err(AppError::internal)?;
    let affiliation = f.get("affiliation").trim();
    match st
        .store
        .invite_expert(
            &auth.p,
            id,
            NewExpert {
                username: f.get("username").into(),
                display_name: f.get("display_name").into(),
                affiliation: (!affiliation.is_empty()).then(|| affiliation.to_owned()),
                password_hash: hash,
            },
            today(),
        )
        .await
    {
        Ok(e) => {
            show_page(
                &st,
                &auth,
                id,
                StatusCode::OK,
                auth.ctx.t("consultation.done.invited").to_owned(),
                FormErrors::default(),
                FormData::default(),
                Some((e.username, password)),
            )
            .await
        }
        Err(StoreError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => {
            let errors = store_errors(lang, e)?;
            show_page(
                &st,
                &auth,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                errors,
                f,
                None,
            )
            .await
        }
    }
}

/// `POST /consultations/{id}/end`: ends the period today.
/// `GET /consultations/{id}/end`: ending a consultation cannot be undone, so the office
/// sees what it ends first.
async fn end_confirm(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let c = st
        .store
        .consultation(&auth.p, forms::id(&id)?, today())
        .await?;
    if !c.viewer.is_office() {
        return Err(AppError::Forbidden);
    }
    if c.phase == Phase::Closed {
        return Ok(Redirect::to(&format!("/consultations/{}", c.id)).into_response());
    }
    let ctx = &auth.ctx;
    let t = |k: &str| ctx.t(k).to_owned();
    let answers = vec![
        (
            t("consultation.show.period"),
            format!("{} – {}", ctx.date(&c.opens_on), ctx.date(&c.closes_on)),
        ),
        (
            t("consultation.show.comments"),
            i18n::fill(
                ctx.t("consultation.show.counts"),
                &[
                    ("n", &c.comments.len()),
                    ("unanswered", &c.unanswered),
                    ("pending", &c.pending),
                ],
            ),
        ),
    ];
    Ok(crate::shell::ConfirmPage {
        title: t("consultation.end_confirm.title"),
        caption: c.title.clone(),
        intro: i18n::fill(
            ctx.t("consultation.end_confirm.intro"),
            &[("today", &ctx.date(&today()))],
        ),
        answers,
        after: t("consultation.end_confirm.after"),
        action: format!("/consultations/{}/end", c.id),
        submit: t("consultation.end_confirm.submit"),
        cancel_href: format!("/consultations/{}", c.id),
        ctx: auth.ctx.clone(),
    }
    .into_response())
}

async fn end(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = forms::id(&id)?;
    if f.get("confirm") != "yes" {
        // Without the confirmation (an old form): show the office what it would end.
        let c = st.store.consultation(&auth.p, id, today()).await?;
        if !c.viewer.is_office() {
            return Err(AppError::Forbidden);
        }
        return Ok(Redirect::to(&format!("/consultations/{id}/end")).into_response());
    }
    match st.store.end_consultation(&auth.p, id, today()).await {
        Ok(_) => {
            st.portal.changed();
            Ok(Redirect::to(&format!("/consultations/{id}?done=ended")).into_response())
        }
        Err(StoreError::Conflict(code)) => {
            let mut errors = FormErrors::default();
            errors.push(auth.ctx.lang, "form", code);
            show_page(
                &st,
                &auth,
                id,
                StatusCode::CONFLICT,
                String::new(),
                errors,
                FormData::default(),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /consultations/{id}/close-rest`: closes every unanswered comment with one reason.
async fn close_rest(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id = forms::id(&id)?;
    match st
        .store
        .close_rest(&auth.p, id, f.get("rest_reason"), today())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/consultations/{id}?done=closed")).into_response()),
        Err(StoreError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => {
            let mut errors = FormErrors::default();
            match e {
                StoreError::Invalid(inv) => {
                    for x in &inv.0 {
                        errors.push(auth.ctx.lang, "rest_reason", x.code);
                    }
                }
                other => errors = store_errors(auth.ctx.lang, other)?,
            }
            show_page(
                &st,
                &auth,
                id,
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                errors,
                f,
                None,
            )
            .await
        }
    }
}

/// `POST /consultation-comments/{id}/moderate`: publish or hide (with a reason) a pending
/// public comment.
async fn moderate(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let cid: domain::consultation::CommentId = forms::id(&id)?;
    let lang = auth.ctx.lang;
    let result = match ModerationDecision::parse(f.get("decision"), f.get("reason")) {
        Ok(d) => st.store.moderate_comment(&auth.p, cid, d, today()).await,
        Err(inv) => Err(StoreError::Invalid(inv)),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!(
            "/consultations/{}?done=moderated#c{}",
            c.consultation_id, c.id
        ))
        .into_response()),
        Err(StoreError::Forbidden) => Err(AppError::Forbidden),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => {
            let consultation = consultation_of(&st, &auth, cid).await?;
            let mut errors = store_errors(lang, e)?;
            for m in &mut errors.0 {
                if m.field == "reason" || m.field == "decision" || m.field == "form" {
                    m.field = format!("c{cid}");
                }
            }
            show_page(
                &st,
                &auth,
                consultation,
                StatusCode::UNPROCESSABLE_ENTITY,
                String::new(),
                errors,
                FormData::default(),
                None,
            )
            .await
        }
    }
}

/// The consultation a comment belongs to, as the principal sees it (`NotFound` when the
/// comment is not among what they see).
async fn consultation_of(
    st: &AppState,
    auth: &Auth,
    cid: domain::consultation::CommentId,
) -> Result<domain::consultation::ConsultationId, AppError> {
    // The store checks again on every write; this finds the page to go back to.
    let mine = st.store.comment_consultation(&auth.p, cid, today()).await?;
    Ok(mine.0.id)
}

// ---- Answering a comment -----------------------------------------------------------------

fn answer_page(
    ctx: &Ctx,
    c: &Consultation,
    cm: &Comment,
    form: &FormData,
    errors: FormErrors,
) -> Response {
    let lang = ctx.lang;
    let mut page = FormPage::new(
        ctx,
        ctx.t("consultation.answer.title"),
        &format!("/consultation-comments/{}/answer", cm.id),
        errors,
    );
    page.caption = c.title.clone();
    let mut intro = format!(
        "{} – {} ({}): {}",
        target_label(lang, &c.items, cm.item),
        cm.author_name,
        ctx.t(&format!("consultation.source.{}", cm.source.as_str())),
        cm.body
    );
    if let Some(p) = &cm.proposed {
        intro.push_str(&format!(
            " — {}: {p}",
            ctx.t("consultation.comment.proposed")
        ));
    }
    page.intro = intro;
    let current = |name: &str, fallback: Option<&str>| {
        if form.0.is_empty() {
            fallback.unwrap_or("").to_owned()
        } else {
            form.get(name).to_owned()
        }
    };
    let item_text = cm.item.and_then(|i| c.item(i)).map(|i| i.text.as_str());
    page.fields = vec![
        Field::radios(
            "answer",
            ctx.t("consultation.answer.answer"),
            &current("answer", cm.answer.map(Answer::as_str)),
            [Answer::TakenIn, Answer::PartlyTakenIn, Answer::NotTakenIn]
                .into_iter()
                .map(|a| {
                    (
                        a.as_str().to_owned(),
                        ctx.t(&format!("consultation.answer.{}", a.as_str()))
                            .to_owned(),
                    )
                })
                .collect(),
        ),
        Field::textarea(
            "reason",
            ctx.t("consultation.answer.reason"),
            &current("reason", cm.answer_reason.as_deref()),
        )
        .hint(ctx.t("consultation.answer.reason_hint")),
        Field::textarea(
            "changed_text",
            ctx.t("consultation.answer.changed_text"),
            &current(
                "changed_text",
                cm.changed_text
                    .as_deref()
                    .or(cm.proposed.as_deref())
                    .or(item_text),
            ),
        )
        .hint(ctx.t("consultation.answer.changed_hint")),
    ];
    page.submit = ctx.t("consultation.answer.submit").to_owned();
    page.cancel_href = format!("/consultations/{}#c{}", c.id, cm.id);
    page.respond()
}

/// `GET /consultation-comments/{id}/answer`.
async fn answer_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (c, cm) = st
        .store
        .comment_consultation(&auth.p, forms::id(&id)?, today())
        .await?;
    if !c.viewer.is_office() {
        return Err(AppError::Forbidden);
    }
    Ok(answer_page(
        &auth.ctx,
        &c,
        &cm,
        &FormData::default(),
        FormErrors::default(),
    ))
}

/// `POST /consultation-comments/{id}/answer`.
async fn answer_submit(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let cid = forms::id(&id)?;
    let (c, cm) = st.store.comment_consultation(&auth.p, cid, today()).await?;
    let form = AnswerForm {
        answer: f.get("answer").into(),
        reason: f.get("reason").into(),
        changed_text: f.get("changed_text").into(),
    };
    let result = match form.parse() {
        Ok(a) => st.store.answer_comment(&auth.p, cid, a, today()).await,
        Err(inv) => Err(StoreError::Invalid(inv)),
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/consultations/{}?done=answered#c{cid}", c.id)).into_response(),
        ),
        Err(StoreError::Forbidden) => Err(AppError::Forbidden),
        Err(e) => {
            let errors = store_errors(auth.ctx.lang, e)?;
            Ok(answer_page(&auth.ctx, &c, &cm, &f, errors))
        }
    }
}
