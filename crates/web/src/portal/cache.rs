//! The public portal's page cache, its fast path, and the form token of the anonymous
//! feedback form.
//!
//! Public pages are the same for every visitor of one language, so they are kept rendered,
//! keyed by (language, path and query), and served by [`fast_path`] — a layer outside the
//! sessions and the context middleware — without a session lookup, a database query or a
//! template. An entry is dropped:
//! - on every portal write of this process ([`PortalCache::changed`]: publish, unpublish,
//!   edit, image, feedback moderation, a document's public mark), which clears them all;
//! - when something scheduled goes public (`PortalLists::next_change`);
//! - after [`TTL`] at the latest, which bounds how long a write by another process (the
//!   command line), a rename of the unit, a new figure on a public document or the "most
//!   read" order stays unseen.
//!
//! A page is rendered from data read after noting the cache's generation and kept only if
//! no write happened meanwhile ([`PortalCache::put`]), so a page read before a write is
//! never kept after it.
//!
//! The article page holds the feedback form, whose CSRF token is per visitor (a signed
//! double-submit token, as the sign-in form's: the same value in the `resolute_form`
//! cookie and the form's `csrf` field). The page is kept in two halves and the visitor's
//! token is put between them on every response. A visitor who sends the cookie gets its
//! token back; one who does not (a first visit, a client that keeps no cookies) gets the
//! token last signed for its address if that is under [`REISSUE`] old ([`FormTokens`]), so
//! the cached page costs no signature per response. A token stays the pair of a cookie and
//! a field that a page of this server gave to that address (and `SameSite=Strict` keeps
//! the cookie off cross-site posts); it is valid for a day after it was signed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use i18n::Lang;

use crate::AppState;

/// The longest an entry is trusted.
pub const TTL: Duration = Duration::from_secs(30);
/// Past this many entries the cache starts over (a crawler walking every page of every
/// unit cannot make it grow without bound).
const MAX_ENTRIES: usize = 20_000;
/// Marks where the form token goes in a rendered page.
pub const TOKEN_MARK: &str = "__resolute_portal_form_token__";
/// The cookie of the feedback form's token.
pub const FORM_COOKIE: &str = "resolute_form";
/// How long a feedback form stays valid.
const FORM_TTL: i64 = 24 * 60 * 60;

/// How long the token signed for a visitor without the cookie is handed again to the next
/// such request from the same address.
pub const REISSUE: Duration = Duration::from_secs(10 * 60);
/// Past this many addresses the memo of issued tokens starts over.
const MAX_ISSUED: usize = 50_000;

/// The form token last issued per client address (for requests without the cookie).
#[derive(Default)]
pub struct FormTokens {
    by_address: RwLock<HashMap<String, Issued>>,
}

#[derive(Clone)]
struct Issued {
    token: Arc<str>,
    cookie: HeaderValue,
    until: Instant,
    /// The last page put together with this token: (the page's id, the whole body).
    body: Option<(u64, Bytes)>,
}

impl FormTokens {
    fn get(&self, address: &str) -> Option<Issued> {
        let m = self.by_address.read().ok()?;
        m.get(address).filter(|i| i.until > Instant::now()).cloned()
    }

    fn put(&self, address: String, issued: Issued) {
        if let Ok(mut m) = self.by_address.write() {
            if m.len() >= MAX_ISSUED {
                m.clear();
            }
            m.insert(address, issued);
        }
    }

    /// Keeps the body of a page put together with the token issued to the address.
    fn keep_body(&self, address: String, token: &str, page: u64, body: Bytes) {
        if let Ok(mut m) = self.by_address.write()
            && let Some(i) = m.get_mut(&address)
            && *i.token == *token
        {
            i.body = Some((page, body));
        }
    }
}

/// Numbers kept pages, so that a body put together with a token names its page.
static NEXT_PAGE: AtomicU64 = AtomicU64::new(1);

/// A rendered public page.
pub struct Page {
    /// Unique in the process.
    id: u64,
    /// The page up to the form token (all of it when it has no form).
    pub head: Bytes,
    /// The rest after the token, for a page with the feedback form.
    pub tail: Option<Bytes>,
    pub content_type: &'static str,
    /// The article whose view a GET of this page counts.
    pub article: Option<i64>,
    expires: Instant,
}

#[derive(Default)]
pub struct PortalCache {
    pages: RwLock<HashMap<String, Arc<Page>>>,
    generation: AtomicU64,
    tokens: FormTokens,
}

