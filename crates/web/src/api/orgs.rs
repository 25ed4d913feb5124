//! Units, members and search: `/api/me`, `/api/orgs…`, `/api/members/{id}`, `/api/search`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use domain::{MemberId, OrgId, OrgKind, validate};
use serde::{Deserialize, Serialize};
use store::{NewOrg, Org};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, created, id, ok, page};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};

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

#[derive(OpenApi)]
#[openapi(paths(me, roots, org, children, create_child, members, member, search))]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// An organization (unit) of the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDto {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// The materialized path of ids from the root: `/1/17/240/`.
    #[schema(example = "/1/17/240/")]
    pub path: String,
    /// `provincial`, `directly_affiliated`, `grassroots`, `cell`, …
    #[schema(example = "grassroots")]
    pub kind: String,
    pub code: Option<String>,
    #[schema(example = "Đảng bộ xã Tân Sơn")]
    pub name: String,
    pub valid_from: time::Date,
    /// Set when the unit was closed (merged, split, dissolved).
    pub valid_to: Option<time::Date>,
    /// Active members of this cell (0 for other kinds).
    pub member_count: i64,
    pub subtree_member_count: i64,
    pub subtree_cell_count: i64,
    pub child_count: i64,
}

impl From<&Org> for OrgDto {
    fn from(o: &Org) -> OrgDto {
        OrgDto {
            id: o.id.0,
            parent_id: o.parent_id.map(|p| p.0),
            path: o.path.as_str().to_owned(),
            kind: o.kind.as_str().to_owned(),
            code: o.code.clone(),
            name: o.name.clone(),
            valid_from: o.valid_from,
            valid_to: o.valid_to,
            member_count: o.member_count,
            subtree_member_count: o.subtree_member_count,
            subtree_cell_count: o.subtree_cell_count,
            child_count: o.child_count,
        }
    }
}

fn orgs(list: &[Org]) -> Vec<OrgDto> {
    list.iter().map(OrgDto::from).collect()
}

/// The signed-in user.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    /// The user's grants: role and unit.
    #[schema(value_type = Vec<Object>)]
    pub grants: serde_json::Value,
    /// The unit the user starts from, if any.
    #[schema(value_type = Option<Object>)]
    pub home: serde_json::Value,
    /// Send it in the `X-CSRF-Token` header of every POST.
    pub csrf_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct OrgList {
    pub orgs: Vec<OrgDto>,
}

#[derive(Serialize, ToSchema)]
pub struct OrgPage {
    pub org: OrgDto,
    /// From the root down to the parent; `readable` says whether the user may open it.
    #[schema(value_type = Vec<Object>)]
    pub ancestors: serde_json::Value,
    /// Predecessors and successors through merges and splits.
    #[schema(value_type = Object)]
    pub links: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct Children {
    pub children: Vec<OrgDto>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedOrg {
    pub org: OrgDto,
}

#[derive(Serialize, ToSchema)]
pub struct MemberList {
    pub org_id: i64,
    pub offset: u32,
    pub limit: u32,
    #[schema(value_type = Vec<Object>)]
    pub members: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct MemberPage {
    /// The member with cell stints and positions.
    #[schema(value_type = Object)]
    pub member: serde_json::Value,
}

#[derive(Serialize, ToSchema)]
pub struct SearchHits {
    pub q: String,
    /// Units whose names match.
    pub orgs: Vec<OrgDto>,
    /// Members whose names match (by name only; the full-text results hold them too).
    #[schema(value_type = Vec<Object>)]
    pub members: serde_json::Value,
    /// The full-text results (docs/SEARCH.md).
    pub results: Option<super::search::SearchResults>,
}

fn value<T: Serialize>(v: &T) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string()))
}

// ---- Handlers ---------------------------------------------------------------------------

/// The signed-in user, with the CSRF token for writes.
#[utoipa::path(get, path = "/api/me", tag = "orgs",
    responses((status = 200, description = "OK", body = Me), (status = 401, description = "Not signed in", body = ErrorBody)))]
async fn me(auth: Auth) -> ApiResult {
    let p = &auth.p;
    ok(Me {
        user_id: p.user_id.0,
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        grants: value(&p.grants)?,
        home: value(&p.home())?,
        csrf_token: auth.ctx.csrf.clone(),
    })
}

/// The top units the user may read.
#[utoipa::path(get, path = "/api/orgs", tag = "orgs",
    responses((status = 200, description = "OK", body = OrgList), (status = 401, description = "Not signed in", body = ErrorBody)))]
async fn roots(auth: Auth, State(st): State<AppState>) -> ApiResult {
    ok(OrgList {
        orgs: orgs(&st.store.org_roots(&auth.p).await?),
    })
}

