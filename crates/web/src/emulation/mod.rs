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
use domain::emulation::{AwardKind, DecisionDraft, MovementDraft, NominationState, PassRule, Vote};
use domain::models::{Settings, quarter_of, quarter_parts};
use domain::target::parse_number;
use domain::{DocumentId, Invalid, OrgId, OrgKind, Permission, TaskId, validate};
use store::{
    AdvancedModel, Award, ModelSearch, ModelView, Movement, MovementView, NewModel, NewNomination,
    Org, Page, PledgeInput, VoteInput,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage};
use crate::pick;
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
        .route("/award-kinds", get(levels_page))
        .route("/award-kinds/{code}", post(levels_post))
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

/// The redirect after a form: `path` with `?done=` (before a `#fragment`).
fn with_done(path: &str, done: &str) -> Response {
    let (path, fragment) = path
        .split_once('#')
        .map_or((path, String::new()), |(p, f)| (p, format!("#{f}")));
    Redirect::to(&format!("{path}?done={done}{fragment}")).into_response()
}

fn done_notice(ctx: &Ctx, raw: &Option<String>) -> String {
    let done = forms::query_param(raw, "done");
    match done.as_str() {
        "launched" | "pledged" | "closed" | "snapshot" | "nominated" | "voted" | "decided"
        | "already_decided" | "confirmed" | "linked" | "levels" => {
            ctx.t(&format!("emulation.done.{done}")).to_owned()
        }
        _ => String::new(),
    }
}

// ---- The steps every form shares ----------------------------------------------------------

/// A form page about a movement: heading, intro and button from `emulation.{key}.*`, the
/// movement's title above it, "cancel" back to the movement.
fn movement_form(
    ctx: &Ctx,
    key: &str,
    action: String,
    v: &MovementView,
    errors: FormErrors,
) -> FormPage {
    let mut page = FormPage::new(
        ctx,
        ctx.t(&format!("emulation.{key}.title")),
        &action,
        errors,
    );
    page.caption = v.movement.title.clone();
    page.intro = ctx.t(&format!("emulation.{key}.intro")).to_owned();
    page.cancel_href = format!("/emulation/{}", v.movement.id);
    page.submit = ctx.t(&format!("emulation.{key}.submit")).to_owned();
    page
}

