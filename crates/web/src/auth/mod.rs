//! Sign-in and sign-out, sessions, CSRF protection, sign-in throttling and the security
//! headers, plus the context middleware that every request passes through.
//!
//! - Sessions: tower-sessions with [`StoreSessions`], a `SessionStore` over the store's
//!   `session_*` methods. The cookie is HttpOnly, SameSite=Lax, Secure when configured;
//!   the id is rotated on sign-in; a session expires after 8 hours without a request.
//!   Anonymous requests never create a session: only sign-in writes one.
//! - CSRF: a synchronizer token kept in the session. Every state-changing request of a
//!   signed-in user must carry it, as the form field `csrf` or the `X-CSRF-Token` header
//!   (JSON API). The sign-in form, which has no session yet, carries a signed token that
//!   must match a short-lived cookie set with the form (double submit).
//! - Throttling: in memory, per process ([`Throttle`]). Each attempt is reserved (counted)
//!   before its password is verified, and verifications run through the password gate,
//!   a few at a time. Past 5 failures for one user name within 15 minutes, each further
//!   attempt waits twice as long as the one before (2 s, 4 s, … at most 15 minutes); the
//!   same holds per client address past 20, because a whole office often shares one. A
//!   browser that signed in to an account before carries a device cookie
//!   ([`DEVICE_COOKIE`]); its attempts for that account count under the device only, so
//!   the owner is not locked out by someone guessing from elsewhere. The client address
//!   is the TCP peer, or, when the peer is a configured trusted proxy, the address its
//!   `X-Forwarded-For` names ([`client_ip`]).

pub(crate) mod cache;
mod session;
mod throttle;

use std::net::SocketAddr;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::{ConnectInfo, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use domain::{Principal, UserId};
use i18n::Lang;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

pub use session::StoreSessions;
pub use throttle::Throttle;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ApiError, ApiFailure, ErrorKind, ErrorMarker, marked};
use crate::forms::{FormData, FormErrors, local_next};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "resolute_session";
/// Name of the cookie that carries the sign-in form's token.
pub const LOGIN_COOKIE: &str = "resolute_login";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "lang";
/// Name of the cookie a browser gets on a successful sign-in: the account's device token.
pub const DEVICE_COOKIE: &str = "resolute_device";
/// How long a device token is honoured.
const DEVICE_TTL: i64 = 365 * 24 * 60 * 60;

pub(crate) const KEY_UID: &str = "uid";
const KEY_CSRF: &str = "csrf";
const KEY_SEEN: &str = "seen";
/// A session expires after this long without a request.
const INACTIVITY: time::Duration = time::Duration::hours(8);
/// The session's expiry is pushed forward at most this often (each push is a write).
const TOUCH_EVERY: i64 = 5 * 60;
/// How long a sign-in form stays valid.
const LOGIN_FORM_TTL: i64 = 2 * 60 * 60;
/// Largest request body a form or API call may send.
const BODY_LIMIT: usize = 2 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// Wraps the routes in the layers every request passes, outermost last: the context
/// middleware (language, user, CSRF, error pages), sessions, the body limit and the
/// security headers.
pub fn layers(routes: Router<AppState>, state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(StoreSessions::with_cache(
        state.store.clone(),
        state.sessions.clone(),
    ))
    .with_name(SESSION_COOKIE)
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_secure(state.config.secure_cookies)
    .with_path("/")
    .with_expiry(Expiry::OnInactivity(INACTIVITY));
    routes
        .layer(middleware::from_fn_with_state(state.clone(), context))
        .layer(sessions)
        // Public portal pages kept rendered are served before any session is read.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::portal::cache::fast_path,
        ))
        .layer(middleware::from_fn(limit_body))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Deletes expired sessions every hour.