impl PortalCache {
    /// The generation to note before reading a page's data.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Something public changed: every page is rendered afresh.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut m) = self.pages.write() {
            m.clear();
        }
    }

    /// A current page for a key.
    pub fn get(&self, key: &str) -> Option<Arc<Page>> {
        let m = self.pages.read().ok()?;
        let p = m.get(key)?;
        (p.expires > Instant::now()).then(|| p.clone())
    }

    /// Keeps a page rendered from data read under `generation`, until `until` (a
    /// scheduled change) or [`TTL`]; not if a write happened since.
    #[allow(clippy::too_many_arguments)]
    pub fn put(
        &self,
        key: String,
        generation: u64,
        html: String,
        content_type: &'static str,
        article: Option<i64>,
        until: Option<time::OffsetDateTime>,
    ) -> Arc<Page> {
        let mut ttl = TTL;
        if let Some(t) = until {
            let left = (t - time::OffsetDateTime::now_utc()).whole_milliseconds();
            ttl = ttl.min(Duration::from_millis(
                u64::try_from(left.max(0)).unwrap_or(0),
            ));
        }
        let (head, tail) = match html.split_once(TOKEN_MARK) {
            Some((h, t)) => (
                Bytes::copy_from_slice(h.as_bytes()),
                Some(Bytes::copy_from_slice(t.as_bytes())),
            ),
            None => (Bytes::from(html), None),
        };
        let page = Arc::new(Page {
            id: NEXT_PAGE.fetch_add(1, Ordering::Relaxed),
            head,
            tail,
            content_type,
            article,
            expires: Instant::now() + ttl,
        });
        if let Ok(mut m) = self.pages.write()
            && self.generation() == generation
            && !ttl.is_zero()
        {
            if m.len() >= MAX_ENTRIES {
                m.clear();
            }
            m.insert(key, page.clone());
        }
        page
    }
}

/// The cache key of a request: its language and its path and query.
pub fn key(lang: Lang, path_and_query: &str) -> String {
    format!("{}|{path_and_query}", lang.code())
}

/// Whether a path is a public portal page that the cache may serve.
pub fn is_public_page(path: &str) -> bool {
    path.starts_with("/portal/")
        || path.starts_with("/public-documents/")
        || (path.starts_with("/news/") && !path.ends_with("/edit") && !path.ends_with("/manage"))
}

/// The language of a request without `?lang=`: its cookie, else Vietnamese.
fn lang_of(headers: &HeaderMap) -> Lang {
    crate::auth::cookie(headers, crate::auth::LANG_COOKIE)
        .and_then(|v| Lang::parse(&v))
        .unwrap_or_default()
}

/// Serves a public page from the cache when it holds it: GET or HEAD, no `lang` in the
/// query (that request sets a cookie: the handler does it). Anything else goes on.
pub async fn fast_path(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let cacheable = matches!(*req.method(), Method::GET | Method::HEAD)
        && is_public_page(req.uri().path())
        && !req
            .uri()
            .query()
            .is_some_and(|q| q.split('&').any(|kv| kv.starts_with("lang=")));
    if !cacheable {
        return next.run(req).await;
    }
    let pq = req.uri().path_and_query().map_or("/", |x| x.as_str());
    let Some(page) = st.portal.cache.get(&key(lang_of(req.headers()), pq)) else {
        return next.run(req).await;
    };
    if let Some(article) = page.article
        && req.method() == Method::GET
    {
        st.portal.views.seen(&st, &req, article);
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .cloned();
    respond_to(
        &st,
        req.headers(),
        peer.as_ref(),
        &page,
        req.method() == Method::HEAD,
    )
}

/// A page as a response, with the visitor's form token put in.
pub fn respond(st: &AppState, headers: &HeaderMap, page: &Page, head_only: bool) -> Response {
    respond_to(st, headers, None, page, head_only)
}

/// The visitor's form token: its cookie's if valid, else the one issued to its address
/// within [`REISSUE`], else a new one (kept for the address). With the cookie to set, and
/// the address's memo entry when the token is the one issued to it.
fn visitor_token(
    st: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<std::net::SocketAddr>>,
) -> (String, Option<HeaderValue>, Option<(String, Issued)>) {
    let tokens = &st.portal.cache.tokens;
    let address = peer.map(|_| client_ip(st, headers, peer));
    let issued = address.as_deref().and_then(|a| tokens.get(a));
    if let Some(t) = crate::auth::cookie(headers, FORM_COOKIE) {
        // The token this server issued to the address is known good: no signature check.
        if let (Some(a), Some(i)) = (&address, &issued)
            && *i.token == *t
        {
            return (t, None, Some((a.clone(), i.clone())));
        }
        if form_token_valid(&st.form_key[..], &t) {
            return (t, None, None);
        }
    }
    if let (Some(a), Some(i)) = (address.clone(), issued) {
        return (i.token.to_string(), Some(i.cookie.clone()), Some((a, i)));
    }
    let t = form_token(&st.form_key[..]);
    let cookie = form_cookie(&t, st.config.secure_cookies);
    if let Some(a) = address {
        tokens.put(
            a,
            Issued {
                token: Arc::from(t.as_str()),
                cookie: cookie.clone(),
                until: Instant::now() + REISSUE,
                body: None,
            },
        );
    }
    (t, Some(cookie), None)
}

/// [`respond`] knowing the client's address (the fast path and the article handler).
pub fn respond_to(
    st: &AppState,
    headers: &HeaderMap,
    peer: Option<&ConnectInfo<std::net::SocketAddr>>,
    page: &Page,
    head_only: bool,
) -> Response {
    let mut set_cookie = None;
    let body = match &page.tail {
        None => page.head.clone(),
        Some(tail) => {
            let (token, cookie, memo) = visitor_token(st, headers, peer);
            set_cookie = cookie;
            match memo {
                // The page with this token was put together for the address already.
                Some((
                    _,
                    Issued {
                        body: Some((id, b)),
                        ..
                    },
                )) if id == page.id => b,
                memo => {
                    let mut b = Vec::with_capacity(page.head.len() + token.len() + tail.len());
                    b.extend_from_slice(&page.head);
                    b.extend_from_slice(token.as_bytes());
                    b.extend_from_slice(tail);
                    let b = Bytes::from(b);
                    if let Some((address, i)) = memo {
                        st.portal
                            .cache
                            .tokens
                            .keep_body(address, &i.token, page.id, b.clone());
                    }
                    b
                }
            }
        }
    };
    let mut res = if head_only {
        Response::new(Body::empty())
    } else {
        Response::new(Body::from(body))
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(page.content_type),
    );
    // Public, but a page with a form carries the visitor's token: not for shared caches.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if page.tail.is_some() {
            "private, no-cache"
        } else {
            "public, max-age=30"
        }),
    );
    if let Some(c) = set_cookie {
        h.append(header::SET_COOKIE, c);
    }
    res.into_response()
}

