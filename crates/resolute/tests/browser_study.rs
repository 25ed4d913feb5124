//! Issue 5's journey in a real headless Chromium at phone size (390×844): on the demo
//! (resolution 05-NQ/TU with its study round), a cell of 30 members has a conference; its
//! secretary marks attendance on one screen (present, excused with a reason, absent),
//! records a late excuse from an .xlsx sheet (refused without the reason, then recorded),
//! cancels a spare conference, withdraws a draft material and shows the check-in QR code; a member opens the signed link, signs in, checks in (a
//! second time changes nothing) and takes the knowledge check. Then desktop-size pages of
//! the plan, grading, review and dashboard. Screenshots go to
//! `target/screenshots/journey-study-*.png`.
//!
//! Needs `chromedriver` and `chromium`, as the other browser journeys do;
//! RESOLUTE_CHROMEDRIVER / RESOLUTE_CHROMIUM override the paths.
//!
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`);
//! `scripts/test` runs both.

mod common;

use common::{
    DemoWorld, body_text, click, demo_world, fill, overflows, shot, sign_in, start_browser, tap,
    wait_path,
};
use domain::study::{SessionDraft, SessionForm};
use domain::{AccessRole, Audience, Gender, OrgKind, Principal};
use fantoccini::{Client, Locator};
use store::{NewGrant, NewMember, NewOrg, NewStudySession, NewUser};

/// Fills the sign-in form of the current page and submits it.
async fn submit_sign_in(c: &Client, username: &str) {
    fill(c, "#username", username).await;
    fill(c, "#password", demo::tree::DEMO_PASSWORD).await;
    click(c, "form button[type=submit]").await;
    wait_path(c, "a signed-in page", |p| !p.starts_with("/login")).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn secretary_marks_a_30_member_cell_and_a_member_checks_in_on_a_phone() {
    let DemoWorld {
        tmp,
        db,
        hash: user_hash,
    } = demo_world("study").await;
    let store = db.store.clone();
    let sys = Principal::system();
    // The demo secretary's commune gets a new cell of 30 members, its secretary and one
    // member's account (set-up, not the journey).
    let demo_sec = store
        .user_by_username(&sys, "bithu.chibo")
        .await
        .unwrap()
        .unwrap();
    let demo_cell = store
        .org_get(&sys, demo_sec.grants[0].org_id)
        .await
        .unwrap();
    let commune = demo_cell.parent_id.unwrap();
    let cell = store
        .org_create(
            &sys,
            NewOrg {
                parent_id: Some(commune),
                kind: OrgKind::Cell,
                name: "Chi bộ thôn Tân Sơn".into(),
                code: Some("TS-30".into()),
                valid_from: time::macros::date!(2025 - 07 - 01),
            },
        )
        .await
        .unwrap();
    let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"];
    let given = ["Văn An", "Thị Bình", "Văn Cường", "Thị Dung", "Văn Đông"];
    let mut members = Vec::new();
    for i in 0..30 {
        let m = store
            .member_create(
                &sys,
                NewMember {
                    cell_id: cell.id,
                    full_name: format!("{} {} {}", family[i % 6], given[i % 5], i + 1),
                    gender: Some(if i % 2 == 0 {
                        Gender::Male
                    } else {
                        Gender::Female
                    }),
                    birth_date: None,
                    joined_on: None,
                    audience: if i < 3 {
                        Audience::KeyCadre
                    } else {
                        Audience::Member
                    },
                    card_number: None,
                    since: time::macros::date!(2025 - 07 - 01),
                },
            )
            .await
            .unwrap();
        members.push(m);
    }
    let account = |username: &str, member, role, org| {
        let store = store.clone();
        let hash = user_hash.clone();
        let username = username.to_owned();
        async move {
            let u = store
                .user_create(
                    &Principal::system(),
                    NewUser {
                        username: username.clone(),
                        display_name: username,
                        password_hash: hash,
                        member_id: member,
                    },
                )
                .await
                .unwrap();
            store
                .grant_add(
                    &Principal::system(),
                    NewGrant {
                        user_id: u.id,
                        role,
                        org_id: org,
                    },
                )
                .await
                .unwrap();
        }
    };
    account(
        "bithu.tanson",
        Some(members[0].id),
        AccessRole::Secretary,
        cell.id,
    )
    .await;
    let me = &members[29];
    account("dangvien.tanson", Some(me.id), AccessRole::Member, cell.id).await;
    let doc = store
        .study_documents(&sys, cell.id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.symbol == demo::resolution::NUMBER)
        .expect("the demo resolution reaches the cell");
    // Held today: its QR code marks members present on the conference's day only.
    let held = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let session = store
        .create_study_session(
            &sys,
            cell.id,
            doc.document_id,
            NewStudySession {
                draft: SessionDraft::parse(
                    &SessionForm {
                        title: "Học tập Nghị quyết 05-NQ/TU – Chi bộ thôn Tân Sơn".into(),
                        audience: "member".into(),
                        format: "in_person".into(),
                        held_on: domain::validate::format_date(held),
                        place: "Nhà văn hóa thôn Tân Sơn".into(),
                    },
                    Some(doc.study_by.max(held)),
                    false,
                )
                .unwrap(),
                reporters: vec![],
                makeup_of: None,
            },
        )
        .await
        .unwrap();

    // A spare conference (to be cancelled) and a material of the cell (to be withdrawn).
    let spare = store
        .create_study_session(
            &sys,
            cell.id,
            doc.document_id,
            NewStudySession {
                draft: SessionDraft::parse(
                    &SessionForm {
                        title: "Hội nghị dự phòng – Chi bộ thôn Tân Sơn".into(),
                        audience: "member".into(),
                        format: "in_person".into(),
                        held_on: domain::validate::format_date(held),
                        place: "Nhà văn hóa thôn Tân Sơn".into(),
                    },
                    Some(doc.study_by.max(held)),
                    false,
                )
                .unwrap(),
                reporters: vec![],
                makeup_of: None,
            },
        )
        .await
        .unwrap();
    store
        .add_study_material(
            &sys,
            cell.id,
            doc.document_id,
            store::NewMaterial {
                audience: None,
                title: "Đề cương cũ (bản nháp)".into(),
                url: Some("https://example.org/de-cuong-nhap.pdf".into()),
                file: None,
            },
        )
        .await
        .unwrap();

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
    c.set_window_size(390, 844).await.unwrap();

    // (1) The secretary marks the cell on one screen: 26 present, 2 excused with a
    // reason, 1 absent; the member who will scan the QR code is left for the scan.
    sign_in(&c, &base, "bithu.tanson").await;
    c.goto(&format!("{base}/study-sessions/{}", session.id))
        .await
        .unwrap();
    wait_path(&c, "the conference", |p| p.starts_with("/study-sessions/")).await;
    assert!(!overflows(&c).await, "the sheet fits a 390 px phone");
    // Issue 12 #9: on a phone the header and the navigation take one short band, so the
    // page's heading is in view without scrolling.
    let band = c
        .execute(
            "return [document.querySelector('.site-nav').getBoundingClientRect().bottom, \
             document.querySelector('main h1').getBoundingClientRect().bottom];",
            vec![],
        )
        .await
        .unwrap();
    let (nav_bottom, h1_bottom) = (band[0].as_f64().unwrap(), band[1].as_f64().unwrap());
    assert!(
        nav_bottom <= 130.0,
        "header and navigation end at {nav_bottom} px"
    );
    assert!(h1_bottom <= 400.0, "the heading ends at {h1_bottom} px");
    shot(&c, "journey-study-1-sheet-phone").await;
    for (i, m) in members.iter().enumerate().take(29) {
        let mark = match i {
            5 | 17 => "excused",
            23 => "absent",
            _ => "present",
        };
        tap(&c, &format!("input[name='mark_{}'][value='{mark}']", m.id)).await;
        if mark == "excused" {
            fill(&c, &format!("#reason_{}", m.id), "Đi làm ăn xa").await;
        }
    }
    c.execute(
        "document.getElementById(arguments[0]).scrollIntoView({block: 'start'});",
        vec![serde_json::Value::String(format!("mark_{}", members[4].id))],
    )
    .await
    .unwrap();
    shot(&c, "journey-study-1b-sheet-marked-phone").await;
    click(&c, ".att-submit button[type=submit]").await;
    wait_path(&c, "the saved sheet", |p| p.starts_with("/study-sessions/")).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Đã lưu điểm danh (29 dòng thay đổi)."),
        "{text}"
    );
    assert!(
        text.contains("Có mặt 26 · Vắng có phép 2 · Vắng 1"),
        "{text}"
    );
    shot(&c, "journey-study-2-saved-phone").await;

    // (1b) The absent member brings a note: the secretary records it from a spreadsheet
    // (written here as the template is), first without the reason, then with it.
    click(
        &c,
        &format!("a[href='/study-sessions/{}/import']", session.id),
    )
    .await;
    wait_path(&c, "the import page", |p| p.ends_with("/import")).await;
    assert!(!overflows(&c).await, "the import page fits a 390 px phone");
    shot(&c, "journey-study-2b-import-phone").await;
    let sheet = |reason: Option<&'static str>| {
        let line = import::template::AttendanceLine {
            code: format!("#{}", members[23].id),
            full_name: &members[23].full_name,
            cell: "Chi bộ thôn Tân Sơn",
            mark: Some(domain::AttendanceMark::Excused),
            reason,
        };
        import::template::attendance("Học tập", &[line]).unwrap()
    };
    let bad = tmp.0.join("diem-danh-loi.xlsx");
    std::fs::write(&bad, sheet(None)).unwrap();
    c.find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(bad.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "form[action$='/import'] button[type=submit]").await;
    wait_path(&c, "the import's problems", |p| p.ends_with("/import")).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Dòng 2, cột Lý do vắng: Hãy ghi lý do vắng có phép."),
        "{text}"
    );
    assert!(text.contains("Chưa ghi dòng nào"), "{text}");
    assert!(!overflows(&c).await);
    shot(&c, "journey-study-2c-import-problem-phone").await;
    let good = tmp.0.join("diem-danh.xlsx");
    std::fs::write(&good, sheet(Some("Ốm, có giấy của trạm y tế"))).unwrap();
    c.find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(good.to_str().unwrap())
        .await
        .unwrap();
    click(&c, "form[action$='/import'] button[type=submit]").await;
    wait_path(&c, "the import's result", |p| p.ends_with("/import")).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Đã ghi điểm danh 1 đảng viên: có mặt 0, vắng có phép 1, vắng 0."),
        "{text}"
    );
    shot(&c, "journey-study-2d-imported-phone").await;
    click(&c, ".success a").await;
    wait_path(&c, "the conference", |p| p.starts_with("/study-sessions/")).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Có mặt 26 · Vắng có phép 3 · Vắng 0"),
        "{text}"
    );

    // (1c) The spare conference is cancelled with a reason, and the draft material is
    // withdrawn from the cell's plan.
    c.goto(&format!("{base}/study-sessions/{}/edit", spare.id))
        .await
        .unwrap();
    wait_path(&c, "the edit page", |p| p.ends_with("/edit")).await;
    fill(&c, "#reason", "Đã học chung với hội nghị chính").await;
    tap(&c, "form[action$='/cancel'] button[type=submit]").await;
    c.accept_alert().await.expect("the confirmation");
    wait_path(&c, "the cancelled conference", |p| {
        p.starts_with("/study-sessions/")
    })
    .await;
    let text = body_text(&c).await;
    assert!(text.contains("Hội nghị đã bị hủy."), "{text}");
    assert!(text.contains("Đã học chung với hội nghị chính"), "{text}");
    shot(&c, "journey-study-2e-cancelled-phone").await;
    c.goto(&format!(
        "{base}/orgs/{}/study/{}",
        cell.id, doc.document_id
    ))
    .await
    .unwrap();
    wait_path(&c, "the plan", |p| p.contains("/study/")).await;
    assert!(body_text(&c).await.contains("Đã hủy"));
    c.execute(
        "document.querySelector('.materials').scrollIntoView({block: 'center'});",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "journey-study-2f-plan-withdraw-phone").await;
    tap(&c, ".materials form[action$='/withdraw'] button").await;
    c.accept_alert().await.expect("the confirmation");
    wait_path(&c, "the plan", |p| p.contains("/study/")).await;
    let text = body_text(&c).await;
    assert!(text.contains("Đã thu hồi tài liệu"), "{text}");
    assert!(!text.contains("Đề cương cũ (bản nháp)"), "{text}");
    assert!(!overflows(&c).await, "the plan fits a 390 px phone");
    c.execute(
        "document.querySelector('.materials').scrollIntoView({block: 'center'});",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "journey-study-2g-plan-withdrawn-phone").await;
    c.goto(&format!("{base}/study-sessions/{}", session.id))
        .await
        .unwrap();
    wait_path(&c, "the conference", |p| p.starts_with("/study-sessions/")).await;

    // (2) The QR code, and its link.
    click(&c, &format!("a[href='/study-sessions/{}/qr']", session.id)).await;
    wait_path(&c, "the QR page", |p| p.ends_with("/qr")).await;
    assert!(c.find(Locator::Css(".qr-box svg")).await.is_ok());
    shot(&c, "journey-study-3-qr-phone").await;
    let link = c
        .find(Locator::Css("a[href*='/check-in/']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .expect("the check-in link");

    // (3) The member scans it: sign-in first, then one tap.
    c.delete_all_cookies().await.unwrap();
    c.goto(&link).await.unwrap();
    wait_path(&c, "the sign-in page", |p| p.starts_with("/login")).await;
    submit_sign_in(&c, "dangvien.tanson").await;
    wait_path(&c, "the check-in page", |p| p.starts_with("/check-in/")).await;
    shot(&c, "journey-study-4-checkin-phone").await;
    click(&c, "form[action^='/check-in/'] button[type=submit]").await;
    wait_path(&c, "checked in", |p| p.starts_with("/check-in/")).await;
    let text = body_text(&c).await;
    assert!(
        text.contains(&format!("Đã điểm danh: {} có mặt.", me.full_name)),
        "{text}"
    );
    shot(&c, "journey-study-5-checked-in-phone").await;
    // A second scan is harmless.
    c.goto(&link).await.unwrap();
    wait_path(&c, "the check-in page", |p| p.starts_with("/check-in/")).await;
    click(&c, "form[action^='/check-in/'] button[type=submit]").await;
    wait_path(&c, "checked in again", |p| p.starts_with("/check-in/")).await;
    let text = body_text(&c).await;
    assert!(text.contains("đã điểm danh trước đó"), "{text}");

    // (4) The resolutions to study, then the knowledge check, answered right.
    c.goto(&format!("{base}/study")).await.unwrap();
    wait_path(&c, "the study page", |p| p == "/study").await;
    assert!(!overflows(&c).await, "the study page fits a phone");
    shot(&c, "journey-study-6-my-study-phone").await;
    click(
        &c,
        &format!("a[href='/my/study/{}/check']", doc.document_id),
    )
    .await;
    wait_path(&c, "the check", |p| p.ends_with("/check")).await;
    shot(&c, "journey-study-7-check-phone").await;
    let bank = store
        .questions(
            &sys,
            store.org_by_code(&sys, "24").await.unwrap().unwrap().id,
            doc.document_id,
        )
        .await
        .unwrap();
    let inputs = c.find_all(Locator::Css("input[name^='q_']")).await.unwrap();
    let mut names = Vec::new();
    for i in inputs {
        let n = i.attr("name").await.unwrap().unwrap();
        if !names.contains(&n) {
            names.push(n);
        }
    }
    assert_eq!(names.len(), 5, "five questions drawn");
    for n in &names {
        let qid: i64 = n.trim_start_matches("q_").parse().unwrap();
        let right = bank
            .iter()
            .find(|q| q.id.0 == qid)
            .unwrap()
            .question
            .correct;
        tap(&c, &format!("input[name='{n}'][value='{right}']")).await;
    }
    click(&c, "form[action$='/check'] button[type=submit]").await;
    wait_path(&c, "the result", |p| p.ends_with("/check")).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Bạn trả lời đúng 5/5 câu. Bài kiểm tra đạt."),
        "{text}"
    );
    shot(&c, "journey-study-8-check-passed-phone").await;
    let p = store
        .participation(&sys, cell.id, doc.document_id)
        .await
        .unwrap();
    assert_eq!(p.total().studied, 27);
    assert_eq!(p.total().checks_passed, 1);

    // (5) The office's pages at desktop size.
    c.set_window_size(1280, 900).await.unwrap();
    sign_in(&c, &base, "bithu.chibo").await;
    c.goto(&format!(
        "{base}/orgs/{}/study/{}/reflections",
        demo_cell.id, doc.document_id
    ))
    .await
    .unwrap();
    wait_path(&c, "grading", |p| p.ends_with("/reflections")).await;
    let text = body_text(&c).await;
    assert!(text.contains("Giống bài của"), "the copy flag: {text}");
    shot(&c, "journey-study-10-grading-desktop").await;
    sign_in(&c, &base, "vanphong.lucnam").await;
    c.goto(&format!("{base}/orgs/{commune}/study/{}", doc.document_id))
        .await
        .unwrap();
    wait_path(&c, "the plan", |p| p.contains("/study/")).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Học tập Nghị quyết 05-NQ/TU"),
        "the cells' conferences: {text}"
    );
    shot(&c, "journey-study-9-plan-desktop").await;
    c.goto(&format!(
        "{base}/orgs/{commune}/study/{}/review",
        doc.document_id
    ))
    .await
    .unwrap();
    wait_path(&c, "the review", |p| p.ends_with("/review")).await;
    shot(&c, "journey-study-11-review-desktop").await;
    let district = store
        .org_get(&sys, commune)
        .await
        .unwrap()
        .parent_id
        .unwrap();
    c.goto(&format!(
        "{base}/dashboards/{district}/{}#study",
        doc.document_id
    ))
    .await
    .unwrap();
    wait_path(&c, "the dashboard", |p| p.starts_with("/dashboards/")).await;
    let text = body_text(&c).await;
    assert!(text.contains("Học tập, quán triệt"), "{text}");
    shot(&c, "journey-study-12-dashboard-desktop").await;
    c.goto(&format!("{base}/study-sessions/{}", session.id))
        .await
        .unwrap();
    wait_path(&c, "the conference", |p| p.starts_with("/study-sessions/")).await;
    shot(&c, "journey-study-14-sheet-desktop").await;
    c.goto(&format!("{base}/study-sessions/{}/qr", session.id))
        .await
        .unwrap();
    wait_path(&c, "the QR page", |p| p.ends_with("/qr")).await;
    shot(&c, "journey-study-15-qr-desktop").await;
    c.goto(&format!("{base}/study")).await.unwrap();
    wait_path(&c, "the study page", |p| p == "/study").await;
    let text = body_text(&c).await;
    assert!(text.contains("05-NQ/TU"), "the district's plans: {text}");
    shot(&c, "journey-study-16-study-index-desktop").await;
    c.goto(&format!("{base}/study-sessions/{}/edit", session.id))
        .await
        .unwrap();
    wait_path(&c, "the edit page", |p| p.ends_with("/edit")).await;
    let text = body_text(&c).await;
    assert!(text.contains("không đổi được đối tượng"), "{text}");
    shot(&c, "journey-study-17-edit-desktop").await;
    c.goto(&format!("{base}/study-sessions/{}/import", session.id))
        .await
        .unwrap();
    wait_path(&c, "the import page", |p| p.ends_with("/import")).await;
    shot(&c, "journey-study-18-import-desktop").await;
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!(
        "{base}/orgs/{commune}/study/{}/review",
        doc.document_id
    ))
    .await
    .unwrap();
    wait_path(&c, "the review", |p| p.ends_with("/review")).await;
    shot(&c, "journey-study-13-review-phone").await;
    c.goto(&format!("{base}/study-sessions/{}/edit", session.id))
        .await
        .unwrap();
    wait_path(&c, "the edit page", |p| p.ends_with("/edit")).await;
    assert!(!overflows(&c).await, "the edit page fits a 390 px phone");
    shot(&c, "journey-study-19-edit-phone").await;
    c.goto(&format!("{base}/study-sessions/{}", session.id))
        .await
        .unwrap();
    wait_path(&c, "the conference", |p| p.starts_with("/study-sessions/")).await;
    c.execute(
        "document.querySelector('.button-group').scrollIntoView({block: 'center'});",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "journey-study-20-session-buttons-phone").await;
    c.close().await.unwrap();
}