/// A movement for a page of its office (close, quarters, vote, decision, models): 403 for
/// the other readers.
async fn managed(st: &AppState, auth: &Auth, id: i64) -> Result<MovementView, AppError> {
    let v = st.store.movement(&auth.p, id).await?;
    if v.may_manage {
        Ok(v)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A movement for a page a unit acts on (pledge, nominate): 403 for who acts for none of
/// its units.
async fn acting(st: &AppState, auth: &Auth, id: i64) -> Result<MovementView, AppError> {
    let v = st.store.movement(&auth.p, id).await?;
    if v.my_units.is_empty() {
        Err(AppError::Forbidden)
    } else {
        Ok(v)
    }
}

/// Adds a draft's own messages to those of the fields parsed at the edge, one per field.
fn merge<T>(inv: &mut Invalid, checked: Result<T, Invalid>) {
    if let Err(e) = checked {
        for fe in e.0 {
            if !inv.0.iter().any(|x| x.field == fe.field) {
                inv.0.push(fe);
            }
        }
    }
}

/// A number chosen in a select (`required` on the field when missing).
fn chosen<T: std::str::FromStr>(inv: &mut Invalid, f: &FormData, name: &'static str) -> Option<T> {
    let v = f.get(name).trim().parse::<T>().ok();
    if v.is_none() {
        inv.push(name, "required");
    }
    v
}

/// The end of every form's POST. Done: the redirect to `to` with the notice `done`.
/// Refused for the input: the form again (`again`) with the store's messages, a message
/// about no field of the form (`form`, or a name the store uses in `moved`) put on
/// `field`. Any other error: its page (404, 403, 500).
async fn finish<T, Fut>(
    lang: i18n::Lang,
    result: store::Result<T>,
    to: impl FnOnce(T) -> String,
    done: &str,
    (field, moved): (&str, &[&str]),
    again: impl FnOnce(FormErrors) -> Fut,
) -> Result<Response, AppError>
where
    Fut: std::future::Future<Output = Result<Response, AppError>>,
{
    match result {
        Ok(x) => Ok(with_done(&to(x), done)),
        Err(e) => {
            let mut errors = forms::store_errors(lang, e)?;
            for m in &mut errors.0 {
                if m.field == "form" || moved.contains(&m.field.as_str()) {
                    m.field = field.into();
                }
            }
            again(errors).await
        }
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
    let document = chosen::<i64>(&mut inv, &f, "document_id").map(DocumentId);
    let draft = MovementDraft {
        title: f.get("title").to_owned(),
        content: f.get("content").to_owned(),
        starts_on: date_field(&mut inv, &f, "starts_on"),
        ends_on: date_field(&mut inv, &f, "ends_on"),
        pledge_by: date_field(&mut inv, &f, "pledge_by"),
    };
    merge(&mut inv, draft.check());
    let result = match document {
        Some(doc) if inv.is_empty() => st.store.launch_movement(&auth.p, org.id, doc, draft).await,
        _ => Err(inv.into()),
    };
    finish(
        auth.ctx.lang,
        result,
        |m| format!("/emulation/{}", m.id),
        "launched",
        ("document_id", &[]),
        |errors| launch_page(&st, &auth, &org, &f, errors),
    )
    .await
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
    let v = acting(st, auth, id).await?;
    let ctx = &auth.ctx;
    let mut page = movement_form(ctx, "pledge", format!("/emulation/{id}/pledge"), &v, errors);
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
    let org = chosen::<i64>(&mut inv, &f, "org_id").map(OrgId);
    let mut values = Vec::new();
    // A value's field is named after its target: its message stands next to it.
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
            let input = PledgeInput {
                commitments: f.get("commitments").to_owned(),
                values,
            };
            st.store
                .save_pledge(&auth.p, id, org, input, forms::today())
                .await
        }
        _ => Err(inv.into()),
    };
    finish(
        auth.ctx.lang,
        result,
        |_| format!("/emulation/{id}"),
        "pledged",
        ("commitments", &["values", "value"]),
        |errors| pledge_page(&st, &auth, id, &f, errors),
    )
    .await
}

async fn close_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    match st.store.close_movement(&auth.p, id).await {
        // Closed already (a repeated click): the same page, the same notice.
        Ok(_) | Err(store::StoreError::Conflict("emulation_closed")) => {
            Ok(with_done(&format!("/emulation/{id}"), "closed"))
        }
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
    let v = managed(st, auth, id).await?;
    let ctx = &auth.ctx;
    let first = quarter_of(v.movement.starts_on);
    let last = quarter_of(v.movement.ends_on).min(quarter_of(forms::today()));
    let options: Vec<(String, String)> = (first..=last)
        .rev()
        .filter(|p| !v.snapshots.iter().any(|s| s.period == *p))
        .map(|p| (p.to_string(), period_label(ctx, p)))
        .collect();
    let mut page = movement_form(
        ctx,
        "snapshot",
        format!("/emulation/{id}/snapshot"),
        &v,
        errors,
    );
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
    let mut inv = Invalid::default();
    let result = match chosen::<i32>(&mut inv, &f, "period") {
        Some(period) => st.store.take_snapshot(&auth.p, id, period).await,
        None => Err(inv.into()),
    };
    finish(
        auth.ctx.lang,
        result,
        |_| format!("/emulation/{id}"),
        "snapshot",
        ("period", &[]),
        |errors| snapshot_page(&st, &auth, id, &f, errors),
    )
    .await
}

// ---- Nominations and the council's vote ---------------------------------------------------------

/// The award kinds the movement's level gives, for the nominee's choice.
async fn kind_options(
    st: &AppState,
    auth: &Auth,
    level: OrgKind,
) -> Result<Vec<(String, String)>, AppError> {
    let kinds = st.store.award_kinds(&auth.p).await?;
    Ok(kinds
        .into_iter()
        .filter(|k| k.active && k.given_by(level))
        .map(|k| {
            let who = match (k.collective, k.individual) {
                (true, true) => auth.ctx.t("emulation.recipient.both"),
                (true, false) => auth.ctx.t("emulation.recipient.collective"),
                _ => auth.ctx.t("emulation.recipient.individual"),
            };
            (
                k.code.clone(),
                format!("{} ({who})", kind_name(&auth.ctx, &k)),
            )
        })
        .collect())
}

pub(crate) fn kind_name(ctx: &Ctx, k: &AwardKind) -> String {
    match ctx.lang {
        i18n::Lang::Vi => k.name_vi.clone(),
        i18n::Lang::En => k.name_en.clone(),
    }
}

/// "the provincial level", "the district level"… as the pages name a deciding level.
pub(crate) fn level_name(ctx: &Ctx, level: OrgKind) -> &'static str {
    ctx.t(&format!("emulation.level.{}", level.as_str()))
}

