//! Emulation and commendation (issue 17 items 4-5): pages for a unit's movements, a
//! movement (targets, pledges with their progress read from the record, quarters closed,
//! nominations, the council's votes, decisions and the public register), the register of
//! a unit, a certificate as .docx, the search for advanced models with its reasoning, and
//! the library of models.
//!
//! - `/orgs/{id}/emulation` (+ `/new`): the movements that reach a unit; launching one;
//! - `/emulation/{id}`: a movement as the user may see it; its forms (`/pledge`, `/close`,
//!   `/snapshot`, `/nominate`, `/decision`) and `/emulation-nominations/{id}/vote`;
//! - `/emulation/{id}/models`: the candidates found in the closed quarters, and confirming
//!   one; `/models`, `/models/{id}` (+ `/links`): the library;
//! - `/orgs/{id}/awards`: the register of a unit; `/awards/{id}/certificate.docx`.
//!
//! Authorization is the store's (`domain::emulation`): a page outside the user's reach is a
//! 404, an action they may not take a 403.

mod certificate;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::emulation::{DecisionDraft, MovementDraft, NominationState, PassRule, Vote};
use domain::models::{Settings, quarter_of, quarter_parts};
use domain::target::parse_number;
use domain::{DocumentId, Invalid, MemberId, OrgId, Permission, TaskId, validate};
use store::{
    AdvancedModel, Award, ModelSearch, ModelView, Movement, MovementView, NewModel, NewNomination,
    Org, Page, PledgeInput, VoteInput,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage};
use crate::targets::number;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs/{id}/emulation", get(unit_page))
        .route(
            "/orgs/{id}/emulation/new",
            get(launch_form).post(launch_post),
        )
        .route("/orgs/{id}/awards", get(register_page))
        .route("/emulation/{id}", get(movement_page))
        .route("/emulation/{id}/pledge", get(pledge_form).post(pledge_post))
        .route("/emulation/{id}/close", post(close_post))
        .route(
            "/emulation/{id}/snapshot",
            get(snapshot_form).post(snapshot_post),
        )
        .route(
            "/emulation/{id}/nominate",
            get(nominate_form).post(nominate_post),
        )
        .route(
            "/emulation/{id}/decision",
            get(decision_form).post(decision_post),
        )
        .route(
            "/emulation/{id}/models",
            get(models_page).post(confirm_post),
        )
        .route(
            "/emulation-nominations/{id}/vote",
            get(vote_form).post(vote_post),
        )
        .route("/awards/{id}/certificate.docx", get(certificate::docx))
        .route(
            "/awards/{id}/decision.docx",
            get(certificate::decision_docx),
        )
        .route("/models", get(library_page))
        .route("/models/{id}", get(model_page))
        .route("/models/{id}/links", post(link_post))
}

// ---- Labels ---------------------------------------------------------------------------------

/// "Quý 2/2025".
pub(crate) fn period_label(ctx: &Ctx, period: i32) -> String {
    let (y, q) = quarter_parts(period);
    i18n::fill(ctx.t("emulation.period"), &[("q", &q), ("y", &y)])
}

pub(crate) fn movement_state(
    ctx: &Ctx,
    s: impl std::borrow::Borrow<domain::emulation::MovementState>,
) -> &'static str {
    ctx.t(&format!("emulation.state.{}", s.borrow().as_str()))
}

pub(crate) fn state_label(ctx: &Ctx, s: impl std::borrow::Borrow<NominationState>) -> &'static str {
    ctx.t(&format!("emulation.nomination.{}", s.borrow().as_str()))
}

pub(crate) fn state_tag(s: impl std::borrow::Borrow<NominationState>) -> &'static str {
    match s.borrow() {
        NominationState::Proposed => "tag-grey",
        NominationState::Passed => "tag-blue",
        NominationState::Rejected => "tag-red",
        NominationState::Awarded => "tag-green",
    }
}

fn metric_label(ctx: &Ctx, label: &str) -> String {
    if label == "pace" {
        ctx.t("emulation.models.pace").to_owned()
    } else {
        label.to_owned()
    }
}

fn fmt(ctx: &Ctx, v: f64) -> String {
    number(ctx, v)
}

/// One decimal, the page's way (5,2 in Vietnamese).
fn dec1(ctx: &Ctx, v: f64) -> String {
    let t = format!("{v:.1}");
    match ctx.lang {
        i18n::Lang::Vi => t.replace('.', ","),
        i18n::Lang::En => t,
    }
}

fn with_done(path: &str, done: &str) -> Response {
    Redirect::to(&format!("{path}?done={done}")).into_response()
}

fn done_notice(ctx: &Ctx, raw: &Option<String>) -> String {
    let done = forms::query_param(raw, "done");
    match done.as_str() {
        "launched" | "pledged" | "closed" | "snapshot" | "nominated" | "voted" | "decided"
        | "confirmed" | "linked" => ctx.t(&format!("emulation.done.{done}")).to_owned(),
        _ => String::new(),
    }
}

