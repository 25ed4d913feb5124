//! The request context every page renders with, and the extractors that give it to
//! handlers: [`Ctx`] (anyone) and [`Auth`] (signed-in users only).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AccessRole, Audience, OrgKind, Permission, PositionRole, Principal};
use i18n::Lang;
use time::Date;

use crate::error::ApiError;

/// Language, signed-in user, CSRF token and the current address, set by the context
/// middleware ([`crate::auth::context`]) for every request.
#[derive(Clone, Default)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<Arc<Principal>>,
    /// The session's CSRF token; empty for anonymous requests.
    pub csrf: String,
    /// Path and query of the request, for "back here" links (language switch, sign-in).
    pub here: String,
}

impl Ctx {
    /// The text of `key` in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        i18n::tr(self.lang, key)
    }

    pub fn lang_code(&self) -> &'static str {
        self.lang.code()
    }

    /// The link that switches the page to the other language and comes back here.
    pub fn switch_href(&self) -> String {
        format!(
            "/lang/{}?next={}",
            self.lang.other().code(),
            crate::forms::urlencode(&self.here)
        )
    }

    /// The other language's name, written in that language.
    pub fn switch_label(&self) -> &'static str {
        match self.lang {
            Lang::Vi => "English",
            Lang::En => "Tiếng Việt",
        }
    }

    pub fn switch_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    /// A number with the page language's digit grouping: 1.234 in Vietnamese, 1,234 in
    /// English.
    /// `part` of `whole` as a share ("37%", "<1%"): [`domain::study::share_label`].
    pub fn share(&self, part: impl AsNum, whole: impl AsNum) -> String {
        domain::study::share_label(part.as_num(), whole.as_num())
    }

    pub fn num(&self, n: impl AsNum) -> String {
        let n = n.as_num();
        let sep = match self.lang {
            Lang::Vi => '.',
            Lang::En => ',',
        };
        group_digits(n, sep)
    }

    /// A text with one `{name}` placeholder filled in.
    pub fn fill(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        i18n::fill(self.t(key), &[(name, &value)])
    }

    /// A date as dd/mm/yyyy.
    pub fn date(&self, d: &Date) -> String {
        domain::validate::format_date(*d)
    }

    /// The day of a moment, as dd/mm/yyyy (in Vietnam).
    pub fn day(&self, t: &time::OffsetDateTime) -> String {
        domain::validate::format_date(domain::tz::local_date(*t))
    }

    pub fn opt_date(&self, d: &Option<Date>) -> String {
        d.map(domain::validate::format_date).unwrap_or_default()
    }

    pub fn kind(&self, k: &OrgKind) -> &'static str {
        self.t(&format!("orgs.kind.{}", k.as_str()))
    }

    /// A document's issuer as documents name it: the committee ("Huyện ủy Lục Nam"),
    /// not the party organization ("Đảng bộ huyện Lục Nam").
    pub fn committee(&self, org_name: &str) -> String {
        domain::committee_name(org_name)
    }

    pub fn position(&self, r: &PositionRole) -> &'static str {
        self.t(&format!("people.role.{}", r.as_str()))
    }

    pub fn access(&self, r: &AccessRole) -> &'static str {
        self.t(&format!("admin.role.{}", r.as_str()))
    }

    pub fn audience(&self, a: &Audience) -> &'static str {
        self.t(&format!("people.audience.{}", a.as_str()))
    }

    pub fn doc_type(&self, t: &domain::DocumentType) -> &'static str {
        self.t(&format!("documents.doc_type.{}", t.as_str()))
    }

    pub fn program_state(&self, s: &domain::ProgramState) -> &'static str {
        self.t(&format!("programs.state.{}", s.as_str()))
    }

    pub fn report_every(&self, r: &domain::ReportEvery) -> &'static str {
        self.t(&format!("documents.cascade.report_every.{}", r.as_str()))
    }

    pub fn user_name(&self) -> &str {
        self.user.as_deref().map_or("", |p| p.display_name.as_str())
    }

    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }

    /// Whether to show the administration link (the pages check again).
    pub fn is_admin(&self) -> bool {
        self.user
            .as_deref()
            .is_some_and(|p| p.has_anywhere(Permission::ManageAccounts))
    }

    /// Whether the current page is under `prefix`, for the navigation's current item.
    pub fn at(&self, prefix: &str) -> bool {
        self.here == prefix
            || self.here.starts_with(&format!("{prefix}/"))
            || self.here.starts_with(&format!("{prefix}?"))
    }

    pub fn css_href(&self) -> &'static str {
        crate::shell::css_href()
    }

    pub fn js_href(&self) -> &'static str {
        crate::shell::js_href()
    }
}

/// Numbers a template may show (askama passes some by reference).
pub trait AsNum {
    fn as_num(&self) -> i64;
}

impl AsNum for i64 {
    fn as_num(&self) -> i64 {
        *self
    }
}

impl AsNum for u32 {
    fn as_num(&self) -> i64 {
        i64::from(*self)
    }
}

