//! Targets (chỉ tiêu): a measurable goal with a baseline, a target value, a unit and a
//! deadline; progress toward it as a fraction; and numbers typed the Vietnamese way.
//!
//! Numbers are typed with a decimal comma and dots between thousands (`12,5`, `1.234`,
//! `1.234.567,25`); [`parse_number`] also takes the English way where it is unambiguous.
//! Codes: `bad_number`, `number_too_large`, `percent_value_range`, `target_direction`,
//! `deadline_before_issue`, plus the generic `required` and `too_long`.
//!
//! Ranges: every number typed or sent is finite and at most [`MAX_MAGNITUDE`] in size
//! ([`parse_number`]); a value of an indicator measured in percent ([`is_percent_unit`])
//! is in 0..=100 ([`check_value`]): baselines, target values and the indicator values of
//! progress updates alike.

use crate::fieldpath::indexed;
use crate::refusal::Refusal;
pub use crate::target_rollup::RollupRule;
use crate::validate::{self, Invalid};
use serde::{Deserialize, Serialize};
use time::Date;

/// Which way a target's indicator should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Raise the value from the baseline to at least the target (tăng).
    Increase,
    /// Lower the value from the baseline to at most the target (giảm).
    Decrease,
    /// Reach or keep at least the target, whatever the baseline (đạt, duy trì): "100% of
    /// cells study the resolution".
    Reach,
}

impl Direction {
    pub const ALL: [Direction; 3] = [Direction::Increase, Direction::Decrease, Direction::Reach];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
            Direction::Reach => "reach",
        }
    }

    pub fn parse(s: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// A checked target. Values are finite; for `Increase` the target is above the baseline,
/// for `Decrease` below it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The indicator's name (tên chỉ tiêu), e.g. "Tỷ lệ chi bộ xếp loại tốt trở lên".
    pub indicator: String,
    pub baseline: Option<f64>,
    pub target_value: f64,
    /// The unit of measure (đơn vị tính): `%`, `chi bộ`, `đảng viên`, `lượt`.
    pub unit: String,
    pub deadline: Option<Date>,
    pub direction: Direction,
    /// How the values of the units serving it add up (data of the indicator; see
    /// [`crate::target_rollup`]).
    #[serde(default)]
    pub rule: RollupRule,
}

/// A target as typed into a form: every field a string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetForm {
    pub indicator: String,
    pub baseline: String,
    pub target_value: String,
    pub unit: String,
    pub deadline: String,
    pub direction: String,
    /// A [`RollupRule`] name; empty for the unit's default ([`RollupRule::default_for`]).
    #[serde(default)]
    pub rule: String,
}

pub const MAX_INDICATOR_CHARS: usize = 500;
/// The largest size a number may have: 10¹⁵ (a province's yearly budget in đồng is about
/// 10¹³; an f64 holds every whole number up to this exactly).
pub const MAX_MAGNITUDE: f64 = 1e15;
pub const MAX_UNIT_CHARS: usize = 50;
/// A document or program has at most this many targets.
pub const MAX_TARGETS: usize = 200;

impl Target {
    /// Checks a target whose values are already numbers. `issued_on` is the issue date of
    /// the document or program the target belongs to, when known; a deadline before it is
    /// refused. Fields are named with `prefix` (`targets[3].deadline`); pass `None` for a
    /// form that edits a single target (`deadline`).
    pub fn check(&self, prefix: Option<usize>, issued_on: Option<Date>) -> Result<(), Invalid> {
        let f = |name: &'static str| field(prefix, name);
        let mut inv = Invalid::default();
        if self.indicator.trim().is_empty() {
            inv.push(f("indicator"), "required");
        }
        let baseline = match self.baseline {
            Some(b) => inv
                .take(check_value(f("baseline"), &self.unit, b))
                .map(Some),
            None => Some(None),
        };
        let target = inv.take(check_value(
            f("target_value"),
            &self.unit,
            self.target_value,
        ));
        if let (Some(t), Some(Some(b))) = (target, baseline) {
            let wrong_way = match self.direction {
                Direction::Increase => t <= b,
                Direction::Decrease => t >= b,
                Direction::Reach => false,
            };
            if wrong_way {
                inv.push(f("target_value"), "target_direction");
            }
        }
        if let (Some(d), Some(i)) = (self.deadline, issued_on)
            && d < i
        {
            inv.push(f("deadline"), "deadline_before_issue");
        }
        inv.take(crate::target_rollup::check_rule(self, f("rule")));
        inv.into_result(())
    }

