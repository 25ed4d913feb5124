//! Targets that add up (issue 13 item 4): a program's own targets linked to the upper
//! targets they serve, and the roll-up of the values reported per unit to every target
//! above, by the rule of the indicator.
//!
//! The rule is data: each target carries its [`RollupRule`] (`document_targets.rollup_rule`),
//! and [`roll_up`] is the one place that combines values. The store gathers a target's
//! [`Contribution`]s (one per unit: its lower target's rolled-up value, or the value it
//! reported itself through a task linked to the target), calls [`contributions`] and
//! [`roll_up`], and keeps the result as the target's current value in the same
//! transaction as the write that changed it, walking up the chain of upper targets.
//!
//! Codes: `target_unit_mismatch`, `target_kind_mismatch`, `target_not_reachable`,
//! `share_rule_needs_percent`, `bad_choice`.

use crate::ids::OrgId;
use crate::target::{Direction, Target, is_percent_unit};
use crate::text::fold;
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How the values of the units serving a target combine into the target's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollupRule {
    /// The total (tổng): new members admitted, cells set up.
    #[default]
    Sum,
    /// The average weighted by each unit's members (bình quân theo số đảng viên): a rate
    /// in percent.
    Average,
    /// The lowest value (thấp nhất): "every cell at least 90%".
    Minimum,
    /// The share, in percent, of the units that reached their own goal (tỷ lệ đơn vị
    /// đạt).
    ShareReached,
}

impl RollupRule {
    pub const ALL: [RollupRule; 4] = [
        RollupRule::Sum,
        RollupRule::Average,
        RollupRule::Minimum,
        RollupRule::ShareReached,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RollupRule::Sum => "sum",
            RollupRule::Average => "average",
            RollupRule::Minimum => "minimum",
            RollupRule::ShareReached => "share_reached",
        }
    }

    pub fn parse(s: &str) -> Option<RollupRule> {
        RollupRule::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The rule a target gets when none is chosen: the members-weighted average for a
    /// rate in percent, the total for anything counted.
    pub fn default_for(unit: &str) -> RollupRule {
        if is_percent_unit(unit) {
            RollupRule::Average
        } else {
            RollupRule::Sum
        }
    }
}

/// What one unit brings to a target: its value, its weight (the members it stands for)
/// and whether it reached its own goal.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    pub org: OrgId,
    pub value: f64,
    /// Members the value stands for (the unit's subtree; for the target's own unit, its
    /// own members), used by [`RollupRule::Average`].
    pub weight: u64,
    /// Whether the unit met its own goal (its lower target's, else the target's).
    pub reached: bool,
}

/// The contributions of a target, one per unit: a unit's lower target linked to the target
/// (`lower`) stands for it; the value it reported directly through a task linked to the
/// target (`direct`) counts only when it has no lower target here. Values that are not
/// finite are dropped. Ordered by unit id.
pub fn contributions(lower: &[Contribution], direct: &[Contribution]) -> Vec<Contribution> {
    let mut by_org: BTreeMap<OrgId, Contribution> = BTreeMap::new();
    for c in direct.iter().filter(|c| c.value.is_finite()) {
        by_org.insert(c.org, *c);
    }
    for c in lower.iter().filter(|c| c.value.is_finite()) {
        by_org.insert(c.org, *c);
    }
    by_org.into_values().collect()
}

/// Combines the contributions by the rule; `None` when no unit has a value yet.
///
/// - `Sum`: the total;
/// - `Average`: the mean weighted by members; when every weight is 0, the plain mean;
/// - `Minimum`: the lowest value;
/// - `ShareReached`: 100 × units that reached their goal / units with a value.
///
/// The result is finite for finite inputs within `target::MAX_MAGNITUDE` (a sum may pass
/// that size; it is not clamped, the reader shows it as it is).
pub fn roll_up(rule: RollupRule, values: &[Contribution]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    Some(match rule {
        RollupRule::Sum => values.iter().map(|c| c.value).sum(),
        RollupRule::Average => {
            let total: u64 = values.iter().map(|c| c.weight).sum();
            if total == 0 {
                values.iter().map(|c| c.value).sum::<f64>() / n
            } else {
                values
                    .iter()
                    .map(|c| c.value * (c.weight as f64 / total as f64))
                    .sum()
            }
        }
        RollupRule::Minimum => values.iter().map(|c| c.value).fold(f64::INFINITY, f64::min),
        RollupRule::ShareReached => 100.0 * values.iter().filter(|c| c.reached).count() as f64 / n,
    })
}

/// A target's rule against its unit: a share of units reached is a percentage
/// (`share_rule_needs_percent`).
pub fn check_rule(target: &Target, field: &'static str) -> Result<(), Invalid> {
    if target.rule == RollupRule::ShareReached && !is_percent_unit(&target.unit) {
        return Err(Invalid::one(field, "share_rule_needs_percent"));
    }
    Ok(())
}

