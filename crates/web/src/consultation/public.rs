//! The public page of a consultation open to the public, and its comment form, for
//! visitors without an account: `GET|POST /public/consultations/{id}` (docs/CONSULTATION.md).
//!
//! CSRF without a session: the page sets a random browser secret in a cookie
//! ([`COOKIE`], HttpOnly, SameSite=Strict, path `/public/consultations`) unless the browser
//! has one, and the form carries a token signed over that secret, the consultation and an
//! expiry. Another site can neither read the cookie nor make the token. (A signed-in
//! visitor's form also carries the session's token, which the context middleware checks
//! as for every form.)
//!
//! Abuse: a flood from one address is refused here, before anything is read or written
//! ([`Limits`]: [`PER_ADDRESS`] comments per [`WINDOW`], in memory), with a message in
//! Vietnamese (or English) and nothing else slowed; the store then counts per address
//! and per consultation, refuses repeats, and the form refuses links and long texts.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::Router;
use axum::extract::{ConnectInfo, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::consultation::{Answer, CommentForm, ConsultationId, Phase, PublicCommentForm};
use store::{PublicConsultation, StoreError};

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::AppError;
use crate::forms::{self, FormData, FormErrors, query_param, today};

/// The cookie holding this browser's secret for public forms.
pub const COOKIE: &str = "resolute_consult";
/// How long a public form stays valid.
const FORM_TTL: i64 = 2 * 60 * 60;
/// Public comments one address may send within [`WINDOW`], every consultation together.
pub const PER_ADDRESS: usize = 5;
/// The window of [`PER_ADDRESS`].
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

pub fn router() -> Router<AppState> {
    Router::new().route("/public/consultations/{id}", get(page).post(submit))
}

/// Public comments per address within [`WINDOW`], in memory (per process).
#[derive(Default)]
pub struct Limits {
    hits: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

impl Limits {
    /// Counts a comment from `ip`, or says how long until the next one is taken.
    pub fn hit(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let mut map = self.hits.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, v| v.iter().any(|t| now.duration_since(*t) < WINDOW));
        }
        let v = map.entry(ip).or_default();
        v.retain(|t| now.duration_since(*t) < WINDOW);
        if v.len() >= PER_ADDRESS {
            let oldest = v.iter().min().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
        }
        v.push(now);
        Ok(())
    }
}

