//! Copy detection: syllable k-gram fingerprints, winnowing, containment and aligned passages.
//!
//! Parameters (see [`K`] and [`W`]): k-grams of 7 syllables, winnowing window of 5 k-grams.
//! Seven Vietnamese syllables are about three words: long enough that everyday phrases of
//! the topic ("nâng cao năng lực lãnh đạo") rarely make a whole k-gram on their own, short
//! enough that a lightly edited sentence still shares several. With w = 5 every shared run
//! of at least w + k − 1 = 11 syllables is guaranteed to share a winnowed fingerprint.
//!
//! Two measures:
//!
//! - **coverage** (exact): the share of the lower text's content syllables that lie in a
//!   k-gram also found in the other text. It is computed by aligning the texts into maximal
//!   common runs, which are also the passages shown side by side, so what is highlighted is
//!   exactly what is counted. Used against the upper plan and against any sibling the screen
//!   flags.
//! - **containment** (estimate, cheap): `|W(lower) ∩ W(other)| / |W(lower)|` over winnowed
//!   fingerprints. Used to screen many siblings without aligning each.
//!
//! Boilerplate (headings, citations, dates, signatures) is left out before fingerprinting and
//! names are one placeholder, see [`crate::boilerplate`]. Reordered paragraphs are found
//! because k-grams are matched wherever they are; tone-mark conventions are one after
//! [`crate::normalize`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::boilerplate::{Analyzed, ContentToken, Gazetteer, analyze};

use crate::normalize::FastBuild;

/// Syllables per k-gram.
pub const K: usize = 7;
/// Winnowing window, in k-grams.
pub const W: usize = 5;

/// Combines two 64-bit values (a step of a fast, well-mixing hash).
#[inline]
pub(crate) fn mix(mut x: u64) -> u64 {
    // splitmix64 finalizer.
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Hashes of every k-gram of the content sequence (empty when shorter than `K`).
pub fn kgram_hashes(content: &[ContentToken]) -> Vec<u64> {
    if content.len() < K {
        return Vec::new();
    }
    (0..=content.len() - K)
        .map(|i| {
            content[i..i + K]
                .iter()
                .fold(0x243f_6a88_85a3_08d3u64, |h, t| mix(h ^ t.hash))
        })
        .collect()
}

/// Winnowing (Schleimer, Wilkerson, Aiken 2003): in each window of `W` consecutive k-gram
/// hashes, keep the minimum (the rightmost on ties); return the distinct kept hashes, sorted.
pub fn winnow(hashes: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(hashes.len() * 2 / (W + 1) + 1);
    if hashes.is_empty() {
        return out;
    }
    if hashes.len() <= W {
        out.push(*hashes.iter().min().unwrap_or(&0));
        return out;
    }
    // Only the kept values matter (they are returned as a set), so which of two equal
    // minima is "the rightmost" does not change the result: the minimum of each window is
    // taken without branches, and a window that keeps the previous window's value adds
    // nothing.
    let mut last = None;
    for win in hashes.windows(W) {
        let m = win.iter().copied().fold(u64::MAX, u64::min);
        if last != Some(m) {
            out.push(m);
            last = Some(m);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// A text prepared for comparison: analyzed once, compared many times.
#[derive(Debug, Clone)]
pub struct Prepared<'t> {
    /// The original text (byte ranges point into it).
    pub text: &'t str,
    /// Tokens, kinds and the content sequence.
    pub analyzed: Analyzed,
    /// Hash of every k-gram of the content sequence, by position.
    pub kgrams: Vec<u64>,
    /// Winnowed fingerprints, sorted and distinct (what a store would keep per program).
    pub fingerprints: Vec<u64>,
}

impl<'t> Prepared<'t> {
    /// Analyzes and fingerprints `text`.
    pub fn new(text: &'t str, gaz: &Gazetteer) -> Self {
        let analyzed = analyze(text, gaz);
        let kgrams = kgram_hashes(&analyzed.content);
        let fingerprints = winnow(&kgrams);
        Prepared {
            text,
            analyzed,
            kgrams,
            fingerprints,
        }
    }

    /// Number of content syllables (names count as one).
    pub fn content_len(&self) -> usize {
        self.analyzed.content.len()
    }
}

/// Containment estimate `|a ∩ b| / |a|` of two sorted, distinct fingerprint lists.
pub fn containment(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / a.len() as f64
}

/// One passage of the lower text found in the other text, for the side-by-side view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// Byte range `[start, end)` in the lower text.
    pub lower: (usize, usize),
    /// Byte range `[start, end)` in the other (upper or sibling) text.
    pub upper: (usize, usize),
    /// Content syllables of the lower text that match inside this passage.
    pub syllables: usize,
    /// The passage as written in the lower text.
    pub lower_text: String,
    /// The passage as written in the other text.
    pub upper_text: String,
}

/// The result of aligning a lower text against another text.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Content syllables of the lower text covered by a common k-gram.
    pub matched: usize,
    /// Content syllables of the lower text, less the repetitions of a passage it repeats
    /// word for word (see [`align`]).
    pub total: usize,
    /// Maximal common passages, in the order of the lower text.
    pub passages: Vec<Passage>,
}

impl Alignment {
    /// `matched / total`, 0 for an empty text.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.matched as f64 / self.total as f64
        }
    }
}