// ---- A unit's movements ------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "emulation/unit.html")]
struct UnitPage {
    ctx: Ctx,
    title: String,
    org: Org,
    movements: Vec<Movement>,
    may_launch: bool,
}

async fn unit_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let movements = st.store.movements(&auth.p, org.id).await?;
    let ctx = auth.ctx;
    Ok(UnitPage {
        title: ctx.t("emulation.unit.title").to_owned(),
        may_launch: domain::emulation::may_manage(&auth.p, &org.path),
        ctx,
        org,
        movements,
    }
    .into_response())
}

/// The documents a unit may launch a movement from: its own and its ancestors'.
async fn document_options(
    st: &AppState,
    auth: &Auth,
    org: &Org,
) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    let mut ids = vec![org.id];
    for c in st.store.org_ancestors(&auth.p, org.id).await? {
        if !ids.contains(&c.id) {
            ids.push(c.id);
        }
    }
    for issuer in ids {
        let docs = match st
            .store
            .documents(
                &auth.p,
                issuer,
                Page {
                    offset: 0,
                    limit: 100,
                },
            )
            .await
        {
            Ok(d) => d,
            Err(store::StoreError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        };
        for d in docs {
            out.push((d.id.to_string(), format!("{} – {}", d.symbol, d.title)));
        }
    }
    Ok(out)
}

async fn launch_page(
    st: &AppState,
    auth: &Auth,
    org: &Org,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let mut page = FormPage::new(
        ctx,
        ctx.t("emulation.launch.title"),
        &format!("/orgs/{}/emulation/new", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.intro = ctx.t("emulation.launch.intro").to_owned();
    page.cancel_href = format!("/orgs/{}/emulation", org.id);
    page.submit = ctx.t("emulation.launch.submit").to_owned();
    page.fields = vec![
        Field::select(
            "document_id",
            ctx.t("emulation.launch.document"),
            f.get("document_id"),
            document_options(st, auth, org).await?,
        ),
        Field::text("title", ctx.t("emulation.launch.name"), f.get("title")),
        Field::textarea(
            "content",
            ctx.t("emulation.launch.content"),
            f.get("content"),
        ),
        Field::date(
            lang,
            "starts_on",
            ctx.t("emulation.launch.starts_on"),
            f.get("starts_on"),
        ),
        Field::date(
            lang,
            "ends_on",
            ctx.t("emulation.launch.ends_on"),
            f.get("ends_on"),
        ),
        Field::date(
            lang,
            "pledge_by",
            ctx.t("emulation.launch.pledge_by"),
            f.get("pledge_by"),
        )
        .hint(ctx.t("emulation.launch.pledge_by_hint")),
    ];
    Ok(page.respond())
}

async fn launch_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    if !domain::emulation::may_manage(&auth.p, &org.path) {
        return Err(AppError::Forbidden);
    }
    launch_page(
        &st,
        &auth,
        &org,
        &FormData::default(),
        FormErrors::default(),
    )
    .await
}

fn date_field(inv: &mut Invalid, f: &FormData, name: &'static str) -> Option<time::Date> {
    inv.take(validate::optional_date(name, f.get(name)))
        .flatten()
}

async fn launch_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let mut inv = Invalid::default();
    let document = f
        .get("document_id")
        .trim()
        .parse::<i64>()
        .ok()
        .map(DocumentId);
    if document.is_none() {
        inv.push("document_id", "required");
    }
    let draft = MovementDraft {
        title: f.get("title").to_owned(),
        content: f.get("content").to_owned(),
        starts_on: date_field(&mut inv, &f, "starts_on"),
        ends_on: date_field(&mut inv, &f, "ends_on"),
        pledge_by: date_field(&mut inv, &f, "pledge_by"),
    };
    if let Err(e) = draft.check() {
        for fe in e.0 {
            if !inv.0.iter().any(|x| x.field == fe.field) {
                inv.0.push(fe);
            }
        }
    }
    let result = match document {
        Some(doc) if inv.is_empty() => st.store.launch_movement(&auth.p, org.id, doc, draft).await,
        _ => Err(inv.into()),
    };
    match result {
        Ok(m) => Ok(with_done(&format!("/emulation/{}", m.id), "launched")),
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            launch_page(&st, &auth, &org, &f, errors).await
        }
    }
}

// ---- A movement -------------------------------------------------------------------------------

/// A pledge's line as shown.
pub struct LineView {
    pub indicator: String,
    pub pledged: String,
    pub current: String,
    pub reached: bool,
}

pub struct PledgeView {
    pub org_id: OrgId,
    pub org_name: String,
    pub commitments: String,
    pub updated: String,
    pub lines: Vec<LineView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "emulation/movement.html")]
struct MovementPage {
    ctx: Ctx,
    title: String,
    notice: String,
    v: MovementView,
    pledges: Vec<PledgeView>,
    content_html: String,
    pledge_open: bool,
    nominate_open: bool,
    manage: bool,
    passed_waiting: usize,
}

