//! A tower-sessions `SessionStore` over the store's `session_*` methods, so sessions live
//! in the same database on both backends.

use std::sync::Arc;

use async_trait::async_trait;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, Error, SessionStore};

/// Sessions kept by a [`store::Store`]: a record is its JSON encoding plus its expiry.
#[derive(Clone)]
pub struct StoreSessions(pub Arc<dyn store::Store>);

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
                .session_create(&record.id.to_string(), &data, record.expiry_date)
                .await
                .map_err(backend)?;
            if created {
                return Ok(());
            }
            // An id collision: draw another.
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = encode(record)?;
        self.0
            .session_save(&record.id.to_string(), &data, record.expiry_date)
            .await
            .map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
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
        serde_json::from_slice(&data)
            .map(Some)
            .map_err(|e| Error::Decode(e.to_string()))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0
            .session_delete(&id.to_string())
            .await
            .map_err(backend)
    }
}
