//! Plan quality on the check page (issue 4): a draft that copies the resolution word for
//! word is tagged "Sao chép" with its passages side by side, an original draft "Tự xây
//! dựng", and a vague task gets a finding in its row. Advisory: issuing is not blocked.

use crate::helpers::{Browser, TestApp, spawn_app};

const RESOLUTION: &str = "## Mục tiêu\n\n\
Nâng cao năng lực lãnh đạo và sức chiến đấu của tổ chức cơ sở đảng, bảo đảm mỗi chi bộ \
thực sự là hạt nhân chính trị ở cơ sở, gắn bó mật thiết với nhân dân.\n\n\
## Nhiệm vụ, giải pháp\n\n\
- Đổi mới nội dung, phương thức sinh hoạt chi bộ theo hướng thiết thực, tập trung vào \
những vấn đề bức xúc, nổi cộm ở địa bàn dân cư, tránh hình thức, chung chung.\n\
- Kiện toàn đội ngũ bí thư chi bộ có bản lĩnh chính trị vững vàng, có phẩm chất đạo đức \
trong sáng, có năng lực tổ chức thực hiện và uy tín trong cộng đồng dân cư.\n\
- Thực hiện nghiêm chế độ tự phê bình và phê bình, kiểm tra, giám sát đảng viên chấp \
hành điều lệ, nghị quyết, gắn với đánh giá, xếp loại chất lượng hằng năm một cách thực chất.";

async fn post_sections(b: &Browser, program: i64, texts: [&str; 3]) {
    for (part, text) in ["purpose", "tasks_and_solutions", "organization"]
        .iter()
        .zip(texts)
    {
        let res = b
            .post(
                &format!("/programs/{program}/draft/sections/{part}"),
                &[("text", text)],
            )
            .await;
        assert_eq!(res.status(), 303, "{part}");
    }
}