impl MovementPage {
    fn period(&self, p: &i32) -> String {
        period_label(&self.ctx, *p)
    }

    fn signed(&self, d: &store::Decision) -> String {
        self.ctx.fill(
            "emulation.movement.signed",
            "date",
            self.ctx.date(&d.signed_on),
        )
    }

    fn goal(&self, t: &store::MovementTarget) -> String {
        format!("{} {}", fmt(&self.ctx, t.target_value), t.unit)
    }
}

async fn movement_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let v = st.store.movement(&auth.p, forms::id(&id)?).await?;
    let ctx = auth.ctx;
    let pledges = v
        .pledges
        .iter()
        .map(|p| PledgeView {
            org_id: p.org_id,
            org_name: p.org_name.clone(),
            commitments: p.commitments.clone(),
            updated: ctx.day(&p.updated_at),
            lines: p
                .lines
                .iter()
                .filter_map(|l| {
                    let t = v.targets.iter().find(|t| t.id == l.target_id)?;
                    Some(LineView {
                        indicator: t.indicator.clone(),
                        pledged: format!("{} {}", fmt(&ctx, l.value), t.unit),
                        current: l
                            .current
                            .map(|c| format!("{} {}", fmt(&ctx, c), t.unit))
                            .unwrap_or_else(|| ctx.t("emulation.movement.no_value").to_owned()),
                        reached: l.reached,
                    })
                })
                .collect(),
        })
        .collect();
    let open = v.movement.state == domain::emulation::MovementState::Open;
    Ok(MovementPage {
        title: v.movement.title.clone(),
        notice: done_notice(&ctx, &q),
        content_html: crate::markdown::render(&v.movement.content),
        pledge_open: open && !v.my_units.is_empty() && forms::today() <= v.movement.pledge_by,
        nominate_open: !open && !v.my_units.is_empty(),
        manage: v.may_manage,
        passed_waiting: v
            .nominations
            .iter()
            .filter(|n| n.state == NominationState::Passed)
            .count(),
        ctx,
        pledges,
        v,
    }
    .into_response())
}

// ---- Pledges ------------------------------------------------------------------------------------

async fn pledge_page(
    st: &AppState,
    auth: &Auth,
    id: i64,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let v = st.store.movement(&auth.p, id).await?;
    if v.my_units.is_empty() {
        return Err(AppError::Forbidden);
    }
    let ctx = &auth.ctx;
    let mut page = FormPage::new(
        ctx,
        ctx.t("emulation.pledge.title"),
        &format!("/emulation/{id}/pledge"),
        errors,
    );
    page.caption = v.movement.title.clone();
    page.intro = ctx.t("emulation.pledge.intro").to_owned();
    page.cancel_href = format!("/emulation/{id}");
    page.submit = ctx.t("emulation.pledge.submit").to_owned();
    // The unit's current pledge fills the form the first time.
    let unit = if f.get("org_id").is_empty() {
        v.my_units[0].0.to_string()
    } else {
        f.get("org_id").to_owned()
    };
    let existing = v.pledges.iter().find(|p| p.org_id.to_string() == unit);
    let fresh = f.0.is_empty();
    let value_of = |name: &str, tid: i64| -> String {
        if fresh {
            existing
                .and_then(|p| p.lines.iter().find(|l| l.target_id == tid))
                .map(|l| fmt(ctx, l.value))
                .unwrap_or_default()
        } else {
            f.get(name).to_owned()
        }
    };
    page.fields.push(Field::select(
        "org_id",
        ctx.t("emulation.pledge.unit"),
        &unit,
        v.my_units
            .iter()
            .map(|(o, n)| (o.to_string(), n.clone()))
            .collect(),
    ));
    page.fields.push(Field::textarea(
        "commitments",
        ctx.t("emulation.pledge.commitments"),
        &if fresh {
            existing.map(|p| p.commitments.clone()).unwrap_or_default()
        } else {
            f.get("commitments").to_owned()
        },
    ));
    for t in &v.targets {
        let name = format!("value_{}", t.id);
        page.fields.push(
            Field::short(
                &name,
                &format!("{} ({})", t.indicator, t.unit),
                &value_of(&name, t.id),
            )
            .hint(&i18n::fill(
                ctx.t("emulation.pledge.goal_hint"),
                &[("goal", &format!("{} {}", fmt(ctx, t.target_value), t.unit))],
            )),
        );
    }
    Ok(page.respond())
}

async fn pledge_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = forms::id(&id)?;
    pledge_page(&st, &auth, id, &FormData::default(), FormErrors::default()).await
}

