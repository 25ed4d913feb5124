//! The overall verdict (the most severe comparison), the previous period, reports, and the
//! "5 rõ" local reference on names of communes and cells.

use analysis::{
    FindingCode, Gazetteer, Source, TaskInput, Verdict, check_plan, check_plan_with_previous,
    check_report, check_tasks,
};

const UPPER: &str = include_str!("../corpus/real/yenbai_ct17.txt");
const LOCAL: &str = include_str!("../corpus/real/lucnam_tuyen_truyen_2015.txt");
const OTHER: &str = include_str!("../corpus/real/truongxuan_lam_viec_2022.txt");

#[test]
fn a_plan_copying_its_sibling_is_copied_overall() {
    let gaz = Gazetteer::new();
    let r = check_plan(UPPER, LOCAL, &[("Đảng ủy xã Tiên Nha", LOCAL)], &gaz);
    assert_eq!(r.verdict, Verdict::Original, "against the upper plan");
    assert_eq!(r.overall.verdict, Verdict::Copied);
    assert_eq!(r.overall.source, Some(Source::Sibling));
    assert_eq!(r.overall.name, "Đảng ủy xã Tiên Nha");
    assert!(r.overall.reason_vi.contains("Tiên Nha"));
    assert!(
        !r.siblings[0].passages.is_empty(),
        "siblings get passages side by side"
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["overall"]["verdict"], "copied");
    assert_eq!(json["overall"]["source"], "sibling");
}

#[test]
fn a_plan_copying_its_previous_period_is_copied_overall() {
    let gaz = Gazetteer::new();
    let previous = LOCAL.replace("2015", "2020").replace("XVIII", "XIX");
    let r = check_plan_with_previous(UPPER, LOCAL, Some(&previous), &[("B", OTHER)], &gaz);
    assert_eq!(r.overall.verdict, Verdict::Copied);
    assert_eq!(r.overall.source, Some(Source::Previous));
    let p = r.previous.as_ref().unwrap();
    assert!(p.copied_fraction > 0.9 && !p.passages.is_empty());
    let original = check_plan_with_previous(UPPER, LOCAL, Some(OTHER), &[], &gaz);
    assert_eq!(original.overall.verdict, Verdict::Original);
}

#[test]
fn a_report_copied_from_a_sibling_is_flagged_with_passages() {
    let gaz = Gazetteer::new();
    let sibling = LOCAL.replace("Huyện ủy", "Đảng ủy");
    let f = check_report(
        LOCAL,
        None,
        Some(OTHER),
        &[("Chi bộ Cẩm Lý", &sibling)],
        &gaz,
    );
    assert_eq!(f.comparisons.len(), 2);
    assert_eq!(f.overall.verdict, Verdict::Copied);
    assert_eq!(f.overall.source, Some(Source::Sibling));
    assert!(f.overall.reason_vi.contains("báo cáo"));
    assert!(!f.comparisons[1].passages.is_empty());
}

#[test]
fn copies_as_they_arrive_are_caught() {
    let gaz = Gazetteer::new();
    // Hard-wrapped at 40 columns, levels swapped, abbreviations, one letter dropped.
    let mut wrapped = String::new();
    let mut col = 0;
    for w in UPPER
        .replace("Ban Thường vụ Tỉnh ủy", "BTV Huyện ủy")
        .replace("phát triển", "phát trin")
        .replace("cán bộ", "CB")
        .split_whitespace()
    {
        if col + w.len() > 40 {
            wrapped.push('\n');
            col = 0;
        } else if col > 0 {
            wrapped.push(' ');
        }
        wrapped.push_str(w);
        col += w.len() + 1;
    }
    let r = check_plan(UPPER, &wrapped, &[], &gaz);
    assert_eq!(r.verdict, Verdict::Copied, "{}", r.copied_fraction);
    assert!(r.copied_fraction > 0.9, "{}", r.copied_fraction);
}

#[test]
fn tasks_naming_their_commune_or_cell_are_tied_to_the_locality() {
    let gaz = Gazetteer::new();
    let tasks: Vec<TaskInput> = [
        "Tổ chức hội nghị quán triệt cho đảng viên Lục Nam",
        "Chi bộ Tiên Nha vận động 30 hộ làm đường giao thông",
        "Kiện toàn chi ủy Cẩm Lý trước đại hội",
        "Tăng cường công tác tuyên truyền trong Nhân dân",
    ]
    .iter()
    .map(|c| TaskInput {
        content: c.to_string(),
        ..Default::default()
    })
    .collect();
    let r = check_tasks(&tasks, &gaz);
    let local = |i: usize| {
        !r[i]
            .findings
            .iter()
            .any(|f| f.code == FindingCode::NoLocalReference)
    };
    assert!(local(0) && local(1) && local(2));
    assert!(!local(3), "“Nhân dân” is not a place");
}
