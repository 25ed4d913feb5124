//! Issue 17 item 4's journeys in a real headless Chromium at phone size (390×844), on the
//! demo: a commune of Lục Nam (its secretary's account is the set-up) opens the district's
//! movement, which is open for pledges, registers its pledge (a value typed wrongly comes
//! back with its message, then is saved) and sees it on the movement; the provincial
//! office records the emulation council's vote on the member nominated in the province's
//! movement, then issues the decision: the passed nomination ticked, the check of the
//! answers, issued (the HTTP tests send the same form twice: no second decision).
//! No page scrolls sideways; each page passes axe-core's WCAG 2.1 A/AA rules (see
//! `common::axe_check`). Screenshots go to `target/screenshots/journey-emulation-*.png`.
//!
//! Needs `chromedriver` and `chromium`, as the other browser journeys do;
//! RESOLUTE_CHROMEDRIVER / RESOLUTE_CHROMIUM / RESOLUTE_AXE override the paths.
//!
//! On SQLite, or on PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`);
//! `scripts/test` runs both.

mod common;

use common::{
    DemoWorld, axe_check, axe_source, body_text, demo_world, fill, overflows, shot, sign_in,
    start_browser, tap, wait_path,
};
use domain::emulation::{MovementState, NominationState};
use domain::{AccessRole, OrgKind, Principal};
use fantoccini::{Client, Locator};
use std::time::Duration;
use store::{NewGrant, NewUser};

