//! The migrations: each backend keeps its own SQL files in its `migrations/` folder and
//! lists them (embedded in the binary) in `migrations/embed.rs`; running them and reading
//! their state is the same for both.

use crate::dialect::{self, Db};
use crate::sql::util::DbResult;
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use std::sync::LazyLock;
use store::{MigrationState, Result};

/// The backend's migrations. (`sqlx::migrate!` needs sqlx's `macros` feature, which would
/// build the drivers twice; this is what it expands to.)
pub(crate) static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| {
    Migrator::with_migrations(
        dialect::MIGRATIONS
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
});

/// Applied and known migrations.
pub(crate) async fn state(pool: &sqlx::Pool<Db>) -> Result<MigrationState> {
    let known = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .count() as i64;
    let exists: i64 = sqlx::query_scalar(dialect::MIGRATIONS_TABLE_EXISTS)
        .fetch_one(pool)
        .await
        .db()?;
    if exists == 0 {
        return Ok(MigrationState {
            applied: 0,
            known,
            latest_applied: None,
        });
    }
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .db()?;
    let latest_applied: Option<String> = sqlx::query_scalar(
        "SELECT version || '_' || description FROM _sqlx_migrations WHERE success \
         ORDER BY version DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
    .db()?;
    Ok(MigrationState {
        applied,
        known,
        latest_applied,
    })
}