/// A common run: lower content positions `[i, i + li)` match other positions `[j, j + oj)`,
/// exactly or through mangled syllables (see [`recover`]).
#[derive(Debug, Clone, Copy)]
struct Run {
    i: usize,
    j: usize,
    li: usize,
    oj: usize,
}

/// Runs whose ends are this close in both texts (in content syllables, same order) are
/// shown as one passage: a changed word in the middle of a copied paragraph does not split it.
const MERGE_GAP: usize = 3;

/// After a mangled syllable, this many syllables must match exactly for the run to go on.
const RESUME: usize = 2;

/// The letters of a syllable without diacritics, `đ` read as `d`, lower case (at most 16
/// bytes; longer words are cut, which only makes them compare less alike).
fn skeleton(raw: &str, out: &mut Vec<u8>) {
    for c in raw.chars() {
        let base = match c {
            'đ' | 'Đ' => 'd',
            _ => {
                let mut b = c;
                unicode_normalization::char::decompose_canonical(c, |d| {
                    if !unicode_normalization::char::is_combining_mark(d) && b == c {
                        b = d;
                    }
                });
                b
            }
        };
        for l in base.to_lowercase() {
            if l.is_ascii_alphanumeric() && out.len() < 16 {
                out.push(l as u8);
            }
        }
    }
}

/// Whether two skeletons differ by at most one inserted, deleted or replaced letter.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    let (s, l) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if l.len() - s.len() > 1 {
        return false;
    }
    let p = s.iter().zip(l).take_while(|(x, y)| x == y).count();
    if s.len() == l.len() {
        s[p + 1.min(s.len() - p)..] == l[p + 1.min(l.len() - p)..]
    } else {
        s[p..] == l[p + 1..]
    }
}

/// The texts of a content token range, or `None` if it holds a name placeholder or a number
/// (a changed number or name is a real difference, not a conversion error).
fn raw_of<'a>(p: &'a Prepared<'_>, from: usize, to: usize) -> Option<Vec<&'a str>> {
    let c = &p.analyzed.content;
    if to > c.len() {
        return None;
    }
    c[from..to]
        .iter()
        .map(|t| {
            let r = &p.text[t.start..t.end];
            (t.hash != crate::boilerplate::PLACEHOLDER_HASH
                && !r.bytes().any(|b| b.is_ascii_digit()))
            .then_some(r)
        })
        .collect()
}

/// Whether lower syllables `[a, a + da)` are a mangled form of other syllables `[b, b + db)`:
/// the same letters but for one, once diacritics are taken off (`phát trin` for
/// `phát triển`, `cơng` for `công`, `hồn` for `hoàn`, `m ại` for `mại`).
fn mangled(
    lower: &Prepared<'_>,
    a: usize,
    da: usize,
    other: &Prepared<'_>,
    b: usize,
    db: usize,
) -> bool {
    let (Some(l), Some(o)) = (raw_of(lower, a, a + da), raw_of(other, b, b + db)) else {
        return false;
    };
    let (mut x, mut y) = (Vec::with_capacity(16), Vec::with_capacity(16));
    l.iter().for_each(|r| skeleton(r, &mut x));
    o.iter().for_each(|r| skeleton(r, &mut y));
    !x.is_empty() && !y.is_empty() && within_one_edit(&x, &y)
}