async fn pledge_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let v = st.store.movement(&auth.p, id).await?;
    let mut inv = Invalid::default();
    let org = f.get("org_id").trim().parse::<i64>().ok().map(OrgId);
    if org.is_none() {
        inv.push("org_id", "required");
    }
    let mut values = Vec::new();
    let mut bad = FormErrors::default();
    for t in &v.targets {
        let name = format!("value_{}", t.id);
        let raw = f.get(&name);
        if raw.trim().is_empty() {
            continue;
        }
        match parse_number("value", raw) {
            Ok(x) => values.push((t.id, x)),
            Err(_) => bad.push(auth.ctx.lang, &name, "bad_number"),
        }
    }
    if !bad.is_empty() {
        return pledge_page(&st, &auth, id, &f, bad).await;
    }
    let result = match org {
        Some(org) if inv.is_empty() => {
            st.store
                .save_pledge(
                    &auth.p,
                    id,
                    org,
                    PledgeInput {
                        commitments: f.get("commitments").to_owned(),
                        values,
                    },
                    forms::today(),
                )
                .await
        }
        _ => Err(inv.into()),
    };
    match result {
        Ok(_) => Ok(with_done(&format!("/emulation/{id}"), "pledged")),
        Err(e) => {
            let errors = forms::store_errors(auth.ctx.lang, e)?;
            pledge_page(&st, &auth, id, &f, errors).await
        }
    }
}

async fn close_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    match st.store.close_movement(&auth.p, id).await {
        Ok(_) => Ok(with_done(&format!("/emulation/{id}"), "closed")),
        Err(store::StoreError::Conflict(_)) => Ok(with_done(&format!("/emulation/{id}"), "closed")),
        Err(e) => Err(e.into()),
    }
}

// ---- Quarters closed from the record ------------------------------------------------------------

async fn snapshot_page(
    st: &AppState,
    auth: &Auth,
    id: i64,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let v = st.store.movement(&auth.p, id).await?;
    if !v.may_manage {
        return Err(AppError::Forbidden);
    }
    let ctx = &auth.ctx;
    let first = quarter_of(v.movement.starts_on);
    let last = quarter_of(v.movement.ends_on).min(quarter_of(forms::today()));
    let options: Vec<(String, String)> = (first..=last)
        .rev()
        .filter(|p| !v.snapshots.iter().any(|s| s.period == *p))
        .map(|p| (p.to_string(), period_label(ctx, p)))
        .collect();
    let mut page = FormPage::new(
        ctx,
        ctx.t("emulation.snapshot.title"),
        &format!("/emulation/{id}/snapshot"),
        errors,
    );
    page.caption = v.movement.title.clone();
    page.intro = ctx.t("emulation.snapshot.intro").to_owned();
    page.cancel_href = format!("/emulation/{id}");
    page.submit = ctx.t("emulation.snapshot.submit").to_owned();
    page.fields.push(Field::select(
        "period",
        ctx.t("emulation.snapshot.period"),
        f.get("period"),
        options,
    ));
    Ok(page.respond())
}

async fn snapshot_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    snapshot_page(
        &st,
        &auth,
        forms::id(&id)?,
        &FormData::default(),
        FormErrors::default(),
    )
    .await
}

async fn snapshot_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let result = match f.get("period").trim().parse::<i32>() {
        Ok(period) => st.store.take_snapshot(&auth.p, id, period).await,
        Err(_) => Err(Invalid::one("period", "required").into()),
    };
    match result {
        Ok(_) => Ok(with_done(&format!("/emulation/{id}"), "snapshot")),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "period".into();
                }
            }
            snapshot_page(&st, &auth, id, &f, errors).await
        }
    }
}

// ---- Nominations and the council's vote ---------------------------------------------------------

async fn kind_options(st: &AppState, auth: &Auth) -> Result<Vec<(String, String)>, AppError> {
    let kinds = st.store.award_kinds(&auth.p).await?;
    Ok(kinds
        .into_iter()
        .filter(|k| k.active)
        .map(|k| {
            let who = match (k.collective, k.individual) {
                (true, true) => auth.ctx.t("emulation.recipient.both"),
                (true, false) => auth.ctx.t("emulation.recipient.collective"),
                _ => auth.ctx.t("emulation.recipient.individual"),
            };
            let name = match auth.ctx.lang {
                i18n::Lang::Vi => k.name_vi,
                i18n::Lang::En => k.name_en,
            };
            (k.code, format!("{name} ({who})"))
        })
        .collect())
}