async fn post_task(app: &TestApp, b: &Browser, program: i64, content: &str, complete: bool) {
    let member = app.member_a.to_string();
    let (who, deadline, output) = if complete {
        (
            member.as_str(),
            "30/06/2027",
            "100% chi bộ tổ chức sinh hoạt chuyên đề",
        )
    } else {
        ("", "", "")
    };
    let res = b
        .post(
            &format!("/programs/{program}/draft/tasks"),
            &[
                ("tasks[0].content", content),
                ("tasks[0].lead_body", "Đảng ủy xã"),
                ("tasks[0].cooperating_bodies", ""),
                ("tasks[0].responsible", who),
                ("tasks[0].deadline", deadline),
                ("tasks[0].expected_output", output),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
}

async fn check_page(b: &Browser, program: i64) -> String {
    let res = b.get(&format!("/programs/{program}/draft/check")).await;
    assert_eq!(res.status(), 200);
    res.text().await.unwrap()
}

#[tokio::test]
async fn a_draft_copied_from_the_resolution_is_tagged_with_its_passages() {
    let app = spawn_app().await;
    let records = app.seed_programs_with_body(RESOLUTION).await;
    let program = records.program.0;
    let office = app.signed_in("office.a").await;
    let (head, rest) = RESOLUTION.split_once("## Nhiệm vụ, giải pháp").unwrap();
    let (tasks, last) = rest.rsplit_once("\n- ").unwrap();
    post_sections(&office, program, [head, tasks, last]).await;
    post_task(
        &app,
        &office,
        program,
        "Tổ chức sinh hoạt chuyên đề về đổi mới phương thức sinh hoạt chi bộ tại thôn Bình An",
        true,
    )
    .await;

    let html = check_page(&office, program).await;
    assert!(html.contains("Chất lượng kế hoạch"), "{html}");
    assert!(html.contains("Sao chép"), "{html}");
    assert!(html.contains("/100"), "the score");
    // A copied plan loses the copy part: under 50, on the scale the page explains.
    assert!(html.contains("Cần làm lại"), "the score's band: {html}");
    assert!(html.contains("Cách tính điểm"), "{html}");
    assert!(html.contains("bị kết luận sao chép: cần làm lại"), "{html}");
    assert!(html.contains("<mark>"), "a passage is highlighted: {html}");
    assert!(
        html.contains("Kiện toàn đội ngũ bí thư chi bộ"),
        "the copied text is shown"
    );
    // Advisory: the issue form is still there.
    assert!(html.contains(&format!("action=\"/programs/{program}/issue\"")));

    // In English the tag and the reason follow the language.
    assert_eq!(office.get("/lang/en?next=/").await.status(), 303);
    let html = check_page(&office, program).await;
    assert!(html.contains("Plan quality"), "{html}");
    assert!(html.contains("How the score is made"), "{html}");
    assert!(html.contains(">Copied<"), "{html}");
    assert!(html.contains("word for word"), "the reason in English");
}

#[tokio::test]
async fn an_original_draft_is_tagged_own_work_and_a_vague_task_gets_a_finding() {
    let app = spawn_app().await;
    let records = app.seed_programs_with_body(RESOLUTION).await;
    let program = records.program.0;
    let office = app.signed_in("office.a").await;
    post_sections(
        &office,
        program,
        [
            "Đến hết năm 2027, cả 12 chi bộ thôn của xã Bảo Đài tổ chức sinh hoạt định kỳ \
             đúng ngày mồng 5 hằng tháng, mỗi quý có ít nhất một buổi sinh hoạt chuyên đề.",
            "Đảng ủy xã phân công mỗi đồng chí đảng ủy viên phụ trách hai chi bộ thôn, dự \
             sinh hoạt ít nhất một lần mỗi quý và báo cáo bằng văn bản. Chi bộ thôn Bình An \
             và thôn Đồng Mai thí điểm ghi biên bản sinh hoạt điện tử trước tháng 9 năm 2026; \
             văn phòng Đảng ủy tổng hợp ý kiến của đảng viên về tình hình sạt lở bờ sông Lục \
             Nam, đường giao thông nội đồng và vệ sinh môi trường để đưa vào nội dung sinh hoạt.",
            "Văn phòng Đảng ủy xã theo dõi, đôn đốc; sáu tháng một lần báo cáo Ban Thường vụ \
             Huyện ủy kết quả thực hiện, kèm danh sách chi bộ chưa đạt yêu cầu.",
        ],
    )
    .await;
    post_task(
        &app,
        &office,
        program,
        "Tăng cường công tác lãnh đạo",
        false,
    )
    .await;

    let html = check_page(&office, program).await;
    assert!(html.contains("Tự xây dựng"), "{html}");
    assert!(!html.contains("Sao chép"), "{html}");
    assert!(!html.contains("<mark>"), "no passage for an original plan");
    assert!(
        html.contains("Có thể cần làm rõ"),
        "the vague task has findings in its row: {html}"
    );
    assert!(
        html.contains("chung chung"),
        "the vague wording is named: {html}"
    );
}

#[tokio::test]
async fn an_issued_copy_shows_its_quality_and_is_flagged_on_the_dashboard() {
    let app = spawn_app().await;
    let records = app.seed_programs_with_body(RESOLUTION).await;
    let program = records.program.0;
    let doc = records.document.0;
    let office = app.signed_in("office.a").await;
    let (head, rest) = RESOLUTION.split_once("## Nhiệm vụ, giải pháp").unwrap();
    let (tasks, last) = rest.rsplit_once("\n- ").unwrap();
    post_sections(&office, program, [head, tasks, last]).await;
    post_task(
        &app,
        &office,
        program,
        "Tổ chức sinh hoạt chuyên đề về đổi mới phương thức sinh hoạt chi bộ tại thôn Bình An",
        true,
    )
    .await;
    let today =
        domain::validate::format_date(domain::tz::local_date(time::OffsetDateTime::now_utc()));
    let res = office
        .post(
            &format!("/programs/{program}/issue"),
            &[("issued_on", today.as_str())],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );

    // The issued program keeps its quality section, passages without Markdown markup.
    let res = office.get(&format!("/programs/{program}")).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Chất lượng kế hoạch"), "{html}");
    assert!(html.contains("Sao chép"), "{html}");
    assert!(html.contains("<mark>"), "{html}");
    assert!(
        !html.contains("<mark>## "),
        "no Markdown markup in passages"
    );

    // The commune's dashboard leads to its program (and so to each task).
    let res = office
        .get(&format!("/dashboards/{}/{doc}", app.grassroots_a))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/programs/{program}\"")),
        "{html}"
    );

    // The district's dashboard lists it among the programs to look at again.
    let res = office
        .get(&format!("/dashboards/{}/{doc}", app.district_a))
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Chương trình cần xem lại"), "{html}");
    assert!(
        html.contains(&format!("/programs/{program}#quality")),
        "{html}"
    );
    assert!(html.contains("Nhiệm vụ theo tình trạng"), "{html}");
    assert!(html.contains("Nhiệm vụ hoàn thành theo tuần"), "{html}");
    // The same figures in the spreadsheet.
    let res = office
        .get(&format!("/dashboards/{}/{doc}/xlsx", app.district_a))
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let names = book.sheet_names();
    assert!(
        names.iter().any(|n| n == "Chương trình cần xem lại"),
        "{names:?}"
    );
    let sheet = book.worksheet_range("Chương trình cần xem lại").unwrap();
    let cells: Vec<String> = sheet.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "Sao chép"), "{cells:?}");
}

