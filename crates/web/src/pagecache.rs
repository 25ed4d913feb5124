//! Read-through cache of the data behind the busiest pages, checked against the store's
//! write generation.
//!
//! With SQLite each query is a round trip to the connection's worker thread, and the page
//! of a unit needs a dozen; the data changes only when somebody writes. An entry holds what
//! one account read for one page and the store's [`store::Store::write_generation`] observed
//! *before* reading; it is used only while the generation is unchanged (any committed write
//! of this process invalidates every entry at once) and for at most [`PAGE_TTL`], which
//! bounds how long a write by another process (the command line beside a running server)
//! stays unseen.
//!
//! Entries are per account, so nothing read under one principal's grants is ever shown to
//! another. Both backends move their generation after each write of this process commits
//! (`store-sql`'s `Tx`); a backend that cannot tell its generation is never cached.
//! Pages whose figures depend on the day (a dashboard's overdue counts) pass a `stamp`
//! (the day) that must match too.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::cache::TtlCache;
use crate::{AppError, AppState};

/// How long an entry is trusted even if no write of this process happened.
pub const PAGE_TTL: Duration = Duration::from_secs(2);

/// (write generation, stamp, data).
type Entry = (u64, i64, Arc<dyn Any + Send + Sync>);

/// Keyed by (account, page kind, record id, second record id or 0).
pub type PageCache = TtlCache<(i64, &'static str, i64, i64), Entry>;

pub fn new() -> PageCache {
    TtlCache::new(PAGE_TTL)
}

/// The page data for `(user, page, id)`: from the cache if still current, else from `load`
/// (and then kept).
pub async fn cached<T, F, Fut>(
    st: &AppState,
    user: i64,
    page: &'static str,
    id: i64,
    load: F,
) -> Result<Arc<T>, AppError>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    cached_with(st, (user, page, id, 0), 0, load).await
}

/// [`cached`] with a second id in the key and a `stamp` (the day, for figures that count
/// what is overdue) that the entry must match as well as the generation.
pub async fn cached_with<T, F, Fut>(
    st: &AppState,
    key: (i64, &'static str, i64, i64),
    stamp: i64,
    load: F,
) -> Result<Arc<T>, AppError>
where
    T: Send + Sync + 'static,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, AppError>>,
{
    let Some(generation) = st.store.write_generation() else {
        return Ok(Arc::new(load().await?));
    };
    let current = || {
        st.pages
            .get(&key)
            .filter(|(g, s, _)| *g == generation && *s == stamp)
            .and_then(|(_, _, data)| data.downcast::<T>().ok())
    };
    if let Some(data) = current() {
        return Ok(data);
    }
    // One load per key at a time: requests that miss together wait for the first one's
    // data instead of each reading it (a page read by many at once expires every
    // `PAGE_TTL` and after every write).
    let gate = {
        let mut m = LOADING.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() >= 10_000 {
            m.clear();
        }
        m.entry(key).or_default().clone()
    };
    let _turn = gate.lock().await;
    if let Some(data) = current() {
        return Ok(data);
    }
    let data = Arc::new(load().await?);
    st.pages.put(key, (generation, stamp, data.clone()));
    Ok(data)
}

type Key = (i64, &'static str, i64, i64);

/// The per-key gates of [`cached_with`].
static LOADING: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<Key, Arc<tokio::sync::Mutex<()>>>>,
> = std::sync::LazyLock::new(Default::default);