/// Why a kind is refused for this movement, naming the kind, the deciding unit and the
/// levels that give it.
fn kind_level_message(ctx: &Ctx, k: &AwardKind, v: &MovementView) -> String {
    let levels: Vec<&str> = k.levels.iter().map(|l| level_name(ctx, *l)).collect();
    i18n::fill(
        ctx.t("emulation.nominate.kind_level"),
        &[
            ("kind", &kind_name(ctx, k)),
            ("unit", &v.movement.org_name),
            ("level", &level_name(ctx, v.movement.org_kind)),
            ("levels", &levels.join(", ")),
        ],
    )
}

async fn nominate_page(
    st: &AppState,
    auth: &Auth,
    id: i64,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let v = acting(st, auth, id).await?;
    let ctx = &auth.ctx;
    let mut page = movement_form(
        ctx,
        "nominate",
        format!("/emulation/{id}/nominate"),
        &v,
        errors,
    );
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
        Field::text(
            "member",
            ctx.t("emulation.nominate.member"),
            f.get("member"),
        )
        .hint(ctx.t("emulation.nominate.member_hint"))
        .pick("members"),
        Field::select(
            "award_kind",
            ctx.t("emulation.nominate.kind"),
            f.get("award_kind"),
            kind_options(st, auth, v.movement.org_kind).await?,
        )
        .hint(&ctx.fill(
            "emulation.nominate.kind_hint",
            "level",
            level_name(ctx, v.movement.org_kind),
        )),
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
    let v = acting(&st, &auth, id).await?;
    let ctx = &auth.ctx;
    let mut inv = Invalid::default();
    let nominator = chosen::<i64>(&mut inv, &f, "nominator_org_id").map(OrgId);
    let org = f.get("org_id").trim().parse::<i64>().ok().map(OrgId);
    // Messages that name people and kinds (the store's codes cannot).
    let mut named = FormErrors::default();
    // The member as the user knows them (a name, a card number, "Name #number"), within
    // the nominating unit.
    let mut member = None;
    if let Some(n) = nominator
        && !f.get("member").trim().is_empty()
    {
        match st.store.org_get(&auth.p, n).await {
            Ok(unit) => match pick::member_in(
                &st,
                ctx,
                &auth.p,
                f.get("member"),
                &unit,
                "emulation.nominate.member_outside",
            )
            .await?
            {
                Ok(Some(m)) => {
                    // Someone who left the province's organization (transferred out,
                    // deceased, expelled) is not nominated: named, with why.
                    let d = st.store.member_get(&auth.p, m).await?;
                    if d.member.status == domain::MemberStatus::Left {
                        named.push_text(
                            "member",
                            &i18n::fill(
                                ctx.t("emulation.nominate.member_left"),
                                &[("name", &d.member.full_name), ("cell", &d.cell_name)],
                            ),
                        );
                    } else {
                        member = Some(m);
                    }
                }
                Ok(None) => {}
                Err(message) => named.push_text("member", &message),
            },
            Err(store::StoreError::NotFound) => inv.push("nominator_org_id", "bad_choice"),
            Err(e) => return Err(e.into()),
        }
    }
    let code = f.get("award_kind").trim().to_owned();
    if let Some(k) = st
        .store
        .award_kinds(&auth.p)
        .await?
        .iter()
        .find(|k| k.code == code)
        && !k.given_by(v.movement.org_kind)
    {
        named.push_text("award_kind", &kind_level_message(ctx, k, &v));
    }
    if !named.is_empty() {
        let mut errors = FormErrors::from_invalid(ctx.lang, &inv);
        errors.0.extend(named.0);
        return nominate_page(&st, &auth, id, &f, errors).await;
    }
    let result = match nominator {
        Some(nominator) if inv.is_empty() => {
            let new = NewNomination {
                nominator_org_id: nominator,
                org_id: org,
                member_id: member,
                award_kind: code,
                achievements: f.get("achievements").to_owned(),
                proposed_level: Some(f.get("proposed_level").to_owned()),
            };
            st.store.nominate(&auth.p, id, new).await
        }
        _ => Err(inv.into()),
    };
    finish(
        ctx.lang,
        result,
        |_| format!("/emulation/{id}"),
        "nominated",
        ("org_id", &["nominee"]),
        |mut errors| {
            for m in &mut errors.0 {
                if m.field == "member_id" {
                    m.field = "member".into();
                }
            }
            nominate_page(&st, &auth, id, &f, errors)
        },
    )
    .await
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
    let mut page = movement_form(
        ctx,
        "vote",
        format!("/emulation-nominations/{nomination}/vote"),
        &v,
        errors,
    );
    let who = match &n.member_name {
        Some(m) => format!("{m} ({})", n.org_name),
        None => n.org_name.clone(),
    };
    page.intro = i18n::fill(
        ctx.t("emulation.vote.intro"),
        &[("who", &who), ("award", &n.award_name)],
    );
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
    let rule = f
        .get("pass_share")
        .split_once('/')
        .and_then(|(a, b)| Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?)));
    if rule.is_none() {
        inv.push("pass_share", "emulation_pass_rule");
    }
    let quorum = count(&mut inv, &f, "quorum_percent");
    let result = match rule {
        Some((numerator, denominator)) if inv.is_empty() => {
            let input = VoteInput {
                met_on,
                vote,
                rule: PassRule {
                    numerator,
                    denominator,
                    quorum_percent: quorum,
                },
            };
            st.store.record_vote(&auth.p, nomination, input).await
        }
        _ => Err(inv.into()),
    };
    finish(
        auth.ctx.lang,
        result,
        |_| format!("/emulation/{}", v.movement.id),
        "voted",
        ("pass_share", &["rule"]),
        |errors| vote_page(&st, &auth, nomination, &f, errors),
    )
    .await
}

