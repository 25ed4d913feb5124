//! The JSON API under `/api/`: the same records as the pages, for scripts and other
//! systems, organized by capability like the pages: [`orgs`] (units, members, search),
//! [`documents`], [`cascades`], [`programs`], [`progress`] (tasks, updates, acceptances, my
//! tasks, notifications) and [`dashboards`].
//!
//! - **Who**: signed-in users only (401 otherwise), by the same session cookie as the
//!   pages. Every handler passes the session's principal to the same store methods as
//!   the page it mirrors, so authorization is the store's, identical to the pages: a
//!   record outside the user's scope is a 404 exactly like a missing one.
//! - **CSRF**: sessions are cookies, so a write (POST) must carry the session's CSRF token
//!   in the `X-CSRF-Token` header (`GET /api/me` tells it); the context middleware checks
//!   it before any handler runs (`auth::context`). A cross-site form cannot set a header.
//! - **Errors**: `{"error": {"code", "message", "field", "fields"}}` ([`ErrorBody`]) with
//!   the message in the user's language (`?lang=`, then the language cookie, as pages),
//!   400 for bad input, 401, 403, 404 and 409; never a 500 for a user's mistake.
//! - **OpenAPI**: generated from the handlers' `#[utoipa::path]` and the DTOs' `ToSchema`
//!   ([`openapi`]), served at `/api/openapi.json`. The document is public: it describes
//!   the shape of the API, the same for everyone, and holds no organization data, so code
//!   generators and API clients can fetch it before signing in.
//!
//! Responses are DTOs defined here (not the store's records), so the store crate stays
//! free of web concerns and the JSON shape is a contract of its own: ids are numbers,
//! dates ISO `YYYY-MM-DD`, moments RFC 3339, enums their snake_case names.
//!
//! Adding a capability (e.g. `study.rs`): write its handlers with `#[utoipa::path]`, a
//! `router()` and a `#[derive(OpenApi)] pub struct Doc` listing its paths, then add the
//! router to [`router`] and `study::Doc::openapi()` to the list in [`openapi`] (merged
//! with `OpenApi::merge`; `#[openapi(nest((path = "/api/study", api = study::Doc)))]`
//! would do too when its paths are written relative to a prefix), and its routes to
//! `web::routes::ALL`. The test `openapi_lists_every_api_route` fails until both agree.

pub mod cascades;
pub mod consultation;
pub mod dashboards;
pub mod documents;
pub mod emulation;
pub mod evaluation;
pub mod inspection;
pub mod orgs;
pub mod portal;
pub mod programs;
pub mod progress;
pub mod reports;
pub mod search;
pub mod study;
pub mod targets;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::AppState;
pub use crate::error::{ApiError, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi_json))
        .merge(orgs::router())
        .merge(documents::router())
        .merge(cascades::router())
        .merge(programs::router())
        .merge(progress::router())
        .merge(dashboards::router())
        .merge(inspection::router())
        .merge(targets::router())
        .merge(consultation::router())
        .merge(reports::router())
        .merge(evaluation::router())
        .merge(emulation::router())
}

