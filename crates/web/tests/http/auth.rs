//! Sign-in and sign-out, sessions, CSRF, throttling, security headers.

use crate::helpers::{PASSWORD, hidden_csrf, login_token, spawn_app};

fn set_cookies(res: &reqwest::Response) -> Vec<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    set_cookies(res)
        .into_iter()
        .find(|c| c.starts_with("resolute_session="))
}

#[tokio::test]
async fn anonymous_pages_redirect_to_sign_in_without_a_session() {
    let app = spawn_app().await;
    let b = app.browser();
    let res = b.get("/").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    assert!(session_cookie(&res).is_none());

    let res = b.get(&format!("/orgs/{}", app.cell_a)).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/login?next=%2Forgs%2F{}", app.cell_a)
    );
    assert!(
        session_cookie(&res).is_none(),
        "no session for anonymous GETs"
    );

    let res = b.get("/login").await;
    assert_eq!(res.status(), 200);
    assert!(
        session_cookie(&res).is_none(),
        "the sign-in form creates no session"
    );

    let res = b.get("/api/orgs").await;
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}

#[tokio::test]
async fn sign_in_and_out() {
    let app = spawn_app().await;
    let mut b = app.browser();
    let res = b.sign_in("office.a", PASSWORD).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    let cookie = session_cookie(&res).expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "not configured secure: {cookie}"
    );

    // `/` is what to do now, with the home organization one link away.
    let res = b.get("/").await;
    assert_eq!(res.status(), 200);
    let home = res.text().await.unwrap();
    assert!(home.contains("<h1>Việc cần làm</h1>"), "{home}");
    assert!(
        home.contains(&format!("href=\"/orgs/{}\"", app.district_a)),
        "{home}"
    );
    let page = b.get(&format!("/orgs/{}", app.district_a)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Huyện Lục Nam"));
    assert!(
        html.contains("Văn phòng Huyện ủy Lục Nam"),
        "user name in header"
    );
    b.csrf = hidden_csrf(&html);

    let res = b.post("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login");
    let res = b.get("/orgs").await;
    assert_eq!(res.status(), 303, "signed out");
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for_and_rotates_the_session() {
    let app = spawn_app().await;
    let mut b = app.browser();
    let next = format!("/orgs/{}", app.cell_a);
    let page = b
        .get(&format!("/login?next={next}"))
        .await
        .text()
        .await
        .unwrap();
    let token = hidden_csrf(&page);
    assert!(page.contains(&format!("value=\"{next}\"")));
    let res = b
        .client
        .post(b.url("/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("username", "Office.A"),
            ("password", PASSWORD),
            ("next", next.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"].to_str().unwrap(), next);
    let first = session_cookie(&res).unwrap();

    // Signing in again gets a new session id.
    let res = b.sign_in("office.a", PASSWORD).await;
    let second = session_cookie(&res).unwrap();
    let id = |c: &str| c.split(';').next().unwrap().to_owned();
    assert_ne!(id(&first), id(&second));

    // An outside address is never a place to return to.
    let page = b
        .get("/login?next=//evil.example/")
        .await
        .text()
        .await
        .unwrap();
    let token = login_token(&page);
    let res = b
        .client
        .post(b.url("/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("username", "office.a"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn wrong_password_is_told_in_vietnamese_and_keeps_the_username() {
    let app = spawn_app().await;
    let mut b = app.browser();
    let res = b.sign_in("office.a", "sai-mat-khau").await;
    assert_eq!(res.status(), 401);
    assert!(session_cookie(&res).is_none());
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Tên đăng nhập hoặc mật khẩu không đúng."),
        "{html}"
    );
    assert!(html.contains("<title>Lỗi:"));
    assert!(html.contains("value=\"office.a\""));

    // An unknown account reads the same.
    let html = b
        .sign_in("khong.co", "sai-mat-khau")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Tên đăng nhập hoặc mật khẩu không đúng."));
}

#[tokio::test]
async fn five_failures_throttle_the_username() {
    let app = spawn_app().await;
    let mut b = app.browser();
    for _ in 0..5 {
        assert_eq!(b.sign_in("office.b", "sai-mat-khau").await.status(), 401);
    }
    // Even the right password must wait now: a few seconds, growing with each attempt.
    let res = b.sign_in("office.b", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(res.headers().contains_key("retry-after"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Đăng nhập sai nhiều lần. Vui lòng chờ"),
        "{html}"
    );
    // Other accounts are not affected.
    assert_eq!(b.sign_in("office.a", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    let path = format!("/orgs/{}/edit", app.grassroots_a);
    let fields = [
        ("name", "Đảng bộ xã Bảo Đài mới"),
        ("code", ""),
        ("on", "01/02/2025"),
    ];

    let mut without: Vec<(&str, &str)> = fields.to_vec();
    without.push(("csrf", ""));
    let res = b.post(&path, &without).await;
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("Biểu mẫu không hợp lệ"), "{html}");

    let mut wrong: Vec<(&str, &str)> = fields.to_vec();
    wrong.push(("csrf", "0000"));
    assert_eq!(b.post(&path, &wrong).await.status(), 403);

    // Nothing was renamed.
    let org = app
        .store
        .org_get(&domain::Principal::system(), app.grassroots_a)
        .await
        .unwrap();
    assert_eq!(org.name, "Đảng bộ xã Bảo Đài");

    // With the token it works.
    let res = b.post(&path, &fields).await;
    assert_eq!(res.status(), 303);
    let org = app
        .store
        .org_get(&domain::Principal::system(), app.grassroots_a)
        .await
        .unwrap();
    assert_eq!(org.name, "Đảng bộ xã Bảo Đài mới");

    // JSON writes take the token in a header.
    let url = b.url(&format!("/api/orgs/{}/children", app.grassroots_a));
    let body = serde_json::json!({"kind": "cell", "name": "Chi bộ thôn Mới"});
    let res = b.client.post(&url).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let err: serde_json::Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "csrf");
    let res = b
        .client
        .post(&url)
        .header("x-csrf-token", &b.csrf)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    // The refusal page follows the language.
    let res = b
        .client
        .post(b.url(&format!("{path}?lang=en")))
        .form(&[("csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("The form is not valid"));
}

#[tokio::test]
async fn the_sign_in_form_needs_its_token() {
    let app = spawn_app().await;
    let b = app.browser();
    let res = b
        .client
        .post(b.url("/login"))
        .form(&[("username", "office.a"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(session_cookie(&res).is_none());
    let res = b
        .client
        .post(b.url("/login"))
        .form(&[
            ("csrf", "abc.123.def"),
            ("username", "office.a"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = spawn_app().await;
    let b = app.signed_in("office.a").await;
    for path in [
        "/",
        "/login",
        "/healthz",
        "/orgs/999999",
        "/no/such/page",
        "/api/me",
    ] {
        let res = b.get(path).await;
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert!(csp.contains("form-action 'self'"), "{path}");
        assert!(!csp.contains("unsafe-inline"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(h.contains_key("permissions-policy"), "{path}");
    }
}
