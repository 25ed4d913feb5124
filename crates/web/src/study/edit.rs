//! Corrections: a conference's title, format, date, place and reporters (its audience
//! while no attendance is recorded), its cancellation with a reason, and the withdrawal
//! of a material. Nothing is deleted; the store audits each change.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::Permission;
use domain::study::{MaterialId, SessionDraft, SessionForm};
use store::{SessionEdit, StudySession};

use super::session_form_page;
use crate::AppState;
use crate::ctx::Auth;
use crate::error::AppError;
use crate::forms::{self, FormData, FormErrors, store_errors};

/// The conference, for a change by its unit's office (403 for readers, 404 outside).
async fn for_edit(st: &AppState, auth: &Auth, raw: &str) -> Result<StudySession, AppError> {
    let s = st.store.study_session(&auth.p, forms::id(raw)?).await?;
    if !auth.p.can(Permission::EditPeople, &s.org_path) {
        return Err(AppError::Forbidden);
    }
    Ok(s)
}

fn form_of(s: &StudySession) -> SessionForm {
    SessionForm {
        title: s.title.clone(),
        audience: s.audience.as_str().to_owned(),
        format: s.format.as_str().to_owned(),
        held_on: domain::validate::format_date(s.held_on),
        place: s.place.clone(),
    }
}

fn reporters_text(s: &StudySession) -> String {
    s.reporters
        .iter()
        .map(|(m, name)| format!("{name} #{m}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A cancelled conference cannot be changed: back to its page, which says so.
fn cancelled(s: &StudySession) -> Option<Response> {
    s.is_cancelled()
        .then(|| Redirect::to(&format!("/study-sessions/{}", s.id)).into_response())
}

pub(super) async fn edit_form(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let s = for_edit(&st, &auth, &raw).await?;
    if let Some(r) = cancelled(&s) {
        return Ok(r);
    }
    let plan = st
        .store
        .study_plan(&auth.p, s.org_id, s.document_id)
        .await?;
    Ok(session_form_page(
        &auth.ctx,
        plan,
        form_of(&s),
        reporters_text(&s),
        None,
        Some(s),
        FormErrors::default(),
        String::new(),
    ))
}

pub(super) async fn edit_save(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let s = for_edit(&st, &auth, &raw).await?;
    if let Some(r) = cancelled(&s) {
        return Ok(r);
    }
    let lang = auth.ctx.lang;
    let plan = st
        .store
        .study_plan(&auth.p, s.org_id, s.document_id)
        .await?;
    let form = SessionForm {
        title: f.get("title").to_owned(),
        audience: f.get("audience").to_owned(),
        format: f.get("format").to_owned(),
        held_on: f.get("held_on").to_owned(),
        place: f.get("place").to_owned(),
    };
    let reporters_raw = f.get("reporters").to_owned();
    let mut errors = FormErrors::default();
    let reporters = crate::pick::members_into(
        &st,
        &auth.ctx,
        &auth.p,
        &reporters_raw,
        "reporters",
        &mut errors,
    )
    .await?;
    let draft = match SessionDraft::parse(&form, plan.study_by, s.makeup_of.is_some()) {
        Ok(d) => Some(d),
        Err(inv) => {
            errors.0.extend(FormErrors::from_invalid(lang, &inv).0);
            None
        }
    };
    let result = match (draft, errors.is_empty()) {
        (Some(draft), true) => st
            .store
            .update_study_session(&auth.p, s.id, SessionEdit { draft, reporters })
            .await
            .map_err(|e| store_errors(lang, e)),
        _ => Err(Ok(errors)),
    };
    match result {
        Ok(u) => {
            Ok(Redirect::to(&format!("/study-sessions/{}?done=updated", u.id)).into_response())
        }
        Err(Err(e)) => Err(e),
        Err(Ok(errors)) => Ok(session_form_page(
            &auth.ctx,
            plan,
            form,
            reporters_raw,
            None,
            Some(s),
            errors,
            String::new(),
        )),
    }
}

pub(super) async fn cancel(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let s = for_edit(&st, &auth, &raw).await?;
    if let Some(r) = cancelled(&s) {
        return Ok(r);
    }
    let lang = auth.ctx.lang;
    let reason = f.get("reason").to_owned();
    match st
        .store
        .cancel_study_session(&auth.p, s.id, reason.clone())
        .await
    {
        Ok(c) => {
            Ok(Redirect::to(&format!("/study-sessions/{}?done=cancelled", c.id)).into_response())
        }
        Err(e) => {
            let errors = store_errors(lang, e)?;
            let plan = st
                .store
                .study_plan(&auth.p, s.org_id, s.document_id)
                .await?;
            Ok(session_form_page(
                &auth.ctx,
                plan,
                form_of(&s),
                reporters_text(&s),
                None,
                Some(s),
                errors,
                reason,
            ))
        }
    }
}

pub(super) async fn withdraw_material(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    f: FormData,
) -> Result<Response, AppError> {
    let id: MaterialId = forms::id(&raw)?;
    let m = st.store.study_material(&auth.p, id).await?;
    // Back to the plan the button was on (a unit at or below the material's).
    let back = forms::local_next(f.get("next"));
    let back = if back == "/" {
        "/study".to_owned()
    } else {
        back
    };
    match st.store.withdraw_study_material(&auth.p, m.id).await {
        Ok(_) => Ok(Redirect::to(&with_done(&back, "withdrawn")).into_response()),
        Err(store::StoreError::Conflict(_)) => {
            Ok(Redirect::to(&with_done(&back, "withdrawn")).into_response())
        }
        // They see the material (a member studying it) but may not withdraw it.
        Err(store::StoreError::NotFound) => Err(AppError::Forbidden),
        Err(e) => Err(e.into()),
    }
}

fn with_done(path: &str, done: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    format!("{path}{sep}done={done}")
}