/// Whether lower `[a, a + n)` equals other `[b, b + n)` exactly, `n` = [`RESUME`] or what is
/// left of the shorter text (at least one syllable).
fn resumes(lc: &[ContentToken], a: usize, oc: &[ContentToken], b: usize) -> bool {
    let n = RESUME
        .min(lc.len().saturating_sub(a))
        .min(oc.len().saturating_sub(b));
    n > 0 && (0..n).all(|k| lc[a + k].hash == oc[b + k].hash)
}

/// At a mismatch (lower `a`, other `b`) inside a run: how many syllables to step over on
/// each side when the lower text has a mangled copy of the other's syllable(s) and the run
/// goes on exactly after it.
fn recover(
    lower: &Prepared<'_>,
    a: usize,
    other: &Prepared<'_>,
    b: usize,
) -> Option<(usize, usize)> {
    let (lc, oc) = (&lower.analyzed.content, &other.analyzed.content);
    [(1, 1), (2, 1), (1, 2)].into_iter().find(|&(da, db)| {
        a + da <= lc.len()
            && b + db <= oc.len()
            && resumes(lc, a + da, oc, b + db)
            && mangled(lower, a, da, other, b, db)
    })
}

/// The same as [`recover`], going backwards: the mismatch is lower `a - 1`, other `b - 1`,
/// and what precedes must match exactly.
fn recover_back(
    lower: &Prepared<'_>,
    a: usize,
    other: &Prepared<'_>,
    b: usize,
    floor: usize,
) -> Option<(usize, usize)> {
    let (lc, oc) = (&lower.analyzed.content, &other.analyzed.content);
    [(1, 1), (2, 1), (1, 2)].into_iter().find(|&(da, db)| {
        a >= da + floor + RESUME
            && b >= db + RESUME
            && (1..=RESUME).all(|k| lc[a - da - k].hash == oc[b - db - k].hash)
            && mangled(lower, a - da, da, other, b - db, db)
    })
}

/// Extends a run forward from lower `a`, other `b`: exact syllables, and mangled ones when
/// the run goes on after them. Returns the ends.
fn extend(
    lower: &Prepared<'_>,
    mut a: usize,
    other: &Prepared<'_>,
    mut b: usize,
) -> (usize, usize) {
    let (lc, oc) = (&lower.analyzed.content, &other.analyzed.content);
    loop {
        while a < lc.len() && b < oc.len() && lc[a].hash == oc[b].hash {
            a += 1;
            b += 1;
        }
        if a >= lc.len() || b >= oc.len() {
            return (a, b);
        }
        match recover(lower, a, other, b) {
            Some((da, db)) => {
                a += da;
                b += db;
            }
            None => return (a, b),
        }
    }
}

/// Extends a run backward from lower `a`, other `b` (exclusive starts), not below `floor`
/// in the lower text. Returns the new starts.
fn extend_back(
    lower: &Prepared<'_>,
    mut a: usize,
    other: &Prepared<'_>,
    mut b: usize,
    floor: usize,
) -> (usize, usize) {
    let (lc, oc) = (&lower.analyzed.content, &other.analyzed.content);
    loop {
        while a > floor && b > 0 && lc[a - 1].hash == oc[b - 1].hash {
            a -= 1;
            b -= 1;
        }
        if a <= floor || b == 0 {
            return (a, b);
        }
        match recover_back(lower, a, other, b, floor) {
            Some((da, db)) => {
                a -= da;
                b -= db;
            }
            None => return (a, b),
        }
    }
}