/// The API's own description, and the parts every capability shares.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Resolute JSON API",
        description = "The records of Resolute's pages as JSON, with the same authorization.\n\n\
Sign in through the page `/login` (the session is the `resolute_session` cookie); then \
`GET /api/me` gives the session's `csrf_token`. Every POST must send it in the \
`X-CSRF-Token` header. A record outside your units is answered 404, as if it did not \
exist. Errors are `{\"error\": {\"code\", \"message\", \"field\", \"fields\"}}`, the \
message in the language chosen with `?lang=vi|en` or the `lang` cookie (Vietnamese by \
default). Dates are `YYYY-MM-DD` (inputs also accept `dd/mm/yyyy`).\n\n\
Evidence files on a progress update are uploaded with the page's multipart form \
(`POST /tasks/{id}/progress`); the JSON API posts updates without files and lists the \
files of each update with their download address.",
        version = env!("CARGO_PKG_VERSION"),
    ),
    paths(openapi_json),
    modifiers(&SessionAuth),
    security(("session" = []), ("session" = [], "csrf" = [])),
    tags(
        (name = "meta", description = "This description."),
        (name = "orgs", description = "Units, members and search."),
        (name = "documents", description = "Registered documents of a unit and those it implements, with their targets."),
        (name = "cascades", description = "A document assigned down a subtree; the units reached and their state; recording a study."),
        (name = "programs", description = "A unit's action program: draft, sections, task table, issue, revise."),
        (name = "progress", description = "Tasks, progress updates and their acceptance, my tasks, notifications."),
        (name = "dashboards", description = "How a document's implementation stands in a subtree."),
        (name = "inspection", description = "Inspection and supervision: items, conclusions, recommendations, the dashboard and the suggestions."),
        (name = "consultation", description = "Consultation on drafts: the draft's numbered items, comments, answers."),
        (name = "targets", description = "A program's own targets linked to the upper targets they serve; a target's roll-up by sub-unit."),
        (name = "portal", description = "The public portal: a unit's news read without an account; editors' writes and feedback moderation."),
        (name = "evaluation", description = "Evaluation and rating: a period's ranking under a unit, one evaluation with its proposed score, the facts behind each point, the three steps and the honesty signals."),
        (name = "emulation", description = "Emulation and commendation: a movement with its pledges and register, a unit's awards, advanced models and their library."),
        (name = "reports", description = "Periodic reports, interim (sơ kết) and final (tổng kết) reviews: the reports due, the factual part and signals, submit, correct, the review's decisions, the upper level's gathered reports."),
    )
)]
pub struct ApiDoc;

/// The session cookie and the CSRF header, as security schemes.
struct SessionAuth;

impl Modify for SessionAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The session cookie set by signing in at /login.",
            ))),
        );
        components.add_security_scheme(
            "csrf",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The session's CSRF token (GET /api/me, csrf_token); required on every POST.",
            ))),
        );
    }
}

/// The whole OpenAPI document: [`ApiDoc`] with every capability's part merged in.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        orgs::Doc::openapi(),
        documents::Doc::openapi(),
        cascades::Doc::openapi(),
        programs::Doc::openapi(),
        progress::Doc::openapi(),
        dashboards::Doc::openapi(),
        study::Doc::openapi(),
        inspection::Doc::openapi(),
        targets::Doc::openapi(),
        consultation::Doc::openapi(),
        portal::Doc::openapi(),
        reports::Doc::openapi(),
        evaluation::Doc::openapi(),
        emulation::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"))
)]
async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = DOC.get_or_init(|| openapi().to_json().unwrap_or_default());
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body.clone(),
    )
        .into_response()
}

// ---- Shared by the capabilities ---------------------------------------------------------

pub(crate) type ApiResult<T = Response> = Result<T, ApiError>;

/// An id from the path: anything that is not one is a 404, like a missing record.
pub(crate) fn id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// The JSON body, read after the record it concerns (a record outside the scope is a 404
/// whatever the body says). An empty body reads as `{}`.
pub(crate) fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let raw: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(raw).map_err(|_| ApiError::BadRequest("bad_json"))
}

pub(crate) fn ok<T: serde::Serialize>(v: T) -> ApiResult {
    Ok(Json(v).into_response())
}

pub(crate) fn created<T: serde::Serialize>(v: T) -> ApiResult {
    Ok((axum::http::StatusCode::CREATED, Json(v)).into_response())
}

/// `offset` and `limit` of a list (limit 1..=`max`, `default` when absent).
pub(crate) fn page(query: &Option<String>, default: u32, max: u32) -> store::Page {
    let offset: u32 = crate::forms::query_param(query, "offset")
        .parse()
        .unwrap_or(0);
    let limit: u32 = crate::forms::query_param(query, "limit")
        .parse()
        .unwrap_or(default)
        .clamp(1, max);
    store::Page { offset, limit }
}

/// A moment as RFC 3339.
pub(crate) fn moment(t: &time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A date typed by the client, ISO or dd/mm/yyyy; `None` when absent or empty.
pub(crate) fn opt_date(
    inv: &mut domain::Invalid,
    field: &'static str,
    raw: Option<&str>,
) -> Option<Option<time::Date>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(d) => inv.take(domain::validate::date(field, d)).map(Some),
    }
}
