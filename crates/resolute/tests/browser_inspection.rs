//! Issue 16's journey in a real headless Chromium: on the demo, the provincial inspection
//! committee's second supervision of Lục Nam (05-NQ/TU) has been notified, self-reported
//! and has a finding (set-up). At desktop size the inspector (`ubkt.tinhuy`) concludes it
//! with two recommendations to the district (and, on a planned item, picks the program
//! and two tasks it looks at); at phone size (390×844) the district office
//! (`vanphong.lucnam`) finds them on its inspection page, makes each a task and posts the
//! remediation with a file; at desktop size the inspector verifies one and returns the
//! other with a reason; the provincial inspection dashboard shows each change (phone and
//! desktop). No page scrolls sideways at phone width; each page passes axe-core's WCAG
//! 2.1 A/AA rules (`common::axe_check`: the unit's inspection page, the program, the item
//! form, the suggestions, the item, the conclusion form, the recommendation, the
//! remediation form and the dashboard). Screenshots go to
//! `target/screenshots/journey-inspection-*.png`.
//!
//! Needs `chromedriver` and `chromium`, as the other browser journeys do;
//! RESOLUTE_CHROMEDRIVER / RESOLUTE_CHROMIUM override the paths.
//!
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`);
//! `scripts/test` runs both.

mod common;

use common::{
    DemoWorld, axe_check, axe_source, body_text, click, demo_world, fill, overflows, shot, sign_in,
    start_browser, tap, wait_path,
};
use domain::Principal;
use domain::inspection::{AboutKind, BodyKind, FindingKind, ItemKind, TeamRole};
use fantoccini::{Client, Locator};
use std::time::Duration;
use store::{NewFinding, NewItem, Page};

/// The provincial dashboard's text, at the current window size.
async fn dashboard(c: &Client, base: &str, path: &str) -> String {
    c.goto(&format!("{base}{path}")).await.unwrap();
    wait_path(c, "the dashboard", |p| p.ends_with("/inspection/dashboard")).await;
    body_text(c).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inspector_concludes_the_district_remediates_and_the_dashboard_follows() {
    let DemoWorld { tmp, db, hash: _ } = demo_world("inspection").await;
    let store = db.store.clone();
    let sys = Principal::system();
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let days = time::Duration::days;
    let lucnam = store.org_by_code(&sys, "218").await.unwrap().unwrap();
    let root = store
        .org_get(&sys, lucnam.parent_id.expect("Lục Nam has a parent"))
        .await
        .unwrap();
    let doc = store
        .documents(
            &sys,
            root.id,
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.symbol == demo::resolution::NUMBER)
        .expect("the demo resolution")
        .id;
    let program = store
        .inspection_programs(&sys, root.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.body == BodyKind::InspectionCommittee && p.year == today.year())
        .expect("the UBKT's program of the year (demo/src/inspection.rs)");
    let head = store
        .subtree_members(
            &sys,
            root.id,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .await
        .unwrap()[0]
        .member
        .id;
    // Set-up: a second supervision of Lục Nam, notified, self-reported, with a finding.
    let item = store
        .add_inspection_item(
            &sys,
            program.id,
            NewItem {
                kind: Some(ItemKind::ThematicSupervision),
                title: "Giám sát việc khắc phục hạn chế sau giám sát tại Lục Nam".into(),
                content: "Việc khắc phục các hạn chế đã được chỉ ra.".into(),
                document_id: Some(doc),
                subjects: vec![(lucnam.id, None)],
                team: vec![(head, TeamRole::Head)],
                starts_on: Some(today - days(10)),
                ends_on: Some(today + days(20)),
                ..NewItem::default()
            },
        )
        .await
        .unwrap();
    store
        .notify_inspection_item(&sys, item.id, today - days(10), Some(today - days(3)))
        .await
        .unwrap();
    store
        .submit_self_report(
            &sys,
            item.subjects[0].id,
            "Huyện ủy Lục Nam báo cáo việc khắc phục.".into(),
            Vec::new(),
            today - days(4),
        )
        .await
        .unwrap();
    store
        .add_finding(
            &sys,
            item.id,
            NewFinding {
                subject_id: item.subjects[0].id,
                kind: FindingKind::Shortcoming,
                about: AboutKind::General,
                about_id: None,
                about_part: None,
                text: "Việc khắc phục còn chậm ở một số cơ sở.".into(),
            },
        )
        .await
        .unwrap();

    // A planned supervision of Lục Nam that names nothing yet: the inspector picks the
    // program and two of its tasks on the item page.
    let planned = store
        .add_inspection_item(
            &sys,
            program.id,
            NewItem {
                kind: Some(ItemKind::ThematicSupervision),
                title: "Giám sát việc thực hiện các nhiệm vụ trọng tâm tại Lục Nam".into(),
                content: "Tiến độ và kết quả các nhiệm vụ được chọn.".into(),
                document_id: Some(doc),
                subjects: vec![(lucnam.id, None)],
                team: vec![(head, TeamRole::Head)],
                starts_on: Some(today + days(20)),
                ends_on: Some(today + days(50)),
                ..NewItem::default()
            },
        )
        .await
        .unwrap();
    let choices = store.item_task_choices(&sys, planned.id).await.unwrap();
    assert!(choices.len() >= 2, "Lục Nam's program offers its tasks");

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
    let dash = format!("/orgs/{}/inspection/dashboard", root.id);
    let recs = [
        "Hoàn thành học tập bổ sung ở các chi bộ nông thôn",
        "Ban hành quy chế theo dõi tiến độ thực hiện nhiệm vụ",
    ];

    let axe = axe_source();
    let (_driver, c) = start_browser().await;

    // (1) Desktop: the inspector concludes with two recommendations to Lục Nam.
    c.set_window_size(1280, 900).await.unwrap();
    sign_in(&c, &base, "ubkt.tinhuy").await;
    let before = dashboard(&c, &base, &dash).await;
    assert!(!before.contains(recs[0]), "{before}");
    axe_check(&c, &axe, "the inspection dashboard").await;
    for (path, what) in [
        (
            format!("/orgs/{}/inspection", root.id),
            "the unit's inspection page",
        ),
        (
            format!("/inspection-programs/{}", program.id),
            "the program",
        ),
        (
            format!("/inspection-programs/{}/items/new", program.id),
            "the item form",
        ),
        (
            format!("/orgs/{}/inspection/suggestions", root.id),
            "the suggestions",
        ),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        wait_path(&c, what, |p| p == path).await;
        axe_check(&c, &axe, what).await;
    }
    // The planned item: the picker is open; the program and two tasks are chosen.
    let planned_path = format!("/inspection-items/{}", planned.id);
    c.goto(&format!("{base}{planned_path}")).await.unwrap();
    wait_path(&c, "the planned item", |p| p == planned_path).await;
    axe_check(&c, &axe, "the item with its task picker").await;
    click(
        &c,
        &format!("input[name=program][value='{}']", choices[0].program_id),
    )
    .await;
    for t in &choices[..2] {
        click(&c, &format!("input[name=tasks][value='{}']", t.id)).await;
    }
    shot(&c, "journey-inspection-0-pick-tasks").await;
    click(
        &c,
        &format!(
            "form[action='/inspection-items/{}/content'] button[type=submit]",
            planned.id
        ),
    )
    .await;
    wait_path(&c, "the item with its tasks", |p| p == planned_path).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Đã lưu chương trình, nhiệm vụ được kiểm tra, giám sát."),
        "{text}"
    );
    for t in &choices[..2] {
        assert!(text.contains(t.content.trim()), "{text}");
    }
    let named = store
        .inspection_item(&sys, planned.id, today)
        .await
        .unwrap();
    assert_eq!(
        named.tasks.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![choices[0].id, choices[1].id]
    );
    assert_eq!(named.content_program_id, Some(choices[0].program_id));
    c.set_window_size(390, 844).await.unwrap();
    assert!(!overflows(&c).await, "the item with its tasks fits 390 px");
    c.set_window_size(1280, 900).await.unwrap();

    c.goto(&format!("{base}/inspection-items/{}", item.id))
        .await
        .unwrap();
    wait_path(&c, "the item", |p| p.starts_with("/inspection-items/")).await;
    axe_check(&c, &axe, "the item").await;
    click(
        &c,
        &format!("a[href='/inspection-items/{}/conclude']", item.id),
    )
    .await;
    wait_path(&c, "the conclusion form", |p| p.ends_with("/conclude")).await;
    fill(
        &c,
        "#conclusion",
        "Huyện ủy Lục Nam đã khắc phục phần lớn hạn chế; còn hai việc phải hoàn thành.",
    )
    .await;
    for (i, text) in recs.iter().enumerate() {
        c.find(Locator::Css(&format!("#acting_{i}")))
            .await
            .unwrap()
            .select_by_value(&lucnam.id.to_string())
            .await
            .unwrap();
        fill(&c, &format!("#rec_{i}"), text).await;
        let due = domain::validate::format_date(today + days(30 * (i as i64 + 1)));
        fill(&c, &format!("#deadline_{i}"), &due).await;
    }
    shot(&c, "journey-inspection-1-conclude").await;
    axe_check(&c, &axe, "the conclusion form").await;
    click(
        &c,
        &format!(
            "form[action='/inspection-items/{}/conclude'] button[type=submit]",
            item.id
        ),
    )
    .await;
    wait_path(&c, "the concluded item", |p| {
        p == format!("/inspection-items/{}", item.id)
    })
    .await;
    let text = body_text(&c).await;
    for r in recs {
        assert!(text.contains(r), "{text}");
    }
    let concluded = dashboard(&c, &base, &dash).await;
    for r in recs {
        assert!(concluded.contains(r), "open on the dashboard: {concluded}");
    }
    shot(&c, "journey-inspection-2-dashboard-concluded").await;
    let ids: Vec<i64> = {
        let all = store.unit_recommendations(&sys, lucnam.id).await.unwrap();
        recs.iter()
            .map(|t| {
                all.iter()
                    .find(|r| r.text == *t)
                    .expect("recommendation")
                    .id
            })
            .collect()
    };

    // (2) Phone: the district office makes each a task and posts its remediation.
    c.set_window_size(390, 844).await.unwrap();
    sign_in(&c, &base, "vanphong.lucnam").await;
    let pdf = tmp.0.join("Biên bản khắc phục.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    )
    .unwrap();
    for (n, id) in ids.iter().enumerate() {
        let unit = format!("/orgs/{}/inspection", lucnam.id);
        c.goto(&format!("{base}{unit}")).await.unwrap();
        wait_path(&c, "the district's inspection page", |p| p == unit).await;
        let text = body_text(&c).await;
        assert!(text.contains(recs[n]), "{text}");
        assert!(!overflows(&c).await, "the inspection page fits 390 px");
        if n == 0 {
            axe_check(&c, &axe, "the district's inspection page").await;
        }
        tap(&c, &format!("a[href='/recommendations/{id}']")).await;
        let rec = format!("/recommendations/{id}");
        wait_path(&c, "the recommendation", |p| p == rec).await;
        if n == 0 {
            axe_check(&c, &axe, "the recommendation to adopt").await;
        }
        let who = c.find(Locator::Css("#responsible")).await.unwrap();
        let options = who.find_all(Locator::Css("option")).await.unwrap();
        assert!(options.len() > 1, "members to answer for it");
        options[1].click().await.unwrap();
        tap(
            &c,
            &format!("form[action='/recommendations/{id}/adopt'] button[type=submit]"),
        )
        .await;
        for _ in 0..100 {
            if c.find(Locator::Css("a[href^='/tasks/']")).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let text = body_text(&c).await;
        assert!(text.contains("Đang thực hiện"), "a task now: {text}");
        assert!(
            c.find(Locator::Css("a[href^='/tasks/']")).await.is_ok(),
            "the task is linked: {text}"
        );
        if n == 0 {
            shot(&c, "journey-inspection-3-task-phone").await;
        }
        tap(&c, &format!("a[href='/recommendations/{id}/remediation']")).await;
        wait_path(&c, "the remediation form", |p| p.ends_with("/remediation")).await;
        fill(&c, "#text", "Đã thực hiện; gửi kèm biên bản.").await;
        c.find(Locator::Css("#file"))
            .await
            .unwrap()
            .send_keys(pdf.to_str().unwrap())
            .await
            .unwrap();
        assert!(!overflows(&c).await, "the remediation form fits 390 px");
        if n == 0 {
            axe_check(&c, &axe, "the remediation form").await;
        }
        tap(
            &c,
            &format!("form[action='/recommendations/{id}/remediation'] button[type=submit]"),
        )
        .await;
        wait_path(&c, "the reported recommendation", |p| p == rec).await;
        let text = body_text(&c).await;
        assert!(text.contains("Chờ thẩm định"), "{text}");
        assert!(text.contains("Biên bản khắc phục.pdf"), "{text}");
        assert!(!overflows(&c).await, "the recommendation fits 390 px");
    }
    shot(&c, "journey-inspection-4-reported-phone").await;

    // (3) Desktop: the inspector verifies the first and returns the second.
    c.set_window_size(1280, 900).await.unwrap();
    sign_in(&c, &base, "ubkt.tinhuy").await;
    c.goto(&format!("{base}/recommendations/{}", ids[0]))
        .await
        .unwrap();
    wait_path(&c, "the first recommendation", |p| {
        p.starts_with("/recommendations/")
    })
    .await;
    click(&c, "button[name=decision][value=verify]").await;
    wait_path(&c, "verified", |p| p.starts_with("/recommendations/")).await;
    for _ in 0..100 {
        if body_text(&c).await.contains("Đã đóng") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(body_text(&c).await.contains("Đã đóng"));
    c.goto(&format!("{base}/recommendations/{}", ids[1]))
        .await
        .unwrap();
    wait_path(&c, "the second recommendation", |p| {
        p.starts_with("/recommendations/")
    })
    .await;
    fill(&c, "#reason", "Chưa có quy chế được ban hành kèm theo.").await;
    click(&c, "button[name=decision][value=return]").await;
    for _ in 0..100 {
        if body_text(&c).await.contains("Bị trả lại") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = body_text(&c).await;
    assert!(text.contains("Bị trả lại"), "{text}");
    assert!(
        text.contains("Chưa có quy chế được ban hành kèm theo."),
        "{text}"
    );
    shot(&c, "journey-inspection-5-returned").await;
    axe_check(&c, &axe, "the returned recommendation").await;

    // (4) The provincial dashboard: the verified one is closed, the returned one open.
    let after = dashboard(&c, &base, &dash).await;
    assert!(!after.contains(recs[0]), "closed, no longer open: {after}");
    assert!(after.contains(recs[1]), "{after}");
    assert!(after.contains("Bị trả lại"), "{after}");
    shot(&c, "journey-inspection-6-dashboard-desktop").await;
    c.set_window_size(390, 844).await.unwrap();
    let phone = dashboard(&c, &base, &dash).await;
    assert!(phone.contains(recs[1]), "{phone}");
    assert!(!overflows(&c).await, "the dashboard fits 390 px");
    axe_check(&c, &axe, "the dashboard on a phone").await;
    shot(&c, "journey-inspection-7-dashboard-phone").await;
    c.close().await.unwrap();
}
