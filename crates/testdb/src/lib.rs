//! Test databases for every crate's tests.
//!
//! - [`fresh_store`]: a fresh, migrated store on the backend named by
//!   `RESOLUTE_TEST_BACKEND` (`sqlite`, the default, or `postgres`). On PostgreSQL it is a
//!   database of its own, created from the admin URL in `RESOLUTE_TEST_POSTGRES` and dropped
//!   when the [`TestStore`] is dropped (also when the test fails).
//! - [`postgres_admin_url`]: the admin URL for a test that needs PostgreSQL. Locally, without
//!   the variable, the test prints a note naming it and passes; under CI (`CI` set and not
//!   `false`/`0`, as `.ci/run` exports) it fails, so a CI run never passes empty.
//!
//! `scripts/test` starts a throwaway server, sets `RESOLUTE_TEST_POSTGRES`, runs the whole
//! workspace (SQLite for the application tests), then the HTTP tests and the browser
//! journeys again with `RESOLUTE_TEST_BACKEND=postgres`.

pub mod office;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use store::Store;

/// The environment variable naming a PostgreSQL server (an admin URL whose role may
/// `CREATE DATABASE`) for the tests.
pub const PG_ENV: &str = "RESOLUTE_TEST_POSTGRES";

/// The environment variable choosing the backend of [`fresh_store`]: `sqlite` or `postgres`.
pub const BACKEND_ENV: &str = "RESOLUTE_TEST_BACKEND";

/// The backend the application tests run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The name the store reports (`Store::backend`).
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The backend named by `RESOLUTE_TEST_BACKEND` (SQLite when unset). Panics on any other
/// value, so a typo cannot quietly run the SQLite tests again.
pub fn backend() -> Backend {
    match std::env::var(BACKEND_ENV).as_deref().map(str::trim) {
        Err(_) | Ok("") | Ok("sqlite") => Backend::Sqlite,
        Ok("postgres") | Ok("postgresql") => Backend::Postgres,
        Ok(other) => panic!("{BACKEND_ENV}={other:?}: expected `sqlite` or `postgres`"),
    }
}

/// Whether the tests run under CI: `CI` is set to anything but an empty string, `0` or
/// `false`. Under CI a test never skips for want of a service.
pub fn in_ci() -> bool {
    match std::env::var("CI") {
        Ok(v) => {
            let v = v.trim();
            !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
        }
        Err(_) => false,
    }
}

/// The PostgreSQL admin URL for the test `what`. Without `RESOLUTE_TEST_POSTGRES`: under CI
/// the test fails with a message naming the variable; locally it prints a note and returns
/// `None` (the caller returns, the test passes).
pub fn postgres_admin_url(what: &str) -> Option<String> {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if in_ci() => panic!(
            "{what} needs PostgreSQL and CI forbids skipping it: set {PG_ENV} to an admin URL \
             (postgres://user:password@host:port/database, a role that may CREATE DATABASE); \
             scripts/test starts a server and sets it"
        ),
        _ => {
            eprintln!(
                "note: {PG_ENV} is not set; skipping {what} (set it to a \
                 postgres:// admin URL to run it; under CI this fails)"
            );
            None
        }
    }
}

/// The admin URL for [`fresh_store`] on PostgreSQL: required, whatever the environment,
/// since the backend was asked for explicitly.
fn required_admin_url() -> String {
    match std::env::var(PG_ENV) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{BACKEND_ENV}=postgres needs {PG_ENV}: an admin URL \
             (postgres://user:password@host:port/database, a role that may CREATE DATABASE)"
        ),
    }
}

/// A fresh store for one test. Keep it alive as long as the store is used: dropping it
/// drops the PostgreSQL database (the SQLite one goes with its temporary folder).
pub struct TestStore {
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    db: Option<FreshDb>,
}

impl TestStore {
    /// The URL of the test's PostgreSQL database (`None` on SQLite).
    pub fn postgres_url(&self) -> Option<&str> {
        self.db.as_ref().map(|d| d.url.as_str())
    }
}

/// A fresh, migrated store on the backend [`backend`] names.
pub async fn fresh_store() -> TestStore {
    match backend() {
        Backend::Sqlite => TestStore {
            store: Arc::new(
                store_sqlite::SqliteStore::temporary()
                    .await
                    .expect("temporary SQLite store"),
            ),
            backend: Backend::Sqlite,
            db: None,
        },
        Backend::Postgres => {
            let admin_url = required_admin_url();
            let db = FreshDb::from_template(&admin_url).await;
            let pg = store_postgres::PgStore::connect(&db.url)
                .await
                .unwrap_or_else(|e| panic!("connect to the test database {}: {e}", db.name));
            // A no-op on a copy of the current template; kept so that a copy is never
            // behind the migrations.
            pg.migrate().await.expect("migrate the test database");
            TestStore {
                store: Arc::new(pg),
                backend: Backend::Postgres,
                db: Some(db),
            }
        }
    }
}

