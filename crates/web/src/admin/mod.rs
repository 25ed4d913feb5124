//! Administration: accounts (list, create, reset password, disable, grants) and the audit
//! log filtered by subtree. Every route requires the right to manage accounts (or, for the
//! audit log, to read it) somewhere; the store limits each admin to the accounts and the
//! audit entries of their subtree. One's own account is not administered here: one's own
//! password changes on the account page, with the current password (issue 11, defect 3),
//! and one does not disable oneself.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::{AccessRole, Invalid, Permission, Principal, UserId, validate};
use store::{AuditEntry, AuditFilter, NewGrant, NewUser, StoreError, UserDetail};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, Field, FormData, FormErrors, FormPage, query_param, store_errors};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(users))
        .route("/admin/users/new", get(new_user_form).post(create_user))
        .route("/admin/users/{id}", get(user_page))
        .route("/admin/users/{id}/password", post(reset_password))
        .route("/admin/users/{id}/disabled", post(set_disabled))
        .route("/admin/users/{id}/grants", post(add_grant))
        .route(
            "/admin/users/{id}/grants/{grant}/revoke",
            post(revoke_grant),
        )
        .route("/admin/audit", get(audit))
}

/// Audit entries per page.
const AUDIT_PAGE: u32 = 50;

fn require(p: &Principal, perm: Permission) -> Result<(), AppError> {
    if p.has_anywhere(perm) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn role_options(ctx: &Ctx) -> Vec<(String, String)> {
    AccessRole::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), ctx.access(r).to_owned()))
        .collect()
}

/// A date and time in Vietnam's time zone, dd/mm/yyyy hh:mm.
fn when(t: time::OffsetDateTime) -> String {
    let t = domain::tz::local(t);
    format!(
        "{} {:02}:{:02}",
        validate::format_date(t.date()),
        t.hour(),
        t.minute()
    )
}

// ---- Accounts ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
struct UsersPage {
    ctx: Ctx,
    title: String,
    users: Vec<UserDetail>,
}

async fn users(auth: Auth, State(st): State<AppState>) -> Result<Response, AppError> {
    require(&auth.p, Permission::ManageAccounts)?;
    let users = st.store.user_list(&auth.p).await?;
    Ok(UsersPage {
        title: auth.ctx.t("admin.users_title").to_owned(),
        ctx: auth.ctx,
        users,
    }
    .into_response())
}

fn new_user_page(ctx: &Ctx, f: &FormData, errors: FormErrors) -> Response {
    let mut page = FormPage::new(
        ctx,
        ctx.t("admin.new_user_title"),
        "/admin/users/new",
        errors,
    );
    page.cancel_href = "/admin".into();
    let role = if f.get("role").is_empty() {
        "office_staff"
    } else {
        f.get("role")
    };
    page.fields = vec![
        Field::text("username", ctx.t("admin.field.username"), f.get("username"))
            .hint(ctx.t("admin.field.username_hint")),
        Field::text(
            "display_name",
            ctx.t("admin.field.display_name"),
            f.get("display_name"),
        ),
        Field::password("password", ctx.t("admin.field.password"))
            .hint(ctx.t("admin.field.password_hint")),
        Field::select("role", ctx.t("admin.field.role"), role, role_options(ctx)),
        Field::text("org", ctx.t("admin.field.org"), f.get("org"))
            .pick("orgs")
            .hint(ctx.t("orgs.field.org_ref_hint")),
    ];
    page.respond()
}

async fn new_user_form(auth: Auth) -> Result<Response, AppError> {
    require(&auth.p, Permission::ManageAccounts)?;
    Ok(new_user_page(
        &auth.ctx,
        &FormData::default(),
        FormErrors::default(),
    ))
}

async fn hash_password(st: &AppState, password: String) -> Result<String, AppError> {
    st.passwords
        .hash(password)
        .await
        .map_err(|_| AppError::internal("password gate busy"))?
        .map_err(AppError::internal)
}

