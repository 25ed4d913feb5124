//! Resolutions into programs, through the pages: register a document, cascade it, record
//! a study, draft and issue a program ("5 rõ" refused until complete), the dashboard and
//! its spreadsheet.

use domain::{DocumentId, Principal};
use store::Page;

use crate::helpers::{Browser, TestApp, spawn_app};

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// The id after `prefix` in a redirect's address.
fn id_after(loc: &str, prefix: &str) -> i64 {
    let rest = loc.strip_prefix(prefix).unwrap_or_else(|| panic!("{loc}"));
    rest.split(['/', '?', '#']).next().unwrap().parse().unwrap()
}

async fn register(app: &TestApp, b: &Browser, number: &str) -> reqwest::Response {
    b.post(
        &format!("/orgs/{}/documents/new", app.province),
        &[
            ("doc_type", "resolution"),
            ("number", number),
            ("issued_on", "15/01/2025"),
            ("term", "2020–2025"),
            ("title", "Về nâng cao chất lượng sinh hoạt chi bộ"),
            (
                "body",
                "## Giải pháp\n\n- Nâng cao trách nhiệm của cấp ủy\n\n<script>alert(1)</script>",
            ),
        ],
    )
    .await
}

#[tokio::test]
async fn a_bad_number_keeps_the_values_and_saves_nothing() {
    let app = spawn_app().await;
    let b = app.signed_in("admin").await;
    let res = register(&app, &b, "01-CT/TU").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Lỗi:"), "{html}");
    assert!(html.contains("Có lỗi cần sửa") || html.contains("error-summary"));
    assert!(
        html.contains("Ký hiệu không khớp với loại văn bản"),
        "{html}"
    );
    assert!(html.contains("value=\"01-CT/TU\""));
    assert!(html.contains("Về nâng cao chất lượng sinh hoạt chi bộ"));
    let res = register(&app, &b, "abc").await;
    assert_eq!(res.status(), 422);
    let docs = app
        .store
        .documents(
            &Principal::system(),
            app.province,
            Page {
                offset: 0,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert!(docs.is_empty());

    // The same number twice in a term is refused on the number field.
    assert_eq!(register(&app, &b, "01-NQ/TU").await.status(), 303);
    let res = register(&app, &b, "1-NQ/TU").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("đã được dùng"));
}

#[tokio::test]
async fn from_resolution_to_issued_program_and_dashboard() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;

    // The province registers its resolution; the text is rendered and sanitized.
    let res = register(&app, &admin, "01-NQ/TU").await;
    assert_eq!(res.status(), 303);
    let doc = id_after(&location(&res), "/documents/");
    let html = admin
        .get(&format!("/documents/{doc}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("01-NQ/TU"));
    assert!(
        html.contains("<li>Nâng cao trách nhiệm của cấp ủy</li>"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"));

    // Targets.
    let res = admin
        .post(
            &format!("/documents/{doc}/targets"),
            &[
                (
                    "targets[0].indicator",
                    "Tỷ lệ chi bộ đạt trong sạch, vững mạnh",
                ),
                ("targets[0].baseline", "80"),
                ("targets[0].target_value", "abc"),
                ("targets[0].unit", "%"),
                ("targets[0].deadline", ""),
                ("targets[0].direction", "increase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Dòng 1"));
    let res = admin
        .post(
            &format!("/documents/{doc}/targets"),
            &[
                (
                    "targets[0].indicator",
                    "Tỷ lệ chi bộ đạt trong sạch, vững mạnh",
                ),
                ("targets[0].baseline", "80"),
                ("targets[0].target_value", "95"),
                ("targets[0].unit", "%"),
                ("targets[0].deadline", "31/12/2025"),
                ("targets[0].direction", "increase"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Cascade to the grassroots organizations of district A: bad deadlines first.
    let path = format!("/documents/{doc}/cascades/new");
    let district = app.district_a.to_string();
    let res = admin
        .post(
            &path,
            &[
                ("scope", "grassroots"),
                ("unit", &district),
                ("study_by", "01/01/2025"),
                ("program_by", "31/12/2030"),
                ("report_every", "quarterly"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("sớm hơn ngày ban hành"), "{html}");
    assert!(html.contains(&format!("value=\"{district}\"")));
    let answers = [
        ("scope", "grassroots"),
        ("unit", district.as_str()),
        ("study_by", "15/02/2025"),
        ("program_by", "31/12/2030"),
        ("report_every", "quarterly"),
    ];
    // A cascade cannot be undone: the answers are checked first, saving nothing.
    let res = admin.post(&path, &answers).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Kiểm tra trước khi triển khai"), "{html}");
    assert!(html.contains("Sẽ triển khai đến 1 tổ chức."), "{html}");
    assert!(html.contains("15/02/2025") && html.contains("31/12/2030"));
    assert!(html.contains("Các tổ chức cơ sở đảng thuộc"), "{html}");
    assert!(
        app.store
            .document_cascades(&Principal::system(), DocumentId(doc))
            .await
            .unwrap()
            .is_empty(),
        "nothing saved before the confirmation"
    );
    // "Change" goes back to the form with the answers kept.
    let mut change = answers.to_vec();
    change.push(("change", "1"));
    let html = admin.post(&path, &change).await.text().await.unwrap();
    assert!(html.contains("value=\"15/02/2025\""), "{html}");
    let mut confirm = answers.to_vec();
    confirm.push(("confirm", "yes"));
    let res = admin.post(&path, &confirm).await;
    assert_eq!(res.status(), 303);
    let loc = location(&res);
    // The same submission again (a double click, the back button) reaches no one new and
    // creates no empty cascade.
    let res = admin.post(&path, &confirm).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("không có tổ chức mới"), "{html}");
    let res = admin.post(&path, &answers).await;
    assert_eq!(res.status(), 422, "nor does its preview offer to");
    assert_eq!(
        app.store
            .document_cascades(&Principal::system(), DocumentId(doc))
            .await
            .unwrap()
            .len(),
        1
    );
    let cascade = id_after(&loc, "/cascades/");
    let html = admin.get(&loc).await.text().await.unwrap();
    assert!(html.contains("Đã triển khai đến 1 tổ chức."), "{html}");
    assert!(html.contains("Đảng bộ xã Bảo Đài"));
    assert!(
        html.contains("Quá hạn học tập"),
        "study was due in February 2025"
    );

    // The province dashboard shows the overdue unit.
    let dash = format!("/dashboards/{}/{doc}", app.province);
    let html = admin.get(&dash).await.text().await.unwrap();
    assert!(html.contains("Tổ chức quá hạn"));
    assert!(html.contains("Huyện Lục Nam"), "a child row to drill into");
    // The whole list of overdue units, paged; a page number that is not one shows the first.
    for q in ["", "?page=1", "?page=abc", "?page=0"] {
        let html = admin
            .get(&format!("{dash}/overdue-units{q}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(html.contains("<h1>Tổ chức quá hạn</h1>"), "{html}");
        assert!(html.contains("Đảng bộ xã Bảo Đài"), "{q}: {html}");
        assert!(!html.contains("class=\"pager\""), "one page only");
    }
    let html = admin
        .get(&format!("{dash}/overdue-units?page=2"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Không có tổ chức nào quá hạn."), "{html}");
    assert!(html.contains("‹ "), "a way back to the first page");
    let html = admin
        .get(&format!("{dash}/overdue-tasks"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h1>Nhiệm vụ quá hạn</h1>"), "{html}");

    // District A's office records the study.
    let office = app.signed_in("office.a").await;
    let unit = app
        .store
        .cascade_unit_of(&Principal::system(), app.grassroots_a, DocumentId(doc))
        .await
        .unwrap()
        .unwrap();
    let res = office
        .post(
            &format!("/cascade-units/{}/study", unit.id),
            &[("on", "32/13/2025")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = office
        .post(
            &format!("/cascade-units/{}/study", unit.id),
            &[("on", "20/02/2025")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let html = office
        .get(&format!("/cascades/{cascade}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Học tập muộn"), "{html}");

    // The commune's page lists the resolution it must implement.
    let html = office
        .get(&format!("/orgs/{}", app.grassroots_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Nghị quyết đang triển khai"));
    assert!(html.contains("01-NQ/TU"));

    // The commune drafts its program.
    let res = office
        .post(
            &format!("/orgs/{}/programs", app.grassroots_a),
            &[("document", &doc.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303);
    let program = id_after(&location(&res), "/programs/");
    let html = office
        .get(&format!("/programs/{program}/draft"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Chương trình hành động thực hiện Nghị quyết số 01-NQ/TU"));
    assert!(html.contains("Chưa bắt đầu"));
    let res = office
        .post(
            &format!("/programs/{program}/draft/sections/purpose"),
            &[("text", "Quán triệt sâu sắc nội dung Nghị quyết.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(back, format!("/programs/{program}/draft?saved=1"));
    let html = office.get(&back).await.text().await.unwrap();
    assert!(html.contains("Đã lưu bản nháp."), "a save is confirmed");

    let member = app.member_a.to_string();
    let tasks = |third_complete: bool| {
        let mut t: Vec<(String, String)> = Vec::new();
        let rows: [(&str, &str, &str, &str); 3] = [
            (
                "Tổ chức học tập nghị quyết",
                &member,
                "30/06/2027",
                "Báo cáo kết quả học tập",
            ),
            (
                "Kiện toàn chi bộ",
                &member,
                "31/12/2027",
                "Quyết định kiện toàn",
            ),
            (
                "Sinh hoạt chuyên đề hằng quý",
                if third_complete { &member } else { "" },
                "31/03/2028",
                if third_complete {
                    "Biên bản sinh hoạt"
                } else {
                    ""
                },
            ),
        ];
        for (i, (content, who, deadline, output)) in rows.iter().enumerate() {
            t.push((format!("tasks[{i}].content"), (*content).to_owned()));
            t.push((format!("tasks[{i}].lead_body"), "Đảng ủy xã".to_owned()));
            t.push((format!("tasks[{i}].cooperating_bodies"), String::new()));
            t.push((format!("tasks[{i}].responsible"), (*who).to_owned()));
            t.push((format!("tasks[{i}].deadline"), (*deadline).to_owned()));
            t.push((format!("tasks[{i}].expected_output"), (*output).to_owned()));
        }
        // A blank row, as the page sends it, is dropped.
        t.push(("tasks[3].content".into(), String::new()));
        t.push(("action".into(), "save".into()));
        t
    };
    let post_tasks = |fields: Vec<(String, String)>| {
        let office = &office;
        async move {
            let refs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            office
                .post(&format!("/programs/{program}/draft/tasks"), &refs)
                .await
        }
    };
    // A bad date keeps every value and names the row.
    let mut bad = tasks(false);
    bad[4].1 = "31/02/2027".into();
    let res = post_tasks(bad).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Nhiệm vụ 1 – Thời hạn"), "{html}");
    assert!(html.contains("Sinh hoạt chuyên đề hằng quý"));
    // Saved incomplete.
    assert_eq!(post_tasks(tasks(false)).await.status(), 303);
    let html = office
        .get(&format!("/programs/{program}/draft"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đang làm"), "{html}");

    // Check your answers lists the "5 rõ" problems of task 3; issuing is refused.
    let html = office
        .get(&format!("/programs/{program}/draft/check"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Nhiệm vụ 3: chưa có người chịu trách nhiệm (rõ người)."),
        "{html}"
    );
    assert!(html.contains("Nhiệm vụ 3: chưa có sản phẩm, kết quả đầu ra (rõ sản phẩm)."));
    let today =
        domain::validate::format_date(domain::tz::local_date(time::OffsetDateTime::now_utc()));
    let res = office
        .post(
            &format!("/programs/{program}/issue"),
            &[("issued_on", &today)],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("<title>Lỗi:"));
    assert!(html.contains("rõ người"), "{html}");
    // Sections II and III are empty: a program says how its tasks fit together and who
    // organizes, checks and reports.
    assert!(
        html.contains(&format!(
            "href=\"/programs/{program}/draft/sections/tasks_and_solutions\""
        )),
        "{html}"
    );
    assert!(html.contains(&format!(
        "href=\"/programs/{program}/draft/sections/organization\""
    )));
    for (part, text) in [
        (
            "tasks_and_solutions",
            "Tập trung lãnh đạo, chỉ đạo thực hiện.",
        ),
        (
            "organization",
            "Văn phòng Đảng ủy theo dõi, báo cáo hằng quý.",
        ),
    ] {
        let res = office
            .post(
                &format!("/programs/{program}/draft/sections/{part}"),
                &[("text", text)],
            )
            .await;
        assert_eq!(res.status(), 303);
    }

    // Completed, it is issued with a number and frozen.
    assert_eq!(post_tasks(tasks(true)).await.status(), 303);
    let res = office
        .post(
            &format!("/programs/{program}/issue"),
            &[("issued_on", &today)],
        )
        .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    // A panel says what happened and what comes next, once.
    let loc = location(&res);
    assert_eq!(loc, format!("/programs/{program}?issued=1"));
    let html = office.get(&loc).await.text().await.unwrap();
    assert!(html.contains("class=\"panel-confirm\""), "{html}");
    assert!(
        html.contains("3 nhiệm vụ đã được giao cho 1 người chịu trách nhiệm"),
        "{html}"
    );
    assert!(html.contains("Việc tiếp theo"));
    assert!(html.contains("Triển khai chương trình đến các tổ chức trực thuộc"));
    let html = office
        .get(&format!("/programs/{program}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("class=\"panel-confirm\""));
    assert!(html.contains("-CTr/ĐU"), "{html}");
    assert!(html.contains("Đã ban hành"));
    assert!(html.contains("Nguyễn Văn Đức"));
    let res = office
        .get(&format!("/programs/{program}/draft/tasks"))
        .await;
    assert_eq!(res.status(), 303, "an issued program is not edited");

    // A revision is a new draft; the issued version stays readable.
    let res = office
        .post(&format!("/programs/{program}/revise"), &[])
        .await;
    assert_eq!(res.status(), 303);
    let revision = id_after(&location(&res), "/programs/");
    assert_ne!(revision, program);
    assert_eq!(
        office.get(&format!("/programs/{program}")).await.status(),
        200
    );

    // The dashboard counts: one unit, studied, program issued.
    let html = admin.get(&dash).await.text().await.unwrap();
    assert!(
        html.contains("<strong>Tổ chức đã học tập, quán triệt</strong>: 1/1"),
        "{html}"
    );
    assert!(
        html.contains("<strong>Đã ban hành chương trình</strong>: 1/1"),
        "{html}"
    );
    assert!(html.contains("<svg"));
    // The spreadsheet is offered at the top, before the first chart.
    let link = html.find(&format!("href=\"{dash}/xlsx\"")).expect(&html);
    assert!(link < html.find("<h2").unwrap(), "{html}");
    // The task chart's legend names every status, overdue among them.
    assert!(
        html.contains("<span class=\"key seg-overdue\"></span>Quá hạn ("),
        "{html}"
    );

    // The same table as a spreadsheet, Vietnamese text intact.
    let res = admin.get(&format!("{dash}/xlsx")).await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an xlsx");
    assert_eq!(wb.sheet_names()[0], "Tổng hợp");
    let range = wb.worksheet_range("Tổng hợp").expect("sheet");
    let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(
        cells.iter().any(|c| c == "Tổ chức đã học tập, quán triệt"),
        "{cells:?}"
    );
    assert!(cells.iter().any(|c| c == "Tỉnh Bắc Giang"), "{cells:?}");
    assert!(cells.iter().any(|c| c == "Huyện Lục Nam"), "{cells:?}");
    // The day of the figures is a date, not text.
    assert!(
        matches!(range.get_value((1, 1)), Some(calamine::Data::DateTime(_))),
        "{:?}",
        range.get_value((1, 1))
    );
    // Every table the page shows is in the file, the study's too.
    let names = wb.sheet_names();
    for sheet in [
        "Tổ chức quá hạn",
        "Nhiệm vụ quá hạn",
        "Chỉ tiêu",
        "Học tập, quán triệt",
    ] {
        assert!(names.iter().any(|n| n == sheet), "{sheet}: {names:?}");
    }
    let study = wb.worksheet_range("Học tập, quán triệt").expect("sheet");
    let cells: Vec<String> = study.cells().map(|(_, _, c)| c.to_string()).collect();
    assert!(
        cells.iter().any(|c| c == "Đảng viên đã học tập"),
        "{cells:?}"
    );

    // District B sees none of it.
    let office_b = app.signed_in("office.b").await;
    assert_eq!(
        office_b.get(&format!("/programs/{program}")).await.status(),
        404
    );
    assert_eq!(
        office_b
            .get(&format!("/dashboards/{}/{doc}", app.district_a))
            .await
            .status(),
        404
    );
}

/// A cascade's page shows its units a hundred at a time (issue 12 #3): a district with
/// 105 communes gets two pages, and the counts are over all of them.
#[tokio::test]
async fn a_cascade_page_shows_its_units_a_hundred_at_a_time() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin").await;
    for i in 0..104 {
        app.store
            .org_create(
                &Principal::system(),
                store::NewOrg {
                    parent_id: Some(app.district_a),
                    kind: domain::OrgKind::Grassroots,
                    name: format!("Đảng bộ xã Thử Nghiệm {:03}", i + 1),
                    code: Some(format!("99{i:03}")),
                    valid_from: time::macros::date!(2020 - 01 - 01),
                },
            )
            .await
            .unwrap();
    }
    let res = register(&app, &admin, "01-NQ/TU").await;
    assert_eq!(res.status(), 303);
    let doc = id_after(&location(&res), "/documents/");
    let district = app.district_a.to_string();
    let confirm = [
        ("scope", "grassroots"),
        ("unit", district.as_str()),
        ("study_by", "15/02/2025"),
        ("program_by", "31/12/2030"),
        ("report_every", "quarterly"),
        ("confirm", "yes"),
    ];
    let res = admin
        .post(&format!("/documents/{doc}/cascades/new"), &confirm)
        .await;
    assert_eq!(res.status(), 303);
    let page1 = admin.get(&location(&res)).await.text().await.unwrap();
    assert!(page1.contains("<dd>105</dd>"), "{page1}");
    let rows = |html: &str| html.matches("Đảng bộ xã Thử Nghiệm").count();
    assert!(
        page1.contains("Đảng bộ xã Bảo Đài"),
        "Bảo before Thử: {page1}"
    );
    assert_eq!(rows(&page1), 99, "100 units on the first page");
    assert!(page1.contains("page=2"), "a link to the next page: {page1}");
    let cascade = id_after(&location(&res), "/cascades/");
    let page2 = admin
        .get(&format!("/cascades/{cascade}?page=2"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(rows(&page2), 5, "{page2}");
    assert!(page2.contains("Đảng bộ xã Thử Nghiệm 104"), "{page2}");
}
