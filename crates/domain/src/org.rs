//! The organization tree: kinds of units and the materialized path.
//!
//! Architecture invariant: every organization stores `path`, the ids of its ancestors and
//! itself, as `/1/17/240/`. A subtree is the half-open range of paths
//! `[path, path with its last '/' replaced by '0')`, which both databases answer with an
//! index range scan; no request walks the tree recursively.

use crate::ids::OrgId;
use crate::refusal::Refusal;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

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

    /// The unit above this one, or this one for a root: whose office supervises it.
    pub fn parent_or_self(&self) -> OrgPath {
        match self.0[..self.0.len() - 1].rfind('/') {
            Some(i) if i > 0 => OrgPath(self.0[..=i].to_owned()),
            _ => self.clone(),
        }
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

/// What the rules need to know of an organization, as the store loaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: OrgId,
    pub parent_id: Option<OrgId>,
    pub kind: OrgKind,
    pub path: OrgPath,
    pub valid_from: Date,
    /// Set when the unit was closed (merged, split, dissolved).
    pub valid_to: Option<Date>,
}

impl Unit {
    pub fn is_active(&self) -> bool {
        self.valid_to.is_none()
    }

    /// A closed unit takes no change: `Conflict("org_closed")`.
    pub fn require_active(&self) -> Result<(), Refusal> {
        if self.is_active() {
            Ok(())
        } else {
            Err(Refusal::Conflict("org_closed"))
        }
    }
}

/// A unit's name is at most this long.
pub const MAX_NAME_CHARS: usize = 200;
/// A unit's code is at most this long.
pub const MAX_CODE_CHARS: usize = 50;

/// A unit's name and code as typed.
#[derive(Debug, Clone, Copy)]
pub struct UnitNaming<'a> {
    pub name: &'a str,
    pub code: Option<&'a str>,
}

/// A unit's name and code once checked: trimmed, NFC; an empty code is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanNaming {
    pub name: String,
    pub code: Option<String>,
}

fn check_naming(inv: &mut Invalid, n: UnitNaming<'_>) -> Option<CleanNaming> {
    let name = inv.take(validate::name("name", n.name, MAX_NAME_CHARS));
    let code = match n.code {
        Some(c) => inv
            .take(validate::optional("code", c, MAX_CODE_CHARS))
            .flatten(),
        None => None,
    };
    name.map(|name| CleanNaming { name, code })
}

/// A new unit under `parent` (`None` for a root, which the caller has already allowed
/// only to the system): the parent must be open (`Conflict("org_closed")`), then every
/// problem of the input together: the name and code, a kind the parent may contain (a
/// root is provincial), and a start not before the parent's.
pub fn check_new_unit(
    parent: Option<&Unit>,
    kind: OrgKind,
    naming: UnitNaming<'_>,
    valid_from: Date,
) -> Result<CleanNaming, Refusal> {
    if let Some(parent) = parent {
        parent.require_active()?;
    }
    let mut inv = Invalid::default();
    let clean = check_naming(&mut inv, naming);
    let kind_ok = match parent {
        Some(parent) => parent.kind.may_contain(kind),
        None => kind == OrgKind::Provincial,
    };
    if !kind_ok {
        inv.push("kind", "kind_not_allowed");
    }
    if parent.is_some_and(|p| valid_from < p.valid_from) {
        inv.push("valid_from", "date_before_start");
    }
    Ok(inv.into_result(clean)?.expect("no error, so a name"))
}

/// A unit imported from a spreadsheet must carry its code (rows find their parents by it).
pub fn check_import_code(code: &str) -> Result<String, Invalid> {
    let code = code.trim();
    if code.is_empty() {
        Err(Invalid::one("code", "required"))
    } else {
        Ok(code.to_owned())
    }
}

/// A rename of an open unit (`Conflict("org_closed")` otherwise): the name and code, and
/// a date not before the unit's start. `None` when nothing changes.
pub fn check_rename(
    unit: &Unit,
    current: &CleanNaming,
    naming: UnitNaming<'_>,
    on: Date,
) -> Result<Option<CleanNaming>, Refusal> {
    unit.require_active()?;
    let mut inv = Invalid::default();
    let clean = check_naming(&mut inv, naming);
    if on < unit.valid_from {
        inv.push("on", "date_before_start");
    }
    let clean = inv.into_result(clean)?.expect("no error, so a name");
    Ok((clean != *current).then_some(clean))
}

/// The name of a party organization's committee, as documents name their issuer:
/// "Đảng bộ tỉnh Bắc Giang" → "Tỉnh ủy Bắc Giang", "Đảng bộ huyện Lục Nam" → "Huyện ủy
/// Lục Nam", "Đảng bộ thành phố …" → "Thành ủy …", "Đảng bộ thị xã …" → "Thị ủy …",
/// "Đảng bộ quận …" → "Quận ủy …", any other "Đảng bộ …" → "Đảng ủy …" (xã, phường,
/// thị trấn, khối, cơ quan). A chi bộ issues in its own name; other names are kept.
pub fn committee_name(org_name: &str) -> String {
    let name = org_name.trim();
    let Some(rest) = strip_prefix_ci(name, "Đảng bộ ") else {
        return name.to_owned();
    };
    for (level, committee) in [
        ("tỉnh ", "Tỉnh ủy "),
        ("thành phố ", "Thành ủy "),
        ("thị xã ", "Thị ủy "),
        ("huyện ", "Huyện ủy "),
        ("quận ", "Quận ủy "),
    ] {
        if let Some(place) = strip_prefix_ci(rest, level) {
            return format!("{committee}{}", place.trim());
        }
    }
    format!("Đảng ủy {}", rest.trim())
}

