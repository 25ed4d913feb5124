//! The shell around every page: the layout (`templates/base.html`), the static files, the
//! language switch, the home page's route (`crate::home`) and the error pages.
//!
//! The stylesheet and the small script are compiled into the binary and served under
//! names that carry a hash of their content, with a year-long immutable cache: a new
//! release changes the name, so browsers never keep a stale copy.

use std::sync::OnceLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use i18n::Lang;

use crate::AppState;
use crate::auth::lang_cookie;
use crate::ctx::Ctx;
use crate::error::{ApiError, AppError, ErrorKind};
use crate::forms::{local_next, query_param};

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(crate::home::home))
        .route("/lang/{lang}", get(switch_lang))
        .route("/static/{file}", get(static_file))
}

/// A check-your-answers page before an irreversible step (ending a consultation,
/// closing a unit): what will happen, the facts it acts on, one confirming button that
/// posts `confirm=yes` to `action`, and a way back.
#[derive(Template, WebTemplate)]
#[template(path = "shell/confirm.html")]
pub struct ConfirmPage {
    pub ctx: Ctx,
    pub title: String,
    pub caption: String,
    pub intro: String,
    /// (label, answer) rows.
    pub answers: Vec<(String, String)>,
    /// What happens after, and what stays possible.
    pub after: String,
    pub action: String,
    pub submit: String,
    pub cancel_href: String,
}

/// FNV-1a, enough to tell one release's file from another's.
fn content_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{:012x}", h & 0xffff_ffff_ffff)
}

fn hashed(name: &str, ext: &str, content: &str) -> &'static str {
    Box::leak(format!("/static/{name}.{}.{ext}", content_hash(content)).into_boxed_str())
}

/// The stylesheet's address, e.g. `/static/app.1a2b3c4d5e6f.css`.
pub fn css_href() -> &'static str {
    static H: OnceLock<&'static str> = OnceLock::new();
    H.get_or_init(|| hashed("app", "css", CSS))
}

/// The script's address.
pub fn js_href() -> &'static str {
    static H: OnceLock<&'static str> = OnceLock::new();
    H.get_or_init(|| hashed("app", "js", JS))
}

async fn static_file(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (body, ctype) = if path == css_href() {
        (CSS, "text/css; charset=utf-8")
    } else if path == js_href() {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    res
}

/// `/lang/{vi|en}?next=/path`: remembers the language in a cookie and goes back.
async fn switch_lang(
    State(state): State<AppState>,
    Path(lang): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let lang = match lang.as_str() {
        "vi" => Lang::Vi,
        "en" => Lang::En,
        _ => return Err(AppError::NotFound),
    };
    let next = local_next(&query_param(&query, "next"));
    let mut res = Redirect::to(&next).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        lang_cookie(lang, state.config.secure_cookies),
    );
    Ok(res)
}

/// Unknown addresses: a 404 page, or a JSON 404 under `/api/`.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        ApiError::NotFound.into_response()
    } else {
        AppError::NotFound.into_response()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "shell/error.html")]
struct ErrorPage<'a> {
    ctx: &'a Ctx,
    title: String,
    heading: &'static str,
    body: &'static str,
}

/// The error page of a kind, in the user's language, inside the layout.
pub fn error_page(ctx: &Ctx, kind: ErrorKind) -> Response {
    let key = kind.key();
    let heading = ctx.t(&format!("shell.error.{key}.title"));
    let page = ErrorPage {
        ctx,
        title: heading.to_owned(),
        heading,
        body: ctx.t(&format!("shell.error.{key}.body")),
    };
    match page.render() {
        Ok(html) => (kind.status(), Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not render an error page");
            (kind.status(), ctx.t(&format!("shell.error.{key}.title"))).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_names_carry_a_content_hash() {
        assert!(css_href().starts_with("/static/app."));
        assert!(css_href().ends_with(".css"));
        assert_ne!(content_hash("a"), content_hash("b"));
    }
}