/// One unit, with its ancestors and merge/split links.
#[utoipa::path(get, path = "/api/orgs/{id}", tag = "orgs",
    params(("id" = i64, Path, description = "The unit")),
    responses((status = 200, description = "OK", body = OrgPage), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn org(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let org = st.store.org_get(&auth.p, id::<OrgId>(&raw)?).await?;
    let ancestors = st.store.org_ancestors(&auth.p, org.id).await?;
    let links = st.store.org_links(&auth.p, org.id).await?;
    ok(OrgPage {
        org: OrgDto::from(&org),
        ancestors: value(&ancestors)?,
        links: value(&links)?,
    })
}

/// The open children of a unit.
#[utoipa::path(get, path = "/api/orgs/{id}/children", tag = "orgs",
    params(("id" = i64, Path, description = "The unit")),
    responses((status = 200, description = "OK", body = Children), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn children(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let org_id = id::<OrgId>(&raw)?;
    ok(Children {
        children: orgs(&st.store.org_children(&auth.p, org_id, false).await?),
    })
}

/// A new child unit. Dates as yyyy-mm-dd or dd/mm/yyyy, today when absent.
#[derive(Deserialize, ToSchema)]
pub struct NewChild {
    /// `directly_affiliated`, `grassroots`, `cell`, …
    #[serde(default)]
    #[schema(example = "cell")]
    pub kind: String,
    #[serde(default)]
    #[schema(example = "Chi bộ thôn Mới")]
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub valid_from: Option<String>,
}

/// Creates a child unit (EditOrgs on the parent).
#[utoipa::path(post, path = "/api/orgs/{id}/children", tag = "orgs",
    params(("id" = i64, Path, description = "The parent unit")),
    request_body = NewChild,
    responses((status = 201, description = "Created", body = CreatedOrg), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody), (status = 409, description = "In conflict with stored records", body = ErrorBody)))]
async fn create_child(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    // The parent first: outside the scope it is a 404 whatever the body says.
    let parent = st.store.org_get(&auth.p, id::<OrgId>(&raw)?).await?;
    let input: NewChild = body(&bytes)?;
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
    created(CreatedOrg {
        org: OrgDto::from(&org),
    })
}

/// Members of a unit's subtree, a page at a time.
#[utoipa::path(get, path = "/api/orgs/{id}/members", tag = "orgs",
    params(("id" = i64, Path, description = "The unit"),
        ("offset" = Option<u32>, Query, description = "Skip this many (0)"),
        ("limit" = Option<u32>, Query, description = "At most this many, 1–1000 (100)")),
    responses((status = 200, description = "OK", body = MemberList), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn members(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let org = st.store.org_get(&auth.p, id::<OrgId>(&raw)?).await?;
    let pg = page(&query, 100, 1000);
    let hits = st.store.subtree_members(&auth.p, org.id, pg).await?;
    ok(MemberList {
        org_id: org.id.0,
        offset: pg.offset,
        limit: pg.limit,
        members: value(&hits)?,
    })
}

/// One member, with stints and positions.
#[utoipa::path(get, path = "/api/members/{id}", tag = "orgs",
    params(("id" = i64, Path, description = "The member")),
    responses((status = 200, description = "OK", body = MemberPage), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn member(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let d = st.store.member_get(&auth.p, id::<MemberId>(&raw)?).await?;
    ok(MemberPage { member: value(&d)? })
}

/// Units and members by name (diacritics optional).
#[utoipa::path(get, path = "/api/search", tag = "orgs",
    params(("q" = String, Query, description = "The words, with or without diacritics (a phrase in double quotes, -word to leave out)"),
        ("kind" = Option<String>, Query, description = "Only this kind: document, program, task, report, member"),
        ("year" = Option<i32>, Query, description = "Only this year"),
        ("org" = Option<i64>, Query, description = "Only this unit's subtree"),
        ("page" = Option<usize>, Query, description = "The page of results, from 1 (20 a page)")),
    responses((status = 200, description = "OK", body = SearchHits), (status = 401, description = "Not signed in", body = ErrorBody)))]
async fn search(auth: Auth, State(st): State<AppState>, RawQuery(query): RawQuery) -> ApiResult {
    let params = crate::search::Params::parse(&query);
    let q = params.q.clone();
    if !params.searched() {
        return ok(SearchHits {
            q,
            orgs: Vec::new(),
            members: serde_json::json!([]),
            results: None,
        });
    }
    let found = st
        .store
        .org_search(&auth.p, &q, crate::search::ORG_LIMIT)
        .await?;
    let members = st
        .store
        .member_search(&auth.p, &q, crate::search::MEMBER_LIMIT)
        .await?;
    let out = crate::search::run(&st, &auth.ctx, Some(&auth.p), &params).await?;
    ok(SearchHits {
        q,
        orgs: orgs(&found),
        members: value(&members)?,
        results: Some(super::search::SearchResults::new(out, params.page)),
    })
}