/// A new feedback form token: `nonce.expiry.mac`.
fn form_token(key: &[u8]) -> String {
    let exp = time::OffsetDateTime::now_utc().unix_timestamp() + FORM_TTL;
    let msg = format!("{}.{exp}", hex::encode(rand::random::<[u8; 16]>()));
    let mac = domain::token::sign(key, &format!("portal-form:{msg}"));
    format!("{msg}.{mac}")
}

pub(crate) fn form_token_valid(key: &[u8], token: &str) -> bool {
    let Some((msg, mac)) = token.rsplit_once('.') else {
        return false;
    };
    let Some(exp) = msg.split_once('.').and_then(|(_, e)| e.parse::<i64>().ok()) else {
        return false;
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    domain::token::verify(key, &format!("portal-form:{msg}"), mac, exp, now).is_ok()
}

fn form_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{FORM_COOKIE}={token}; Path=/; Max-Age={FORM_TTL}; HttpOnly; SameSite=Strict{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("resolute_form=; Path=/"))
}

/// Whether a feedback form's token is the visitor's: the field equals the cookie and is
/// a valid token of this server.
pub fn form_token_ok(st: &AppState, headers: &HeaderMap, sent: &str) -> bool {
    let Some(cookie) = crate::auth::cookie(headers, FORM_COOKIE) else {
        return false;
    };
    !sent.is_empty()
        && sent.len() == cookie.len()
        && sent
            .bytes()
            .zip(cookie.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
        && form_token_valid(&st.form_key[..], sent)
}

/// The client's address of a request (the peer, or through a trusted proxy).
pub fn client_ip(
    st: &AppState,
    req_headers: &HeaderMap,
    peer: Option<&ConnectInfo<std::net::SocketAddr>>,
) -> String {
    match peer {
        Some(ConnectInfo(addr)) => {
            crate::auth::client_ip(addr.ip(), req_headers, &st.config.trusted_proxies).to_string()
        }
        None => "unknown".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_split_at_the_token_and_expire_on_writes() {
        let c = PortalCache::default();
        let g = c.generation();
        c.put(
            "vi|/news/1".into(),
            g,
            format!("<form>{TOKEN_MARK}</form>"),
            "text/html",
            Some(1),
            None,
        );
        let p = c.get("vi|/news/1").expect("kept");
        assert_eq!(&p.head[..], b"<form>");
        assert_eq!(p.tail.as_deref(), Some(&b"</form>"[..]));
        c.changed();
        assert!(c.get("vi|/news/1").is_none());
        // Rendered from data read before a write: not kept.
        c.put("vi|/x".into(), g, "x".into(), "text/html", None, None);
        assert!(c.get("vi|/x").is_none());
        // Something scheduled went public already: not kept.
        let past = time::OffsetDateTime::now_utc() - time::Duration::seconds(1);
        c.put(
            "vi|/y".into(),
            c.generation(),
            "y".into(),
            "text/html",
            None,
            Some(past),
        );
        assert!(c.get("vi|/y").is_none());
    }

    #[test]
    fn form_tokens_are_signed() {
        let key = [7u8; 32];
        let t = form_token(&key);
        assert!(form_token_valid(&key, &t));
        assert!(!form_token_valid(&[8u8; 32], &t));
        assert!(!form_token_valid(&key, "abc.1.def"));
        assert!(is_public_page("/news/5"));
        assert!(!is_public_page("/news/5/edit"));
        assert!(is_public_page("/portal/1/feed.atom"));
        assert!(!is_public_page("/orgs/1/portal"));
    }
}
