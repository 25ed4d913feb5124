//! Imports from spreadsheets: from a unit's page, upload an .xlsx or .csv of members (into
//! cells of that unit's subtree) or of organizations (under that subtree), and download the
//! templates to fill in.
//!
//! The upload is checked row by row by the `import` crate; every problem comes back on the
//! same page with its row number and nothing is saved. The rows are applied through the
//! store as the signed-in principal, all or nothing, so the store enforces the scope again.
//!
//! An upload may be larger than other forms ([`BODY_LIMIT`]); the context middleware reads
//! it with that limit and, when it is larger, marks the request with [`BodyTooLarge`] so
//! that this page, not a bare 413, tells the user.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::{OrgId, Permission, Principal};
use import::ImportError;
use store::{Org, StoreError};

use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::files::{self, UploadError, UploadForm};
use crate::forms::{self, FormErrors};

/// The largest file accepted.
pub const FILE_LIMIT: usize = 20 * 1024 * 1024;
/// The largest upload request: the file and the form's other fields.
pub const BODY_LIMIT: usize = FILE_LIMIT + 64 * 1024;
/// Problems listed on the page at most; the rest are counted.
const SHOWN_PROBLEMS: usize = 1000;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/orgs/{id}/import",
            get(form)
                .post(upload)
                .layer(DefaultBodyLimit::max(BODY_LIMIT)),
        )
        .route("/import/templates/members.xlsx", get(members_template))
        .route("/import/templates/orgs.xlsx", get(orgs_template))
}

/// Whether a request path is an upload, read with [`BODY_LIMIT`] instead of the forms' limit.
/// Also covers the progress form with its evidence files (`/tasks/{id}/progress`).
pub(crate) fn is_upload(path: &str) -> bool {
    let one_id = |prefix: &str, suffix: &str| {
        path.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
    };
    one_id("/orgs/", "/import")
        || one_id("/tasks/", "/progress")
        || one_id("/documents/", "/attachments")
        || crate::study::is_upload(path)
        || crate::inspection::is_upload(path)
        || crate::reports::is_upload(path)
        || crate::portal::is_upload(path)
}

/// Set by the context middleware on an upload larger than [`BODY_LIMIT`] (its body is then
/// dropped after the CSRF check).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyTooLarge;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum What {
    Members,
    Orgs,
}

impl What {
    fn as_str(self) -> &'static str {
        match self {
            What::Members => "members",
            What::Orgs => "orgs",
        }
    }

    fn parse(s: &str) -> Option<What> {
        match s {
            "members" => Some(What::Members),
            "orgs" => Some(What::Orgs),
            _ => None,
        }
    }
}

/// What the principal may import at this unit: members with EditPeople, units with
/// EditOrgs (not under a cell). Empty for a closed unit.
fn choices(p: &Principal, org: &Org) -> Vec<What> {
    let mut out = Vec::new();
    if !org.is_active() {
        return out;
    }
    if p.can(Permission::EditPeople, &org.path) {
        out.push(What::Members);
    }
    if !org.kind.holds_members() && p.can(Permission::EditOrgs, &org.path) {
        out.push(What::Orgs);
    }
    out
}

