//! Organizations: browsing the tree, a unit's page and history, creating child units,
//! renaming, and restructuring (move, merge, split, close; admins only, and the store
//! checks again).
//!
//! Every handler reads the unit first, as the signed-in principal: a unit outside the
//! user's scope is a 404 before any form is parsed, so no answer says whether it exists.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::{Invalid, OrgId, OrgKind, Permission, Principal, validate};
use store::{
    Crumb, Member, Merge, MergeTarget, NewOrg, Org, OrgEdit, OrgEvent, OrgLinks, Page, Split,
    SplitPart,
};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage, store_errors, today_text};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(roots))
        .route("/orgs/{id}", get(show))
        .route("/orgs/{id}/history", get(history))
        .route("/orgs/{id}/members", get(subtree_members))
        .route("/orgs/{id}/new", get(new_child_form).post(create_child))
        .route("/orgs/{id}/edit", get(edit_form).post(edit))
        .route("/orgs/{id}/move", get(move_form).post(move_org))
        .route("/orgs/{id}/merge", get(merge_form).post(merge))
        .route("/orgs/{id}/split", get(split_form).post(split))
        .route("/orgs/{id}/close", get(close_form).post(close))
}

/// Members per page of a subtree's member list.
const PAGE_SIZE: u32 = 50;

async fn load(st: &AppState, p: &Principal, raw_id: &str) -> Result<Org, AppError> {
    Ok(st.store.org_get(p, forms::id::<OrgId>(raw_id)?).await?)
}

// ---- Browsing ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "orgs/roots.html")]
struct RootsPage {
    ctx: Ctx,
    title: String,
    orgs: Vec<Org>,
}

async fn roots(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    let orgs = st.store.org_roots(&auth.p).await?;
    Ok(RootsPage {
        title: auth.ctx.t("orgs.roots_title").to_owned(),
        ctx: auth.ctx,
        orgs,
    }
    .into_response())
}

/// A member of a cell with the positions they hold now.
pub struct MemberRow {
    pub member: Member,
    pub roles: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/show.html")]
struct OrgPage<'a> {
    ctx: Ctx,
    title: String,
    org: &'a Org,
    crumbs: &'a [Crumb],
    children: &'a [Org],
    members: Vec<MemberRow>,
    links: &'a OrgLinks,
    can_edit: bool,
    can_restructure: bool,
    can_add_member: bool,
    can_import: bool,
    /// Documents from above the unit implements, with its state on each.
    received: &'a [crate::documents::Implementing],
    /// The unit's own cascadable documents (their dashboards).
    own_docs: &'a [store::Document],
}

/// A position held now: its role, and the unit's name when it is not the cell.
type HeldPosition = (domain::PositionRole, Option<String>);

/// What the page of a unit reads from the store: the same for every request of one account
/// until the store changes, so it is kept in the page cache (`crate::pagecache`).
struct OrgData {
    org: Org,
    crumbs: Vec<Crumb>,
    children: Vec<Org>,
    links: OrgLinks,
    /// A cell's members with the positions they hold now: the role, and the unit's name
    /// when the position is held in another unit than the cell (a cell's member may be the
    /// secretary of the commune's committee: "Bí thư" alone would read as the cell's).
    members: Vec<(Member, Vec<HeldPosition>)>,
    received: Vec<crate::documents::Implementing>,
    own_docs: Vec<store::Document>,
}

async fn org_data(st: &AppState, p: &Principal, id: OrgId) -> Result<OrgData, AppError> {
    let org = st.store.org_get(p, id).await?;
    let crumbs = st.store.org_ancestors(p, org.id).await?;
    let children = st.store.org_children(p, org.id, false).await?;
    let links = st.store.org_links(p, org.id).await?;
    let mut members = Vec::new();
    if org.kind.holds_members() {
        // Two queries for the whole cell: its members, and their current positions.
        let mut positions = st.store.cell_positions(p, org.id).await?;
        for m in st.store.cell_members(p, org.id).await? {
            let roles = positions
                .extract_if(.., |pos| pos.member_id == m.id)
                .map(|pos| (pos.role, (pos.org_id != org.id).then_some(pos.org_name)))
                .collect();
            members.push((m, roles));
        }
    }
    let received = crate::documents::implementing(st, p, &org).await?;
    let own_docs = st
        .store
        .documents(
            p,
            org.id,
            Page {
                offset: 0,
                limit: 20,
            },
        )
        .await?
        .into_iter()
        .filter(|d| d.doc_type.is_cascadable())
        .collect();
    Ok(OrgData {
        org,
        crumbs,
        children,
        links,
        members,
        received,
        own_docs,
    })
}

