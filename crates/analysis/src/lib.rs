//! Pure Vietnamese text analysis for plan quality: normalization, boilerplate, copy
//! detection, near-duplicates, task specificity and the quality score.
//!
//! No I/O, no async: the caller reads files and passes text in.
//!
//! # Entry points
//!
//! - [`check_plan`]: a lower plan against its upper plan and its siblings' plans; returns a
//!   [`PlanReport`] (verdict, copied fraction, aligned passages, reasons in vi/en).
//! - [`check_plan_prepared`]: the same with texts prepared once ([`Prepared`]), for servers
//!   and batch jobs that compare one text with many.
//! - [`check_tasks`]: the "5 rõ" findings of each task ([`TaskReport`]).
//! - [`score_program`]: the 0–100 quality score with its breakdown ([`QualityScore`]).
//! - [`lsh::near_duplicate_groups`]: near-duplicate groups among many programs (MinHash LSH).
//!
//! # Architecture invariant
//!
//! Everything here is a function of its inputs: the same texts and gazetteer give the same
//! report, and fingerprints are stable across runs and platforms (they may be stored).
//!
//! ```
//! use analysis::{Gazetteer, Verdict, check_plan};
//! let gaz = Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam"]);
//! let upper = "Tỉnh ủy Bắc Giang yêu cầu các cấp ủy tổ chức quán triệt sâu rộng nghị quyết \
//!     đến từng chi bộ, từng đảng viên, gắn với việc đánh giá chất lượng tổ chức cơ sở đảng \
//!     và đảng viên hằng năm, bảo đảm thực chất, không hình thức, không chạy theo thành tích.";
//! let lower = upper.replace("Tỉnh ủy Bắc Giang", "Huyện ủy Lục Nam");
//! let report = check_plan(upper, &lower, &[], &gaz);
//! assert_eq!(report.verdict, Verdict::Copied);
//! assert!(report.copied_fraction > 0.99);
//! ```

pub mod boilerplate;
pub mod copy;
pub mod lsh;
pub mod normalize;
pub mod score;
pub mod tasks;

use serde::Serialize;

pub use boilerplate::Gazetteer;
pub use copy::{Passage, Prepared, Thresholds, Verdict};
pub use score::{QualityScore, score_program};
pub use tasks::{Finding, FindingCode, TaskInput, TaskReport, check_tasks};

/// The result of checking a lower plan against its upper plan and its siblings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanReport {
    /// `copied`, `adapted` or `original`, against the upper plan.
    pub verdict: Verdict,
    /// Share (0 to 1) of the lower plan's own content syllables found in the upper plan.
    pub copied_fraction: f64,
    /// Content syllables of the lower plan found in the upper plan.
    pub matched_syllables: usize,
    /// Content syllables of the lower plan (boilerplate left out, each name counted once).
    pub content_syllables: usize,
    /// Syllables of the lower plan left out as boilerplate (headings, citations, dates,
    /// signature block).
    pub boilerplate_syllables: usize,
    /// Passages of the lower plan found in the upper plan, in the order of the lower plan.
    pub passages: Vec<Passage>,
    /// Why, in Vietnamese.
    pub reason_vi: String,
    /// Why, in English.
    pub reason_en: String,
    /// One result per sibling, in the order given.
    pub siblings: Vec<SiblingReport>,
    /// The parameters used.
    pub params: Params,
}

/// The lower plan compared with one sibling's plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiblingReport {
    /// The sibling's name, as given.
    pub name: String,
    /// Containment estimate from winnowed fingerprints (0 to 1), computed for every sibling.
    pub containment: f64,
    /// Exact share of the lower plan's content found in the sibling's plan; equal to the
    /// estimate when the sibling was not aligned (estimate below the screen threshold).
    pub copied_fraction: f64,
    /// Whether the sibling was aligned exactly (passages are only given then).
    pub aligned: bool,
    /// Verdict with the same thresholds as against the upper plan.
    pub verdict: Verdict,
    /// Passages found in the sibling's plan (only when aligned).
    pub passages: Vec<Passage>,
}

/// Parameters of a check, reported for reproducibility.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Params {
    /// Syllables per k-gram.
    pub k: usize,
    /// Winnowing window.
    pub w: usize,
    /// Verdict thresholds.
    pub thresholds: Thresholds,
}