async fn nominate_page(
    st: &AppState,
    auth: &Auth,
    id: i64,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let v = st.store.movement(&auth.p, id).await?;
    if v.my_units.is_empty() {
        return Err(AppError::Forbidden);
    }
    let ctx = &auth.ctx;
    let mut page = FormPage::new(
        ctx,
        ctx.t("emulation.nominate.title"),
        &format!("/emulation/{id}/nominate"),
        errors,
    );
    page.caption = v.movement.title.clone();
    page.intro = ctx.t("emulation.nominate.intro").to_owned();
    page.cancel_href = format!("/emulation/{id}");
    page.submit = ctx.t("emulation.nominate.submit").to_owned();
    // Units the nominator may name: its own units and their children.
    let mut units: Vec<(String, String)> = Vec::new();
    for (o, name) in &v.my_units {
        units.push((o.to_string(), name.clone()));
        for c in st.store.org_children(&auth.p, *o, false).await? {
            units.push((c.id.to_string(), format!("— {}", c.name)));
        }
    }
    let nominators: Vec<(String, String)> = v
        .my_units
        .iter()
        .map(|(o, n)| (o.to_string(), n.clone()))
        .collect();
    page.fields = vec![
        Field::select(
            "nominator_org_id",
            ctx.t("emulation.nominate.nominator"),
            f.get("nominator_org_id"),
            nominators,
        ),
        Field::select(
            "org_id",
            ctx.t("emulation.nominate.unit"),
            f.get("org_id"),
            std::iter::once((String::new(), ctx.t("emulation.nominate.none").to_owned()))
                .chain(units)
                .collect(),
        ),
        Field::short(
            "member_id",
            ctx.t("emulation.nominate.member"),
            f.get("member_id"),
        )
        .hint(ctx.t("emulation.nominate.member_hint")),
        Field::select(
            "award_kind",
            ctx.t("emulation.nominate.kind"),
            f.get("award_kind"),
            kind_options(st, auth).await?,
        ),
        Field::textarea(
            "achievements",
            ctx.t("emulation.nominate.achievements"),
            f.get("achievements"),
        ),
        Field::text(
            "proposed_level",
            ctx.t("emulation.nominate.level"),
            f.get("proposed_level"),
        )
        .hint(ctx.t("emulation.nominate.level_hint")),
    ];
    Ok(page.respond())
}

async fn nominate_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    nominate_page(
        &st,
        &auth,
        forms::id(&id)?,
        &FormData::default(),
        FormErrors::default(),
    )
    .await
}

async fn nominate_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let mut inv = Invalid::default();
    let nominator = f
        .get("nominator_org_id")
        .trim()
        .parse::<i64>()
        .ok()
        .map(OrgId);
    if nominator.is_none() {
        inv.push("nominator_org_id", "required");
    }
    let org = f.get("org_id").trim().parse::<i64>().ok().map(OrgId);
    let member = match f.get("member_id").trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(m) => Some(MemberId(m)),
            Err(_) => {
                inv.push("member_id", "bad_choice");
                None
            }
        },
    };
    let result = match nominator {
        Some(nominator) if inv.is_empty() => {
            st.store
                .nominate(
                    &auth.p,
                    id,
                    NewNomination {
                        nominator_org_id: nominator,
                        org_id: org,
                        member_id: member,
                        award_kind: f.get("award_kind").trim().to_owned(),
                        achievements: f.get("achievements").to_owned(),
                        proposed_level: Some(f.get("proposed_level").to_owned()),
                    },
                )
                .await
        }
        _ => Err(inv.into()),
    };
    match result {
        Ok(_) => Ok(with_done(&format!("/emulation/{id}"), "nominated")),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "org_id".into();
                }
            }
            nominate_page(&st, &auth, id, &f, errors).await
        }
    }
}

async fn vote_page(
    st: &AppState,
    auth: &Auth,
    nomination: i64,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let (v, n) = find_nomination(st, auth, nomination).await?;
    if !v.may_manage {
        return Err(AppError::Forbidden);
    }
    let ctx = &auth.ctx;
    let mut page = FormPage::new(
        ctx,
        ctx.t("emulation.vote.title"),
        &format!("/emulation-nominations/{nomination}/vote"),
        errors,
    );
    page.caption = v.movement.title.clone();
    let who = match &n.member_name {
        Some(m) => format!("{m} ({})", n.org_name),
        None => n.org_name.clone(),
    };
    page.intro = i18n::fill(
        ctx.t("emulation.vote.intro"),
        &[("who", &who), ("award", &n.award_name)],
    );
    page.cancel_href = format!("/emulation/{}", v.movement.id);
    page.submit = ctx.t("emulation.vote.submit").to_owned();
    let rule = PassRule::default();
    let or = |name: &str, default: String| {
        if f.0.is_empty() {
            default
        } else {
            f.get(name).to_owned()
        }
    };
    page.fields = vec![
        Field::date(
            ctx.lang,
            "met_on",
            ctx.t("emulation.vote.met_on"),
            &or("met_on", forms::today_text()),
        ),
        Field::short("members", ctx.t("emulation.vote.members"), f.get("members")),
        Field::short("for_votes", ctx.t("emulation.vote.for"), f.get("for_votes")),
        Field::short("against", ctx.t("emulation.vote.against"), f.get("against")),
        Field::short("abstain", ctx.t("emulation.vote.abstain"), f.get("abstain")),
        Field::short(
            "pass_share",
            ctx.t("emulation.vote.pass_share"),
            &or(
                "pass_share",
                format!("{}/{}", rule.numerator, rule.denominator),
            ),
        )
        .hint(ctx.t("emulation.vote.pass_share_hint")),
        Field::short(
            "quorum_percent",
            ctx.t("emulation.vote.quorum"),
            &or("quorum_percent", rule.quorum_percent.to_string()),
        )
        .hint(ctx.t("emulation.vote.quorum_hint")),
    ];
    Ok(page.respond())
}

