//! Advanced models (điển hình tiên tiến; issue 17 item 5): units far above their peers,
//! found from the record by a robust comparison within each peer group.
//!
//! A unit's peers are the units of the same kind and a similar size ([`PeerGroup`]: the kind
//! and the size band, members doubling from band to band). For each period (a quarter) and
//! each peer group with at least `min_peers` units having a value, the group's median and
//! median absolute deviation (MAD) give each unit its robust z-score
//! `0.6745 × (x − median) / MAD` (Iglewicz and Hoaglin's modified z-score; when more than
//! half the group has the same value the MAD is 0 and the mean absolute deviation × 1.2533
//! stands in; with no spread at all there is no score). A unit is a candidate when its score
//! is at least `z` (default 3.5) in `sustained` consecutive periods (default 3) and it has
//! at least `min_periods` scored periods (default 3): far above, with enough data, and not
//! a one-off. Every number behind the answer is returned, so the page can show the
//! reasoning. Pure: the store passes the series in.

use crate::org::OrgKind;
use crate::target::Direction;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::Date;

/// The consistency constant of the MAD for a normal distribution (Φ⁻¹(3/4)).
pub const MAD_K: f64 = 0.6745;
/// The mean absolute deviation's constant (√(π/2)).
pub const MEAN_AD_K: f64 = 1.253_314;

/// The thresholds of the search, as data (the office may change them on the page).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Units with a value in a period for the group to be compared at all.
    pub min_peers: usize,
    /// Scored periods a unit needs.
    pub min_periods: usize,
    /// Consecutive periods at or above the threshold.
    pub sustained: usize,
    /// The robust z-score that counts as "far above".
    pub z: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            min_peers: 5,
            min_periods: 3,
            sustained: 3,
            z: 3.5,
        }
    }
}

impl Settings {
    /// Clamps the settings into sensible bounds (a group of at least 3, at least one
    /// period, a positive threshold).
    pub fn clamped(self) -> Settings {
        Settings {
            min_peers: self.min_peers.clamp(3, 1000),
            min_periods: self.min_periods.clamp(1, 100),
            sustained: self.sustained.clamp(1, 100),
            z: if self.z.is_finite() {
                self.z.clamp(0.5, 20.0)
            } else {
                3.5
            },
        }
    }
}

/// Units of the same kind and size band are peers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PeerGroup {
    pub kind: OrgKind,
    pub band: u32,
}

impl PartialOrd for PeerGroup {
    fn partial_cmp(&self, other: &PeerGroup) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for PeerGroup {
    fn cmp(&self, other: &PeerGroup) -> std::cmp::Ordering {
        (self.kind.as_str(), self.band).cmp(&(other.kind.as_str(), other.band))
    }
}

impl PeerGroup {
    pub fn of(kind: OrgKind, members: u64) -> PeerGroup {
        PeerGroup {
            kind,
            band: size_band(members),
        }
    }

    /// The members a unit of this band has: `[low, high]`.
    pub fn members_range(&self) -> (u64, u64) {
        band_range(self.band)
    }
}

/// The size band: 0 for up to 7 members, then doubling (8–15, 16–31, 32–63, …).
pub fn size_band(members: u64) -> u32 {
    if members < 8 {
        0
    } else {
        63 - members.leading_zeros() - 2
    }
}

/// The members of a band, inclusive.
pub fn band_range(band: u32) -> (u64, u64) {
    if band == 0 {
        (0, 7)
    } else {
        let low = 1u64 << (band + 2);
        (low, low * 2 - 1)
    }
}

/// A period: the quarter, numbered `year × 4 + quarter − 1`.
pub fn quarter_of(d: Date) -> i32 {
    d.year() * 4 + (d.month() as i32 - 1) / 3
}

/// The quarter's year and number (1–4).
pub fn quarter_parts(period: i32) -> (i32, u8) {
    (period.div_euclid(4), period.rem_euclid(4) as u8 + 1)
}

/// One unit's values by period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitSeries {
    pub unit: i64,
    pub group: PeerGroup,
    pub points: BTreeMap<i32, f64>,
}