/// Whether the unit's page shows the import link.
pub(crate) fn can_import(p: &Principal, org: &Org) -> bool {
    !choices(p, org).is_empty()
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/page.html")]
struct ImportPage {
    ctx: Ctx,
    title: String,
    org: Org,
    /// (value, label) of the kinds of file the user may send.
    choices: Vec<(String, String)>,
    what: String,
    errors: FormErrors,
    /// Problems not listed (over [`SHOWN_PROBLEMS`]).
    more: String,
    /// The confirmation after a successful import.
    done: String,
    limit_hint: String,
    /// How to name this unit in the file's reference column.
    reference: String,
}

impl ImportPage {
    fn is_what(&self, v: &str) -> bool {
        self.what == v
    }
}

struct Outcome {
    what: Option<What>,
    errors: FormErrors,
    more: String,
    done: String,
}

impl Outcome {
    fn fresh() -> Outcome {
        Outcome {
            what: None,
            errors: FormErrors::default(),
            more: String::new(),
            done: String::new(),
        }
    }

    fn error(what: Option<What>, field: &str, message: &str) -> Outcome {
        let mut errors = FormErrors::default();
        errors.push_text(field, message);
        Outcome {
            what,
            errors,
            ..Outcome::fresh()
        }
    }
}

fn render(ctx: &Ctx, org: Org, allowed: &[What], out: Outcome, status: StatusCode) -> Response {
    let heading = ctx.t("import.page.title");
    let what = out
        .what
        .or(allowed.first().copied())
        .unwrap_or(What::Members);
    let reference = match &org.code {
        Some(code) => i18n::fill(
            ctx.t("import.page.reference"),
            &[("code", code), ("id", &org.id)],
        ),
        None => i18n::fill(ctx.t("import.page.reference_id"), &[("id", &org.id)]),
    };
    let page = ImportPage {
        title: forms::title(ctx.lang, &out.errors, &format!("{heading} – {}", org.name)),
        choices: allowed
            .iter()
            .map(|w| {
                (
                    w.as_str().to_owned(),
                    ctx.t(&format!("import.page.what_{}", w.as_str()))
                        .to_owned(),
                )
            })
            .collect(),
        what: what.as_str().to_owned(),
        errors: out.errors,
        more: out.more,
        done: out.done,
        limit_hint: i18n::fill(
            ctx.t("import.page.file_hint"),
            &[("mb", &(FILE_LIMIT / (1024 * 1024)))],
        ),
        reference,
        ctx: ctx.clone(),
        org,
    };
    (status, page).into_response()
}

/// The unit of the URL, readable (else 404) and open to an import by this user (else 403).
async fn load(st: &AppState, p: &Principal, raw_id: &str) -> Result<(Org, Vec<What>), AppError> {
    let org = st.store.org_get(p, forms::id::<OrgId>(raw_id)?).await?;
    let allowed = choices(p, &org);
    if allowed.is_empty() {
        return Err(AppError::Forbidden);
    }
    Ok((org, allowed))
}

async fn form(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (org, allowed) = load(&st, &auth.p, &id).await?;
    Ok(render(
        &auth.ctx,
        org,
        &allowed,
        Outcome::fresh(),
        StatusCode::OK,
    ))
}

/// Rows of a file that parsed, per kind.
enum Parsed {
    Members(Vec<import::members::MemberRow>),
    Orgs(Vec<import::orgs::OrgRow>),
}

async fn upload(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    let (org, allowed) = load(&st, &auth.p, &id).await?;
    let ctx = &auth.ctx;
    let lang = ctx.lang;
    let too_large = |what| {
        let text = i18n::fill(
            ctx.t("import.page.too_large"),
            &[("mb", &(FILE_LIMIT / (1024 * 1024)))],
        );
        Outcome::error(what, "file", &text)
    };
    let read = files::read(req, &st)
        .await
        .map(UploadForm::into_one)
        .and_then(|(fields, file)| match file {
            Some(f) if f.bytes.len() > FILE_LIMIT => Err(UploadError::TooLarge),
            file => Ok((fields, file)),
        });
    let (fields, file) = match read {
        Ok(x) => x,
        Err(UploadError::TooLarge) => {
            let out = too_large(None);
            return Ok(render(
                ctx,
                org,
                &allowed,
                out,
                StatusCode::PAYLOAD_TOO_LARGE,
            ));
        }
        Err(e) => {
            let key = if e == UploadError::NotMultipart {
                "import.page.no_file"
            } else {
                "import.page.upload_failed"
            };
            let out = Outcome::error(None, "file", ctx.t(key));
            return Ok(render(
                ctx,
                org,
                &allowed,
                out,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let what = What::parse(fields.get("what")).filter(|w| allowed.contains(w));
    let Some(what) = what else {
        let out = Outcome::error(None, "what", ctx.t("err.bad_choice"));
        return Ok(render(
            ctx,
            org,
            &allowed,
            out,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    };
    let file_is_absent = file.is_none();
    let bytes = file.map(|f| f.bytes).unwrap_or_default();
    if bytes.is_empty() {
        // An empty file input sends no file; a chosen empty file is one of no bytes.
        let key = if file_is_absent {
            "import.page.no_file"
        } else {
            "import.page.empty_file"
        };
        let out = Outcome::error(Some(what), "file", ctx.t(key));
        return Ok(render(
            ctx,
            org,
            &allowed,
            out,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }

    // Reading a large workbook is CPU work: off the async threads.
    let parsed = tokio::task::spawn_blocking(move || -> Result<Parsed, ImportError> {
        let table = import::read_table(&bytes)?;
        Ok(match what {
            What::Members => Parsed::Members(import::members::parse(&table)?),
            What::Orgs => Parsed::Orgs(import::orgs::parse(&table)?),
        })
    })
    .await
    .map_err(AppError::internal)?;
    let store = &*st.store;
    let today = forms::today();
    let result = match parsed {
        Ok(Parsed::Members(rows)) => {
            import::members::apply_within(store, &auth.p, Some(&org.path), rows, today).await
        }
        Ok(Parsed::Orgs(rows)) => {
            import::orgs::apply_within(store, &auth.p, Some(&org.path), rows, today).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(n) => {
            let done = i18n::fill(
                ctx.t(&format!("import.page.done_{}", what.as_str())),
                &[("count", &ctx.num(i64::try_from(n).unwrap_or(i64::MAX)))],
            );
            let out = Outcome {
                what: Some(what),
                done,
                ..Outcome::fresh()
            };
            Ok(render(ctx, org, &allowed, out, StatusCode::OK))
        }
        // The database failed: a server error, not the user's mistake.
        Err(ImportError::Store(StoreError::Backend(e))) => Err(AppError::Internal(e)),
        Err(e) => {
            let messages = e.messages(lang);
            let mut out = Outcome {
                what: Some(what),
                ..Outcome::fresh()
            };
            for m in messages.iter().take(SHOWN_PROBLEMS) {
                out.errors.push_text("file", m);
            }
            if messages.len() > SHOWN_PROBLEMS {
                out.more = i18n::fill(
                    ctx.t("import.page.more_problems"),
                    &[("count", &ctx.num(messages.len() - SHOWN_PROBLEMS))],
                );
            }
            Ok(render(
                ctx,
                org,
                &allowed,
                out,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

/// The members template (signed-in users only; it holds no records).
async fn members_template(_auth: Auth) -> Result<Response, AppError> {
    let bytes = import::template::members().map_err(AppError::internal)?;
    Ok(files::xlsx("mau-nhap-dang-vien.xlsx", bytes))
}

async fn orgs_template(_auth: Auth) -> Result<Response, AppError> {
    let bytes = import::template::orgs().map_err(AppError::internal)?;
    Ok(files::xlsx("mau-nhap-to-chuc.xlsx", bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_paths() {
        assert!(is_upload("/orgs/12/import"));
        assert!(is_upload("/orgs/abc/import"));
        assert!(!is_upload("/orgs/12/import/x"));
        assert!(!is_upload("/orgs//import"));
        assert!(!is_upload("/orgs/1/2/import"));
        assert!(!is_upload("/orgs/12/new"));
        assert!(!is_upload("/import/templates/members.xlsx"));
        assert!(is_upload("/tasks/7/progress"));
        assert!(!is_upload("/tasks/7"));
        assert!(!is_upload("/tasks/7/progress/x"));
        assert!(is_upload("/documents/3/attachments"));
        assert!(!is_upload("/documents/3/attachments/9"));
        assert!(!is_upload("/api/documents/3/attachments"));
    }
}
