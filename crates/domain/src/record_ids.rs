//! Typed identifiers of the records of documents, cascades and programs (issue 3).
//!
//! Like [`crate::ids`], each wraps the database's 64-bit key so that a task id can never be
//! passed where a program id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! record_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }
    };
}

record_id!(
    /// A registered document (resolution, directive, conclusion, program, …).
    DocumentId
);
record_id!(
    /// A target (indicator) of a document or of a program.
    TargetId
);
record_id!(
    /// One cascade of a document to a subtree.
    CascadeId
);
record_id!(
    /// A unit's action program or implementation plan (any version).
    ProgramId
);
record_id!(
    /// One task (line) of a program.
    TaskId
);
record_id!(
    /// One progress update posted on a task.
    ProgressUpdateId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_display() {
        assert_eq!(" 42 ".parse::<TaskId>().unwrap(), TaskId(42));
        assert_eq!(ProgramId(7).to_string(), "7");
        assert!("x".parse::<DocumentId>().is_err());
    }
}
