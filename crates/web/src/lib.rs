//! The web application of Resolute: server-rendered pages, a JSON API, sign-in and
//! sessions, organized by capability.
//!
//! Each capability is a module with its own `router()`: [`shell`] (layout, static files,
//! language, error pages), [`auth`] (sign-in, sessions, CSRF, throttling, security
//! headers), [`orgs`], [`people`], [`imports`] (spreadsheet uploads and templates),
//! [`documents`], [`cascades`], [`programs`], [`progress`] and [`dashboards`]
//! (resolutions into programs), [`search`], [`admin`], [`account`] (one's own password), [`api`] and
//! [`health`]. They merge in [`app`], which also wraps them in the layers every request
//! passes through.
//!
//! API boundary: handlers never decide what a user may see. They pass the signed-in
//! [`domain::Principal`] to the [`store::Store`], which filters reads and checks writes;
//! the web edge only maps [`store::StoreError`] to pages (404, 403, the form again).
//! Templates show forms only for permitted actions, as a convenience, never as the check.

pub mod account;
pub mod admin;
pub mod api;
pub mod auth;
pub mod cascades;
pub mod consultation;
mod ctx;
pub mod dashboards;
pub mod documents;
pub mod emulation;
mod error;
pub mod evaluation;
mod files;
mod forms;
pub mod health;
pub mod home;
pub mod imports;
pub mod inspection;
mod markdown;
pub mod orgs;
mod pagecache;
pub mod password;
pub mod people;
mod pick;
pub mod portal;
pub mod programs;
pub mod progress;
pub mod reports;
pub mod routes;
pub mod search;
pub mod shell;
pub mod study;
pub mod targets;

use std::future::Future;
use std::sync::Arc;

use axum::Router;

pub use ctx::Ctx;
pub use error::AppError;

/// Settings of the web application.
#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (serve behind HTTPS).
    pub secure_cookies: bool,
    /// Shown by `/healthz` and used in static file URLs.
    pub version: String,
    /// The data folder: uploaded files live under `<data_dir>/evidence/` (the blob store).
    pub data_dir: std::path::PathBuf,
    /// Addresses of the reverse proxies in front of the server. A request whose TCP peer
    /// is one of them is taken to come from the address its `X-Forwarded-For` names (the
    /// rightmost one that is not a proxy); from any other peer that header is ignored.
    /// Empty: the peer is the client. See `auth::client_ip` and docs/SECURITY.md.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Time limits and the connection limit of the HTTP server.
    pub server: ServerLimits,
}

/// How long the server waits for a client, and how many it serves at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// A request's headers must arrive within this time after the connection opens or
    /// after the previous response (so it is also how long an idle keep-alive connection
    /// is kept): a client that never finishes its headers is disconnected.
    pub header_read_timeout: std::time::Duration,
    /// The longest pause while a request body arrives.
    pub body_timeout: std::time::Duration,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
}

impl Default for ServerLimits {
    fn default() -> ServerLimits {
        ServerLimits {
            header_read_timeout: std::time::Duration::from_secs(15),
            body_timeout: std::time::Duration::from_secs(30),
            max_connections: 1024,
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: false,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: std::path::PathBuf::from("data"),
            trusted_proxies: Vec::new(),
            server: ServerLimits::default(),
        }
    }
}

/// What every handler can reach: the store, the settings, the blob store and the
/// in-memory sign-in throttle.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

impl std::ops::Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &AppStateInner {
        &self.0
    }
}

/// What [`AppState`] holds, behind one `Arc`: the state is cloned several times per
/// request (each middleware layer and extractor), and one reference count to move costs
/// less than one per field (docs/BENCHMARKS.md, "Public portal").
pub struct AppStateInner {
    pub store: Arc<dyn store::Store>,
    pub config: Arc<Config>,
    /// Uploaded files, under the data folder (`services::blobs`).
    pub blobs: services::BlobStore,
    pub(crate) throttle: Arc<auth::Throttle>,
    /// Bounds the Argon2 work done at once (sign-ins, password changes).
    pub(crate) passwords: Arc<password::Gate>,
    /// Principals of recently seen accounts (see `auth::cache`).
    pub(crate) principals: Arc<auth::cache::TtlCache<i64, Arc<domain::Principal>>>,
    /// Session records of recent requests (see `auth::cache`).
    pub(crate) sessions:
        Arc<auth::cache::TtlCache<tower_sessions::session::Id, tower_sessions::session::Record>>,
    /// Key of the signed sign-in form token; random per process (a restart only makes
    /// an open sign-in form ask again).
    pub(crate) form_key: Arc<[u8; 32]>,
    /// Data of the busiest pages, per account, while the store has not changed
    /// (see `pagecache`).
    pub(crate) pages: Arc<pagecache::PageCache>,
    /// Public consultation comments per address (see `consultation::public`).
    pub(crate) consult_limits: Arc<consultation::public::Limits>,
    /// The public portal's page cache, view counter and feedback flood gate.
    pub(crate) portal: Arc<portal::PortalState>,
    /// The full-text index under `<data_dir>/search` and its indexer (`search`); `None`
    /// when it could not be opened (logged; the search page then answers an error).
    pub search: Option<Arc<services::Search>>,
}