    /// Parses a target typed into a form, then [`Target::check`]s it.
    pub fn parse(
        form: &TargetForm,
        prefix: Option<usize>,
        issued_on: Option<Date>,
    ) -> Result<Target, Invalid> {
        let f = |name: &'static str| field(prefix, name);
        let mut inv = Invalid::default();
        let indicator = inv.take(validate::name(
            f("indicator"),
            &form.indicator,
            MAX_INDICATOR_CHARS,
        ));
        let baseline = if form.baseline.trim().is_empty() {
            Some(None)
        } else {
            inv.take(parse_number(f("baseline"), &form.baseline).map(Some))
        };
        let target_value = inv.take(parse_number(f("target_value"), &form.target_value));
        let unit = inv.take(validate::name(f("unit"), &form.unit, MAX_UNIT_CHARS));
        let deadline = inv.take(validate::optional_date(f("deadline"), &form.deadline));
        let direction = match Direction::parse(form.direction.trim()) {
            Some(d) => Some(d),
            None => {
                inv.push(f("direction"), "bad_choice");
                None
            }
        };
        let rule = match form.rule.trim() {
            "" => Some(RollupRule::default_for(&form.unit)),
            raw => match RollupRule::parse(raw) {
                Some(r) => Some(r),
                None => {
                    inv.push(f("rule"), "bad_choice");
                    None
                }
            },
        };
        match (
            indicator,
            baseline,
            target_value,
            unit,
            deadline,
            direction,
            rule,
        ) {
            (
                Some(indicator),
                Some(baseline),
                Some(target_value),
                Some(unit),
                Some(deadline),
                Some(direction),
                Some(rule),
            ) if inv.is_empty() => {
                let t = Target {
                    indicator,
                    baseline,
                    target_value,
                    unit,
                    deadline,
                    direction,
                    rule,
                };
                t.check(prefix, issued_on)?;
                Ok(t)
            }
            _ => Err(inv),
        }
    }

    /// Progress toward the target at `current`, from 0 (at or behind the baseline) to 1
    /// (met or passed). See [`progress`].
    pub fn progress(&self, current: f64) -> f64 {
        progress(self.direction, self.baseline, self.target_value, current)
    }

    /// Whether `current` meets the target.
    pub fn is_met(&self, current: f64) -> bool {
        is_met(self.direction, self.target_value, current)
    }
}

/// Whether a unit of measure is a percentage: `%`, `phần trăm`, `tỷ lệ (%)`.
pub fn is_percent_unit(unit: &str) -> bool {
    let u = crate::text::fold(unit);
    u.contains('%') || u == "phan tram" || u == "percent"
}

/// Checks one value of an indicator measured in `unit`: a finite number (`bad_number`) of
/// at most [`MAX_MAGNITUDE`] (`number_too_large`), and for a percentage within 0..=100
/// (`percent_value_range`). The store checks every value it keeps with this; forms and the
/// API check first, to name the field.
pub fn check_value(field: &'static str, unit: &str, v: f64) -> Result<f64, Invalid> {
    if !v.is_finite() {
        return Err(Invalid::one(field, "bad_number"));
    }
    if v.abs() > MAX_MAGNITUDE {
        return Err(Invalid::one(field, "number_too_large"));
    }
    if is_percent_unit(unit) && !(0.0..=100.0).contains(&v) {
        return Err(Invalid::one(field, "percent_value_range"));
    }
    Ok(v)
}

