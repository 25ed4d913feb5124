//! `resolute-bench dashboard`: one dashboard page of a province root for one resolution,
//! read from the rollups, beside the naive recount (a recursive CTE over `parent_id`)
//! that the rollups replace. Also times the cascade of the resolution to every unit.

use crate::{open, percentile, report};
use anyhow::Context;
use domain::{
    CascadeDeadlines, CascadeScope, DocumentId, DocumentNumber, DocumentType, MemberId, OrgId,
    OrgKind, Principal, ProgramKind, ProgramSections, ReportEvery, TaskDraft, TaskId, TaskStatus,
    Term,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use store::{NewDocument, NewProgram, Org, Page, ProgressInput, Store};

pub struct Args {
    pub url: String,
    pub iterations: usize,
    pub recount_iterations: usize,
    pub nation: bool,
    pub every: usize,
    pub tasks: usize,
    pub cells: bool,
    pub updates: usize,
    pub measure_only: bool,
}

const TITLE: &str = "Nghị quyết về công tác xây dựng Đảng";

fn d(y: i32, m: u8, day: u8) -> time::Date {
    time::Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), day).expect("date")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// The units of a subtree in a fixed order (depth first), not descending below grassroots
/// units unless `cells`.
async fn walk(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    cells: bool,
) -> anyhow::Result<Vec<Org>> {
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(o) = stack.pop() {
        let expand = match o.kind {
            OrgKind::Cell => false,
            OrgKind::Grassroots => cells,
            _ => true,
        };
        if expand {
            let mut children = store.org_children(p, o.id, false).await?;
            children.reverse();
            stack.extend(children);
        }
        out.push(o);
    }
    Ok(out)
}

/// A member who can answer for the unit's tasks: one of the first cell's members.
async fn member_for(store: &dyn Store, p: &Principal, u: &Org) -> anyhow::Result<Option<MemberId>> {
    let cells = if u.kind == OrgKind::Cell {
        vec![u.clone()]
    } else {
        store.org_children(p, u.id, false).await?
    };
    for c in cells.iter().filter(|c| c.kind == OrgKind::Cell) {
        if let Some(m) = store.cell_members(p, c.id).await?.first() {
            return Ok(Some(m.id));
        }
    }
    Ok(None)
}

/// The headline counters recounted the naive way: walk the tree from the root with a
/// recursive CTE over `parent_id`, join the units reached and the counted tasks.
const RECOUNT_UNITS: &str = "WITH RECURSIVE sub(id) AS (\
     SELECT id FROM organizations WHERE id = $1 \
     UNION ALL SELECT o.id FROM organizations o JOIN sub ON o.parent_id = sub.id) \
     SELECT COUNT(*), COUNT(cu.studied_on), COUNT(cu.program_issued_on) \
     FROM sub JOIN cascade_units cu ON cu.org_id = sub.id WHERE cu.root_document_id = $2";
const RECOUNT_TASKS: &str = "WITH RECURSIVE sub(id) AS (\
     SELECT id FROM organizations WHERE id = $1 \
     UNION ALL SELECT o.id FROM organizations o JOIN sub ON o.parent_id = sub.id) \
     SELECT CASE WHEN t.status <> 'done' AND t.deadline < $3 THEN 'overdue' \
     ELSE t.status END AS s, COUNT(*) FROM sub JOIN tasks t ON t.org_id = sub.id \
     WHERE t.counted AND t.root_document_id = $2 GROUP BY 1";

enum Pool {
    Pg(sqlx::PgPool),
    Lite(sqlx::SqlitePool),
}

#[derive(Debug, PartialEq, Eq)]
struct Headline {
    units: i64,
    studied: i64,
    issued: i64,
    tasks: BTreeMap<String, i64>,
}

