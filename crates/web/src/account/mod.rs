//! The signed-in user's own account: changing one's password.
//!
//! The current password is checked like a sign-in (reserved with the throttle first, then
//! verified through the password gate; wrong attempts count toward the same per-account
//! throttle), the new one is checked against the password rules with the account's own
//! names, hashed with Argon2id and saved through the store, which allows it on the
//! principal's own account only and audits it. This is the only way to change one's own
//! password: the administration pages refuse one's own account.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use domain::validate;
use tower_sessions::Session;

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{Field, FormData, FormErrors, FormPage, query_param, store_errors};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/account/password",
        get(password_form).post(change_password),
    )
}

fn password_page(ctx: &Ctx, errors: FormErrors, done: bool) -> Response {
    let mut page = FormPage::new(
        ctx,
        ctx.t("auth.account.password_title"),
        "/account/password",
        errors,
    );
    page.caption = ctx.user_name().to_owned();
    page.intro = ctx.t("auth.account.password_intro").to_owned();
    if done {
        page.notice = ctx.t("auth.account.password_changed").to_owned();
    }
    page.cancel_href = "/".to_owned();
    let mut current = Field::password("current_password", ctx.t("auth.account.current"));
    current.autocomplete = "current-password";
    page.fields = vec![
        current,
        Field::password("new_password", ctx.t("auth.account.new"))
            .hint(ctx.t("admin.field.password_hint")),
        Field::password("new_password_again", ctx.t("auth.account.again")),
    ];
    page.submit = ctx.t("auth.account.password_submit").to_owned();
    page.respond()
}

async fn password_form(auth: Auth, RawQuery(query): RawQuery) -> Response {
    let done = query_param(&query, "done") == "1";
    password_page(&auth.ctx, FormErrors::default(), done)
}

async fn change_password(
    auth: Auth,
    State(st): State<AppState>,
    session: Session,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    f: FormData,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let mut errors = FormErrors::default();
    let current = f.get("current_password").to_owned();
    if current.is_empty() {
        errors.push(lang, "current_password", "required");
    }
    let personal = [auth.p.username.as_str(), auth.p.display_name.as_str()];
    let new = match validate::new_password_for(f.get("new_password"), &personal) {
        Ok(p) => Some(p),
        Err(inv) => {
            errors.push(lang, "new_password", inv.0[0].code);
            None
        }
    };
    if new.is_some() && f.get("new_password_again") != f.get("new_password") {
        errors.push_key(lang, "new_password_again", "auth.account.mismatch");
    }
    if new.is_some() && f.get("new_password") == current {
        errors.push_key(lang, "new_password", "auth.account.same");
    }
    let (Some(new), true) = (new, errors.is_empty()) else {
        return Ok(password_page(ctx, errors, false));
    };

    // The current password, checked as at sign-in.
    let peer = peer.map(|Extension(ConnectInfo(a))| a);
    let keys = crate::auth::attempt_keys(&st, &headers, peer, &auth.p.username);
    let reservation = match st.throttle.reserve(&keys) {
        Ok(r) => r,
        Err(wait) => {
            let text = crate::auth::wait_notice(lang, wait);
            errors.push_text("current_password", &text);
            return Ok(password_page(ctx, errors, false));
        }
    };
    let creds = st
        .store
        .credentials(&auth.p.username)
        .await?
        .ok_or(AppError::NotFound)?;
    let Ok(ok) = st.passwords.verify(current, creds.password_hash).await else {
        st.throttle.succeeded(reservation, &[]);
        errors.push_key(lang, "current_password", "auth.busy");
        return Ok(password_page(ctx, errors, false));
    };
    if !ok {
        st.throttle.failed(reservation);
        errors.push_key(lang, "current_password", "auth.account.wrong_current");
        return Ok(password_page(ctx, errors, false));
    }
    st.throttle.succeeded(reservation, &[]);

    let hash = st
        .passwords
        .hash(new)
        .await
        .map_err(|_| AppError::internal("password gate busy"))?
        .map_err(AppError::internal)?;
    if let Err(e) = st
        .store
        .user_set_password(&auth.p, auth.p.user_id, &hash)
        .await
    {
        return Ok(password_page(ctx, store_errors(lang, e)?, false));
    }
    // A new session id after a credential change; the session itself goes on.
    session.cycle_id().await.map_err(AppError::internal)?;
    Ok(Redirect::to("/account/password?done=1").into_response())
}
