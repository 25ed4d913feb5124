//! Form input and form errors.
//!
//! Forms arrive as raw `application/x-www-form-urlencoded` pairs ([`FormData`]): every
//! field is a string that the handler parses with `domain::validate`, so a missing field,
//! an unknown choice or a bad date is a message beside the field, never a rejection
//! page. [`FormErrors`] holds those messages in the user's language, in field order, for
//! the error summary and the fields.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use domain::Invalid;
use i18n::Lang;

use crate::error::AppError;

/// The pairs of a submitted form, in order (repeated names allowed).
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of a field, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<FormData, AppError> {
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest)?;
        Ok(FormData::parse(&body))
    }
}

/// One message of a form.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
    /// The field's label, shown before the message in the error summary (where several
    /// "required" messages would otherwise read the same).
    pub label: String,
}

/// The messages of a submitted form, in field order.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldMessage>);

impl FormErrors {
    pub fn from_invalid(lang: Lang, inv: &Invalid) -> FormErrors {
        let mut out = FormErrors::default();
        for e in &inv.0 {
            out.push(lang, e.field, e.code);
        }
        out
    }

    /// Adds the message `err.<code>` for a field.
    pub fn push(&mut self, lang: Lang, field: &str, code: &str) {
        // One message per field: the first problem is the one to fix.
        if self.0.iter().any(|m| m.field == field) {
            return;
        }
        self.0.push(FieldMessage {
            field: field.to_owned(),
            message: i18n::tr(lang, &format!("err.{code}")).to_owned(),
            label: String::new(),
        });
    }

    /// Adds the message of a full i18n key for a field.
    pub fn push_key(&mut self, lang: Lang, field: &str, key: &str) {
        self.push_text(field, i18n::tr(lang, key));
    }

