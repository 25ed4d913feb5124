//! The demo's action programs: four district-level units answer the demo resolution with
//! their own plans, so that a new user meets programs, tasks with the people who answer
//! for them, progress accepted or returned, targets with values, and the plan-quality
//! check from the first sign-in.
//!
//! Each program sets its own targets, linked to the resolution's (05-NQ/TU) targets they
//! serve, and its tasks serve them: the accepted figures of Lục Nam and Tân Yên roll up to
//! the province's targets (average weighted by members for the rates), so the targets'
//! pages and the dashboards show real roll-ups.
//!
//! Three plans are genuinely local (texts of the analysis corpus, written for those
//! districts); one repeats the resolution with the level's name swapped and vague tasks,
//! which the plan-quality check flags (`resolute rescan-plans`, run by the demo command).

use domain::{
    DocumentId, Principal, ProgramKind, ProgramSections, TargetId, TaskDraft, TaskStatus,
};
use store::{
    AcceptanceDecision, CascadeUnit, NewProgram, Page, ProgramTargetInput, ProgressInput, Store,
};
use time::{Date, Duration};

const LUC_NAM: &str = include_str!("../../analysis/corpus/local_luc_nam.txt");
const TAN_YEN: &str = include_str!("../../analysis/corpus/local_tan_yen.txt");
const YEN_THE: &str = include_str!("../../analysis/corpus/local_yen_the.txt");

/// The three sections and the numbered items of section II (the tasks) of a plan text.
fn split_plan(text: &str) -> (ProgramSections, Vec<String>) {
    let find = |marker: &str| text.find(marker);
    let (a, b, c) = (
        find("I. MỤC ĐÍCH"),
        find("II. NHIỆM VỤ"),
        find("III. TỔ CHỨC"),
    );
    let end = text.find("Nơi nhận").unwrap_or(text.len());
    let cut = |from: Option<usize>, to: Option<usize>| -> String {
        match (from, to) {
            (Some(f), Some(t)) if f < t => {
                let body = &text[f..t];
                body.split_once('\n')
                    .map_or("", |(_, rest)| rest)
                    .trim()
                    .to_owned()
            }
            _ => String::new(),
        }
    };
    let purpose = cut(a, b);
    let tasks_text = cut(b, c);
    let organization = cut(c, Some(end));
    let tasks = tasks_text
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            let (num, rest) = l.split_once(". ")?;
            num.parse::<u32>().ok()?;
            Some(rest.trim().to_owned())
        })
        .collect();
    (
        ProgramSections {
            purpose,
            tasks_and_solutions: tasks_text,
            organization,
        },
        tasks,
    )
}

/// The plan that only repeats the resolution: the province's words with "tỉnh" made
/// "huyện", and tasks of empty verbs.
fn copied_plan(body: &str) -> (ProgramSections, Vec<String>) {
    let text = body
        .replace("Tỉnh ủy", "Huyện ủy")
        .replace("trong tỉnh", "trong huyện")
        .replace("tỉnh", "huyện");
    let part = |from: &str, to: Option<&str>| -> String {
        let start = text.find(from).map_or(0, |i| i + from.len());
        let end = to.and_then(|t| text.find(t)).unwrap_or(text.len());
        text[start..end.max(start)].trim().to_owned()
    };
    (
        ProgramSections {
            purpose: part("## I. Tình hình", Some("## II.")),
            tasks_and_solutions: part("## II. Nhiệm vụ, giải pháp", Some("## III.")),
            organization: part("## III. Tổ chức thực hiện", None),
        },
        vec![
            "Tăng cường công tác lãnh đạo, chỉ đạo việc học tập, quán triệt nghị quyết.".into(),
            "Nâng cao chất lượng sinh hoạt chi bộ.".into(),
            "Đẩy mạnh công tác kiểm tra, giám sát việc thực hiện nghị quyết.".into(),
            "Quan tâm công tác bồi dưỡng cấp ủy viên.".into(),
        ],
    )
}

/// Makes a unit's plan (sections, task contents) from the resolution's text.
type PlanText = fn(&str) -> (ProgramSections, Vec<String>);

/// A unit's own targets: one per target of the resolution, linked to it, with the unit's
/// own baseline and goal (`shift` makes each unit's figures its own).
async fn own_targets(
    store: &dyn Store,
    p: &Principal,
    doc: DocumentId,
    program: domain::ProgramId,
    shift: f64,
) -> store::Result<Vec<TargetId>> {
    let upper = store.document_targets(p, doc).await?;
    let own: Vec<ProgramTargetInput> = upper
        .iter()
        .map(|u| {
            let mut t = u.target.clone();
            if domain::target::is_percent_unit(&t.unit) {
                t.baseline = t.baseline.map(|b| (b - shift).clamp(0.0, 95.0));
                t.target_value =
                    (t.target_value - shift / 2.0).clamp(t.baseline.unwrap_or(0.0) + 1.0, 100.0);
            } else {
                // A count: the district's share of the province's figure.
                t.baseline = Some(0.0);
                t.target_value = (t.target_value / 10.0).round().max(1.0);
            }
            ProgramTargetInput {
                target: t,
                upper: Some(u.id),
            }
        })
        .collect();
    Ok(store
        .set_program_targets(p, program, own)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect())
}