/// Whether a lower target may serve an upper target.
///
/// - The upper target must be reachable from the lower target's unit: a target of the
///   resolution's chain issued by the unit's ancestors, or of the issued program of an
///   ancestor unit, on the same chain (`target_not_reachable`; the store decides
///   `reachable`).
/// - Under a share of units reached, any indicator may serve (the lower unit reached its
///   own goal or not).
/// - Otherwise the unit of measure must be the same (`target_unit_mismatch`), and the
///   indicator of the same kind: the same roll-up rule and the same direction
///   (`target_kind_mismatch`): a total cannot feed an average, a value to lower cannot
///   feed one to raise.
pub fn check_link(
    lower: &Target,
    upper: &Target,
    reachable: bool,
    field: &'static str,
) -> Result<(), Invalid> {
    if !reachable {
        return Err(Invalid::one(field, "target_not_reachable"));
    }
    if upper.rule == RollupRule::ShareReached {
        return Ok(());
    }
    if fold(lower.unit.trim()) != fold(upper.unit.trim()) {
        return Err(Invalid::one(field, "target_unit_mismatch"));
    }
    let same_direction = lower.direction == upper.direction
        || matches!(
            (lower.direction, upper.direction),
            (Direction::Increase, Direction::Reach) | (Direction::Reach, Direction::Increase)
        );
    if lower.rule != upper.rule || !same_direction {
        return Err(Invalid::one(field, "target_kind_mismatch"));
    }
    Ok(())
}

/// A program's own targets as entered, each with the upper target it links to: `None`
/// when it serves none, `Some(None)` when the chosen upper target is not one the unit may
/// serve, `Some(Some(upper))` otherwise. Checks the list's length (`targets`,
/// `too_long`), each target ([`Target::check`], no issue date for a draft) and each link
/// ([`check_link`], field `targets[i].upper`); every problem is reported.
pub fn check_program_targets(
    targets: &[Target],
    uppers: &[Option<Option<&Target>>],
) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    if targets.len() > crate::target::MAX_TARGETS {
        inv.push("targets", "too_long");
    }
    for (i, t) in targets.iter().enumerate().take(crate::target::MAX_TARGETS) {
        inv.take(t.check(Some(i), None));
        if let Some(link) = uppers.get(i).copied().flatten() {
            let field = crate::fieldpath::indexed("targets", i, "upper");
            match link {
                Some(up) => inv.take(check_link(t, up, true, field)),
                None => inv.take(check_link(t, t, false, field)),
            };
        }
    }
    inv.into_result(())
}