async fn find_nomination(
    st: &AppState,
    auth: &Auth,
    nomination: i64,
) -> Result<(MovementView, store::Nomination), AppError> {
    // The nomination's movement: the store answers NotFound for what the user may not see.
    let movement = st.store.nomination_movement(&auth.p, nomination).await?;
    let v = st.store.movement(&auth.p, movement).await?;
    let n = v
        .nominations
        .iter()
        .find(|n| n.id == nomination)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((v, n))
}

async fn vote_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    vote_page(
        &st,
        &auth,
        forms::id(&id)?,
        &FormData::default(),
        FormErrors::default(),
    )
    .await
}

fn count(inv: &mut Invalid, f: &FormData, name: &'static str) -> u32 {
    match f.get(name).trim().parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            inv.push(name, "bad_number");
            0
        }
    }
}

async fn vote_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let nomination: i64 = forms::id(&id)?;
    let (v, _) = find_nomination(&st, &auth, nomination).await?;
    let mut inv = Invalid::default();
    let met_on = date_field(&mut inv, &f, "met_on");
    if met_on.is_none() && !inv.0.iter().any(|e| e.field == "met_on") {
        inv.push("met_on", "required");
    }
    let vote = Vote {
        members: count(&mut inv, &f, "members"),
        for_votes: count(&mut inv, &f, "for_votes"),
        against: count(&mut inv, &f, "against"),
        abstain: count(&mut inv, &f, "abstain"),
    };
    let share = f.get("pass_share").trim().to_owned();
    let rule = match share.split_once('/') {
        Some((a, b)) => match (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
            (Ok(n), Ok(d)) => Some((n, d)),
            _ => None,
        },
        None => None,
    };
    if rule.is_none() {
        inv.push("pass_share", "emulation_pass_rule");
    }
    let quorum = count(&mut inv, &f, "quorum_percent");
    let result = match rule {
        Some((n, d)) if inv.is_empty() => {
            st.store
                .record_vote(
                    &auth.p,
                    nomination,
                    VoteInput {
                        met_on,
                        vote,
                        rule: PassRule {
                            numerator: n,
                            denominator: d,
                            quorum_percent: quorum,
                        },
                    },
                )
                .await
        }
        _ => Err(inv.into()),
    };
    match result {
        Ok(_) => Ok(with_done(&format!("/emulation/{}", v.movement.id), "voted")),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" || m.field == "rule" {
                    m.field = "pass_share".into();
                }
            }
            vote_page(&st, &auth, nomination, &f, errors).await
        }
    }
}

// ---- The decision -----------------------------------------------------------------------------

async fn decision_page(
    st: &AppState,
    auth: &Auth,
    id: i64,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let v = st.store.movement(&auth.p, id).await?;
    if !v.may_manage {
        return Err(AppError::Forbidden);
    }
    let ctx = &auth.ctx;
    let mut page = FormPage::new(
        ctx,
        ctx.t("emulation.decision.title"),
        &format!("/emulation/{id}/decision"),
        errors,
    );
    page.caption = v.movement.title.clone();
    let passed: Vec<String> = v
        .nominations
        .iter()
        .filter(|n| n.state == NominationState::Passed)
        .map(|n| match &n.member_name {
            Some(m) => format!("{m} ({}) – {}", n.org_name, n.award_name),
            None => format!("{} – {}", n.org_name, n.award_name),
        })
        .collect();
    page.intro = if passed.is_empty() {
        ctx.t("emulation.decision.none_passed").to_owned()
    } else {
        i18n::fill(
            ctx.t("emulation.decision.intro"),
            &[("list", &passed.join("; "))],
        )
    };
    page.cancel_href = format!("/emulation/{id}");
    page.submit = ctx.t("emulation.decision.submit").to_owned();
    page.fields = vec![
        Field::short(
            "number",
            ctx.t("emulation.decision.number"),
            f.get("number"),
        )
        .hint(ctx.t("emulation.decision.number_hint")),
        Field::date(
            ctx.lang,
            "signed_on",
            ctx.t("emulation.decision.signed_on"),
            f.get("signed_on"),
        ),
        Field::text(
            "signer_name",
            ctx.t("emulation.decision.signer_name"),
            f.get("signer_name"),
        ),
        Field::text(
            "signer_title",
            ctx.t("emulation.decision.signer_title"),
            f.get("signer_title"),
        ),
        Field::textarea(
            "summary",
            ctx.t("emulation.decision.summary"),
            f.get("summary"),
        ),
    ];
    Ok(page.respond())
}

async fn decision_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    decision_page(
        &st,
        &auth,
        forms::id(&id)?,
        &FormData::default(),
        FormErrors::default(),
    )
    .await
}

