//! Issue 13's journey in a real headless Chromium: on the demo (Lục Nam's resolution
//! 09-NQ/HU, cascaded to its communes and cells with quarterly reports; a commune's cells
//! reported the last quarter, one copying its sibling), a cell that has not reported yet
//! gets a secretary's account (set-up). At phone size (390×844) the secretary opens the
//! quarter's report due, starts it, sees the factual part, writes the assessment and
//! submits it; no page scrolls sideways. At desktop size the district office opens the
//! commune's gathered draft of that quarter and finds the cell's report there, with the
//! formalism signal on the copied one. Screenshots go to
//! `target/screenshots/journey-reports-*.png`.
//!
//! Needs `chromedriver` and `chromium`, as the other browser journeys do;
//! RESOLUTE_CHROMEDRIVER / RESOLUTE_CHROMIUM override the paths.
//!
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`);
//! `scripts/test` runs both.

mod common;

use common::{
    DemoWorld, body_text, demo_world, fill, overflows, shot, sign_in, start_browser, tap, wait_path,
};
use domain::report::ReportKind;
use domain::{AccessRole, OrgKind, Principal, ReportEvery};
use fantoccini::Locator;
use std::time::Duration;
use store::{NewGrant, NewUser, Page};

#[tokio::test(flavor = "multi_thread")]
async fn a_cell_reports_on_a_phone_and_the_district_reads_the_gathered_draft() {
    let DemoWorld {
        tmp,
        db,
        hash: user_hash,
    } = demo_world("reports").await;
    let store = db.store.clone();
    let sys = Principal::system();
    let lucnam = store.org_by_code(&sys, "218").await.unwrap().unwrap();
    let commune = store
        .org_children(&sys, lucnam.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .expect("a commune of Lục Nam");
    let doc = store
        .documents(
            &sys,
            lucnam.id,
            Page {
                offset: 0,
                limit: 50,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.symbol == "09-NQ/HU")
        .expect("Lục Nam's resolution (demo/src/reports.rs)")
        .id;
    // The last quarter that ended, as the demo's reports have it.
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    let this = ReportEvery::Quarterly.period_start(today);
    let quarter = ReportEvery::Quarterly.period_start(this - time::Duration::days(1));
    let before = store
        .gathered_reports(&sys, commune.id, doc, ReportKind::Periodic, quarter)
        .await
        .unwrap();
    let (cell, cell_name) = before
        .missing
        .first()
        .cloned()
        .expect("a cell of the commune has not reported the quarter");
    // Set-up: the cell's secretary gets an account.
    let u = store
        .user_create(
            &sys,
            NewUser {
                username: "bithu.baocao".into(),
                display_name: "Bí thư chi bộ".into(),
                password_hash: user_hash,
                member_id: None,
            },
        )
        .await
        .unwrap();
    store
        .grant_add(
            &sys,
            NewGrant {
                user_id: u.id,
                role: AccessRole::Secretary,
                org_id: cell,
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

    // (1) Phone: the secretary opens the cell's reports due and starts the quarter's.
    c.set_window_size(390, 844).await.unwrap();
    sign_in(&c, &base, "bithu.baocao").await;
    let unit = format!("/orgs/{}/reports/{doc}", cell.0);
    c.goto(&format!("{base}{unit}")).await.unwrap();
    wait_path(&c, "the reports due", |p| p == unit).await;
    let text = body_text(&c).await;
    let q = domain::Period::containing(ReportEvery::Quarterly, quarter, 5);
    let period = format!(
        "{} – {}",
        domain::validate::format_date(q.start),
        domain::validate::format_date(q.end)
    );
    assert!(text.contains(&period), "{period}: {text}");
    assert!(text.contains("Báo cáo định kỳ"), "{text}");
    assert!(!overflows(&c).await, "the reports due fit 390 px");
    shot(&c, "journey-reports-1-due-phone").await;
    tap(
        &c,
        &format!("form.inline-form:has(input[name=period][value='{quarter}']) button[type=submit]"),
    )
    .await;
    wait_path(&c, "the draft", |p| p.starts_with("/reports/")).await;
    let report = c.current_url().await.unwrap().path().to_owned();
    let text = body_text(&c).await;
    assert!(text.contains("Phần số liệu"), "the factual part: {text}");
    assert!(text.contains("Đảng viên đã học tập"), "{text}");
    assert!(text.contains("Bản nháp"), "{text}");
    assert!(!overflows(&c).await, "the draft fits 390 px");
    shot(&c, "journey-reports-2-draft-phone").await;

    // (2) The assessment, then submit.
    let assessment = "Chi bộ đã tổ chức sinh hoạt chuyên đề, vận động nhân dân làm đường \
                      giao thông nội đồng; đảng viên phụ trách hộ đã bám sát cơ sở.";
    fill(&c, "#assessment", assessment).await;
    fill(&c, "#causes", "Một số đảng viên đi làm ăn xa.").await;
    shot(&c, "journey-reports-3-written-phone").await;
    tap(&c, "button[name=action][value=submit]").await;
    for _ in 0..100 {
        if c.current_url()
            .await
            .unwrap()
            .query()
            .is_some_and(|q| q.contains("done=submitted"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_path(&c, "the submitted report", |p| p == report).await;
    let text = body_text(&c).await;
    assert!(text.contains("Đã gửi"), "{text}");
    assert!(text.contains("-BC/"), "numbered: {text}");
    assert!(!overflows(&c).await, "the submitted report fits 390 px");
    shot(&c, "journey-reports-4-submitted-phone").await;

    // (3) Desktop: the district office reads the commune's gathered draft.
    c.set_window_size(1280, 900).await.unwrap();
    sign_in(&c, &base, "vanphong.lucnam").await;
    let gathered = format!(
        "/orgs/{}/reports/{doc}/gathered?kind=periodic&period={quarter}",
        commune.id
    );
    c.goto(&format!("{base}{gathered}")).await.unwrap();
    wait_path(&c, "the gathered draft", |p| p.ends_with("/gathered")).await;
    let text = body_text(&c).await;
    assert!(text.contains(&cell_name), "{cell_name}: {text}");
    assert!(text.contains(assessment), "the cell's assessment: {text}");
    assert!(
        c.find(Locator::Css(&format!("a[href='{report}']")))
            .await
            .is_ok(),
        "the cell's report is linked"
    );
    let copies = c
        .find_all(Locator::Css("[data-signal=copy]"))
        .await
        .unwrap();
    assert!(!copies.is_empty(), "the copied report is flagged: {text}");
    assert!(text.contains("Sao chép"), "{text}");
    shot(&c, "journey-reports-5-gathered-desktop").await;
    c.close().await.unwrap();
}
