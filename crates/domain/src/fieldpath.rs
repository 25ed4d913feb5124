//! Field names of items in a list, such as `tasks[2].deadline`, for [`crate::Invalid`].
//!
//! [`crate::FieldError::field`] is a `&'static str` so that errors are cheap to build and
//! compare. Names of list items are made once and kept for the life of the process in an
//! interner; since lists are capped (`MAX_INDEX` items) and field names are literals, the
//! interner holds a bounded set of names.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

/// Items at or beyond this index are named by the list alone (`tasks`); every list that
/// reports errors by item caps its length below this.
pub const MAX_INDEX: usize = 1000;

static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();

/// The name of `field` of item `index` (from 0) of `list`: `indexed("tasks", 2, "deadline")`
/// is `"tasks[2].deadline"`. An empty `field` names the item itself (`"tasks[2]"`).
pub fn indexed(list: &'static str, index: usize, field: &'static str) -> &'static str {
    if index >= MAX_INDEX {
        return list;
    }
    let name = if field.is_empty() {
        format!("{list}[{index}]")
    } else {
        format!("{list}[{index}].{field}")
    };
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = names.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(known) = names.get(name.as_str()) {
        return known;
    }
    let interned: &'static str = Box::leak(name.into_boxed_str());
    names.insert(interned);
    interned
}

/// The index and field of a name made by [`indexed`]: `"tasks[2].deadline"` is
/// `Some(("tasks", 2, "deadline"))`. The web layer uses it to point at a table cell.
pub fn split(name: &str) -> Option<(&str, usize, &str)> {
    let open = name.find('[')?;
    let close = name[open..].find(']')? + open;
    let index = name[open + 1..close].parse().ok()?;
    let rest = &name[close + 1..];
    let field = match rest.strip_prefix('.') {
        Some(f) => f,
        None if rest.is_empty() => "",
        None => return None,
    };
    Some((&name[..open], index, field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_and_interning() {
        let a = indexed("tasks", 2, "deadline");
        assert_eq!(a, "tasks[2].deadline");
        let b = indexed("tasks", 2, "deadline");
        assert!(std::ptr::eq(a, b), "the same name is made once");
        assert_eq!(indexed("targets", 0, ""), "targets[0]");
        assert_eq!(indexed("tasks", MAX_INDEX, "deadline"), "tasks");
    }

    #[test]
    fn split_names() {
        assert_eq!(split("tasks[2].deadline"), Some(("tasks", 2, "deadline")));
        assert_eq!(split("tasks[10]"), Some(("tasks", 10, "")));
        assert_eq!(split("tasks"), None);
        assert_eq!(split("tasks[x].a"), None);
        assert_eq!(split("tasks[1]x"), None);
    }

    proptest! {
        #[test]
        fn split_inverts_indexed(i in 0usize..MAX_INDEX, f in prop::sample::select(vec!["", "content", "deadline"])) {
            prop_assert_eq!(split(indexed("tasks", i, f)), Some(("tasks", i, f)));
        }
    }
}
