//! Issue 11, as an attacker and a careless user would try it: admin routes without the
//! right, parallel wrong sign-ins, the address limit behind a proxy, an owner locked out,
//! connections that never finish their headers, weak passwords and disguised names.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Browser, PASSWORD, login_token, spawn_app, spawn_app_with};

/// Signs in with an `X-Forwarded-For` header on both requests, as a proxy would send them.
async fn sign_in_via(b: &Browser, username: &str, password: &str, xff: &str) -> reqwest::Response {
    let page = b
        .client
        .get(b.url("/login"))
        .header("x-forwarded-for", xff)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = login_token(&page);
    b.client
        .post(b.url("/login"))
        .header("x-forwarded-for", xff)
        .form(&[
            ("csrf", token.as_str()),
            ("username", username),
            ("password", password),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_plain_member_cannot_reach_the_admin_routes_for_their_own_account() {
    let app = spawn_app().await;
    let clerk = app.signed_in("clerk.a").await;
    let own = format!("/admin/users/{}", app.clerk_a);
    assert_eq!(clerk.get(&own).await.status(), 403);
    let res = clerk
        .post(
            &format!("{own}/password"),
            &[("password", "mot-mat-khau-moi-that-dai")],
        )
        .await;
    assert_eq!(res.status(), 403);
    for (path, fields) in [
        (format!("{own}/disabled"), vec![("disabled", "true")]),
        (
            format!("{own}/grants"),
            vec![("role", "admin"), ("org", "#1")],
        ),
        (format!("{own}/grants/{}/revoke", app.clerk_grant), vec![]),
    ] {
        assert_eq!(clerk.post(&path, &fields).await.status(), 403, "{path}");
    }
    // The password did not change: the old one still signs in.
    let mut b = app.browser();
    assert_eq!(b.sign_in("clerk.a", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn an_admin_changes_their_own_password_only_on_the_account_page() {
    let app = spawn_app().await;
    let admin = app.signed_in("admin.a").await;
    let me = app
        .store
        .user_by_username(&domain::Principal::system(), "admin.a")
        .await
        .unwrap()
        .unwrap()
        .user
        .id;
    let page = admin
        .get(&format!("/admin/users/{me}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("href=\"/account/password\""), "{page}");
    assert!(!page.contains(&format!("action=\"/admin/users/{me}/password\"")));
    let res = admin
        .post(
            &format!("/admin/users/{me}/password"),
            &[("password", "mot-mat-khau-moi-that-dai")],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("chỉ đổi được tại trang Đổi mật khẩu")
    );
    let res = admin
        .post(
            &format!("/admin/users/{me}/disabled"),
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let mut b = app.browser();
    assert_eq!(b.sign_in("admin.a", PASSWORD).await.status(), 303);
    // Others' passwords are still reset here.
    let res = admin
        .post(
            &format!("/admin/users/{}/password", app.clerk_a),
            &[("password", "mot-mat-khau-moi-that-dai")],
        )
        .await;
    assert_eq!(res.status(), 303);
}

/// Sends `n` sign-ins at once, each from its own browser; their statuses.
async fn at_once(app: &crate::helpers::TestApp, names: Vec<String>) -> Vec<u16> {
    let mut set = tokio::task::JoinSet::new();
    for name in names {
        let mut b = app.browser();
        set.spawn(async move { b.sign_in(&name, "sai-mat-khau-roi").await.status().as_u16() });
    }
    let mut out = Vec::new();
    while let Some(s) = set.join_next().await {
        out.push(s.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forty_wrong_sign_ins_at_once_verify_at_most_the_limit() {
    let app = spawn_app().await;
    let before = app.state.password_stats();
    let statuses = at_once(&app, vec!["office.b".to_owned(); 40]).await;
    let refused = statuses.iter().filter(|s| **s == 429).count();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert_eq!(refused + checked, 40, "{statuses:?}");
    assert!(checked <= 5, "{statuses:?}");
    let after = app.state.password_stats();
    assert!(after.verified - before.verified <= 5, "{after:?}");
    // Forty different names from one address: the address limit, and never more than the
    // gate's limit of Argon2 computations at once.
    let names = (0..40).map(|i| format!("khong-co-{i}")).collect();
    let statuses = at_once(&app, names).await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!(checked <= 20 - 5, "{statuses:?}");
    let s = app.state.password_stats();
    assert!(s.peak <= s.limit, "{s:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_one_client_does_not_lock_out_the_others() {
    let app = spawn_app_with(|c| c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let b = app.browser();
    for i in 0..20 {
        let res = sign_in_via(&b, &format!("bia-{i}"), "sai-mat-khau", "203.0.113.9").await;
        assert_eq!(res.status(), 401);
    }
    let res = sign_in_via(&b, "bia-x", "sai-mat-khau", "203.0.113.9").await;
    assert_eq!(res.status(), 429, "that client is slowed down");
    // Another client behind the same proxy signs in.
    let other = app.browser();
    let res = sign_in_via(&other, "admin", PASSWORD, "198.51.100.20").await;
    assert_eq!(res.status(), 303);
}

#[tokio::test]
async fn without_a_trusted_proxy_the_forwarded_address_is_ignored() {
    let app = spawn_app().await;
    let b = app.browser();
    for i in 0..20 {
        let res = sign_in_via(&b, &format!("bia-{i}"), "sai", &format!("203.0.113.{i}")).await;
        assert_eq!(res.status(), 401);
    }
    // A forged header does not escape the peer's limit.
    let res = sign_in_via(&b, "bia-x", "sai", "198.51.100.77").await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn the_owner_gets_through_a_lockout() {
    let app = spawn_app().await;
    // The owner signed in from this browser before: it holds a device token.
    let mut owner = app.browser();
    assert_eq!(owner.sign_in("office.b", PASSWORD).await.status(), 303);
    // Someone else guesses at the name until they are slowed down.
    let mut attacker = app.browser();
    for _ in 0..5 {
        assert_eq!(attacker.sign_in("office.b", "doan-bua").await.status(), 401);
    }
    let res = attacker.sign_in("office.b", "doan-bua").await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait <= 2, "a short delay, not a 15-minute wall: {wait}");
    let html = res.text().await.unwrap();
    assert!(html.contains("Vui lòng chờ"), "{html}");
    // The owner's browser is not affected.
    assert_eq!(owner.sign_in("office.b", PASSWORD).await.status(), 303);
    // And from a new browser the owner waits seconds, then gets in.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let mut fresh = app.browser();
    assert_eq!(fresh.sign_in("office.b", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn a_connection_that_never_finishes_its_headers_is_closed() {
    let app = spawn_app_with(|c| {
        c.server.header_read_timeout = Duration::from_secs(1);
    })
    .await;
    let addr = app.addr.trim_start_matches("http://").to_owned();
    let mut tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "still open after 10 s");
    assert!(started.elapsed() < Duration::from_secs(5));
    // An idle connection is closed the same way.
    let mut idle = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let read = tokio::time::timeout(Duration::from_secs(10), idle.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "idle connection still open after 10 s");
}

#[tokio::test]
async fn connections_past_the_limit_wait_for_a_free_one() {
    let app = spawn_app_with(|c| {
        c.server.max_connections = 1;
        c.server.header_read_timeout = Duration::from_secs(2);
    })
    .await;
    let addr = app.addr.trim_start_matches("http://").to_owned();
    // One connection holds the only slot, saying nothing.
    let _hold = tokio::net::TcpStream::connect(&addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let res = app.browser().get("/healthz").await;
    assert_eq!(res.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "served only once the first connection was closed: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn weak_passwords_are_refused_with_the_reason() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    for (new, want) in [
        ("          ", "không được chỉ gồm dấu cách"),
        ("1234567890", "danh sách mật khẩu hay được dùng"),
        ("matkhau123", "danh sách mật khẩu hay được dùng"),
        ("office.a2025", "quá dễ đoán"),
    ] {
        let res = b
            .post(
                "/account/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new),
                    ("new_password_again", new),
                ],
            )
            .await;
        assert_eq!(res.status(), 422, "{new:?}");
        let html = res.text().await.unwrap();
        assert!(html.contains(want), "{new:?}: {html}");
    }
    let mut again = app.browser();
    assert_eq!(again.sign_in("office.a", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn a_name_with_a_right_to_left_override_is_refused() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let path = format!("/orgs/{}/edit", app.grassroots_a);
    let res = b
        .post(
            &path,
            &[
                ("name", "Đảng bộ xã \u{202E}iàĐ oảB"),
                ("code", ""),
                ("on", "01/02/2025"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("ký tự đảo hướng chữ"), "{html}");
}

/// Defect 2: an admin of Lục Nam could reset the password of, or disable, the province's
/// office account as soon as it held a grant inside Lục Nam, then sign in with the
/// province's rights. An account is administered only by someone whose scope covers all
/// of its grants, member links and home organization.
#[tokio::test]
async fn a_district_admin_cannot_take_over_a_province_wide_account() {
    use domain::{AccessRole, Principal};
    use store::{NewGrant, NewUser};
    let app = spawn_app().await;
    let sys = Principal::system();
    let vanphong = app
        .store
        .user_create(
            &sys,
            NewUser {
                username: "vanphong.tinhuy".into(),
                display_name: "Văn phòng Tỉnh ủy".into(),
                password_hash: web::password::hash(PASSWORD).unwrap(),
                member_id: None,
            },
        )
        .await
        .unwrap()
        .id;
    for (role, org_id) in [
        (AccessRole::OfficeStaff, app.province),
        (AccessRole::Member, app.cell_a),
    ] {
        app.store
            .grant_add(
                &sys,
                NewGrant {
                    user_id: vanphong,
                    role,
                    org_id,
                },
            )
            .await
            .unwrap();
    }
    let admin = app.signed_in("admin.a").await;
    let page = format!("/admin/users/{vanphong}");
    assert_eq!(admin.get(&page).await.status(), 404);
    let list = admin.get("/admin").await.text().await.unwrap();
    assert!(list.contains("clerk.a"), "{list}");
    assert!(!list.contains("vanphong.tinhuy"), "{list}");
    let res = admin
        .post(
            &format!("{page}/password"),
            &[("password", "mot-mat-khau-moi-that-dai")],
        )
        .await;
    assert_eq!(res.status(), 404);
    let res = admin
        .post(&format!("{page}/disabled"), &[("disabled", "true")])
        .await;
    assert_eq!(res.status(), 404);
    // The account is untouched: its own password still signs in, the attacker's does not.
    let mut b = app.browser();
    assert_eq!(
        b.sign_in("vanphong.tinhuy", "mot-mat-khau-moi-that-dai")
            .await
            .status(),
        401
    );
    assert_eq!(b.sign_in("vanphong.tinhuy", PASSWORD).await.status(), 303);
    // The province's admin administers it.
    let province = app.signed_in("admin").await;
    assert_eq!(province.get(&page).await.status(), 200);
}

/// Whether a browser's session is still signed in: its page and its API answer.
async fn signed_in_still(b: &Browser) -> bool {
    let page = b.get("/account/password").await.status().as_u16();
    let api = b.get("/api/me").await.status().as_u16();
    match (page, api) {
        (200, 200) => true,
        (303, 401) => false,
        other => panic!("page and API disagree: {other:?}"),
    }
}

/// Defect 4: other sessions survived a password change, a reset and a disable. Each ends
/// every other session of the account at once (the current one of a user changing their
/// own password goes on).
#[tokio::test]
async fn other_sessions_end_on_a_password_change_a_reset_and_a_disable() {
    let app = spawn_app().await;
    let first = app.signed_in("clerk.a").await;
    let second = app.signed_in("clerk.a").await;
    let bystander = app.signed_in("secretary.a").await;
    assert!(signed_in_still(&second).await);

    // The owner changes the password in the first browser.
    let changed = "mot-mat-khau-moi-that-dai";
    let res = first
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", changed),
                ("new_password_again", changed),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(signed_in_still(&first).await, "the current session goes on");
    assert!(!signed_in_still(&second).await, "the other one ends");
    assert!(signed_in_still(&bystander).await);

    // An administrator resets it.
    let mut other = app.browser();
    assert_eq!(other.sign_in("clerk.a", changed).await.status(), 303);
    assert!(signed_in_still(&other).await);
    let admin = app.signed_in("admin.a").await;
    let user = format!("/admin/users/{}", app.clerk_a);
    let reset = "bon-con-meo-tren-mai-nha-xanh";
    let res = admin
        .post(&format!("{user}/password"), &[("password", reset)])
        .await;
    assert_eq!(res.status(), 303);
    assert!(!signed_in_still(&other).await);
    assert!(!signed_in_still(&first).await);

    // An administrator disables it; enabling it again brings no session back.
    let mut again = app.browser();
    assert_eq!(again.sign_in("clerk.a", reset).await.status(), 303);
    assert!(signed_in_still(&again).await);
    let res = admin
        .post(&format!("{user}/disabled"), &[("disabled", "true")])
        .await;
    assert_eq!(res.status(), 303);
    let res = admin
        .post(&format!("{user}/disabled"), &[("disabled", "false")])
        .await;
    assert_eq!(res.status(), 303);
    assert!(!signed_in_still(&again).await);
    assert!(signed_in_still(&bystander).await);
    assert!(signed_in_still(&admin).await);
}

/// Who reads colleagues' reflections and grades (docs/SECURITY.md): a member of the cell
/// reads another member's reflection only after handing in their own, and never its
/// grade; the cell's secretary reads all with grades.
#[tokio::test]
async fn a_member_reads_colleagues_reflections_after_their_own_and_never_their_grades() {
    use domain::{AccessRole, Principal, ReflectionGrade};
    use store::{NewGrant, NewMember, NewReflection, NewUser};
    let app = spawn_app().await;
    let records = app.seed_programs().await;
    let st = app.seed_study(&records).await;
    let sys = Principal::system();
    app.store
        .grade_reflection(
            &sys,
            st.reflection,
            ReflectionGrade::Excellent,
            Some("Sâu sắc".into()),
        )
        .await
        .unwrap();
    // A colleague in cell A, with a member's account and grant on the cell.
    let colleague = app
        .store
        .member_create(
            &sys,
            NewMember {
                cell_id: app.cell_a,
                full_name: "Hoàng Văn Nam".into(),
                gender: None,
                birth_date: None,
                joined_on: None,
                audience: domain::Audience::Member,
                card_number: None,
                since: time::macros::date!(2020 - 01 - 01),
            },
        )
        .await
        .unwrap()
        .id;
    let user = app
        .store
        .user_create(
            &sys,
            NewUser {
                username: "dv.nam".into(),
                display_name: "Hoàng Văn Nam".into(),
                password_hash: web::password::hash(PASSWORD).unwrap(),
                member_id: Some(colleague),
            },
        )
        .await
        .unwrap();
    app.store
        .grant_add(
            &sys,
            NewGrant {
                user_id: user.id,
                role: AccessRole::Member,
                org_id: app.cell_a,
            },
        )
        .await
        .unwrap();
    let b = app.signed_in("dv.nam").await;
    let list = format!("/api/orgs/{}/study/{}/reflections", app.cell_a, st.document);
    let file = format!("/study-reflections/{}/file", st.reflection);
    let reflections = |v: serde_json::Value| v["reflections"].as_array().unwrap().clone();

    // Before handing in their own: nothing.
    let res = b.get(&list).await;
    assert_eq!(res.status(), 200);
    assert!(reflections(res.json().await.unwrap()).is_empty());
    assert_eq!(b.get(&file).await.status(), 404);

    // After: the reflection and its file, without grade or comment.
    app.store
        .submit_reflection(
            &Principal {
                member_id: Some(colleague),
                ..sys.clone()
            },
            st.document,
            NewReflection {
                body: Some("Bài thu hoạch của đồng chí Nam.".into()),
                file: None,
                on: time::macros::date!(2025 - 02 - 12),
            },
        )
        .await
        .unwrap();
    let seen = reflections(b.get(&list).await.json().await.unwrap());
    assert_eq!(seen.len(), 2, "{seen:?}");
    for r in &seen {
        assert!(r["grade"].is_null() && r["comment"].is_null(), "{r}");
    }
    assert_eq!(b.get(&file).await.status(), 200);

    // The secretary reads all, grades included.
    let sec = app.signed_in("secretary.a").await;
    let all = reflections(sec.get(&list).await.json().await.unwrap());
    assert!(
        all.iter()
            .any(|r| r["grade"] == "excellent" && r["comment"] == "Sâu sắc"),
        "{all:?}"
    );
}
