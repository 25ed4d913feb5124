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
mod ctx;
pub mod dashboards;
pub mod documents;
mod error;
mod files;
mod forms;
pub mod health;
pub mod imports;
mod markdown;
pub mod orgs;
mod pagecache;
pub mod password;
pub mod people;
pub mod programs;
pub mod progress;
pub mod routes;
pub mod search;
pub mod shell;
pub mod study;

use std::future::Future;
use std::net::SocketAddr;
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
}

impl Default for Config {
    fn default() -> Config {
        Config {
            secure_cookies: false,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: std::path::PathBuf::from("data"),
        }
    }
}

/// What every handler can reach: the store, the settings, the blob store and the
/// in-memory sign-in throttle.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn store::Store>,
    pub config: Arc<Config>,
    /// Uploaded files, under the data folder (`services::blobs`).
    pub blobs: services::BlobStore,
    pub(crate) throttle: Arc<auth::Throttle>,
    /// Principals of recently seen accounts (see `auth::cache`).
    pub(crate) principals: Arc<auth::cache::TtlCache<i64, Arc<domain::Principal>>>,
    /// Key of the signed sign-in form token; random per process (a restart only makes
    /// an open sign-in form ask again).
    pub(crate) form_key: Arc<[u8; 32]>,
    /// Data of the busiest pages, per account, while the store has not changed
    /// (see `pagecache`).
    pub(crate) pages: Arc<pagecache::PageCache>,
}

impl AppState {
    pub fn new(store: Arc<dyn store::Store>, config: Config) -> AppState {
        AppState {
            store,
            blobs: services::BlobStore::new(&config.data_dir),
            config: Arc::new(config),
            throttle: Arc::new(auth::Throttle::default()),
            principals: Arc::new(auth::cache::TtlCache::new(auth::cache::PRINCIPAL_TTL)),
            form_key: Arc::new(rand::random()),
            pages: Arc::new(pagecache::new()),
        }
    }
}

/// The whole application: every capability's router, merged, with sessions, the request
/// context (language, user, CSRF check), error pages and security headers.
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
        .merge(search::router())
        .merge(admin::router())
        .merge(account::router())
        .merge(api::router())
        .merge(api::study::router())
        .merge(health::router())
        .fallback(shell::not_found);
    auth::layers(routes, state)
}

/// Serves the application on `listener` until `shutdown` completes. Also runs a task
/// that deletes expired sessions every hour.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let sweeper = tokio::spawn(auth::sweep_sessions(state.store.clone()));
    let result = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    result
}