async fn decision_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let v = st.store.movement(&auth.p, id).await?;
    let mut inv = Invalid::default();
    let signed_on = date_field(&mut inv, &f, "signed_on");
    let draft = DecisionDraft {
        number: f.get("number").to_owned(),
        signed_on,
        signer_name: f.get("signer_name").to_owned(),
        signer_title: f.get("signer_title").to_owned(),
        summary: f.get("summary").to_owned(),
    };
    if let Err(e) = draft.check() {
        for fe in e.0 {
            if !inv.0.iter().any(|x| x.field == fe.field) {
                inv.0.push(fe);
            }
        }
    }
    // Every nomination the council passed, its achievements as the citation.
    let passed: Vec<(i64, String)> = v
        .nominations
        .iter()
        .filter(|n| n.state == NominationState::Passed)
        .map(|n| (n.id, String::new()))
        .collect();
    let result = if inv.is_empty() {
        st.store.issue_decision(&auth.p, id, draft, passed).await
    } else {
        Err(inv.into())
    };
    match result {
        Ok(_) => Ok(with_done(&format!("/emulation/{id}"), "decided")),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" || m.field == "nominations" {
                    m.field = "number".into();
                }
            }
            decision_page(&st, &auth, id, &f, errors).await
        }
    }
}

// ---- The register -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "emulation/awards.html")]
struct RegisterPage {
    ctx: Ctx,
    title: String,
    org: Org,
    collective: Vec<Award>,
    individual: Vec<Award>,
}

async fn register_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = st.store.org_get(&auth.p, forms::id::<OrgId>(&id)?).await?;
    let awards = st.store.unit_awards(&auth.p, org.id).await?;
    let (individual, collective): (Vec<Award>, Vec<Award>) =
        awards.into_iter().partition(|a| a.member_id.is_some());
    let ctx = auth.ctx;
    Ok(RegisterPage {
        title: ctx.fill("emulation.register.title", "unit", &org.name),
        ctx,
        org,
        collective,
        individual,
    }
    .into_response())
}

// ---- Advanced models ----------------------------------------------------------------------------

pub struct EvidenceRow {
    pub period: String,
    pub value: String,
    pub median: String,
    pub mad: String,
    pub z: String,
    pub peers: usize,
    pub above: bool,
}

pub struct CandidateView {
    pub org_id: OrgId,
    pub name: String,
    pub group: String,
    pub run: usize,
    pub mean_z: String,
    pub rows: Vec<EvidenceRow>,
    pub confirmed: bool,
}

pub(crate) fn candidate_view(
    ctx: &Ctx,
    c: &domain::models::Candidate,
    name: String,
    confirmed: bool,
) -> CandidateView {
    let (lo, hi) = c.group.members_range();
    CandidateView {
        org_id: OrgId(c.unit),
        name,
        group: i18n::fill(
            ctx.t("emulation.models.group"),
            &[("kind", &ctx.kind(&c.group.kind)), ("lo", &lo), ("hi", &hi)],
        ),
        run: c.run,
        mean_z: dec1(ctx, c.mean_z),
        rows: c
            .evidence
            .iter()
            .map(|e| EvidenceRow {
                period: period_label(ctx, e.period),
                value: fmt(ctx, e.value),
                median: fmt(ctx, e.median),
                mad: fmt(ctx, e.mad),
                z: e.z.map(|z| dec1(ctx, z)).unwrap_or_else(|| "–".into()),
                peers: e.peers,
                above: e.above,
            })
            .collect(),
        confirmed,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "emulation/candidates.html")]
struct CandidatesPage {
    ctx: Ctx,
    title: String,
    notice: String,
    v: MovementView,
    metric: i64,
    metrics: Vec<(i64, String)>,
    search: ModelSearch,
    candidates: Vec<CandidateView>,
    settings: Settings,
    errors: FormErrors,
}

impl CandidatesPage {
    fn z_text(&self) -> String {
        dec1(&self.ctx, self.settings.z)
    }
}

fn settings_from(q: &Option<String>) -> Settings {
    let d = Settings::default();
    let num = |name: &str| forms::query_param(q, name).trim().parse::<usize>().ok();
    Settings {
        min_peers: num("min_peers").unwrap_or(d.min_peers),
        min_periods: num("min_periods").unwrap_or(d.min_periods),
        sustained: num("sustained").unwrap_or(d.sustained),
        z: forms::query_param(q, "z")
            .trim()
            .replace(',', ".")
            .parse::<f64>()
            .unwrap_or(d.z),
    }
    .clamped()
}

async fn candidates_response(
    st: &AppState,
    auth: &Auth,
    id: i64,
    metric: Option<i64>,
    settings: Settings,
    notice: String,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let v = st.store.movement(&auth.p, id).await?;
    if !v.may_manage {
        return Err(AppError::Forbidden);
    }
    let ctx = &auth.ctx;
    let metric = metric.unwrap_or_else(|| v.targets.first().map_or(0, |t| t.id));
    let search = st
        .store
        .model_candidates(&auth.p, id, metric, settings)
        .await?;
    let candidates = search
        .assessment
        .candidates
        .iter()
        .map(|c| {
            let name = search
                .units
                .iter()
                .find(|u| u.org_id.0 == c.unit)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            candidate_view(ctx, c, name, search.confirmed.contains(&OrgId(c.unit)))
        })
        .collect();
    let metrics = v
        .targets
        .iter()
        .map(|t| (t.id, t.indicator.clone()))
        .chain([(0, ctx.t("emulation.models.pace").to_owned())])
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        CandidatesPage {
            title: forms::title(ctx.lang, &errors, ctx.t("emulation.models.title")),
            ctx: ctx.clone(),
            notice,
            metric,
            metrics,
            search,
            candidates,
            settings: settings.clamped(),
            errors,
            v,
        },
    )
        .into_response())
}

