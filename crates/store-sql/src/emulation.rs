//! Emulation and commendation ([`store::EmulationStore`], issue 17 items 4-5). The rules are
//! `domain::emulation` and `domain::models`; here the store loads what they decide on,
//! calls them, writes and audits in one transaction. Units' paths are read by a join at
//! each request, so restructurings need not rewrite anything here.

use crate::dialect::{Backend, Conn, Db, DbRow};
use crate::sql::documents::{doc_readable, load_targets};
use crate::sql::members::member_by_id;
use crate::sql::orgs::{org_by_id, org_readable, require_active};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::emulation::{
    self as rules, AwardKind, DecisionDraft, MovementDraft, MovementState, NominationState,
    PassRule, Recipient, Vote,
};
use domain::models::{self, PeerGroup, Settings, UnitSeries};
use domain::{
    Direction, DocumentId, MemberId, OrgId, OrgKind, OrgPath, Permission, Principal, Refusal,
    TargetId, TaskId,
};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, BTreeSet};
use store::*;
use time::Date;

// ---- Loading -------------------------------------------------------------------------------

const MOVEMENT_COLS: &str = "m.id, m.org_id, o.path AS org_path, o.name AS org_name, \
     o.kind AS org_kind, \
     m.document_id, d.symbol AS document_symbol, m.title, m.content, m.starts_on, m.ends_on, \
     m.pledge_by, m.state, m.created_at";
const MOVEMENT_FROM: &str = " FROM emulation_movements m \
     JOIN organizations o ON o.id = m.org_id JOIN documents d ON d.id = m.document_id";

fn movement_row(r: &DbRow) -> Result<Movement> {
    let state: String = get(r, "state")?;
    let kind: String = get(r, "org_kind")?;
    Ok(Movement {
        id: get(r, "id")?,
        org_id: OrgId(get(r, "org_id")?),
        org_path: path_of(get(r, "org_path")?)?,
        org_name: get(r, "org_name")?,
        org_kind: OrgKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
        document_id: DocumentId(get(r, "document_id")?),
        document_symbol: get(r, "document_symbol")?,
        title: get(r, "title")?,
        content: get(r, "content")?,
        starts_on: get(r, "starts_on")?,
        ends_on: get(r, "ends_on")?,
        pledge_by: get(r, "pledge_by")?,
        state: MovementState::parse(&state).ok_or_else(|| bad_data("state", &state))?,
        created_at: get(r, "created_at")?,
    })
}