/// Aligns `lower` against `other`: greedy longest common runs seeded by a common k-gram
/// (at least `K` equal syllables), anywhere in `other` (so reordered paragraphs are found),
/// extended both ways through syllables mangled in conversion, merged into passages.
pub fn align(lower: &Prepared<'_>, other: &Prepared<'_>) -> Alignment {
    let lc = &lower.analyzed.content;
    let oc = &other.analyzed.content;
    let mut index: HashMap<u64, Vec<u32>, FastBuild> =
        HashMap::with_capacity_and_hasher(other.kgrams.len(), FastBuild::default());
    for (j, &h) in other.kgrams.iter().enumerate() {
        index.entry(h).or_default().push(j as u32);
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut i = 0;
    while i < lower.kgrams.len() {
        let Some(cands) = index.get(&lower.kgrams[i]) else {
            i += 1;
            continue;
        };
        let prev_diag = runs
            .last()
            .map(|r| (r.j + r.oj) as isize - (r.i + r.li) as isize);
        let mut best: Option<Run> = None;
        for &j in cands.iter().take(32) {
            let j = j as usize;
            if (0..K).any(|k| lc[i + k].hash != oc[j + k].hash) {
                continue; // A hash collision.
            }
            let (a, b) = extend(lower, i + K, other, j + K);
            let (li, oj) = (a - i, b - j);
            let on_diag = prev_diag == Some(j as isize - i as isize);
            let better = match best {
                None => true,
                Some(r) => li > r.li || (li == r.li && on_diag),
            };
            if better {
                best = Some(Run { i, j, li, oj });
            }
        }
        match best {
            Some(r) => {
                let floor = runs.last().map_or(0, |p| p.i + p.li);
                let (s, t) = extend_back(lower, r.i, other, r.j, floor);
                let r = Run {
                    i: s,
                    j: t,
                    li: r.li + (r.i - s),
                    oj: r.oj + (r.j - t),
                };
                runs.push(r);
                i = r.i + r.li;
            }
            None => i += 1,
        }
    }
    // A passage the lower text repeats word for word (the name of the directive or the
    // campaign, written out again and again) is counted once: its repetitions are left out
    // of both the matched and the total syllables, so a plan is not "copied" for naming
    // its subject often.
    let mut seen: std::collections::HashSet<u64, FastBuild> = Default::default();
    let mut matched = 0;
    let mut repeated = 0;
    for r in &runs {
        let key = lc[r.i..r.i + r.li]
            .iter()
            .fold(r.li as u64, |h, t| mix(h ^ t.hash));
        if seen.insert(key) {
            matched += r.li;
        } else {
            repeated += r.li;
        }
    }
    // Merge runs that continue each other in both texts.
    // (lower start, lower end, other start, other end, matched syllables), ends exclusive.
    let mut merged: Vec<(usize, usize, usize, usize, usize)> = Vec::new();
    for r in runs {
        if let Some(m) = merged.last_mut()
            && r.i >= m.1
            && r.i - m.1 <= MERGE_GAP
            && r.j >= m.3
            && r.j - m.3 <= MERGE_GAP
        {
            m.1 = r.i + r.li;
            m.3 = r.j + r.oj;
            m.4 += r.li;
            continue;
        }
        merged.push((r.i, r.i + r.li, r.j, r.j + r.oj, r.li));
    }
    let passages = merged
        .into_iter()
        .map(|(i0, i1, j0, j1, count)| {
            let (ls, le) = (lc[i0].start, lc[i1 - 1].end);
            let (us, ue) = (oc[j0].start, oc[j1 - 1].end);
            Passage {
                lower: (ls, le),
                upper: (us, ue),
                syllables: count,
                lower_text: lower.text[ls..le].to_string(),
                upper_text: other.text[us..ue].to_string(),
            }
        })
        .collect();
    Alignment {
        matched,
        total: lc.len() - repeated,
        passages,
    }
}

/// What a lower plan is, compared with the plan it should concretize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Little or nothing of the lower plan's own content comes from the other plan.
    Original,
    /// Real overlap, but a substantial part is the unit's own.
    Adapted,
    /// Most of the lower plan's own content is found in the other plan.
    Copied,
}

impl Verdict {
    /// The lowercase name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Original => "original",
            Verdict::Adapted => "adapted",
            Verdict::Copied => "copied",
        }
    }
}

/// Thresholds of the verdict. The defaults are calibrated on `corpus/` (see docs/ANALYSIS.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    /// Coverage from which a plan is `copied`.
    pub copied: f64,
    /// Coverage from which a plan is `adapted`.
    pub adapted: f64,
    /// Below this many content syllables, no verdict other than `original` is given: there
    /// is too little own text to judge.
    pub min_syllables: usize,
    /// Sibling containment estimate from which a sibling is aligned exactly.
    pub sibling_screen: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            copied: 0.55,
            adapted: 0.25,
            min_syllables: 40,
            sibling_screen: 0.15,
        }
    }
}

