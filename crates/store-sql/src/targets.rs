//! Targets that add up ([`store::TargetStore`], issue 13 item 4): a program's own targets
//! linked to the upper targets they serve, and the roll-up kept on write.
//!
//! Each target's `current_value` is the roll-up (`domain::target_rollup::roll_up`, by the
//! target's `rollup_rule`) of one contribution per unit: the current value of the unit's
//! own target linked to it (a target of the unit's issued program), else the latest value
//! the unit reported through a task linked to it (`target_values`). Closed units do not
//! count. Every write that changes a contribution calls [`refresh_chain`] or
//! [`refresh_for_orgs`], which recompute the changed targets and every target above them,
//! lowest first, in the caller's transaction; [`recount_targets_tx`] recomputes them all.

use crate::dialect::{Backend, Conn, Db, DbRow};
use crate::sql::documents::{TARGET_COLS, may_read_doc, target_row};
use crate::sql::programs::{program_for_write, program_readable};
use crate::sql::util::*;
use async_trait::async_trait;
use domain::target_rollup::{self, Contribution};
use domain::{DocumentId, OrgId, OrgPath, Permission, Principal, ProgramId, Target, TargetId};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use std::collections::{HashMap, HashSet};
use store::*;
use time::Date;

/// At most this many links are followed up a chain (a guard; real chains have four).
const MAX_CHAIN: usize = 16;