// ---- The decision -----------------------------------------------------------------------------

/// A passed nomination as the decision page lists it.
pub struct Choice {
    pub id: i64,
    pub who: String,
    pub detail: String,
    pub checked: bool,
}

/// The passed nominations of one award kind.
pub struct KindGroup {
    pub name: String,
    pub choices: Vec<Choice>,
}

/// The decision: the office chooses which passed nominations it awards (all of them
/// ticked at first, grouped by award kind) and types the decision's particulars; then
/// checks its answers before issuing, which cannot be undone.
#[derive(Template, WebTemplate)]
#[template(path = "emulation/decision.html")]
struct DecisionPage {
    ctx: Ctx,
    title: String,
    caption: String,
    movement_id: i64,
    errors: FormErrors,
    groups: Vec<KindGroup>,
    fields: Vec<Field>,
    /// The check-your-answers step.
    confirming: bool,
    answers: Vec<(String, String)>,
    /// The form's values carried through the check step.
    hidden: Vec<(String, String)>,
    chosen: usize,
}

/// The nominations ticked in the form (all passed ones on a fresh form).
fn ticked(f: &FormData) -> Vec<i64> {
    f.0.iter()
        .filter(|(k, _)| k == "nomination")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

async fn decision_page(
    st: &AppState,
    auth: &Auth,
    id: i64,
    f: &FormData,
    errors: FormErrors,
    confirming: bool,
) -> Result<Response, AppError> {
    let v = managed(st, auth, id).await?;
    let ctx = &auth.ctx;
    let fresh = f.0.is_empty();
    let picked = ticked(f);
    let kinds = st.store.award_kinds(&auth.p).await?;
    let mut groups: Vec<(i32, KindGroup)> = Vec::new();
    for n in v
        .nominations
        .iter()
        .filter(|n| n.state == NominationState::Passed)
    {
        let checked = fresh || picked.contains(&n.id);
        if confirming && !checked {
            continue;
        }
        let who = match &n.member_name {
            Some(m) => format!("{m} ({})", n.org_name),
            None => n.org_name.clone(),
        };
        let detail = match &n.vote {
            Some(vr) => i18n::fill(
                ctx.t("emulation.decision.passed_on"),
                &[
                    ("unit", &n.nominator_name),
                    ("date", &ctx.date(&vr.met_on)),
                    ("for", &vr.vote.for_votes),
                    ("members", &vr.vote.members),
                ],
            ),
            None => n.nominator_name.clone(),
        };
        let kind = kinds.iter().find(|k| k.code == n.award_kind);
        let rank = kind.map_or(0, |k| k.rank);
        let name = kind.map_or_else(|| n.award_name.clone(), |k| kind_name(ctx, k));
        let choice = Choice {
            id: n.id,
            who,
            detail,
            checked,
        };
        match groups.iter_mut().find(|(_, g)| g.name == name) {
            Some((_, g)) => g.choices.push(choice),
            None => groups.push((
                rank,
                KindGroup {
                    name,
                    choices: vec![choice],
                },
            )),
        }
    }
    groups.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
    let groups: Vec<KindGroup> = groups.into_iter().map(|(_, g)| g).collect();
    let fields = vec![
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
    let chosen = groups.iter().map(|g| g.choices.len()).sum();
    let answers = if confirming {
        fields
            .iter()
            .filter(|x| !x.value.trim().is_empty())
            .map(|x| (x.label.clone(), x.value.trim().to_owned()))
            .collect()
    } else {
        Vec::new()
    };
    let hidden =
        f.0.iter()
            .filter(|(k, _)| !matches!(k.as_str(), "csrf" | "confirm" | "back"))
            .cloned()
            .collect();
    let heading = if confirming {
        ctx.t("emulation.decision.check_title")
    } else {
        ctx.t("emulation.decision.title")
    };
    let mut errors = errors;
    for m in &mut errors.0 {
        if let Some(x) = fields.iter().find(|x| x.name == m.field) {
            m.label = x.label.clone();
        } else if m.field == "nominations" {
            m.label = ctx.t("emulation.decision.nominations").to_owned();
        }
    }
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        DecisionPage {
            title: forms::title(ctx.lang, &errors, heading),
            caption: v.movement.title.clone(),
            movement_id: id,
            ctx: ctx.clone(),
            errors,
            groups,
            fields,
            confirming,
            answers,
            hidden,
            chosen,
        },
    )
        .into_response())
}