/// The median of a non-empty list.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// A group's centre and spread in one period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub median: f64,
    pub mad: f64,
    /// The divisor of the score: `MAD / 0.6745`, or `1.2533 × mean AD` when the MAD is 0;
    /// `None` without spread.
    pub scale: Option<f64>,
    pub peers: usize,
}

/// The median, MAD and score scale of a group's values.
pub fn spread(values: &[f64]) -> Spread {
    let m = median(values);
    let dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    let mad = median(&dev);
    let scale = if mad > 0.0 {
        Some(mad / MAD_K)
    } else {
        let mean_ad = dev.iter().sum::<f64>() / dev.len().max(1) as f64;
        (mean_ad > 0.0).then_some(MEAN_AD_K * mean_ad)
    };
    Spread {
        median: m,
        mad,
        scale,
        peers: values.len(),
    }
}

/// The robust z-score of `x` against a spread.
pub fn robust_z(x: f64, s: &Spread) -> Option<f64> {
    s.scale.map(|scale| (x - s.median) / scale)
}

/// One period of a unit's evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodEvidence {
    pub period: i32,
    /// The unit's value as recorded (not turned for the direction).
    pub value: f64,
    /// The group's median of the recorded values.
    pub median: f64,
    pub mad: f64,
    pub peers: usize,
    /// The score in the good direction (higher is better after turning a "decrease"
    /// target); `None` without spread.
    pub z: Option<f64>,
    pub above: bool,
}

/// A unit found far above its peers, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub unit: i64,
    pub group: PeerGroup,
    pub evidence: Vec<PeriodEvidence>,
    /// The longest run of consecutive periods at or above the threshold.
    pub run: usize,
    /// The mean score over the scored periods (the order of the list).
    pub mean_z: f64,
}

/// A peer group as the search saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub group: PeerGroup,
    pub units: usize,
    /// Periods in which the group had enough units to be compared.
    pub periods_compared: usize,
    /// Periods skipped for too few units.
    pub periods_too_small: usize,
}

/// The answer: the candidates (best first) and every group with what was compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub settings: Settings,
    pub candidates: Vec<Candidate>,
    pub groups: Vec<GroupSummary>,
}