/// Waits for a redirect that carries `?done=<done>`, then for its page.
async fn wait_done(c: &Client, done: &str, path: &str) {
    let want = format!("done={done}");
    for _ in 0..100 {
        if c.current_url()
            .await
            .unwrap()
            .query()
            .is_some_and(|q| q.contains(&want))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_path(c, path, |p| p == path).await;
}

/// The page's main form's submit button (the header holds the sign-out form).
const SUBMIT: &str = "main form button[type=submit]";

#[tokio::test(flavor = "multi_thread")]
async fn a_commune_pledges_and_the_council_votes_and_the_office_decides_on_a_phone() {
    let DemoWorld {
        tmp,
        db,
        hash: user_hash,
    } = demo_world("emulation").await;
    let store = db.store.clone();
    let sys = Principal::system();
    let axe = axe_source();
    let lucnam = store.org_by_code(&sys, "218").await.unwrap().unwrap();
    let commune = store
        .org_children(&sys, lucnam.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .expect("a commune of Lục Nam");
    let movements = store.movements(&sys, lucnam.id).await.unwrap();
    let open = movements
        .iter()
        .find(|m| m.org_id == lucnam.id && m.state == MovementState::Open)
        .expect("Lục Nam's movement, open for pledges (demo/src/emulation.rs)")
        .id;
    let province = movements
        .iter()
        .find(|m| m.org_kind == OrgKind::Provincial)
        .expect("the province's movement")
        .id;
    let waiting = store
        .movement(&sys, province)
        .await
        .unwrap()
        .nominations
        .into_iter()
        .find(|n| n.state == NominationState::Proposed && n.member_id.is_some())
        .expect("a member's nomination awaiting the council");
    // Set-up: the commune's secretary gets an account.
    let u = store
        .user_create(
            &sys,
            NewUser {
                username: "bithu.thiduaxa".into(),
                display_name: "Bí thư Đảng ủy xã".into(),
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
                org_id: commune.id,
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

    // (1) The commune's secretary opens the district's movement and its pledge form.
    sign_in(&c, &base, "bithu.thiduaxa").await;
    let list = format!("/orgs/{}/emulation", commune.id);
    c.goto(&format!("{base}{list}")).await.unwrap();
    wait_path(&c, "the commune's movements", |p| p == list).await;
    let movement = format!("/emulation/{open}");
    tap(&c, &format!("a[href='{movement}']")).await;
    wait_path(&c, "the movement", |p| p == movement).await;
    let text = body_text(&c).await;
    assert!(text.contains("Đang nhận đăng ký giao ước"), "{text}");
    assert!(!overflows(&c).await, "the movement fits 390 px");
    axe_check(&c, &axe, "the movement").await;
    shot(&c, "journey-emulation-1-movement-phone").await;
    let pledge = format!("{movement}/pledge");
    tap(&c, &format!("a[href='{pledge}']")).await;
    wait_path(&c, "the pledge form", |p| p == pledge).await;
    let unit = c
        .find(Locator::Css("#org_id option[selected]"))
        .await
        .expect("the commune is chosen")
        .text()
        .await
        .unwrap();
    assert_eq!(unit, commune.name);
    let commitments = "Đảng ủy xã cam kết 100% chi bộ học tập nghị quyết và kết nạp đảng viên \
                       mới vượt chỉ tiêu.";
    fill(&c, "#commitments", commitments).await;
    fill(&c, "input[name^='value_']", "nhiều").await;
    assert!(!overflows(&c).await, "the pledge form fits 390 px");
    axe_check(&c, &axe, "the pledge form").await;
    tap(&c, SUBMIT).await;
    wait_path(&c, "the pledge form again", |p| p == pledge).await;
    let text = body_text(&c).await;
    assert!(text.contains("Số không hợp lệ."), "{text}");
    assert!(!overflows(&c).await, "the pledge's errors fit 390 px");
    axe_check(&c, &axe, "the pledge form with its error").await;
    shot(&c, "journey-emulation-2-pledge-error-phone").await;
    fill(&c, "input[name^='value_']", "95,5").await;
    tap(&c, SUBMIT).await;
    wait_done(&c, "pledged", &movement).await;
    let text = body_text(&c).await;
    assert!(text.contains("Đã lưu đăng ký giao ước thi đua."), "{text}");
    assert!(text.contains(commitments), "{text}");
    assert!(text.contains("95,5"), "{text}");
    assert!(
        !overflows(&c).await,
        "the pledge on the movement fits 390 px"
    );
    shot(&c, "journey-emulation-3-pledged-phone").await;

    // (2) The provincial office records the council's vote on the member's nomination.
    sign_in(&c, &base, "vanphong.tinhuy").await;
    let movement = format!("/emulation/{province}");
    c.goto(&format!("{base}{movement}")).await.unwrap();
    wait_path(&c, "the province's movement", |p| p == movement).await;
    let vote = format!("/emulation-nominations/{}/vote", waiting.id);
    tap(&c, &format!("a[href='{vote}']")).await;
    wait_path(&c, "the vote form", |p| p == vote).await;
    let text = body_text(&c).await;
    let member = waiting.member_name.clone().unwrap();
    assert!(text.contains(&member), "{text}");
    fill(&c, "#members", "11").await;
    fill(&c, "#for_votes", "9").await;
    fill(&c, "#against", "1").await;
    fill(&c, "#abstain", "1").await;
    assert!(!overflows(&c).await, "the vote form fits 390 px");
    axe_check(&c, &axe, "the vote form").await;
    shot(&c, "journey-emulation-4-vote-phone").await;
    tap(&c, SUBMIT).await;
    wait_done(&c, "voted", &movement).await;
    let text = body_text(&c).await;
    assert!(text.contains("Đã ghi kết quả biểu quyết"), "{text}");
    assert!(text.contains("9/11 tán thành"), "{text}");

    // (3) The decision: the passed nomination ticked, checked, issued once.
    let decision = format!("{movement}/decision");
    tap(&c, &format!("a[href='{decision}']")).await;
    wait_path(&c, "the decision form", |p| p == decision).await;
    let ticked = c
        .find_all(Locator::Css("input[name=nomination]:checked"))
        .await
        .unwrap();
    assert_eq!(ticked.len(), 1, "the member's nomination, ticked");
    assert!(body_text(&c).await.contains(&member));
    fill(&c, "#number", "131-QĐ/TU").await;
    fill(
        &c,
        "#signed_on",
        &domain::validate::format_date(domain::tz::local_date(time::OffsetDateTime::now_utc())),
    )
    .await;
    fill(&c, "#signer_name", "Nguyễn Văn Thành").await;
    fill(&c, "#signer_title", "Bí thư Tỉnh ủy").await;
    assert!(!overflows(&c).await, "the decision form fits 390 px");
    axe_check(&c, &axe, "the decision form").await;
    shot(&c, "journey-emulation-5-decision-phone").await;
    tap(&c, SUBMIT).await;
    wait_path(&c, "the check of the answers", |p| p == decision).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Kiểm tra trước khi ban hành quyết định"),
        "{text}"
    );
    assert!(text.contains("131-QĐ/TU"), "{text}");
    assert!(text.contains("Khen thưởng 1 tập thể, cá nhân"), "{text}");
    assert!(!overflows(&c).await, "the check fits 390 px");
    axe_check(&c, &axe, "the decision's check").await;
    shot(&c, "journey-emulation-6-check-phone").await;
    tap(&c, "button[name=confirm][value=yes]").await;
    wait_done(&c, "decided", &movement).await;
    let text = body_text(&c).await;
    assert!(
        text.contains("Đã ban hành quyết định khen thưởng"),
        "{text}"
    );
    assert!(text.contains("131-QĐ/TU"), "{text}");
    assert!(!overflows(&c).await, "the register fits 390 px");
    shot(&c, "journey-emulation-7-decided-phone").await;
    let v = store.movement(&sys, province).await.unwrap();
    assert_eq!(
        v.decisions
            .iter()
            .filter(|d| d.number == "131-QĐ/TU")
            .count(),
        1,
        "one decision"
    );
    c.close().await.unwrap();
}
