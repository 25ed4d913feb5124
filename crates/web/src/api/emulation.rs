//! Emulation and commendation as JSON: a movement as the user sees it (targets, pledges with
//! their progress read from the record, nominations, decisions, the register), a pledge,
//! a unit's register of awards, the search for advanced models and the library. The same
//! store calls and checks as the pages (`crate::emulation`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use domain::emulation::DecisionDraft;
use domain::models::Settings;
use domain::{Invalid, OrgId, validate};
use serde::{Deserialize, Serialize};
use store::PledgeInput;
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, id, ok};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/emulation/{id}", get(movement))
        .route("/api/emulation/{id}/pledge", post(pledge))
        .route("/api/emulation/{id}/decision", post(decision))
        .route("/api/emulation/{id}/models", get(candidates))
        .route("/api/orgs/{id}/awards", get(awards))
        .route("/api/models", get(library))
}

#[derive(OpenApi)]
#[openapi(paths(movement, pledge, decision, candidates, awards, library))]
pub struct Doc;

/// A record as the store returns it (see `store::emulation`): its fields are documented
/// there and in docs/EMULATION.md.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmulationDto {
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

fn dto<T: Serialize>(v: &T) -> EmulationDto {
    EmulationDto {
        data: serde_json::to_value(v).unwrap_or(serde_json::Value::Null),
    }
}

/// A pledge's value for one of the movement's targets.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PledgeValueInput {
    pub target_id: i64,
    pub value: f64,
}

/// A unit's pledge: its commitments and a value per target.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PledgeBody {
    pub org_id: Option<i64>,
    #[serde(default)]
    pub commitments: String,
    #[serde(default)]
    pub values: Vec<PledgeValueInput>,
}

/// A movement as the user may see it.
#[utoipa::path(get, path = "/api/emulation/{id}", tag = "emulation",
    params(("id" = i64, Path, description = "The movement")),
    responses((status = 200, description = "OK", body = EmulationDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn movement(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let v = st.store.movement(&auth.p, id(&raw)?).await?;
    ok(dto(&v))
}

/// Registers or changes a unit's pledge (the unit's office or secretary; until the
/// pledge deadline).
#[utoipa::path(post, path = "/api/emulation/{id}/pledge", tag = "emulation",
    params(("id" = i64, Path, description = "The movement")),
    request_body = PledgeBody,
    responses((status = 200, description = "The pledge with its progress", body = EmulationDto),
        (status = 400, description = "Invalid input", body = ErrorBody),
        (status = 403, description = "Not the unit's office or secretary", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody),
        (status = 409, description = "Pledges are closed or late", body = ErrorBody)))]
async fn pledge(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let m = st.store.movement(&auth.p, id(&raw)?).await?;
    let input: PledgeBody = body(&bytes)?;
    let Some(org) = input.org_id else {
        return Err(ApiError::Invalid(Invalid::one("org_id", "required")));
    };
    let p = st
        .store
        .save_pledge(
            &auth.p,
            m.movement.id,
            OrgId(org),
            PledgeInput {
                commitments: input.commitments,
                values: input
                    .values
                    .into_iter()
                    .map(|v| (v.target_id, v.value))
                    .collect(),
            },
            crate::forms::today(),
        )
        .await?;
    ok(dto(&p))
}

/// A nomination a decision awards, with its citation (the nomination's achievements when
/// empty).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AwardedInput {
    pub id: i64,
    #[serde(default)]
    pub citation: String,
}

/// A commendation decision: its particulars and the passed nominations it awards.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DecisionBody {
    /// A Quyết định's number and symbol: `125-QĐ/TU`, `682/QĐ-UBND`.
    #[serde(default)]
    pub number: String,
    /// dd/mm/yyyy or yyyy-mm-dd.
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub signer_name: String,
    #[serde(default)]
    pub signer_title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub nominations: Vec<AwardedInput>,
}

/// Issues a commendation decision awarding the chosen nominations the council passed (the
/// movement's office). Irreversible; the number is unique per deciding unit, so the same
/// request sent twice is refused (409 `emulation_number_taken`), never a second decision.
#[utoipa::path(post, path = "/api/emulation/{id}/decision", tag = "emulation",
    params(("id" = i64, Path, description = "The movement")),
    request_body = DecisionBody,
    responses((status = 200, description = "The decision", body = EmulationDto),
        (status = 400, description = "Invalid input (also a kind the deciding level does not give)", body = ErrorBody),
        (status = 403, description = "Not the movement's office", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody),
        (status = 409, description = "Number taken, or a nomination not passed", body = ErrorBody)))]
async fn decision(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let m = st.store.movement(&auth.p, id(&raw)?).await?;
    let input: DecisionBody = body(&bytes)?;
    let signed_on =
        validate::optional_date("signed_on", &input.signed_on).map_err(ApiError::Invalid)?;
    let draft = DecisionDraft {
        number: input.number,
        signed_on,
        signer_name: input.signer_name,
        signer_title: input.signer_title,
        summary: input.summary,
    };
    let d = st
        .store
        .issue_decision(
            &auth.p,
            m.movement.id,
            draft,
            input
                .nominations
                .into_iter()
                .map(|n| (n.id, n.citation))
                .collect(),
        )
        .await?;
    ok(dto(&d))
}

/// Units far above their peers on a metric of the movement (`?metric=` an emulation
/// target's id, 0 for the pace of programs), with every number behind the answer (the
/// movement's office).
#[utoipa::path(get, path = "/api/emulation/{id}/models", tag = "emulation",
    params(("id" = i64, Path, description = "The movement"),
        ("metric" = Option<i64>, Query, description = "An emulation target's id, or 0 for the pace")),
    responses((status = 200, description = "OK", body = EmulationDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not the movement's office", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn candidates(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let movement: i64 = id(&raw)?;
    let v = st.store.movement(&auth.p, movement).await?;
    let metric = crate::forms::query_param(&q, "metric")
        .parse::<i64>()
        .unwrap_or_else(|_| v.targets.first().map_or(0, |t| t.id));
    let s = st
        .store
        .model_candidates(&auth.p, movement, metric, Settings::default())
        .await?;
    ok(dto(&s))
}

/// The register of a unit: awards to it, to the units below it and to their members.
#[utoipa::path(get, path = "/api/orgs/{id}/awards", tag = "emulation",
    params(("id" = i64, Path, description = "The unit")),
    responses((status = 200, description = "OK", body = EmulationDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn awards(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let a = st.store.unit_awards(&auth.p, id::<OrgId>(&raw)?).await?;
    ok(dto(&a))
}

/// The library of advanced models of the user's province.
#[utoipa::path(get, path = "/api/models", tag = "emulation",
    responses((status = 200, description = "OK", body = EmulationDto), (status = 401, description = "Not signed in", body = ErrorBody)))]
async fn library(auth: Auth, State(st): State<AppState>) -> ApiResult {
    let m = st.store.models(&auth.p).await?;
    ok(dto(&m))
}