impl AppState {
    pub fn new(store: Arc<dyn store::Store>, config: Config) -> AppState {
        let search = match services::Search::open(store.clone(), &config.data_dir.join("search")) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                tracing::error!(error = %e, "the search index could not be opened");
                None
            }
        };
        AppState(Arc::new(AppStateInner {
            search,
            store,
            blobs: services::BlobStore::new(&config.data_dir),
            config: Arc::new(config),
            throttle: Arc::new(auth::Throttle::default()),
            passwords: Arc::new(password::Gate::for_this_machine()),
            principals: Arc::new(auth::cache::TtlCache::new(auth::cache::PRINCIPAL_TTL)),
            sessions: Arc::new(auth::cache::TtlCache::new(auth::cache::SESSION_TTL)),
            form_key: Arc::new(rand::random()),
            pages: Arc::new(pagecache::new()),
            consult_limits: Arc::new(Default::default()),
            portal: Arc::new(portal::PortalState::default()),
        }))
    }

    /// Accounts, grants or passwords may have changed, and the store may have ended
    /// sessions: this process's principals and session records are read afresh. (Another
    /// process sharing a PostgreSQL database trusts its copies for at most
    /// `auth::cache::SESSION_TTL`.)
    pub(crate) fn accounts_changed(&self) {
        self.principals.clear();
        self.sessions.clear();
    }

    /// What the password gate has done: verifications run, the most at once.
    pub fn password_stats(&self) -> password::GateStats {
        self.passwords.stats()
    }
}

/// The whole application: every capability's router, merged, with sessions, the request
/// context (language, user, CSRF check), error pages, security headers and request tracing.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .merge(shell::router())
        .merge(auth::router())
        .merge(orgs::router())
        .merge(people::router())
        .merge(imports::router())
        .merge(documents::router())
        .merge(cascades::router())
        .merge(programs::router())
        .merge(progress::router())
        .merge(dashboards::router())
        .merge(study::router())
        .merge(inspection::router())
        .merge(evaluation::router())
        .merge(emulation::router())
        .merge(reports::router())
        .merge(targets::router())
        .merge(consultation::router())
        .merge(portal::router())
        .merge(search::router())
        .merge(pick::router())
        .merge(admin::router())
        .merge(account::router())
        .merge(api::router())
        .merge(api::study::router())
        .merge(api::portal::router())
        .merge(health::router())
        .fallback(shell::not_found);
    // One span per request (method, path, status, latency) at `debug`: off under the
    // default `RESOLUTE_LOG`, on with `RESOLUTE_LOG=tower_http=debug`.
    auth::layers(routes, state).layer(tower_http::trace::TraceLayer::new_for_http())
}

/// Serves the application on `listener` until `shutdown` completes. Also runs a task
/// that deletes expired sessions every hour.
///
/// The accept loop is ours rather than `axum::serve`, which sets no timer: a connection
/// that never finished its headers stayed open for good (issue 11, defect 8). Each
/// connection here is served by hyper's HTTP/1 with a header-read timeout (which also
/// closes idle keep-alive connections), request bodies time out when they pause
/// ([`ServerLimits::body_timeout`]), and at most [`ServerLimits::max_connections`] are
/// served at once: the next one is accepted only when one closes. On shutdown the server
/// stops accepting, lets each connection finish its request, and returns when all closed.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::extract::ConnectInfo;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;

    let limits = state.config.server;
    let sweeper = tokio::spawn(auth::sweep_sessions(state.store.clone()));
    // Keeps the search index true to the database (docs/SEARCH.md).
    let indexer = state.search.clone().map(|s| tokio::spawn(s.run()));
    let app = app(state);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let (closing, _) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => match s {
                Ok(s) => s,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let svc =
            app.clone()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(ConnectInfo(peer));
                    req.map(|b| {
                        axum::body::Body::new(tower_http::timeout::TimeoutBody::new(
                            limits.body_timeout,
                            b,
                        ))
                    })
                });
        let svc = hyper_util::service::TowerToHyperService::new(svc);
        let mut closing = closing.subscribe();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(tcp), svc)
                .with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                }
                _ = async { closing.wait_for(|c| *c).await.map(|_| ()) } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = closing.send(true);
    // Every connection holds a slot: all slots back means all connections closed.
    let _ = slots.acquire_many(limits.max_connections as u32).await;
    sweeper.abort();
    if let Some(i) = indexer {
        i.abort();
    }
    Ok(())
}