/// `s` without `prefix`, compared without regard to case.
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let n = prefix.len();
    let head = s.get(..n)?;
    (head.to_lowercase() == prefix.to_lowercase()).then(|| &s[n..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committees_are_named_as_documents_name_their_issuer() {
        assert_eq!(
            committee_name("Đảng bộ tỉnh Bắc Giang"),
            "Tỉnh ủy Bắc Giang"
        );
        assert_eq!(committee_name("Đảng bộ huyện Lục Nam"), "Huyện ủy Lục Nam");
        assert_eq!(
            committee_name("Đảng bộ thành phố Bắc Giang"),
            "Thành ủy Bắc Giang"
        );
        assert_eq!(committee_name("Đảng bộ thị xã Việt Yên"), "Thị ủy Việt Yên");
        assert_eq!(committee_name("Đảng bộ xã Bảo Đài"), "Đảng ủy xã Bảo Đài");
        assert_eq!(
            committee_name("Đảng bộ thị trấn Đồi Ngô"),
            "Đảng ủy thị trấn Đồi Ngô"
        );
        assert_eq!(
            committee_name("Đảng bộ Khối các cơ quan tỉnh"),
            "Đảng ủy Khối các cơ quan tỉnh"
        );
        assert_eq!(
            committee_name("Chi bộ Tổ dân phố số 1"),
            "Chi bộ Tổ dân phố số 1"
        );
        assert_eq!(committee_name("Sở Nội vụ"), "Sở Nội vụ");
    }
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

    #[test]
    fn the_supervising_unit_is_the_parent_or_the_root_itself() {
        let p = |s: &str| OrgPath::parse(s).unwrap();
        assert_eq!(p("/1/22/7/").parent_or_self(), p("/1/22/"));
        assert_eq!(p("/1/22/").parent_or_self(), p("/1/"));
        assert_eq!(p("/1/").parent_or_self(), p("/1/"));
    }

    fn unit(path: &str, kind: OrgKind) -> Unit {
        let path = OrgPath::parse(path).unwrap();
        Unit {
            id: path.id(),
            parent_id: None,
            kind,
            path,
            valid_from: time::macros::date!(2020 - 01 - 01),
            valid_to: None,
        }
    }

    #[test]
    fn a_new_unit_reports_every_problem_of_its_input() {
        use time::macros::date;
        let commune = unit("/1/2/3/", OrgKind::Grassroots);
        let naming = |name, code| UnitNaming { name, code };
        let ok = check_new_unit(
            Some(&commune),
            OrgKind::Cell,
            naming("  Chi bộ   thôn 1 ", Some(" ")),
            date!(2021 - 01 - 01),
        )
        .unwrap();
        assert_eq!(
            ok,
            CleanNaming {
                name: "Chi bộ thôn 1".into(),
                code: None
            }
        );
        let long = "x".repeat(51);
        let err = check_new_unit(
            Some(&commune),
            OrgKind::Grassroots,
            naming(" ", Some(&long)),
            date!(2019 - 01 - 01),
        )
        .unwrap_err();
        assert_eq!(
            crate::refusal::codes(&err),
            [
                "required",
                "too_long",
                "kind_not_allowed",
                "date_before_start"
            ]
        );
        let mut shut = commune.clone();
        shut.valid_to = Some(date!(2024 - 01 - 01));
        assert_eq!(
            check_new_unit(
                Some(&shut),
                OrgKind::Cell,
                naming("A", None),
                date!(2025 - 01 - 01)
            ),
            Err(Refusal::Conflict("org_closed"))
        );
        assert!(
            check_new_unit(
                None,
                OrgKind::Provincial,
                naming("Tỉnh", None),
                date!(2025 - 01 - 01)
            )
            .is_ok()
        );
        assert!(
            check_new_unit(
                None,
                OrgKind::Cell,
                naming("Chi bộ", None),
                date!(2025 - 01 - 01)
            )
            .is_err()
        );
        assert_eq!(check_import_code("  24 ").unwrap(), "24");
        assert_eq!(
            check_import_code(" ").unwrap_err(),
            Invalid::one("code", "required")
        );
    }

    #[test]
    fn a_rename_that_changes_nothing_is_none() {
        use time::macros::date;
        let u = unit("/1/2/", OrgKind::DirectlyAffiliated);
        let current = CleanNaming {
            name: "Huyện ủy Lục Nam".into(),
            code: Some("HU".into()),
        };
        let naming = |name, code| UnitNaming { name, code };
        assert_eq!(
            check_rename(
                &u,
                &current,
                naming(" Huyện ủy  Lục Nam", Some("HU")),
                date!(2025 - 01 - 01)
            ),
            Ok(None)
        );
        assert_eq!(
            check_rename(
                &u,
                &current,
                naming("Đảng ủy Lục Nam", Some("HU")),
                date!(2025 - 01 - 01)
            )
            .unwrap()
            .unwrap()
            .name,
            "Đảng ủy Lục Nam"
        );
        let err = check_rename(&u, &current, naming("", None), date!(2019 - 01 - 01)).unwrap_err();
        assert_eq!(
            crate::refusal::codes(&err),
            ["required", "date_before_start"]
        );
    }

    proptest! {
        #[test]
        fn the_supervisor_covers_the_unit(ids in prop::collection::vec(1i64..2000, 1..6)) {
            let mut p = OrgPath::root(OrgId(ids[0]));
            for id in &ids[1..] { p = p.child(OrgId(*id)); }
            let s = p.parent_or_self();
            prop_assert!(s.covers(&p));
            prop_assert_eq!(s.depth(), p.depth().saturating_sub(1).max(1));
        }

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
