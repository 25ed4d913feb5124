//! `GET /healthz`: whether the application runs and its database is usable, as JSON
//! `{status, version, backend, migrations: {applied, known, current}}`. Public: it says
//! nothing about the records. 200 when ready, 503 when the database fails or migrations
//! are pending.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(st): State<AppState>) -> Response {
    let backend = st.store.backend();
    let version = st.config.version.as_str();
    match st.store.migration_state().await {
        Ok(m) => {
            let current = m.is_current();
            let status = if current { "ok" } else { "migrations_pending" };
            let code = if current {
                StatusCode::OK
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
            let body = json!({
                "status": status,
                "version": version,
                "backend": backend,
                "migrations": {
                    "applied": m.applied,
                    "known": m.known,
                    "current": current,
                    "latest": m.latest_applied,
                },
            });
            (code, Json(body)).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            let body = json!({
                "status": "error",
                "version": version,
                "backend": backend,
                "migrations": null,
            });
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