fn field(prefix: Option<usize>, name: &'static str) -> &'static str {
    match prefix {
        Some(i) => indexed("targets", i, name),
        None => name,
    }
}

/// Whether `current` meets a target of this direction and value. A value that is not a
/// number never meets anything.
pub fn is_met(direction: Direction, target: f64, current: f64) -> bool {
    match direction {
        Direction::Increase | Direction::Reach => current >= target,
        Direction::Decrease => current <= target,
    }
}

/// Progress toward a target, as a fraction clamped to `0.0..=1.0`:
///
/// - `Increase`: `(current − baseline) / (target − baseline)`;
/// - `Decrease`: `(baseline − current) / (baseline − target)`;
/// - `Reach`, or any direction without a baseline: `current / target` for a positive
///   target, else 1 when met and 0 when not.
///
/// Clamp rules: behind the baseline is 0, past the target is 1 (overshoot is not
/// rewarded), a baseline equal to the target (which [`Target::check`] refuses) gives 1 when
/// met and 0 when not, and a value that is not a finite number gives 0. The result is never
/// NaN.
pub fn progress(direction: Direction, baseline: Option<f64>, target: f64, current: f64) -> f64 {
    if !current.is_finite() || !target.is_finite() {
        return 0.0;
    }
    let met = if is_met(direction, target, current) {
        1.0
    } else {
        0.0
    };
    let raw = match (direction, baseline.filter(|b| b.is_finite())) {
        (Direction::Increase, Some(b)) if target != b => (current - b) / (target - b),
        (Direction::Decrease, Some(b)) if target != b => (b - current) / (b - target),
        (Direction::Increase | Direction::Decrease, Some(_)) => met,
        (Direction::Decrease, None) => met,
        (Direction::Increase | Direction::Reach, _) if target > 0.0 => current / target,
        _ => met,
    };
    if raw.is_nan() {
        0.0
    } else {
        raw.clamp(0.0, 1.0)
    }
}

/// Parses a number typed the Vietnamese way, or the English way where that is
/// unambiguous. Surrounding spaces and a trailing `%` are ignored; a leading `-` or `−`
/// makes it negative.
///
/// - A comma is the decimal mark: `12,5` is 12.5, `1.234,5` is 1234.5.
/// - Dots, and spaces, between groups of three digits separate thousands: `1.234` is 1234,
///   `1.234.567` is 1234567, `1 234` is 1234.
/// - One dot that does not stand before a group of exactly three digits, or that follows
///   a lone `0`, is a decimal point: `12.5`, `0.125`, `2.71`.
/// - With both marks, the last one is the decimal mark: `1,234.5` is 1234.5.
/// - Several commas and no dot separate thousands the English way: `1,234,567`.
///
/// Anything else (letters, misplaced separators like `1.23.4`, an empty string) is
/// `bad_number`; a number larger than [`MAX_MAGNITUDE`] (`1e308` typed as 309 digits) is
/// `number_too_large`.
pub fn parse_number(field: &'static str, raw: &str) -> Result<f64, Invalid> {
    match parse_number_opt(raw) {
        None => Err(Invalid::one(field, "bad_number")),
        Some(v) if !v.is_finite() || v.abs() > MAX_MAGNITUDE => {
            Err(Invalid::one(field, "number_too_large"))
        }
        Some(v) => Ok(v),
    }
}

fn parse_number_opt(raw: &str) -> Option<f64> {
    let s = raw.trim();
    let s = s.strip_suffix('%').unwrap_or(s).trim_end();
    let (neg, s) = match s.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{a0}' | '\u{202f}'))
    {
        return None;
    }
    // Spaces only ever separate thousands; make them dots in the Vietnamese reading.
    let spaced = s.contains([' ', '\u{a0}', '\u{202f}']);
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_digit() || c == ',' || c == '.' {
                c
            } else {
                '\u{0}'
            }
        })
        .collect();
    let commas = s.matches(',').count();
    let dots = s.matches('.').count();
    let (int_part, frac_part, thousands): (&str, &str, char) = if spaced {
        if dots + commas > 1 || (dots == 1 && !frac_after_space_ok(&s)) {
            return None;
        }
        match s.rfind([',', '.']) {
            Some(i) => (&s[..i], &s[i + 1..], '\u{0}'),
            None => (&s[..], "", '\u{0}'),
        }
    } else if commas > 0 && dots > 0 {
        let last_comma = s.rfind(',')?;
        let last_dot = s.rfind('.')?;
        if last_comma > last_dot {
            if commas > 1 {
                return None;
            }
            (&s[..last_comma], &s[last_comma + 1..], '.')
        } else {
            if dots > 1 {
                return None;
            }
            (&s[..last_dot], &s[last_dot + 1..], ',')
        }
    } else if commas == 1 {
        let i = s.find(',')?;
        (&s[..i], &s[i + 1..], '\u{1}')
    } else if commas > 1 {
        (&s[..], "", ',')
    } else if dots == 1 {
        let i = s.find('.')?;
        let (a, b) = (&s[..i], &s[i + 1..]);
        if b.len() == 3 && (1..=3).contains(&a.len()) && a != "0" {
            (&s[..], "", '.')
        } else {
            (a, b, '\u{1}')
        }
    } else if dots > 1 {
        (&s[..], "", '.')
    } else {
        (&s[..], "", '\u{1}')
    };
    let int_digits = group_digits(int_part, if spaced { '\u{0}' } else { thousands })?;
    if !frac_part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac_part.is_empty() && (s.ends_with(',') || (s.ends_with('.') && thousands != '.')) {
        return None;
    }
    let text = if frac_part.is_empty() {
        int_digits
    } else {
        format!("{int_digits}.{frac_part}")
    };
    // Too many digits parse to infinity: [`parse_number`] calls that too large.
    let v: f64 = text.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// With spaces as thousands separators, a single dot is only a decimal mark when what
