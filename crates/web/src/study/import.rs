//! Attendance from a spreadsheet, for the secretary who may mark a conference: download
//! the template filled with the conference's sheet (members, their codes and the marks
//! already recorded), fill in the marks, upload it. Every row is checked (`import`
//! crate) and the marks are recorded all or nothing: a file with problems saves nothing
//! and the page lists each problem with its row number (docs/STUDY.md §6).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Permission;
use import::ImportError;
use store::{StoreError, StudySession};

use super::{SessionView, session_view};
use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::files::{self, UploadError};
use crate::forms::{self, FormErrors};
use crate::imports::FILE_LIMIT;

/// Problems listed on the page at most; the rest are counted.
const SHOWN_PROBLEMS: usize = 500;

#[derive(Template, WebTemplate)]
#[template(path = "study/import.html")]
struct ImportPage {
    ctx: Ctx,
    title: String,
    v: SessionView,
    errors: FormErrors,
    more: String,
    /// The result after a successful import, one line each.
    done: Vec<String>,
    limit_hint: String,
}

/// The conference, open to marking by this user (403 for readers, 404 outside). A
/// cancelled conference takes no marks (409 page).
async fn for_marks(st: &AppState, auth: &Auth, raw: &str) -> Result<StudySession, AppError> {
    let s = st.store.study_session(&auth.p, forms::id(raw)?).await?;
    if !auth.p.can(Permission::EditPeople, &s.org_path) {
        return Err(AppError::Forbidden);
    }
    Ok(s)
}

fn render(
    ctx: &Ctx,
    s: StudySession,
    errors: FormErrors,
    more: String,
    done: Vec<String>,
    status: StatusCode,
) -> Response {
    let heading = ctx.t("study.import.title");
    let page = ImportPage {
        title: forms::title(ctx.lang, &errors, &format!("{heading} – {}", s.title)),
        v: session_view(ctx, s),
        errors,
        more,
        done,
        limit_hint: i18n::fill(
            ctx.t("import.page.file_hint"),
            &[("mb", &(FILE_LIMIT / (1024 * 1024)))],
        ),
        ctx: ctx.clone(),
    };
    (status, page).into_response()
}

fn one_error(ctx: &Ctx, s: StudySession, message: &str, status: StatusCode) -> Response {
    let mut errors = FormErrors::default();
    errors.push_text("file", message);
    render(ctx, s, errors, String::new(), Vec::new(), status)
}

pub(super) async fn form(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let s = for_marks(&st, &auth, &raw).await?;
    let status = if s.is_cancelled() {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    let mut errors = FormErrors::default();
    if s.is_cancelled() {
        errors.push(auth.ctx.lang, "file", "session_cancelled");
    }
    Ok(render(
        &auth.ctx,
        s,
        errors,
        String::new(),
        Vec::new(),
        status,
    ))
}

pub(super) async fn upload(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let s = for_marks(&st, &auth, &raw).await?;
    let ctx = &auth.ctx;
    let too_large = i18n::fill(
        ctx.t("import.page.too_large"),
        &[("mb", &(FILE_LIMIT / (1024 * 1024)))],
    );
    let file = match files::read(req, &st).await {
        Ok(up) => up.into_one().1,
        Err(UploadError::TooLarge) => {
            return Ok(one_error(ctx, s, &too_large, StatusCode::PAYLOAD_TOO_LARGE));
        }
        Err(_) => None,
    };
    let Some(file) = file else {
        let text = ctx.t("import.page.no_file");
        return Ok(one_error(ctx, s, text, StatusCode::UNPROCESSABLE_ENTITY));
    };
    if file.bytes.is_empty() {
        let text = ctx.t("import.page.empty_file");
        return Ok(one_error(ctx, s, text, StatusCode::UNPROCESSABLE_ENTITY));
    }
    if file.bytes.len() > FILE_LIMIT {
        return Ok(one_error(ctx, s, &too_large, StatusCode::PAYLOAD_TOO_LARGE));
    }
    let bytes = file.bytes;
    let parsed = tokio::task::spawn_blocking(move || {
        import::read_table(&bytes).and_then(|t| import::attendance::parse(&t))
    })
    .await
    .map_err(AppError::internal)?;
    let result = match parsed {
        Ok(rows) => import::attendance::apply(&*st.store, &auth.p, s.id, rows).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => {
            let mut done = vec![i18n::fill(
                ctx.t("study.import.done"),
                &[
                    ("count", &r.rows),
                    ("present", &r.present),
                    ("excused", &r.excused),
                    ("absent", &r.absent),
                ],
            )];
            if r.skipped > 0 {
                done.push(i18n::fill(
                    ctx.t("study.import.skipped"),
                    &[("count", &r.skipped)],
                ));
            }
            // The counts on the page come from the store, after the import.
            let s = st.store.study_session(&auth.p, s.id).await?;
            Ok(render(
                ctx,
                s,
                FormErrors::default(),
                String::new(),
                done,
                StatusCode::OK,
            ))
        }
        Err(ImportError::Store(StoreError::Backend(e))) => Err(AppError::Internal(e)),
        Err(ImportError::Store(StoreError::Conflict(code))) => {
            let mut errors = FormErrors::default();
            errors.push(ctx.lang, "file", code);
            Ok(render(
                ctx,
                s,
                errors,
                String::new(),
                Vec::new(),
                StatusCode::CONFLICT,
            ))
        }
        Err(e) => {
            let messages = e.messages(ctx.lang);
            let mut errors = FormErrors::default();
            for m in messages.iter().take(SHOWN_PROBLEMS) {
                errors.push_text("file", m);
            }
            let more = if messages.len() > SHOWN_PROBLEMS {
                i18n::fill(
                    ctx.t("import.page.more_problems"),
                    &[("count", &ctx.num(messages.len() - SHOWN_PROBLEMS))],
                )
            } else {
                String::new()
            };
            Ok(render(
                ctx,
                s,
                errors,
                more,
                Vec::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

/// The template of this conference: its sheet's members with their codes and marks.
pub(super) async fn template(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> Result<Response, AppError> {
    let s = for_marks(&st, &auth, &raw).await?;
    let sheet = st.store.attendance_sheet(&auth.p, s.id).await?;
    let lines: Vec<import::template::AttendanceLine<'_>> = sheet
        .iter()
        .map(|r| import::template::AttendanceLine {
            code: r
                .card_number
                .clone()
                .unwrap_or_else(|| format!("#{}", r.member_id)),
            full_name: &r.full_name,
            cell: &r.cell_name,
            mark: r.mark,
            reason: r.reason.as_deref(),
        })
        .collect();
    let bytes = import::template::attendance(&s.title, &lines).map_err(AppError::internal)?;
    Ok(files::xlsx(
        &format!("diem-danh-hoi-nghi-{}.xlsx", s.id),
        bytes,
    ))
}