/// Finds the units far above their peers. `direction` says which way is better: for a
/// target to bring down, lower values score higher.
pub fn assess(series: &[UnitSeries], direction: Direction, settings: Settings) -> Assessment {
    let settings = settings.clamped();
    let sign = if direction == Direction::Decrease {
        -1.0
    } else {
        1.0
    };
    // Group → period → [(unit, value)]
    let mut by_group: BTreeMap<PeerGroup, BTreeMap<i32, Vec<(i64, f64)>>> = BTreeMap::new();
    let mut members: BTreeMap<PeerGroup, std::collections::BTreeSet<i64>> = BTreeMap::new();
    for s in series {
        members.entry(s.group).or_default().insert(s.unit);
        for (&period, &v) in &s.points {
            if v.is_finite() {
                by_group
                    .entry(s.group)
                    .or_default()
                    .entry(period)
                    .or_default()
                    .push((s.unit, v));
            }
        }
    }
    let mut groups = Vec::new();
    // unit → evidence by period
    let mut evidence: BTreeMap<(PeerGroup, i64), Vec<PeriodEvidence>> = BTreeMap::new();
    for (group, periods) in &by_group {
        let mut compared = 0;
        let mut small = 0;
        for (&period, values) in periods {
            // One value per unit and period (a duplicated unit keeps its last value).
            let mut dedup: BTreeMap<i64, f64> = BTreeMap::new();
            for &(u, v) in values {
                dedup.insert(u, v);
            }
            if dedup.len() < settings.min_peers {
                small += 1;
                continue;
            }
            compared += 1;
            let raw: Vec<f64> = dedup.values().copied().collect();
            let turned: Vec<f64> = raw.iter().map(|v| v * sign).collect();
            let s = spread(&turned);
            let raw_median = median(&raw);
            for (&u, &v) in &dedup {
                let z = robust_z(v * sign, &s);
                evidence
                    .entry((*group, u))
                    .or_default()
                    .push(PeriodEvidence {
                        period,
                        value: v,
                        median: raw_median,
                        mad: s.mad,
                        peers: s.peers,
                        z,
                        above: z.is_some_and(|z| z >= settings.z),
                    });
            }
        }
        groups.push(GroupSummary {
            group: *group,
            units: members.get(group).map_or(0, |m| m.len()),
            periods_compared: compared,
            periods_too_small: small,
        });
    }
    let mut candidates = Vec::new();
    for ((group, unit), ev) in evidence {
        let scored: Vec<f64> = ev.iter().filter_map(|e| e.z).collect();
        if scored.len() < settings.min_periods {
            continue;
        }
        let mut run = 0;
        let mut best = 0;
        let mut last: Option<i32> = None;
        for e in &ev {
            if e.above {
                run = if last.is_some_and(|p| p + 1 == e.period) && run > 0 {
                    run + 1
                } else {
                    1
                };
                best = best.max(run);
            } else {
                run = 0;
            }
            last = Some(e.period);
        }
        if best >= settings.sustained {
            candidates.push(Candidate {
                unit,
                group,
                mean_z: scored.iter().sum::<f64>() / scored.len() as f64,
                evidence: ev,
                run: best,
            });
        }
    }
    candidates.sort_by(|a, b| b.mean_z.total_cmp(&a.mean_z).then(a.unit.cmp(&b.unit)));
    Assessment {
        settings,
        candidates,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn group() -> PeerGroup {
        PeerGroup::of(OrgKind::Grassroots, 100)
    }

    fn series(unit: i64, values: &[(i32, f64)]) -> UnitSeries {
        UnitSeries {
            unit,
            group: group(),
            points: values.iter().copied().collect(),
        }
    }

    /// Seven ordinary units around 50 and one far above in four quarters.
    fn sample() -> Vec<UnitSeries> {
        let mut out = Vec::new();
        for u in 0..7 {
            let v: Vec<(i32, f64)> = (0..4).map(|p| (p, 48.0 + ((u + p) % 5) as f64)).collect();
            out.push(series(u as i64, &v));
        }
        out.push(series(99, &[(0, 80.0), (1, 85.0), (2, 90.0), (3, 92.0)]));
        out
    }

    #[test]
    fn bands_double() {
        assert_eq!(size_band(0), 0);
        assert_eq!(size_band(7), 0);
        assert_eq!(size_band(8), 1);
        assert_eq!(size_band(15), 1);
        assert_eq!(size_band(16), 2);
        assert_eq!(size_band(63), 3);
        assert_eq!(band_range(2), (16, 31));
        for m in 0..5000 {
            let (lo, hi) = band_range(size_band(m));
            assert!(lo <= m && m <= hi, "{m}");
        }
    }

    #[test]
    fn median_and_mad() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let s = spread(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(s.median, 3.0);
        assert_eq!(s.mad, 1.0);
        let z = robust_z(100.0, &s).unwrap();
        assert!((z - 97.0 * MAD_K).abs() < 1e-9);
        // No spread: no score.
        assert_eq!(spread(&[5.0; 6]).scale, None);
        // MAD 0 but some spread: the mean absolute deviation stands in.
        let s = spread(&[5.0, 5.0, 5.0, 5.0, 9.0]);
        assert_eq!(s.mad, 0.0);
        assert!(s.scale.is_some());
    }

    #[test]
    fn finds_the_sustained_outlier() {
        let a = assess(&sample(), Direction::Increase, Settings::default());
        assert_eq!(a.candidates.len(), 1);
        let c = &a.candidates[0];
        assert_eq!(c.unit, 99);
        assert_eq!(c.run, 4);
        assert_eq!(c.evidence.len(), 4);
        assert!(c.evidence.iter().all(|e| e.peers == 8));
        // Lower is better: the same unit is now far below, not a model.
        let a = assess(&sample(), Direction::Decrease, Settings::default());
        assert!(a.candidates.iter().all(|c| c.unit != 99));
    }

    #[test]
    fn one_off_is_not_a_model() {
        let mut s = sample();
        s.pop();
        s.push(series(99, &[(0, 50.0), (1, 95.0), (2, 50.0), (3, 49.0)]));
        let a = assess(&s, Direction::Increase, Settings::default());
        assert!(a.candidates.is_empty());
    }

    #[test]
    fn small_groups_are_not_compared() {
        let s: Vec<UnitSeries> = sample().into_iter().skip(4).collect();
        let a = assess(&s, Direction::Increase, Settings::default());
        assert!(a.candidates.is_empty());
        assert_eq!(a.groups[0].periods_compared, 0);
        assert_eq!(a.groups[0].periods_too_small, 4);
    }

    #[test]
    fn peers_are_of_the_same_kind_and_size() {
        let mut s = sample();
        // The outstanding unit is a big one: it has no peers among the small.
        s.last_mut().unwrap().group = PeerGroup::of(OrgKind::Grassroots, 1000);
        let a = assess(&s, Direction::Increase, Settings::default());
        assert!(a.candidates.is_empty());
        assert_eq!(a.groups.len(), 2);
    }

    fn arb_series() -> impl Strategy<Value = Vec<UnitSeries>> {
        proptest::collection::vec((0u8..2, proptest::collection::vec(0i32..100, 1..6)), 0..14)
            .prop_map(|units| {
                units
                    .into_iter()
                    .enumerate()
                    .map(|(i, (band, vals))| UnitSeries {
                        unit: i as i64,
                        group: PeerGroup {
                            kind: OrgKind::Cell,
                            band: band as u32,
                        },
                        points: vals
                            .into_iter()
                            .enumerate()
                            .map(|(p, v)| (p as i32, v as f64))
                            .collect(),
                    })
                    .collect()
            })
    }

    fn ids(a: &Assessment) -> Vec<i64> {
        let mut v: Vec<i64> = a.candidates.iter().map(|c| c.unit).collect();
        v.sort();
        v
    }

    proptest! {
        /// Moving or scaling every value (exactly: integers, powers of two) changes no
        /// candidate: the comparison is relative to the peers.
        #[test]
        fn invariant_under_shift_and_scale(s in arb_series(), shift in -50i32..50, pow in 0u32..3) {
            let settings = Settings { min_peers: 3, min_periods: 1, sustained: 1, z: 2.0 };
            let base = assess(&s, Direction::Increase, settings);
            let k = (1u32 << pow) as f64;
            let moved: Vec<UnitSeries> = s.iter().map(|u| UnitSeries {
                points: u.points.iter().map(|(p, v)| (*p, v * k + shift as f64)).collect(),
                ..u.clone()
            }).collect();
            prop_assert_eq!(ids(&base), ids(&assess(&moved, Direction::Increase, settings)));
        }

        /// The order of the input does not matter.
        #[test]
        fn invariant_under_order(s in arb_series()) {
            let settings = Settings { min_peers: 3, min_periods: 1, sustained: 1, z: 2.0 };
            let mut r = s.clone();
            r.reverse();
            prop_assert_eq!(ids(&assess(&s, Direction::Increase, settings)),
                            ids(&assess(&r, Direction::Increase, settings)));
        }

        /// Every candidate: scored in enough periods, each above at the threshold, within a
        /// group of enough peers, strictly above its group's median.
        #[test]
        fn candidates_are_justified(s in arb_series(), min_peers in 3usize..6, sustained in 1usize..3) {
            let settings = Settings { min_peers, min_periods: sustained, sustained, z: 2.0 };
            let a = assess(&s, Direction::Increase, settings);
            for c in &a.candidates {
                prop_assert!(c.run >= sustained);
                prop_assert!(c.evidence.iter().filter(|e| e.z.is_some()).count() >= sustained);
                for e in c.evidence.iter().filter(|e| e.above) {
                    prop_assert!(e.peers >= min_peers);
                    prop_assert!(e.value > e.median);
                    prop_assert!(e.z.unwrap() >= 2.0);
                }
            }
        }
    }
}
