//! Issue 17's journey in a real headless Chromium, on the demo (Lục Nam's yearly
//! evaluation, computed from the record): in a cell of the first commune, two members get
//! accounts, and the cell's secretary and the commune's office too (set-up). At phone size
//! (390×844) each member opens their own evaluation, sees the proposed score with its
//! facts, and self-assesses; the secretary assesses both; the commune's office decides the
//! first "excellent" and meets the quota message naming the places left (no member of the
//! commune is rated good or better yet). At desktop size the district office reads the
//! ranking. No page scrolls sideways at 390 px. Screenshots go to
//! `target/screenshots/journey-evaluation-*.png`.
//!
//! Needs `chromedriver` and `chromium`, as the other browser journeys do;
//! RESOLUTE_CHROMEDRIVER / RESOLUTE_CHROMIUM override the paths. On SQLite, or on
//! PostgreSQL with `RESOLUTE_TEST_BACKEND=postgres` (see `testdb`).

mod common;

use common::{
    DemoWorld, body_text, demo_world, fill, overflows, shot, sign_in, start_browser, tap, wait_path,
};
use domain::evaluation::SubjectKind;
use domain::{AccessRole, OrgId, OrgKind, Principal};
use store::{NewGrant, NewUser, Store};

async fn account(
    store: &dyn Store,
    name: &str,
    hash: &str,
    member: Option<domain::MemberId>,
    grant: Option<(AccessRole, OrgId)>,
) {
    let sys = Principal::system();
    let u = store
        .user_create(
            &sys,
            NewUser {
                username: name.into(),
                display_name: name.into(),
                password_hash: hash.into(),
                member_id: member,
            },
        )
        .await
        .unwrap();
    if let Some((role, org_id)) = grant {
        store
            .grant_add(
                &sys,
                NewGrant {
                    user_id: u.id,
                    role,
                    org_id,
                },
            )
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn members_self_assess_on_phones_and_the_commune_meets_the_quota() {
    let DemoWorld {
        tmp,
        db,
        hash: user_hash,
    } = demo_world("evaluation").await;
    let store = db.store.clone();
    let sys = Principal::system();
    let lucnam = store.org_by_code(&sys, "218").await.unwrap().unwrap();
    let period = store.evaluation_periods(&sys, lucnam.id).await.unwrap()[0].clone();
    let commune = store
        .org_children(&sys, lucnam.id, false)
        .await
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .expect("a commune of Lục Nam");
    // A cell of the commune with two members or more, not the one the demo started.
    let mut chosen = None;
    for cell in store
        .org_children(&sys, commune.id, false)
        .await
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == OrgKind::Cell)
    {
        let r = store
            .evaluation_ranking(&sys, period.id, cell.id, SubjectKind::Member)
            .await
            .unwrap();
        if r.rows.len() >= 2 && r.rows.iter().all(|x| x.self_level.is_none()) {
            chosen = Some((cell, r.rows));
            break;
        }
    }
    let (cell, rows) = chosen.expect("a cell whose members have not self-assessed");
    let (first, second) = (rows[0].clone(), rows[1].clone());
    account(
        store.as_ref(),
        "dangvien.mot",
        &user_hash,
        first.member_id,
        None,
    )
    .await;
    account(
        store.as_ref(),
        "dangvien.hai",
        &user_hash,
        second.member_id,
        None,
    )
    .await;
    account(
        store.as_ref(),
        "bithu.danhgia",
        &user_hash,
        None,
        Some((AccessRole::Secretary, cell.id)),
    )
    .await;
    account(
        store.as_ref(),
        "vanphong.xa",
        &user_hash,
        None,
        Some((AccessRole::OfficeStaff, commune.id)),
    )
    .await;

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

    // (1) Each member, on a phone: their evaluations, their own, the self-assessment.
    for (n, (user, row, level)) in [
        ("dangvien.mot", &first, "excellent"),
        ("dangvien.hai", &second, "good"),
    ]
    .into_iter()
    .enumerate()
    {
        sign_in(&c, &base, user).await;
        c.goto(&format!("{base}/my/evaluation")).await.unwrap();
        wait_path(&c, "my evaluations", |p| p == "/my/evaluation").await;
        let text = body_text(&c).await;
        assert!(text.contains("Kết quả đánh giá của tôi"), "{text}");
        assert!(text.contains(&period.name), "{text}");
        let own = format!("/evaluations/{}", row.id);
        tap(&c, &format!("a[href='{own}']")).await;
        wait_path(&c, "the evaluation", |p| p == own).await;
        let text = body_text(&c).await;
        assert!(text.contains("Điểm đề xuất và căn cứ"), "{text}");
        assert!(text.contains("Tổng điểm đề xuất"), "{text}");
        assert!(!overflows(&c).await, "the evaluation fits 390 px");
        if n == 0 {
            shot(&c, "journey-evaluation-1-member-phone").await;
        }
        tap(&c, &format!("input[name=level][value={level}]")).await;
        fill(
            &c,
            "#text",
            "Tôi đã hoàn thành các nhiệm vụ được giao, tham gia đầy đủ sinh hoạt chi bộ; \
             hạn chế: chưa chủ động nghiên cứu nghị quyết.",
        )
        .await;
        tap(&c, "form.step-form button[type=submit]").await;
        wait_path(&c, "saved", |p| p == own).await;
        let text = body_text(&c).await;
        assert!(text.contains("Đã lưu"), "{text}");
        assert!(text.contains("Đã tự đánh giá"), "{text}");
    }

    // (2) The secretary assesses both, on a phone.
    sign_in(&c, &base, "bithu.danhgia").await;
    for (row, level) in [(&first, "excellent"), (&second, "good")] {
        let own = format!("/evaluations/{}", row.id);
        c.goto(&format!("{base}{own}")).await.unwrap();
        wait_path(&c, "the member's evaluation", |p| p == own).await;
        assert!(body_text(&c).await.contains("Ghi nhận xét"));
        tap(&c, &format!("input[name=level][value={level}]")).await;
        fill(&c, "#text", "Chi bộ nhất trí với bản tự đánh giá.").await;
        tap(&c, "form.step-form button[type=submit]").await;
        wait_path(&c, "assessed", |p| p == own).await;
        assert!(body_text(&c).await.contains("Đã nhận xét, đánh giá"));
    }
    assert!(!overflows(&c).await, "the assessed evaluation fits 390 px");
    shot(&c, "journey-evaluation-2-assessed-phone").await;

    // (3) The commune decides "excellent" first: the quota says no, with the places left.
    sign_in(&c, &base, "vanphong.xa").await;
    let own = format!("/evaluations/{}", first.id);
    c.goto(&format!("{base}{own}")).await.unwrap();
    wait_path(&c, "the decision form", |p| p == own).await;
    let text = body_text(&c).await;
    assert!(text.contains("Quyết định xếp loại"), "{text}");
    assert!(text.contains("Chỉ tiêu hoàn thành xuất sắc"), "{text}");
    tap(&c, "input[name=level][value=excellent]").await;
    fill(&c, "#text", "Có sáng kiến trong vận động nhân dân.").await;
    tap(&c, "form.step-form button[type=submit]").await;
    wait_path(&c, "the refusal", |p| p == format!("{own}/decide")).await;
    let text = body_text(&c).await;
    assert!(text.contains("đã hết chỉ tiêu"), "{text}");
    assert!(text.contains("còn 0 suất"), "{text}");
    assert!(!overflows(&c).await, "the quota message fits 390 px");
    shot(&c, "journey-evaluation-3-quota-phone").await;
    // Rated "good" instead.
    tap(&c, "input[name=level][value=good]").await;
    tap(&c, "form.step-form button[type=submit]").await;
    wait_path(&c, "decided", |p| p == own).await;
    assert!(body_text(&c).await.contains("Đã quyết định xếp loại"));

    // (4) Desktop: the district reads the ranking of its units.
    c.set_window_size(1280, 900).await.unwrap();
    sign_in(&c, &base, "vanphong.lucnam").await;
    let ranking = format!("/evaluation-periods/{}", period.id);
    c.goto(&format!("{base}{ranking}?org={}", lucnam.id))
        .await
        .unwrap();
    wait_path(&c, "the ranking", |p| p == ranking).await;
    let text = body_text(&c).await;
    assert!(text.contains("Xếp hạng"), "{text}");
    assert!(text.contains("Theo mức xếp loại"), "{text}");
    shot(&c, "journey-evaluation-4-ranking-desktop").await;
    // The district's units are ranked 100 a page: the commune is on one of them.
    let mut found = text.contains(&commune.name);
    for page in 2..=10 {
        if found {
            break;
        }
        c.goto(&format!("{base}{ranking}?org={}&page={page}", lucnam.id))
            .await
            .unwrap();
        wait_path(&c, "the ranking", |p| p == ranking).await;
        found = body_text(&c).await.contains(&commune.name);
    }
    assert!(found, "{} is ranked", commune.name);
    c.close().await.unwrap();
}
