//! Errors at the web edge.
//!
//! [`AppError`] is what page handlers fail with. It becomes a bare response carrying an
//! [`ErrorMarker`]; the context middleware, which knows the user's language and name,
//! replaces the body with the error page ([`crate::shell::error_page`]). [`ApiError`] is the
//! JSON API's counterpart. Server errors are logged here and never show internals.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use store::StoreError;

/// Which error page to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Forbidden,
    Csrf,
    BadRequest,
    TooManyRequests,
    Internal,
}

impl ErrorKind {
    pub fn status(self) -> StatusCode {
        match self {
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Forbidden | ErrorKind::Csrf => StatusCode::FORBIDDEN,
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The i18n key prefix of the page's texts (`shell.error.<key>.title` / `.body`).
    pub fn key(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::Csrf => "csrf",
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::TooManyRequests => "too_many",
            ErrorKind::Internal => "internal",
        }
    }
}

/// Marks a response whose body the context middleware replaces with an error page.
#[derive(Debug, Clone, Copy)]
pub struct ErrorMarker(pub ErrorKind);

/// The error of a page handler.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("bad request")]
    BadRequest,
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }

    fn kind(&self) -> ErrorKind {
        match self {
            AppError::NotFound => ErrorKind::NotFound,
            AppError::Forbidden => ErrorKind::Forbidden,
            AppError::BadRequest => ErrorKind::BadRequest,
            AppError::Internal(_) => ErrorKind::Internal,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden => AppError::Forbidden,
            // Forms catch these before they get here; elsewhere they are the user's
            // mistake, never a server error.
            StoreError::Invalid(_) | StoreError::Conflict(_) | StoreError::Unsupported(_) => {
                AppError::BadRequest
            }
            StoreError::Backend(msg) => AppError::Internal(msg),
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(format!("template: {e}"))
    }
}

/// A bare response that the context middleware turns into an error page.
pub fn marked(kind: ErrorKind) -> Response {
    let mut res = (kind.status(), kind.key()).into_response();
    res.extensions_mut().insert(ErrorMarker(kind));
    res
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(msg) = &self {
            tracing::error!(error = %msg, "request failed");
        }
        marked(self.kind())
    }
}

/// The error of a JSON API handler: `{"error": code, "fields": [{field, code}]}`.
#[derive(Debug)]
pub enum ApiError {
    Unauthorized,
    NotFound,
    Forbidden,
    Csrf,
    Invalid(domain::Invalid),
    Conflict(&'static str),
    BadRequest(&'static str),
    Internal(String),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound => ApiError::NotFound,
            StoreError::Forbidden => ApiError::Forbidden,
            StoreError::Invalid(inv) => ApiError::Invalid(inv),
            StoreError::Conflict(c) => ApiError::Conflict(c),
            StoreError::Unsupported(c) => ApiError::BadRequest(c),
            StoreError::Backend(msg) => ApiError::Internal(msg),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, fields) = match self {
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", vec![]),
            ApiError::NotFound => (StatusCode::NOT_FOUND, "not_found", vec![]),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden", vec![]),
            ApiError::Csrf => (StatusCode::FORBIDDEN, "csrf", vec![]),
            ApiError::Invalid(inv) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                inv.0
                    .iter()
                    .map(|e| serde_json::json!({"field": e.field, "code": e.code}))
                    .collect(),
            ),
            ApiError::Conflict(c) => (StatusCode::CONFLICT, c, vec![]),
            ApiError::BadRequest(c) => (StatusCode::BAD_REQUEST, c, vec![]),
            ApiError::Internal(msg) => {
                tracing::error!(error = %msg, "API request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", vec![])
            }
        };
        let body = serde_json::json!({ "error": code, "fields": fields });
        (status, Json(body)).into_response()
    }
}
