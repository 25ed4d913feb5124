//! Search: one box that finds organizations and members by name, with or without
//! diacritics ("bac giang" finds "Bắc Giang"), in the user's scope (the store folds the
//! query and filters by the principal).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use store::{MemberHit, Org};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::query_param;

/// Results shown per kind.
pub const ORG_LIMIT: u32 = 30;
pub const MEMBER_LIMIT: u32 = 50;
/// Longest query considered.
pub const MAX_QUERY: usize = 200;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// The query of a request, trimmed and cut to [`MAX_QUERY`] characters.
pub fn clean_query(raw: &str) -> String {
    raw.trim().chars().take(MAX_QUERY).collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "search/search.html")]
struct SearchPage {
    ctx: Ctx,
    title: String,
    q: String,
    orgs: Vec<Org>,
    members: Vec<MemberHit>,
    searched: bool,
}

async fn search(
    auth: Auth,
    State(st): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let q = clean_query(&query_param(&query, "q"));
    let searched = !domain::text::fold(&q).is_empty();
    let (orgs, members) = if searched {
        (
            st.store.org_search(&auth.p, &q, ORG_LIMIT).await?,
            st.store.member_search(&auth.p, &q, MEMBER_LIMIT).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let title = if searched {
        format!("{} – {q}", auth.ctx.t("search.title"))
    } else {
        auth.ctx.t("search.title").to_owned()
    };
    Ok(SearchPage {
        ctx: auth.ctx,
        title,
        q,
        orgs,
        members,
        searched,
    }
    .into_response())
}
