//! A tower-sessions `SessionStore` over the store's `session_*` methods, so sessions live
//! in the same database on both backends.

use std::sync::Arc;

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, Error, SessionStore};

use super::cache::TtlCache;

/// Sessions kept by a [`store::Store`]: a record is its JSON encoding plus its expiry and
/// the signed-in account (so that the store can end an account's sessions). Records are
/// also kept in a short-lived write-through cache (see [`super::cache`]), which
/// `AppState::accounts_changed` empties.
#[derive(Clone)]
pub struct StoreSessions(pub Arc<dyn store::Store>, pub Arc<TtlCache<Id, Record>>);

impl StoreSessions {
    pub fn new(store: Arc<dyn store::Store>) -> StoreSessions {
        StoreSessions(store, Arc::new(TtlCache::new(super::cache::SESSION_TTL)))
    }

    /// Sessions kept by `store`, cached in `cache` (shared with the application's state).
    pub fn with_cache(store: Arc<dyn store::Store>, cache: Arc<TtlCache<Id, Record>>) -> Self {
        StoreSessions(store, cache)
    }
}

/// The account a session is signed in to.
fn account(record: &Record) -> Option<domain::UserId> {
    record
        .data
        .get(super::KEY_UID)
        .and_then(|v| v.as_i64())
        .map(domain::UserId)
}

impl std::fmt::Debug for StoreSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("StoreSessions")
            .field(&self.0.backend())
            .finish()
    }
}

fn backend(e: store::StoreError) -> Error {
    Error::Backend(e.to_string())
}

fn encode(record: &Record) -> session_store::Result<Vec<u8>> {
    serde_json::to_vec(record).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for StoreSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            let data = encode(record)?;
            let created = self
                .0
                .session_create(
                    &record.id.to_string(),
                    &data,
                    record.expiry_date,
                    account(record),
                )
                .await
                .map_err(backend)?;
            if created {
                self.1.put(record.id, record.clone());
                return Ok(());
            }
            // An id collision: draw another.
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        self.0
            .session_save(
                &record.id.to_string(),
                &data,
                record.expiry_date,
                account(record),
            )
            .await
            .map_err(backend)?;
        self.1.put(record.id, record.clone());
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(r) = self.1.get(id) {
            if r.expiry_date > time::OffsetDateTime::now_utc() {
                return Ok(Some(r));
            }
            self.1.remove(id);
            return Ok(None);
        }
        let Some((data, expires)) = self
            .0
            .session_load(&id.to_string())
            .await
            .map_err(backend)?
        else {
            return Ok(None);
        };
        if expires <= time::OffsetDateTime::now_utc() {
            return Ok(None);
        }
        let record: Record =
            serde_json::from_slice(&data).map_err(|e| Error::Decode(e.to_string()))?;
        self.1.put(*id, record.clone());
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.1.remove(id);
        self.0
            .session_delete(&id.to_string())
            .await
            .map_err(backend)
    }
}
