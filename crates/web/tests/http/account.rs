//! Changing one's own password.

use domain::Principal;
use store::AuditFilter;

use crate::helpers::{PASSWORD, hidden_csrf, spawn_app};

#[tokio::test]
async fn change_my_password() {
    let app = spawn_app().await;
    let mut b = app.signed_in("secretary.a").await;
    let html = b
        .get(&format!("/orgs/{}", app.cell_a))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("href=\"/account/password\""),
        "the user name in the header leads to the page"
    );
    let res = b.get("/account/password").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Đổi mật khẩu"));
    assert!(html.contains("autocomplete=\"current-password\""));

    let new = "mot-mat-khau-moi-dai";
    for (fields, message) in [
        (
            [
                ("current_password", "sai-mat-khau-roi"),
                ("new_password", new),
                ("new_password_again", new),
            ],
            "Mật khẩu hiện tại không đúng.",
        ),
        (
            [
                ("current_password", PASSWORD),
                ("new_password", new),
                ("new_password_again", "mot-mat-khau-khac"),
            ],
            "Hai lần nhập mật khẩu mới không giống nhau.",
        ),
        (
            [
                ("current_password", PASSWORD),
                ("new_password", "ngan"),
                ("new_password_again", "ngan"),
            ],
            "ít nhất 10 ký tự",
        ),
        (
            [
                ("current_password", ""),
                ("new_password", new),
                ("new_password_again", new),
            ],
            "Trường này là bắt buộc.",
        ),
    ] {
        let res = b.post("/account/password", &fields).await;
        assert_eq!(res.status(), 422, "{message}");
        let html = res.text().await.unwrap();
        assert!(html.contains(message), "{message}");
        assert!(html.contains("class=\"error-summary\""));
        assert!(!html.contains(new), "passwords are never echoed");
    }

    let audit = |app: &crate::helpers::TestApp| {
        let store = app.store.clone();
        async move {
            store
                .audit_list(
                    &Principal::system(),
                    AuditFilter {
                        limit: 1,
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .remove(0)
        }
    };
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
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/account/password?done=1");
    let e = audit(&app).await;
    assert_eq!((e.action.as_str(), e.entity.as_str()), ("password", "user"));
    assert_eq!(e.actor, "secretary.a");

    // Still signed in (on a new session id), with the confirmation.
    let html = b
        .get("/account/password?done=1")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Đã đổi mật khẩu"));
    b.csrf = hidden_csrf(&html);
    assert_eq!(b.post("/logout", &[]).await.status(), 303);

    let mut other = app.browser();
    assert_eq!(other.sign_in("secretary.a", PASSWORD).await.status(), 401);
    let mut other = app.browser();
    assert_eq!(other.sign_in("secretary.a", new).await.status(), 303);
}
