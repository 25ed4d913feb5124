//! The signed-in user's own account: changing one's password.
//!
//! The current password is checked like a sign-in (on a blocking thread, and wrong
//! attempts count toward the same per-account throttle), the new one is hashed with
//! Argon2id and saved through the store, which allows it on the principal's own account
//! only (administrators reset others' from the administration pages) and audits it.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::validate;
use tower_sessions::Session;

use crate::AppState;
use crate::auth::Throttle;
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
    f: FormData,
) -> Result<Response, AppError> {
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let mut errors = FormErrors::default();
    let current = f.get("current_password").to_owned();
    if current.is_empty() {
        errors.push(lang, "current_password", "required");
    }
    let new = match validate::new_password(f.get("new_password")) {
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
    let keys = [Throttle::user_key(&auth.p.username)];
    if let Some(wait) = st.throttle.blocked(&keys) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let text = i18n::fill(ctx.t("auth.throttled"), &[("minutes", &minutes)]);
        errors.push_text("current_password", &text);
        return Ok(password_page(ctx, errors, false));
    }
    let creds = st
        .store
        .credentials(&auth.p.username)
        .await?
        .ok_or(AppError::NotFound)?;
    let hash = creds.password_hash;
    let ok = tokio::task::spawn_blocking(move || crate::password::verify(&current, &hash))
        .await
        .map_err(AppError::internal)?;
    if !ok {
        st.throttle.fail(&keys);
        errors.push_key(lang, "current_password", "auth.account.wrong_current");
        return Ok(password_page(ctx, errors, false));
    }
    st.throttle.clear(&keys[0]);

    let hash = tokio::task::spawn_blocking(move || crate::password::hash(&new))
        .await
        .map_err(AppError::internal)?
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