async fn decision_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = forms::id(&id)?;
    decision_page(
        &st,
        &auth,
        id,
        &FormData::default(),
        FormErrors::default(),
        false,
    )
    .await
}

/// Whether this movement has a decision numbered `number` and every one of `chosen` is
/// awarded: a repeated submission of a decision already issued.
async fn already_issued(
    st: &AppState,
    auth: &Auth,
    id: i64,
    number: &str,
    chosen: &[i64],
) -> Result<bool, AppError> {
    let Ok(number) = domain::emulation::check_decision_number(number) else {
        return Ok(false);
    };
    let number = number.to_string();
    let v = st.store.movement(&auth.p, id).await?;
    let issued = v.decisions.iter().any(|d| d.number == number);
    Ok(issued
        && !chosen.is_empty()
        && chosen.iter().all(|n| {
            v.nominations
                .iter()
                .any(|x| x.id == *n && x.state == NominationState::Awarded)
        }))
}

/// Three steps on one address: the form (`back` returns to it), the check of the answers
/// (the form's values, checked, without `confirm`), and issuing (`confirm=yes`). A
/// decision already issued with these nominations and this number is not issued twice:
/// the repeated submission lands on the movement, saying so.
async fn decision_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: i64 = forms::id(&id)?;
    let v = managed(&st, &auth, id).await?;
    let chosen = ticked(&f);
    if f.get("back") == "1" {
        return decision_page(&st, &auth, id, &f, FormErrors::default(), false).await;
    }
    let confirm = f.get("confirm") == "yes";
    if confirm && already_issued(&st, &auth, id, f.get("number"), &chosen).await? {
        return Ok(with_done(&format!("/emulation/{id}"), "already_decided"));
    }
    let mut inv = Invalid::default();
    let draft = DecisionDraft {
        number: f.get("number").to_owned(),
        signed_on: date_field(&mut inv, &f, "signed_on"),
        signer_name: f.get("signer_name").to_owned(),
        signer_title: f.get("signer_title").to_owned(),
        summary: f.get("summary").to_owned(),
    };
    let checked = draft.check();
    if let Ok(d) = &checked
        && v.decisions.iter().any(|x| x.number == d.number.to_string())
    {
        inv.push("number", "emulation_number_taken");
    }
    merge(&mut inv, checked);
    let passed = |n: &i64| {
        v.nominations
            .iter()
            .any(|x| x.id == *n && x.state == NominationState::Passed)
    };
    if chosen.is_empty() {
        inv.push("nominations", "emulation_no_nominations");
    } else if !chosen.iter().all(passed) {
        inv.push("nominations", "emulation_not_passed");
    }
    if !inv.is_empty() {
        let errors = FormErrors::from_invalid(auth.ctx.lang, &inv);
        return decision_page(&st, &auth, id, &f, errors, false).await;
    }
    if !confirm {
        return decision_page(&st, &auth, id, &f, FormErrors::default(), true).await;
    }
    // Each nomination's achievements become its citation.
    let awards = chosen.iter().map(|n| (*n, String::new())).collect();
    let result = st.store.issue_decision(&auth.p, id, draft, awards).await;
    finish(
        auth.ctx.lang,
        result,
        |_| format!("/emulation/{id}"),
        "decided",
        ("number", &[]),
        |errors| decision_page(&st, &auth, id, &f, errors, false),
    )
    .await
}

