//! Restructuring the tree: move, merge, split, close.
//!
//! Units are never deleted: a closed unit keeps its id, path and records, gets its end
//! date and its successors. These rules decide on the units the store has loaded (and
//! whose access it has checked); the store then rewrites paths, moves members and
//! counters, and audits. Codes: `move_into_self` (a unit would end up inside itself or a
//! source), `kind_not_allowed`, `date_before_start`, `not_a_cell` (members must land in a
//! cell), `bad_choice`, `required`; conflicts `org_closed` and `has_active_children`.

use crate::ids::{MemberId, OrgId};
use crate::org::{OrgKind, OrgPath, Unit};
use crate::refusal::Refusal;
use crate::validate::Invalid;
use time::Date;

/// Whether the change happens on or after the unit's start.
fn check_date(unit: &Unit, on: Date) -> Result<(), Invalid> {
    if on < unit.valid_from {
        Err(Invalid::one("on", "date_before_start"))
    } else {
        Ok(())
    }
}

/// Moving `unit` under `parent` on `on`: both open, the parent outside the unit's subtree,
/// a kind the parent may contain, a date not before the unit's start. `Ok(false)` when the
/// unit is already there (nothing to do).
pub fn check_move(unit: &Unit, parent: &Unit, on: Date) -> Result<bool, Refusal> {
    unit.require_active()?;
    parent.require_active()?;
    if unit.path.covers(&parent.path) {
        return Err(Refusal::invalid("parent", "move_into_self"));
    }
    if !parent.kind.may_contain(unit.kind) {
        return Err(Refusal::invalid("kind", "kind_not_allowed"));
    }
    check_date(unit, on)?;
    Ok(unit.parent_id != Some(parent.id))
}

/// The sources named for a merge: at least one, none twice.
pub fn check_merge_sources(ids: &[OrgId]) -> Result<(), Invalid> {
    let mut seen = std::collections::HashSet::new();
    if ids.is_empty() || !ids.iter().all(|s| seen.insert(*s)) {
        return Err(Invalid::one("sources", "bad_choice"));
    }
    Ok(())
}

/// One source of a merge, once loaded: open, and started by the merge date.
pub fn check_merge_source(source: &Unit, on: Date) -> Result<(), Refusal> {
    source.require_active()?;
    check_date(source, on)?;
    Ok(())
}

/// The sources of a merge together: none inside another (`sources`), and the parent of a
/// new target (when there is one) inside none of them (`parent`).
pub fn check_merge_plan(sources: &[Unit], new_parent: Option<&OrgPath>) -> Result<(), Invalid> {
    for a in sources {
        if sources
            .iter()
            .any(|b| b.id != a.id && a.path.covers(&b.path))
        {
            return Err(Invalid::one("sources", "move_into_self"));
        }
    }
    if let Some(parent) = new_parent {
        check_outside(sources.iter().map(|s| &s.path), parent, "parent")?;
    }
    Ok(())
}

/// The unit a merge goes into: open when it existed before the merge (a new one is
/// checked as it is created), and inside none of the sources (`target`).
pub fn check_merge_target(sources: &[Unit], target: &Unit, existing: bool) -> Result<(), Refusal> {
    if existing {
        target.require_active()?;
    }
    check_outside(sources.iter().map(|s| &s.path), &target.path, "target")?;
    Ok(())
}

/// `place` must not lie in the subtree of any of `units` (`field`, `move_into_self`).
pub fn check_outside<'a>(
    mut units: impl Iterator<Item = &'a OrgPath>,
    place: &OrgPath,
    field: &'static str,
) -> Result<(), Invalid> {
    if units.any(|u| u.covers(place)) {
        Err(Invalid::one(field, "move_into_self"))
    } else {
        Ok(())
    }
}

/// A unit that receives the children (of the given kinds) and, when `has_members`, the
/// members of another: it may contain every child (`kind`, `kind_not_allowed`), and only
/// a cell takes members (`members_field`, `not_a_cell`).
pub fn check_receiver(
    receiver: OrgKind,
    child_kinds: &[OrgKind],
    has_members: bool,
    members_field: &'static str,
) -> Result<(), Invalid> {
    if !child_kinds.iter().all(|k| receiver.may_contain(*k)) {
        return Err(Invalid::one("kind", "kind_not_allowed"));
    }
    if has_members && receiver != OrgKind::Cell {
        return Err(Invalid::one(members_field, "not_a_cell"));
    }
    Ok(())
}

