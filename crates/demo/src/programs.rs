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
    // A numbered item is a task, unless dashes follow it: then it is a heading and each
    // dash is a task ("1. Công tác tuyên truyền, học tập" is not a task anyone can do).
    let mut tasks: Vec<String> = Vec::new();
    let mut heading: Option<String> = None;
    for l in tasks_text.lines().map(str::trim) {
        if let Some(item) = l.strip_prefix("- ") {
            heading = None;
            tasks.push(item.trim().to_owned());
        } else if let Some((num, rest)) = l.split_once(". ")
            && num.parse::<u32>().is_ok()
        {
            tasks.extend(heading.replace(rest.trim().to_owned()));
        }
    }
    tasks.extend(heading);
    (
        ProgramSections {
            purpose,
            tasks_and_solutions: tasks_text,
            organization,
        },
        tasks,
    )
}

/// Moves the years a plan text names by `shift` (2023 → 2026 for a shift of 3): the local
/// plans were written in April 2024, and the demo's program is issued weeks before its
/// "today", so its tasks must not fall in years already gone.
fn retime(text: &str, shift: i32) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("20") {
        let (before, at) = rest.split_at(i);
        out.push_str(before);
        let digits = at
            .as_bytes()
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let bounded = !before.as_bytes().last().is_some_and(u8::is_ascii_digit);
        match at[..digits].parse::<i32>() {
            Ok(y) if digits == 4 && bounded && (2015..=2035).contains(&y) => {
                out.push_str(&(y + shift).to_string());
            }
            _ => out.push_str(&at[..digits]),
        }
        rest = &at[digits..];
    }
    out.push_str(rest);
    out
}