/// follows it is not a group of three.
fn frac_after_space_ok(s: &str) -> bool {
    s.rsplit_once('.').is_some_and(|(_, f)| f.len() != 3)
}

/// The digits of an integer part written with `sep` between groups of three (`'\u{1}'`:
/// no separator allowed). The first group has one to three digits.
fn group_digits(s: &str, sep: char) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if sep == '\u{1}' {
        return s.bytes().all(|b| b.is_ascii_digit()).then(|| s.to_owned());
    }
    let groups: Vec<&str> = s.split(sep).collect();
    if groups.len() == 1 {
        return s.bytes().all(|b| b.is_ascii_digit()).then(|| s.to_owned());
    }
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let digits_ok = groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    (first_ok && rest_ok && digits_ok).then(|| groups.concat())
}

/// Writes a number the Vietnamese way with at most `decimals` decimals, trailing zeros
/// dropped: `1234.5` → `1.234,5`, `-0.25` → `-0,25`, `12.0` → `12`.
pub fn format_number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    let zero = int.bytes().all(|b| b == b'0') && frac.is_empty();
    if v < 0.0 && !zero {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// A document's or program's list of targets: at most [`MAX_TARGETS`] (`targets`,
/// `too_long`), each [`Target::check`]ed against the issue date, every problem reported.
pub fn check_targets(targets: &[Target], issued_on: Date) -> Result<(), Invalid> {
    let mut inv = Invalid::default();
    if targets.len() > MAX_TARGETS {
        inv.push("targets", "too_long");
    }
    for (i, t) in targets.iter().enumerate().take(MAX_TARGETS) {
        inv.take(t.check(Some(i), Some(issued_on)));
    }
    inv.into_result(())
}

/// A target leaves its list only while no task and no lower target serves it
/// (`Conflict("target_in_use")`): `uses` counts both.
pub fn check_removable(uses: u64) -> Result<(), Refusal> {
    if uses > 0 {
        Err(Refusal::Conflict("target_in_use"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn listed(indicator: &str, deadline: Option<Date>) -> Target {
        Target {
            indicator: indicator.into(),
            baseline: Some(50.0),
            target_value: 80.0,
            unit: "%".into(),
            deadline,
            direction: Direction::Increase,
            rule: RollupRule::Average,
        }
    }

    #[test]
    fn a_target_list_reports_each_targets_problems_by_position() {
        let issued = date!(2025 - 01 - 10);
        assert!(check_targets(&[listed("Tỷ lệ", None)], issued).is_ok());
        let got: Vec<(&str, &str)> = check_targets(
            &[
                listed("Tỷ lệ", Some(date!(2025 - 01 - 09))),
                listed(" ", None),
            ],
            issued,
        )
        .unwrap_err()
        .0
        .iter()
        .map(|e| (e.field, e.code))
        .collect();
        assert_eq!(
            got,
            [
                ("targets[0].deadline", "deadline_before_issue"),
                ("targets[1].indicator", "required")
            ]
        );
        let many = vec![listed("Tỷ lệ", None); MAX_TARGETS + 1];
        assert_eq!(
            check_targets(&many, issued).unwrap_err(),
            Invalid::one("targets", "too_long")
        );
        assert!(check_removable(0).is_ok());
        assert_eq!(
            check_removable(1).unwrap_err(),
            Refusal::Conflict("target_in_use")
        );
    }

    proptest! {
        #[test]
        fn a_list_passes_exactly_when_every_target_does(
            deadlines in prop::collection::vec(prop::option::of(0i64..40), 0..6),
            blank in prop::collection::vec(any::<bool>(), 6),
        ) {
            let issued = date!(2025 - 01 - 20);
            let list: Vec<Target> = deadlines
                .iter()
                .zip(&blank)
                .map(|(d, b)| listed(if *b { "" } else { "Chỉ tiêu" },
                    d.map(|d| date!(2025 - 01 - 01) + time::Duration::days(d))))
                .collect();
            let each = list.iter().enumerate().all(|(i, t)| t.check(Some(i), Some(issued)).is_ok());
            prop_assert_eq!(check_targets(&list, issued).is_ok(), each);
        }
    }

    #[test]
    fn numbers_typed_the_vietnamese_way() {
        let cases: &[(&str, f64)] = &[
            ("12,5", 12.5),
            ("1.234", 1234.0),
            ("1.234,5", 1234.5),
            ("1.234.567", 1_234_567.0),
            ("1.234.567,25", 1_234_567.25),
            ("0,5", 0.5),
            ("12", 12.0),
            ("  85 % ", 85.0),
            ("85%", 85.0),
            ("-3,5", -3.5),
            ("− 3", -3.0),
            ("+7", 7.0),
            ("12.5", 12.5),
            ("0.125", 0.125),
            ("2.71", 2.71),
            ("1234.5", 1234.5),
            ("1,234.5", 1234.5),
            ("1,234,567", 1_234_567.0),
            ("1 234", 1234.0),
            ("1 234 567,5", 1_234_567.5),
            ("1\u{a0}234", 1234.0),
            ("100", 100.0),
            ("0", 0.0),
        ];
        for &(raw, want) in cases {
            let got = parse_number("v", raw).unwrap_or_else(|e| panic!("{raw:?}: {e}"));
            assert!((got - want).abs() < 1e-9, "{raw:?}: {got} ≠ {want}");
        }
    }

    #[test]
    fn bad_numbers() {
        for raw in [
            "",
            " ",
            "abc",
            "12a",
            "1.23.4",
            "1.2345.678",
            "1,2,3",
            "12,",
            ",5",
            "1..2",
            "1,,2",
            "1.234,5,6",
            "1,234.5.6",
            "1 23",
            "--1",
            "1e5",
            "NaN",
            "inf",
            "12 ,5",
            "%",
            "1.",
        ] {
            assert_eq!(
                parse_number("v", raw).unwrap_err().0[0].code,
                "bad_number",
                "{raw:?}"
            );
        }
    }

    #[test]
    fn formatting() {
        let cases: &[(f64, usize, &str)] = &[
            (1234.5, 2, "1.234,5"),
            (1_234_567.0, 2, "1.234.567"),
            (12.0, 2, "12"),
            (0.25, 2, "0,25"),
            (-0.25, 2, "-0,25"),
            (-0.001, 2, "0"),
            (999.999, 2, "1.000"),
            (100.0, 0, "100"),
        ];
        for &(v, d, want) in cases {
            assert_eq!(format_number(v, d), want, "{v}");
        }
        assert_eq!(format_number(f64::NAN, 2), "");
    }

    fn target(direction: Direction, baseline: Option<f64>, value: f64) -> Target {
        Target {
            indicator: "Tỷ lệ chi bộ xếp loại tốt".into(),
            baseline,
            target_value: value,
            unit: "%".into(),
            deadline: None,
            direction,
            rule: RollupRule::Average,
        }
    }

    #[test]
    fn progress_table() {
        use Direction::*;
        let cases: &[(Direction, Option<f64>, f64, f64, f64)] = &[
            (Increase, Some(60.0), 80.0, 70.0, 0.5),
            (Increase, Some(60.0), 80.0, 60.0, 0.0),
            (Increase, Some(60.0), 80.0, 50.0, 0.0),
            (Increase, Some(60.0), 80.0, 80.0, 1.0),
            (Increase, Some(60.0), 80.0, 95.0, 1.0),
            (Decrease, Some(10.0), 2.0, 6.0, 0.5),
            (Decrease, Some(10.0), 2.0, 12.0, 0.0),
            (Decrease, Some(10.0), 2.0, 1.0, 1.0),
            (Reach, Some(90.0), 100.0, 50.0, 0.5),
            (Reach, None, 100.0, 100.0, 1.0),
            (Increase, None, 200.0, 50.0, 0.25),
            (Reach, None, 0.0, 0.0, 1.0),
            (Reach, None, 0.0, -1.0, 0.0),
            (Decrease, None, 5.0, 6.0, 0.0),
            (Decrease, None, 5.0, 5.0, 1.0),
            (Increase, Some(5.0), 5.0, 5.0, 1.0),
            (Increase, Some(5.0), 5.0, 4.0, 0.0),
            (Increase, Some(60.0), 80.0, f64::NAN, 0.0),
            (Increase, Some(60.0), 80.0, f64::INFINITY, 0.0),
        ];
        for &(d, b, t, c, want) in cases {
            let got = progress(d, b, t, c);
            assert!((got - want).abs() < 1e-12, "{d:?} {b:?} {t} {c}: {got}");
        }
        assert!(target(Increase, Some(60.0), 80.0).is_met(80.0));
        assert!(!target(Decrease, Some(10.0), 2.0).is_met(3.0));
    }

    #[test]
    fn checks() {
        use Direction::*;
        assert!(target(Increase, Some(60.0), 80.0).check(None, None).is_ok());
        let e = target(Increase, Some(80.0), 60.0)
            .check(Some(2), None)
            .unwrap_err();
        assert_eq!(e.0[0].field, "targets[2].target_value");
        assert_eq!(e.0[0].code, "target_direction");
        assert!(
            target(Decrease, Some(80.0), 80.0)
                .check(None, None)
                .is_err()
        );
        assert!(target(Reach, Some(100.0), 100.0).check(None, None).is_ok());
        let mut t = target(Reach, None, 100.0);
        t.deadline = Some(date!(2025 - 01 - 01));
        let e = t.check(None, Some(date!(2025 - 01 - 02))).unwrap_err();
        assert_eq!(
            (e.0[0].field, e.0[0].code),
            ("deadline", "deadline_before_issue")
        );
        assert!(t.check(None, Some(date!(2025 - 01 - 01))).is_ok());
        t.indicator = " ".into();
        t.target_value = f64::NAN;
        let e = t.check(None, None).unwrap_err();
        assert_eq!(e.0.len(), 2);
    }

    #[test]
    fn values_are_bounded_and_percentages_within_0_to_100() {
        let huge = format!("1{}", "0".repeat(308));
        assert_eq!(
            parse_number("v", &huge).unwrap_err().0[0].code,
            "number_too_large"
        );
        assert_eq!(
            parse_number("v", "1.000.000.000.000.001").unwrap_err().0[0].code,
            "number_too_large"
        );
        assert_eq!(parse_number("v", "1.000.000.000.000.000").unwrap(), 1e15);
        let code = |unit: &str, v: f64| {
            check_value("v", unit, v)
                .map(|_| "ok")
                .unwrap_or_else(|e| e.0[0].code)
        };
        assert_eq!(code("%", 1e308), "number_too_large");
        assert_eq!(code("%", 100.5), "percent_value_range");
        assert_eq!(code("%", -1.0), "percent_value_range");
        assert_eq!(code("Tỷ lệ (%)", 101.0), "percent_value_range");
        assert_eq!(code("phần trăm", 250.0), "percent_value_range");
        assert_eq!(code("%", 100.0), "ok");
        assert_eq!(code("%", 0.0), "ok");
        assert_eq!(code("chi bộ", 250.0), "ok");
        assert_eq!(code("tỷ đồng", -3.5), "ok");
        assert_eq!(code("chi bộ", f64::NAN), "bad_number");
        assert_eq!(code("chi bộ", f64::INFINITY), "bad_number");
        assert_eq!(code("chi bộ", -2e15), "number_too_large");
        // A target measured in percent refuses values past 100 in both its fields.
        let mut t = target(Direction::Increase, Some(-5.0), 150.0);
        let e = t.check(Some(1), None).unwrap_err();
        let got: Vec<_> = e.0.iter().map(|f| (f.field, f.code)).collect();
        assert_eq!(
            got,
            vec![
                ("targets[1].baseline", "percent_value_range"),
                ("targets[1].target_value", "percent_value_range"),
            ]
        );
        t.unit = "đảng viên".into();
        assert!(t.check(None, None).is_ok());
    }

    #[test]
    fn parse_forms() {
        let form = TargetForm {
            indicator: " Tỷ lệ đảng viên được học tập ".into(),
            baseline: "85,5".into(),
            target_value: "100".into(),
            unit: "%".into(),
            deadline: "31/12/2025".into(),
            direction: "increase".into(),
            rule: String::new(),
        };
        let t = Target::parse(&form, None, Some(date!(2025 - 03 - 01))).unwrap();
        assert_eq!(t.baseline, Some(85.5));
        assert_eq!(t.indicator, "Tỷ lệ đảng viên được học tập");
        assert_eq!(t.deadline, Some(date!(2025 - 12 - 31)));
        let mut bad = form.clone();
        bad.baseline = "nhiều".into();
        bad.direction = "up".into();
        bad.deadline = "32/12/2025".into();
        let e = Target::parse(&bad, Some(0), None).unwrap_err();
        let got: Vec<_> = e.0.iter().map(|f| (f.field, f.code)).collect();
        assert_eq!(
            got,
            vec![
                ("targets[0].baseline", "bad_number"),
                ("targets[0].deadline", "bad_date"),
                ("targets[0].direction", "bad_choice"),
            ]
        );
        let mut empty_base = form;
        empty_base.baseline = String::new();
        assert_eq!(
            Target::parse(&empty_base, None, None).unwrap().baseline,
            None
        );
    }

    proptest! {
        #[test]
        fn progress_is_a_clamped_fraction(
            d in prop::sample::select(Direction::ALL.to_vec()),
            b in prop::option::of(-1e6f64..1e6),
            t in -1e6f64..1e6,
            c in prop::num::f64::ANY,
        ) {
            let p = progress(d, b, t, c);
            prop_assert!((0.0..=1.0).contains(&p));
        }

        #[test]
        fn progress_is_monotone(b in -1e3f64..1e3, span in 0.001f64..1e3, c1 in -2e3f64..2e3, c2 in -2e3f64..2e3) {
            let (lo, hi) = if c1 <= c2 { (c1, c2) } else { (c2, c1) };
            let up = |c| progress(Direction::Increase, Some(b), b + span, c);
            let down = |c| progress(Direction::Decrease, Some(b), b - span, c);
            prop_assert!(up(lo) <= up(hi));
            prop_assert!(down(lo) >= down(hi));
        }

        #[test]
        fn met_means_full_progress(d in prop::sample::select(Direction::ALL.to_vec()), b in -1e3f64..1e3, t in -1e3f64..1e3, c in -1e3f64..1e3) {
            let tgt = Target { indicator: "x".into(), baseline: Some(b), target_value: t, unit: "%".into(), deadline: None, direction: d, rule: RollupRule::Average };
            if tgt.check(None, None).is_ok() && tgt.is_met(c) {
                prop_assert_eq!(tgt.progress(c), 1.0);
            }
        }

        #[test]
        fn format_then_parse_roundtrips(cents in -1_000_000_000i64..1_000_000_000) {
            let v = cents as f64 / 100.0;
            let back = parse_number("v", &format_number(v, 2)).unwrap();
            prop_assert!((back - v).abs() < 1e-6, "{} → {} → {}", v, format_number(v, 2), back);
        }

        #[test]
        fn parse_never_panics(s in "[0-9 .,%+-]{0,16}|\\PC{0,16}|[0-9]{300,400}") {
            if let Ok(v) = parse_number("v", &s) {
                prop_assert!(v.is_finite() && v.abs() <= MAX_MAGNITUDE);
            }
        }

        #[test]
        fn checked_values_are_within_their_ranges(unit in "%|chi bộ|phần trăm|tỷ đồng", v in prop::num::f64::ANY) {
            if let Ok(v) = check_value("v", &unit, v) {
                prop_assert!(v.is_finite() && v.abs() <= MAX_MAGNITUDE);
                if is_percent_unit(&unit) {
                    prop_assert!((0.0..=100.0).contains(&v));
                }
            }
        }
    }
}
