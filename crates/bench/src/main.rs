//! `resolute-bench`: measurements that are too large for criterion's repeated sampling.
//! Each prints its figures; docs/BENCHMARKS.md records the commands and results.

mod dashboard;
mod finish;
mod rescan;

use anyhow::Context;
use clap::{Parser, Subcommand};
use domain::{OrgKind, Principal};
use std::sync::Arc;
use std::time::{Duration, Instant};
use store::Store;

#[derive(Parser)]
#[command(name = "resolute-bench", about = "Resolute benchmark tools")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Latency of reading one province's subtree member count (p50/p95/p99), on a loaded
    /// database (e.g. after `resolute demo --profile nation`).
    Subtree {
        /// `postgres://…` or a SQLite file path.
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
    /// Time to import N members from a generated .xlsx into a fresh SQLite database that
    /// holds the Bắc Giang demo tree.
    ImportMembers {
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// Where to put the temporary database (default: a temp folder).
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
    /// One progress update rolled up the chain (p50/p95/max), on a fresh SQLite file (or
    /// an empty PostgreSQL database): loads the Bắc Giang demo, cascades a resolution to
    /// every unit, issues a program of `--tasks` tasks in every grassroots unit (and every
    /// cell with `--cells`), then times `--updates` posts and as many acceptances.
    Progress {
        /// `postgres://…` or a SQLite file path (must not hold data yet).
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 2000)]
        updates: usize,
        /// Tasks per program.
        #[arg(long, default_value_t = 10)]
        tasks: usize,
        /// Cells issue programs too (~40,000 tasks: the design scale).
        #[arg(long)]
        cells: bool,
        /// Targets that add up (issue 13 item 4): the resolution has a rate target (average
        /// by members); districts issue programs too, and every program sets its own
        /// target linked to its nearest ancestor's (the district's to the resolution's);
        /// tasks serve it and every update carries a value, so each acceptance rolls the
        /// value up the chain of targets in its transaction.
        #[arg(long)]
        targets: bool,
    },
    /// Study (issue 5) on a fresh SQLite file with the Bắc Giang demo: a conference in
    /// every cell, the attendance of every member recorded by one import (all or nothing,
    /// rolled up), the participation rollup of the province root (p50/p95), and the
    /// attendance screen of a 60-member cell rendered by the real router (time and size).
    Study {
        /// A SQLite file path (must not hold data yet).
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 2000)]
        iterations: usize,
    },
    /// One dashboard page of the root for one resolution (every store call of
    /// `web::dashboards::gather`, p50/p95/p99, and each call's p95), beside a recursive-CTE
    /// recount of the same headline counters. On an empty database it loads the demo
    /// (`--profile province`: Bắc Giang; `nation`: the 63 provinces, through `demo::load`
    /// as `resolute demo --profile nation` does), registers a resolution at each province
    /// root and cascades it to every unit (timed), issues programs in every `--every`-th
    /// grassroots unit (and every cell with `--cells`), posts `--updates` progress updates,
    /// then measures at the root of the largest province.
    Dashboard {
        /// `postgres://…` or a SQLite file path (empty, or holding only a demo tree).
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 200)]
        iterations: usize,
        /// Iterations of the recursive-CTE recount.
        #[arg(long, default_value_t = 20)]
        recount_iterations: usize,
        #[arg(long, value_enum, default_value = "province")]
        profile: BenchProfile,
        /// Every how many grassroots units one issues a program (1: all of them).
        #[arg(long, default_value_t = 1)]
        every: usize,
        /// Tasks per program.
        #[arg(long, default_value_t = 10)]
        tasks: usize,
        /// Cells issue programs too (~40,000 tasks at province scale).
        #[arg(long)]
        cells: bool,
        /// Progress updates posted before measuring.
        #[arg(long, default_value_t = 2000)]
        updates: usize,
        /// Skip the setup: measure again on a database this scenario already built.
        #[arg(long)]
        measure_only: bool,
    },
    /// `resolute rescan-plans` (issue 4) on a fresh SQLite file (or an empty PostgreSQL
    /// database) with the Bắc Giang demo: a resolution cascaded to every district and
    /// grassroots unit, each issues a plan of `--syllables` syllables of the analysis
    /// corpus's vocabulary naming the unit and one child, `--tasks` tasks (one in ten copies
    /// the district's plan, one in ten a sibling's); then `--rounds` times the
    /// program-by-program re-scan and the grouped one, checking they store the same.
    Rescan {
        /// `postgres://…` or a SQLite file path (must not hold data yet).
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 2)]
        rounds: usize,
        /// Syllables of a plan's sections.
        #[arg(long, default_value_t = 900)]
        syllables: usize,
        /// Tasks per program.
        #[arg(long, default_value_t = 8)]
        tasks: usize,
        /// Skip the setup: measure again on a database this scenario already built.
        #[arg(long)]
        measure_only: bool,
        /// Time only the grouped re-scan (for a profile).
        #[arg(long)]
        grouped_only: bool,
        /// Cells issue plans too (half as long; one in ten copies its commune's).
        #[arg(long)]
        cells: bool,
    },
    /// Reports and inspection (issues 13 and 16) on a fresh database with the Bắc Giang
    /// demo: the factual part at the province root and at a district (p50/p95), the
    /// formalism signals of one report against its previous one and 200 siblings, the
    /// .docx of a 20-page review through the real router, then 200 supervisions concluded
    /// with 2,000 recommendations and the inspection dashboard of the root and the ranked
    /// suggestion list over the province's units.
    Finish {
        /// A SQLite file path or a `postgres://` URL (must not hold data yet).
        #[arg(long)]
        database_url: String,
        #[arg(long, default_value_t = 500)]
        iterations: usize,
        /// `nation`: after the Bắc Giang demo, the other 62 provinces of the nation profile
        /// (`resolute demo --profile nation`'s tree), and the same 200 supervisions with
        /// 2,000 recommendations in every province (126,000 in all); the figures are still
        /// taken at Bắc Giang's root.
        #[arg(long, value_enum, default_value = "province")]
        profile: BenchProfile,
        /// Skip the setup: time the inspection dashboard and the suggestion list again on a
        /// database this scenario already built.
        #[arg(long)]
        measure_only: bool,
    },
    /// A bare axum server returning a fixed HTML page of about the size of an org page:
    /// the baseline for the load test.
    Bare {
        #[arg(long, default_value = "127.0.0.1:8098")]
        addr: String,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum BenchProfile {
    Province,
    Nation,
}

pub(crate) async fn open(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    let s: Arc<dyn Store> = if url.starts_with("postgres") {
        Arc::new(store_postgres::PgStore::connect(url).await?)
    } else {
        Arc::new(store_sqlite::SqliteStore::open(url).await?)
    };
    s.migrate().await?;
    Ok(s)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

pub(crate) fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{name}: n={} p50={:.3} ms p95={:.3} ms p99={:.3} ms max={:.3} ms",
        times.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().map(|d| d.as_secs_f64() * 1e3).unwrap_or(0.0),
    );
}