/// Splitting `source` into `parts` new units on `on`: the source open, at least one part,
/// a date not before the source's start.
pub fn check_split(source: &Unit, parts: usize, on: Date) -> Result<(), Refusal> {
    source.require_active()?;
    if parts == 0 {
        return Err(Refusal::invalid("parts", "required"));
    }
    check_date(source, on)?;
    Ok(())
}

/// What each part of a split takes: the active children and members of the source it
/// names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Share {
    pub children: Vec<OrgId>,
    pub members: Vec<MemberId>,
}

/// Shares out a split source's active `children` and `members` among the parts: each part
/// takes those it names, each at most once and only among the source's
/// (`children`/`members`, `bad_choice`); those no part names go to the first part. Every
/// child and member ends in exactly one part. `parts` must not be empty
/// ([`check_split`]).
pub fn share_split(
    children: &[OrgId],
    members: &[MemberId],
    parts: &[Share],
) -> Result<Vec<Share>, Invalid> {
    let mut child_left: Vec<OrgId> = children.to_vec();
    let mut member_left: Vec<MemberId> = members.to_vec();
    let mut plan: Vec<Share> = Vec::with_capacity(parts.len());
    for part in parts {
        for c in &part.children {
            let Some(i) = child_left.iter().position(|x| x == c) else {
                return Err(Invalid::one("children", "bad_choice"));
            };
            child_left.remove(i);
        }
        for m in &part.members {
            let Some(i) = member_left.iter().position(|x| x == m) else {
                return Err(Invalid::one("members", "bad_choice"));
            };
            member_left.remove(i);
        }
        plan.push(part.clone());
    }
    let first = plan.first_mut().ok_or(Invalid::one("parts", "required"))?;
    first.children.extend(child_left);
    first.members.extend(member_left);
    Ok(plan)
}

/// Closing `unit` on `on`: open, a date not before its start, and a successor other than
/// itself.
pub fn check_close(unit: &Unit, on: Date, successor: Option<OrgId>) -> Result<(), Refusal> {
    unit.require_active()?;
    check_date(unit, on)?;
    if successor == Some(unit.id) {
        return Err(Refusal::invalid("successor", "bad_choice"));
    }
    Ok(())
}