async fn create_user(
    auth: Auth,
    State(st): State<AppState>,
    f: FormData,
) -> Result<Response, AppError> {
    require(&auth.p, Permission::ManageAccounts)?;
    let lang = auth.ctx.lang;
    let mut inv = Invalid::default();
    let username = inv.take(validate::username(f.get("username")));
    let display_name = inv.take(validate::name("display_name", f.get("display_name"), 120));
    let password = inv.take(validate::new_password_for(
        f.get("password"),
        &[f.get("username"), f.get("display_name")],
    ));
    let role = AccessRole::parse(f.get("role"));
    if role.is_none() {
        inv.push("role", "bad_choice");
    }
    let mut errors = FormErrors::from_invalid(lang, &inv);
    let org = crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "org", true, &mut errors).await?;
    let (Some(username), Some(display_name), Some(password), Some(role), Some(org), true) = (
        username,
        display_name,
        password,
        role,
        org,
        errors.is_empty(),
    ) else {
        return Ok(new_user_page(&auth.ctx, &f, errors));
    };
    // The grant's scope is checked before the account exists, so that a refused grant
    // leaves no account behind.
    if !auth.p.can(Permission::ManageAccounts, &org.path) {
        let mut errors = FormErrors::default();
        errors.push(lang, "org", "forbidden");
        return Ok(new_user_page(&auth.ctx, &f, errors));
    }
    let password_hash = hash_password(&st, password).await?;
    let user = match st
        .store
        .user_create(
            &auth.p,
            NewUser {
                username,
                display_name,
                password_hash,
                member_id: None,
            },
        )
        .await
    {
        Ok(u) => u,
        Err(e) => return Ok(new_user_page(&auth.ctx, &f, store_errors(lang, e)?)),
    };
    if let Err(e) = st
        .store
        .grant_add(
            &auth.p,
            NewGrant {
                user_id: user.id,
                role,
                org_id: org.id,
            },
        )
        .await
    {
        return Ok(new_user_page(&auth.ctx, &f, store_errors(lang, e)?));
    }
    Ok(Redirect::to(&format!("/admin/users/{}", user.id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
struct UserPage {
    ctx: Ctx,
    title: String,
    u: UserDetail,
    errors: FormErrors,
    /// Values typed into the grant form, kept when it comes back with errors.
    grant_role: String,
    grant_org: String,
    roles: Vec<(String, String)>,
    done: String,
    created: String,
    /// The signed-in admin's own account: no password reset or disabling here.
    is_self: bool,
}

fn render_user(ctx: &Ctx, u: UserDetail, f: &FormData, errors: FormErrors, done: &str) -> Response {
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let done = match done {
        "password" | "disabled" | "enabled" | "grant" | "revoked" => {
            ctx.t(&format!("admin.done.{done}")).to_owned()
        }
        _ => String::new(),
    };
    let page = UserPage {
        title: forms::title(ctx.lang, &errors, &u.user.display_name),
        created: when(u.user.created_at),
        grant_role: if f.get("role").is_empty() {
            "member".into()
        } else {
            f.get("role").into()
        },
        grant_org: f.get("org").into(),
        roles: role_options(ctx),
        is_self: ctx.user.as_ref().is_some_and(|p| p.user_id == u.user.id),
        ctx: ctx.clone(),
        u,
        errors,
        done,
    };
    (status, page).into_response()
}

/// An account an administrator works on: requires the right to manage accounts first,
/// whatever the store would show (a plain member sees their own account there).
async fn load_user(st: &AppState, p: &Principal, raw: &str) -> Result<UserDetail, AppError> {
    require(p, Permission::ManageAccounts)?;
    Ok(st.store.user_get(p, forms::id::<UserId>(raw)?).await?)
}

async fn user_page(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let u = load_user(&st, &auth.p, &id).await?;
    let done = query_param(&query, "done");
    Ok(render_user(
        &auth.ctx,
        u,
        &FormData::default(),
        FormErrors::default(),
        &done,
    ))
}

async fn reset_password(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let u = load_user(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    if u.user.id == auth.p.user_id {
        let mut errors = FormErrors::default();
        errors.push_key(lang, "password", "admin.err.own_password");
        return Ok(render_user(&auth.ctx, u, &f, errors, ""));
    }
    let personal = [u.user.username.as_str(), u.user.display_name.as_str()];
    let password = match validate::new_password_for(f.get("password"), &personal) {
        Ok(p) => p,
        Err(inv) => {
            let errors = FormErrors::from_invalid(lang, &inv);
            return Ok(render_user(&auth.ctx, u, &f, errors, ""));
        }
    };
    let hash = hash_password(&st, password).await?;
    match st.store.user_set_password(&auth.p, u.user.id, &hash).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/users/{}?done=password", u.user.id)).into_response())
        }
        Err(e) => {
            let errors = store_errors(lang, e)?;
            Ok(render_user(&auth.ctx, u, &f, errors, ""))
        }
    }
}

async fn set_disabled(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let u = load_user(&st, &auth.p, &id).await?;
    let disabled = match f.get("disabled") {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest),
    };
    if u.user.id == auth.p.user_id {
        let mut errors = FormErrors::default();
        errors.push_key(auth.ctx.lang, "disabled", "admin.err.own_disable");
        return Ok(render_user(&auth.ctx, u, &f, errors, ""));
    }
    st.store
        .user_set_disabled(&auth.p, u.user.id, disabled)
        .await?;
    let done = if disabled { "disabled" } else { "enabled" };
    Ok(Redirect::to(&format!("/admin/users/{}?done={done}", u.user.id)).into_response())
}

async fn add_grant(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let u = load_user(&st, &auth.p, &id).await?;
    let lang = auth.ctx.lang;
    let mut errors = FormErrors::default();
    let role = AccessRole::parse(f.get("role"));
    if role.is_none() {
        errors.push(lang, "role", "bad_choice");
    }
    let org = crate::pick::org_into(&st, &auth.ctx, &auth.p, &f, "org", true, &mut errors).await?;
    let (Some(role), Some(org), true) = (role, org, errors.is_empty()) else {
        return Ok(render_user(&auth.ctx, u, &f, errors, ""));
    };
    let new = NewGrant {
        user_id: u.user.id,
        role,
        org_id: org.id,
    };
    match st.store.grant_add(&auth.p, new).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/users/{}?done=grant", u.user.id)).into_response())
        }
        Err(StoreError::Forbidden) => {
            errors.push(lang, "org", "forbidden");
            Ok(render_user(&auth.ctx, u, &f, errors, ""))
        }
        Err(e) => {
            let errors = store_errors(lang, e)?;
            Ok(render_user(&auth.ctx, u, &f, errors, ""))
        }
    }
}