async fn subtree(url: &str, iterations: usize) -> anyhow::Result<()> {
    let store = open(url).await?;
    let p = Principal::system();
    let roots: Vec<_> = store
        .org_roots(&p)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Provincial && o.is_active())
        .collect();
    anyhow::ensure!(!roots.is_empty(), "no province loaded");
    println!(
        "{} provinces, {} members in all",
        roots.len(),
        roots.iter().map(|r| r.subtree_member_count).sum::<i64>()
    );
    let mut times = Vec::with_capacity(iterations);
    for i in 0..iterations {
        let r = &roots[i % roots.len()];
        let t = Instant::now();
        let o = store.org_get(&p, r.id).await?;
        times.push(t.elapsed());
        std::hint::black_box(o.subtree_member_count);
    }
    report(
        &format!("subtree member count ({})", store.backend()),
        times,
    );
    Ok(())
}

async fn import_members(rows: usize, dir: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let tmp = std::env::temp_dir().join(format!("resolute-bench-{}", std::process::id()));
    let dir = dir.unwrap_or(tmp);
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench.db");
    let _ = std::fs::remove_file(&path);
    let store = open(&path.to_string_lossy()).await?;
    demo::load(
        store.as_ref(),
        &demo::Profile::bac_giang(),
        1,
        &|_| String::from("x"),
        &|_, _| {},
    )
    .await?;
    let p = Principal::system();
    // Every cell of the demo, by id.
    let mut cells = Vec::new();
    let mut stack = store.org_roots(&p).await?;
    while let Some(o) = stack.pop() {
        if o.kind == OrgKind::Cell {
            cells.push(o.id);
        } else {
            stack.extend(store.org_children(&p, o.id, false).await?);
        }
    }
    let t = Instant::now();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, (_, header, _)) in import::members::COLUMNS.iter().enumerate() {
        sheet.write_string(0, c as u16, *header)?;
    }
    for i in 0..rows {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, format!("Nguyễn Văn Thử {i}"))?;
        sheet.write_string(r, 1, if i % 3 == 0 { "Nữ" } else { "Nam" })?;
        sheet.write_string(
            r,
            2,
            format!("{:02}/{:02}/{}", i % 28 + 1, i % 12 + 1, 1960 + i % 40),
        )?;
        sheet.write_string(
            r,
            3,
            format!("{:02}/{:02}/{}", i % 28 + 1, i % 12 + 1, 2005 + i % 18),
        )?;
        sheet.write_string(r, 4, format!("99{:08}", i))?;
        sheet.write_string(r, 5, format!("#{}", cells[i % cells.len()].0))?;
        sheet.write_string(r, 6, "Đảng viên")?;
    }
    let bytes = wb.save_to_buffer()?;
    println!(
        "generated {rows} rows, {} KB .xlsx in {:.2} s",
        bytes.len() / 1024,
        t.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let table =
        import::read_table(&bytes).map_err(|e| anyhow::anyhow!("{:?}", e.messages(i18n_lang())))?;
    let read = t.elapsed();
    let parsed = import::members::parse(&table)
        .map_err(|e| anyhow::anyhow!("{:?}", e.messages(i18n_lang())))?;
    let parse = t.elapsed() - read;
    let today = time::OffsetDateTime::now_utc().date();
    let n = import::members::apply(store.as_ref(), &p, parsed, today)
        .await
        .map_err(|e| anyhow::anyhow!("{:?}", e.messages(i18n_lang())))?;
    let total = t.elapsed();
    println!(
        "import of {n} members: read .xlsx {:.2} s, check rows {:.2} s, save {:.2} s, total {:.2} s",
        read.as_secs_f64(),
        parse.as_secs_f64(),
        (total - read - parse).as_secs_f64(),
        total.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

async fn progress(
    url: &str,
    updates: usize,
    per: usize,
    cells: bool,
    targets: bool,
) -> anyhow::Result<()> {
    use domain::{
        CascadeDeadlines, CascadeScope, Direction, DocumentNumber, DocumentType, OrgId,
        ProgramKind, ProgramSections, ReportEvery, RollupRule, Target, TargetId, TaskDraft,
        TaskStatus, Term,
    };
    use store::{AcceptanceDecision, NewDocument, NewProgram, ProgramTargetInput, ProgressInput};
    let d = |y: i32, m: u8, day: u8| {
        time::Date::from_calendar_date(y, time::Month::try_from(m).expect("month"), day)
            .expect("date")
    };
    let store = open(url).await?;
    let p = Principal::system();
    anyhow::ensure!(
        store.org_roots(&p).await?.is_empty(),
        "the database must be empty: the scenario is built from scratch"
    );
    let t = Instant::now();
    demo::load(
        store.as_ref(),
        &demo::Profile::bac_giang(),
        1,
        &|_| String::from("x"),
        &|_, _| {},
    )
    .await?;
    println!("demo loaded in {:.1} s", t.elapsed().as_secs_f64());
    let root = store
        .org_roots(&p)
        .await?
        .into_iter()
        .find(|o| o.kind == OrgKind::Provincial && o.is_active())
        .context("no province")?;
    // Every active unit, and a member of each grassroots unit's and cell's subtree.
    let mut units = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(o) = stack.pop() {
        stack.extend(store.org_children(&p, o.id, false).await?);
        units.push(o);
    }
    let mut member_of_cell = std::collections::HashMap::new();
    for u in units.iter().filter(|u| u.kind == OrgKind::Cell) {
        if let Some(m) = store.cell_members(&p, u.id).await?.first() {
            member_of_cell.insert(u.id, (u.path.clone(), m.id));
        }
    }
    let doc = store
        .register_document(
            &p,
            NewDocument {
                issuer_org_id: root.id,
                doc_type: DocumentType::Resolution,
                number: DocumentNumber::parse("number", "01-NQ/TU")?,
                term: Term::parse("term", "2020-2025")?,
                issued_on: d(2025, 1, 15),
                title: "Nghị quyết về công tác xây dựng Đảng".into(),
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
            CascadeDeadlines {
                study_by: d(2025, 3, 31),
                program_by: d(2025, 4, 30),
                report_every: ReportEvery::Quarterly,
                interim_review_by: Some(d(2025, 12, 31)),
                reports_until: Some(d(2025, 12, 31)),
                grace_days: 5,
            },
        )
        .await?;
    println!(
        "cascade to {} units in {:.2} s",
        c.reached,
        t.elapsed().as_secs_f64()
    );
    let rate = |goal: f64| Target {
        indicator: "Tỷ lệ đảng viên được học tập nghị quyết".into(),
        baseline: Some(50.0),
        target_value: goal,
        unit: "%".into(),
        deadline: Some(d(2025, 12, 31)),
        direction: Direction::Increase,
        rule: RollupRule::Average,
    };
    let doc_target = if targets {
        Some(
            store
                .set_document_targets(&p, doc.id, vec![rate(95.0)])
                .await?[0]
                .id,
        )
    } else {
        None
    };
    let mut issuers: Vec<_> = units
        .iter()
        .filter(|u| {
            u.kind == OrgKind::Grassroots
                || (cells && u.kind == OrgKind::Cell)
                || (targets && u.kind == OrgKind::DirectlyAffiliated)
        })
        .collect();
    // Upper units first: a program serves the target of an issued program above it.
    issuers.sort_by_key(|u| u.path.depth());
    let mut own_target: std::collections::HashMap<OrgId, TargetId> =
        std::collections::HashMap::new();
    let t = Instant::now();
    let mut task_ids = Vec::new();
    for u in &issuers {
        let Some(member) = member_of_cell
            .values()
            .find(|(cell, _)| u.path.covers(cell))
            .map(|x| x.1)
        else {
            continue;
        };
        let draft = store
            .create_program_draft(
                &p,
                NewProgram {
                    org_id: u.id,
                    document_id: doc.id,
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
        let serves = match doc_target {
            Some(top) => {
                let upper = u
                    .path
                    .ids()
                    .iter()
                    .rev()
                    .skip(1)
                    .find_map(|a| own_target.get(a).copied())
                    .unwrap_or(top);
                let own = store
                    .set_program_targets(
                        &p,
                        draft.id,
                        vec![ProgramTargetInput {
                            target: rate(90.0),
                            upper: Some(upper),
                        }],
                    )
                    .await?[0]
                    .id;
                own_target.insert(u.id, own);
                Some(own)
            }
            None => None,
        };
        let tasks = (0..per)
            .map(|i| TaskDraft {
                content: format!("Nhiệm vụ {}", i + 1),
                lead_body: None,
                cooperating_bodies: vec![],
                responsible: Some(member),
                deadline: Some(d(2025, 6, 30) + time::Duration::days(30 * i as i64)),
                expected_output: Some("Báo cáo".into()),
                upper_target: serves,
            })
            .collect();
        store.save_tasks(&p, draft.id, tasks).await?;
        let issued = store.issue_program(&p, draft.id, d(2025, 4, 10)).await?;
        task_ids.extend(
            store
                .program_tasks(&p, issued.id)
                .await?
                .iter()
                .map(|t| t.id),
        );
    }
    println!(
        "{} programs, {} tasks issued in {:.1} s",
        issuers.len(),
        task_ids.len(),
        t.elapsed().as_secs_f64()
    );
    anyhow::ensure!(!task_ids.is_empty(), "no tasks");
    // The updates: a fixed pseudo-random order of tasks, statuses in turn.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let statuses = [TaskStatus::OnTrack, TaskStatus::AtRisk, TaskStatus::Done];
    let mut posted = Vec::with_capacity(updates);
    let mut times = Vec::with_capacity(updates);
    for i in 0..updates {
        let task = task_ids[(next() % task_ids.len() as u64) as usize];
        let status = statuses[i % statuses.len()];
        let input = ProgressInput {
            status,
            percent: (status != TaskStatus::Done).then_some((i % 100) as u8),
            indicator_value: targets.then_some((50 + i % 50) as f64),
            note: Some("Đã triển khai theo kế hoạch".into()),
            evidence: vec![],
        };
        let t = Instant::now();
        let u = store.post_progress(&p, task, input).await?;
        times.push(t.elapsed());
        posted.push(u.id);
    }
    let with = if targets { " + targets" } else { "" };
    report(
        &format!("post_progress + rollup{with} ({})", store.backend()),
        times,
    );
    let mut times = Vec::with_capacity(posted.len());
    for (i, id) in posted.iter().enumerate() {
        let decision = if i % 2 == 0 {
            AcceptanceDecision::Accept
        } else {
            AcceptanceDecision::Return {
                reason: "Bổ sung minh chứng".into(),
            }
        };
        let t = Instant::now();
        store.decide_progress(&p, *id, decision).await?;
        times.push(t.elapsed());
    }
    report(
        &format!("decide_progress + rollup{with} ({})", store.backend()),
        times,
    );
    let t = Instant::now();
    let r = store.recount_programs(&p).await?;
    println!(
        "recount: {} rollup rows in {:.2} s; differing rows {}, fixed items {}",
        r.rows,
        t.elapsed().as_secs_f64(),
        r.differing_rows,
        r.fixed_items
    );
    anyhow::ensure!(
        r.differing_rows == 0 && r.fixed_items == 0,
        "kept rollups differ from the recount"
    );
    if let Some(top) = doc_target {
        let t = Instant::now();
        let r = store.recount_targets(&p).await?;
        let b = store.target_breakdown(&p, top).await?;
        println!(
            "recount of {} targets in {:.2} s; {} changed; the resolution's target: {:?} from {} units",
            r.targets,
            t.elapsed().as_secs_f64(),
            r.changed,
            b.record.current_value,
            b.record.contributors
        );
        anyhow::ensure!(
            r.changed == 0,
            "kept target roll-ups differ from the recount"
        );
    }
    Ok(())
}

mod study;

fn i18n_lang() -> i18n::Lang {
    i18n::Lang::En
}

async fn bare(addr: &str) -> anyhow::Result<()> {
    let body: &'static str = Box::leak(
        format!(
            "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Bare</title></head><body>{}</body></html>",
            "<tr><td>Chi bộ thôn Đông</td><td>Chi bộ</td><td>27</td></tr>".repeat(60)
        )
        .into_boxed_str(),
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(body) }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await.context("bind")?;
    println!("bare server on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Cmd::Subtree {
            database_url,
            iterations,
        } => subtree(&database_url, iterations).await,
        Cmd::ImportMembers { rows, dir } => import_members(rows, dir).await,
        Cmd::Bare { addr } => bare(&addr).await,
        Cmd::Progress {
            database_url,
            updates,
            tasks,
            cells,
            targets,
        } => progress(&database_url, updates, tasks, cells, targets).await,
        Cmd::Study {
            database_url,
            iterations,
        } => study::run(&database_url, iterations).await,
        Cmd::Finish {
            database_url,
            iterations,
            profile,
            measure_only,
        } => {
            finish::run(
                &database_url,
                iterations,
                matches!(profile, BenchProfile::Nation),
                measure_only,
            )
            .await
        }
        Cmd::Dashboard {
            database_url,
            iterations,
            recount_iterations,
            profile,
            every,
            tasks,
            cells,
            updates,
            measure_only,
        } => {
            dashboard::run(dashboard::Args {
                measure_only,
                url: database_url,
                iterations,
                recount_iterations,
                nation: matches!(profile, BenchProfile::Nation),
                every: every.max(1),
                tasks,
                cells,
                updates,
            })
            .await
        }
        Cmd::Rescan {
            database_url,
            rounds,
            syllables,
            tasks,
            measure_only,
            grouped_only,
            cells,
        } => {
            rescan::run(rescan::Args {
                url: database_url,
                rounds: rounds.max(1),
                syllables,
                tasks,
                measure_only,
                grouped_only,
                cells,
            })
            .await
        }
    }
}