impl Thresholds {
    /// The verdict for a coverage over `total` content syllables.
    pub fn verdict(&self, fraction: f64, total: usize) -> Verdict {
        if total < self.min_syllables {
            Verdict::Original
        } else if fraction >= self.copied {
            Verdict::Copied
        } else if fraction >= self.adapted {
            Verdict::Adapted
        } else {
            Verdict::Original
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(text: &str) -> Prepared<'_> {
        Prepared::new(text, &Gazetteer::new())
    }

    /// Winnowing as first written: the rightmost minimum of each window, by position.
    fn winnow_by_position(hashes: &[u64]) -> Vec<u64> {
        let mut out = Vec::new();
        if hashes.is_empty() {
            return out;
        }
        if hashes.len() <= W {
            out.push(*hashes.iter().min().unwrap_or(&0));
            return out;
        }
        let mut last_pos = usize::MAX;
        for start in 0..=hashes.len() - W {
            let mut best = start;
            for j in start..start + W {
                if hashes[j] <= hashes[best] {
                    best = j;
                }
            }
            if best != last_pos {
                out.push(hashes[best]);
                last_pos = best;
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn winnowing_agrees_with_the_positional_definition() {
        let mut x = 1u64;
        for len in 0..200 {
            // Small values, so that equal minima (ties) are common.
            let hashes: Vec<u64> = (0..len)
                .map(|_| {
                    x = mix(x);
                    x % 13
                })
                .collect();
            assert_eq!(winnow(&hashes), winnow_by_position(&hashes), "{hashes:?}");
            let wide: Vec<u64> = hashes.iter().map(|&h| mix(h + len)).collect();
            assert_eq!(winnow(&wide), winnow_by_position(&wide));
        }
    }

    #[test]
    fn winnowing_keeps_a_minimum_per_window() {
        let hashes: Vec<u64> = vec![77, 74, 42, 17, 98, 50, 17, 98, 8, 88, 67, 39, 77, 74, 42];
        // Classic example shape: every window of 5 contributes its minimum.
        let w = winnow(&hashes);
        for win in hashes.windows(W) {
            assert!(w.contains(win.iter().min().unwrap()));
        }
        assert!(w.windows(2).all(|p| p[0] < p[1]));
    }

    #[test]
    fn reordered_paragraphs_are_found() {
        let p1 = "Tổ chức quán triệt sâu rộng nghị quyết đến toàn thể cán bộ đảng viên và quần chúng nhân dân.";
        let p2 = "Kiện toàn đội ngũ báo cáo viên, tuyên truyền viên có trình độ chuyên môn và kinh nghiệm thực tiễn.";
        let upper = format!("{p1}\n{p2}");
        let lower = format!("{p2}\n{p1}");
        let a = align(&prep(&lower), &prep(&upper));
        assert_eq!(a.matched, a.total);
        assert_eq!(a.passages.len(), 2);
        assert_eq!(a.passages[0].lower_text, &p2[..p2.len() - 1]);
    }

    #[test]
    fn passages_point_at_both_texts() {
        let upper =
            "Mở đầu khác hẳn. Kiện toàn đội ngũ báo cáo viên cấp cơ sở bảo đảm đủ số lượng.";
        let lower = "Nội dung riêng. Kiện toàn đội ngũ báo cáo viên cấp cơ sở bảo đảm đủ số lượng.";
        let a = align(&prep(lower), &prep(upper));
        assert_eq!(a.passages.len(), 1);
        let p = &a.passages[0];
        assert_eq!(&lower[p.lower.0..p.lower.1], p.lower_text);
        assert_eq!(&upper[p.upper.0..p.upper.1], p.upper_text);
        assert!(p.upper_text.starts_with("Kiện toàn"));
        assert!(p.upper_text.ends_with("số lượng"));
    }

    #[test]
    fn verdict_thresholds() {
        let t = Thresholds::default();
        assert_eq!(t.verdict(0.9, 10), Verdict::Original);
        assert_eq!(t.verdict(0.9, 100), Verdict::Copied);
        assert_eq!(t.verdict(0.3, 100), Verdict::Adapted);
        assert_eq!(t.verdict(0.1, 100), Verdict::Original);
    }
}
