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
//! another. A backend that cannot tell its write generation (PostgreSQL, shared by several
//! processes) is never cached.

use std::any::Any;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::auth::cache::TtlCache;
use crate::{AppError, AppState};

/// How long an entry is trusted even if no write of this process happened.
pub const PAGE_TTL: Duration = Duration::from_secs(2);

type Entry = (u64, Arc<dyn Any + Send + Sync>);

/// Keyed by (account, page kind, record id).
pub type PageCache = TtlCache<(i64, &'static str, i64), Entry>;

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
    let Some(generation) = st.store.write_generation() else {
        return Ok(Arc::new(load().await?));
    };
    let key = (user, page, id);
    if let Some((g, data)) = st.pages.get(&key)
        && g == generation
        && let Ok(data) = data.downcast::<T>()
    {
        return Ok(data);
    }
    let data = Arc::new(load().await?);
    st.pages.put(key, (generation, data.clone()));
    Ok(data)
}
