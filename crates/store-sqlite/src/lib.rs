//! SQLite implementation of [`store::Store`]: the embedded default.
//!
//! One file in WAL mode, two pools on it: readers (several connections) and one writer.
//! Every write transaction runs on the single writer connection and starts with
//! `BEGIN IMMEDIATE`, so writers of this process queue in the pool instead of failing with
//! `SQLITE_BUSY`, and a second process (the command line beside a running server) waits on
//! `busy_timeout` instead of failing half-way.
//!
//! The store's code is shared with the PostgreSQL backend (`crates/store-sql`, compiled
//! here as `sql`); this crate holds the pools, the migrations and the [`dialect`].

mod dialect;
#[path = "../migrations/embed.rs"]
mod migrations;
#[path = "../../store-sql/src/lib.rs"]
mod sql;

use sql::util::DbResult;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use store::{Result, Store, StoreError};

/// The SQLite store. Cheap to clone (pools are shared).
#[derive(Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    write: SqlitePool,
    /// Bumped each time the writer connection returns to its pool, i.e. after every
    /// write of this process has committed or rolled back ([`Store::write_generation`]).
    generation: Arc<AtomicU64>,
    /// Keeps the directory of a [`SqliteStore::temporary`] store alive.
    _temp: Option<Arc<tempfile::TempDir>>,
}

impl SqliteStore {
    /// Opens (creating it if missing) a database file, given as a path or a `sqlite:` URL.
    /// Does not migrate: call [`Store::migrate`].
    pub async fn open(path_or_url: &str) -> Result<SqliteStore> {
        let opts = if path_or_url.starts_with("sqlite:") {
            SqliteConnectOptions::from_str(path_or_url).map_err(StoreError::backend)?
        } else {
            SqliteConnectOptions::new().filename(path_or_url)
        };
        Self::open_with(opts, None).await
    }

    /// A fresh, migrated database in a temporary directory that is removed when the last
    /// clone of the store is dropped. For tests.
    pub async fn temporary() -> Result<SqliteStore> {
        let dir = tempfile::tempdir().map_err(StoreError::backend)?;
        let opts = SqliteConnectOptions::new().filename(dir.path().join("resolute.db"));
        let store = Self::open_with(opts, Some(Arc::new(dir))).await?;
        store.migrate().await?;
        Ok(store)
    }

    async fn open_with(
        opts: SqliteConnectOptions,
        temp: Option<Arc<tempfile::TempDir>>,
    ) -> Result<SqliteStore> {
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .synchronous(SqliteSynchronous::Normal)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-32000")
            // Vietnamese alphabetical order for `ORDER BY name COLLATE vi` (PostgreSQL
            // creates an ICU collation of the same name and rules in migration 0019).
            .collation(domain::collate::SQL_NAME, domain::collate::compare);
        // The writer opens (and so creates) the file first and keeps its connection, so the
        // WAL files stay in place for the readers.
        let generation = Arc::new(AtomicU64::new(0));
        let bump = generation.clone();
        let write = SqlitePoolOptions::new()
            .after_release(move |_conn, _meta| {
                let bump = bump.clone();
                Box::pin(async move {
                    bump.fetch_add(1, Ordering::Release);
                    Ok(true)
                })
            })
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(opts.clone())
            .await
            .db()?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await
            .db()?;
        Ok(SqliteStore {
            read,
            write,
            generation,
            _temp: temp,
        })
    }

    /// Closes both pools (checkpointing the WAL).
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}
