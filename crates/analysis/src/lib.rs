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
//! - [`check_plan_with_previous`] / [`check_plan_full`]: the same with the unit's own plan
//!   of the previous period; [`PlanReport::overall`] is the most severe comparison.
//! - [`check_report`] / [`check_report_prepared`]: formalism signals of a report against
//!   its previous period, its siblings and its upper text ([`FormalismReport`]).
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
pub mod claims;
pub mod copy;
pub mod lsh;
pub mod normalize;
pub mod score;
pub mod tasks;

use serde::Serialize;

pub use boilerplate::Gazetteer;
pub use copy::{Passage, Prepared, Thresholds, Verdict};
pub use score::{Band, QualityScore, score_program, task_credit};
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
    /// The plan compared with the unit's own plan of the previous period, when given.
    pub previous: Option<Comparison>,
    /// The overall verdict: the most severe of the comparisons (upper plan, previous
    /// period, siblings), and which one it comes from. This is what pages, the API and
    /// `resolute check-plan --json` show as the plan's verdict; `verdict` above is the
    /// comparison with the upper plan alone.
    pub overall: Overall,
    /// The parameters used.
    pub params: Params,
}

/// Which text a plan or a report was compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The plan (or directive) of the level above.
    Upper,
    /// The unit's own plan or report of the previous period.
    Previous,
    /// The plan or report of a unit with the same parent.
    Sibling,
}

impl Source {
    /// The lowercase name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Upper => "upper",
            Source::Previous => "previous",
            Source::Sibling => "sibling",
        }
    }
}

/// Whether the text checked is a plan (program) or a report: only the wording differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    /// A plan or program implementing a directive.
    Plan,
    /// A report (báo cáo sơ kết, tổng kết, định kỳ).
    Report,
}

/// One text compared with another: the upper plan, the previous period's, or a sibling's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// What the other text is.
    pub source: Source,
    /// The other text's name as given (the sibling unit, "kỳ trước"…); empty for the upper plan.
    pub name: String,
    /// Verdict with the common thresholds.
    pub verdict: Verdict,
    /// Exact share of the checked text's content found in the other text (the containment
    /// estimate when the other text was screened out and not aligned).
    pub copied_fraction: f64,
    /// Content syllables of the checked text found in the other text.
    pub matched_syllables: usize,
    /// Content syllables of the checked text.
    pub content_syllables: usize,
    /// Containment estimate from winnowed fingerprints (0 to 1).
    pub containment: f64,
    /// Whether the texts were aligned exactly (passages are only given then).
    pub aligned: bool,
    /// Passages found in both, side by side, in the order of the checked text.
    pub passages: Vec<Passage>,
}

/// The most severe of a set of comparisons, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overall {
    /// `copied`, `adapted` or `original`.
    pub verdict: Verdict,
    /// Which comparison gave it (`None` when nothing was compared).
    pub source: Option<Source>,
    /// The other text's name for a sibling or the previous period; empty otherwise.
    pub name: String,
    /// The copied fraction of that comparison.
    pub copied_fraction: f64,
    /// Why, in Vietnamese.
    pub reason_vi: String,
    /// Why, in English.
    pub reason_en: String,
}

/// Formalism signals of a report (or any text) compared with its previous period, its
/// siblings and its upper text: what the reviews use to spot a report copied rather than
/// written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormalismReport {
    /// The most severe comparison, and which one it is.
    pub overall: Overall,
    /// Every comparison, in the order: upper, previous, siblings as given.
    pub comparisons: Vec<Comparison>,
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