/// The reached flag of a value against a target.
pub fn reached(target: &Target, value: f64) -> bool {
    value.is_finite() && target.is_met(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(org: i64, value: f64, weight: u64, reached: bool) -> Contribution {
        Contribution {
            org: OrgId(org),
            value,
            weight,
            reached,
        }
    }

    fn t(unit: &str, rule: RollupRule, direction: Direction) -> Target {
        Target {
            indicator: "Tỷ lệ".into(),
            baseline: None,
            target_value: 90.0,
            unit: unit.into(),
            deadline: None,
            direction,
            rule,
        }
    }

    #[test]
    fn each_rule() {
        let v = [c(1, 80.0, 100, false), c(2, 100.0, 300, true)];
        assert_eq!(roll_up(RollupRule::Sum, &v), Some(180.0));
        assert_eq!(roll_up(RollupRule::Average, &v), Some(95.0));
        assert_eq!(roll_up(RollupRule::Minimum, &v), Some(80.0));
        assert_eq!(roll_up(RollupRule::ShareReached, &v), Some(50.0));
        for r in RollupRule::ALL {
            assert_eq!(roll_up(r, &[]), None);
        }
        // No members anywhere: the plain mean.
        let w0 = [c(1, 80.0, 0, false), c(2, 100.0, 0, true)];
        assert_eq!(roll_up(RollupRule::Average, &w0), Some(90.0));
    }

    #[test]
    fn a_lower_target_stands_for_its_unit() {
        let lower = [c(2, 70.0, 10, false)];
        let direct = [
            c(1, 50.0, 5, false),
            c(2, 99.0, 10, true),
            c(3, f64::NAN, 1, true),
        ];
        let got = contributions(&lower, &direct);
        assert_eq!(got, vec![c(1, 50.0, 5, false), c(2, 70.0, 10, false)]);
    }

    #[test]
    fn rules_parse_and_default_by_unit() {
        for r in RollupRule::ALL {
            assert_eq!(RollupRule::parse(r.as_str()), Some(r));
        }
        assert_eq!(RollupRule::parse("max"), None);
        assert_eq!(RollupRule::default_for("%"), RollupRule::Average);
        assert_eq!(RollupRule::default_for("chi bộ"), RollupRule::Sum);
        let mut share = t("chi bộ", RollupRule::ShareReached, Direction::Reach);
        assert_eq!(
            check_rule(&share, "rule").unwrap_err().0[0].code,
            "share_rule_needs_percent"
        );
        share.unit = "%".into();
        assert!(check_rule(&share, "rule").is_ok());
    }

    #[test]
    fn links() {
        use Direction::*;
        use RollupRule::*;
        let code = |lower: &Target, upper: &Target, reach: bool| {
            check_link(lower, upper, reach, "upper_target")
                .map(|_| "ok")
                .unwrap_or_else(|e| e.0[0].code)
        };
        let up = t("%", Average, Increase);
        assert_eq!(code(&t("%", Average, Increase), &up, true), "ok");
        assert_eq!(code(&t(" % ", Average, Reach), &up, true), "ok");
        assert_eq!(
            code(&t("%", Average, Increase), &up, false),
            "target_not_reachable"
        );
        assert_eq!(
            code(&t("chi bộ", Sum, Increase), &up, true),
            "target_unit_mismatch"
        );
        assert_eq!(
            code(&t("%", Minimum, Increase), &up, true),
            "target_kind_mismatch"
        );
        assert_eq!(
            code(&t("%", Average, Decrease), &up, true),
            "target_kind_mismatch"
        );
        // Any indicator may serve a share of units reached.
        let share = t("%", ShareReached, Reach);
        assert_eq!(code(&t("đảng viên", Sum, Increase), &share, true), "ok");
        assert!(reached(&up, 95.0) && !reached(&up, 80.0) && !reached(&up, f64::NAN));
    }

    #[test]
    fn a_program_target_list_names_each_problem() {
        use Direction::*;
        use RollupRule::*;
        let up = t("%", Average, Increase);
        let mut bad = t("%", Average, Increase);
        bad.target_value = 150.0;
        let list = [
            t("%", Average, Increase),
            t("chi bộ", Sum, Increase),
            t("%", Average, Increase),
            bad,
        ];
        let uppers = [Some(Some(&up)), Some(Some(&up)), Some(None), None];
        let got: Vec<_> = check_program_targets(&list, &uppers)
            .unwrap_err()
            .0
            .iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            got,
            [
                ("targets[1].upper", "target_unit_mismatch"),
                ("targets[2].upper", "target_not_reachable"),
                ("targets[3].target_value", "percent_value_range"),
            ]
        );
        assert!(check_program_targets(&list[..1], &uppers[..1]).is_ok());
    }

    fn arb() -> impl Strategy<Value = Vec<Contribution>> {
        prop::collection::vec(
            (1i64..50, 0.0f64..100.0, 0u64..1000, any::<bool>())
                .prop_map(|(o, v, w, r)| c(o, v, w, r)),
            1..30,
        )
    }

    proptest! {
        #[test]
        fn averages_and_minimums_stay_within_the_values(v in arb()) {
            let lo = v.iter().map(|c| c.value).fold(f64::INFINITY, f64::min);
            let hi = v.iter().map(|c| c.value).fold(f64::NEG_INFINITY, f64::max);
            let avg = roll_up(RollupRule::Average, &v).unwrap();
            prop_assert!(avg >= lo - 1e-9 && avg <= hi + 1e-9);
            prop_assert_eq!(roll_up(RollupRule::Minimum, &v).unwrap(), lo);
            let share = roll_up(RollupRule::ShareReached, &v).unwrap();
            prop_assert!((0.0..=100.0).contains(&share));
        }

        #[test]
        fn a_sum_of_parts_is_the_sum_of_the_whole(v in arb(), cut in 0usize..30) {
            // Rolling up in two steps (a district's subtotal, then the province) gives the
            // same total as rolling up at once: what the chain of upper targets relies on.
            let cut = cut.min(v.len());
            let (a, b) = v.split_at(cut);
            let whole = roll_up(RollupRule::Sum, &v).unwrap();
            let parts = roll_up(RollupRule::Sum, a).unwrap_or(0.0) + roll_up(RollupRule::Sum, b).unwrap_or(0.0);
            prop_assert!((whole - parts).abs() < 1e-6);
            // The same holds for the minimum, and for the average weighted by members.
            let m = |s: &[Contribution]| roll_up(RollupRule::Minimum, s);
            let two = [m(a), m(b)].into_iter().flatten().fold(f64::INFINITY, f64::min);
            prop_assert_eq!(m(&v).unwrap(), two);
            let wa: u64 = a.iter().map(|c| c.weight).sum();
            let wb: u64 = b.iter().map(|c| c.weight).sum();
            if wa > 0 && wb > 0 {
                let sub = [
                    c(1, roll_up(RollupRule::Average, a).unwrap(), wa, false),
                    c(2, roll_up(RollupRule::Average, b).unwrap(), wb, false),
                ];
                let two = roll_up(RollupRule::Average, &sub).unwrap();
                prop_assert!((roll_up(RollupRule::Average, &v).unwrap() - two).abs() < 1e-6);
            }
        }

        #[test]
        fn one_contribution_per_unit(lower in arb(), direct in arb()) {
            let got = contributions(&lower, &direct);
            let mut orgs: Vec<_> = got.iter().map(|c| c.org).collect();
            orgs.dedup();
            prop_assert_eq!(orgs.len(), got.len());
            for l in &lower {
                // The last lower target of a unit wins, as the store gives one per unit.
                let mine = lower.iter().rev().find(|x| x.org == l.org).unwrap();
                prop_assert!(got.contains(mine));
            }
        }
    }
}