/// Checks `lower` against `upper` and each `(name, text)` sibling with the default
/// thresholds.
///
/// This is what `resolute check-plan --upper UPPER.txt LOWER.txt [--siblings DIR]` calls:
/// read the files, build the [`Gazetteer`] from the organization tree or a names file, call
/// this, print [`PlanReport::verdict`], [`PlanReport::copied_fraction`] and the passages, or
/// `serde_json::to_string(&report)` for `--json`.
pub fn check_plan(
    upper: &str,
    lower: &str,
    siblings: &[(&str, &str)],
    gaz: &Gazetteer,
) -> PlanReport {
    let upper = Prepared::new(upper, gaz);
    let lower = Prepared::new(lower, gaz);
    let sibs: Vec<(&str, Prepared<'_>)> = siblings
        .iter()
        .map(|(name, text)| (*name, Prepared::new(text, gaz)))
        .collect();
    let refs: Vec<(&str, &Prepared<'_>)> = sibs.iter().map(|(n, p)| (*n, p)).collect();
    check_plan_prepared(&upper, &lower, &refs, &Thresholds::default())
}

fn pct(x: f64) -> u32 {
    (x * 100.0).round() as u32
}

/// Checks prepared texts; see [`check_plan`]. Prepare the upper plan and the siblings once
/// with [`Prepared::new`] (the same gazetteer for all) and reuse them for every lower plan.
pub fn check_plan_prepared(
    upper: &Prepared<'_>,
    lower: &Prepared<'_>,
    siblings: &[(&str, &Prepared<'_>)],
    thresholds: &Thresholds,
) -> PlanReport {
    let al = copy::align(lower, upper);
    let fraction = al.fraction();
    let verdict = thresholds.verdict(fraction, al.total);
    let boilerplate_syllables = lower
        .analyzed
        .kinds
        .iter()
        .filter(|k| !matches!(k, boilerplate::Kind::Content | boilerplate::Kind::Name))
        .count();

    let sibling_reports: Vec<SiblingReport> = siblings
        .iter()
        .map(|(name, sib)| {
            let est = copy::containment(&lower.fingerprints, &sib.fingerprints);
            if est >= thresholds.sibling_screen {
                let a = copy::align(lower, sib);
                let f = a.fraction();
                SiblingReport {
                    name: name.to_string(),
                    containment: est,
                    copied_fraction: f,
                    aligned: true,
                    verdict: thresholds.verdict(f, a.total),
                    passages: a.passages,
                }
            } else {
                SiblingReport {
                    name: name.to_string(),
                    containment: est,
                    copied_fraction: est,
                    aligned: false,
                    verdict: Verdict::Original,
                    passages: Vec::new(),
                }
            }
        })
        .collect();

    let (m, t, p, f) = (al.matched, al.total, al.passages.len(), pct(fraction));
    let leftout_vi =
        "không tính tiêu đề, trích dẫn, ngày tháng, chữ ký; tên địa danh, tổ chức tính là một";
    let leftout_en = "leaving out headings, citations, dates and signatures; each place or organization name counts once";
    let (mut reason_vi, mut reason_en) = if t < thresholds.min_syllables {
        (
            format!(
                "Chưa đủ nội dung riêng để đánh giá sao chép: {t} âm tiết ({leftout_vi}), cần ít nhất {}.",
                thresholds.min_syllables
            ),
            format!(
                "Too little own content to judge copying: {t} syllables ({leftout_en}); at least {} are needed.",
                thresholds.min_syllables
            ),
        )
    } else {
        match verdict {
            Verdict::Copied => (
                format!(
                    "Sao chép: {f}% nội dung riêng của kế hoạch ({m}/{t} âm tiết, {leftout_vi}) trùng nguyên văn với chương trình cấp trên, trong {p} đoạn; mức kết luận sao chép là từ {}%.",
                    pct(thresholds.copied)
                ),
                format!(
                    "Copied: {f}% of the plan's own content ({m} of {t} syllables, {leftout_en}) is found word for word in the upper program, in {p} passages; the threshold for copied is {}%.",
                    pct(thresholds.copied)
                ),
            ),
            Verdict::Adapted => (
                format!(
                    "Có vận dụng: {f}% nội dung riêng ({m}/{t} âm tiết) trùng với chương trình cấp trên, trong {p} đoạn; {}% còn lại là nội dung của đơn vị.",
                    100 - f.min(100)
                ),
                format!(
                    "Adapted: {f}% of the own content ({m} of {t} syllables) is found in the upper program, in {p} passages; the other {}% is the unit's own.",
                    100 - f.min(100)
                ),
            ),
            Verdict::Original => (
                format!(
                    "Độc lập: chỉ {f}% nội dung riêng ({m}/{t} âm tiết) trùng với chương trình cấp trên."
                ),
                format!(
                    "Original: only {f}% of the own content ({m} of {t} syllables) is found in the upper program."
                ),
            ),
        }
    };
    if let Some(s) = sibling_reports
        .iter()
        .filter(|s| s.verdict != Verdict::Original)
        .max_by(|a, b| a.copied_fraction.total_cmp(&b.copied_fraction))
    {
        let sf = pct(s.copied_fraction);
        reason_vi.push_str(&format!(
            " Ngoài ra, {sf}% nội dung riêng trùng với kế hoạch của đơn vị cùng cấp “{}”.",
            s.name
        ));
        reason_en.push_str(&format!(
            " Also, {sf}% of the own content is found in the plan of the sibling unit “{}”.",
            s.name
        ));
    }

    PlanReport {
        verdict,
        copied_fraction: fraction,
        matched_syllables: al.matched,
        content_syllables: al.total,
        boilerplate_syllables,
        passages: al.passages,
        reason_vi,
        reason_en,
        siblings: sibling_reports,
        params: Params {
            k: copy::K,
            w: copy::W,
            thresholds: *thresholds,
        },
    }
}
