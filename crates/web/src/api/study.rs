//! The study endpoints of the JSON API (issue 5): conferences, attendance (the
//! secretary's sheet and the member's check-in), knowledge checks, reflections and the
//! participation figures. The same store calls and authorization as the pages; writes need
//! the session's CSRF token in `X-CSRF-Token`. Validation errors are 422 with the fields
//! and codes, as everywhere in the API.
//!
//! Each handler carries its `#[utoipa::path]`; the OpenAPI document lists them (`Doc`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::study::{self, AttendanceEntry, QuestionId};
use domain::{DocumentId, MemberId, OrgId, StudySessionId};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::ctx::Auth;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/study/sessions/{id}",
            get(session).post(update_session),
        )
        .route("/api/study/sessions/{id}/cancel", post(cancel_session))
        .route(
            "/api/study/materials/{id}/withdraw",
            post(withdraw_material),
        )
        .route(
            "/api/study/sessions/{id}/attendance",
            get(attendance).post(record_attendance),
        )
        .route("/api/study/sessions/{id}/check-in", post(check_in))
        .route("/api/my/study", get(my_study))
        .route(
            "/api/my/study/{doc}/check",
            get(check_paper).post(submit_check),
        )
        .route("/api/orgs/{id}/study/{doc}", get(plan))
        .route(
            "/api/orgs/{id}/study/{doc}/participation",
            get(participation),
        )
        .route("/api/orgs/{id}/study/{doc}/reflections", get(reflections))
}

type ApiResult = Result<Response, ApiError>;

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    session,
    update_session,
    cancel_session,
    withdraw_material,
    attendance,
    record_attendance,
    check_in,
    my_study,
    check_paper,
    submit_check,
    plan,
    participation,
    reflections
))]
pub struct Doc;

fn id<T: std::str::FromStr>(raw: &str) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

fn body<T: for<'de> Deserialize<'de>>(b: &Bytes) -> Result<T, ApiError> {
    serde_json::from_slice(b).map_err(|_| ApiError::BadRequest("bad_json"))
}

/// A conference: format, date, place, audience, reporters, materials.
#[utoipa::path(get, path = "/api/study/sessions/{id}", tag = "study", params(("id" = i64, Path, description = "The conference (study session)")),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn session(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let s = st.store.study_session(&auth.p, id(&raw)?).await?;
    Ok(Json(s).into_response())
}

/// The editable fields of a conference, as `POST /api/study/sessions/{id}` takes them.
#[derive(Deserialize)]
struct SessionBody {
    #[serde(default)]
    title: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    format: String,
    /// dd/mm/yyyy
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    reporters: Vec<i64>,
}

/// Corrects a conference: title, format, date, place, reporters, and the audience while
/// no attendance is recorded. A cancelled conference is 409.
#[utoipa::path(post, path = "/api/study/sessions/{id}", tag = "study", params(("id" = i64, Path, description = "The conference (study session)")),
    request_body(content = serde_json::Value, description = "`{\"title\": \"…\", \"audience\": \"member\", \"format\": \"in_person\", \"held_on\": \"dd/mm/yyyy\", \"place\": \"…\", \"reporters\": [12]}`"),
    responses((status = 200, description = "The conference as corrected", body = serde_json::Value), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = crate::error::ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = crate::error::ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody),
        (status = 409, description = "The conference is cancelled", body = crate::error::ErrorBody)))]
async fn update_session(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    b: Bytes,
) -> ApiResult {
    let sid: StudySessionId = id(&raw)?;
    let s = st.store.study_session(&auth.p, sid).await?;
    let body: SessionBody = body(&b)?;
    let plan = st
        .store
        .study_plan(&auth.p, s.org_id, s.document_id)
        .await?;
    let form = study::SessionForm {
        title: body.title,
        audience: body.audience,
        format: body.format,
        held_on: body.held_on,
        place: body.place,
    };
    let draft = study::SessionDraft::parse(&form, plan.study_by, s.makeup_of.is_some())
        .map_err(ApiError::Invalid)?;
    let edit = store::SessionEdit {
        draft,
        reporters: body.reporters.into_iter().map(MemberId).collect(),
    };
    let u = st.store.update_study_session(&auth.p, sid, edit).await?;
    Ok(Json(u).into_response())
}

#[derive(Deserialize)]
struct CancelBody {
    #[serde(default)]
    reason: String,
}