// ---- Who gives what -----------------------------------------------------------------------------

/// One award kind as the page of limits shows it.
pub struct KindLevels {
    pub code: String,
    pub name: String,
    pub recipients: &'static str,
    pub active: bool,
    /// (level, its name, given, the source of the row, confirmed).
    pub levels: Vec<(&'static str, &'static str, bool, String, bool)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "emulation/award_kinds.html")]
struct LevelsPage {
    ctx: Ctx,
    title: String,
    notice: String,
    kinds: Vec<KindLevels>,
    may_edit: bool,
    errors: FormErrors,
}

/// `/award-kinds`: which committee level gives which award kind, with each row's source
/// and whether RULES.md confirms it; the province's administrator edits it.
async fn levels_page(
    auth: Auth,
    State(st): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Response, AppError> {
    let notice = done_notice(&auth.ctx, &q);
    levels_response(&st, &auth, notice, FormErrors::default()).await
}

async fn levels_response(
    st: &AppState,
    auth: &Auth,
    notice: String,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let rows = st.store.award_levels(&auth.p).await?;
    let kinds = st
        .store
        .award_kinds(&auth.p)
        .await?
        .into_iter()
        .map(|k| KindLevels {
            name: kind_name(ctx, &k),
            recipients: match (k.collective, k.individual) {
                (true, true) => ctx.t("emulation.recipient.both"),
                (true, false) => ctx.t("emulation.recipient.collective"),
                _ => ctx.t("emulation.recipient.individual"),
            },
            active: k.active,
            levels: domain::emulation::DECIDING_LEVELS
                .iter()
                .map(|l| {
                    let row = rows
                        .iter()
                        .find(|r| r.award_kind == k.code && r.org_kind == *l);
                    (
                        l.as_str(),
                        level_name(ctx, *l),
                        k.given_by(*l),
                        row.map(|r| r.basis.clone()).unwrap_or_default(),
                        row.is_none_or(|r| r.confirmed),
                    )
                })
                .collect(),
            code: k.code,
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        LevelsPage {
            title: forms::title(ctx.lang, &errors, ctx.t("emulation.levels.title")),
            ctx: ctx.clone(),
            notice,
            kinds,
            may_edit: domain::emulation::may_edit_award_levels(&auth.p),
            errors,
        },
    )
        .into_response())
}

async fn levels_post(
    auth: Auth,
    State(st): State<AppState>,
    Path(code): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let mut inv = Invalid::default();
    let levels: Vec<OrgKind> =
        f.0.iter()
            .filter(|(k, _)| k == "level")
            .filter_map(|(_, v)| {
                let l = OrgKind::parse(v.trim());
                if l.is_none() {
                    inv.push("levels", "bad_choice");
                }
                l
            })
            .collect();
    let result = if inv.is_empty() {
        st.store.set_award_levels(&auth.p, &code, levels).await
    } else {
        Err(inv.into())
    };
    finish(
        auth.ctx.lang,
        result,
        |k| format!("/award-kinds#{}", k.code),
        "levels",
        ("levels", &["award_kind"]),
        |errors| levels_response(&st, &auth, String::new(), errors),
    )
    .await
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
    let v = managed(st, auth, id).await?;
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
    finish(
        auth.ctx.lang,
        result,
        |m| format!("/models/{}", m.id),
        "confirmed",
        ("org_id", &[]),
        |errors| candidates_response(&st, &auth, id, metric, settings, String::new(), errors),
    )
    .await
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
        Err(_) if raw.is_empty() => Err(Invalid::one("task_id", "required").into()),
        Err(_) => Err(Invalid::one("task_id", "model_task_number").into()),
    };
    finish(
        auth.ctx.lang,
        result,
        |_| format!("/models/{id}"),
        "linked",
        ("task_id", &[]),
        |errors| model_response(&st, &auth, id, String::new(), errors, raw),
    )
    .await
}