pub async fn sweep_sessions(store: Arc<dyn store::Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match store
            .session_delete_expired(time::OffsetDateTime::now_utc())
            .await
        {
            Ok(n) if n > 0 => tracing::info!(deleted = n, "expired sessions deleted"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
    }
}

// ---- Body limits ------------------------------------------------------------------------

/// An upload larger than its limit is still read, and dropped, up to this size, so that the
/// browser gets to read the page that explains it; past it the connection is given up.
const DRAIN_LIMIT: usize = 4 * crate::imports::BODY_LIMIT;

/// Refuses a form or API body announced larger than [`BODY_LIMIT`] (413). Uploads have
/// their own, larger limit, enforced when the context middleware reads them, so that a
/// too-large file gets the upload page with a message rather than a bare 413.
async fn limit_body(req: Request, next: Next) -> Response {
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = announced.is_some_and(|n| n > BODY_LIMIT as u64);
    if too_large && !crate::imports::is_upload(req.uri().path()) {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    next.run(req).await
}

/// A body read up to a limit: the bytes (at most `limit`) and whether that was all of it.
struct Capped {
    bytes: axum::body::Bytes,
    complete: bool,
}

/// Reads a body, keeping at most `limit` bytes. Past the limit the rest is read and
/// dropped, up to [`DRAIN_LIMIT`].
async fn read_capped(mut body: Body, limit: usize) -> Result<Capped, axum::Error> {
    use http_body_util::BodyExt;
    let mut buf: Vec<u8> = Vec::new();
    let mut seen: usize = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if buf.len() < limit {
            let room = limit - buf.len();
            buf.extend_from_slice(&data[..room.min(data.len())]);
        }
        if seen > DRAIN_LIMIT {
            break;
        }
    }
    Ok(Capped {
        bytes: buf.into(),
        complete: seen <= limit,
    })
}

// ---- Security headers -------------------------------------------------------------------

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, "content-security-policy", CSP);
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    set(
        h,
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    set(h, "cross-origin-opener-policy", "same-origin");
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages show records of one user's scope: never keep them in shared caches.
        set(h, "cache-control", "no-store");
    }
    res
}

// ---- Context middleware -----------------------------------------------------------------

/// Reads the language and the signed-in user, checks the CSRF token of state-changing
/// requests, puts a [`Ctx`] into the request, and renders error pages for responses
/// marked with [`ErrorMarker`].
pub async fn context(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    let query_lang = parts.uri.query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(&v))
    });
    let lang = query_lang
        .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)))
        .unwrap_or_default();
    let here = parts
        .uri
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let path = parts.uri.path().to_owned();
    let is_api = path.starts_with("/api/");

    let mut ctx = Ctx {
        lang,
        user: None,
        csrf: String::new(),
        here,
    };

    // The signed-in user, if any. Without a session cookie nothing is read or written.
    match current_user(&state, &session).await {
        Ok(Some((p, csrf))) => {
            ctx.user = Some(p);
            ctx.csrf = csrf;
        }
        Ok(None) => {}
        Err(e) => {
            tracing::error!(error = %e, "could not read the session");
            return render_error(&ctx, ErrorKind::Internal);
        }
    }

    // CSRF: every state-changing request of a signed-in user carries the session's token.
    // Anonymous ones go on to their handler, which sends them to sign in; the sign-in form
    // checks its own token.
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if unsafe_method
        && ctx.user.is_some()
        && path != "/login"
        && !crate::portal::checks_own_csrf(&path)
    {
        let bytes = if crate::imports::is_upload(&path) {
            // An upload over its limit is checked for its token (the form's first field),
            // then goes on without its body, marked, for the upload page to explain.
            match read_capped(body, crate::imports::BODY_LIMIT).await {
                Ok(c) => {
                    if !c.complete {
                        parts.extensions.insert(crate::imports::BodyTooLarge);
                    }
                    c.bytes
                }
                Err(_) => return render_error(&ctx, ErrorKind::BadRequest),
            }
        } else {
            match axum::body::to_bytes(body, BODY_LIMIT).await {
                Ok(b) => b,
                Err(_) => return render_error(&ctx, ErrorKind::BadRequest),
            }
        };
        let sent = csrf_sent(&parts.headers, &bytes);
        if !tokens_match(sent.as_deref().unwrap_or(""), &ctx.csrf) {
            tracing::warn!(path = %path, "CSRF token missing or wrong");
            return if is_api {
                ApiError::Csrf.respond(ctx.lang)
            } else {
                render_error(&ctx, ErrorKind::Csrf)
            };
        }
        if parts
            .extensions
            .get::<crate::imports::BodyTooLarge>()
            .is_some()
        {
            Body::empty()
        } else {
            Body::from(bytes)
        }
    } else {
        body
    };

    parts.extensions.insert(ctx.clone());
    let changes_accounts =
        unsafe_method && (path.starts_with("/admin") || path.starts_with("/account"));
    let mut res = next.run(Request::from_parts(parts, body)).await;
    if changes_accounts {
        // Grants, passwords or accounts may have changed, and the store may have ended
        // sessions: read principals and sessions afresh.
        state.accounts_changed();
    }

    if let Some(ErrorMarker(kind)) = res.extensions().get::<ErrorMarker>().copied() {
        let mut page = render_error(&ctx, kind);
        // Keep headers set by the handler (a language cookie, Retry-After).
        for (name, value) in res.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                page.headers_mut().append(name.clone(), value.clone());
            }
        }
        res = page;
    }
    // JSON API errors: the message in the user's language, headers kept.
    if let Some(ApiFailure(e)) = res.extensions().get::<ApiFailure>().cloned() {
        let mut again = e.respond(ctx.lang);
        for (name, value) in res.headers() {
            if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
                again.headers_mut().append(name.clone(), value.clone());
            }
        }
        res = again;
    }
    if let Some(l) = query_lang {
        res.headers_mut().append(
            header::SET_COOKIE,
            lang_cookie(l, state.config.secure_cookies),
        );
    }
    res
}