/// `TARGET_COLS` with the `t.` prefix, for joins.
fn t_cols() -> String {
    TARGET_COLS
        .split(',')
        .map(|c| format!("t.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A target's place in the tree: its unit, the depth of that unit, whether it is a
/// program's, and the target it serves.
struct Node {
    id: i64,
    target: Target,
    owner: i64,
    depth: i64,
    is_program: bool,
    upper: Option<i64>,
}

const NODE_FROM: &str = " FROM document_targets t \
     LEFT JOIN documents d ON d.id = t.document_id \
     LEFT JOIN programs pr ON pr.id = t.program_id \
     JOIN organizations o ON o.id = COALESCE(d.issuer_org_id, pr.org_id)";

fn node_row(r: &DbRow) -> Result<Node> {
    let rec = target_row(r)?;
    Ok(Node {
        id: rec.id.0,
        target: rec.target,
        owner: r.try_get("owner_org").db()?,
        depth: r.try_get("owner_depth").db()?,
        is_program: r.try_get::<Option<i64>, _>("program_id").db()?.is_some(),
        upper: rec.upper_target_id.map(|x| x.0),
    })
}

fn node_sql(filter: &str) -> String {
    format!(
        "SELECT {}, t.program_id, o.id AS owner_org, CAST(o.depth AS BIGINT) AS owner_depth{NODE_FROM} {filter}",
        t_cols()
    )
}

async fn node(conn: &mut Conn, id: i64) -> Result<Option<Node>> {
    sqlx::query(sqlx::AssertSqlSafe(node_sql("WHERE t.id = $1")))
        .bind(id)
        .fetch_optional(conn)
        .await
        .db()?
        .as_ref()
        .map(node_row)
        .transpose()
}

/// One unit's contribution as stored, with what the target page shows of it.
struct Gathered {
    c: Contribution,
    name: String,
    path: OrgPath,
    source: ContributionSource,
    goal: Option<f64>,
    on: Option<Date>,
}

/// The lower targets linked to a target (of issued programs of open units), with or
/// without a value.
async fn lower_targets(conn: &mut Conn, id: i64) -> Result<Vec<(Gathered, bool)>> {
    let sql = format!(
        "SELECT {}, o.id AS org_id, o.name AS org_name, o.path AS org_path, \
         o.subtree_member_count FROM document_targets t \
         JOIN programs pr ON pr.id = t.program_id JOIN organizations o ON o.id = pr.org_id \
         WHERE t.upper_target_id = $1 AND pr.state = 'issued' AND o.valid_to IS NULL \
         ORDER BY o.path, t.position",
        t_cols()
    );
    let mut out = Vec::new();
    for r in sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .db()?
    {
        let rec = target_row(&r)?;
        let value = rec.current_value;
        let g = Gathered {
            c: Contribution {
                org: OrgId(r.try_get("org_id").db()?),
                value: value.unwrap_or(f64::NAN),
                weight: u64::try_from(r.try_get::<i64, _>("subtree_member_count").db()?)
                    .unwrap_or(0),
                reached: value.is_some_and(|v| target_rollup::reached(&rec.target, v)),
            },
            name: r.try_get("org_name").db()?,
            path: path_of(r.try_get("org_path").db()?)?,
            source: ContributionSource::LowerTarget { id: rec.id },
            goal: Some(rec.target.target_value),
            on: rec.current_on,
        };
        out.push((g, value.is_some()));
    }
    Ok(out)
}

/// The values units reported directly for a target (open units).
async fn direct_values(conn: &mut Conn, n: &Node) -> Result<Vec<Gathered>> {
    let rows = sqlx::query(
        "SELECT tv.org_id, tv.value, tv.reported_on, o.name, o.path, o.member_count, \
         o.subtree_member_count FROM target_values tv JOIN organizations o ON o.id = tv.org_id \
         WHERE tv.target_id = $1 AND o.valid_to IS NULL ORDER BY o.path",
    )
    .bind(n.id)
    .fetch_all(&mut *conn)
    .await
    .db()?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let org: i64 = r.try_get("org_id").db()?;
        let value: f64 = r.try_get("value").db()?;
        // The target's own unit stands for its own members; a unit below for its subtree.
        let weight = if org == n.owner {
            r.try_get::<i64, _>("member_count").db()?
        } else {
            r.try_get::<i64, _>("subtree_member_count").db()?
        };
        out.push(Gathered {
            c: Contribution {
                org: OrgId(org),
                value,
                weight: u64::try_from(weight).unwrap_or(0),
                reached: target_rollup::reached(&n.target, value),
            },
            name: r.try_get("name").db()?,
            path: path_of(r.try_get("path").db()?)?,
            source: ContributionSource::Reported,
            goal: None,
            on: r.try_get("reported_on").db()?,
        });
    }
    Ok(out)
}

/// The contributions counted in a target, one per unit, with their display facts; and the
/// lower targets that have no value yet (their units).
async fn gather(conn: &mut Conn, n: &Node) -> Result<(Vec<Gathered>, Vec<(OrgId, String)>)> {
    let lower = lower_targets(conn, n.id).await?;
    let direct = direct_values(conn, n).await?;
    let lower_c: Vec<Contribution> = lower
        .iter()
        .filter(|(_, has)| *has)
        .map(|(g, _)| g.c)
        .collect();
    let direct_c: Vec<Contribution> = direct.iter().map(|g| g.c).collect();
    let counted = target_rollup::contributions(&lower_c, &direct_c);
    let mut waiting = Vec::new();
    let mut pool: Vec<Gathered> = Vec::new();
    for (g, has) in lower {
        if has {
            pool.push(g);
        } else {
            waiting.push((g.c.org, g.name));
        }
    }
    pool.extend(direct);
    // Keep, for each counted contribution, the gathered row it came from.
    let mut out = Vec::with_capacity(counted.len());
    for c in counted {
        if let Some(i) = pool.iter().position(|g| g.c == c) {
            out.push(pool.swap_remove(i));
        }
    }
    out.sort_by(|a, b| a.path.as_str().cmp(b.path.as_str()));
    waiting.retain(|(org, _)| !out.iter().any(|g| g.c.org == *org));
    Ok((out, waiting))
}

/// Recomputes one target from its contributions; whether its stored value changed.
async fn recompute(conn: &mut Conn, n: &Node) -> Result<bool> {
    let (got, _) = gather(conn, n).await?;
    let values: Vec<Contribution> = got.iter().map(|g| g.c).collect();
    let value = target_rollup::roll_up(n.target.rule, &values);
    let on = got.iter().filter_map(|g| g.on).max();
    let contributors = values.len() as i64;
    let n_changed = sqlx::query(
        "UPDATE document_targets SET current_value = $1, current_on = $2, contributors = $3 \
         WHERE id = $4 AND NOT (current_value IS NOT DISTINCT FROM $1 \
           AND current_on IS NOT DISTINCT FROM $2 AND contributors = $3)",
    )
    .bind(value)
    .bind(on)
    .bind(contributors)
    .bind(n.id)
    .execute(&mut *conn)
    .await
    .db()?
    .rows_affected();
    Ok(n_changed > 0)
}

/// Recomputes the targets `starts` and every target above them, lowest first: a unit's
/// targets before its ancestors', a program's before a document's of the same unit.
pub(crate) async fn refresh_many(conn: &mut Conn, starts: &[i64]) -> Result<u64> {
    let mut seen: HashSet<i64> = HashSet::new();
    let mut nodes: Vec<Node> = Vec::new();
    for &s in starts {
        let mut cur = Some(s);
        let mut steps = 0;
        while let Some(id) = cur {
            if !seen.insert(id) || steps >= MAX_CHAIN {
                break;
            }
            steps += 1;
            match node(conn, id).await? {
                Some(n) => {
                    cur = n.upper;
                    nodes.push(n);
                }
                None => break,
            }
        }
    }
    nodes.sort_by_key(|n| (std::cmp::Reverse(n.depth), !n.is_program, n.id));
    let mut changed = 0;
    for n in &nodes {
        changed += u64::from(recompute(conn, n).await?);
    }
    Ok(changed)
}

/// Recomputes a target and every target above it.
pub(crate) async fn refresh_chain(conn: &mut Conn, id: TargetId) -> Result<()> {
    refresh_many(conn, &[id.0]).await.map(|_| ())
}

/// After the counters or the state of units changed (a transfer, a move, a merge, a split,
/// a closure): recomputes the targets those units contribute to, and those above.
pub(crate) async fn refresh_for_orgs(conn: &mut Conn, orgs: &[i64]) -> Result<()> {
    if orgs.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT target_id FROM target_values WHERE org_id IN ");
    push_ids(&mut qb, orgs.iter().copied());
    qb.push(
        " UNION SELECT t.upper_target_id FROM document_targets t \
         JOIN programs pr ON pr.id = t.program_id \
         WHERE t.upper_target_id IS NOT NULL AND pr.org_id IN ",
    );
    push_ids(&mut qb, orgs.iter().copied());
    let ids: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await.db()?;
    refresh_many(conn, &ids).await.map(|_| ())
}

/// Keeps an accepted value a unit reported for a target (the later report wins; an
/// older one accepted late does not replace it) and refreshes the chain. The value is
/// checked against the target's unit (`target::check_value`) before it is kept.
pub(crate) async fn record_value(
    conn: &mut Conn,
    target: TargetId,
    org: OrgId,
    province: i64,
    value: f64,
    on: Date,
    update: i64,
) -> Result<()> {
    let n = node(conn, target.0).await?.ok_or(StoreError::NotFound)?;
    domain::target::check_value("indicator_value", &n.target.unit, value)?;
    sqlx::query(
        "INSERT INTO target_values (target_id, org_id, province_id, value, reported_on, \
         progress_update_id) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (target_id, org_id) DO UPDATE SET value = excluded.value, \
         reported_on = excluded.reported_on, progress_update_id = excluded.progress_update_id \
         WHERE target_values.reported_on <= excluded.reported_on",
    )
    .bind(target.0)
    .bind(org.0)
    .bind(province)
    .bind(value)
    .bind(on)
    .bind(update)
    .execute(&mut *conn)
    .await
    .db()?;
    refresh_chain(conn, target).await
}

/// The unit of measure of a target, to check a value posted for it.
pub(crate) async fn target_unit(conn: &mut Conn, target: TargetId) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT unit FROM document_targets WHERE id = $1")
        .bind(target.0)
        .fetch_optional(conn)
        .await
        .db()
}

pub(crate) async fn load_program_targets(
    conn: &mut Conn,
    program: ProgramId,
) -> Result<Vec<TargetRecord>> {
    let sql = format!(
        "SELECT {TARGET_COLS} FROM document_targets WHERE program_id = $1 ORDER BY position"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(program.0)
        .fetch_all(conn)
        .await
        .db()?
        .iter()
        .map(target_row)
        .collect()
}

/// Copies a program's targets to its new draft (a revision): same links, the values the
/// unit reported for them kept. Returns the map from old target ids to new ones, for the
/// copied tasks' links.
pub(crate) async fn copy_targets(
    conn: &mut Conn,
    from: ProgramId,
    to: ProgramId,
    province: i64,
) -> Result<HashMap<i64, i64>> {
    let mut map = HashMap::new();
    for t in load_program_targets(conn, from).await? {
        let id = insert_target(
            conn,
            to,
            province,
            t.position as usize,
            &t.target,
            t.upper_target_id,
        )
        .await?;
        sqlx::query(
            "INSERT INTO target_values (target_id, org_id, province_id, value, reported_on, \
             progress_update_id) SELECT $1, org_id, province_id, value, reported_on, \
             progress_update_id FROM target_values WHERE target_id = $2",
        )
        .bind(id)
        .bind(t.id.0)
        .execute(&mut *conn)
        .await
        .db()?;
        map.insert(t.id.0, id);
    }
    let ids: Vec<i64> = map.values().copied().collect();
    refresh_many(conn, &ids).await?;
    Ok(map)
}

async fn insert_target(
    conn: &mut Conn,
    program: ProgramId,
    province: i64,
    position: usize,
    t: &Target,
    upper: Option<TargetId>,
) -> Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO document_targets (province_id, program_id, upper_target_id, position, \
         indicator, baseline, target_value, unit, deadline, direction, rollup_rule) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(province)
    .bind(program.0)
    .bind(upper.map(|x| x.0))
    .bind(position as i64)
    .bind(&t.indicator)
    .bind(t.baseline)
    .bind(t.target_value)
    .bind(&t.unit)
    .bind(t.deadline)
    .bind(t.direction.as_str())
    .bind(t.rule.as_str())
    .fetch_one(conn)
    .await
    .db()
}

/// After a program is issued (and its previous version superseded): the targets both
/// versions serve are recomputed, so the new version's targets count and the old ones
/// stop.
pub(crate) async fn refresh_programs(conn: &mut Conn, programs: &[i64]) -> Result<()> {
    if programs.is_empty() {
        return Ok(());
    }
    let mut qb = QueryBuilder::<Db>::new("SELECT id FROM document_targets WHERE program_id IN ");
    push_ids(&mut qb, programs.iter().copied());
    let ids: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await.db()?;
    refresh_many(conn, &ids).await.map(|_| ())
}

/// Rebuilds every target's roll-up, lowest first.
pub(crate) async fn recount_targets_tx(conn: &mut Conn) -> Result<TargetRecount> {
    let mut nodes = sqlx::query(sqlx::AssertSqlSafe(node_sql("")))
        .fetch_all(&mut *conn)
        .await
        .db()?
        .iter()
        .map(node_row)
        .collect::<Result<Vec<_>>>()?;
    nodes.sort_by_key(|n| (std::cmp::Reverse(n.depth), !n.is_program, n.id));
    let mut report = TargetRecount::default();
    for n in &nodes {
        report.targets += 1;
        report.changed += u64::from(recompute(conn, n).await?);
    }
    Ok(report)
}

// ---- Choices of upper targets ----------------------------------------------------------

fn choice_row(r: &DbRow) -> Result<UpperTargetChoice> {
    let owner = match r.try_get::<Option<i64>, _>("program_id").db()? {
        Some(pid) => TargetOwner::Program {
            id: ProgramId(pid),
            title: r.try_get("owner_title").db()?,
            symbol: r.try_get("owner_symbol").db()?,
        },
        None => TargetOwner::Document {
            id: DocumentId(
                r.try_get::<Option<i64>, _>("document_id")
                    .db()?
                    .unwrap_or(0),
            ),
            symbol: r
                .try_get::<Option<String>, _>("owner_symbol")
                .db()?
                .unwrap_or_default(),
        },
    };
    Ok(UpperTargetChoice {
        record: target_row(r)?,
        owner,
        org_id: OrgId(r.try_get("owner_org").db()?),
        org_name: r.try_get("owner_name").db()?,
    })
}

/// The targets a unit's program on a chain may serve: the in-force documents of the chain
/// issued by the unit or its ancestors, and the issued programs of its ancestors.
async fn choices(
    conn: &mut Conn,
    unit: &OrgPath,
    root: DocumentId,
) -> Result<Vec<UpperTargetChoice>> {
    let ids: Vec<i64> = unit.ids().iter().map(|x| x.0).collect();
    let above = &ids[..ids.len().saturating_sub(1)];
    let cols = t_cols();
    let mut qb = QueryBuilder::<Db>::new(format!(
        "SELECT {cols}, t.program_id, t.document_id, o.id AS owner_org, o.name AS owner_name, \
         CAST(o.depth AS BIGINT) AS owner_depth, d.symbol AS owner_symbol, d.title AS owner_title \
         FROM document_targets t JOIN documents d ON d.id = t.document_id \
         JOIN organizations o ON o.id = d.issuer_org_id \
         WHERE d.status = 'in_force' AND d.root_document_id = "
    ));
    qb.push_bind(root.0).push(" AND d.issuer_org_id IN ");
    push_ids(&mut qb, ids.iter().copied());
    let mut out: Vec<(i64, bool, UpperTargetChoice)> = Vec::new();
    for r in qb.build().fetch_all(&mut *conn).await.db()? {
        out.push((r.try_get("owner_depth").db()?, false, choice_row(&r)?));
    }
    if !above.is_empty() {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {cols}, t.program_id, t.document_id, o.id AS owner_org, \
             o.name AS owner_name, CAST(o.depth AS BIGINT) AS owner_depth, d.symbol AS owner_symbol, \
             pr.title AS owner_title FROM document_targets t \
             JOIN programs pr ON pr.id = t.program_id \
             JOIN organizations o ON o.id = pr.org_id \
             LEFT JOIN documents d ON d.id = pr.document_id \
             WHERE pr.state = 'issued' AND pr.root_document_id = "
        ));
        qb.push_bind(root.0).push(" AND pr.org_id IN ");
        push_ids(&mut qb, above.iter().copied());
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            out.push((r.try_get("owner_depth").db()?, true, choice_row(&r)?));
        }
    }
    out.sort_by_key(|(depth, is_program, c)| {
        (
            std::cmp::Reverse(*depth),
            !*is_program,
            c.record.position,
            c.record.id.0,
        )
    });
    Ok(out.into_iter().map(|(_, _, c)| c).collect())
}