async fn load_movement(conn: &mut Conn, id: i64) -> Result<Movement> {
    let sql = format!("SELECT {MOVEMENT_COLS}{MOVEMENT_FROM} WHERE m.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    movement_row(&r)
}

/// A movement the principal may read, or `NotFound`.
async fn movement_readable(conn: &mut Conn, p: &Principal, id: i64) -> Result<Movement> {
    let m = load_movement(conn, id).await?;
    if !rules::may_read_movement(p, &m.org_path) {
        return Err(StoreError::NotFound);
    }
    Ok(m)
}

/// A movement the principal manages: `NotFound` unreadable, `Forbidden` without EditOrgs.
async fn movement_managed(conn: &mut Conn, p: &Principal, id: i64) -> Result<Movement> {
    let m = movement_readable(conn, p, id).await?;
    if !rules::may_manage(p, &m.org_path) {
        return Err(StoreError::Forbidden);
    }
    Ok(m)
}

async fn movement_targets(conn: &mut Conn, id: i64) -> Result<Vec<MovementTarget>> {
    sqlx::query(
        "SELECT id, position, source_target_id, indicator, unit, target_value, direction \
         FROM emulation_targets WHERE movement_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .db()?
    .iter()
    .map(|r| {
        Ok(MovementTarget {
            id: get(r, "id")?,
            position: get::<i64>(r, "position")?.max(0) as u32,
            source_target_id: TargetId(get(r, "source_target_id")?),
            indicator: get(r, "indicator")?,
            unit: get(r, "unit")?,
            target_value: get(r, "target_value")?,
            direction: get(r, "direction")?,
        })
    })
    .collect()
}

pub(crate) async fn award_kinds_in(conn: &mut Conn) -> Result<Vec<AwardKind>> {
    let levels = award_levels_in(conn).await?;
    sqlx::query(
        "SELECT code, name_vi, name_en, form, collective, individual, rank, active \
         FROM award_kinds ORDER BY active DESC, rank DESC, code",
    )
    .fetch_all(&mut *conn)
    .await
    .db()?
    .iter()
    .map(|r| {
        let code: String = get(r, "code")?;
        Ok(AwardKind {
            levels: levels
                .iter()
                .filter(|l| l.award_kind == code)
                .map(|l| l.org_kind)
                .collect(),
            code,
            name_vi: get(r, "name_vi")?,
            name_en: get(r, "name_en")?,
            form: get(r, "form")?,
            collective: get(r, "collective")?,
            individual: get(r, "individual")?,
            rank: get::<i64>(r, "rank")? as i32,
            active: get(r, "active")?,
        })
    })
    .collect()
}

/// The limits on award kinds per level, in the order of the levels.
async fn award_levels_in(conn: &mut Conn) -> Result<Vec<AwardLevel>> {
    let mut out = sqlx::query(
        "SELECT award_kind, org_kind, basis, confirmed FROM award_kind_levels \
         ORDER BY award_kind, org_kind",
    )
    .fetch_all(&mut *conn)
    .await
    .db()?
    .iter()
    .map(|r| {
        let kind: String = get(r, "org_kind")?;
        Ok(AwardLevel {
            award_kind: get(r, "award_kind")?,
            org_kind: OrgKind::parse(&kind).ok_or_else(|| bad_data("org_kind", &kind))?,
            basis: get(r, "basis")?,
            confirmed: get(r, "confirmed")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    out.sort_by_key(|l| {
        rules::DECIDING_LEVELS
            .iter()
            .position(|k| *k == l.org_kind)
            .unwrap_or(usize::MAX)
    });
    Ok(out)
}

/// One column of a row, decoded (the row helpers' shorthand).
fn get<'r, T>(r: &'r DbRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
{
    r.try_get(col).db()
}

/// A unit named in the input (a form's choice): `bad_choice` on `field` when the principal
/// does not read it, so that no name leaks.
async fn org_choice(conn: &mut Conn, p: &Principal, id: OrgId, field: &'static str) -> Result<Org> {
    match org_readable(conn, p, id).await {
        Err(StoreError::NotFound) => Err(Refusal::invalid(field, "bad_choice").into()),
        other => other,
    }
}

/// Every target serving `root`, down its chain (the root included), at most 8 levels.
async fn chain_below(conn: &mut Conn, root: i64) -> Result<Vec<i64>> {
    let mut all = vec![root];
    let mut level = vec![root];
    for _ in 0..8 {
        let mut qb =
            QueryBuilder::<Db>::new("SELECT id FROM document_targets WHERE upper_target_id IN ");
        push_ids(&mut qb, level.iter().copied());
        let next: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await.db()?;
        if next.is_empty() {
            break;
        }
        all.extend(&next);
        level = next;
    }
    Ok(all)
}

/// A unit's facts for the peer groups.
#[derive(Debug, Clone)]
struct UnitFacts {
    path: OrgPath,
    name: String,
    kind: OrgKind,
    members: i64,
}

/// The units' values read from the record for a resolution's target, within a subtree: the
/// current value of the unit's own target (of its issued program) on the target's chain,
/// or else the latest value it reported for a target of the chain.
async fn record_values(
    conn: &mut Conn,
    source_target: i64,
    within: &OrgPath,
) -> Result<BTreeMap<i64, f64>> {
    let chain = chain_below(conn, source_target).await?;
    let mut out = BTreeMap::new();
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT v.org_id, v.value, v.reported_on FROM target_values v \
         JOIN organizations o ON o.id = v.org_id WHERE v.target_id IN ",
    );
    push_ids(&mut qb, chain.iter().copied());
    push_subtree(&mut qb, "o.path", within);
    qb.push(" ORDER BY v.reported_on, v.org_id");
    for r in &qb.build().fetch_all(&mut *conn).await.db()? {
        out.insert(get::<i64>(r, "org_id")?, get::<f64>(r, "value")?);
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT p.org_id, t.current_value FROM document_targets t \
         JOIN programs p ON p.id = t.program_id JOIN organizations o ON o.id = p.org_id \
         WHERE p.state = 'issued' AND t.current_value IS NOT NULL AND t.id IN ",
    );
    push_ids(&mut qb, chain.iter().copied());
    push_subtree(&mut qb, "o.path", within);
    for r in &qb.build().fetch_all(&mut *conn).await.db()? {
        out.insert(get::<i64>(r, "org_id")?, get::<f64>(r, "current_value")?);
    }
    Ok(out)
}

/// The pace of each unit's issued program on the document's chain: the share of its
/// counted tasks done, in percent.
async fn pace_values(
    conn: &mut Conn,
    root_document: i64,
    within: &OrgPath,
) -> Result<BTreeMap<i64, f64>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT t.org_id, CAST(SUM(CASE WHEN t.status = 'done' THEN 1 ELSE 0 END) AS BIGINT) \
         AS done, CAST(COUNT(*) AS BIGINT) AS total FROM tasks t \
         JOIN programs p ON p.id = t.program_id \
         WHERE p.state = 'issued' AND t.counted AND t.root_document_id = ",
    );
    qb.push_bind(root_document);
    push_subtree(&mut qb, "t.org_path", within);
    qb.push(" GROUP BY t.org_id");
    let mut out = BTreeMap::new();
    for r in &qb.build().fetch_all(&mut *conn).await.db()? {
        let total: i64 = get(r, "total")?;
        if total > 0 {
            let done: i64 = get(r, "done")?;
            out.insert(get::<i64>(r, "org_id")?, 100.0 * done as f64 / total as f64);
        }
    }
    Ok(out)
}

async fn unit_facts(
    conn: &mut Conn,
    ids: impl IntoIterator<Item = i64>,
) -> Result<BTreeMap<i64, UnitFacts>> {
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT id, path, name, kind, subtree_member_count FROM organizations WHERE id IN ",
    );
    push_ids(&mut qb, ids);
    let mut out = BTreeMap::new();
    for r in &qb.build().fetch_all(&mut *conn).await.db()? {
        let kind: String = get(r, "kind")?;
        out.insert(
            get::<i64>(r, "id")?,
            UnitFacts {
                path: path_of(get(r, "path")?)?,
                name: get(r, "name")?,
                kind: OrgKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?,
                members: get(r, "subtree_member_count")?,
            },
        );
    }
    Ok(out)
}

async fn root_document_of(conn: &mut Conn, doc: DocumentId) -> Result<i64> {
    sqlx::query_scalar("SELECT root_document_id FROM documents WHERE id = $1")
        .bind(doc.0)
        .fetch_one(&mut *conn)
        .await
        .db()
}

async fn pledges_of(conn: &mut Conn, m: &Movement) -> Result<Vec<(OrgPath, Pledge)>> {
    let rows = sqlx::query(
        "SELECT e.id, e.org_id, o.path, o.name, e.commitments, e.registered_at, e.updated_at \
         FROM emulation_pledges e JOIN organizations o ON o.id = e.org_id \
         WHERE e.movement_id = $1 ORDER BY o.path",
    )
    .bind(m.id)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut out = Vec::new();
    for r in &rows {
        out.push((
            path_of(get(r, "path")?)?,
            Pledge {
                id: get(r, "id")?,
                movement_id: m.id,
                org_id: OrgId(get(r, "org_id")?),
                org_name: get(r, "name")?,
                commitments: get(r, "commitments")?,
                lines: Vec::new(),
                registered_at: get(r, "registered_at")?,
                updated_at: get(r, "updated_at")?,
            },
        ));
    }
    Ok(out)
}

/// Fills the pledges' lines: the values pledged and the values read from the record now.
async fn fill_lines(
    conn: &mut Conn,
    m: &Movement,
    targets: &[MovementTarget],
    pledges: &mut [Pledge],
) -> Result<()> {
    if pledges.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT pledge_id, target_id, value FROM emulation_pledge_values WHERE pledge_id IN ",
    );
    push_ids(&mut qb, pledges.iter().map(|p| p.id));
    let mut values: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    for r in &qb.build().fetch_all(&mut *conn).await.db()? {
        values.insert(
            (get(r, "pledge_id")?, get(r, "target_id")?),
            get(r, "value")?,
        );
    }
    for t in targets {
        let current = record_values(conn, t.source_target_id.0, &m.org_path).await?;
        let increase = t.direction != Direction::Decrease.as_str();
        for pl in pledges.iter_mut() {
            if let Some(v) = values.get(&(pl.id, t.id)) {
                let c = current.get(&pl.org_id.0).copied();
                pl.lines.push(PledgeLine {
                    target_id: t.id,
                    value: *v,
                    current: c,
                    reached: rules::pledge_reached(*v, c, increase),
                });
            }
        }
    }
    Ok(())
}

const NOMINATION_SQL: &str = "SELECT n.id, n.movement_id, n.nominator_org_id, \
     no.path AS nominator_path, no.name AS nominator_name, n.org_id, o.path AS org_path, \
     o.name AS org_name, n.member_id, mb.full_name AS member_name, n.award_kind, \
     k.name_vi AS award_name, n.achievements, n.proposed_level, n.state, n.created_at, \
     v.met_on, v.members, v.for_votes, v.against, v.abstain, v.pass_numerator, \
     v.pass_denominator, v.quorum_percent, v.passed \
     FROM emulation_nominations n \
     JOIN organizations no ON no.id = n.nominator_org_id \
     JOIN organizations o ON o.id = n.org_id \
     JOIN award_kinds k ON k.code = n.award_kind \
     LEFT JOIN members mb ON mb.id = n.member_id \
     LEFT JOIN emulation_votes v ON v.nomination_id = n.id";

fn u32_of(r: &DbRow, col: &str) -> Result<u32> {
    Ok(r.try_get::<i64, _>(col).db()?.max(0) as u32)
}

/// A nomination with the paths of its nominator and nominee.
fn nomination_row(r: &DbRow) -> Result<(OrgPath, OrgPath, Nomination)> {
    let state: String = get(r, "state")?;
    let met_on: Option<Date> = get(r, "met_on")?;
    let vote = match met_on {
        None => None,
        Some(met_on) => {
            let vote = Vote {
                members: u32_of(r, "members")?,
                for_votes: u32_of(r, "for_votes")?,
                against: u32_of(r, "against")?,
                abstain: u32_of(r, "abstain")?,
            };
            let rule = PassRule {
                numerator: u32_of(r, "pass_numerator")?,
                denominator: u32_of(r, "pass_denominator")?,
                quorum_percent: u32_of(r, "quorum_percent")?,
            };
            let t = vote.tally(rule);
            Some(VoteRecord {
                met_on,
                vote,
                rule,
                passed: get(r, "passed")?,
                needed: t.needed,
                quorum: t.quorum,
            })
        }
    };
    Ok((
        path_of(get(r, "nominator_path")?)?,
        path_of(get(r, "org_path")?)?,
        Nomination {
            id: get(r, "id")?,
            movement_id: get(r, "movement_id")?,
            nominator_org_id: OrgId(get(r, "nominator_org_id")?),
            nominator_name: get(r, "nominator_name")?,
            org_id: OrgId(get(r, "org_id")?),
            org_name: get(r, "org_name")?,
            member_id: get::<Option<i64>>(r, "member_id")?.map(MemberId),
            member_name: get(r, "member_name")?,
            award_kind: get(r, "award_kind")?,
            award_name: get(r, "award_name")?,
            achievements: get(r, "achievements")?,
            proposed_level: get(r, "proposed_level")?,
            state: NominationState::parse(&state).ok_or_else(|| bad_data("state", &state))?,
            vote,
            created_at: get(r, "created_at")?,
        },
    ))
}

async fn load_nomination(conn: &mut Conn, id: i64) -> Result<(OrgPath, OrgPath, Nomination)> {
    let sql = format!("{NOMINATION_SQL} WHERE n.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    nomination_row(&r)
}

fn may_read_nomination(
    p: &Principal,
    m: &Movement,
    nominator: &OrgPath,
    nominee: &OrgPath,
) -> bool {
    rules::may_manage(p, &m.org_path)
        || rules::may_read_unit_record(p, nominator)
        || rules::may_read_unit_record(p, nominee)
}

const DECISION_COLS: &str = "d.id, d.movement_id, d.org_id, o.name AS org_name, d.number, \
     d.signed_on, d.signer_name, d.signer_title, d.summary, d.created_at";

fn decision_row(r: &DbRow) -> Result<Decision> {
    Ok(Decision {
        id: get(r, "id")?,
        movement_id: get(r, "movement_id")?,
        org_id: OrgId(get(r, "org_id")?),
        org_name: get(r, "org_name")?,
        number: get(r, "number")?,
        signed_on: get(r, "signed_on")?,
        signer_name: get(r, "signer_name")?,
        signer_title: get(r, "signer_title")?,
        summary: get(r, "summary")?,
        created_at: get(r, "created_at")?,
    })
}

/// Decisions by one column (`d.id` or `d.movement_id`), in the order issued.
async fn decisions_by(conn: &mut Conn, col: &'static str, id: i64) -> Result<Vec<Decision>> {
    let sql = format!(
        "SELECT {DECISION_COLS} FROM emulation_decisions d \
         JOIN organizations o ON o.id = d.org_id WHERE {col} = $1 ORDER BY d.id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(decision_row)
        .collect()
}

const AWARD_SQL: &str = "SELECT a.id, a.decision_id, d.number, d.signed_on, d.signer_name, \
     d.signer_title, d.org_id AS deciding_org_id, od.name AS deciding_org_name, \
     d.movement_id, m.title AS movement_title, mo.path AS movement_path, a.org_id, \
     o.path AS org_path, o.name AS org_name, a.member_id, mb.full_name AS member_name, \
     a.award_kind, k.name_vi AS award_name, k.form AS award_form, a.citation \
     FROM emulation_awards a \
     JOIN emulation_decisions d ON d.id = a.decision_id \
     JOIN organizations od ON od.id = d.org_id \
     JOIN emulation_movements m ON m.id = d.movement_id \
     JOIN organizations mo ON mo.id = m.org_id \
     JOIN organizations o ON o.id = a.org_id \
     JOIN award_kinds k ON k.code = a.award_kind \
     LEFT JOIN members mb ON mb.id = a.member_id";

/// An award with the launching unit's path and the recipient unit's.
fn award_row(r: &DbRow) -> Result<(OrgPath, OrgPath, Award)> {
    Ok((
        path_of(get(r, "movement_path")?)?,
        path_of(get(r, "org_path")?)?,
        Award {
            id: get(r, "id")?,
            decision_id: get(r, "decision_id")?,
            decision_number: get(r, "number")?,
            signed_on: get(r, "signed_on")?,
            signer_name: get(r, "signer_name")?,
            signer_title: get(r, "signer_title")?,
            deciding_org_id: OrgId(get(r, "deciding_org_id")?),
            deciding_org_name: get(r, "deciding_org_name")?,
            movement_id: get(r, "movement_id")?,
            movement_title: get(r, "movement_title")?,
            org_id: OrgId(get(r, "org_id")?),
            org_name: get(r, "org_name")?,
            member_id: get::<Option<i64>>(r, "member_id")?.map(MemberId),
            member_name: get(r, "member_name")?,
            award_kind: get(r, "award_kind")?,
            award_name: get(r, "award_name")?,
            award_form: get(r, "award_form")?,
            citation: get(r, "citation")?,
        },
    ))
}

/// The label of a metric: the target's indicator, or the pace of programs.
fn metric_label(targets: &[MovementTarget], metric: i64) -> Result<(String, Direction)> {
    if metric == 0 {
        return Ok(("pace".into(), Direction::Increase));
    }
    let t = targets
        .iter()
        .find(|t| t.id == metric)
        .ok_or_else(|| StoreError::from(Refusal::invalid("metric", "bad_choice")))?;
    let d = Direction::parse(&t.direction).unwrap_or(Direction::Increase);
    Ok((t.indicator.clone(), d))
}

/// Runs the search on a movement's closed quarters.
async fn search_models(
    conn: &mut Conn,
    m: &Movement,
    metric: i64,
    settings: Settings,
) -> Result<ModelSearch> {
    let targets = movement_targets(conn, m.id).await?;
    let (label, direction) = metric_label(&targets, metric)?;
    let rows = sqlx::query(
        "SELECT org_id, period, kind, members, value FROM emulation_results \
         WHERE movement_id = $1 AND metric = $2 ORDER BY org_id, period",
    )
    .bind(m.id)
    .bind(metric)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut series: BTreeMap<i64, UnitSeries> = BTreeMap::new();
    for r in &rows {
        let org: i64 = get(r, "org_id")?;
        let kind: String = get(r, "kind")?;
        let kind = OrgKind::parse(&kind).ok_or_else(|| bad_data("kind", &kind))?;
        let members: i64 = get(r, "members")?;
        let period: i64 = get(r, "period")?;
        let s = series.entry(org).or_insert_with(|| UnitSeries {
            unit: org,
            group: PeerGroup::of(kind, members.max(0) as u64),
            points: BTreeMap::new(),
        });
        // The latest closing's size decides the group.
        s.group = PeerGroup::of(kind, members.max(0) as u64);
        s.points.insert(period as i32, get(r, "value")?);
    }
    let series: Vec<UnitSeries> = series.into_values().collect();
    let assessment = models::assess(&series, direction, settings);
    let facts = unit_facts(conn, assessment.candidates.iter().map(|c| c.unit)).await?;
    let units = assessment
        .candidates
        .iter()
        .filter_map(|c| {
            facts.get(&c.unit).map(|f| NamedUnit {
                org_id: OrgId(c.unit),
                name: f.name.clone(),
                kind: f.kind.as_str().to_string(),
                members: f.members.max(0) as u64,
            })
        })
        .collect();
    let confirmed: Vec<OrgId> = sqlx::query_scalar::<_, i64>(
        "SELECT DISTINCT org_id FROM advanced_models WHERE movement_id = $1 AND metric = $2",
    )
    .bind(m.id)
    .bind(metric)
    .fetch_all(&mut *conn)
    .await
    .db()?
    .into_iter()
    .map(OrgId)
    .collect();
    Ok(ModelSearch {
        movement_id: m.id,
        metric,
        metric_label: label,
        assessment,
        units,
        confirmed,
    })
}

const MODEL_SQL: &str = "SELECT a.id, a.province_id, a.org_id, o.path AS org_path, o.name AS org_name, \
     a.movement_id, m.title AS movement_title, a.metric, a.title, a.practice, a.evidence, \
     oc.name AS confirmed_org_name, a.confirmed_at, \
     (SELECT COUNT(*) FROM advanced_model_links l WHERE l.model_id = a.id) AS links \
     FROM advanced_models a JOIN organizations o ON o.id = a.org_id \
     JOIN organizations oc ON oc.id = a.confirmed_org_id \
     LEFT JOIN emulation_movements m ON m.id = a.movement_id";

async fn model_row(conn: &mut Conn, r: &DbRow) -> Result<(i64, AdvancedModel)> {
    let evidence: String = get(r, "evidence")?;
    let metric: i64 = get(r, "metric")?;
    let label = if metric == 0 {
        "pace".to_string()
    } else {
        sqlx::query_scalar::<_, String>("SELECT indicator FROM emulation_targets WHERE id = $1")
            .bind(metric)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .unwrap_or_default()
    };
    Ok((
        get(r, "province_id")?,
        AdvancedModel {
            id: get(r, "id")?,
            org_id: OrgId(get(r, "org_id")?),
            org_name: get(r, "org_name")?,
            movement_id: get(r, "movement_id")?,
            movement_title: get(r, "movement_title")?,
            metric,
            metric_label: label,
            title: get(r, "title")?,
            practice: get(r, "practice")?,
            evidence: serde_json::from_str(&evidence)
                .map_err(|_| bad_data("evidence", &evidence))?,
            confirmed_org_name: get(r, "confirmed_org_name")?,
            confirmed_at: get(r, "confirmed_at")?,
            links: get::<i64>(r, "links")?.max(0) as u32,
        },
    ))
}

/// The provinces whose library the principal reads: those of its read grants.
fn library_provinces(p: &Principal) -> Option<BTreeSet<i64>> {
    if p.system {
        return None;
    }
    Some(
        p.scope(Permission::Read)
            .roots()
            .iter()
            .map(province_of)
            .collect(),
    )
}

async fn model_readable(conn: &mut Conn, p: &Principal, id: i64) -> Result<AdvancedModel> {
    let sql = format!("{MODEL_SQL} WHERE a.id = $1");
    let r = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
    let (province, m) = model_row(conn, &r).await?;
    if library_provinces(p).is_some_and(|s| !s.contains(&province)) {
        return Err(StoreError::NotFound);
    }
    Ok(m)
}

fn text_checked(field: &'static str, s: &str, required: bool) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Refusal::invalid(field, "required").into());
    }
    if t.chars().count() > rules::MAX_TEXT {
        return Err(Refusal::invalid(field, "too_long").into());
    }
    Ok(t.to_string())
}

// ---- The store ------------------------------------------------------------------------------

#[async_trait]
impl EmulationStore for Backend {
    async fn award_kinds(&self, _p: &Principal) -> Result<Vec<AwardKind>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        award_kinds_in(&mut conn).await
    }

    async fn award_levels(&self, _p: &Principal) -> Result<Vec<AwardLevel>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        award_levels_in(&mut conn).await
    }

    async fn set_award_levels(
        &self,
        p: &Principal,
        kind: &str,
        levels: Vec<OrgKind>,
    ) -> Result<AwardKind> {
        if !rules::may_edit_award_levels(p) {
            return Err(StoreError::Forbidden);
        }
        let levels = rules::check_levels(&levels).map_err(Refusal::from)?;
        let mut tx = self.begin().await?;
        let before = award_kinds_in(&mut tx)
            .await?
            .into_iter()
            .find(|k| k.code == kind)
            .ok_or_else(|| StoreError::from(Refusal::invalid("award_kind", "bad_choice")))?;
        let kept = |l: &OrgKind| before.levels.contains(l);
        let mut removed =
            QueryBuilder::<Db>::new("DELETE FROM award_kind_levels WHERE award_kind = ");
        removed.push_bind(kind);
        for l in &levels {
            removed.push(" AND org_kind <> ").push_bind(l.as_str());
        }
        removed.build().execute(&mut *tx).await.db()?;
        let basis = format!(
            "Đặt trên trang thẩm quyền khen thưởng ({}, {})",
            p.username,
            domain::validate::format_date(today())
        );
        for l in levels.iter().filter(|l| !kept(l)) {
            sqlx::query(
                "INSERT INTO award_kind_levels (award_kind, org_kind, basis, confirmed) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(kind)
            .bind(l.as_str())
            .bind(&basis)
            .bind(true)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        let names = |ls: &[OrgKind]| ls.iter().map(|l| l.as_str()).collect::<Vec<_>>();
        audit(
            &mut tx,
            p,
            "levels",
            "award_kind",
            0,
            None,
            Some(json!({"code": kind, "levels": names(&before.levels)})),
            Some(json!({"code": kind, "levels": names(&levels)})),
        )
        .await?;
        let after = award_kinds_in(&mut tx)
            .await?
            .into_iter()
            .find(|k| k.code == kind)
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(after)
    }

    async fn launch_movement(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
        draft: MovementDraft,
    ) -> Result<Movement> {
        let mut tx = self.begin().await?;
        let o = org_readable(&mut tx, p, org).await?;
        if !rules::may_manage(p, &o.path) {
            return Err(StoreError::Forbidden);
        }
        require_active(&o)?;
        let input = draft.check().map_err(Refusal::from)?;
        let doc = match doc_readable(&mut tx, p, document).await {
            Ok(d) => d,
            Err(StoreError::NotFound) => {
                return Err(Refusal::invalid("document_id", "bad_choice").into());
            }
            Err(e) => return Err(e),
        };
        let targets = load_targets(&mut tx, doc.id).await?;
        if targets.is_empty() {
            return Err(Refusal::invalid("document_id", "emulation_no_targets").into());
        }
        let province = province_of(&o.path);
        let now = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO emulation_movements (province_id, org_id, document_id, title, content, \
             starts_on, ends_on, pledge_by, state, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10) RETURNING id",
        )
        .bind(province)
        .bind(o.id.0)
        .bind(doc.id.0)
        .bind(&input.title)
        .bind(&input.content)
        .bind(input.starts_on)
        .bind(input.ends_on)
        .bind(input.pledge_by)
        .bind(user_id_of(p))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for (i, t) in targets.iter().enumerate() {
            sqlx::query(
                "INSERT INTO emulation_targets (province_id, movement_id, position, \
                 source_target_id, indicator, unit, target_value, direction) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(province)
            .bind(id)
            .bind(i as i64 + 1)
            .bind(t.id.0)
            .bind(&t.target.indicator)
            .bind(&t.target.unit)
            .bind(t.target.target_value)
            .bind(t.target.direction.as_str())
            .execute(&mut *tx)
            .await
            .db()?;
        }
        audit(
            &mut tx,
            p,
            "launch",
            "emulation_movement",
            id,
            Some(&o.path),
            None,
            Some(json!({
                "title": input.title, "document_id": doc.id.0, "starts_on": input.starts_on.to_string(),
                "ends_on": input.ends_on.to_string(), "pledge_by": input.pledge_by.to_string(),
                "targets": targets.len(),
            })),
        )
        .await?;
        let m = load_movement(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(m)
    }

    async fn movements(&self, p: &Principal, org: OrgId) -> Result<Vec<Movement>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let o = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {MOVEMENT_COLS}{MOVEMENT_FROM} WHERE (o.id IN "
        ));
        push_ids(&mut qb, o.path.ids().into_iter().map(|i| i.0));
        qb.push(" OR (1 = 1");
        push_subtree(&mut qb, "o.path", &o.path);
        qb.push(")) ORDER BY m.created_at DESC, m.id DESC LIMIT 200");
        let rows = qb.build().fetch_all(&mut *conn).await.db()?;
        let mut out = Vec::new();
        for r in &rows {
            let m = movement_row(r)?;
            if rules::may_read_movement(p, &m.org_path) {
                out.push(m);
            }
        }
        Ok(out)
    }

    async fn movement(&self, p: &Principal, id: i64) -> Result<MovementView> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let m = movement_readable(&mut conn, p, id).await?;
        let manage = rules::may_manage(p, &m.org_path);
        let targets = movement_targets(&mut conn, id).await?;
        let all = pledges_of(&mut conn, &m).await?;
        let total = all.len();
        let mut pledges: Vec<Pledge> = all
            .into_iter()
            .filter(|(path, _)| manage || rules::may_read_unit_record(p, path))
            .map(|(_, pl)| pl)
            .collect();
        let hidden = (total - pledges.len()) as u32;
        fill_lines(&mut conn, &m, &targets, &mut pledges).await?;
        let sql = format!("{NOMINATION_SQL} WHERE n.movement_id = $1 ORDER BY n.id");
        let mut nominations = Vec::new();
        for r in sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .db()?
        {
            let (nominator, nominee, n) = nomination_row(&r)?;
            if may_read_nomination(p, &m, &nominator, &nominee) {
                nominations.push(n);
            }
        }
        let decisions = decisions_by(&mut conn, "d.movement_id", id).await?;
        let sql = format!("{AWARD_SQL} WHERE d.movement_id = $1 ORDER BY k.rank DESC, a.id");
        let awards = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| award_row(r).map(|(_, _, a)| a))
            .collect::<Result<Vec<_>>>()?;
        let snapshots = sqlx::query(
            "SELECT period, units, taken_at FROM emulation_snapshots WHERE movement_id = $1 \
             ORDER BY period",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(|r| {
            Ok(Snapshot {
                period: get::<i64>(r, "period")? as i32,
                units: u32_of(r, "units")?,
                taken_at: get(r, "taken_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        // The units the viewer acts for within the movement.
        let mut mine: Vec<OrgId> = Vec::new();
        for g in &p.grants {
            if !rules::acts_for(p, &g.org_path) {
                continue;
            }
            let unit = if m.org_path.covers(&g.org_path) {
                g.org_id
            } else if g.org_path.covers(&m.org_path) {
                m.org_id
            } else {
                continue;
            };
            if !mine.contains(&unit) {
                mine.push(unit);
            }
        }
        let facts = unit_facts(&mut conn, mine.iter().map(|o| o.0)).await?;
        let mut my_units: Vec<(OrgId, String, usize)> = mine
            .into_iter()
            .filter_map(|o| {
                facts
                    .get(&o.0)
                    .map(|f| (o, f.name.clone(), usize::MAX - f.path.depth()))
            })
            .collect();
        my_units.sort_by_key(|u| u.2);
        Ok(MovementView {
            movement: m,
            targets,
            pledges,
            hidden_pledges: hidden,
            nominations,
            decisions,
            awards,
            snapshots,
            may_manage: manage,
            my_units: my_units.into_iter().map(|(o, n, _)| (o, n)).collect(),
        })
    }

    async fn save_pledge(
        &self,
        p: &Principal,
        movement: i64,
        org: OrgId,
        input: PledgeInput,
        today: Date,
    ) -> Result<Pledge> {
        let mut tx = self.begin().await?;
        let m = movement_readable(&mut tx, p, movement).await?;
        let o = org_choice(&mut tx, p, org, "org_id").await?;
        if !rules::acts_for(p, &o.path) {
            return Err(StoreError::Forbidden);
        }
        rules::check_pledge_window(m.state, m.pledge_by, today, &m.org_path, &o.path)?;
        require_active(&o)?;
        let commitments = text_checked("commitments", &input.commitments, true)?;
        let targets = movement_targets(&mut tx, m.id).await?;
        let mut values = BTreeMap::new();
        for (t, v) in &input.values {
            if !targets.iter().any(|x| x.id == *t) {
                return Err(Refusal::invalid("values", "bad_choice").into());
            }
            values.insert(*t, rules::check_pledge_value(*v).map_err(Refusal::from)?);
        }
        let before: Option<(i64, String)> = sqlx::query(
            "SELECT id, commitments FROM emulation_pledges WHERE movement_id = $1 AND org_id = $2",
        )
        .bind(m.id)
        .bind(o.id.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .map(|r| -> Result<(i64, String)> {
            let r = &r;
            Ok((get(r, "id")?, get(r, "commitments")?))
        })
        .transpose()?;
        let now = now();
        let province = province_of(&o.path);
        let (id, before_json) = match before {
            Some((id, old)) => {
                let old_values: Vec<(i64, f64)> = sqlx::query(
                    "SELECT target_id, value FROM emulation_pledge_values WHERE pledge_id = $1 \
                     ORDER BY target_id",
                )
                .bind(id)
                .fetch_all(&mut *tx)
                .await
                .db()?
                .iter()
                .map(|r| Ok((get(r, "target_id")?, get(r, "value")?)))
                .collect::<Result<_>>()?;
                sqlx::query(
                    "UPDATE emulation_pledges SET commitments = $1, updated_at = $2 WHERE id = $3",
                )
                .bind(&commitments)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .db()?;
                sqlx::query("DELETE FROM emulation_pledge_values WHERE pledge_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                (id, Some(json!({"commitments": old, "values": old_values})))
            }
            None => {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO emulation_pledges (province_id, movement_id, org_id, commitments, \
                     registered_by, registered_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
                )
                .bind(province)
                .bind(m.id)
                .bind(o.id.0)
                .bind(&commitments)
                .bind(user_id_of(p))
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .db()?;
                (id, None)
            }
        };
        for (t, v) in &values {
            sqlx::query(
                "INSERT INTO emulation_pledge_values (pledge_id, target_id, province_id, value) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id)
            .bind(*t)
            .bind(province)
            .bind(*v)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        audit(
            &mut tx,
            p,
            if before_json.is_some() {
                "update"
            } else {
                "register"
            },
            "emulation_pledge",
            id,
            Some(&o.path),
            before_json,
            Some(json!({
                "movement_id": m.id, "org_id": o.id.0, "commitments": commitments,
                "values": values.iter().collect::<Vec<_>>(),
            })),
        )
        .await?;
        let mut pledges: Vec<Pledge> = pledges_of(&mut tx, &m)
            .await?
            .into_iter()
            .map(|(_, pl)| pl)
            .filter(|pl| pl.id == id)
            .collect();
        fill_lines(&mut tx, &m, &targets, &mut pledges).await?;
        tx.commit().await.db()?;
        pledges.pop().ok_or(StoreError::NotFound)
    }

    async fn close_movement(&self, p: &Principal, movement: i64) -> Result<Movement> {
        let mut tx = self.begin().await?;
        let m = movement_managed(&mut tx, p, movement).await?;
        if m.state != MovementState::Open {
            return Err(StoreError::Conflict("emulation_closed"));
        }
        sqlx::query(
            "UPDATE emulation_movements SET state = 'closed', closed_at = $1 WHERE id = $2",
        )
        .bind(now())
        .bind(m.id)
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "close",
            "emulation_movement",
            m.id,
            Some(&m.org_path),
            Some(json!({"state": "open"})),
            Some(json!({"state": "closed"})),
        )
        .await?;
        let m = load_movement(&mut tx, m.id).await?;
        tx.commit().await.db()?;
        Ok(m)
    }

    async fn take_snapshot(&self, p: &Principal, movement: i64, period: i32) -> Result<u32> {
        let mut tx = self.begin().await?;
        let m = movement_managed(&mut tx, p, movement).await?;
        let (first, last) = (
            models::quarter_of(m.starts_on),
            models::quarter_of(m.ends_on.max(m.starts_on)),
        );
        // A quarter of the movement's span that has begun (not one in the future).
        if period < first || period > last || period > models::quarter_of(today()) {
            return Err(Refusal::invalid("period", "emulation_period").into());
        }
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM emulation_snapshots WHERE movement_id = $1 AND period = $2",
        )
        .bind(m.id)
        .bind(period as i64)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if taken > 0 {
            return Err(StoreError::Conflict("emulation_period_taken"));
        }
        let targets = movement_targets(&mut tx, m.id).await?;
        let mut metrics: Vec<(i64, BTreeMap<i64, f64>)> = Vec::new();
        for t in &targets {
            metrics.push((
                t.id,
                record_values(&mut tx, t.source_target_id.0, &m.org_path).await?,
            ));
        }
        let root = root_document_of(&mut tx, m.document_id).await?;
        metrics.push((0, pace_values(&mut tx, root, &m.org_path).await?));
        let units: BTreeSet<i64> = metrics
            .iter()
            .flat_map(|(_, v)| v.keys().copied())
            .collect();
        let facts = unit_facts(&mut tx, units.iter().copied()).await?;
        let province = province_of(&m.org_path);
        for (metric, values) in &metrics {
            for (org, v) in values {
                let Some(f) = facts.get(org) else { continue };
                sqlx::query(
                    "INSERT INTO emulation_results (movement_id, metric, period, org_id, \
                     province_id, kind, members, value) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(m.id)
                .bind(*metric)
                .bind(period as i64)
                .bind(*org)
                .bind(province)
                .bind(f.kind.as_str())
                .bind(f.members)
                .bind(*v)
                .execute(&mut *tx)
                .await
                .db()?;
            }
        }
        sqlx::query(
            "INSERT INTO emulation_snapshots (movement_id, period, province_id, units, taken_by, \
             taken_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(m.id)
        .bind(period as i64)
        .bind(province)
        .bind(units.len() as i64)
        .bind(user_id_of(p))
        .bind(now())
        .execute(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "snapshot",
            "emulation_movement",
            m.id,
            Some(&m.org_path),
            None,
            Some(json!({"period": period, "units": units.len()})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(units.len() as u32)
    }

    async fn nomination_movement(&self, p: &Principal, nomination: i64) -> Result<i64> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let (nominator, nominee, n) = load_nomination(&mut conn, nomination).await?;
        let m = movement_readable(&mut conn, p, n.movement_id).await?;
        if !may_read_nomination(p, &m, &nominator, &nominee) {
            return Err(StoreError::NotFound);
        }
        Ok(m.id)
    }

    async fn nominate(
        &self,
        p: &Principal,
        movement: i64,
        new: NewNomination,
    ) -> Result<Nomination> {
        let mut tx = self.begin().await?;
        let m = movement_readable(&mut tx, p, movement).await?;
        let nominator = org_choice(&mut tx, p, new.nominator_org_id, "nominator_org_id").await?;
        if !rules::acts_for(p, &nominator.path) {
            return Err(StoreError::Forbidden);
        }
        let kinds = award_kinds_in(&mut tx).await?;
        let kind = kinds
            .iter()
            .find(|k| k.code == new.award_kind)
            .ok_or_else(|| StoreError::from(Refusal::invalid("award_kind", "bad_choice")))?;
        // The nominee: a member (their cell), or a unit.
        let (nominee, member) = match (new.member_id, new.org_id) {
            (Some(mid), _) => {
                let mem = member_by_id(&mut tx, mid)
                    .await?
                    .filter(|x| nominator.path.covers(&x.cell_path))
                    .ok_or_else(|| StoreError::from(Refusal::invalid("member_id", "bad_choice")))?;
                kind.check_recipient(Recipient::Individual)
                    .map_err(Refusal::from)?;
                let cell = org_by_id(&mut tx, mem.cell_id)
                    .await?
                    .ok_or(StoreError::NotFound)?;
                (cell, Some(mem))
            }
            (None, Some(oid)) => {
                let o = org_by_id(&mut tx, oid)
                    .await?
                    .filter(|o| p.can(Permission::Read, &o.path) || p.system)
                    .ok_or_else(|| StoreError::from(Refusal::invalid("org_id", "bad_choice")))?;
                kind.check_recipient(Recipient::Collective)
                    .map_err(Refusal::from)?;
                (o, None)
            }
            (None, None) => return Err(Refusal::invalid("org_id", "required").into()),
        };
        rules::check_nomination(m.state, &m.org_path, &nominator.path, &nominee.path)?;
        // The movement's unit decides: its level must give the kind.
        kind.check_level(m.org_kind).map_err(Refusal::from)?;
        let achievements = text_checked("achievements", &new.achievements, true)?;
        let level = new
            .proposed_level
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.chars().take(200).collect::<String>());
        // One open nomination per nominee and kind in a movement.
        let dup: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM emulation_nominations WHERE movement_id = $1 AND org_id = $2 \
             AND COALESCE(member_id, 0) = $3 AND award_kind = $4 AND state <> 'rejected'",
        )
        .bind(m.id)
        .bind(nominee.id.0)
        .bind(member.as_ref().map_or(0, |x| x.id.0))
        .bind(&kind.code)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if dup > 0 {
            return Err(StoreError::Conflict("emulation_nomination_exists"));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO emulation_nominations (province_id, movement_id, nominator_org_id, org_id, \
             member_id, award_kind, achievements, proposed_level, state, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'proposed', $9, $10) RETURNING id",
        )
        .bind(province_of(&m.org_path))
        .bind(m.id)
        .bind(nominator.id.0)
        .bind(nominee.id.0)
        .bind(member.as_ref().map(|x| x.id.0))
        .bind(&kind.code)
        .bind(&achievements)
        .bind(&level)
        .bind(user_id_of(p))
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "nominate",
            "emulation_nomination",
            id,
            Some(&nominee.path),
            None,
            Some(json!({
                "movement_id": m.id, "nominator_org_id": nominator.id.0, "org_id": nominee.id.0,
                "member_id": member.as_ref().map(|x| x.id.0), "award_kind": kind.code,
                "achievements": achievements, "proposed_level": level,
            })),
        )
        .await?;
        let (_, _, n) = load_nomination(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(n)
    }

    async fn record_vote(
        &self,
        p: &Principal,
        nomination: i64,
        input: VoteInput,
    ) -> Result<Nomination> {
        let mut tx = self.begin().await?;
        let (nominator, nominee, n) = load_nomination(&mut tx, nomination).await?;
        let m = movement_readable(&mut tx, p, n.movement_id).await?;
        if !may_read_nomination(p, &m, &nominator, &nominee) {
            return Err(StoreError::NotFound);
        }
        if !rules::may_manage(p, &m.org_path) {
            return Err(StoreError::Forbidden);
        }
        if n.state != NominationState::Proposed {
            return Err(StoreError::Conflict("emulation_already_voted"));
        }
        let mut e = domain::Invalid::default();
        let vote = e.take(input.vote.check());
        let rule = e.take(input.rule.check());
        if input.met_on.is_none() {
            e.push("met_on", "required");
        }
        if !e.is_empty() {
            return Err(Refusal::Invalid(e).into());
        }
        let (vote, rule, met_on) = (
            vote.expect("checked"),
            rule.expect("checked"),
            input.met_on.expect("checked"),
        );
        let tally = vote.tally(rule);
        sqlx::query(
            "INSERT INTO emulation_votes (nomination_id, province_id, met_on, members, for_votes, \
             against, abstain, pass_numerator, pass_denominator, quorum_percent, passed, \
             recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(n.id)
        .bind(province_of(&m.org_path))
        .bind(met_on)
        .bind(vote.members as i64)
        .bind(vote.for_votes as i64)
        .bind(vote.against as i64)
        .bind(vote.abstain as i64)
        .bind(rule.numerator as i64)
        .bind(rule.denominator as i64)
        .bind(rule.quorum_percent as i64)
        .bind(tally.passed)
        .bind(user_id_of(p))
        .bind(now())
        .execute(&mut *tx)
        .await
        .db()?;
        let state = if tally.passed {
            NominationState::Passed
        } else {
            NominationState::Rejected
        };
        sqlx::query("UPDATE emulation_nominations SET state = $1 WHERE id = $2")
            .bind(state.as_str())
            .bind(n.id)
            .execute(&mut *tx)
            .await
            .db()?;
        audit(
            &mut tx,
            p,
            "vote",
            "emulation_nomination",
            n.id,
            Some(&nominee),
            Some(json!({"state": "proposed"})),
            Some(json!({
                "state": state.as_str(), "met_on": met_on.to_string(), "members": vote.members,
                "for": vote.for_votes, "against": vote.against, "abstain": vote.abstain,
                "rule": rule, "needed": tally.needed, "quorum": tally.quorum,
            })),
        )
        .await?;
        let (_, _, n) = load_nomination(&mut tx, n.id).await?;
        tx.commit().await.db()?;
        Ok(n)
    }

    async fn issue_decision(
        &self,
        p: &Principal,
        movement: i64,
        draft: DecisionDraft,
        nominations: Vec<(i64, String)>,
    ) -> Result<Decision> {
        let mut tx = self.begin().await?;
        let m = movement_managed(&mut tx, p, movement).await?;
        let input = draft.check().map_err(Refusal::from)?;
        let number = input.number.to_string();
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM emulation_decisions WHERE org_id = $1 AND number = $2",
        )
        .bind(m.org_id.0)
        .bind(&number)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if taken > 0 {
            return Err(StoreError::Conflict("emulation_number_taken"));
        }
        let mut loaded = Vec::new();
        let mut seen = BTreeSet::new();
        for (id, citation) in &nominations {
            if !seen.insert(*id) {
                return Err(Refusal::invalid("nominations", "bad_choice").into());
            }
            let (_, path, n) = match load_nomination(&mut tx, *id).await {
                Ok(x) if x.2.movement_id == m.id => x,
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(Refusal::invalid("nominations", "bad_choice").into());
                }
                Err(e) => return Err(e),
            };
            let citation = text_checked("citation", citation, false)?;
            loaded.push((path, n, citation));
        }
        let states: Vec<NominationState> = loaded.iter().map(|(_, n, _)| n.state).collect();
        rules::check_decision_nominations(&states)?;
        // The limits may have changed since the nominations: each kind is checked again.
        let level = m.org_kind;
        let kinds = award_kinds_in(&mut tx).await?;
        for (_, n, _) in &loaded {
            if kinds
                .iter()
                .any(|k| k.code == n.award_kind && !k.given_by(level))
            {
                return Err(Refusal::invalid("nominations", "award_kind_level").into());
            }
        }
        let province = province_of(&m.org_path);
        let now = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO emulation_decisions (province_id, movement_id, org_id, number, signed_on, \
             signer_name, signer_title, summary, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(province)
        .bind(m.id)
        .bind(m.org_id.0)
        .bind(&number)
        .bind(input.signed_on)
        .bind(&input.signer_name)
        .bind(&input.signer_title)
        .bind(&input.summary)
        .bind(user_id_of(p))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        for (path, n, citation) in &loaded {
            let citation = if citation.is_empty() {
                n.achievements.clone()
            } else {
                citation.clone()
            };
            let aid: i64 = sqlx::query_scalar(
                "INSERT INTO emulation_awards (province_id, decision_id, nomination_id, org_id, \
                 member_id, award_kind, citation, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(province)
            .bind(id)
            .bind(n.id)
            .bind(n.org_id.0)
            .bind(n.member_id.map(|x| x.0))
            .bind(&n.award_kind)
            .bind(&citation)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            sqlx::query("UPDATE emulation_nominations SET state = 'awarded' WHERE id = $1")
                .bind(n.id)
                .execute(&mut *tx)
                .await
                .db()?;
            audit(
                &mut tx,
                p,
                "award",
                "emulation_nomination",
                n.id,
                Some(path),
                Some(json!({"state": "passed"})),
                Some(
                    json!({"state": "awarded", "award_id": aid, "decision_id": id,
                            "award_kind": n.award_kind, "citation": citation}),
                ),
            )
            .await?;
        }
        audit(
            &mut tx,
            p,
            "issue",
            "emulation_decision",
            id,
            Some(&m.org_path),
            None,
            Some(json!({
                "movement_id": m.id, "number": number, "signed_on": input.signed_on.to_string(),
                "signer_name": input.signer_name, "signer_title": input.signer_title,
                "nominations": loaded.iter().map(|(_, n, _)| n.id).collect::<Vec<_>>(),
            })),
        )
        .await?;
        let d = decisions_by(&mut tx, "d.id", id)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        tx.commit().await.db()?;
        Ok(d)
    }

    async fn award(&self, p: &Principal, id: i64) -> Result<Award> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let sql = format!("{AWARD_SQL} WHERE a.id = $1");
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let (launcher, unit, a) = award_row(&r)?;
        if rules::may_read_movement(p, &launcher) || rules::may_read_unit_record(p, &unit) {
            Ok(a)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn unit_awards(&self, p: &Principal, org: OrgId) -> Result<Vec<Award>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let o = org_readable(&mut conn, p, org).await?;
        let mut qb = QueryBuilder::<Db>::new(format!("{AWARD_SQL} WHERE 1 = 1"));
        push_subtree(&mut qb, "o.path", &o.path);
        qb.push(" ORDER BY d.signed_on DESC, d.id DESC, k.rank DESC, a.id LIMIT 1000");
        qb.build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| award_row(r).map(|(_, _, a)| a))
            .collect()
    }

    async fn model_candidates(
        &self,
        p: &Principal,
        movement: i64,
        metric: i64,
        settings: Settings,
    ) -> Result<ModelSearch> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let m = movement_managed(&mut conn, p, movement).await?;
        search_models(&mut conn, &m, metric, settings).await
    }

    async fn confirm_model(
        &self,
        p: &Principal,
        new: NewModel,
        settings: Settings,
    ) -> Result<AdvancedModel> {
        let mut tx = self.begin().await?;
        let m = movement_managed(&mut tx, p, new.movement_id).await?;
        let mut e = domain::Invalid::default();
        let title = new.title.trim().to_string();
        if title.is_empty() {
            e.push("title", "required");
        } else if title.chars().count() > rules::MAX_TITLE {
            e.push("title", "too_long");
        }
        let practice = new.practice.trim().to_string();
        if practice.is_empty() {
            e.push("practice", "required");
        } else if practice.chars().count() > rules::MAX_TEXT {
            e.push("practice", "too_long");
        }
        if !e.is_empty() {
            return Err(Refusal::Invalid(e).into());
        }
        let search = search_models(&mut tx, &m, new.metric, settings).await?;
        let cand = search
            .assessment
            .candidates
            .iter()
            .find(|c| c.unit == new.org_id.0)
            .ok_or(StoreError::Conflict("model_not_candidate"))?;
        if search.confirmed.contains(&new.org_id) {
            return Err(StoreError::Conflict("model_exists"));
        }
        let unit = org_by_id(&mut tx, new.org_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let evidence = json!({"candidate": cand, "settings": search.assessment.settings});
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO advanced_models (province_id, org_id, movement_id, metric, title, \
             practice, evidence, confirmed_by, confirmed_org_id, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(province_of(&unit.path))
        .bind(unit.id.0)
        .bind(m.id)
        .bind(new.metric)
        .bind(&title)
        .bind(&practice)
        .bind(evidence.to_string())
        .bind(user_id_of(p))
        .bind(m.org_id.0)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "confirm",
            "advanced_model",
            id,
            Some(&unit.path),
            None,
            Some(
                json!({"movement_id": m.id, "metric": new.metric, "title": title,
                        "practice": practice, "evidence": evidence}),
            ),
        )
        .await?;
        let out = model_readable(&mut tx, &Principal::system(), id).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn models(&self, p: &Principal) -> Result<Vec<AdvancedModel>> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let mut qb = QueryBuilder::<Db>::new(format!("{MODEL_SQL} WHERE 1 = 1"));
        if let Some(provinces) = library_provinces(p) {
            qb.push(" AND a.province_id IN ");
            push_ids(&mut qb, provinces);
        }
        qb.push(" ORDER BY a.confirmed_at DESC, a.id DESC LIMIT 500");
        let rows = qb.build().fetch_all(&mut *conn).await.db()?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(model_row(&mut conn, r).await?.1);
        }
        Ok(out)
    }

    async fn model(&self, p: &Principal, id: i64) -> Result<ModelView> {
        let mut conn = self.read_pool().acquire().await.db()?;
        let model = model_readable(&mut conn, p, id).await?;
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT l.id, l.task_id, t.content, l.org_id, o.name, l.linked_at \
             FROM advanced_model_links l JOIN tasks t ON t.id = l.task_id \
             JOIN organizations o ON o.id = l.org_id WHERE l.model_id = ",
        );
        qb.push_bind(id);
        push_scope(&mut qb, "o.path", p, Permission::Read);
        qb.push(" ORDER BY l.id");
        let links = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .db()?
            .iter()
            .map(|r| {
                Ok(ModelLink {
                    id: get(r, "id")?,
                    task_id: TaskId(get(r, "task_id")?),
                    task_content: get(r, "content")?,
                    org_id: OrgId(get(r, "org_id")?),
                    org_name: get(r, "name")?,
                    linked_at: get(r, "linked_at")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ModelView { model, links })
    }

    async fn link_model_task(&self, p: &Principal, model: i64, task: TaskId) -> Result<ModelLink> {
        let mut tx = self.begin().await?;
        model_readable(&mut tx, p, model).await?;
        let r = sqlx::query(
            "SELECT t.org_id, o.path, o.name, t.content, p.state FROM tasks t \
             JOIN programs p ON p.id = t.program_id JOIN organizations o ON o.id = t.org_id \
             WHERE t.id = $1",
        )
        .bind(task.0)
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .ok_or_else(|| StoreError::from(Refusal::invalid("task_id", "model_task_unknown")))?;
        let path = path_of(get(&r, "path")?)?;
        // A task the linker cannot read is answered as one that does not exist (no name
        // leaks); one they read but whose unit they do not act for is named as such.
        if !(p.system || p.can(Permission::Read, &path)) {
            return Err(Refusal::invalid("task_id", "model_task_unknown").into());
        }
        if !rules::acts_for(p, &path) {
            return Err(Refusal::invalid("task_id", "model_task_not_yours").into());
        }
        let org_id = OrgId(get(&r, "org_id")?);
        let dup: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM advanced_model_links WHERE model_id = $1 AND task_id = $2",
        )
        .bind(model)
        .bind(task.0)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        if dup > 0 {
            return Err(StoreError::Conflict("model_link_exists"));
        }
        let now = now();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO advanced_model_links (province_id, model_id, task_id, org_id, linked_by, \
             linked_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(province_of(&path))
        .bind(model)
        .bind(task.0)
        .bind(org_id.0)
        .bind(user_id_of(p))
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .db()?;
        audit(
            &mut tx,
            p,
            "link",
            "advanced_model_link",
            id,
            Some(&path),
            None,
            Some(json!({"model_id": model, "task_id": task.0})),
        )
        .await?;
        tx.commit().await.db()?;
        Ok(ModelLink {
            id,
            task_id: task,
            task_content: get(&r, "content")?,
            org_id,
            org_name: get(&r, "name")?,
            linked_at: now,
        })
    }
}