async fn show(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = &auth.p;
    let id = forms::id::<OrgId>(&id)?;
    let d =
        crate::pagecache::cached(&st, p.user_id.0, "org", id.0, || org_data(&st, p, id)).await?;
    let org = &d.org;
    let members = d
        .members
        .iter()
        .map(|(m, roles)| MemberRow {
            member: m.clone(),
            roles: roles
                .iter()
                .map(|(r, unit)| match unit {
                    Some(u) => format!("{} – {u}", auth.ctx.position(r)),
                    None => auth.ctx.position(r).to_owned(),
                })
                .collect(),
        })
        .collect();
    let active = org.is_active();
    Ok(OrgPage {
        received: &d.received,
        own_docs: &d.own_docs,
        title: org.name.clone(),
        can_edit: active && p.can(Permission::EditOrgs, &org.path),
        can_restructure: active && p.can(Permission::Restructure, &org.path),
        can_import: crate::imports::can_import(p, org),
        can_add_member: active
            && org.kind.holds_members()
            && p.can(Permission::EditPeople, &org.path),
        ctx: auth.ctx,
        crumbs: &d.crumbs,
        children: &d.children,
        links: &d.links,
        org,
        members,
    }
    .into_response())
}

/// One line of a unit's history, worded for the page.
struct EventRow {
    date: String,
    what: String,
    detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/history.html")]
struct HistoryPage {
    ctx: Ctx,
    title: String,
    org: Org,
    events: Vec<EventRow>,
    links: OrgLinks,
}

fn describe(ctx: &Ctx, e: &OrgEvent) -> EventRow {
    let s = |k: &str| {
        e.detail
            .get(k)
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    };
    let detail = match e.kind {
        store::OrgEventKind::Rename => {
            let (from, to) = (s("old_name"), s("new_name"));
            if from.is_empty() && to.is_empty() {
                String::new()
            } else {
                format!("{from} → {to}")
            }
        }
        _ => String::new(),
    };
    EventRow {
        date: ctx.date(&e.on),
        what: ctx.t(&format!("orgs.event.{}", e.kind.as_str())).to_owned(),
        detail,
    }
}

async fn history(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let events = st.store.org_history(&auth.p, org.id).await?;
    let links = st.store.org_links(&auth.p, org.id).await?;
    let events = events.iter().map(|e| describe(&auth.ctx, e)).collect();
    Ok(HistoryPage {
        title: format!("{} – {}", auth.ctx.t("orgs.history"), org.name),
        ctx: auth.ctx,
        org,
        events,
        links,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "orgs/members.html")]
struct SubtreeMembersPage {
    ctx: Ctx,
    title: String,
    org: Org,
    hits: Vec<store::MemberHit>,
    page: u32,
    has_next: bool,
    first_number: u32,
}

async fn subtree_members(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let page: u32 = forms::query_param(&query, "page")
        .parse()
        .unwrap_or(1)
        .clamp(1, 100_000);
    let mut hits = st
        .store
        .subtree_members(
            &auth.p,
            org.id,
            Page {
                offset: (page - 1) * PAGE_SIZE,
                limit: PAGE_SIZE + 1,
            },
        )
        .await?;
    let has_next = hits.len() > PAGE_SIZE as usize;
    hits.truncate(PAGE_SIZE as usize);
    Ok(SubtreeMembersPage {
        title: format!("{} – {}", auth.ctx.t("orgs.members_title"), org.name),
        ctx: auth.ctx,
        org,
        hits,
        page,
        has_next,
        first_number: (page - 1) * PAGE_SIZE + 1,
    }
    .into_response())
}

// ---- Create a child unit ----------------------------------------------------------------

fn kind_options(ctx: &Ctx, parent: OrgKind) -> Vec<(String, String)> {
    OrgKind::ALL
        .into_iter()
        .filter(|k| parent.may_contain(*k))
        .map(|k| (k.as_str().to_owned(), ctx.kind(&k).to_owned()))
        .collect()
}

fn child_form(ctx: &Ctx, org: &Org, f: &FormData, errors: FormErrors) -> Response {
    let options = kind_options(ctx, org.kind);
    let default_kind = options.first().map(|o| o.0.clone()).unwrap_or_default();
    let kind = if f.get("kind").is_empty() {
        default_kind.as_str()
    } else {
        f.get("kind")
    };
    let from = if f.0.is_empty() {
        today_text()
    } else {
        f.get("valid_from").to_owned()
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("orgs.new_title"),
        &format!("/orgs/{}/new", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.cancel_href = format!("/orgs/{}", org.id);
    page.fields = vec![
        Field::radios("kind", ctx.t("orgs.field.kind"), kind, options),
        Field::text("name", ctx.t("orgs.field.name"), f.get("name")),
        Field::short("code", ctx.t("orgs.field.code"), f.get("code"))
            .hint(ctx.t("orgs.field.code_hint")),
        Field::date(
            ctx.lang,
            "valid_from",
            ctx.t("orgs.field.valid_from"),
            &from,
        ),
    ];
    page.respond()
}

async fn new_child_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    if !auth.p.can(Permission::EditOrgs, &org.path) {
        return Err(AppError::Forbidden);
    }
    Ok(child_form(
        &auth.ctx,
        &org,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn create_child(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut inv = Invalid::default();
    let kind = OrgKind::parse(f.get("kind"));
    if kind.is_none() {
        inv.push("kind", "bad_choice");
    }
    let name = inv.take(validate::name("name", f.get("name"), 200));
    let code = inv.take(validate::optional("code", f.get("code"), 32));
    let from = inv.take(validate::date("valid_from", f.get("valid_from")));
    let (Some(kind), Some(name), Some(code), Some(valid_from)) = (kind, name, code, from) else {
        return Ok(child_form(
            &auth.ctx,
            &org,
            &f,
            FormErrors::from_invalid(lang, &inv),
        ));
    };
    let new = NewOrg {
        parent_id: Some(org.id),
        kind,
        name,
        code,
        valid_from,
    };
    match st.store.org_create(&auth.p, new).await {
        Ok(child) => Ok(Redirect::to(&format!("/orgs/{}", child.id)).into_response()),
        Err(e) => Ok(child_form(&auth.ctx, &org, &f, store_errors(lang, e)?)),
    }
}

// ---- Rename -----------------------------------------------------------------------------

fn edit_page(ctx: &Ctx, org: &Org, f: &FormData, errors: FormErrors) -> Response {
    let fresh = f.0.is_empty();
    let name = if fresh {
        org.name.as_str()
    } else {
        f.get("name")
    };
    let code = if fresh {
        org.code.as_deref().unwrap_or("")
    } else {
        f.get("code")
    };
    let on = if fresh {
        today_text()
    } else {
        f.get("on").to_owned()
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("orgs.edit_title"),
        &format!("/orgs/{}/edit", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.intro = ctx.t("orgs.edit_intro").to_owned();
    page.cancel_href = format!("/orgs/{}", org.id);
    page.fields = vec![
        Field::text("name", ctx.t("orgs.field.name"), name),
        Field::short("code", ctx.t("orgs.field.code"), code).hint(ctx.t("orgs.field.code_hint")),
        Field::date(ctx.lang, "on", ctx.t("orgs.field.effective_on"), &on),
    ];
    page.respond()
}

async fn edit_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    if !auth.p.can(Permission::EditOrgs, &org.path) {
        return Err(AppError::Forbidden);
    }
    Ok(edit_page(
        &auth.ctx,
        &org,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn edit(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut inv = Invalid::default();
    let name = inv.take(validate::name("name", f.get("name"), 200));
    let code = inv.take(validate::optional("code", f.get("code"), 32));
    let on = inv.take(validate::date("on", f.get("on")));
    let (Some(name), Some(code), Some(on)) = (name, code, on) else {
        return Ok(edit_page(
            &auth.ctx,
            &org,
            &f,
            FormErrors::from_invalid(lang, &inv),
        ));
    };
    match st
        .store
        .org_update(&auth.p, org.id, OrgEdit { name, code, on })
        .await
    {
        Ok(o) => Ok(Redirect::to(&format!("/orgs/{}", o.id)).into_response()),
        Err(e) => Ok(edit_page(&auth.ctx, &org, &f, store_errors(lang, e)?)),
    }
}

// ---- Restructuring: move ----------------------------------------------------------------

/// Loads the unit of a restructuring form and checks that the user may restructure it.
async fn load_for_restructure(st: &AppState, p: &Principal, raw_id: &str) -> Result<Org, AppError> {
    let org = load(st, p, raw_id).await?;
    if !p.can(Permission::Restructure, &org.path) {
        return Err(AppError::Forbidden);
    }
    Ok(org)
}

fn on_value(f: &FormData) -> String {
    if f.0.is_empty() {
        today_text()
    } else {
        f.get("on").to_owned()
    }
}

fn move_page(ctx: &Ctx, org: &Org, f: &FormData, errors: FormErrors) -> Response {
    let mut page = FormPage::new(
        ctx,
        ctx.t("orgs.move_title"),
        &format!("/orgs/{}/move", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.intro = ctx.t("orgs.move_intro").to_owned();
    page.cancel_href = format!("/orgs/{}", org.id);
    page.fields = vec![
        Field::short(
            "new_parent",
            ctx.t("orgs.field.new_parent"),
            f.get("new_parent"),
        )
        .hint(ctx.t("orgs.field.org_ref_hint"))
        .pick("orgs"),
        Field::date(
            ctx.lang,
            "on",
            ctx.t("orgs.field.effective_on"),
            &on_value(f),
        ),
    ];
    page.respond()
}

async fn move_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load_for_restructure(&st, &auth.p, &id).await?;
    Ok(move_page(
        &auth.ctx,
        &org,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn move_org(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let parent =
        crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "new_parent", true, &mut errors).await?;
    let on = validate::date("on", f.get("on"));
    if let Err(inv) = &on {
        errors.0.extend(FormErrors::from_invalid(lang, inv).0);
    }
    let (Some(parent), Ok(on), true) = (parent, on, errors.is_empty()) else {
        return Ok(move_page(&auth.ctx, &org, &f, errors));
    };
    match st.store.org_move(&auth.p, org.id, parent.id, on).await {
        Ok(o) => Ok(Redirect::to(&format!("/orgs/{}", o.id)).into_response()),
        Err(e) => Ok(move_page(&auth.ctx, &org, &f, store_errors(lang, e)?)),
    }
}

// ---- Restructuring: merge ---------------------------------------------------------------

fn merge_page(ctx: &Ctx, org: &Org, f: &FormData, errors: FormErrors) -> Response {
    let mode = if f.get("target_mode").is_empty() {
        "new"
    } else {
        f.get("target_mode")
    };
    let mut page = FormPage::new(
        ctx,
        ctx.t("orgs.merge_title"),
        &format!("/orgs/{}/merge", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.intro = ctx.t("orgs.merge_intro").to_owned();
    page.cancel_href = format!("/orgs/{}", org.id);
    page.warning = true;
    page.submit = ctx.t("orgs.merge_submit").to_owned();
    page.fields = vec![
        Field::text("others", ctx.t("orgs.field.merge_others"), f.get("others"))
            .hint(ctx.t("orgs.field.org_refs_hint")),
        Field::radios(
            "target_mode",
            ctx.t("orgs.field.target_mode"),
            mode,
            vec![
                ("new".into(), ctx.t("orgs.field.target_new").into()),
                (
                    "existing".into(),
                    ctx.t("orgs.field.target_existing").into(),
                ),
            ],
        ),
        Field::text("new_name", ctx.t("orgs.field.new_name"), f.get("new_name"))
            .hint(ctx.t("orgs.field.new_name_hint")),
        Field::short("new_code", ctx.t("orgs.field.code"), f.get("new_code")),
        Field::short("target", ctx.t("orgs.field.target"), f.get("target"))
            .hint(ctx.t("orgs.field.target_hint"))
            .pick("orgs"),
        Field::date(
            ctx.lang,
            "on",
            ctx.t("orgs.field.effective_on"),
            &on_value(f),
        ),
    ];
    page.respond()
}

async fn merge_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load_for_restructure(&st, &auth.p, &id).await?;
    Ok(merge_page(
        &auth.ctx,
        &org,
        &FormData::default(),
        FormErrors::default(),
    ))
}

/// Units named and separated by commas, semicolons or line breaks (a name has spaces, so
/// spaces do not separate).
fn refs(raw: &str) -> Vec<&str> {
    raw.split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

async fn merge(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let mut sources = vec![org.id];
    for r in refs(f.get("others")) {
        match crate::pick::org_field(&st, &auth.ctx, &auth.p, r).await? {
            Ok(Some(o)) if !sources.contains(&o.id) => sources.push(o.id),
            Ok(_) => {}
            Err(message) => {
                errors.push_text("others", &message);
                break;
            }
        }
    }
    let target = match f.get("target_mode") {
        "existing" => {
            crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "target", true, &mut errors)
                .await?
                .map(|t| MergeTarget::Existing(t.id))
        }
        "new" => {
            let name = validate::name("new_name", f.get("new_name"), 200);
            let code = validate::optional("new_code", f.get("new_code"), 32);
            let on = validate::date("on", f.get("on"));
            match (name, code, on) {
                (Ok(name), Ok(code), Ok(valid_from)) => Some(MergeTarget::New(NewOrg {
                    parent_id: org.parent_id,
                    kind: org.kind,
                    name,
                    code,
                    valid_from,
                })),
                (n, c, _) => {
                    for inv in [n.err(), c.err()].into_iter().flatten() {
                        errors.0.extend(FormErrors::from_invalid(lang, &inv).0);
                    }
                    None
                }
            }
        }
        _ => {
            errors.push(lang, "target_mode", "bad_choice");
            None
        }
    };
    if sources.len() < 2 && matches!(target, Some(MergeTarget::New(_))) {
        errors.push_key(lang, "others", "orgs.err.merge_needs_two");
    }
    let on = validate::date("on", f.get("on"));
    if let Err(inv) = &on {
        errors.push(lang, "on", inv.0[0].code);
    }
    let (Some(target), Ok(on), true) = (target, on, errors.is_empty()) else {
        return Ok(merge_page(&auth.ctx, &org, &f, errors));
    };
    match st
        .store
        .org_merge(
            &auth.p,
            Merge {
                sources,
                target,
                on,
            },
        )
        .await
    {
        Ok(t) => Ok(Redirect::to(&format!("/orgs/{}", t.id)).into_response()),
        Err(e) => Ok(merge_page(&auth.ctx, &org, &f, store_errors(lang, e)?)),
    }
}

// ---- Restructuring: split ---------------------------------------------------------------

/// Parts offered by the split form.
const SPLIT_PARTS: usize = 3;

async fn split_page(
    st: &AppState,
    auth: &Auth,
    org: &Org,
    f: &FormData,
    errors: FormErrors,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let mut page = FormPage::new(
        ctx,
        ctx.t("orgs.split_title"),
        &format!("/orgs/{}/split", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.intro = ctx.t("orgs.split_intro").to_owned();
    page.cancel_href = format!("/orgs/{}", org.id);
    page.warning = true;
    page.submit = ctx.t("orgs.split_submit").to_owned();
    let mut part_options = Vec::new();
    for i in 1..=SPLIT_PARTS {
        let label = i18n::fill(ctx.t("orgs.field.part"), &[("n", &i)]);
        page.fields.push(Field::text(
            &format!("part{i}_name"),
            &format!("{label}: {}", ctx.t("orgs.field.name")),
            f.get(&format!("part{i}_name")),
        ));
        page.fields.push(Field::short(
            &format!("part{i}_code"),
            &format!("{label}: {}", ctx.t("orgs.field.code")),
            f.get(&format!("part{i}_code")),
        ));
        part_options.push((i.to_string(), label));
    }
    // Each active child (or member of a cell) goes to one part.
    for c in st.store.org_children(&auth.p, org.id, false).await? {
        let name = format!("child_{}", c.id);
        let v = if f.get(&name).is_empty() {
            "1"
        } else {
            f.get(&name)
        };
        page.fields
            .push(Field::select(&name, &c.name, v, part_options.clone()));
    }
    if org.kind.holds_members() {
        for m in st.store.cell_members(&auth.p, org.id).await? {
            let name = format!("member_{}", m.id);
            let v = if f.get(&name).is_empty() {
                "1"
            } else {
                f.get(&name)
            };
            page.fields
                .push(Field::select(&name, &m.full_name, v, part_options.clone()));
        }
    }
    page.fields.push(Field::date(
        ctx.lang,
        "on",
        ctx.t("orgs.field.effective_on"),
        &on_value(f),
    ));
    Ok(page.respond())
}

async fn split_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load_for_restructure(&st, &auth.p, &id).await?;
    split_page(
        &st,
        &auth,
        &org,
        &FormData::default(),
        FormErrors::default(),
    )
    .await
}

async fn split(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let on = validate::date("on", f.get("on"));
    let valid_from = *on.as_ref().unwrap_or(&forms::today());
    let mut parts: Vec<(usize, SplitPart)> = Vec::new();
    for i in 1..=SPLIT_PARTS {
        let raw_name = f.get(&format!("part{i}_name"));
        if raw_name.trim().is_empty() {
            continue;
        }
        let name_field: &'static str = ["part1_name", "part2_name", "part3_name"][i - 1];
        let code_field: &'static str = ["part1_code", "part2_code", "part3_code"][i - 1];
        let name = validate::name(name_field, raw_name, 200);
        let code = validate::optional(code_field, f.get(&format!("part{i}_code")), 32);
        match (name, code) {
            (Ok(name), Ok(code)) => parts.push((
                i,
                SplitPart {
                    new: NewOrg {
                        parent_id: org.parent_id,
                        kind: org.kind,
                        name,
                        code,
                        valid_from,
                    },
                    children: Vec::new(),
                    members: Vec::new(),
                },
            )),
            (n, c) => {
                for inv in [n.err(), c.err()].into_iter().flatten() {
                    errors.0.extend(FormErrors::from_invalid(lang, &inv).0);
                }
            }
        }
    }
    if parts.len() < 2 && errors.is_empty() {
        errors.push_key(lang, "part1_name", "orgs.err.split_needs_two");
    }
    for (k, v) in &f.0 {
        let n: usize = v.parse().unwrap_or(0);
        let target = parts.iter_mut().find(|(i, _)| *i == n).map(|(_, p)| p);
        if let Some(id) = k.strip_prefix("child_").and_then(|s| s.parse().ok()) {
            match target {
                Some(p) => p.children.push(OrgId(id)),
                None => errors.push_key(lang, k, "orgs.err.part_unknown"),
            }
        } else if let Some(id) = k.strip_prefix("member_").and_then(|s| s.parse().ok()) {
            match target {
                Some(p) => p.members.push(domain::MemberId(id)),
                None => errors.push_key(lang, k, "orgs.err.part_unknown"),
            }
        }
    }
    if let Err(inv) = &on {
        errors.push(lang, "on", inv.0[0].code);
    }
    let (Ok(on), true) = (on, errors.is_empty()) else {
        return split_page(&st, &auth, &org, &f, errors).await;
    };
    let split = Split {
        source: org.id,
        parts: parts.into_iter().map(|(_, p)| p).collect(),
        on,
    };
    match st.store.org_split(&auth.p, split).await {
        Ok(_) => Ok(Redirect::to(&format!("/orgs/{}/history", org.id)).into_response()),
        Err(e) => {
            let errors = store_errors(lang, e)?;
            split_page(&st, &auth, &org, &f, errors).await
        }
    }
}

// ---- Restructuring: close ---------------------------------------------------------------

fn close_page(ctx: &Ctx, org: &Org, f: &FormData, errors: FormErrors) -> Response {
    let mut page = FormPage::new(
        ctx,
        ctx.t("orgs.close_title"),
        &format!("/orgs/{}/close", org.id),
        errors,
    );
    page.caption = org.name.clone();
    page.intro = ctx.t("orgs.close_intro").to_owned();
    page.cancel_href = format!("/orgs/{}", org.id);
    page.warning = true;
    page.submit = ctx.t("orgs.close_submit").to_owned();
    page.fields = vec![
        Field::short(
            "successor",
            ctx.t("orgs.field.successor"),
            f.get("successor"),
        )
        .hint(ctx.t("orgs.field.successor_hint"))
        .pick("orgs"),
        Field::date(
            ctx.lang,
            "on",
            ctx.t("orgs.field.effective_on"),
            &on_value(f),
        ),
    ];
    page.respond()
}

async fn close_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let org = load_for_restructure(&st, &auth.p, &id).await?;
    Ok(close_page(
        &auth.ctx,
        &org,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn close(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let org = load(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let successor =
        crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "successor", false, &mut errors).await?;
    let on = validate::date("on", f.get("on"));
    if let Err(inv) = &on {
        errors.push(lang, "on", inv.0[0].code);
    }
    let (Ok(on), true) = (on, errors.is_empty()) else {
        return Ok(close_page(&auth.ctx, &org, &f, errors));
    };
    match st
        .store
        .org_close(&auth.p, org.id, on, successor.map(|s| s.id))
        .await
    {
        Ok(o) => Ok(Redirect::to(&format!("/orgs/{}", o.id)).into_response()),
        Err(e) => Ok(close_page(&auth.ctx, &org, &f, store_errors(lang, e)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_references_split_on_commas_and_spaces() {
        assert_eq!(
            refs("12, 13;X-1\n Đảng bộ huyện Lục Nam"),
            ["12", "13", "X-1", "Đảng bộ huyện Lục Nam"]
        );
        assert!(refs("  ").is_empty());
    }
}