/// A unit closes only once it has no active child and no active member
/// (`Conflict("has_active_children")`): `busy` counts both.
pub fn check_closable(busy: u64) -> Result<(), Refusal> {
    if busy > 0 {
        Err(Refusal::Conflict("has_active_children"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::codes;
    use proptest::prelude::*;
    use time::macros::date;

    fn unit(path: &str, kind: OrgKind) -> Unit {
        let path = OrgPath::parse(path).unwrap();
        let ids = path.ids();
        Unit {
            id: path.id(),
            parent_id: ids.len().checked_sub(2).map(|i| ids[i]),
            kind,
            path,
            valid_from: date!(2020 - 01 - 01),
            valid_to: None,
        }
    }

    fn closed(mut u: Unit) -> Unit {
        u.valid_to = Some(date!(2024 - 01 - 01));
        u
    }

    const ON: Date = date!(2025 - 07 - 01);

    #[test]
    fn a_move_checks_state_place_kind_and_date_in_that_order() {
        use OrgKind::*;
        let commune = unit("/1/2/3/", Grassroots);
        let other_district = unit("/1/5/", DirectlyAffiliated);
        type Case = (Unit, Unit, Date, Result<bool, Vec<&'static str>>);
        let cases: Vec<Case> = vec![
            (commune.clone(), other_district.clone(), ON, Ok(true)),
            (
                commune.clone(),
                unit("/1/2/", DirectlyAffiliated),
                ON,
                Ok(false),
            ),
            (
                closed(commune.clone()),
                other_district.clone(),
                ON,
                Err(vec!["org_closed"]),
            ),
            (
                commune.clone(),
                closed(other_district.clone()),
                ON,
                Err(vec!["org_closed"]),
            ),
            (
                commune.clone(),
                unit("/1/2/3/4/", Cell),
                ON,
                Err(vec!["move_into_self"]),
            ),
            (
                commune.clone(),
                commune.clone(),
                ON,
                Err(vec!["move_into_self"]),
            ),
            (
                commune.clone(),
                unit("/1/6/7/", Grassroots),
                ON,
                Err(vec!["kind_not_allowed"]),
            ),
            (
                commune.clone(),
                other_district.clone(),
                date!(2019 - 12 - 31),
                Err(vec!["date_before_start"]),
            ),
        ];
        for (u, p, on, want) in cases {
            let got = check_move(&u, &p, on).map_err(|e| codes(&e));
            assert_eq!(got, want, "{} under {}", u.path, p.path);
        }
    }

    #[test]
    fn merge_sources_are_named_once_and_apart() {
        assert!(check_merge_sources(&[OrgId(3), OrgId(4)]).is_ok());
        for bad in [vec![], vec![OrgId(3), OrgId(3)]] {
            assert_eq!(
                check_merge_sources(&bad).unwrap_err(),
                Invalid::one("sources", "bad_choice")
            );
        }
        let a = unit("/1/2/3/", OrgKind::Grassroots);
        let b = unit("/1/2/4/", OrgKind::Grassroots);
        let inside_a = unit("/1/2/3/9/", OrgKind::Cell);
        assert!(check_merge_plan(&[a.clone(), b.clone()], None).is_ok());
        assert_eq!(
            check_merge_plan(&[a.clone(), inside_a.clone()], None).unwrap_err(),
            Invalid::one("sources", "move_into_self")
        );
        assert_eq!(
            check_merge_plan(&[a.clone(), b.clone()], Some(&inside_a.path)).unwrap_err(),
            Invalid::one("parent", "move_into_self")
        );
        assert_eq!(
            codes(&check_merge_source(&closed(a.clone()), ON).unwrap_err()),
            ["org_closed"]
        );
        assert_eq!(
            codes(&check_merge_source(&a, date!(2000 - 01 - 01)).unwrap_err()),
            ["date_before_start"]
        );
        let target = unit("/1/2/5/", OrgKind::Grassroots);
        assert!(check_merge_target(&[a.clone(), b.clone()], &target, true).is_ok());
        assert_eq!(
            codes(
                &check_merge_target(std::slice::from_ref(&a), &closed(target.clone()), true)
                    .unwrap_err()
            ),
            ["org_closed"]
        );
        assert_eq!(
            codes(&check_merge_target(std::slice::from_ref(&a), &inside_a, false).unwrap_err()),
            ["move_into_self"]
        );
    }

    #[test]
    fn receivers_take_children_they_may_contain_and_members_only_as_cells() {
        use OrgKind::*;
        assert!(check_receiver(Grassroots, &[Cell, Cell], false, "target").is_ok());
        assert!(check_receiver(Cell, &[], true, "target").is_ok());
        assert_eq!(
            check_receiver(Cell, &[Cell], false, "target").unwrap_err(),
            Invalid::one("kind", "kind_not_allowed")
        );
        assert_eq!(
            check_receiver(Grassroots, &[Cell], true, "members").unwrap_err(),
            Invalid::one("members", "not_a_cell")
        );
    }

    #[test]
    fn a_split_names_only_the_sources_children_and_members() {
        let src = unit("/1/2/3/", OrgKind::Grassroots);
        assert!(check_split(&src, 2, ON).is_ok());
        assert_eq!(codes(&check_split(&src, 0, ON).unwrap_err()), ["required"]);
        assert_eq!(
            codes(&check_split(&closed(src.clone()), 2, ON).unwrap_err()),
            ["org_closed"]
        );
        let share = |c: &[i64], m: &[i64]| Share {
            children: c.iter().map(|i| OrgId(*i)).collect(),
            members: m.iter().map(|i| MemberId(*i)).collect(),
        };
        let kids = [OrgId(10), OrgId(11), OrgId(12)];
        let members = [MemberId(7)];
        let plan = share_split(&kids, &members, &[share(&[], &[]), share(&[11], &[7])]).unwrap();
        assert_eq!(plan, vec![share(&[10, 12], &[]), share(&[11], &[7])]);
        assert_eq!(
            share_split(&kids, &members, &[share(&[11], &[]), share(&[11], &[])]).unwrap_err(),
            Invalid::one("children", "bad_choice")
        );
        assert_eq!(
            share_split(&kids, &members, &[share(&[], &[8])]).unwrap_err(),
            Invalid::one("members", "bad_choice")
        );
    }

    #[test]
    fn a_unit_closes_empty_and_not_into_itself() {
        let u = unit("/1/2/3/", OrgKind::Grassroots);
        assert!(check_close(&u, ON, Some(OrgId(4))).is_ok());
        assert_eq!(
            codes(&check_close(&u, ON, Some(u.id)).unwrap_err()),
            ["bad_choice"]
        );
        assert_eq!(
            codes(&check_close(&u, date!(2019 - 01 - 01), None).unwrap_err()),
            ["date_before_start"]
        );
        assert_eq!(
            check_closable(2).unwrap_err(),
            Refusal::Conflict("has_active_children")
        );
        assert!(check_closable(0).is_ok());
    }

    fn any_kind() -> impl Strategy<Value = OrgKind> {
        prop::sample::select(OrgKind::ALL.to_vec())
    }

    fn any_path() -> impl Strategy<Value = OrgPath> {
        prop::collection::vec(1i64..6, 1..5).prop_map(|ids| {
            let mut p = OrgPath::root(OrgId(ids[0]));
            for id in &ids[1..] {
                p = p.child(OrgId(*id));
            }
            p
        })
    }

    proptest! {
        #[test]
        fn an_allowed_move_keeps_the_tree_a_tree(
            a in any_path(), ka in any_kind(), b in any_path(), kb in any_kind(),
            days in -400i64..400,
        ) {
            let mut u = unit(a.as_str(), ka);
            let p = unit(b.as_str(), kb);
            u.valid_from = ON;
            let on = ON + time::Duration::days(days);
            if let Ok(changes) = check_move(&u, &p, on) {
                prop_assert!(!a.covers(&b), "a unit never moves under itself");
                prop_assert!(kb.may_contain(ka));
                prop_assert!(on >= u.valid_from);
                prop_assert_eq!(changes, u.parent_id != Some(p.id));
            } else {
                prop_assert!(a.covers(&b) || !kb.may_contain(ka) || on < u.valid_from);
            }
        }

        #[test]
        fn a_split_shares_every_child_and_member_exactly_once(
            n_children in 0usize..8, n_members in 0usize..8,
            picks in prop::collection::vec((0usize..4, any::<bool>(), 0usize..8), 0..16),
            n_parts in 1usize..4,
        ) {
            let children: Vec<OrgId> = (0..n_children as i64).map(|i| OrgId(100 + i)).collect();
            let members: Vec<MemberId> = (0..n_members as i64).map(|i| MemberId(500 + i)).collect();
            let mut parts = vec![Share::default(); n_parts];
            for (part, child, i) in picks {
                let part = &mut parts[part % n_parts];
                if child {
                    part.children.push(OrgId(100 + i as i64));
                } else {
                    part.members.push(MemberId(500 + i as i64));
                }
            }
            let named_ok = {
                let mut c: Vec<OrgId> = parts.iter().flat_map(|p| p.children.clone()).collect();
                let mut m: Vec<MemberId> = parts.iter().flat_map(|p| p.members.clone()).collect();
                let (cn, mn) = (c.len(), m.len());
                c.sort(); c.dedup(); m.sort(); m.dedup();
                c.len() == cn && m.len() == mn
                    && c.iter().all(|x| children.contains(x))
                    && m.iter().all(|x| members.contains(x))
            };
            match share_split(&children, &members, &parts) {
                Ok(plan) => {
                    prop_assert!(named_ok);
                    prop_assert_eq!(plan.len(), n_parts);
                    let mut c: Vec<OrgId> = plan.iter().flat_map(|p| p.children.clone()).collect();
                    let mut m: Vec<MemberId> = plan.iter().flat_map(|p| p.members.clone()).collect();
                    c.sort(); m.sort();
                    prop_assert_eq!(c, children);
                    prop_assert_eq!(m, members);
                    for (given, got) in parts.iter().zip(&plan).skip(1) {
                        prop_assert_eq!(given, got);
                    }
                }
                Err(_) => prop_assert!(!named_ok),
            }
        }

        #[test]
        fn a_receiver_is_refused_exactly_when_something_does_not_fit(
            receiver in any_kind(),
            kinds in prop::collection::vec(any_kind(), 0..5),
            has_members in any::<bool>(),
        ) {
            let fits = kinds.iter().all(|k| receiver.may_contain(*k))
                && (!has_members || receiver == OrgKind::Cell);
            prop_assert_eq!(check_receiver(receiver, &kinds, has_members, "target").is_ok(), fits);
        }
    }
}