/// The principal and CSRF token of the session, pushing its expiry forward now and
/// then. A session whose account is gone or disabled is ended.
async fn current_user(
    state: &AppState,
    session: &Session,
) -> Result<Option<(Arc<Principal>, String)>, String> {
    if session.id().is_none() {
        return Ok(None);
    }
    let uid: Option<i64> = session.get(KEY_UID).await.map_err(|e| e.to_string())?;
    let Some(uid) = uid else { return Ok(None) };
    let p = match state.principals.get(&uid) {
        Some(p) => p,
        None => {
            let Some(p) = state
                .store
                .principal(UserId(uid))
                .await
                .map_err(|e| e.to_string())?
            else {
                session.flush().await.map_err(|e| e.to_string())?;
                return Ok(None);
            };
            let p = Arc::new(p);
            state.principals.put(uid, p.clone());
            p
        }
    };
    let csrf: String = session
        .get(KEY_CSRF)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let seen: i64 = session
        .get(KEY_SEEN)
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or(0);
    if now - seen > TOUCH_EVERY {
        session
            .insert(KEY_SEEN, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(Some((p, csrf)))
}

fn render_error(ctx: &Ctx, kind: ErrorKind) -> Response {
    crate::shell::error_page(ctx, kind)
}

/// The token a request sent: the `X-CSRF-Token` header, or the `csrf` field of a form.
fn csrf_sent(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(v) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Some(v.to_owned());
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/x-www-form-urlencoded") {
        return form_urlencoded::parse(body)
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.into_owned());
    }
    if ct.starts_with("multipart/form-data") {
        return multipart_field(body, "csrf");
    }
    None
}

/// The value of a small text field of a multipart body (enough for the CSRF token).
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"\r\n\r\n");
    let start = body
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())?
        + needle.len();
    let rest = &body[start..];
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    String::from_utf8(rest[..end].to_vec()).ok()
}

/// Constant-time comparison of a sent token with the expected one; an empty expected
/// token never matches.
fn tokens_match(sent: &str, expected: &str) -> bool {
    if expected.is_empty() || sent.len() != expected.len() {
        return false;
    }
    sent.bytes()
        .zip(expected.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// A value of the request's `Cookie` header.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

pub fn lang_cookie(lang: Lang, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}",
        lang.code()
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("lang=vi; Path=/"))
}

/// `N` random bytes as hex.
fn random_hex<const N: usize>() -> String {
    hex::encode(rand::random::<[u8; N]>())
}