impl Pool {
    async fn connect(url: &str) -> anyhow::Result<Pool> {
        Ok(if url.starts_with("postgres") {
            Pool::Pg(
                sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect(url)
                    .await?,
            )
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            let opts = sqlx::sqlite::SqliteConnectOptions::new()
                .filename(path)
                .read_only(true);
            Pool::Lite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(opts)
                    .await?,
            )
        })
    }

    async fn recount(
        &self,
        root: OrgId,
        doc: DocumentId,
        today: time::Date,
    ) -> anyhow::Result<Headline> {
        let (units, studied, issued, rows): (i64, i64, i64, Vec<(String, i64)>) = match self {
            Pool::Pg(pool) => {
                let (a, b, c) = sqlx::query_as(RECOUNT_UNITS)
                    .bind(root.0)
                    .bind(doc.0)
                    .fetch_one(pool)
                    .await?;
                let rows = sqlx::query_as(RECOUNT_TASKS)
                    .bind(root.0)
                    .bind(doc.0)
                    .bind(today)
                    .fetch_all(pool)
                    .await?;
                (a, b, c, rows)
            }
            Pool::Lite(pool) => {
                let (a, b, c) = sqlx::query_as(RECOUNT_UNITS)
                    .bind(root.0)
                    .bind(doc.0)
                    .fetch_one(pool)
                    .await?;
                let rows = sqlx::query_as(RECOUNT_TASKS)
                    .bind(root.0)
                    .bind(doc.0)
                    .bind(today)
                    .fetch_all(pool)
                    .await?;
                (a, b, c, rows)
            }
        };
        Ok(Headline {
            units,
            studied,
            issued,
            tasks: rows.into_iter().filter(|r| r.1 > 0).collect(),
        })
    }
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let store = open(&a.url).await?;
    let store: &dyn Store = store.as_ref();
    let p = Principal::system();
    let (measured, doc) = if a.measure_only {
        let measured = largest_province(store, &p).await?;
        let doc = store
            .documents(
                &p,
                measured.id,
                Page {
                    offset: 0,
                    limit: 100,
                },
            )
            .await?
            .into_iter()
            .find(|d| d.title == TITLE)
            .context("no benchmark resolution: run without --measure-only first")?;
        (measured, doc.id)
    } else {
        setup(store, &a).await?
    };
    measure(store, &a, &measured, doc).await
}

async fn largest_province(store: &dyn Store, p: &Principal) -> anyhow::Result<Org> {
    store
        .org_roots(p)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Provincial && o.is_active())
        .max_by_key(|r| r.subtree_member_count)
        .context("no province loaded")
}

