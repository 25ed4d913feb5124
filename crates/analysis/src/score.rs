//! The quality score of a program, 0 to 100, with its breakdown.
//!
//! Two parts of 50 points each:
//!
//! - **copy**: from the overall verdict ([`crate::Overall`], the most severe of the upper
//!   plan, the previous period and the siblings): `adapted` loses 50 × its copied share,
//!   `copied` all 50;
//! - **tasks**: 50 × the mean credit of the tasks ([`task_credit`]: 1 for a task that meets
//!   the "5 rõ", ½ with only minor findings, 0 with a major one); a program with no task
//!   loses all 50. [`Band`] places the total on the scale the pages explain.
//!
//! Every deduction carries its reason in Vietnamese and English.

use serde::Serialize;

use crate::copy::Verdict;
use crate::tasks::{FindingCode, Severity, TaskReport};
use crate::{PlanReport, Source};

/// Points of each part.
pub const PART_MAX: f64 = 50.0;

/// One deduction and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deduction {
    /// Stable code: `copied_from_upper`, `adapted_from_upper`, `copied_from_sibling`,
    /// `no_tasks`, or a task finding code.
    pub code: String,
    /// Points taken off.
    pub points: f64,
    /// Reason in Vietnamese.
    pub message_vi: String,
    /// Reason in English.
    pub message_en: String,
}

/// One part of the score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Part {
    /// Points obtained, 0 to `max`.
    pub score: f64,
    /// Points available.
    pub max: f64,
    /// What was taken off, and why.
    pub deductions: Vec<Deduction>,
}

/// The quality score of a program.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityScore {
    /// 0 to 100, rounded.
    pub total: u32,
    /// The copy part.
    pub copy: Part,
    /// The task specificity part.
    pub tasks: Part,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn pct(x: f64) -> u32 {
    (x * 100.0).round() as u32
}

fn label(code: FindingCode) -> (&'static str, &'static str) {
    match code {
        FindingCode::NoResponsible => ("chưa giao người chịu trách nhiệm", "no responsible person"),
        FindingCode::VagueResponsible => (
            "người chịu trách nhiệm là tập thể, chưa rõ người",
            "the responsible party is a collective",
        ),
        FindingCode::NoDeadline => ("chưa có thời hạn", "no deadline"),
        FindingCode::VagueDeadline => ("thời hạn chung chung", "a vague deadline"),
        FindingCode::NoMeasurableOutput => (
            "chưa có sản phẩm hoặc chỉ tiêu đo được",
            "no measurable output or target",
        ),
        FindingCode::VagueWording => ("nội dung chung chung", "vague wording"),
        FindingCode::NoLocalReference => ("không gắn với địa phương", "no local reference"),
    }
}

fn copy_part(plan: Option<&PlanReport>) -> Part {
    let mut deductions = Vec::new();
    if let Some(o) = plan.map(|p| &p.overall) {
        let loss = match o.verdict {
            Verdict::Copied => PART_MAX,
            Verdict::Adapted => PART_MAX * o.copied_fraction,
            Verdict::Original => 0.0,
        };
        if loss > 0.0 {
            let copied = o.verdict == Verdict::Copied;
            let f = pct(o.copied_fraction);
            let (code, vi, en) = match o.source {
                Some(Source::Sibling) => (
                    if copied {
                        "copied_from_sibling"
                    } else {
                        "adapted_from_sibling"
                    },
                    format!(
                        "{f}% nội dung riêng trùng với kế hoạch của đơn vị cùng cấp “{}”{}.",
                        o.name,
                        if copied { " (sao chép)" } else { "" }
                    ),
                    format!(
                        "{f}% of the own content is found in the plan of the sibling unit “{}”{}.",
                        o.name,
                        if copied { " (copied)" } else { "" }
                    ),
                ),
                Some(Source::Previous) => (
                    if copied {
                        "copied_from_previous"
                    } else {
                        "adapted_from_previous"
                    },
                    format!(
                        "{f}% nội dung riêng trùng với kế hoạch kỳ trước của chính đơn vị{}.",
                        if copied { " (sao chép)" } else { "" }
                    ),
                    format!(
                        "{f}% of the own content is found in the unit's own plan of the previous period{}.",
                        if copied { " (copied)" } else { "" }
                    ),
                ),
                _ => (
                    if copied {
                        "copied_from_upper"
                    } else {
                        "adapted_from_upper"
                    },
                    format!(
                        "{f}% nội dung riêng trùng với chương trình cấp trên{}.",
                        if copied { " (sao chép)" } else { "" }
                    ),
                    format!(
                        "{f}% of the own content is found in the upper program{}.",
                        if copied { " (copied)" } else { "" }
                    ),
                ),
            };
            deductions.push(Deduction {
                code: code.to_string(),
                points: round1(loss),
                message_vi: vi,
                message_en: en,
            });
        }
    }
    let lost: f64 = deductions.iter().map(|d| d.points).sum();
    Part {
        score: round1((PART_MAX - lost).max(0.0)),
        max: PART_MAX,
        deductions,
    }
}