/// Cancels a conference with a reason; it is kept and shown as cancelled. One with
/// attendance recorded, or already cancelled, is 409.
#[utoipa::path(post, path = "/api/study/sessions/{id}/cancel", tag = "study", params(("id" = i64, Path, description = "The conference (study session)")),
    request_body(content = serde_json::Value, description = "`{\"reason\": \"…\"}`"),
    responses((status = 200, description = "The cancelled conference", body = serde_json::Value), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = crate::error::ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = crate::error::ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody),
        (status = 409, description = "Attendance is recorded, or it is already cancelled", body = crate::error::ErrorBody)))]
async fn cancel_session(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    b: Bytes,
) -> ApiResult {
    let sid: StudySessionId = id(&raw)?;
    st.store.study_session(&auth.p, sid).await?;
    let body: CancelBody = body(&b)?;
    let c = st
        .store
        .cancel_study_session(&auth.p, sid, body.reason)
        .await?;
    Ok(Json(c).into_response())
}

/// Withdraws a material: hidden from members, kept (with its file) and in the audit log.
#[utoipa::path(post, path = "/api/study/materials/{id}/withdraw", tag = "study", params(("id" = i64, Path, description = "The material")),
    responses((status = 200, description = "The withdrawn material", body = serde_json::Value),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = crate::error::ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody),
        (status = 409, description = "Already withdrawn", body = crate::error::ErrorBody)))]
async fn withdraw_material(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult {
    let m = st.store.withdraw_study_material(&auth.p, id(&raw)?).await?;
    Ok(Json(m).into_response())
}

/// The attendance sheet of a conference: each member of the unit and their mark.
#[utoipa::path(get, path = "/api/study/sessions/{id}/attendance", tag = "study", params(("id" = i64, Path, description = "The conference (study session)")),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn attendance(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let rows = st.store.attendance_sheet(&auth.p, id(&raw)?).await?;
    Ok(Json(json!({ "members": rows })).into_response())
}

/// One line of a sheet sent to `POST /api/study/sessions/{id}/attendance`.
#[derive(Deserialize)]
struct Line {
    member_id: i64,
    mark: String,
    #[serde(default)]
    reason: Option<String>,
}

#[derive(Deserialize)]
struct Sheet {
    entries: Vec<Line>,
}