impl AsNum for usize {
    fn as_num(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: AsNum> AsNum for &T {
    fn as_num(&self) -> i64 {
        (**self).as_num()
    }
}

fn group_digits(n: i64, sep: char) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Ctx, Self::Rejection> {
        Ok(parts.extensions.get::<Ctx>().cloned().unwrap_or_default())
    }
}

/// A signed-in user with the page context. Anonymous requests are sent to the sign-in
/// page (pages) or answered 401 (JSON API).
pub struct Auth {
    pub ctx: Ctx,
    pub p: Arc<Principal>,
}

/// Why [`Auth`] refused: nobody is signed in.
pub struct SignInFirst {
    api: bool,
    here: String,
}

impl IntoResponse for SignInFirst {
    fn into_response(self) -> Response {
        if self.api {
            ApiError::Unauthorized.into_response()
        } else {
            let next = if self.here.is_empty() || self.here == "/" {
                String::new()
            } else {
                format!("?next={}", crate::forms::urlencode(&self.here))
            };
            Redirect::to(&format!("/login{next}")).into_response()
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Auth {
    type Rejection = SignInFirst;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Auth, SignInFirst> {
        let ctx = parts.extensions.get::<Ctx>().cloned().unwrap_or_default();
        match ctx.user.clone() {
            Some(p) => Ok(Auth { ctx, p }),
            None => Err(SignInFirst {
                api: parts.uri.path().starts_with("/api/"),
                // Only GETs come back to where they were; a form's target is no page.
                here: if parts.method == axum::http::Method::GET {
                    ctx.here
                } else {
                    String::new()
                },
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_digit_grouping() {
        assert_eq!(group_digits(0, '.'), "0");
        assert_eq!(group_digits(999, '.'), "999");
        assert_eq!(group_digits(1234, '.'), "1.234");
        assert_eq!(group_digits(1234567, ','), "1,234,567");
        assert_eq!(group_digits(-100000, '.'), "-100.000");
    }
}

#[cfg(test)]
mod text_keys {
    //! Every text key the pages use exists in the resource files.

    use domain::{AccessRole, Audience, OrgKind, PositionRole};

    const AREAS: [&str; 20] = [
        "evaluation.",
        "home.",
        "consultation.",
        "shell.",
        "auth.",
        "orgs.",
        "people.",
        "search.",
        "admin.",
        "err.",
        "common.",
        "import.",
        "documents.",
        "programs.",
        "dashboards.",
        "progress.",
        "study.",
        "inspection.",
        "portal.",
        "emulation.",
    ];

    fn literal_keys(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        for part in src.split('"').skip(1).step_by(2) {
            let is_key = AREAS.iter().any(|a| part.starts_with(a))
                && !part.ends_with('.')
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.');
            if is_key {
                out.push(part.to_owned());
            }
        }
        out
    }

    fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                files(&p, out);
            } else {
                out.push(p);
            }
        }
    }

    #[test]
    fn every_key_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut paths = Vec::new();
        files(&root.join("src"), &mut paths);
        files(&root.join("templates"), &mut paths);
        let mut keys: Vec<String> = Vec::new();
        for p in paths {
            keys.extend(literal_keys(&std::fs::read_to_string(&p).unwrap()));
        }
        for k in OrgKind::ALL {
            keys.push(format!("orgs.kind.{}", k.as_str()));
        }
        for r in PositionRole::ALL {
            keys.push(format!("people.role.{}", r.as_str()));
        }
        for r in AccessRole::ALL {
            keys.push(format!("admin.role.{}", r.as_str()));
        }
        for a in [Audience::KeyCadre, Audience::Member] {
            keys.push(format!("people.audience.{}", a.as_str()));
        }
        for e in ["create", "rename", "move", "merge", "split", "close"] {
            keys.push(format!("orgs.event.{e}"));
        }
        for k in [
            "not_found",
            "forbidden",
            "csrf",
            "bad_request",
            "too_many",
            "internal",
        ] {
            keys.push(format!("shell.error.{k}.title"));
            keys.push(format!("shell.error.{k}.body"));
        }
        for t in domain::DocumentType::ALL {
            keys.push(format!("documents.doc_type.{}", t.as_str()));
        }
        for s in domain::ProgramState::ALL {
            keys.push(format!("programs.state.{}", s.as_str()));
        }
        for s in domain::EffectiveStatus::ALL {
            keys.push(format!("progress.status.{}", s.as_str()));
        }
        for k in [
            "task_due_soon",
            "task_overdue",
            "unit_deadline",
            "unit_deadline_study",
            "unit_deadline_program",
            "unit_deadline_review",
            "unit_deadline_report",
            "program_issued",
            "update_returned",
            "update_accepted",
        ] {
            keys.push(format!("progress.note.{k}"));
        }
        for s in domain::portal::ArticleStatus::ALL {
            keys.push(format!("portal.status.{}", s.as_str()));
        }
        for s in domain::portal::FeedbackState::ALL {
            keys.push(format!("portal.feedback.state.{}", s.as_str()));
        }
        for r in domain::ReportEvery::ALL {
            keys.push(format!("documents.cascade.report_every.{}", r.as_str()));
        }
        for s in domain::emulation::NominationState::ALL {
            keys.push(format!("emulation.nomination.{}", s.as_str()));
        }
        for s in ["open", "closed"] {
            keys.push(format!("emulation.state.{s}"));
        }
        for d in [
            "launched",
            "pledged",
            "closed",
            "snapshot",
            "nominated",
            "voted",
            "decided",
            "confirmed",
            "linked",
        ] {
            keys.push(format!("emulation.done.{d}"));
        }
        let missing: Vec<&String> = keys.iter().filter(|k| !i18n::has(k)).collect();
        assert!(missing.is_empty(), "missing texts: {missing:?}");
    }
}