/// The migrated database every PostgreSQL test database is copied from. It stays on the
/// server between runs (one database, `resolute_test_template`); each test process brings
/// it up to the current migrations once, and rebuilds it when a migration it holds was
/// changed. Copying it (~0.1 s) instead of migrating each test's database (~0.7 s) is what
/// keeps the application suites on PostgreSQL close to their time on SQLite.
pub const TEMPLATE_DB: &str = "resolute_test_template";

/// Brings [`TEMPLATE_DB`] up to date, once per process, under an advisory lock so that
/// parallel test processes on one server do not build it together.
async fn ensure_template(admin_url: &str) {
    static READY: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    READY
        .get_or_init(|| async {
            use sqlx::Connection;
            let mut lock = sqlx::PgConnection::connect(admin_url)
                .await
                .unwrap_or_else(|e| panic!("connect to {PG_ENV}: {e}"));
            // Any fixed key: it only serializes the builders of the template.
            sqlx::query("SELECT pg_advisory_lock(7238461)")
                .execute(&mut lock)
                .await
                .expect("advisory lock");
            let exists: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                    .bind(TEMPLATE_DB)
                    .fetch_one(&mut lock)
                    .await
                    .expect("look up the template");
            if !exists {
                admin_exec(admin_url, &format!("CREATE DATABASE {TEMPLATE_DB}")).await;
            }
            if let Err(e) = migrate_template(admin_url).await {
                // A migration it holds was edited since: build it again.
                eprintln!("note: rebuilding {TEMPLATE_DB} ({e})");
                admin_exec(
                    admin_url,
                    &format!("DROP DATABASE IF EXISTS {TEMPLATE_DB} WITH (FORCE)"),
                )
                .await;
                admin_exec(admin_url, &format!("CREATE DATABASE {TEMPLATE_DB}")).await;
                migrate_template(admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("migrate {TEMPLATE_DB}: {e}"));
            }
            let _ = sqlx::query("SELECT pg_advisory_unlock(7238461)")
                .execute(&mut lock)
                .await;
            let _ = lock.close().await;
        })
        .await;
}

async fn migrate_template(admin_url: &str) -> Result<(), String> {
    let pg = store_postgres::PgStore::connect(&with_database(admin_url, TEMPLATE_DB))
        .await
        .map_err(|e| e.to_string())?;
    let done = pg.migrate().await.map_err(|e| e.to_string());
    // No connection may stay open on a template that is being copied.
    pg.close().await;
    done
}

/// A database of its own on a PostgreSQL server, dropped (`WITH (FORCE)`, so open pools
/// do not hold it) when this value is dropped.
pub struct FreshDb {
    admin_url: String,
    pub name: String,
    /// The database's URL: the admin URL with the database name replaced.
    pub url: String,
}

impl FreshDb {
    /// Creates an empty database (not migrated) on the server of `admin_url`.
    pub async fn create(admin_url: &str) -> FreshDb {
        FreshDb::create_as(admin_url, "").await
    }

    /// Creates a migrated database on the server of `admin_url`: a copy of
    /// [`TEMPLATE_DB`].
    pub async fn from_template(admin_url: &str) -> FreshDb {
        ensure_template(admin_url).await;
        FreshDb::create_as(admin_url, &format!(" TEMPLATE {TEMPLATE_DB}")).await
    }

    async fn create_as(admin_url: &str, options: &str) -> FreshDb {
        let name = fresh_db_name();
        admin_exec(admin_url, &format!("CREATE DATABASE {name}{options}")).await;
        FreshDb {
            admin_url: admin_url.to_owned(),
            url: with_database(admin_url, &name),
            name,
        }
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on: the statement
        // runs on a thread with a runtime of its own.
        let admin = self.admin_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let done = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(admin_exec(&admin, &sql))
        })
        .join();
        if let Err(e) = done {
            if std::thread::panicking() {
                eprintln!("could not drop the test database {}", self.name);
            } else {
                std::panic::resume_unwind(e);
            }
        }
    }
}

/// A database name no other test (of this or a parallel process) uses.
pub fn fresh_db_name() -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "resolute_test_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Runs one statement on the admin database. CREATE and DROP DATABASE can fail for a
/// moment when the server is busy (connection slots taken by parallel tests), so a failed
/// attempt is retried a few times before the test fails.
pub async fn admin_exec(admin_url: &str, sql: &str) {
    use sqlx::Connection;
    let mut last = String::new();
    for attempt in 0..6u64 {
        if attempt > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(250 * attempt)).await;
        }
        let mut conn = match sqlx::PgConnection::connect(admin_url).await {
            Ok(c) => c,
            Err(e) => {
                last = format!("connect to {PG_ENV}: {e}");
                continue;
            }
        };
        let done = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        match done {
            Ok(_) => return,
            Err(e) => last = e.to_string(),
        }
    }
    panic!("{sql}: {last}");
}

/// The URL with its database name replaced.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_part = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/admin", "t1"),
            "postgres://u:p@h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h:5432/admin?sslmode=disable", "t1"),
            "postgres://u:p@h:5432/t1?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "t1"), "postgres://h/t1");
    }
}
