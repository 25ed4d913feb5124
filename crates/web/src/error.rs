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

/// The error of a JSON API handler, answered as
/// `{"error": {"code", "message", "field", "fields": [{field, code, message}]}}` with the
/// message in the user's language (`err.<code>`).
///
/// The handler does not know the language, so [`IntoResponse`] answers in Vietnamese and
/// leaves an [`ApiFailure`] in the response's extensions; the context middleware, which
/// knows the language, renders the body again ([`ApiError::respond`]).
#[derive(Debug, Clone)]
pub enum ApiError {
    Unauthorized,
    NotFound,
    Forbidden,
    Csrf,
    /// Bad input: 400 with every field's problem.
    Invalid(domain::Invalid),
    Conflict(&'static str),
    /// A conflict whose message says more than `err.<code>`: the text of `key` in the
    /// user's language with `args` filled in (the places left of a quota).
    ConflictWith {
        code: &'static str,
        key: &'static str,
        args: Vec<(&'static str, String)>,
    },
    /// A request that is not what the API describes (`bad_json`, a store refusal).
    BadRequest(&'static str),
    Internal(String),
}

/// Marks a response made from an [`ApiError`], for the context middleware to localize.
#[derive(Debug, Clone)]
pub struct ApiFailure(pub ApiError);

/// The body of every JSON API error.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code, a message in the user's language and, for bad input,
/// the field (`tasks[2].deadline`) and every problem found.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// `not_found`, `forbidden`, `unauthorized`, `csrf`, `bad_json`, a conflict such as
    /// `document_number_taken`, or for bad input the first problem's code (`required`,
    /// `bad_date`, `task_deadline_required`, …).
    #[schema(example = "bad_date")]
    pub code: String,
    #[schema(example = "Ngày không hợp lệ, hãy nhập theo dạng ngày/tháng/năm, ví dụ 05/03/2025.")]
    pub message: String,
    /// The field of the first problem, for bad input and conflicts.
    #[schema(example = "on")]
    pub field: Option<String>,
    /// Every problem of the input, in field order (empty for other errors).
    pub fields: Vec<FieldProblem>,
}

/// One problem of the input.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    #[schema(example = "tasks[0].deadline")]
    pub field: String,
    #[schema(example = "task_deadline_required")]
    pub code: String,
    pub message: String,
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

/// Page helpers shared with the API (`documents::implementing`) fail with [`AppError`].
impl From<AppError> for ApiError {
    fn from(e: AppError) -> ApiError {
        match e {
            AppError::NotFound => ApiError::NotFound,
            AppError::Forbidden => ApiError::Forbidden,
            AppError::BadRequest => ApiError::BadRequest("bad_request"),
            AppError::Internal(msg) => ApiError::Internal(msg),
        }
    }
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::Forbidden | ApiError::Csrf => StatusCode::FORBIDDEN,
            ApiError::Invalid(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) | ApiError::ConflictWith { .. } => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The body in `lang`.
    pub fn body(&self, lang: i18n::Lang) -> ErrorBody {
        let msg = |code: &str| i18n::tr(lang, &format!("err.{code}")).to_owned();
        let plain = |code: &str| ErrorDetail {
            code: code.to_owned(),
            message: msg(code),
            field: None,
            fields: Vec::new(),
        };
        let error = match self {
            ApiError::Unauthorized => plain("unauthorized"),
            ApiError::NotFound => plain("not_found"),
            ApiError::Forbidden => plain("forbidden"),
            ApiError::Csrf => plain("csrf"),
            ApiError::BadRequest(c) => plain(c),
            ApiError::Internal(_) => plain("internal"),
            ApiError::Conflict(c) => ErrorDetail {
                field: Some(crate::forms::conflict_field(c))
                    .filter(|f| *f != "form")
                    .map(str::to_owned),
                ..plain(c)
            },
            ApiError::ConflictWith { code, key, args } => ErrorDetail {
                field: Some(crate::forms::conflict_field(code))
                    .filter(|f| *f != "form")
                    .map(str::to_owned),
                message: i18n::fill_owned(i18n::tr(lang, key), args),
                ..plain(code)
            },
            ApiError::Invalid(inv) => {
                let fields: Vec<FieldProblem> = inv
                    .0
                    .iter()
                    .map(|e| FieldProblem {
                        field: e.field.to_owned(),
                        code: e.code.to_owned(),
                        message: msg(e.code),
                    })
                    .collect();
                match fields.first() {
                    Some(first) => ErrorDetail {
                        code: first.code.clone(),
                        message: first.message.clone(),
                        field: Some(first.field.clone()),
                        fields,
                    },
                    None => plain("bad_request"),
                }
            }
        };
        ErrorBody { error }
    }

    /// The response in `lang`.
    pub fn respond(&self, lang: i18n::Lang) -> Response {
        let mut res = (self.status(), Json(self.body(lang))).into_response();
        res.extensions_mut().insert(ApiFailure(self.clone()));
        res
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(msg) = &self {
            tracing::error!(error = %msg, "API request failed");
        }
        self.respond(i18n::Lang::default())
    }
}

#[cfg(test)]
mod tests {
    use super::ApiError;
    use domain::Invalid;
    use i18n::Lang;

    #[test]
    fn bad_input_names_every_field_first_one_leading() {
        let mut inv = Invalid::default();
        inv.push("tasks[0].deadline", "bad_date");
        inv.push("tasks[1].content", "required");
        let e = ApiError::Invalid(inv);
        assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST);
        let b = e.body(Lang::Vi).error;
        assert_eq!(b.code, "bad_date");
        assert_eq!(b.field.as_deref(), Some("tasks[0].deadline"));
        assert!(b.message.starts_with("Ngày không hợp lệ"));
        assert_eq!(b.fields.len(), 2);
        assert_eq!(b.fields[1].message, "Trường này là bắt buộc.");
        let en = e.body(Lang::En).error;
        assert_eq!(en.fields[1].message, "This field is required.");
    }

    #[test]
    fn conflicts_name_their_field_when_there_is_one() {
        let e = ApiError::Conflict("document_number_taken");
        assert_eq!(e.status(), axum::http::StatusCode::CONFLICT);
        assert_eq!(e.body(Lang::Vi).error.field.as_deref(), Some("number"));
        assert_eq!(
            ApiError::Conflict("target_in_use")
                .body(Lang::Vi)
                .error
                .field,
            None
        );
    }

    /// Every code the API answers with outside the domain's own has its message.
    #[test]
    fn api_codes_have_messages() {
        for code in [
            "unauthorized",
            "not_found",
            "forbidden",
            "csrf",
            "bad_json",
            "bad_request",
            "internal",
        ] {
            for lang in [i18n::Lang::Vi, i18n::Lang::En] {
                let key = format!("err.{code}");
                assert!(i18n::has(&key), "{key}");
                assert_ne!(i18n::tr(lang, &key), key);
            }
        }
    }
}