async fn revoke_grant(
    auth: Auth,
    State(st): State<AppState>,
    Path((id, grant)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let u = load_user(&st, &auth.p, &id).await?;
    let grant_id: i64 = forms::id(&grant)?;
    if !u.grants.iter().any(|g| g.id == grant_id) {
        return Err(AppError::NotFound);
    }
    st.store.grant_revoke(&auth.p, grant_id).await?;
    Ok(Redirect::to(&format!("/admin/users/{}?done=revoked", u.user.id)).into_response())
}

// ---- Audit log --------------------------------------------------------------------------

/// One audit entry, formatted for the page.
struct AuditRow {
    id: i64,
    at: String,
    actor: String,
    action: String,
    entity: String,
    entity_id: i64,
    /// The record's page, when it has one.
    href: Option<String>,
    before: String,
    after: String,
}

/// The page of an audited record, by its entity name (the audit log links to it; the
/// page itself checks who may read it).
fn record_href(entity: &str, id: i64) -> Option<String> {
    let base = match entity {
        "organization" => "/orgs",
        "member" => "/members",
        "document" => "/documents",
        "cascade" => "/cascades",
        "program" => "/programs",
        "task" => "/tasks",
        "target" => "/targets",
        "report" => "/reports",
        "study_session" => "/study-sessions",
        "inspection_program" => "/inspection-programs",
        "inspection_item" => "/inspection-items",
        "inspection_recommendation" => "/recommendations",
        "consultation" => "/consultations",
        "portal_article" => return Some(format!("/news/{id}/manage")),
        "user" => "/admin/users",
        _ => return None,
    };
    Some(format!("{base}/{id}"))
}

fn pretty(v: &Option<serde_json::Value>) -> String {
    v.as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    ctx: Ctx,
    title: String,
    org: String,
    entity: String,
    entities: Vec<(String, String)>,
    rows: Vec<AuditRow>,
    next_before: Option<i64>,
    org_error: String,
}

/// The kinds of record the audit log names.
/// The kinds of record the audit log can be filtered by (the office's usual questions).
const ENTITIES: [&str; 16] = [
    "organization",
    "member",
    "position",
    "user",
    "grant",
    "document",
    "cascade",
    "program",
    "progress_update",
    "target",
    "report",
    "study_session",
    "study_attendance",
    "inspection_item",
    "inspection_recommendation",
    "consultation",
];

async fn audit(
    auth: Auth,
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    require(&auth.p, Permission::ReadAudit)?;
    let ctx = auth.ctx;
    let org_raw = query_param(&query, "org");
    let entity = query_param(&query, "entity");
    let mut org_error = String::new();
    let org = match crate::pick::org_field(&st, &ctx, &auth.p, &org_raw).await? {
        Ok(o) => o,
        Err(message) => {
            org_error = message;
            None
        }
    };
    let filter = AuditFilter {
        org: org.as_ref().map(|o| o.id),
        entity: ENTITIES
            .iter()
            .find(|e| **e == entity)
            .map(|e| (*e).to_owned()),
        before_id: query_param(&query, "before").parse().ok(),
        limit: AUDIT_PAGE + 1,
    };
    let entries: Vec<AuditEntry> = if org_error.is_empty() {
        st.store.audit_list(&auth.p, filter).await?
    } else {
        Vec::new()
    };
    let has_more = entries.len() > AUDIT_PAGE as usize;
    let rows: Vec<AuditRow> = entries
        .into_iter()
        .take(AUDIT_PAGE as usize)
        .map(|e| AuditRow {
            id: e.id,
            at: when(e.at),
            actor: if e.user_id.is_none() && e.actor == "system" {
                ctx.t("admin.audit_system").to_owned()
            } else {
                e.actor_name
            },
            href: record_href(&e.entity, e.entity_id),
            action: if i18n::has(&format!("admin.action.{}", e.action)) {
                ctx.t(&format!("admin.action.{}", e.action)).to_owned()
            } else {
                e.action
            },
            entity: e.entity,
            entity_id: e.entity_id,
            before: pretty(&e.before),
            after: pretty(&e.after),
        })
        .collect();
    let next_before = if has_more {
        rows.last().map(|r| r.id)
    } else {
        None
    };
    let mut entities = vec![(String::new(), ctx.t("admin.audit_all").to_owned())];
    entities.extend(ENTITIES.iter().map(|e| {
        (
            (*e).to_owned(),
            ctx.t(&format!("admin.entity.{e}")).to_owned(),
        )
    }));
    Ok(AuditPage {
        title: ctx.t("admin.audit_title").to_owned(),
        ctx,
        org: org_raw,
        entity,
        entities,
        rows,
        next_before,
        org_error,
    }
    .into_response())
}

impl AuditPage {
    fn next_href(&self, before: &i64) -> String {
        format!(
            "/admin/audit?org={}&entity={}&before={before}",
            forms::urlencode(&self.org),
            forms::urlencode(&self.entity)
        )
    }

    fn entity_label(&self, e: &str) -> String {
        let key = format!("admin.entity.{e}");
        if i18n::has(&key) {
            self.ctx.t(&key).to_owned()
        } else {
            e.replace('_', " ")
        }
    }
}