    /// Adds a message given as text.
    pub fn push_text(&mut self, field: &str, message: &str) {
        self.0.push(FieldMessage {
            field: field.to_owned(),
            message: message.to_owned(),
            label: String::new(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Names each message's field in the error summary by its label.
    pub fn label(&mut self, fields: &[Field]) {
        for m in &mut self.0 {
            if let Some(f) = fields.iter().find(|f| f.name == m.field) {
                m.label = f.label.clone();
            }
        }
    }

    /// 200 for a fresh form, 422 when it comes back with messages.
    pub fn status(&self) -> axum::http::StatusCode {
        if self.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    pub fn items(&self) -> &[FieldMessage] {
        &self.0
    }

    /// The message beside a field, if any.
    pub fn err(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|m| m.field == field)
            .map(|m| m.message.as_str())
    }

    /// `class="... error"` helper: whether a field has a message.
    pub fn has(&self, field: &str) -> bool {
        self.err(field).is_some()
    }
}

/// A parameter of a raw query string, or "" when absent.
pub fn query_param(raw: &Option<String>, name: &str) -> String {
    raw.as_deref()
        .and_then(|q| {
            form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        })
        .unwrap_or_default()
}

/// Percent-encodes a value for a query string.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Parses an id from a URL segment; anything else is "not found", never a 400 or 500.
pub fn id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// A safe local address to go back to after sign-in or a language switch: a path on
/// this site, never another host.
pub fn local_next(raw: &str) -> String {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.starts_with("/\\")
        && !raw.chars().any(|c| c.is_control());
    if ok { raw.to_owned() } else { "/".into() }
}

/// A page title with the "Lỗi: " prefix when the form has errors, so screen readers say
/// it first.
pub fn title(lang: Lang, errors: &FormErrors, title: &str) -> String {
    if errors.is_empty() {
        title.to_owned()
    } else {
        format!("{} {title}", i18n::tr(lang, "shell.error_prefix"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pager_bounds_its_page_and_keeps_its_filters() {
        let p = super::Pager::new(3, 250, 100);
        assert_eq!((p.page, p.pages, p.offset()), (3, 3, 200));
        assert!(p.has_prev() && !p.has_next() && p.many());
        let past = super::Pager::new(99, 250, 100);
        assert_eq!(past.page, 3, "a page past the end shows the last");
        let none = super::Pager::new(0, 0, 100);
        assert_eq!((none.page, none.pages, none.offset()), (1, 1, 0));
        assert!(!none.many());
        assert_eq!(
            super::Pager::new(1, 5, 2).keeping("cell", 7).keep,
            "cell=7&"
        );
    }

    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(local_next("/orgs/5?x=1"), "/orgs/5?x=1");
        assert_eq!(local_next("//evil.example"), "/");
        assert_eq!(local_next("https://evil.example"), "/");
        assert_eq!(local_next("/\\evil"), "/");
        assert_eq!(local_next(""), "/");
    }

    #[test]
    fn form_data_keeps_repeats() {
        let f = FormData::parse(b"a=1&b=x+y&a=2&c=%C4%91");
        assert_eq!(f.get("a"), "1");
        assert_eq!(f.get("b"), "x y");
        assert_eq!(f.get("c"), "đ");
        assert_eq!(f.get("zz"), "");
    }
}

// ---- Data-driven form pages -------------------------------------------------------------

/// What kind of input a [`Field`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// A short text (dates, codes).
    Short,
    Password,
    Select,
    Radios,
    /// A multi-line text (Markdown).
    Textarea,
}

/// One input of a form page.
#[derive(Debug, Clone)]
pub struct Field {
    pub kind: FieldKind,
    pub name: String,
    pub label: String,
    pub hint: String,
    pub value: String,
    /// (value, label) for selects and radios.
    pub options: Vec<(String, String)>,
    pub autocomplete: &'static str,
    /// Search-as-you-type suggestions from `/pick/{pick}` (`members`, `orgs`).
    pub pick: &'static str,
}

impl Field {
    pub fn new(kind: FieldKind, name: &str, label: &str, value: &str) -> Field {
        Field {
            kind,
            name: name.to_owned(),
            label: label.to_owned(),
            hint: String::new(),
            value: value.to_owned(),
            options: Vec::new(),
            autocomplete: "off",
            pick: "",
        }
    }

    /// Suggests units (`orgs`) or members (`members`) as the user types; without
    /// JavaScript the server resolves the text (`crate::pick`).
    pub fn pick(mut self, what: &'static str) -> Field {
        self.pick = what;
        self
    }

    pub fn text(name: &str, label: &str, value: &str) -> Field {
        Field::new(FieldKind::Text, name, label, value)
    }

    pub fn short(name: &str, label: &str, value: &str) -> Field {
        Field::new(FieldKind::Short, name, label, value)
    }

    pub fn password(name: &str, label: &str) -> Field {
        let mut f = Field::new(FieldKind::Password, name, label, "");
        f.autocomplete = "new-password";
        f
    }

    /// A date typed as dd/mm/yyyy.
    pub fn date(lang: Lang, name: &str, label: &str, value: &str) -> Field {
        Field::short(name, label, value).hint(i18n::tr(lang, "shell.date_hint"))
    }

    pub fn select(name: &str, label: &str, value: &str, options: Vec<(String, String)>) -> Field {
        let mut f = Field::new(FieldKind::Select, name, label, value);
        f.options = options;
        f
    }

    pub fn radios(name: &str, label: &str, value: &str, options: Vec<(String, String)>) -> Field {
        let mut f = Field::new(FieldKind::Radios, name, label, value);
        f.options = options;
        f
    }

    pub fn textarea(name: &str, label: &str, value: &str) -> Field {
        Field::new(FieldKind::Textarea, name, label, value)
    }

    pub fn hint(mut self, hint: &str) -> Field {
        self.hint = hint.to_owned();
        self
    }

    pub fn is(&self, kind: &str) -> bool {
        let k = match self.kind {
            FieldKind::Text => "text",
            FieldKind::Short => "short",
            FieldKind::Password => "password",
            FieldKind::Select => "select",
            FieldKind::Radios => "radios",
            FieldKind::Textarea => "textarea",
        };
        k == kind
    }

    pub fn is_value(&self, value: &str) -> bool {
        self.value == value
    }
}

/// A form page: a heading, the fields, a submit button, a way back. One template
/// (`shell/form.html`) draws every form the same way, with the error summary on top.
#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "shell/form.html")]
pub struct FormPage {
    pub ctx: crate::Ctx,
    pub title: String,
    pub caption: String,
    pub heading: String,
    /// A paragraph under the heading (what the action does).
    pub intro: String,
    /// A confirmation shown above the form (the action was done).
    pub notice: String,
    pub action: String,
    pub errors: FormErrors,
    pub fields: Vec<Field>,
    pub submit: String,
    /// Destructive actions get a red button.
    pub warning: bool,
    pub cancel_href: String,
}

impl FormPage {
    pub fn new(ctx: &crate::Ctx, heading: &str, action: &str, errors: FormErrors) -> FormPage {
        FormPage {
            title: title(ctx.lang, &errors, heading),
            caption: String::new(),
            heading: heading.to_owned(),
            intro: String::new(),
            notice: String::new(),
            action: action.to_owned(),
            errors,
            fields: Vec::new(),
            submit: i18n::tr(ctx.lang, "shell.save").to_owned(),
            warning: false,
            cancel_href: "/".to_owned(),
            ctx: ctx.clone(),
        }
    }

    /// The response: 200 for a fresh form, 422 when it comes back with errors.
    pub fn respond(mut self) -> axum::response::Response {
        self.errors.label(&self.fields);
        use axum::response::IntoResponse;
        (self.errors.status(), self).into_response()
    }
}

/// The form field a store conflict belongs to.
pub(crate) fn conflict_field(code: &str) -> &'static str {
    match code {
        "code_taken" => "code",
        "username_taken" | "bad_username" => "username",
        "card_taken" => "card_number",
        "kind_not_allowed" => "kind",
        "not_a_cell" | "same_cell" => "to_cell",
        "move_into_self" => "new_parent",
        "date_before_start" => "on",
        "grant_exists" => "org",
        "document_number_taken" => "number",
        "evaluation_quota" => "level",
        "emulation_number_taken" => "number",
        "emulation_not_passed" | "emulation_no_nominations" => "nominations",
        "emulation_period_taken" => "period",
        "emulation_nomination_exists" | "award_kind_level" => "award_kind",
        "model_not_candidate" | "model_exists" => "org_id",
        "model_link_exists" => "task_id",
        _ => "form",
    }
}

/// Turns a store error about the input into the form's messages; any other error passes
/// through to become an error page.
pub fn store_errors(lang: Lang, e: store::StoreError) -> Result<FormErrors, AppError> {
    match e {
        store::StoreError::Invalid(inv) => Ok(FormErrors::from_invalid(lang, &inv)),
        store::StoreError::Conflict(code) => {
            let mut errs = FormErrors::default();
            errs.push(lang, conflict_field(code), code);
            Ok(errs)
        }
        other => Err(other.into()),
    }
}

/// Today in Vietnam (UTC+7), the default of date fields.
pub fn today() -> time::Date {
    domain::tz::local_date(time::OffsetDateTime::now_utc())
}

pub fn today_text() -> String {
    domain::validate::format_date(today())
}

/// A page of a bounded list shown `per_page` at a time, numbered from 1 (`?page=`); a
/// number past the end shows the last page, anything unreadable the first. Rendered by
/// `templates/shell/pager.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pager {
    pub page: usize,
    pub pages: usize,
    per_page: usize,
    /// Other parameters the page's links keep, each followed by `&` (`cell=5&`).
    pub keep: String,
}

impl Pager {
    pub fn new(page: usize, total: usize, per_page: usize) -> Pager {
        let pages = total.div_ceil(per_page.max(1)).max(1);
        Pager {
            page: page.clamp(1, pages),
            pages,
            per_page: per_page.max(1),
            keep: String::new(),
        }
    }

    /// The links keep `name=value` too.
    pub fn keeping(mut self, name: &str, value: impl std::fmt::Display) -> Pager {
        self.keep.push_str(&format!("{name}={value}&"));
        self
    }

    /// The page number of `?page=` in a raw query.
    pub fn page_of(q: &Option<String>) -> usize {
        query_param(q, "page").parse().unwrap_or(1)
    }

    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.pages
    }

    pub fn many(&self) -> bool {
        self.pages > 1
    }
}