// ---- The store ---------------------------------------------------------------------------

#[async_trait]
impl TargetStore for Backend {
    async fn set_program_targets(
        &self,
        p: &Principal,
        program: ProgramId,
        targets: Vec<ProgramTargetInput>,
    ) -> Result<Vec<TargetRecord>> {
        let mut tx = self.begin().await?;
        let pr = program_for_write(&mut tx, p, program).await?;
        pr.state.require_editable()?;
        let offered = choices(&mut tx, &pr.org_path, pr.root_document_id).await?;
        let by_id: HashMap<i64, &Target> = offered
            .iter()
            .map(|c| (c.record.id.0, &c.record.target))
            .collect();
        let plain: Vec<Target> = targets.iter().map(|t| t.target.clone()).collect();
        let uppers: Vec<Option<Option<&Target>>> = targets
            .iter()
            .map(|t| t.upper.map(|u| by_id.get(&u.0).copied()))
            .collect();
        target_rollup::check_program_targets(&plain, &uppers)?;
        let old = load_program_targets(&mut tx, program).await?;
        let province = province_of(&pr.org_path);
        let mut touched: Vec<i64> = Vec::new();
        for (i, t) in targets.iter().enumerate() {
            match old.get(i) {
                Some(o) if o.target == t.target && o.upper_target_id == t.upper => {}
                Some(o) => {
                    sqlx::query(
                        "UPDATE document_targets SET indicator = $1, baseline = $2, \
                         target_value = $3, unit = $4, deadline = $5, direction = $6, \
                         rollup_rule = $7, upper_target_id = $8 WHERE id = $9",
                    )
                    .bind(&t.target.indicator)
                    .bind(t.target.baseline)
                    .bind(t.target.target_value)
                    .bind(&t.target.unit)
                    .bind(t.target.deadline)
                    .bind(t.target.direction.as_str())
                    .bind(t.target.rule.as_str())
                    .bind(t.upper.map(|x| x.0))
                    .bind(o.id.0)
                    .execute(&mut *tx)
                    .await
                    .db()?;
                    let mut before = to_json(&o.target);
                    before["upper_target_id"] = json!(o.upper_target_id);
                    let mut after = to_json(&t.target);
                    after["upper_target_id"] = json!(t.upper);
                    audit(
                        &mut tx,
                        p,
                        "update",
                        "target",
                        o.id.0,
                        Some(&pr.org_path),
                        Some(before),
                        Some(after),
                    )
                    .await?;
                    touched.push(o.id.0);
                    touched.extend(o.upper_target_id.map(|x| x.0));
                }
                None => {
                    let id =
                        insert_target(&mut tx, program, province, i, &t.target, t.upper).await?;
                    let mut after = to_json(&t.target);
                    after["program_id"] = json!(program.0);
                    after["upper_target_id"] = json!(t.upper);
                    audit(
                        &mut tx,
                        p,
                        "create",
                        "target",
                        id,
                        Some(&pr.org_path),
                        None,
                        Some(after),
                    )
                    .await?;
                    touched.push(id);
                }
            }
        }
        for o in old.iter().skip(targets.len()) {
            let used: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM tasks WHERE upper_target_id = $1) + \
                 (SELECT COUNT(*) FROM document_targets WHERE upper_target_id = $1)",
            )
            .bind(o.id.0)
            .fetch_one(&mut *tx)
            .await
            .db()?;
            domain::target::check_removable(u64::try_from(used).unwrap_or(0))?;
            for sql in [
                "DELETE FROM target_values WHERE target_id = $1",
                "DELETE FROM document_targets WHERE id = $1",
            ] {
                sqlx::query(sql).bind(o.id.0).execute(&mut *tx).await.db()?;
            }
            let mut before = to_json(&o.target);
            before["upper_target_id"] = json!(o.upper_target_id);
            audit(
                &mut tx,
                p,
                "delete",
                "target",
                o.id.0,
                Some(&pr.org_path),
                Some(before),
                None,
            )
            .await?;
            touched.extend(o.upper_target_id.map(|x| x.0));
        }
        refresh_many(&mut tx, &touched).await?;
        let out = load_program_targets(&mut tx, program).await?;
        tx.commit().await.db()?;
        Ok(out)
    }

    async fn program_targets(
        &self,
        p: &Principal,
        program: ProgramId,
    ) -> Result<Vec<TargetRecord>> {
        let mut conn = self.reader().await?;
        program_readable(&mut conn, p, program).await?;
        load_program_targets(&mut conn, program).await
    }

    async fn upper_target_choices(
        &self,
        p: &Principal,
        program: ProgramId,
    ) -> Result<Vec<UpperTargetChoice>> {
        let mut conn = self.reader().await?;
        let pr = program_readable(&mut conn, p, program).await?;
        choices(&mut conn, &pr.org_path, pr.root_document_id).await
    }

    async fn target_breakdown(&self, p: &Principal, target: TargetId) -> Result<TargetBreakdown> {
        let mut conn = self.reader().await?;
        let sql = format!(
            "SELECT {}, t.program_id, t.document_id, o.id AS owner_org, o.name AS owner_name, \
             CAST(o.depth AS BIGINT) AS owner_depth, o.path AS owner_path, \
             COALESCE(d.root_document_id, pr.root_document_id) AS root_id, \
             COALESCE(d.symbol, pd.symbol) AS owner_symbol, \
             COALESCE(pr.title, d.title) AS owner_title{NODE_FROM} \
             LEFT JOIN documents pd ON pd.id = pr.document_id WHERE t.id = $1",
            t_cols()
        );
        let r = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(target.0)
            .fetch_optional(&mut *conn)
            .await
            .db()?
            .ok_or(StoreError::NotFound)?;
        let owner_path = path_of(r.try_get("owner_path").db()?)?;
        // Like documents, a unit's targets are read by whoever may read the unit or a unit
        // below it: the targets a unit serves come from above.
        if !may_read_doc(p, &owner_path) {
            return Err(StoreError::NotFound);
        }
        let head = choice_row(&r)?;
        let root = DocumentId(r.try_get("root_id").db()?);
        let n = Node {
            id: head.record.id.0,
            target: head.record.target.clone(),
            owner: head.org_id.0,
            depth: r.try_get("owner_depth").db()?,
            is_program: matches!(head.owner, TargetOwner::Program { .. }),
            upper: head.record.upper_target_id.map(|x| x.0),
        };
        let (got, waiting) = gather(&mut conn, &n).await?;
        let mut hidden = 0;
        let mut contributions = Vec::new();
        for g in &got {
            if !p.can(Permission::Read, &g.path) {
                hidden += 1;
                continue;
            }
            contributions.push(TargetContribution {
                org_id: g.c.org,
                org_name: g.name.clone(),
                source: g.source,
                goal: g.goal,
                value: g.c.value,
                on: g.on,
                weight: g.c.weight,
                reached: g.c.reached,
            });
        }
        // The unit's open children that the principal may read, and whether anything of
        // their subtree counts.
        let mut silent = Vec::new();
        for c in sqlx::query(
            "SELECT id, name, path FROM organizations WHERE parent_id = $1 \
             AND valid_to IS NULL ORDER BY name COLLATE vi",
        )
        .bind(n.owner)
        .fetch_all(&mut *conn)
        .await
        .db()?
        {
            let path = path_of(c.try_get("path").db()?)?;
            if !p.can(Permission::Read, &path) {
                continue;
            }
            let range = path.subtree();
            let counted = got.iter().any(|g| {
                g.path.as_str() >= range.start.as_str() && g.path.as_str() < range.end.as_str()
            });
            if !counted {
                let id = OrgId(c.try_get("id").db()?);
                silent.push(SilentUnit {
                    org_id: id,
                    org_name: c.try_get("name").db()?,
                    has_target: waiting.iter().any(|(o, _)| *o == id),
                });
            }
        }
        let upper = match head.record.upper_target_id {
            Some(u) => {
                let sql = format!(
                    "SELECT {}, t.program_id, t.document_id, o.id AS owner_org, \
                     o.name AS owner_name, COALESCE(d.symbol, pd.symbol) AS owner_symbol, \
                     COALESCE(pr.title, d.title) AS owner_title{NODE_FROM} \
                     LEFT JOIN documents pd ON pd.id = pr.document_id WHERE t.id = $1",
                    t_cols()
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(u.0)
                    .fetch_optional(&mut *conn)
                    .await
                    .db()?
                    .as_ref()
                    .map(choice_row)
                    .transpose()?
            }
            None => None,
        };
        Ok(TargetBreakdown {
            record: head.record,
            owner: head.owner,
            org_id: head.org_id,
            org_name: head.org_name,
            root_document_id: root,
            upper,
            contributions,
            hidden_contributions: hidden,
            silent,
        })
    }

    async fn recount_targets(&self, p: &Principal) -> Result<TargetRecount> {
        if !p.system {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin().await?;
        let report = recount_targets_tx(&mut tx).await?;
        tx.commit().await.db()?;
        Ok(report)
    }
}