fn tasks_part(tasks: &[TaskReport]) -> Part {
    if tasks.is_empty() {
        return Part {
            score: 0.0,
            max: PART_MAX,
            deductions: vec![Deduction {
                code: "no_tasks".to_string(),
                points: PART_MAX,
                message_vi: "Chương trình chưa có nhiệm vụ cụ thể nào.".to_string(),
                message_en: "The program has no tasks.".to_string(),
            }],
        };
    }
    let n = tasks.len();
    // What each task loses (1 − its credit), shared among its findings by their weights.
    let mut by_code: std::collections::BTreeMap<FindingCode, (usize, f64)> = Default::default();
    for t in tasks {
        let loss = 1.0 - task_credit(t);
        let weights: f64 = t.findings.iter().map(|f| f.code.weight()).sum();
        for f in &t.findings {
            let e = by_code.entry(f.code).or_default();
            e.0 += 1;
            if weights > 0.0 {
                e.1 += loss * f.code.weight() / weights;
            }
        }
    }
    let deductions: Vec<Deduction> = by_code
        .into_iter()
        .map(|(code, (count, lost))| {
            let (vi, en) = label(code);
            Deduction {
                code: code.as_str().to_string(),
                points: round1(PART_MAX * lost / n as f64),
                message_vi: format!("{count}/{n} nhiệm vụ {vi}."),
                message_en: format!("{count} of {n} tasks: {en}."),
            }
        })
        .collect();
    let mean = tasks.iter().map(task_credit).sum::<f64>() / n as f64;
    Part {
        score: round1(PART_MAX * mean),
        max: PART_MAX,
        deductions,
    }
}

/// What a task earns of its share of the task part: all of it when it meets the "5 rõ"
/// (no finding), half when it has only minor findings (a collective responsible, a vague
/// deadline, no local reference), nothing when one of the "5 rõ" is missing (a major
/// finding). So a program with half its tasks flagged cannot score near 100: its task part
/// is at most 37.5 of 50.
pub fn task_credit(t: &TaskReport) -> f64 {
    if t.findings.is_empty() {
        1.0
    } else if t.findings.iter().all(|f| f.severity == Severity::Minor) {
        0.5
    } else {
        0.0
    }
}

/// Where a score stands on the scale explained to users (i18n `programs.quality.scale`):
/// 85 and above good, 70–84 fair, 50–69 needs completing, under 50 needs redoing (the
/// dashboards flag a program under 50, as they flag a copied one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Good,
    Fair,
    NeedsCompleting,
    NeedsRedoing,
}

impl Band {
    /// The lowest score of each band, best first.
    pub const FLOORS: [(u32, Band); 3] = [
        (85, Band::Good),
        (70, Band::Fair),
        (50, Band::NeedsCompleting),
    ];

    /// The band of a 0–100 score.
    pub fn of(total: u32) -> Band {
        Self::FLOORS
            .iter()
            .find(|(floor, _)| total >= *floor)
            .map_or(Band::NeedsRedoing, |(_, band)| *band)
    }

    /// The band of a plan: a copied plan needs redoing whatever its tasks earn (the
    /// dashboards flag it, as they flag a score under 50).
    pub fn of_plan(total: u32, copied: bool) -> Band {
        if copied {
            Band::NeedsRedoing
        } else {
            Band::of(total)
        }
    }

    /// The stable code, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            Band::Good => "good",
            Band::Fair => "fair",
            Band::NeedsCompleting => "needs_completing",
            Band::NeedsRedoing => "needs_redoing",
        }
    }
}