fn secret_of(headers: &HeaderMap) -> Option<String> {
    crate::auth::cookie(headers, COOKIE)
        .filter(|s| s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn form_token(key: &[u8], secret: &str, id: ConsultationId) -> String {
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + FORM_TTL;
    let mac = domain::token::sign(key, &format!("consult:{id}:{secret}:{exp}"));
    format!("{exp}.{mac}")
}

fn token_valid(key: &[u8], secret: &str, id: ConsultationId, token: &str) -> bool {
    let Some((exp, mac)) = token.split_once('.') else {
        return false;
    };
    let Ok(exp_n) = exp.parse::<i64>() else {
        return false;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    domain::token::verify(
        key,
        &format!("consult:{id}:{secret}:{exp}"),
        mac,
        exp_n,
        now,
    )
    .is_ok()
}

fn secret_cookie(secret: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={secret}; Path=/public/consultations; Max-Age=86400; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("resolute_consult=; Path=/public/consultations"))
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/public.html")]
struct PublicPage {
    ctx: Ctx,
    title: String,
    c: PublicConsultation,
    token: String,
    notice: String,
    errors: FormErrors,
    form: FormData,
    item: String,
}

impl PublicPage {
    fn val(&self, name: &str) -> &str {
        self.form.get(name)
    }

    fn open(&self) -> bool {
        self.c.phase == Phase::Open
    }

    fn phase(&self) -> &'static str {
        self.ctx
            .t(&format!("consultation.phase.{}", self.c.phase.as_str()))
    }

    fn kind(&self) -> &'static str {
        self.ctx
            .t(&format!("consultation.kind.{}", self.c.kind.as_str()))
    }

    fn label(&self, i: &store::DraftItem) -> String {
        super::item_label(self.ctx.lang, i.kind, i.number)
    }

    fn target(&self, item: &Option<domain::consultation::ItemId>) -> String {
        super::target_label(self.ctx.lang, &self.c.items, *item)
    }

    fn options(&self) -> Vec<(String, String)> {
        super::item_options(self.ctx.lang, &self.c.items)
    }

    fn selected(&self, v: &str) -> bool {
        let current = if self.form.get("item").is_empty() {
            self.item.as_str()
        } else {
            self.form.get("item")
        };
        current == v
    }

    fn answer(&self, a: &Answer) -> &'static str {
        self.ctx.t(&format!("consultation.answer.{}", a.as_str()))
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    st: &AppState,
    ctx: Ctx,
    headers: &HeaderMap,
    c: PublicConsultation,
    status: StatusCode,
    notice: String,
    errors: FormErrors,
    form: FormData,
    item: String,
) -> Response {
    let (secret, fresh) = match secret_of(headers) {
        Some(s) => (s, false),
        None => (hex::encode(rand::random::<[u8; 16]>()), true),
    };
    let token = form_token(&st.form_key[..], &secret, c.id);
    let page = PublicPage {
        title: forms::title(ctx.lang, &errors, &c.title),
        ctx,
        c,
        token,
        notice,
        errors,
        form,
        item,
    };
    let mut res = (status, page).into_response();
    if fresh {
        res.headers_mut().append(
            header::SET_COOKIE,
            secret_cookie(&secret, st.config.secure_cookies),
        );
    }
    res
}

/// `GET /public/consultations/{id}`: the draft, the questions, the published comments with
/// their answers, and the form while the period is open.
async fn page(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id: ConsultationId = forms::id(&id)?;
    let c = st.store.public_consultation(id, today()).await?;
    let notice = if query_param(&q, "sent") == "1" {
        ctx.t("consultation.public.sent").to_owned()
    } else {
        String::new()
    };
    Ok(render(
        &st,
        ctx,
        &headers,
        c,
        StatusCode::OK,
        notice,
        FormErrors::default(),
        FormData::default(),
        query_param(&q, "item"),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "consultation/refused.html")]
struct RefusedPage {
    ctx: Ctx,
    title: String,
    message: String,
    back: String,
}

/// `POST /public/consultations/{id}`: a visitor's comment, kept for moderation.
async fn submit(
    ctx: Ctx,
    State(st): State<AppState>,
    Path(id): Path<String>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    f: FormData,
) -> Result<Response, AppError> {
    let id: ConsultationId = forms::id(&id)?;
    let lang = ctx.lang;
    // The form's token must be ours, fresh, and made for this browser's secret.
    let token_ok = secret_of(&headers)
        .is_some_and(|s| token_valid(&st.form_key[..], &s, id, f.get("form_token")));
    if !token_ok {
        tracing::warn!("public consultation form token missing or wrong");
        let c = st.store.public_consultation(id, today()).await?;
        let mut errors = FormErrors::default();
        errors.push_key(lang, "form", "consultation.public.expired");
        return Ok(render(
            &st,
            ctx,
            &headers,
            c,
            StatusCode::FORBIDDEN,
            String::new(),
            errors,
            f,
            String::new(),
        ));
    }
    // A flood from one address stops here, before anything is read.
    let ip = peer
        .map(|Extension(ConnectInfo(a))| a.ip())
        .map(|p| crate::auth::client_ip(p, &headers, &st.config.trusted_proxies))
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    if let Err(wait) = st.consult_limits.hit(ip) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let page = RefusedPage {
            title: ctx.t("consultation.public.flood_title").to_owned(),
            message: ctx.fill("consultation.public.flood", "minutes", minutes),
            back: format!("/public/consultations/{id}"),
            ctx,
        };
        let mut res = (StatusCode::TOO_MANY_REQUESTS, page).into_response();
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(res);
    }
    let c = st.store.public_consultation(id, today()).await?;
    let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
    let form = PublicCommentForm {
        name: f.get("name").into(),
        contact: f.get("contact").into(),
        comment: CommentForm {
            item: f.get("item").into(),
            body: f.get("body").into(),
            proposed: f.get("proposed").into(),
        },
    };
    // The address is kept only as a keyed hash, for the limits.
    let address = domain::token::sign(b"resolute consultation address", &ip.to_string());
    let result = match form.parse(&ids) {
        Ok(draft) => st.store.public_comment(id, draft, &address, today()).await,
        Err(inv) => Err(StoreError::Invalid(inv)),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/public/consultations/{id}?sent=1")).into_response()),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(e) => {
            let status = match &e {
                StoreError::Conflict("comment_flood_address" | "comment_flood_consultation") => {
                    StatusCode::TOO_MANY_REQUESTS
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let errors = forms::store_errors(lang, e)?;
            Ok(render(
                &st,
                ctx,
                &headers,
                c,
                status,
                String::new(),
                errors,
                f,
                String::new(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_bound_to_the_browser_and_the_consultation() {
        let key = [7u8; 32];
        let t = form_token(&key, "a".repeat(32).as_str(), ConsultationId(5));
        assert!(token_valid(&key, &"a".repeat(32), ConsultationId(5), &t));
        assert!(!token_valid(&key, &"b".repeat(32), ConsultationId(5), &t));
        assert!(!token_valid(&key, &"a".repeat(32), ConsultationId(6), &t));
        assert!(!token_valid(
            &[8u8; 32],
            &"a".repeat(32),
            ConsultationId(5),
            &t
        ));
        assert!(!token_valid(&key, &"a".repeat(32), ConsultationId(5), "x"));
    }

    #[test]
    fn one_address_is_limited_and_another_is_not() {
        let l = Limits::default();
        let a = IpAddr::from([10, 0, 0, 1]);
        for _ in 0..PER_ADDRESS {
            assert!(l.hit(a).is_ok());
        }
        assert!(l.hit(a).is_err());
        assert!(l.hit(IpAddr::from([10, 0, 0, 2])).is_ok());
    }
}
