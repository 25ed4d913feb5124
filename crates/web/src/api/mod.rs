//! The JSON API under `/api/`: the same records as the pages, for scripts and other
//! systems. Signed-in users only (401 otherwise); a record outside the user's scope is a
//! 404 exactly like a missing one. Writes need the session's CSRF token in the
//! `X-CSRF-Token` header (`GET /api/me` tells it).

pub mod study;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use domain::{MemberId, OrgId, OrgKind, validate};
use serde_json::json;
use store::{NewOrg, Page};

use crate::AppState;
use crate::ctx::Auth;
use crate::error::ApiError;
use crate::forms::query_param;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/orgs", get(roots))
        .route("/api/orgs/{id}", get(org))
        .route("/api/orgs/{id}/children", get(children).post(create_child))
        .route("/api/orgs/{id}/members", get(members))
        .route("/api/members/{id}", get(member))
        .route("/api/search", get(search))
}

type ApiResult = Result<Response, ApiError>;

fn id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

fn ok(v: serde_json::Value) -> ApiResult {
    Ok(Json(v).into_response())
}

async fn me(auth: Auth) -> ApiResult {
    let p = &auth.p;
    ok(json!({
        "user_id": p.user_id,
        "username": p.username,
        "display_name": p.display_name,
        "grants": p.grants,
        "home": p.home(),
        "csrf_token": auth.ctx.csrf,
    }))
}

async fn roots(auth: Auth, State(st): State<AppState>) -> ApiResult {
    ok(json!({ "orgs": st.store.org_roots(&auth.p).await? }))
}

async fn org(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let org = st.store.org_get(&auth.p, id::<OrgId>(&raw)?).await?;
    let ancestors = st.store.org_ancestors(&auth.p, org.id).await?;
    let links = st.store.org_links(&auth.p, org.id).await?;
    ok(json!({ "org": org, "ancestors": ancestors, "links": links }))
}

async fn children(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let org_id = id::<OrgId>(&raw)?;
    ok(json!({ "children": st.store.org_children(&auth.p, org_id, false).await? }))
}

/// A new child unit: `{"kind", "name", "code"?, "valid_from"?}`; dates as dd/mm/yyyy or
/// yyyy-mm-dd, today when absent.
#[derive(serde::Deserialize)]
struct NewChild {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    valid_from: Option<String>,
}

async fn create_child(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    body: Bytes,
) -> ApiResult {
    // The parent first: outside the scope it is a 404 whatever the body says.
    let parent = st.store.org_get(&auth.p, id::<OrgId>(&raw)?).await?;
    let input: NewChild =
        serde_json::from_slice(&body).map_err(|_| ApiError::BadRequest("bad_json"))?;
    let mut inv = domain::Invalid::default();
    let kind = OrgKind::parse(&input.kind);
    if kind.is_none() {
        inv.push("kind", "bad_choice");
    }
    let name = inv.take(validate::name("name", &input.name, 200));
    let code = inv.take(validate::optional(
        "code",
        input.code.as_deref().unwrap_or(""),
        32,
    ));
    let valid_from = match input.valid_from.as_deref() {
        None | Some("") => Some(crate::forms::today()),
        Some(d) => inv.take(validate::date("valid_from", d)),
    };
    let (Some(kind), Some(name), Some(code), Some(valid_from)) = (kind, name, code, valid_from)
    else {
        return Err(ApiError::Invalid(inv));
    };
    let org = st
        .store
        .org_create(
            &auth.p,
            NewOrg {
                parent_id: Some(parent.id),
                kind,
                name,
                code,
                valid_from,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "org": org }))).into_response())
}

async fn members(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let org = st.store.org_get(&auth.p, id::<OrgId>(&raw)?).await?;
    let offset: u32 = query_param(&query, "offset").parse().unwrap_or(0);
    let limit: u32 = query_param(&query, "limit")
        .parse()
        .unwrap_or(100)
        .clamp(1, 1000);
    let hits = st
        .store
        .subtree_members(&auth.p, org.id, Page { offset, limit })
        .await?;
    ok(json!({ "org_id": org.id, "offset": offset, "limit": limit, "members": hits }))
}

async fn member(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let d = st.store.member_get(&auth.p, id::<MemberId>(&raw)?).await?;
    ok(json!({ "member": d }))
}

async fn search(auth: Auth, State(st): State<AppState>, RawQuery(query): RawQuery) -> ApiResult {
    let q = crate::search::clean_query(&query_param(&query, "q"));
    if domain::text::fold(&q).is_empty() {
        return ok(json!({ "q": q, "orgs": [], "members": [] }));
    }
    let orgs = st
        .store
        .org_search(&auth.p, &q, crate::search::ORG_LIMIT)
        .await?;
    let members = st
        .store
        .member_search(&auth.p, &q, crate::search::MEMBER_LIMIT)
        .await?;
    ok(json!({ "q": q, "orgs": orgs, "members": members }))
}