async fn models_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let metric = forms::query_param(&q, "metric").trim().parse::<i64>().ok();
    let notice = done_notice(&auth.ctx, &q);
    candidates_response(
        &st,
        &auth,
        forms::id(&id)?,
        metric,
        settings_from(&q),
        notice,
        FormErrors::default(),
    )
    .await
}

async fn confirm_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let metric = f.get("metric").trim().parse::<i64>().ok();
    let org = f.get("org_id").trim().parse::<i64>().ok().map(OrgId);
    let settings = Settings {
        min_peers: f
            .get("min_peers")
            .parse()
            .unwrap_or(Settings::default().min_peers),
        min_periods: f
            .get("min_periods")
            .parse()
            .unwrap_or(Settings::default().min_periods),
        sustained: f
            .get("sustained")
            .parse()
            .unwrap_or(Settings::default().sustained),
        z: f.get("z")
            .replace(',', ".")
            .parse()
            .unwrap_or(Settings::default().z),
    };
    let result = match (metric, org) {
        (Some(metric), Some(org)) => {
            st.store
                .confirm_model(
                    &auth.p,
                    NewModel {
                        movement_id: id,
                        metric,
                        org_id: org,
                        title: f.get("title").to_owned(),
                        practice: f.get("practice").to_owned(),
                    },
                    settings,
                )
                .await
        }
        _ => Err(Invalid::one("org_id", "required").into()),
    };
    match result {
        Ok(m) => Ok(with_done(&format!("/models/{}", m.id), "confirmed")),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "org_id".into();
                }
            }
            candidates_response(&st, &auth, id, metric, settings, String::new(), errors).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "emulation/library.html")]
struct LibraryPage {
    ctx: Ctx,
    title: String,
    models: Vec<AdvancedModel>,
}

impl LibraryPage {
    fn metric(&self, m: &AdvancedModel) -> String {
        metric_label(&self.ctx, &m.metric_label)
    }
}

async fn library_page(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let models = st.store.models(&auth.p).await?;
    let ctx = auth.ctx;
    Ok(LibraryPage {
        title: ctx.t("emulation.library.title").to_owned(),
        ctx,
        models,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "emulation/model.html")]
struct ModelPage {
    ctx: Ctx,
    title: String,
    notice: String,
    v: ModelView,
    metric: String,
    practice_html: String,
    candidate: Option<CandidateView>,
    may_link: bool,
    errors: FormErrors,
    task_value: String,
}

async fn model_response(
    st: &AppState,
    auth: &Auth,
    id: i64,
    notice: String,
    errors: FormErrors,
    task_value: String,
) -> Result<Response, AppError> {
    let v = st.store.model(&auth.p, id).await?;
    let ctx = &auth.ctx;
    let candidate =
        serde_json::from_value::<domain::models::Candidate>(v.model.evidence["candidate"].clone())
            .ok()
            .map(|c| candidate_view(ctx, &c, v.model.org_name.clone(), true));
    let may_link =
        auth.p.has_anywhere(Permission::EditOrgs) || auth.p.has_anywhere(Permission::EditPeople);
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        ModelPage {
            title: forms::title(ctx.lang, &errors, &v.model.title),
            notice,
            metric: metric_label(ctx, &v.model.metric_label),
            practice_html: crate::markdown::render(&v.model.practice),
            ctx: ctx.clone(),
            candidate,
            may_link,
            errors,
            task_value,
            v,
        },
    )
        .into_response())
}

async fn model_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let notice = done_notice(&auth.ctx, &q);
    model_response(
        &st,
        &auth,
        forms::id(&id)?,
        notice,
        FormErrors::default(),
        String::new(),
    )
    .await
}

async fn link_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    // Reading the model first: a model outside the library is a 404 whatever the body.
    st.store.model(&auth.p, id).await?;
    let raw = f.get("task_id").trim().trim_start_matches('#').to_owned();
    let result = match raw.parse::<i64>() {
        Ok(t) => st.store.link_model_task(&auth.p, id, TaskId(t)).await,
        Err(_) => Err(Invalid::one("task_id", "required").into()),
    };
    match result {
        Ok(_) => Ok(with_done(&format!("/models/{id}"), "linked")),
        Err(e) => {
            let mut errors = forms::store_errors(auth.ctx.lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" {
                    m.field = "task_id".into();
                }
            }
            model_response(&st, &auth, id, String::new(), errors, raw).await
        }
    }
}
