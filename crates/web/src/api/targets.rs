//! Targets that add up: a program's own targets and the upper targets it may serve, saving
//! them, and a target's roll-up by sub-unit. The same store calls and checks as the pages
//! (`crate::targets`).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::get;
use domain::{Direction, Invalid, ProgramId, RollupRule, Target, TargetId, fieldpath, validate};
use serde::{Deserialize, Serialize};
use store::{
    ContributionSource, ProgramTargetInput, SilentUnit, TargetBreakdown, TargetContribution,
    TargetOwner, TargetRecord, UpperTargetChoice,
};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, id, ok};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/api/programs/{id}/targets",
            get(program_targets).post(save_targets),
        )
        .route("/api/targets/{id}", get(target))
}

#[derive(OpenApi)]
#[openapi(paths(program_targets, save_targets, target))]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// A target with its rolled-up value.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetValueDto {
    pub id: i64,
    pub position: u32,
    #[schema(example = "Tỷ lệ đảng viên được học tập nghị quyết")]
    pub indicator: String,
    pub baseline: Option<f64>,
    pub target_value: f64,
    #[schema(example = "%")]
    pub unit: String,
    pub deadline: Option<time::Date>,
    /// `increase`, `decrease`, `reach`.
    pub direction: String,
    /// `sum`, `average` (weighted by members), `minimum`, `share_reached` (percent of the
    /// units that reached their own goal).
    pub rule: String,
    /// The upper target it serves.
    pub upper_target_id: Option<i64>,
    /// The roll-up of the values of the units serving it, by `rule`.
    pub current_value: Option<f64>,
    /// The day of the latest value in the roll-up.
    pub current_on: Option<time::Date>,
    /// Units counted in `current_value`.
    pub contributors: u32,
    /// From baseline to goal, 0..=1.
    pub progress: Option<f64>,
}

impl From<&TargetRecord> for TargetValueDto {
    fn from(r: &TargetRecord) -> TargetValueDto {
        let t = &r.target;
        TargetValueDto {
            id: r.id.0,
            position: r.position,
            indicator: t.indicator.clone(),
            baseline: t.baseline,
            target_value: t.target_value,
            unit: t.unit.clone(),
            deadline: t.deadline,
            direction: t.direction.as_str().to_owned(),
            rule: t.rule.as_str().to_owned(),
            upper_target_id: r.upper_target_id.map(|x| x.0),
            current_value: r.current_value,
            current_on: r.current_on,
            contributors: r.contributors,
            progress: r.current_value.map(|v| t.progress(v)),
        }
    }
}

/// Where a target belongs.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerDto {
    /// `document` or `program`.
    pub kind: String,
    /// The document's or the program's id.
    pub id: i64,
    /// The document's symbol, or the issued program's (`null` for a draft).
    pub symbol: Option<String>,
    pub org_id: i64,
    pub org_name: String,
}

fn owner(o: &TargetOwner, org_id: i64, org_name: &str) -> OwnerDto {
    let (kind, id, symbol) = match o {
        TargetOwner::Document { id, symbol } => ("document", id.0, Some(symbol.clone())),
        TargetOwner::Program { id, symbol, .. } => ("program", id.0, symbol.clone()),
    };
    OwnerDto {
        kind: kind.into(),
        id,
        symbol,
        org_id,
        org_name: org_name.to_owned(),
    }
}

/// An upper target a program's targets may serve.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpperChoiceDto {
    pub target: TargetValueDto,
    pub owner: OwnerDto,
}

impl From<&UpperTargetChoice> for UpperChoiceDto {
    fn from(c: &UpperTargetChoice) -> UpperChoiceDto {
        UpperChoiceDto {
            target: TargetValueDto::from(&c.record),
            owner: owner(&c.owner, c.org_id.0, &c.org_name),
        }
    }
}

/// A program's own targets and the upper targets they may serve (nearest unit first).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramTargets {
    pub program_id: i64,
    pub targets: Vec<TargetValueDto>,
    pub choices: Vec<UpperChoiceDto>,
}

