//! Why a rule refuses an action.
//!
//! The rules of this crate decide on facts the store has loaded; when they say no, they
//! say it with a [`Refusal`], whose variants are the store's answers of the same names
//! (`store::StoreError` converts from it one to one): a record the principal may not see
//! is [`Refusal::NotFound`], exactly as if it did not exist; one they may see but not
//! change is [`Refusal::Forbidden`]; input that breaks a rule is [`Refusal::Invalid`]
//! with field names and message codes; a record in the wrong state for the change is a
//! [`Refusal::Conflict`] with a message code. Codes name texts in the i18n files
//! (`err.<code>`).

use crate::validate::Invalid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The record does not exist, or the principal may not see it.
    NotFound,
    /// The principal may see the record but not make this change.
    Forbidden,
    /// The input breaks a rule.
    Invalid(Invalid),
    /// The record's state does not allow the change.
    Conflict(&'static str),
}

impl Refusal {
    pub fn invalid(field: &'static str, code: &'static str) -> Refusal {
        Refusal::Invalid(Invalid::one(field, code))
    }
}

impl From<Invalid> for Refusal {
    fn from(e: Invalid) -> Refusal {
        Refusal::Invalid(e)
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotFound => f.write_str("not found"),
            Refusal::Forbidden => f.write_str("forbidden"),
            Refusal::Invalid(e) => write!(f, "invalid input: {e}"),
            Refusal::Conflict(code) => write!(f, "conflict: {code}"),
        }
    }
}

impl std::error::Error for Refusal {}

/// The codes of a refusal, for tests: `["not_found"]`, `["forbidden"]`, the field codes of
/// an `Invalid`, or the code of a conflict.
#[cfg(test)]
pub(crate) fn codes(r: &Refusal) -> Vec<&'static str> {
    match r {
        Refusal::NotFound => vec!["not_found"],
        Refusal::Forbidden => vec!["forbidden"],
        Refusal::Invalid(e) => e.0.iter().map(|e| e.code).collect(),
        Refusal::Conflict(c) => vec![c],
    }
}