/// Scores a program from its copy check (`None` when it has no upper plan) and its tasks.
pub fn score_program(plan: Option<&PlanReport>, tasks: &[TaskReport]) -> QualityScore {
    let copy = copy_part(plan);
    let tasks = tasks_part(tasks);
    let total = (copy.score + tasks.score).round().clamp(0.0, 100.0) as u32;
    QualityScore { total, copy, tasks }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Gazetteer, TaskInput, check_plan, check_tasks};

    const UPPER: &str = "Tổ chức quán triệt sâu rộng nghị quyết đến toàn thể cán bộ, đảng viên và quần chúng nhân dân; kiện toàn đội ngũ báo cáo viên, tuyên truyền viên có trình độ chuyên môn và kinh nghiệm thực tiễn; nắm chắc tình hình tư tưởng của cán bộ, đảng viên trước những vấn đề mới phát sinh như giải phóng mặt bằng, thu hồi đất làm khu công nghiệp.";

    #[test]
    fn bands_cover_the_scale_at_their_edges() {
        let cases = [
            (100, Band::Good),
            (85, Band::Good),
            (84, Band::Fair),
            (70, Band::Fair),
            (69, Band::NeedsCompleting),
            (50, Band::NeedsCompleting),
            (49, Band::NeedsRedoing),
            (0, Band::NeedsRedoing),
        ];
        for (total, band) in cases {
            assert_eq!(Band::of(total), band, "{total}");
        }
        assert_eq!(Band::NeedsCompleting.as_str(), "needs_completing");
        assert_eq!(Band::of_plan(50, true), Band::NeedsRedoing);
        assert_eq!(Band::of_plan(90, false), Band::Good);
    }

    #[test]
    fn copied_plan_with_vague_tasks_scores_low() {
        let gaz = Gazetteer::new();
        let plan = check_plan(UPPER, UPPER, &[], &gaz);
        let tasks = check_tasks(
            &[TaskInput {
                content: "Tăng cường công tác xây dựng Đảng.".into(),
                ..Default::default()
            }],
            &gaz,
        );
        let s = score_program(Some(&plan), &tasks);
        assert_eq!(s.copy.score, 0.0);
        assert_eq!(s.copy.deductions[0].code, "copied_from_upper");
        assert!(s.total <= 5, "{}", s.total);
        assert!(s.tasks.deductions.iter().all(|d| !d.message_vi.is_empty()));
    }

    #[test]
    fn half_the_tasks_flagged_is_not_a_near_perfect_score() {
        let gaz = Gazetteer::new();
        let clear = TaskInput {
            content: "Mở 2 lớp bồi dưỡng cho 60 bí thư chi bộ xã Tiên Nha".into(),
            responsible: Some("Đồng chí Trưởng Ban Tổ chức".into()),
            deadline: Some("30/6/2025".into()),
            ..Default::default()
        };
        let weak = TaskInput {
            content: "Mở 2 lớp bồi dưỡng cho bí thư chi bộ".into(),
            responsible: Some("Các chi bộ".into()),
            deadline: Some("thường xuyên".into()),
            ..Default::default()
        };
        let tasks = check_tasks(&[clear.clone(), weak.clone(), clear, weak], &gaz);
        assert!(
            tasks[1]
                .findings
                .iter()
                .all(|f| f.severity == crate::tasks::Severity::Minor)
        );
        let s = score_program(None, &tasks);
        assert!(s.total <= 40 + 50 && s.tasks.score <= 37.5, "{s:?}");
        let lost: f64 = s.tasks.deductions.iter().map(|d| d.points).sum();
        assert!((s.tasks.score + lost - 50.0).abs() < 0.2, "{s:?}");
    }

    #[test]
    fn original_plan_with_clear_tasks_scores_high() {
        let gaz = Gazetteer::from_names(["xã Bảo Sơn"]);
        let tasks = check_tasks(
            &[TaskInput {
                content: "Mở 2 lớp bồi dưỡng cho 60 bí thư chi bộ xã Bảo Sơn".into(),
                responsible: Some("Đồng chí Trưởng Ban Tổ chức".into()),
                deadline: Some("30/6/2025".into()),
                ..Default::default()
            }],
            &gaz,
        );
        let s = score_program(None, &tasks);
        assert_eq!(s.total, 100);
        let none = score_program(None, &[]);
        assert_eq!(none.total, 50);
        assert_eq!(none.tasks.deductions[0].code, "no_tasks");
    }
}