/// [`check_plan`] with the unit's own plan of the previous period as well (`None` when
/// there is none): the overall verdict is then the most severe of the upper plan, the
/// previous period and the siblings.
pub fn check_plan_with_previous(
    upper: &str,
    lower: &str,
    previous: Option<&str>,
    siblings: &[(&str, &str)],
    gaz: &Gazetteer,
) -> PlanReport {
    let upper = Prepared::new(upper, gaz);
    let lower = Prepared::new(lower, gaz);
    let previous = previous.map(|t| Prepared::new(t, gaz));
    let sibs: Vec<(&str, Prepared<'_>)> = siblings
        .iter()
        .map(|(name, text)| (*name, Prepared::new(text, gaz)))
        .collect();
    let refs: Vec<(&str, &Prepared<'_>)> = sibs.iter().map(|(n, p)| (*n, p)).collect();
    check_plan_full(
        &upper,
        &lower,
        previous.as_ref(),
        &refs,
        &Thresholds::default(),
    )
}

/// Compares `text` with `other`: aligned exactly when `screen` is off or the containment
/// estimate passes the sibling screen.
pub fn compare(
    text: &Prepared<'_>,
    source: Source,
    name: &str,
    other: &Prepared<'_>,
    thresholds: &Thresholds,
) -> Comparison {
    let est = copy::containment(&text.fingerprints, &other.fingerprints);
    if source == Source::Sibling && est < thresholds.sibling_screen {
        return Comparison {
            source,
            name: name.to_string(),
            verdict: Verdict::Original,
            copied_fraction: est,
            matched_syllables: 0,
            content_syllables: text.content_len(),
            containment: est,
            aligned: false,
            passages: Vec::new(),
        };
    }
    let a = copy::align(text, other);
    let f = a.fraction();
    Comparison {
        source,
        name: name.to_string(),
        verdict: thresholds.verdict(f, a.total),
        copied_fraction: f,
        matched_syllables: a.matched,
        content_syllables: a.total,
        containment: est,
        aligned: true,
        passages: a.passages,
    }
}

/// The most severe of `comparisons` (the highest verdict, then the highest copied
/// fraction; on a tie the first given), with its reason for a plan or a report.
pub fn most_severe(comparisons: &[Comparison], kind: DocKind) -> Overall {
    let worst = comparisons
        .iter()
        .fold(None::<&Comparison>, |best, c| match best {
            Some(b) if (b.verdict, b.copied_fraction) >= (c.verdict, c.copied_fraction) => Some(b),
            _ => Some(c),
        });
    let (doc_vi, doc_en) = match kind {
        DocKind::Plan => ("kế hoạch", "plan"),
        DocKind::Report => ("báo cáo", "report"),
    };
    let Some(w) = worst else {
        return Overall {
            verdict: Verdict::Original,
            source: None,
            name: String::new(),
            copied_fraction: 0.0,
            reason_vi: format!("Chưa có văn bản nào để so sánh với {doc_vi} này."),
            reason_en: format!("There is no text to compare this {doc_en} with."),
        };
    };
    let (with_vi, with_en) = match w.source {
        Source::Upper => (
            "văn bản của cấp trên".to_string(),
            "the upper level's text".to_string(),
        ),
        Source::Previous => (
            format!("{doc_vi} kỳ trước của chính đơn vị"),
            format!("the unit's own {doc_en} of the previous period"),
        ),
        Source::Sibling => (
            format!("{doc_vi} của đơn vị cùng cấp “{}”", w.name),
            format!("the {doc_en} of the sibling unit “{}”", w.name),
        ),
    };
    let f = pct(w.copied_fraction);
    let (m, t) = (w.matched_syllables, w.content_syllables);
    let (reason_vi, reason_en) = match w.verdict {
        Verdict::Copied => (
            format!(
                "Sao chép: {f}% nội dung riêng của {doc_vi} ({m}/{t} âm tiết) trùng với {with_vi}."
            ),
            format!(
                "Copied: {f}% of the {doc_en}'s own content ({m} of {t} syllables) is found in {with_en}."
            ),
        ),
        Verdict::Adapted => (
            format!(
                "Có vận dụng: {f}% nội dung riêng của {doc_vi} ({m}/{t} âm tiết) trùng với {with_vi}; phần còn lại là nội dung của đơn vị."
            ),
            format!(
                "Adapted: {f}% of the {doc_en}'s own content ({m} of {t} syllables) is found in {with_en}; the rest is the unit's own."
            ),
        ),
        Verdict::Original => (
            format!("Độc lập: nội dung riêng của {doc_vi} trùng nhiều nhất {f}% (với {with_vi})."),
            format!(
                "Original: at most {f}% of the {doc_en}'s own content is found elsewhere (in {with_en})."
            ),
        ),
    };
    Overall {
        verdict: w.verdict,
        source: Some(w.source),
        name: if w.source == Source::Upper {
            String::new()
        } else {
            w.name.clone()
        },
        copied_fraction: w.copied_fraction,
        reason_vi,
        reason_en,
    }
}

/// Formalism signals of a report: `report` compared with the upper text, the unit's report
/// of the previous period and its siblings' reports (each optional), with passages side by
/// side; the overall verdict is the most severe comparison. Prepare every text with the
/// same gazetteer ([`Prepared::new`]).
pub fn check_report_prepared(
    report: &Prepared<'_>,
    upper: Option<&Prepared<'_>>,
    previous: Option<&Prepared<'_>>,
    siblings: &[(&str, &Prepared<'_>)],
    thresholds: &Thresholds,
) -> FormalismReport {
    let mut comparisons = Vec::with_capacity(siblings.len() + 2);
    if let Some(u) = upper {
        comparisons.push(compare(report, Source::Upper, "", u, thresholds));
    }
    if let Some(p) = previous {
        comparisons.push(compare(report, Source::Previous, "", p, thresholds));
    }
    for (name, s) in siblings {
        comparisons.push(compare(report, Source::Sibling, name, s, thresholds));
    }
    FormalismReport {
        overall: most_severe(&comparisons, DocKind::Report),
        comparisons,
        params: Params {
            k: copy::K,
            w: copy::W,
            thresholds: *thresholds,
        },
    }
}

/// [`check_report_prepared`] from texts, with the default thresholds.
pub fn check_report(
    report: &str,
    upper: Option<&str>,
    previous: Option<&str>,
    siblings: &[(&str, &str)],
    gaz: &Gazetteer,
) -> FormalismReport {
    let report = Prepared::new(report, gaz);
    let upper = upper.map(|t| Prepared::new(t, gaz));
    let previous = previous.map(|t| Prepared::new(t, gaz));
    let sibs: Vec<(&str, Prepared<'_>)> = siblings
        .iter()
        .map(|(name, text)| (*name, Prepared::new(text, gaz)))
        .collect();
    let refs: Vec<(&str, &Prepared<'_>)> = sibs.iter().map(|(n, p)| (*n, p)).collect();
    check_report_prepared(
        &report,
        upper.as_ref(),
        previous.as_ref(),
        &refs,
        &Thresholds::default(),
    )
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
    check_plan_full(upper, lower, None, siblings, thresholds)
}

/// [`check_plan_prepared`] with the unit's own plan of the previous period (`None` when
/// there is none). The report's `overall` is the most severe of the comparisons.
pub fn check_plan_full(
    upper: &Prepared<'_>,
    lower: &Prepared<'_>,
    previous: Option<&Prepared<'_>>,
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

    let upper_cmp = Comparison {
        source: Source::Upper,
        name: String::new(),
        verdict,
        copied_fraction: fraction,
        matched_syllables: al.matched,
        content_syllables: al.total,
        containment: copy::containment(&lower.fingerprints, &upper.fingerprints),
        aligned: true,
        passages: Vec::new(),
    };
    let previous = previous.map(|p| compare(lower, Source::Previous, "", p, thresholds));
    let mut all = Vec::with_capacity(sibling_reports.len() + 2);
    all.push(upper_cmp);
    all.extend(previous.iter().cloned());
    all.extend(sibling_reports.iter().map(|s| Comparison {
        source: Source::Sibling,
        name: s.name.clone(),
        verdict: s.verdict,
        copied_fraction: s.copied_fraction,
        matched_syllables: 0,
        content_syllables: al.total,
        containment: s.containment,
        aligned: s.aligned,
        passages: Vec::new(),
    }));
    // The matched syllables of a sibling are not kept in its report: recover them.
    for (c, s) in all.iter_mut().rev().zip(sibling_reports.iter().rev()) {
        c.matched_syllables = s.passages.iter().map(|p| p.syllables).sum();
    }
    let overall = most_severe(&all, DocKind::Plan);

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
        previous,
        overall,
        params: Params {
            k: copy::K,
            w: copy::W,
            thresholds: *thresholds,
        },
    }
}
