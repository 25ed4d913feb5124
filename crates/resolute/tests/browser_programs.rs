//! Issue 3's journey in a real headless Chromium: the provincial resolution is cascaded to
//! the district-level organizations (set up through the store); the Lục Nam district
//! office drafts its action program with three tasks, checks it and issues it (a number
//! ending in "-CTr/HU"); the member responsible for the first task posts progress with a
//! PDF from a phone-sized window; the provincial office accepts the update; and the
//! provincial dashboard counts the district's program as issued. Screenshots go to
//! `target/screenshots/journey-programs-*.png`.
//!
//! Needs `chromedriver` and `chromium`, as `browser.rs` does; RESOLUTE_CHROMEDRIVER /
//! RESOLUTE_CHROMIUM override the paths.
//!
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`);
//! `scripts/test` runs both.

use domain::{
    AccessRole, CascadeDeadlines, CascadeScope, DocumentNumber, DocumentType, Principal,
    ReportEvery, Term,
};
mod common;

use common::{DemoWorld, body_text, click, demo_world, fill, shot, start_browser, wait_path};
use fantoccini::{Client, Locator};
use std::time::Duration;
use store::{NewDocument, NewGrant, NewUser, Page};
use time::macros::date;

async fn h1(c: &Client) -> String {
    for _ in 0..100 {
        if let Ok(e) = c.find(Locator::Css("h1")).await
            && let Ok(t) = e.text().await
        {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no heading: {}", body_text(c).await)
}

/// Signs out (forgets the cookies) and signs in as `username`.
async fn sign_in(c: &Client, base: &str, username: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&format!("{base}/login")).await.unwrap();
    fill(c, "#username", username).await;
    fill(c, "#password", demo::tree::DEMO_PASSWORD).await;
    click(c, "form button[type=submit]").await;
    wait_path(c, "a signed-in page", |p| !p.starts_with("/login")).await;
    assert!(
        !c.current_url().await.unwrap().path().starts_with("/login"),
        "{username} signed in: {}",
        body_text(c).await
    );
}

/// A task row of the table page: content, responsible member, deadline and output.
struct Row<'a> {
    content: &'a str,
    responsible: String,
    deadline: &'a str,
    output: &'a str,
}

#[tokio::test(flavor = "multi_thread")]
async fn district_program_progress_and_dashboard_in_chromium() {
    let DemoWorld {
        tmp,
        db,
        hash: member_hash,
    } = demo_world("programs").await;
    let store = db.store.clone();
    let sys = Principal::system();
    let lucnam = store.org_by_code(&sys, "218").await.unwrap().unwrap();
    let province = store
        .org_get(&sys, lucnam.parent_id.expect("Lục Nam has a parent"))
        .await
        .unwrap();

    // Set-up (not the point of the journey): the province's resolution, cascaded to the
    // district-level organizations.
    let doc = store
        .register_document(
            &sys,
            NewDocument {
                issuer_org_id: province.id,
                doc_type: DocumentType::Resolution,
                number: DocumentNumber::parse_for("number", DocumentType::Resolution, "01-NQ/TU")
                    .unwrap(),
                term: Term::parse("term", "2020–2025").unwrap(),
                issued_on: date!(2025 - 01 - 15),
                title: "Về nâng cao chất lượng sinh hoạt chi bộ".into(),
                body_md: "## Giải pháp\n\n- Nâng cao trách nhiệm của cấp ủy".into(),
                parent_document_id: None,
            },
        )
        .await
        .unwrap();
    store
        .create_cascade(
            &sys,
            doc.id,
            CascadeScope {
                root: province.path.clone(),
                kinds: vec![lucnam.kind],
                include_root: false,
            },
            CascadeDeadlines {
                study_by: date!(2025 - 02 - 15),
                program_by: date!(2030 - 12 - 31),
                report_every: ReportEvery::Quarterly,
                interim_review_by: None,
                reports_until: None,
                grace_days: 5,
            },
        )
        .await
        .unwrap();
    // Three of the district's members answer for the tasks.
    let members = store
        .subtree_members(
            &sys,
            lucnam.id,
            Page {
                offset: 0,
                limit: 3,
            },
        )
        .await
        .unwrap();
    assert_eq!(members.len(), 3);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = web::AppState::new(
        store.clone(),
        web::Config {
            data_dir: tmp.0.join("data"),
            ..web::Config::default()
        },
    );
    tokio::spawn(web::serve(listener, state, std::future::pending()));

    let (_driver, c) = start_browser().await;
    c.set_window_size(1280, 900).await.unwrap();

    // (1) The district office opens the resolution and starts its program.
    sign_in(&c, &base, "vanphong.lucnam").await;
    c.goto(&format!("{base}/documents/{}", doc.id))
        .await
        .unwrap();
    let text = body_text(&c).await;
    assert!(text.contains("01-NQ/TU"), "{text}");
    assert!(
        text.contains(&lucnam.name),
        "the district's own box: {text}"
    );
    shot(&c, "journey-programs-1-resolution").await;
    click(
        &c,
        &format!(
            "form[action='/orgs/{}/programs'] button[type=submit]",
            lucnam.id
        ),
    )
    .await;
    wait_path(&c, "the draft", |p| p.starts_with("/programs/")).await;
    let title = h1(&c).await;
    assert!(
        title.contains("01-NQ/TU"),
        "the draft's default title names the resolution: {title}"
    );
    let draft_url = c.current_url().await.unwrap();
    let program_id = draft_url
        .path()
        .strip_prefix("/programs/")
        .and_then(|r| r.split('/').next())
        .expect("a draft address")
        .to_owned();

    // (2) Three tasks, each with a member of the unit, a deadline and an output.
    click(&c, &format!("a[href='/programs/{program_id}/draft/tasks']")).await;
    c.wait()
        .for_element(Locator::Css("[name='tasks[2].content']"))
        .await
        .unwrap();
    let rows = [
        Row {
            content: "Tổ chức học tập, quán triệt nghị quyết đến toàn thể đảng viên",
            responsible: members[0].member.id.to_string(),
            deadline: "30/06/2027",
            output: "Báo cáo kết quả học tập",
        },
        Row {
            content: "Kiện toàn cấp ủy các chi bộ trực thuộc",
            responsible: members[1].member.id.to_string(),
            deadline: "31/12/2027",
            output: "Quyết định kiện toàn",
        },
        Row {
            content: "Sinh hoạt chuyên đề hằng quý",
            responsible: members[2].member.id.to_string(),
            deadline: "31/03/2028",
            output: "Biên bản sinh hoạt",
        },
    ];
    for (i, r) in rows.iter().enumerate() {
        fill(&c, &format!("[name='tasks[{i}].content']"), r.content).await;
        fill(
            &c,
            &format!("[name='tasks[{i}].lead_body']"),
            "Ban Tổ chức Huyện ủy",
        )
        .await;
        let who = c
            .find(Locator::Css(&format!("[name='tasks[{i}].responsible']")))
            .await
            .unwrap();
        if who.tag_name().await.unwrap() == "select" {
            who.select_by_value(&r.responsible).await.unwrap();
        } else if i == 0 {
            // Search as you type (issue 12 #2): the member's name brings them into the
            // field's list of suggestions ("Name #number"), which is what the user picks.
            who.clear().await.unwrap();
            who.send_keys(&members[0].member.full_name).await.unwrap();
            let want = format!("#{}", r.responsible);
            let mut offered = String::new();
            for _ in 0..60 {
                offered = c
                    .execute(
                        "var input = document.getElementById(arguments[0]), want = arguments[1];\
                         var list = document.getElementById(input.getAttribute('list') || '');\
                         if (!list) { return ''; }\
                         for (var k = 0; k < list.options.length; k++) {\
                           if (list.options[k].value.endsWith(want)) { return list.options[k].value; }\
                         }\
                         return '';",
                        vec![
                            serde_json::Value::String(format!("tasks[{i}].responsible")),
                            serde_json::Value::String(want.clone()),
                        ],
                    )
                    .await
                    .unwrap()
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                if !offered.is_empty() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            assert!(
                offered.starts_with(&members[0].member.full_name),
                "the list offers the member by name: {offered:?}"
            );
            who.clear().await.unwrap();
            who.send_keys(&offered).await.unwrap();
        } else {
            // Over 300 members: the member's number, as the hint says.
            who.clear().await.unwrap();
            who.send_keys(&r.responsible).await.unwrap();
        }
        fill(&c, &format!("[name='tasks[{i}].deadline']"), r.deadline).await;
        fill(
            &c,
            &format!("[name='tasks[{i}].expected_output']"),
            r.output,
        )
        .await;
    }
    shot(&c, "journey-programs-2-tasks").await;
    click(&c, ".button-group button[name=action][value=save]").await;
    c.wait()
        .for_element(Locator::Css(&format!(
            "a[href='/programs/{program_id}/draft/check']"
        )))
        .await
        .unwrap_or_else(|e| panic!("back on the draft ({e})"));
    let text = body_text(&c).await;
    assert!(
        text.contains("Bảng nhiệm vụ\nHoàn thành"),
        "the task table is complete: {text}"
    );

    // Sections II and III, which issuing needs.
    for (part, text) in [
        (
            "tasks_and_solutions",
            "Tập trung lãnh đạo, chỉ đạo thực hiện các nhiệm vụ trong bảng.",
        ),
        (
            "organization",
            "Văn phòng Huyện ủy theo dõi, tổng hợp, báo cáo Ban Thường vụ hằng quý.",
        ),
    ] {
        click(
            &c,
            &format!("a[href='/programs/{program_id}/draft/sections/{part}']"),
        )
        .await;
        wait_path(&c, "the section", |p| p.ends_with(part)).await;
        fill(&c, "#text", text).await;
        click(&c, "main form button[type=submit]").await;
        wait_path(&c, "the draft", |p| p.ends_with("/draft")).await;
    }

    // Check your answers, then issue.
    click(&c, &format!("a[href='/programs/{program_id}/draft/check']")).await;
    wait_path(&c, "the check page", |p| p.ends_with("/draft/check")).await;
    assert_eq!(h1(&c).await, "Kiểm tra trước khi ban hành");
    let text = body_text(&c).await;
    assert!(
        !text.contains("Cần hoàn thiện trước khi ban hành"),
        "no \"5 rõ\" problems: {text}"
    );
    for r in &rows {
        assert!(text.contains(r.content), "{text}");
        assert!(text.contains(r.deadline), "{text}");
        assert!(text.contains(r.output), "{text}");
    }
    assert!(text.contains(&members[0].member.full_name), "{text}");
    let today =
        domain::validate::format_date(domain::tz::local_date(time::OffsetDateTime::now_utc()));
    fill(&c, "#issued_on", &today).await;
    shot(&c, "journey-programs-3-check").await;
    click(
        &c,
        &format!("form[action='/programs/{program_id}/issue'] button[type=submit]"),
    )
    .await;
    let issued_path = format!("/programs/{program_id}");
    wait_path(&c, "the issued program", |p| p == issued_path).await;
    let text = body_text(&c).await;
    assert!(
        text.split_whitespace()
            .any(|w| w.trim_end_matches([',', '.', ')']).ends_with("-CTr/HU")),
        "a number ending in -CTr/HU: {text}"
    );
    assert!(text.contains("Đã ban hành"), "{text}");
    assert!(
        text.contains("Việc tiếp theo"),
        "a panel says what happened and what comes next: {text}"
    );
    shot(&c, "journey-programs-4-issued").await;

    // (3) The member responsible for the first task, on a phone.
    let first = &members[0].member;
    let account = store
        .user_create(
            &sys,
            NewUser {
                username: "dangvien.lucnam".into(),
                display_name: first.full_name.clone(),
                password_hash: member_hash,
                member_id: Some(first.id),
            },
        )
        .await
        .unwrap();
    store
        .grant_add(
            &sys,
            NewGrant {
                user_id: account.id,
                role: AccessRole::Member,
                org_id: first.cell_id,
            },
        )
        .await
        .unwrap();
    c.set_window_size(390, 844).await.unwrap();
    sign_in(&c, &base, "dangvien.lucnam").await;
    click(&c, "nav a[href='/my/tasks']").await;
    wait_path(&c, "my tasks", |p| p == "/my/tasks").await;
    assert_eq!(h1(&c).await, "Nhiệm vụ của tôi");
    let text = body_text(&c).await;
    assert!(text.contains(rows[0].content), "{text}");
    assert!(
        !text.contains(rows[1].content),
        "only the member's own task: {text}"
    );
    shot(&c, "journey-programs-5-my-tasks-phone").await;
    c.find(Locator::XPath(&format!(
        "//li[.//strong[contains(., '{}')]]//a[contains(@href, '/progress')]",
        rows[0].content
    )))
    .await
    .expect("the task's update link")
    .click()
    .await
    .unwrap();
    wait_path(&c, "the update form", |p| p.ends_with("/progress")).await;
    assert_eq!(h1(&c).await, "Cập nhật tiến độ");
    let pdf = tmp.0.join("Báo cáo quý I.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();
    click(&c, "input[name=status][value=on_track]").await;
    fill(&c, "#percent", "40").await;
    fill(&c, "#note", "Đã tổ chức học tập cho 40% chi bộ").await;
    c.find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(pdf.to_str().unwrap())
        .await
        .unwrap();
    shot(&c, "journey-programs-6-progress-form-phone").await;
    click(
        &c,
        "form[enctype='multipart/form-data'] button[type=submit]",
    )
    .await;
    wait_path(&c, "the task page", |p| {
        p.starts_with("/tasks/") && !p.ends_with("/progress")
    })
    .await;
    let text = body_text(&c).await;
    assert!(text.contains("Chờ duyệt"), "pending review: {text}");
    assert!(text.contains("Đã tổ chức học tập cho 40% chi bộ"), "{text}");
    assert!(text.contains("Báo cáo quý I.pdf"), "{text}");
    shot(&c, "journey-programs-7-posted-phone").await;

    // (4) The provincial office accepts the update from its reviews page.
    c.set_window_size(1280, 900).await.unwrap();
    sign_in(&c, &base, "vanphong.tinhuy").await;
    c.goto(&format!("{base}/orgs/{}/reviews", province.id))
        .await
        .unwrap();
    let text = body_text(&c).await;
    assert!(text.contains(rows[0].content), "{text}");
    assert!(text.contains("Báo cáo quý I.pdf"), "{text}");
    shot(&c, "journey-programs-8-reviews").await;
    c.find(Locator::XPath(&format!(
        "//li[contains(@class, 'update')][.//a[contains(., '{}')]]//button[@value='accept']",
        rows[0].content
    )))
    .await
    .expect("the accept button of the update")
    .click()
    .await
    .unwrap();
    c.wait()
        .for_element(Locator::Css(".success"))
        .await
        .unwrap();
    let text = body_text(&c).await;
    assert!(!text.contains(rows[0].content), "no longer pending: {text}");
    shot(&c, "journey-programs-9-accepted").await;

    // (5) The provincial dashboard counts the district's program as issued.
    c.goto(&format!("{base}/dashboards/{}/{}", province.id, doc.id))
        .await
        .unwrap();
    let issued = c
        .find(Locator::XPath(
            "//li[contains(., 'Đã ban hành chương trình')]/span[contains(@class, 'value')]",
        ))
        .await
        .expect("the issued-programs figure")
        .text()
        .await
        .unwrap();
    let issued: i64 = issued
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("a count: {issued}"));
    assert!(issued >= 1, "programs issued: {issued}");
    let text = body_text(&c).await;
    assert!(text.contains(&lucnam.name), "the district's row: {text}");
    shot(&c, "journey-programs-10-dashboard").await;

    c.close().await.unwrap();
}