// ---- Sign-in form token -----------------------------------------------------------------

/// A new sign-in form token: `nonce.expiry.mac`, signed with [`domain::token`].
fn login_token(key: &[u8]) -> String {
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + LOGIN_FORM_TTL;
    let msg = format!("{}.{exp}", random_hex::<16>());
    let mac = domain::token::sign(key, &msg);
    format!("{msg}.{mac}")
}

fn login_token_valid(key: &[u8], token: &str) -> bool {
    let Some((msg, mac)) = token.rsplit_once('.') else {
        return false;
    };
    let Some(exp) = msg.split_once('.').and_then(|(_, e)| e.parse::<i64>().ok()) else {
        return false;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    domain::token::verify(key, msg, mac, exp, now).is_ok()
}

fn login_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; Path=/login; Max-Age={LOGIN_FORM_TTL}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("resolute_login=; Path=/login"))
}

// ---- Client address and device tokens ---------------------------------------------------

/// The client's address: the TCP peer, unless the peer is one of `trusted` proxies; then
/// the rightmost address of `X-Forwarded-For` that is not a trusted proxy (each proxy
/// appends the address it received from, so entries left of it may be forged by the
/// client). Without a usable header, the peer.
pub fn client_ip(
    peer: std::net::IpAddr,
    headers: &HeaderMap,
    trusted: &[std::net::IpAddr],
) -> std::net::IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded: Vec<std::net::IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .map(|s| s.parse::<std::net::IpAddr>().ok())
        .collect::<Option<Vec<_>>>()
        .unwrap_or_default();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

/// A new device token for an account: `nonce.expiry.mac`, the MAC over the user name too,
/// so that a token is worth nothing for another account.
fn device_token(key: &[u8], username: &str) -> String {
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + DEVICE_TTL;
    let msg = format!("{}.{exp}", random_hex::<16>());
    let mac = domain::token::sign(key, &format!("device:{username}:{msg}"));
    format!("{msg}.{mac}")
}

/// The nonce of a valid device token of this account.
fn device_of(key: &[u8], username: &str, token: &str) -> Option<String> {
    let (msg, mac) = token.rsplit_once('.')?;
    let (nonce, exp) = msg.split_once('.')?;
    let exp: i64 = exp.parse().ok()?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    domain::token::verify(key, &format!("device:{username}:{msg}"), mac, exp, now)
        .ok()
        .map(|()| nonce.to_owned())
}

fn device_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{DEVICE_COOKIE}={token}; Path=/; Max-Age={DEVICE_TTL}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("resolute_device=; Path=/"))
}

/// The throttle's keys for an attempt on `username`: the device's, when the browser holds
/// a valid device token of this account, else the user name's and the client address's.
pub(crate) fn attempt_keys(
    state: &AppState,
    headers: &HeaderMap,
    peer: Option<SocketAddr>,
    username: &str,
) -> Vec<String> {
    let device =
        cookie(headers, DEVICE_COOKIE).and_then(|t| device_of(&state.form_key[..], username, &t));
    if let Some(d) = device {
        return vec![Throttle::device_key(username, &d)];
    }
    let mut keys = vec![Throttle::user_key(username)];
    if let Some(addr) = peer {
        let ip = client_ip(addr.ip(), headers, &state.config.trusted_proxies);
        keys.push(Throttle::ip_key(ip));
    }
    keys
}

/// A wait in whole seconds, rounded up (at least 1): what `Retry-After` says.
fn whole_seconds(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// The notice for an attempt that must wait: seconds when short, minutes when long.
pub(crate) fn wait_notice(lang: Lang, wait: std::time::Duration) -> String {
    let secs = whole_seconds(wait);
    if secs < 120 {
        i18n::fill(
            i18n::tr(lang, "auth.throttled_seconds"),
            &[("seconds", &secs)],
        )
    } else {
        i18n::fill(
            i18n::tr(lang, "auth.throttled"),
            &[("minutes", &secs.div_ceil(60))],
        )
    }
}

// ---- Sign-in and sign-out ---------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: Ctx,
    title: String,
    errors: FormErrors,
    /// A message not tied to a field (wrong password, throttled, expired form).
    notice: String,
    username: String,
    next: String,
    token: String,
}

