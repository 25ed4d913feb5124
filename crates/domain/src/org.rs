//! The organization tree: kinds of units and the materialized path.
//!
//! Architecture invariant: every organization stores `path`, the ids of its ancestors and
//! itself, as `/1/17/240/`. A subtree is the half-open range of paths
//! `[path, path with its last '/' replaced by '0')`, which both databases answer with an
//! index range scan; no request walks the tree recursively.

use crate::ids::OrgId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What an organization is. Party organizations form the tree; implementing bodies (state
/// bodies, the Fatherland Front, mass organizations) hang under the party organization
/// that leads them and write their own programs, but have no cells or members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Đảng bộ tỉnh / thành phố trực thuộc Trung ương.
    Provincial,
    /// Đảng bộ trực thuộc (district-level, agencies' bloc, enterprises' bloc).
    DirectlyAffiliated,
    /// Tổ chức cơ sở đảng (commune, ward, agency, enterprise).
    Grassroots,
    /// Chi bộ.
    Cell,
    /// HĐND / UBND and other state bodies.
    StateBody,
    /// MTTQ and socio-political organizations.
    MassOrganization,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Provincial,
        OrgKind::DirectlyAffiliated,
        OrgKind::Grassroots,
        OrgKind::Cell,
        OrgKind::StateBody,
        OrgKind::MassOrganization,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Provincial => "provincial",
            OrgKind::DirectlyAffiliated => "directly_affiliated",
            OrgKind::Grassroots => "grassroots",
            OrgKind::Cell => "cell",
            OrgKind::StateBody => "state_body",
            OrgKind::MassOrganization => "mass_organization",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Party organizations have members (through their cells) and committees.
    pub fn is_party(self) -> bool {
        !matches!(self, OrgKind::StateBody | OrgKind::MassOrganization)
    }

    /// Only cells hold members directly.
    pub fn holds_members(self) -> bool {
        self == OrgKind::Cell
    }

    /// Whether a unit of kind `child` may be placed under a unit of this kind.
    pub fn may_contain(self, child: OrgKind) -> bool {
        use OrgKind::*;
        match (self, child) {
            (_, Provincial) => false,
            (Cell, _) => false,
            (StateBody | MassOrganization, _) => false,
            (Provincial, _) => true,
            (DirectlyAffiliated, DirectlyAffiliated) => false,
            (DirectlyAffiliated, _) => true,
            (Grassroots, Cell | StateBody | MassOrganization) => true,
            (Grassroots, _) => false,
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A materialized path such as `/1/17/240/`: the ids from the root to the unit itself.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrgPath(String);

/// The half-open range `[start, end)` of paths in a subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRange {
    pub start: String,
    pub end: String,
}

impl PathRange {
    pub fn contains(&self, path: &str) -> bool {
        path >= self.start.as_str() && path < self.end.as_str()
    }
}

impl OrgPath {
    /// The path of a root unit.
    pub fn root(id: OrgId) -> OrgPath {
        OrgPath(format!("/{}/", id.0))
    }

    /// The path of a child of this unit.
    pub fn child(&self, id: OrgId) -> OrgPath {
        OrgPath(format!("{}{}/", self.0, id.0))
    }

    /// Parses a stored path, checking its shape.
    pub fn parse(s: &str) -> Option<OrgPath> {
        if !s.starts_with('/') || !s.ends_with('/') || s.len() < 3 {
            return None;
        }
        let ok = s[1..s.len() - 1]
            .split('/')
            .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()));
        ok.then(|| OrgPath(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Ids from the root down to the unit itself.
    pub fn ids(&self) -> Vec<OrgId> {
        self.0
            .trim_matches('/')
            .split('/')
            .filter_map(|s| s.parse().ok().map(OrgId))
            .collect()
    }

    /// Number of units on the path; a root has depth 1.
    pub fn depth(&self) -> usize {
        self.0.matches('/').count() - 1
    }

    /// The unit this path names.
    pub fn id(&self) -> OrgId {
        *self
            .ids()
            .last()
            .expect("a parsed path has at least one id")
    }

    /// The ancestors' ids, root first, without the unit itself.
    pub fn ancestor_ids(&self) -> Vec<OrgId> {
        let mut ids = self.ids();
        ids.pop();
        ids
    }

    /// The range of paths of this unit and all its descendants.
    pub fn subtree(&self) -> PathRange {
        let mut end = self.0.clone();
        end.pop();
        end.push('0'); // '0' is the byte after '/'.
        PathRange {
            start: self.0.clone(),
            end,
        }
    }

    /// Whether `other` is this unit or one of its descendants.
    pub fn covers(&self, other: &OrgPath) -> bool {
        other.0.starts_with(&self.0)
    }

    /// The path `other` gets when the subtree rooted here moves under `new_parent`.
    pub fn rebase(&self, other: &OrgPath, new_self: &OrgPath) -> Option<OrgPath> {
        other
            .0
            .strip_prefix(&self.0)
            .map(|rest| OrgPath(format!("{}{}", new_self.0, rest)))
    }
}

impl fmt::Display for OrgPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn subtree_range_excludes_siblings_with_longer_ids() {
        let p = OrgPath::parse("/1/5/").unwrap();
        let r = p.subtree();
        assert!(r.contains("/1/5/"));
        assert!(r.contains("/1/5/77/"));
        assert!(!r.contains("/1/50/"));
        assert!(!r.contains("/1/6/"));
        assert!(!r.contains("/1/"));
    }

    #[test]
    fn parse_rejects_malformed_paths() {
        for bad in ["", "/", "//", "1/", "/1", "/a/", "/1//2/"] {
            assert!(OrgPath::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(
            OrgPath::parse("/1/22/").unwrap().ids(),
            vec![OrgId(1), OrgId(22)]
        );
    }

    #[test]
    fn containment_rules() {
        assert!(OrgKind::Provincial.may_contain(OrgKind::DirectlyAffiliated));
        assert!(OrgKind::Grassroots.may_contain(OrgKind::Cell));
        assert!(!OrgKind::Cell.may_contain(OrgKind::Cell));
        assert!(!OrgKind::Grassroots.may_contain(OrgKind::Grassroots));
    }

    proptest! {
        #[test]
        fn range_contains_exactly_the_prefixed_paths(
            a in prop::collection::vec(1i64..2000, 1..5),
            b in prop::collection::vec(1i64..2000, 1..5),
        ) {
            let mk = |ids: &[i64]| {
                let mut p = OrgPath::root(OrgId(ids[0]));
                for id in &ids[1..] { p = p.child(OrgId(*id)); }
                p
            };
            let pa = mk(&a);
            let pb = mk(&b);
            prop_assert_eq!(pa.subtree().contains(pb.as_str()), pa.covers(&pb));
            prop_assert_eq!(pa.covers(&pb), b.starts_with(&a));
        }
    }
}