/// Records marks (present, excused with a reason, absent) for members of the unit.
#[utoipa::path(post, path = "/api/study/sessions/{id}/attendance", tag = "study", params(("id" = i64, Path, description = "The conference (study session)")),
    request_body(content = serde_json::Value, description = "`{\"entries\": [{\"member_id\": 1, \"mark\": \"present\", \"reason\": null}]}`"),
    responses((status = 200, description = "Done", body = serde_json::Value), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = crate::error::ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = crate::error::ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn record_attendance(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    b: Bytes,
) -> ApiResult {
    let sid: StudySessionId = id(&raw)?;
    // The conference first: outside the scope it is a 404 whatever the body says.
    st.store.study_session(&auth.p, sid).await?;
    let sheet: Sheet = body(&b)?;
    let mut inv = domain::Invalid::default();
    let mut entries = Vec::with_capacity(sheet.entries.len());
    for (i, l) in sheet.entries.iter().enumerate() {
        let mark = domain::fieldpath::indexed("attendance", i, "mark");
        let reason = domain::fieldpath::indexed("attendance", i, "reason");
        if let Some(e) = inv.take(AttendanceEntry::parse(
            MemberId(l.member_id),
            &l.mark,
            l.reason.as_deref().unwrap_or(""),
            mark,
            reason,
        )) {
            entries.push(e);
        }
    }
    if !inv.is_empty() {
        return Err(ApiError::Invalid(inv));
    }
    let changed = st.store.record_attendance(&auth.p, sid, entries).await?;
    Ok(Json(json!({ "changed": changed })).into_response())
}

/// The signed link's fields, as the QR code carries them.
#[derive(Deserialize)]
struct Link {
    exp: i64,
    sig: String,
}

/// Checks the signed-in member in with the signed, time-limited token of the QR code; a
/// second check-in changes nothing.
#[utoipa::path(post, path = "/api/study/sessions/{id}/check-in", tag = "study", params(("id" = i64, Path, description = "The conference (study session)")),
    request_body(content = serde_json::Value, description = "`{\"exp\": unix time, \"sig\": \"hex\"}` from the QR link"),
    responses((status = 200, description = "Done", body = serde_json::Value), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = crate::error::ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = crate::error::ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn check_in(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    b: Bytes,
) -> ApiResult {
    let sid: StudySessionId = id(&raw)?;
    st.store.study_session(&auth.p, sid).await?;
    let link: Link = body(&b)?;
    let key = st.store.checkin_key().await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    if let Err(e) = study::verify_checkin(&key, sid, link.exp, &link.sig, now) {
        return Err(ApiError::Invalid(domain::Invalid::one("link", e.code())));
    }
    let c = st.store.check_in(&auth.p, sid).await?;
    Ok(Json(json!({ "already": c.already, "session": c.session })).into_response())
}

/// The signed-in member's resolutions to study, with their state on each.
#[utoipa::path(get, path = "/api/my/study", tag = "study",
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn my_study(auth: Auth, State(st): State<AppState>) -> ApiResult {
    Ok(Json(json!({ "resolutions": st.store.my_study(&auth.p).await? })).into_response())
}

/// The member's knowledge check on a resolution: the questions of this attempt.
#[utoipa::path(get, path = "/api/my/study/{doc}/check", tag = "study", params(("doc" = i64, Path, description = "The resolution")),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 400, description = "Not open to this account (no linked member, not studied yet, no attempts left)", body = crate::error::ErrorBody),
        (status = 401, description = "Not signed in", body = crate::error::ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn check_paper(auth: Auth, State(st): State<AppState>, Path(doc): Path<String>) -> ApiResult {
    // The document first: one the user may not study is a 404. A member without grants
    // studies the resolutions cascaded above their cell, as on the page.
    let doc: DocumentId = id(&doc)?;
    crate::study::symbol_of(&st, &auth.p, doc).await?;
    let paper = st.store.check_paper(&auth.p, doc).await?;
    Ok(Json(paper).into_response())
}

#[derive(Deserialize)]
struct Answer {
    question: i64,
    choice: Option<u8>,
}

#[derive(Deserialize)]
struct Answers {
    attempt: u32,
    answers: Vec<Answer>,
}

/// Hands in the answers of an attempt; graded at once.
#[utoipa::path(post, path = "/api/my/study/{doc}/check", tag = "study", params(("doc" = i64, Path, description = "The resolution")),
    request_body(content = serde_json::Value, description = "`{\"attempt\": 1, \"answers\": {\"question id\": choice}}`"),
    responses((status = 200, description = "Done", body = serde_json::Value), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = crate::error::ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = crate::error::ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn submit_check(
    auth: Auth,
    State(st): State<AppState>,
    Path(doc): Path<String>,
    b: Bytes,
) -> ApiResult {
    let doc: DocumentId = id(&doc)?;
    crate::study::symbol_of(&st, &auth.p, doc).await?;
    let a: Answers = body(&b)?;
    let answers = a
        .answers
        .iter()
        .map(|x| (QuestionId(x.question), x.choice))
        .collect();
    let score = st
        .store
        .submit_check(&auth.p, doc, a.attempt, answers)
        .await?;
    Ok(Json(json!({
        "correct": score.correct,
        "total": score.total,
        "passed": score.passed,
        "percent": score.percent(),
    }))
    .into_response())
}

/// A unit's study plan for a resolution: core content per audience, conferences,
/// materials (its own and those of the units above).
#[utoipa::path(get, path = "/api/orgs/{id}/study/{doc}", tag = "study", params(("id" = i64, Path, description = "The unit"), ("doc" = i64, Path, description = "The resolution")),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn plan(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> ApiResult {
    let plan = st
        .store
        .study_plan(&auth.p, id::<OrgId>(&org)?, id::<DocumentId>(&doc)?)
        .await?;
    Ok(Json(plan).into_response())
}

/// Participation and check results of the unit's subtree, per audience, from the
/// study rollups.
#[utoipa::path(get, path = "/api/orgs/{id}/study/{doc}/participation", tag = "study", params(("id" = i64, Path, description = "The unit"), ("doc" = i64, Path, description = "The resolution")),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn participation(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> ApiResult {
    let (org, doc) = (id::<OrgId>(&org)?, id::<DocumentId>(&doc)?);
    let p = st.store.participation(&auth.p, org, doc).await?;
    let children = st.store.participation_children(&auth.p, org, doc).await?;
    Ok(Json(json!({
        "participation": p,
        "percent": p.percent(),
        "children": children,
    }))
    .into_response())
}

/// The reflections handed in within the unit, with grades and copy flags.
#[utoipa::path(get, path = "/api/orgs/{id}/study/{doc}/reflections", tag = "study", params(("id" = i64, Path, description = "The unit"), ("doc" = i64, Path, description = "The resolution")),
    responses((status = 200, description = "OK", body = serde_json::Value), (status = 401, description = "Not signed in", body = crate::error::ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = crate::error::ErrorBody)))]
async fn reflections(
    auth: Auth,
    State(st): State<AppState>,
    Path((org, doc)): Path<(String, String)>,
) -> ApiResult {
    let list = st
        .store
        .reflections(&auth.p, id::<OrgId>(&org)?, id::<DocumentId>(&doc)?)
        .await?;
    Ok(Json(json!({ "reflections": list })).into_response())
}