/// Drafts, fills and issues one unit's program with its own targets; posts some progress
/// (with `values` for the rates of its second and third tasks) and accepts it.
#[allow(clippy::too_many_arguments)]
async fn one(
    store: &dyn Store,
    p: &Principal,
    doc: DocumentId,
    unit: &CascadeUnit,
    (sections, contents): (ProgramSections, Vec<String>),
    today: Date,
    progress: Option<(f64, f64)>,
    shift: f64,
    consult: Option<&str>,
) -> store::Result<()> {
    let members = store
        .subtree_members(
            p,
            unit.org_id,
            Page {
                offset: 0,
                limit: 500,
            },
        )
        .await?;
    if members.is_empty() || contents.is_empty() {
        return Ok(());
    }
    // The list is in name order: people spread over it answer for the tasks, not the
    // first few names of the alphabet (all "Bùi Công …").
    let step = (members.len() / contents.len()).max(1);
    let answerable = |i: usize| members[(i * step + step / 2) % members.len()].member.id;
    let program = store
        .create_program_draft(
            p,
            NewProgram {
                org_id: unit.org_id,
                document_id: doc,
                kind: ProgramKind::ActionProgram,
                title: format!(
                    "Chương trình hành động của {} thực hiện Nghị quyết số {}",
                    unit.org_name,
                    crate::resolution::NUMBER
                ),
            },
        )
        .await?;
    store.save_program_sections(p, program.id, sections).await?;
    let targets = own_targets(store, p, doc, program.id, shift).await?;
    let drafts: Vec<TaskDraft> = contents
        .iter()
        .enumerate()
        .map(|(i, content)| TaskDraft {
            content: content.clone(),
            lead_body: Some(
                [
                    "Ban Tuyên giáo",
                    "Ban Tổ chức",
                    "Ủy ban Kiểm tra",
                    "Văn phòng",
                ][i % 4]
                    .into(),
            ),
            cooperating_bodies: vec!["Các chi bộ trực thuộc".into()],
            responsible: Some(answerable(i)),
            // The first task's deadline has passed: it shows as overdue.
            deadline: Some(if i == 0 {
                today - Duration::days(10)
            } else {
                today + Duration::days(30 * (i as i64 + 1))
            }),
            expected_output: Some(
                [
                    "Báo cáo kết quả",
                    "Danh sách và biên bản",
                    "Kết luận giám sát",
                    "Tài liệu tóm tắt",
                ][i % 4]
                    .into(),
            ),
            upper_target: targets.get(i % targets.len().max(1)).copied(),
        })
        .collect();
    store.save_tasks(p, program.id, drafts).await?;
    // Lục Nam put its draft to consultation first (answered in full before the issue).
    if let Some(password_hash) = consult {
        crate::consultation::luc_nam_program(
            store,
            p,
            unit.org_id,
            program.id,
            &members,
            password_hash,
            today,
        )
        .await?;
    }
    let issued = store
        .issue_program(p, program.id, today - Duration::days(20))
        .await?;
    let Some((second, third)) = progress else {
        return Ok(());
    };
    let tasks = store.program_tasks(p, issued.id).await?;
    for (i, t) in tasks.iter().enumerate().skip(1).take(3) {
        let (status, percent, value) = match i {
            1 => (TaskStatus::Done, Some(100), Some(second)),
            2 => (TaskStatus::OnTrack, Some(40), Some(third)),
            _ => (TaskStatus::AtRisk, Some(10), None),
        };
        let rec = store
            .post_progress(
                p,
                t.id,
                ProgressInput {
                    status,
                    percent,
                    indicator_value: value,
                    note: Some(
                        match status {
                            TaskStatus::AtRisk => "Chậm do thời vụ; đề nghị lùi 2 tuần.",
                            _ => "Đã triển khai theo kế hoạch.",
                        }
                        .into(),
                    ),
                    evidence: Vec::new(),
                },
            )
            .await?;
        if i != 3 {
            store
                .decide_progress(p, rec.id, AcceptanceDecision::Accept)
                .await?;
        }
    }
    Ok(())
}

/// Issues the demo programs of the units reached whose names match.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    doc: DocumentId,
    body: &str,
    units: &[CascadeUnit],
    today: Date,
    password_hash: &str,
) -> store::Result<u32> {
    // The figures of the second and third tasks (rates in %) of the units that report.
    type Figures = Option<(f64, f64)>;
    let plans: [(&str, PlanText, Figures, f64); 4] = [
        ("Lục Nam", |_| split_plan(LUC_NAM), Some((95.0, 75.0)), 4.0),
        ("Tân Yên", |_| split_plan(TAN_YEN), Some((88.0, 82.0)), 8.0),
        ("Yên Thế", |_| split_plan(YEN_THE), None, 6.0),
        ("Lục Ngạn", copied_plan, None, 10.0),
    ];
    let mut n = 0;
    for (name, plan, figures, shift) in plans {
        if let Some(unit) = units.iter().find(|u| u.org_name.contains(name)) {
            let consult = (name == "Lục Nam").then_some(password_hash);
            one(
                store,
                p,
                doc,
                unit,
                plan(body),
                today,
                figures,
                shift,
                consult,
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_plans_split_into_sections_and_tasks() {
        for text in [LUC_NAM, TAN_YEN, YEN_THE] {
            let (s, tasks) = split_plan(text);
            assert!(!s.purpose.is_empty() && !s.organization.is_empty());
            assert!(tasks.len() >= 3, "{tasks:?}");
        }
    }
}