/// The commune's own plan of the previous period: issued on an earlier resolution with
/// `texts` as its sections (as the system).
async fn issue_previous_plan(app: &TestApp, texts: [&str; 3]) -> domain::ProgramId {
    use domain::{
        CascadeDeadlines, CascadeScope, DocumentNumber, DocumentType, OrgKind, Principal,
        ProgramKind, ProgramSections, ReportEvery, TaskDraft, Term,
    };
    use time::macros::date;
    let sys = Principal::system();
    let s = app.store.as_ref();
    let district = s.org_get(&sys, app.district_a).await.unwrap();
    let doc = s
        .register_document(
            &sys,
            store::NewDocument {
                issuer_org_id: app.district_a,
                doc_type: DocumentType::Resolution,
                number: DocumentNumber::parse_for("number", DocumentType::Resolution, "02-NQ/HU")
                    .unwrap(),
                term: Term::parse("term", "2020–2025").unwrap(),
                issued_on: date!(2024 - 01 - 10),
                title: "Về nâng cao chất lượng sinh hoạt chi bộ năm 2024".into(),
                body_md: "Nghị quyết năm 2024.".into(),
                parent_document_id: None,
            },
        )
        .await
        .unwrap();
    s.create_cascade(
        &sys,
        doc.id,
        CascadeScope {
            root: district.path.clone(),
            kinds: vec![OrgKind::Grassroots],
            include_root: false,
        },
        CascadeDeadlines {
            study_by: date!(2024 - 02 - 15),
            program_by: date!(2030 - 12 - 31),
            report_every: ReportEvery::Quarterly,
            interim_review_by: None,
            reports_until: None,
            grace_days: 5,
        },
    )
    .await
    .unwrap();
    let program = s
        .create_program_draft(
            &sys,
            store::NewProgram {
                org_id: app.grassroots_a,
                document_id: doc.id,
                kind: ProgramKind::ActionProgram,
                title: "Chương trình hành động năm 2024 của Đảng bộ xã Bảo Đài".into(),
            },
        )
        .await
        .unwrap();
    let [purpose, tasks_and_solutions, organization] = texts.map(String::from);
    s.save_program_sections(
        &sys,
        program.id,
        ProgramSections {
            purpose,
            tasks_and_solutions,
            organization,
        },
    )
    .await
    .unwrap();
    s.save_tasks(
        &sys,
        program.id,
        vec![TaskDraft {
            content: "Tổ chức sinh hoạt chuyên đề tại thôn Bình An".into(),
            lead_body: Some("Đảng ủy xã".into()),
            cooperating_bodies: vec![],
            responsible: Some(app.member_a),
            deadline: Some(date!(2030 - 06 - 30)),
            expected_output: Some("4 buổi sinh hoạt chuyên đề".into()),
            upper_target: None,
        }],
    )
    .await
    .unwrap();
    s.issue_program(&sys, program.id, date!(2024 - 03 - 20))
        .await
        .unwrap();
    program.id
}

/// A plan that is its own work against the resolution but repeats the unit's plan of the
/// previous period is "copied" overall, from that plan, with the passages side by side:
/// on the check page and in the API (issue 15, item 2).
#[tokio::test]
async fn a_plan_repeating_the_previous_period_is_copied_overall_from_it() {
    let app = spawn_app().await;
    let local = [
        "Đến hết năm 2027, cả 12 chi bộ thôn của xã Bảo Đài tổ chức sinh hoạt định kỳ \
         đúng ngày mồng 5 hằng tháng, mỗi quý có ít nhất một buổi sinh hoạt chuyên đề.",
        "Đảng ủy xã phân công mỗi đồng chí đảng ủy viên phụ trách hai chi bộ thôn, dự \
         sinh hoạt ít nhất một lần mỗi quý và báo cáo bằng văn bản. Chi bộ thôn Bình An \
         và thôn Đồng Mai thí điểm ghi biên bản sinh hoạt điện tử trước tháng 9 năm 2026; \
         văn phòng Đảng ủy tổng hợp ý kiến của đảng viên về tình hình sạt lở bờ sông Lục \
         Nam, đường giao thông nội đồng và vệ sinh môi trường để đưa vào nội dung sinh hoạt.",
        "Văn phòng Đảng ủy xã theo dõi, đôn đốc; sáu tháng một lần báo cáo Ban Thường vụ \
         Huyện ủy kết quả thực hiện, kèm danh sách chi bộ chưa đạt yêu cầu.",
    ];
    issue_previous_plan(&app, local).await;
    let records = app.seed_programs_with_body(RESOLUTION).await;
    let program = records.program.0;
    let office = app.signed_in("office.a").await;
    post_sections(&office, program, local).await;

    let html = check_page(&office, program).await;
    assert!(html.contains("Kết luận chung"), "{html}");
    assert!(
        html.contains("theo so sánh với kế hoạch kỳ trước của đơn vị"),
        "{html}"
    );
    assert!(
        html.contains("So với kế hoạch kỳ trước của đơn vị"),
        "{html}"
    );
    assert!(html.contains("Xem các đoạn trùng"), "{html}");

    let res = office
        .get(&format!("/api/programs/{program}/quality"))
        .await;
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.unwrap();
    assert_eq!(v["overall"]["verdict"], "copied", "{v}");
    assert_eq!(v["overall"]["source"], "previous", "{v}");
    assert_eq!(v["band"], "needs_redoing", "a copied plan: {v}");
    assert_eq!(v["upper"]["verdict"], "original", "{v}");
    assert_eq!(v["previous"]["verdict"], "copied", "{v}");
    assert!(
        !v["previous"]["passages"].as_array().unwrap().is_empty(),
        "{v}"
    );
    assert!(
        v["overall"]["reason"]
            .as_str()
            .unwrap()
            .contains("kỳ trước"),
        "{v}"
    );
}
