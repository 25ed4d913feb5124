//! PostgreSQL implementation of [`store::Store`]: the production and scale backend.
//!
//! The store's code is shared with the SQLite backend (`crates/store-sql`, compiled here as
//! `sql`); this crate holds the pool, the migrations and the [`dialect`]: identity
//! sequences, JSONB, row locks, set-based bulk SQL.
//!
//! Paths are `TEXT COLLATE "C"`, so a subtree is a btree range scan whatever the locale.

mod dialect;
#[path = "../migrations/embed.rs"]
mod migrations;
#[path = "../../store-sql/src/lib.rs"]
mod sql;

use sql::util::DbResult;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;
use store::{Result, StoreError};

/// The PostgreSQL store. Cheap to clone (the pool is shared).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Moved after every write of this process commits ([`store::Store::write_generation`]).
    generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl PgStore {
    /// Connects to a `postgres://` URL. Does not migrate: call [`store::Store::migrate`].
    pub async fn connect(url: &str) -> Result<PgStore> {
        let opts = PgConnectOptions::from_str(url).map_err(StoreError::backend)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(opts)
            .await
            .db()?;
        Ok(PgStore {
            pool,
            generation: Default::default(),
        })
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