fn login_page(
    state: &AppState,
    ctx: Ctx,
    status: StatusCode,
    errors: FormErrors,
    notice: String,
    username: String,
    next: String,
) -> Response {
    let token = login_token(&state.form_key[..]);
    let has_problem = !errors.is_empty() || !notice.is_empty();
    let title = if has_problem {
        format!(
            "{} {}",
            ctx.t("shell.error_prefix"),
            ctx.t("auth.sign_in_title")
        )
    } else {
        ctx.t("auth.sign_in_title").to_owned()
    };
    let page = LoginPage {
        title,
        errors,
        notice,
        username,
        next,
        token: token.clone(),
        ctx,
    };
    let mut res = (status, page).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        login_cookie(&token, state.config.secure_cookies),
    );
    res
}

async fn login_form(
    State(state): State<AppState>,
    ctx: Ctx,
    RawQuery(query): RawQuery,
) -> Response {
    // Shown to signed-in users too: signing in again switches the account (and the
    // session id).
    let next = crate::forms::query_param(&query, "next");
    login_page(
        &state,
        ctx,
        StatusCode::OK,
        FormErrors::default(),
        String::new(),
        String::new(),
        next,
    )
}

/// A hash to verify against when the account does not exist, so that a wrong username
/// takes as long as a wrong password.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| crate::password::hash("resolute-dummy-password").unwrap_or_default())
}

async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    session: Session,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    form: FormData,
) -> Response {
    let lang = ctx.lang;
    let username_raw = form.get("username").trim().to_owned();
    let next = form.get("next").to_owned();

    // The form's token must match its cookie and be ours and fresh.
    let token = form.get("csrf");
    let cookie_token = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    if !tokens_match(token, &cookie_token) || !login_token_valid(&state.form_key[..], token) {
        tracing::warn!("sign-in form token missing or wrong");
        return login_page(
            &state,
            ctx,
            StatusCode::FORBIDDEN,
            FormErrors::default(),
            i18n::tr(lang, "auth.form_expired").to_owned(),
            username_raw,
            next,
        );
    }

    let mut errors = FormErrors::default();
    if username_raw.is_empty() {
        errors.push_text("username", i18n::tr(lang, "auth.username_required"));
    }
    if form.get("password").is_empty() {
        errors.push_text("password", i18n::tr(lang, "auth.password_required"));
    }
    if !errors.is_empty() {
        return login_page(
            &state,
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            errors,
            String::new(),
            username_raw,
            next,
        );
    }

    let username = username_raw.to_lowercase();
    let peer = peer.map(|Extension(ConnectInfo(addr))| addr);
    let keys = attempt_keys(&state, &headers, peer, &username);
    // The attempt is counted before the password is checked, so that attempts sent at
    // once cannot all get through before the first one fails.
    let reservation = match state.throttle.reserve(&keys) {
        Ok(r) => r,
        Err(wait) => {
            let mut res = login_page(
                &state,
                ctx,
                StatusCode::TOO_MANY_REQUESTS,
                FormErrors::default(),
                wait_notice(lang, wait),
                username_raw,
                next,
            );
            if let Ok(v) = HeaderValue::from_str(&whole_seconds(wait).to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return res;
        }
    };

    let creds = match state.store.credentials(&username).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "could not read credentials");
            return render_error(&ctx, ErrorKind::Internal);
        }
    };
    let (hash, user) = match &creds {
        Some(c) => (c.password_hash.clone(), Some((c.user_id, c.disabled))),
        None => (dummy_hash().to_owned(), None),
    };
    let password = form.get("password").to_owned();
    let Ok(ok) = state.passwords.verify(password, hash).await else {
        // No turn free in time: not the user's failure.
        state.throttle.succeeded(reservation, &[]);
        return login_page(
            &state,
            ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            FormErrors::default(),
            i18n::tr(lang, "auth.busy").to_owned(),
            username_raw,
            next,
        );
    };

    let user_id = match user {
        Some((id, false)) if ok => id,
        _ => {
            state.throttle.failed(reservation);
            return login_page(
                &state,
                ctx,
                StatusCode::UNAUTHORIZED,
                FormErrors::default(),
                i18n::tr(lang, "auth.wrong_credentials").to_owned(),
                username_raw,
                next,
            );
        }
    };
    // The user name's (or the device's) failures are forgotten; the address keeps its own.
    let forget: Vec<String> = keys
        .iter()
        .filter(|k| !k.starts_with("ip:"))
        .cloned()
        .collect();
    state.throttle.succeeded(reservation, &forget);

    // A new session id on sign-in, so that an id planted before cannot be used.
    let started = async {
        session.cycle_id().await?;
        session.insert(KEY_UID, user_id.0).await?;
        session.insert(KEY_CSRF, random_hex::<32>()).await?;
        session
            .insert(KEY_SEEN, time::OffsetDateTime::now_utc().unix_timestamp())
            .await?;
        Ok::<_, tower_sessions::session::Error>(())
    };
    if let Err(e) = started.await {
        tracing::error!(error = %e, "could not start a session");
        return render_error(&ctx, ErrorKind::Internal);
    }
    tracing::info!(user = user_id.0, "signed in");
    let mut res = Redirect::to(&local_next(&next)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        device_cookie(
            &device_token(&state.form_key[..], &username),
            state.config.secure_cookies,
        ),
    );
    res
}