/// Builds the scenario; returns the measured root and its resolution.
async fn setup(store: &dyn Store, a: &Args) -> anyhow::Result<(Org, DocumentId)> {
    let p = Principal::system();

    // ---- The tree -------------------------------------------------------------------------
    if store.org_roots(&p).await?.is_empty() {
        let profile = if a.nation {
            demo::Profile::Nation
        } else {
            demo::Profile::bac_giang()
        };
        let t = Instant::now();
        let tick = |done: usize, total: usize| {
            if total > 1 && (done.is_multiple_of(10) || done == total) {
                println!(
                    "  {done}/{total} provinces loaded ({:.0} s)",
                    t.elapsed().as_secs_f64()
                );
            }
        };
        // The same call as `resolute demo` (seed 2025, its default); the nation profile
        // carries no programs, so `resolute demo`'s plan-quality rescan has nothing to do.
        demo::load(store, &profile, 2025, &|_| String::from("x"), &tick).await?;
        let ids = store.max_ids().await?;
        println!(
            "demo loaded: {} units, {} members in {:.1} s",
            ids.org,
            ids.member,
            t.elapsed().as_secs_f64()
        );
    } else {
        println!("a demo tree is already loaded: reused (load not timed)");
    }
    let roots: Vec<Org> = store
        .org_roots(&p)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Provincial && o.is_active())
        .collect();
    anyhow::ensure!(!roots.is_empty(), "no province loaded");
    let measured = largest_province(store, &p).await?;

    // ---- One resolution per province root, cascaded to every unit ----------------------------
    let deadlines = CascadeDeadlines {
        study_by: d(2025, 3, 31),
        program_by: d(2025, 4, 30),
        report_every: ReportEvery::Quarterly,
        interim_review_by: Some(d(2025, 12, 31)),
        reports_until: Some(d(2025, 12, 31)),
        grace_days: 5,
    };
    let mut docs: Vec<(Org, DocumentId)> = Vec::new();
    let mut cascade_times = Vec::new();
    let mut reached = 0;
    let t_all = Instant::now();
    for root in &roots {
        let doc = store
            .register_document(
                &p,
                NewDocument {
                    issuer_org_id: root.id,
                    doc_type: DocumentType::Resolution,
                    number: DocumentNumber::parse("number", "01-NQ/TU")?,
                    term: Term::parse("term", "2020-2025")?,
                    issued_on: d(2025, 1, 15),
                    title: TITLE.into(),
                    body_md: String::new(),
                    parent_document_id: None,
                },
            )
            .await?;
        let t = Instant::now();
        let c = store
            .create_cascade(
                &p,
                doc.id,
                CascadeScope {
                    root: root.path.clone(),
                    kinds: vec![
                        OrgKind::DirectlyAffiliated,
                        OrgKind::Grassroots,
                        OrgKind::Cell,
                    ],
                    include_root: true,
                },
                deadlines.clone(),
            )
            .await?;
        let el = t.elapsed();
        reached += c.reached;
        if root.id == measured.id {
            println!(
                "cascade of the measured province ({}) to {} units in {:.2} s",
                root.name,
                c.reached,
                el.as_secs_f64()
            );
        }
        cascade_times.push(el);
        docs.push((root.clone(), doc.id));
    }
    let total_cascade: Duration = cascade_times.iter().sum();
    cascade_times.sort();
    println!(
        "cascades: {} resolutions (one per province root) to {} units in {:.2} s \
         (cascade calls only; {:.2} s with registration); slowest {:.2} s",
        docs.len(),
        reached,
        total_cascade.as_secs_f64(),
        t_all.elapsed().as_secs_f64(),
        cascade_times.last().map_or(0.0, |d| d.as_secs_f64())
    );
    let doc = docs
        .iter()
        .find(|(r, _)| r.id == measured.id)
        .map(|x| x.1)
        .context("measured doc")?;

    // ---- Programs ----------------------------------------------------------------------------
    let t = Instant::now();
    let mut issuers = Vec::new();
    for (root, rdoc) in &docs {
        for u in walk(store, &p, root, a.cells).await? {
            if u.kind == OrgKind::Grassroots || (a.cells && u.kind == OrgKind::Cell) {
                issuers.push((u, *rdoc));
            }
        }
    }
    let candidates = issuers.len();
    let issuers: Vec<_> = issuers.into_iter().step_by(a.every).collect();
    println!(
        "{} of {} grassroots units{} chosen to issue (every {}), in {:.1} s",
        issuers.len(),
        candidates,
        if a.cells { " and cells" } else { "" },
        a.every,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let mut measured_tasks: Vec<TaskId> = Vec::new();
    let (mut programs, mut tasks_issued) = (0, 0);
    for (u, udoc) in &issuers {
        let Some(member) = member_for(store, &p, u).await? else {
            continue;
        };
        if let Some(cu) = store.cascade_unit_of(&p, u.id, *udoc).await? {
            store.record_study(&p, cu.id, d(2025, 3, 20)).await?;
        }
        let draft = store
            .create_program_draft(
                &p,
                NewProgram {
                    org_id: u.id,
                    document_id: *udoc,
                    kind: ProgramKind::Plan,
                    title: "Kế hoạch thực hiện Nghị quyết 01".into(),
                },
            )
            .await?;
        store
            .save_program_sections(
                &p,
                draft.id,
                ProgramSections {
                    purpose: "Quán triệt".into(),
                    tasks_and_solutions: "Theo bảng".into(),
                    organization: "Văn phòng theo dõi".into(),
                },
            )
            .await?;
        let tasks = (0..a.tasks)
            .map(|i| TaskDraft {
                content: format!("Nhiệm vụ {}", i + 1),
                lead_body: None,
                cooperating_bodies: vec![],
                responsible: Some(member),
                deadline: Some(d(2025, 6, 30) + time::Duration::days(60 * i as i64)),
                expected_output: Some("Báo cáo".into()),
                upper_target: None,
            })
            .collect();
        store.save_tasks(&p, draft.id, tasks).await?;
        let issued = store.issue_program(&p, draft.id, d(2025, 4, 10)).await?;
        let ts = store.program_tasks(&p, issued.id).await?;
        programs += 1;
        tasks_issued += ts.len();
        if measured.path.covers(&u.path) {
            measured_tasks.extend(ts.iter().map(|t| t.id));
        }
    }
    println!(
        "{programs} units studied and issued programs ({tasks_issued} tasks; {} under the \
         measured root) in {:.1} s",
        measured_tasks.len(),
        t.elapsed().as_secs_f64()
    );

    // ---- Progress ----------------------------------------------------------------------------
    let t = Instant::now();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let statuses = [TaskStatus::OnTrack, TaskStatus::AtRisk, TaskStatus::Done];
    let updates = if measured_tasks.is_empty() {
        0
    } else {
        a.updates
    };
    for i in 0..updates {
        let task = measured_tasks[(next() % measured_tasks.len() as u64) as usize];
        let status = statuses[i % statuses.len()];
        store
            .post_progress(
                &p,
                task,
                ProgressInput {
                    status,
                    percent: (status != TaskStatus::Done).then_some((i % 100) as u8),
                    indicator_value: None,
                    note: Some("Đã triển khai theo kế hoạch".into()),
                    evidence: vec![],
                },
            )
            .await?;
    }
    println!(
        "{updates} progress updates posted in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    Ok((measured, doc))
}

async fn measure(
    store: &dyn Store,
    a: &Args,
    measured: &Org,
    doc: DocumentId,
) -> anyhow::Result<()> {
    let p = Principal::system();
    let backend = store.backend();
    // ---- The dashboard page ------------------------------------------------------------------
    // The page lists the first 50 overdue units and tasks and reads one more of each to
    // know whether to link to the whole list (`web::dashboards::PAGE_LIMITS`).
    const PAGE_LIST: u32 = 50;
    let today = time::OffsetDateTime::now_utc().date();
    let names = [
        "org_get",
        "document",
        "dashboard",
        "child_dashboards",
        "overdue_units(51)",
        "overdue_tasks(51)",
        "targets_progress",
        "progress_series",
        "flagged_programs(50)",
    ];
    let mut per: Vec<Vec<Duration>> = vec![Vec::with_capacity(a.iterations); names.len()];
    let mut page = Vec::with_capacity(a.iterations);
    let mut sizes = String::new();
    let mut headline = None;
    let warmup = 3;
    for i in 0..a.iterations + warmup {
        let mut times = [Duration::ZERO; 9];
        let t0 = Instant::now();
        let mut t = Instant::now();
        let mut lap = |k: usize, t: &mut Instant| {
            times[k] = t.elapsed();
            *t = Instant::now();
        };
        let org = store.org_get(&p, measured.id).await?;
        lap(0, &mut t);
        let document = store.document(&p, doc).await?;
        lap(1, &mut t);
        let dash = store.dashboard(&p, org.id, document.id, today).await?;
        lap(2, &mut t);
        let children = store
            .child_dashboards(&p, org.id, document.id, today)
            .await?;
        let children: Vec<_> = children
            .into_iter()
            .map(|c| c.dashboard)
            .filter(|d| d.units_total > 0)
            .collect();
        lap(3, &mut t);
        let overdue = store
            .overdue_units(
                &p,
                org.id,
                document.id,
                today,
                Page {
                    offset: 0,
                    limit: PAGE_LIST + 1,
                },
            )
            .await?;
        lap(4, &mut t);
        let overdue_tasks = store
            .overdue_tasks(
                &p,
                org.id,
                document.id,
                today,
                Page {
                    offset: 0,
                    limit: PAGE_LIST + 1,
                },
            )
            .await?;
        lap(5, &mut t);
        let targets = store.targets_progress(&p, org.id, document.id).await?;
        lap(6, &mut t);
        let series = store.progress_series(&p, org.id, document.id).await?;
        lap(7, &mut t);
        let flagged = store
            .flagged_programs(
                &p,
                org.id,
                document.id,
                Page {
                    offset: 0,
                    limit: 50,
                },
            )
            .await?;
        lap(8, &mut t);
        let total = t0.elapsed();
        if i == 0 {
            sizes = format!(
                "children {}, overdue units {}, overdue tasks {}, targets {}, series weeks {}, \
                 assessed programs {}",
                children.len(),
                overdue.len(),
                overdue_tasks.len(),
                targets.len(),
                series.len(),
                flagged.assessed
            );
            headline = Some(dash);
        }
        if i >= warmup {
            page.push(total);
            for (k, v) in times.iter().enumerate() {
                per[k].push(*v);
            }
        }
    }
    let dash = headline.context("no iteration")?;
    println!(
        "measured root: {} ({} members); page shows {sizes}",
        measured.name, measured.subtree_member_count
    );
    println!(
        "headline: units {}, studied {}, programs issued {}, tasks {} (done {}, on track {}, \
         at risk {}, not started {}, overdue {})",
        dash.units_total,
        dash.studied,
        dash.program_issued,
        dash.tasks_total,
        dash.tasks_done,
        dash.tasks_on_track,
        dash.tasks_at_risk,
        dash.tasks_not_started,
        dash.tasks_overdue
    );
    let mut page_sorted = page.clone();
    page_sorted.sort();
    report(
        &format!("dashboard page, all store calls ({backend})"),
        page,
    );
    // The page as `web::dashboards::gather` reads it: the unit and the document first, then
    // the seven independent reads at once, each on its own reader connection.
    let first = |limit| Page { offset: 0, limit };
    let mut joined = Vec::with_capacity(a.iterations);
    for i in 0..a.iterations + warmup {
        let t0 = Instant::now();
        let org = store.org_get(&p, measured.id).await?;
        let document = store.document(&p, doc).await?;
        let (o, d) = (org.id, document.id);
        let _ = tokio::try_join!(
            store.dashboard(&p, o, d, today),
            store.child_dashboards(&p, o, d, today),
            store.overdue_units(&p, o, d, today, first(PAGE_LIST + 1)),
            store.overdue_tasks(&p, o, d, today, first(PAGE_LIST + 1)),
            store.targets_progress(&p, o, d),
            store.progress_series(&p, o, d),
            store.flagged_programs(&p, o, d, first(50)),
            store.unit_programs(&p, o, d),
        )?;
        if i >= warmup {
            joined.push(t0.elapsed());
        }
    }
    report(
        &format!("dashboard page, independent reads at once as the page does ({backend})"),
        joined,
    );
    // The whole page as `web::dashboards::show` reads it: the figures above, and at the
    // same time the breadcrumbs and the study section (issue 5: the unit's participation
    // and its children's).
    let mut whole = Vec::with_capacity(a.iterations);
    for i in 0..a.iterations + warmup {
        let t0 = Instant::now();
        let figures = async {
            let org = store.org_get(&p, measured.id).await?;
            let document = store.document(&p, doc).await?;
            let (o, d) = (org.id, document.id);
            tokio::try_join!(
                store.dashboard(&p, o, d, today),
                store.child_dashboards(&p, o, d, today),
                store.overdue_units(&p, o, d, today, first(PAGE_LIST + 1)),
                store.overdue_tasks(&p, o, d, today, first(PAGE_LIST + 1)),
                store.targets_progress(&p, o, d),
                store.progress_series(&p, o, d),
                store.flagged_programs(&p, o, d, first(50)),
                store.unit_programs(&p, o, d),
            )
            .map(|_| ())
        };
        let study = async {
            tokio::try_join!(
                store.participation(&p, measured.id, doc),
                store.participation_children(&p, measured.id, doc)
            )
        };
        let _ = tokio::try_join!(figures, store.org_ancestors(&p, measured.id), study)?;
        if i >= warmup {
            whole.push(t0.elapsed());
        }
    }
    report(
        &format!(
            "whole dashboard page: figures, breadcrumbs and study section at once ({backend})"
        ),
        whole,
    );
    println!("per call (sequential run), p50 / p95 / p99 ms:");
    let mut per_p50 = Vec::new();
    for (name, mut v) in names.iter().zip(per) {
        v.sort();
        println!(
            "  {name:<22} {:>8.3} {:>8.3} {:>8.3}",
            ms(percentile(&v, 0.5)),
            ms(percentile(&v, 0.95)),
            ms(percentile(&v, 0.99))
        );
        per_p50.push(percentile(&v, 0.5));
    }

    // ---- The naive recount -------------------------------------------------------------------
    let pool = Pool::connect(&a.url).await?;
    let first = pool.recount(measured.id, doc, today).await?;
    let kept = Headline {
        units: dash.units_total,
        studied: dash.studied,
        issued: dash.program_issued,
        tasks: [
            ("done", dash.tasks_done),
            ("on_track", dash.tasks_on_track),
            ("at_risk", dash.tasks_at_risk),
            ("not_started", dash.tasks_not_started),
            ("overdue", dash.tasks_overdue),
        ]
        .into_iter()
        .filter(|r| r.1 > 0)
        .map(|(k, n)| (k.to_owned(), n))
        .collect(),
    };
    println!(
        "recursive-CTE recount: {:?}; {}",
        first,
        if first == kept {
            "equals the rollups"
        } else {
            "DIFFERS from the rollups"
        }
    );
    let mut rec = Vec::with_capacity(a.recount_iterations);
    for _ in 0..a.recount_iterations {
        let t = Instant::now();
        std::hint::black_box(pool.recount(measured.id, doc, today).await?);
        rec.push(t.elapsed());
    }
    rec.sort();
    let (r50, r95) = (percentile(&rec, 0.5), percentile(&rec, 0.95));
    report(&format!("recursive-CTE recount ({backend})"), rec);
    let (p50, p95) = (
        percentile(&page_sorted, 0.5),
        percentile(&page_sorted, 0.95),
    );
    println!(
        "ratio recount / whole page: {:.1}× at p50, {:.1}× at p95; recount / dashboard call \
         (the same counters): {:.1}× at p50",
        r50.as_secs_f64() / p50.as_secs_f64(),
        r95.as_secs_f64() / p95.as_secs_f64(),
        r50.as_secs_f64() / per_p50[2].as_secs_f64()
    );
    Ok(())
}