/// Who leads a task and what it hands in, read from the task's own words: the body the
/// plan names in it (the first named), else the body whose field it is; the output a
/// reader expects of such a task (a supervision ends in a conclusion notice, a class in a
/// list of those trained). Cooperating bodies are the other bodies it names.
fn lead_and_output(content: &str) -> (String, Vec<String>, String) {
    const BODIES: [(&str, &str); 11] = [
        ("Ban Tuyên giáo", "Ban Tuyên giáo Huyện ủy"),
        ("Trung tâm Chính trị", "Trung tâm Chính trị huyện"),
        ("Ủy ban Kiểm tra", "Ủy ban Kiểm tra Huyện ủy"),
        ("Ban Tổ chức", "Ban Tổ chức Huyện ủy"),
        ("Ban Dân vận", "Ban Dân vận Huyện ủy"),
        ("Văn phòng Huyện ủy", "Văn phòng Huyện ủy"),
        ("Ủy ban nhân dân huyện", "Ủy ban nhân dân huyện"),
        ("Phòng Nông nghiệp", "Phòng Nông nghiệp huyện"),
        ("Hội Nông dân", "Hội Nông dân huyện"),
        ("Đài Truyền thanh", "Đài Truyền thanh huyện"),
        ("Đảng ủy xã", "Đảng ủy các xã, thị trấn"),
    ];
    let lower = content.to_lowercase();
    let has = |w: &str| lower.contains(w);
    let mut named: Vec<(usize, &str)> = BODIES
        .iter()
        .filter_map(|(k, full)| content.find(k).map(|i| (i, *full)))
        .collect();
    named.sort();
    let by_field = if has("giám sát") || has("kiểm tra") {
        "Ủy ban Kiểm tra Huyện ủy"
    } else if has("tuyên truyền") || has("học tập") || has("tài liệu") {
        "Ban Tuyên giáo Huyện ủy"
    } else if has("dân vận") || has("tiếp dân") || has("đối thoại") {
        "Ban Dân vận Huyện ủy"
    } else if has("cán bộ") || has("đảng viên") || has("chi bộ") {
        "Ban Tổ chức Huyện ủy"
    } else {
        "Văn phòng Huyện ủy"
    };
    let lead = named.first().map_or(by_field, |n| n.1).to_owned();
    let mut cooperating: Vec<String> = named
        .iter()
        .skip(1)
        .map(|n| n.1.to_owned())
        .filter(|b| *b != lead)
        .collect();
    cooperating.dedup();
    if cooperating.is_empty() {
        cooperating.push("Đảng ủy các xã, thị trấn".into());
    }
    // A supervision's output is its conclusion notice; a task that only mentions one
    // (led by another body) hands in what it does itself.
    let output = if lead == "Ủy ban Kiểm tra Huyện ủy" {
        "Thông báo kết luận giám sát"
    } else if has("biên soạn") || has("tài liệu") {
        "Tài liệu hỏi – đáp tóm tắt nghị quyết"
    } else if has("lớp") || has("hội nghị học tập") {
        "Danh sách học viên và báo cáo kết quả lớp học"
    } else if has("thí điểm") {
        "Báo cáo rút kinh nghiệm thí điểm"
    } else if has("điển hình") || has("cách làm hay") {
        "Báo cáo điển hình, phát trên chuyên mục"
    } else if has("danh sách") || has("sổ theo dõi") {
        "Danh sách theo dõi và biên bản của chi bộ"
    } else if has("sinh hoạt") {
        "Biên bản sinh hoạt chuyên đề của chi bộ"
    } else if has("giấy chứng nhận") {
        "Giấy chứng nhận quyền sử dụng đất đã cấp"
    } else if has("liên kết") {
        "Hợp đồng liên kết tiêu thụ sản phẩm"
    } else if has("luân chuyển") {
        "Quyết định luân chuyển cán bộ"
    } else if has("tiếp dân") || has("đối thoại") {
        "Sổ tiếp dân và biên bản đối thoại"
    } else {
        "Báo cáo kết quả thực hiện"
    };
    (lead, cooperating, output.to_owned())
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
    // Drafted a month before it is issued (and, at Lục Nam, before its consultation).
    let drafted = store::clock::morning_of(today - Duration::days(50));
    let program = store::clock::at(drafted, async {
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
            .map(|(i, content)| {
                let (lead, cooperating, output) = lead_and_output(content);
                TaskDraft {
                    content: content.clone(),
                    lead_body: Some(lead),
                    cooperating_bodies: cooperating,
                    responsible: Some(answerable(i)),
                    // The first task's deadline has passed: it shows as overdue.
                    deadline: Some(if i == 0 {
                        today - Duration::days(10)
                    } else {
                        today + Duration::days(30 * (i as i64 + 1))
                    }),
                    expected_output: Some(output),
                    upper_target: targets.get(i % targets.len().max(1)).copied(),
                }
            })
            .collect();
        store.save_tasks(p, program.id, drafts).await?;
        Ok::<_, store::StoreError>(program)
    })
    .await?;
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
    let issued_on = today - Duration::days(20);
    let issued = store::clock::at(
        store::clock::morning_of(issued_on),
        store.issue_program(p, program.id, issued_on),
    )
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
    // The local plans were written in April 2024 for the year after; the demo's are issued
    // weeks before its today.
    let years = (today + Duration::days(220)).year() - 2024;
    let mut n = 0;
    for (name, plan, figures, shift) in plans {
        if let Some(unit) = units.iter().find(|u| u.org_name.contains(name)) {
            let consult = (name == "Lục Nam").then_some(password_hash);
            one(
                store,
                p,
                doc,
                unit,
                {
                    let (sections, tasks) = plan(body);
                    (
                        ProgramSections {
                            purpose: retime(&sections.purpose, years),
                            tasks_and_solutions: retime(&sections.tasks_and_solutions, years),
                            organization: retime(&sections.organization, years),
                        },
                        tasks.iter().map(|t| retime(t, years)).collect(),
                    )
                },
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
            assert!(
                tasks.iter().all(|t| t.len() > 60),
                "whole tasks, not headings: {tasks:?}"
            );
        }
    }

    #[test]
    fn years_move_and_other_numbers_stay() {
        assert_eq!(
            retime("tháng 5/2024, năm 2023, 15/12/2024; 120240 hộ, số 2020a", 3),
            "tháng 5/2027, năm 2026, 15/12/2027; 120240 hộ, số 2023a"
        );
    }

    #[test]
    fn a_task_is_led_by_the_body_it_names_and_hands_in_what_it_does() {
        let (lead, coop, out) = lead_and_output(
            "Ủy ban Kiểm tra Huyện ủy giám sát chuyên đề việc giải quyết đơn thư của Đảng ủy xã Tiên Nha.",
        );
        assert_eq!(lead, "Ủy ban Kiểm tra Huyện ủy");
        assert_eq!(coop, vec!["Đảng ủy các xã, thị trấn".to_owned()]);
        assert_eq!(out, "Thông báo kết luận giám sát");
        let (lead, _, out) = lead_and_output(
            "Đài Truyền thanh huyện mở chuyên mục giới thiệu cách làm hay của các chi bộ.",
        );
        assert_eq!(lead, "Đài Truyền thanh huyện");
        assert_eq!(out, "Báo cáo điển hình, phát trên chuyên mục");
    }
}