/// One unit's share of a target's roll-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContributionDto {
    pub org_id: i64,
    pub org_name: String,
    /// `lower_target` (the unit's own target linked to this one) or `reported` (a value
    /// it reported through a task linked to this target).
    pub source: String,
    /// The unit's own target, for `lower_target`.
    pub lower_target_id: Option<i64>,
    pub goal: Option<f64>,
    pub value: f64,
    pub on: Option<time::Date>,
    /// Members the value stands for (the weight of an average).
    pub weight: u64,
    /// Whether the unit met its own goal.
    pub reached: bool,
}

impl From<&TargetContribution> for ContributionDto {
    fn from(c: &TargetContribution) -> ContributionDto {
        let (source, lower) = match c.source {
            ContributionSource::LowerTarget { id } => ("lower_target", Some(id.0)),
            ContributionSource::Reported => ("reported", None),
        };
        ContributionDto {
            org_id: c.org_id.0,
            org_name: c.org_name.clone(),
            source: source.into(),
            lower_target_id: lower,
            goal: c.goal,
            value: c.value,
            on: c.on,
            weight: c.weight,
            reached: c.reached,
        }
    }
}

/// A unit below that has not reported for the target.
#[derive(Debug, Serialize, ToSchema)]
pub struct SilentUnitDto {
    pub org_id: i64,
    pub org_name: String,
    /// It has set a target linked to this one, without an accepted value yet.
    pub has_target: bool,
}

impl From<&SilentUnit> for SilentUnitDto {
    fn from(u: &SilentUnit) -> SilentUnitDto {
        SilentUnitDto {
            org_id: u.org_id.0,
            org_name: u.org_name.clone(),
            has_target: u.has_target,
        }
    }
}

/// A target with its roll-up by sub-unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetBreakdownDto {
    pub target: TargetValueDto,
    pub owner: OwnerDto,
    pub root_document_id: i64,
    pub upper: Option<UpperChoiceDto>,
    /// The counted units the user may read.
    pub contributions: Vec<ContributionDto>,
    /// Counted units outside the user's scope (in the total, not named).
    pub hidden_contributions: u32,
    /// The unit's children (readable) with nothing counted yet.
    pub silent: Vec<SilentUnitDto>,
}

impl From<&TargetBreakdown> for TargetBreakdownDto {
    fn from(b: &TargetBreakdown) -> TargetBreakdownDto {
        TargetBreakdownDto {
            target: TargetValueDto::from(&b.record),
            owner: owner(&b.owner, b.org_id.0, &b.org_name),
            root_document_id: b.root_document_id.0,
            upper: b.upper.as_ref().map(UpperChoiceDto::from),
            contributions: b.contributions.iter().map(ContributionDto::from).collect(),
            hidden_contributions: b.hidden_contributions,
            silent: b.silent.iter().map(SilentUnitDto::from).collect(),
        }
    }
}

/// One of a program's own targets, as sent.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TargetInput {
    pub indicator: Option<String>,
    pub baseline: Option<f64>,
    pub target_value: Option<f64>,
    pub unit: Option<String>,
    /// `YYYY-MM-DD` or `dd/mm/yyyy`.
    pub deadline: Option<String>,
    /// `increase` (default), `decrease`, `reach`.
    pub direction: Option<String>,
    /// `sum`, `average`, `minimum`, `share_reached`; absent: `average` for a unit in
    /// percent, else `sum`.
    pub rule: Option<String>,
    /// The upper target it serves (one of the program's `choices`).
    pub upper_target_id: Option<i64>,
}

/// A draft program's whole list of targets.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TargetsInput {
    pub targets: Option<Vec<TargetInput>>,
}

