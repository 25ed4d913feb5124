use domain::Invalid;

/// Everything a store call can fail with. The web edge turns each into a response:
/// `NotFound` → 404, `Forbidden` → 403, `Invalid` → the form again with messages,
/// `Conflict` → the form again with the conflict's message, `Backend` → a logged 500.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist, or the principal may not see it.
    #[error("not found")]
    NotFound,
    /// The principal may see the record but not make this change.
    #[error("forbidden")]
    Forbidden,
    /// The input breaks a rule; codes name texts in the i18n files.
    #[error("invalid input: {0}")]
    Invalid(#[from] Invalid),
    /// A uniqueness or state conflict; the code names a text (`err.<code>`).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The backend cannot do this (e.g. an online backup of PostgreSQL).
    #[error("unsupported by this backend: {0}")]
    Unsupported(&'static str),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(String),
}

/// A domain rule's refusal is the store's answer of the same name.
impl From<domain::Refusal> for StoreError {
    fn from(r: domain::Refusal) -> StoreError {
        match r {
            domain::Refusal::NotFound => StoreError::NotFound,
            domain::Refusal::Forbidden => StoreError::Forbidden,
            domain::Refusal::Invalid(e) => StoreError::Invalid(e),
            domain::Refusal::Conflict(code) => StoreError::Conflict(code),
        }
    }
}

impl StoreError {
    pub fn backend(e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend(e.to_string())
    }

    pub fn invalid(field: &'static str, code: &'static str) -> StoreError {
        StoreError::Invalid(Invalid::one(field, code))
    }
}