async fn logout(session: Session) -> Response {
    if let Err(e) = session.flush().await {
        tracing::error!(error = %e, "could not end a session");
        return marked(ErrorKind::Internal);
    }
    Redirect::to("/login").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_tokens_are_signed_and_expire() {
        let key = [7u8; 32];
        let t = login_token(&key);
        assert!(login_token_valid(&key, &t));
        assert!(!login_token_valid(&[8u8; 32], &t));
        assert!(!login_token_valid(&key, "abc"));
        let (nonce, _) = t.split_once('.').unwrap();
        let old = format!("{nonce}.1000");
        let forged = format!("{old}.{}", domain::token::sign(&key, &old));
        assert!(!login_token_valid(&key, &forged), "expired");
    }

    #[test]
    fn the_client_address_comes_from_a_trusted_proxy_only() {
        let peer: std::net::IpAddr = "10.0.0.5".parse().unwrap();
        let proxy = vec![peer];
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 203.0.113.7"),
        );
        // Not configured: the header is anyone's to forge.
        assert_eq!(client_ip(peer, &h, &[]), peer);
        // From the proxy: the rightmost address it did not add itself.
        assert_eq!(
            client_ip(peer, &h, &proxy),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap()
        );
        // A chain of trusted proxies is skipped.
        let two = vec![peer, "10.0.0.6".parse().unwrap()];
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("203.0.113.7, 10.0.0.6"),
        );
        assert_eq!(
            client_ip(peer, &h, &two),
            "203.0.113.7".parse::<std::net::IpAddr>().unwrap()
        );
        // From another peer the header is ignored; a garbled header means the peer.
        let other: std::net::IpAddr = "198.51.100.1".parse().unwrap();
        assert_eq!(client_ip(other, &h, &proxy), other);
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("not-an-address"),
        );
        assert_eq!(client_ip(peer, &h, &proxy), peer);
    }

    #[test]
    fn device_tokens_are_bound_to_their_account() {
        let key = [3u8; 32];
        let t = device_token(&key, "hu.lucnam");
        assert!(device_of(&key, "hu.lucnam", &t).is_some());
        assert!(device_of(&key, "vanphong.tinhuy", &t).is_none());
        assert!(device_of(&[4u8; 32], "hu.lucnam", &t).is_none());
        assert!(device_of(&key, "hu.lucnam", "garbage").is_none());
    }

    #[test]
    fn token_comparison() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abd", "abc"));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match("ab", "abc"));
    }

    #[test]
    fn multipart_csrf() {
        let body =
            b"--x\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n--x--\r\n";
        assert_eq!(multipart_field(body, "csrf").as_deref(), Some("tok123"));
    }
}