/// Checks the shape of each target sent; the store checks the rest (ranges, links).
fn parse(rows: &[TargetInput]) -> Result<Vec<ProgramTargetInput>, Invalid> {
    let mut inv = Invalid::default();
    if rows.len() > domain::target::MAX_TARGETS {
        return Err(Invalid::one("targets", "too_long"));
    }
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let f = |name: &'static str| fieldpath::indexed("targets", i, name);
        let indicator = inv.take(validate::name(
            f("indicator"),
            r.indicator.as_deref().unwrap_or(""),
            domain::target::MAX_INDICATOR_CHARS,
        ));
        let unit = inv.take(validate::name(
            f("unit"),
            r.unit.as_deref().unwrap_or(""),
            domain::target::MAX_UNIT_CHARS,
        ));
        let target_value = match r.target_value {
            Some(v) => Some(v),
            None => {
                inv.push(f("target_value"), "required");
                None
            }
        };
        let deadline = inv.take(validate::optional_date(
            f("deadline"),
            r.deadline.as_deref().unwrap_or(""),
        ));
        let direction = match r.direction.as_deref().map(str::trim) {
            None | Some("") => Some(Direction::Increase),
            Some(d) => Direction::parse(d).or_else(|| {
                inv.push(f("direction"), "bad_choice");
                None
            }),
        };
        let rule = match r.rule.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(x) => match RollupRule::parse(x) {
                Some(rule) => Some(Some(rule)),
                None => {
                    inv.push(f("rule"), "bad_choice");
                    None
                }
            },
        };
        if let (
            Some(indicator),
            Some(unit),
            Some(target_value),
            Some(deadline),
            Some(direction),
            Some(rule),
        ) = (indicator, unit, target_value, deadline, direction, rule)
        {
            out.push(ProgramTargetInput {
                target: Target {
                    rule: rule.unwrap_or_else(|| RollupRule::default_for(&unit)),
                    indicator,
                    baseline: r.baseline,
                    target_value,
                    unit,
                    deadline,
                    direction,
                },
                upper: r.upper_target_id.map(TargetId),
            });
        }
    }
    inv.into_result(out)
}

async fn load_targets(st: &AppState, auth: &Auth, program: ProgramId) -> ApiResult<ProgramTargets> {
    let targets = st.store.program_targets(&auth.p, program).await?;
    let choices = st.store.upper_target_choices(&auth.p, program).await?;
    Ok(ProgramTargets {
        program_id: program.0,
        targets: targets.iter().map(TargetValueDto::from).collect(),
        choices: choices.iter().map(UpperChoiceDto::from).collect(),
    })
}

// ---- Handlers ---------------------------------------------------------------------------

/// A program's own targets, with the upper targets they may serve.
#[utoipa::path(get, path = "/api/programs/{id}/targets", tag = "targets",
    params(("id" = i64, Path, description = "The program")),
    responses((status = 200, description = "OK", body = ProgramTargets), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn program_targets(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult {
    let program = id::<ProgramId>(&raw)?;
    ok(load_targets(&st, &auth, program).await?)
}

/// Replaces a draft program's own targets.
///
/// Replaces a draft's whole list of targets (EditOrgs on the unit; drafts only:
/// `program_not_draft`). Each target is checked (`targets[i].target_value`:
/// `percent_value_range`, `number_too_large`, …) and so is its link
/// (`targets[i].upper`: `target_unit_mismatch`, `target_kind_mismatch`,
/// `target_not_reachable`); nothing is saved when anything is refused. A target still
/// served by a task or a lower target cannot be removed (409 `target_in_use`).
#[utoipa::path(post, path = "/api/programs/{id}/targets", tag = "targets",
    params(("id" = i64, Path, description = "The draft")),
    request_body = TargetsInput,
    responses((status = 200, description = "OK", body = ProgramTargets), (status = 400, description = "Bad input: the error names the field, with a message in the user's language", body = ErrorBody),
        (status = 403, description = "Not allowed, or the X-CSRF-Token header is missing or wrong", body = ErrorBody), (status = 404, description = "Not found, or outside the user's units", body = ErrorBody),
        (status = 409, description = "In conflict with stored records", body = ErrorBody)))]
async fn save_targets(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let program = st.store.program(&auth.p, id::<ProgramId>(&raw)?).await?;
    let input: TargetsInput = body(&bytes)?;
    let Some(rows) = input.targets else {
        return Err(ApiError::Invalid(Invalid::one("targets", "required")));
    };
    let targets = parse(&rows).map_err(ApiError::Invalid)?;
    st.store
        .set_program_targets(&auth.p, program.id, targets)
        .await?;
    ok(load_targets(&st, &auth, program.id).await?)
}

/// A target with its roll-up by sub-unit: who brings what, who has not reported.
#[utoipa::path(get, path = "/api/targets/{id}", tag = "targets",
    params(("id" = i64, Path, description = "The target")),
    responses((status = 200, description = "OK", body = TargetBreakdownDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn target(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let b = st
        .store
        .target_breakdown(&auth.p, id::<TargetId>(&raw)?)
        .await?;
    ok(TargetBreakdownDto::from(&b))
}
