//! What each subcommand does.

use crate::cli::{
    Cli, Command, DbArgs, DemoArgs, DemoProfile, ImportArgs, ImportKind, ServeArgs, UserCommand,
};
use anyhow::{Context, bail};
use domain::{AccessRole, OrgId, Principal, validate};
use i18n::Lang;
use std::sync::Arc;
use store::Store;

mod analysis_cmd;
mod backup;

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::CheckPlan(args) => return analysis_cmd::check_plan(args),
        Command::CheckTasks(args) => return analysis_cmd::check_tasks(args),
        Command::Restore { file, yes } => return backup::restore(&cli.db, &file, yes).await,
        _ => {}
    }
    let store = open_store(&cli.db).await?;
    match cli.command {
        Command::Serve(args) => serve(store, args, cli.db.data_dir.clone()).await,
        Command::Migrate => {
            let s = store.migration_state().await?;
            println!(
                "Đã áp dụng {}/{} migration ({}).",
                s.applied,
                s.known,
                store.backend()
            );
            Ok(())
        }
        Command::Demo(args) => demo(&store, &args, &cli.db.data_dir).await.map(|_| ()),
        Command::Import(args) => import(store.as_ref(), &args).await,
        Command::User { command } => user(store.as_ref(), command).await,
        Command::Backup { file } => backup::backup(store.as_ref(), &cli.db, &file).await,
        Command::RescanPlans => {
            let r = services::quality::rescan(store.as_ref(), &Principal::system()).await?;
            println!(
                "Đã rà soát {} chương trình đã ban hành; {} chương trình cần xem lại.",
                r.assessed, r.flagged
            );
            Ok(())
        }
        Command::Reindex => reindex(&store, &cli.db.data_dir).await,
        Command::Recount => {
            store.recount(&Principal::system()).await?;
            println!("Đã tính lại các số liệu tổng hợp.");
            Ok(())
        }
        Command::Evaluate {
            period,
            org_code,
            year,
            as_of,
        } => evaluate(store.as_ref(), period, org_code, year, as_of).await,
        Command::Restructure2025 { province, on } => {
            let on = validate::date("on", &on)
                .map_err(|_| anyhow::anyhow!("ngày không hợp lệ: {on}"))?;
            let r = demo::replay_2025(store.as_ref(), &Principal::system(), &province, on).await?;
            println!(
                "Sắp xếp năm 2025: {} xã cũ → {} xã mới ({} xã cũ được chia tách), {} đơn vị cấp huyện kết thúc hoạt động.",
                r.old_communes, r.new_communes, r.splits, r.closed_district_level
            );
            if !r.unmatched.is_empty() {
                println!("Không có trong dữ liệu sắp xếp: {}", r.unmatched.join(", "));
            }
            Ok(())
        }
        Command::CheckPlan(_) | Command::CheckTasks(_) | Command::Restore { .. } => {
            unreachable!("handled above")
        }
    }
}

/// `resolute reindex`: empties the search index and loads every searchable record again
/// (docs/SEARCH.md), then prints the count of each kind and the time taken.
async fn reindex(store: &Arc<dyn Store>, data_dir: &std::path::Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let dir = data_dir.join("search");
    let search = services::Search::open(store.clone(), &dir)
        .with_context(|| format!("không mở được chỉ mục tìm kiếm {}", dir.display()))?;
    if !search.index().writable() {
        bail!(
            "Máy chủ đang chạy giữ chỉ mục tìm kiếm {}: hãy dừng máy chủ rồi chạy lại \
             (a running server holds the search index: stop it first).",
            dir.display()
        );
    }
    let bar = indicatif::ProgressBar::new_spinner();
    let r = search
        .rebuild(|n| bar.set_message(format!("{n} bản ghi")))
        .await?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!("Đã lập lại chỉ mục tìm kiếm từ cơ sở dữ liệu (search index rebuilt):");
    for (kind, n) in &r.per_kind {
        println!("  {:<10} {n:>10}", kind.as_str());
    }
    println!(
        "Tổng cộng {} bản ghi trong {secs:.1} giây (total {} records in {secs:.1} s; audit log up to #{}).",
        r.total(),
        r.total(),
        r.watermark
    );
    Ok(())
}

/// `resolute evaluate`: computes a period's proposed scores with a progress bar, setting up
/// a yearly period first when none is named (docs/EVALUATION.md, docs/BENCHMARKS.md).
async fn evaluate(
    store: &dyn Store,
    period: Option<i64>,
    org_code: Option<String>,
    year: Option<i32>,
    as_of: Option<String>,
) -> anyhow::Result<()> {
    let p = Principal::system();
    let today = match as_of {
        Some(d) => {
            validate::date("as_of", &d).map_err(|_| anyhow::anyhow!("ngày không hợp lệ: {d}"))?
        }
        None => domain::tz::local_date(time::OffsetDateTime::now_utc()),
    };
    let period = match period {
        Some(id) => store.evaluation_period(&p, id).await?,
        None => {
            let org = match org_code {
                Some(code) => store
                    .org_by_code(&p, &code)
                    .await?
                    .with_context(|| format!("không có đơn vị mã {code}"))?,
                None => store
                    .org_roots(&p)
                    .await?
                    .into_iter()
                    .next()
                    .context("cơ sở dữ liệu chưa có đơn vị nào")?,
            };
            let y = year.unwrap_or(today.year());
            let day = |m, d| time::Date::from_calendar_date(y, m, d);
            store
                .create_evaluation_period(
                    &p,
                    store::NewPeriod {
                        org: org.id,
                        kind: domain::evaluation::PeriodKind::Year,
                        name: format!("Đánh giá, xếp loại chất lượng năm {y}"),
                        starts_on: day(time::Month::January, 1)?,
                        ends_on: day(time::Month::December, 31)?,
                        unit_framework: None,
                        member_framework: None,
                    },
                )
                .await?
        }
    };
    let bar = indicatif::ProgressBar::new(1);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} · {elapsed}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message("Đang tính điểm đề xuất");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let progress = |done: u64, total: u64| {
        bar.set_length(total.max(1));
        bar.set_position(done);
    };
    let r = store
        .compute_evaluations(&p, period.id, today, &progress)
        .await?;
    bar.finish_and_clear();
    println!(
        "Đợt {} \"{}\": đã tính điểm đề xuất cho {} tổ chức và {} đảng viên ({} kết quả đã quyết định giữ nguyên) trong {:.1} giây.",
        period.id,
        period.name,
        r.units,
        r.members,
        r.kept,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

fn sqlite_path(db: &DbArgs) -> std::path::PathBuf {
    db.data_dir.join("resolute.db")
}

/// Opens the store the arguments name and applies pending migrations.
pub async fn open_store(db: &DbArgs) -> anyhow::Result<Arc<dyn Store>> {
    let store: Arc<dyn Store> = match &db.database_url {
        Some(url) if is_postgres(url) => Arc::new(
            store_postgres::PgStore::connect(url)
                .await
                .context("không kết nối được PostgreSQL / cannot connect to PostgreSQL")?,
        ),
        Some(url) => Arc::new(
            store_sqlite::SqliteStore::open(url)
                .await
                .context("không mở được SQLite")?,
        ),
        None => {
            std::fs::create_dir_all(&db.data_dir)
                .with_context(|| format!("không tạo được thư mục {}", db.data_dir.display()))?;
            let path = sqlite_path(db);
            Arc::new(
                store_sqlite::SqliteStore::open(&path.to_string_lossy())
                    .await
                    .with_context(|| format!("không mở được {}", path.display()))?,
            )
        }
    };
    store
        .migrate()
        .await
        .context("migration thất bại / migration failed")?;
    Ok(store)
}

fn hash_password(p: &str) -> String {
    web::password::hash(p).expect("argon2 hashes any password")
}

async fn demo(
    shared: &Arc<dyn Store>,
    args: &DemoArgs,
    data_dir: &std::path::Path,
) -> anyhow::Result<Vec<demo::DemoAccount>> {
    let store = shared.as_ref();
    if store.max_ids().await?.org > 0 {
        bail!(
            "cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống / the database is not empty"
        );
    }
    let profile = match args.profile {
        DemoProfile::Province => demo::Profile::Province {
            code: args.province.clone(),
        },
        DemoProfile::Nation => demo::Profile::Nation,
    };
    let bar = indicatif::ProgressBar::new(1);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {msg} [{bar:40}] {pos}/{len} tỉnh · {elapsed}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message("Đang tạo dữ liệu mẫu");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let accounts = demo::load(store, &profile, args.seed, &hash_password, &progress).await?;
    bar.finish_and_clear();
    // The demo's files (the resolution's text, a conference record as evidence) go to the
    // blob store of the data folder, so a backup of the demo carries files.
    if matches!(args.profile, DemoProfile::Province) {
        let blobs = services::blobs::BlobStore::new(data_dir);
        let keep = |name: &str, bytes: Vec<u8>| {
            let file = services::blobs::CheckedFile::check(name, bytes)
                .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
            blobs.put_blocking(&file)
        };
        let today = time::OffsetDateTime::now_utc().date();
        demo::files::attach(store, &Principal::system(), &args.province, today, &keep).await?;
    }
    // The demo's issued programs get their plan-quality assessment, as issuing on a page
    // would give them.
    services::quality::rescan(store, &Principal::system()).await?;
    let ids = store.max_ids().await?;
    println!(
        "Đã tạo dữ liệu mẫu: {} tổ chức, {} đảng viên trong {:.1} giây.",
        ids.org,
        ids.member,
        started.elapsed().as_secs_f64()
    );
    print_accounts(&accounts);
    Ok(accounts)
}

fn print_accounts(accounts: &[demo::DemoAccount]) {
    if accounts.is_empty() {
        return;
    }
    println!(
        "\nTài khoản dùng thử (mật khẩu chung: {}):",
        demo::tree::DEMO_PASSWORD
    );
    for a in accounts {
        println!(
            "  {:<18} {:<13} {}",
            a.username,
            a.role.as_str(),
            a.org_name
        );
    }
    // The experts invited to Lục Nam's consultation: accounts without grants that see
    // that consultation only.
    for (username, name, _) in demo::consultation::EXPERTS {
        println!(
            "  {:<18} {:<13} {name} – {}",
            username,
            "expert",
            demo::consultation::LUC_NAM_TITLE
        );
    }
}

async fn serve(
    store: Arc<dyn Store>,
    args: ServeArgs,
    data_dir: std::path::PathBuf,
) -> anyhow::Result<()> {
    if args.demo {
        if store.max_ids().await?.org == 0 {
            demo(
                &store,
                &DemoArgs {
                    profile: DemoProfile::Province,
                    seed: 2025,
                    province: "24".into(),
                },
                &data_dir,
            )
            .await?;
        } else {
            println!("Dữ liệu mẫu đã có sẵn.");
            let l = demo::build(&demo::Profile::bac_giang(), 2025);
            let accounts: Vec<_> = l
                .first()
                .map(|l| {
                    demo::demo_accounts(l)
                        .into_iter()
                        .map(|(a, _, _)| a)
                        .collect()
                })
                .unwrap_or_default();
            print_accounts(&accounts);
        }
    }
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("không mở được địa chỉ {} / cannot listen", args.addr))?;
    let addr = listener.local_addr()?;
    println!(
        "\nResolute ({}) đang chạy tại http://{addr}/  — nhấn Ctrl+C để dừng.",
        store.backend()
    );
    let state = web::AppState::new(
        store,
        web::Config {
            secure_cookies: args.secure_cookies,
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir,
            trusted_proxies: args.trusted_proxies,
            server: web::ServerLimits {
                max_connections: args.max_connections.max(1),
                ..web::ServerLimits::default()
            },
        },
    );
    web::serve(listener, state, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

async fn import(store: &dyn Store, args: &ImportArgs) -> anyhow::Result<()> {
    let lang = if args.english { Lang::En } else { Lang::Vi };
    let today = time::OffsetDateTime::now_utc().date();
    let p = Principal::system();
    let started = std::time::Instant::now();
    let result = async {
        let table = import::read_file(&args.file)?;
        match args.kind {
            ImportKind::Members => {
                let rows = import::members::parse(&table)?;
                import::members::apply(store, &p, rows, today).await
            }
            ImportKind::Orgs => {
                let rows = import::orgs::parse(&table)?;
                import::orgs::apply(store, &p, rows, today).await
            }
        }
    }
    .await;
    match result {
        Ok(n) => {
            println!(
                "{} ({:.1} s)",
                i18n::fill(i18n::tr(lang, "import.done"), &[("count", &n)]),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(e) => {
            for m in e.messages(lang) {
                eprintln!("{m}");
            }
            bail!("{}", i18n::tr(lang, "import.nothing_saved"))
        }
    }
}

/// Reads a new password and checks it like the web does (`personal`: the account's names,
/// which the password may not be built from).
fn read_password(env: Option<&str>, personal: &[&str]) -> anyhow::Result<String> {
    let raw = match env {
        Some(var) => {
            std::env::var(var).with_context(|| format!("biến môi trường {var} chưa đặt"))?
        }
        None => {
            eprintln!("Nhập mật khẩu (ít nhất 10 ký tự) rồi nhấn Enter:");
            let mut s = String::new();
            std::io::stdin().read_line(&mut s)?;
            s.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    validate::new_password_for(&raw, personal)
        .map_err(|e| anyhow::anyhow!("{}", i18n::tr(Lang::Vi, &format!("err.{}", e.0[0].code))))
}

async fn find_org(store: &dyn Store, p: &Principal, key: &str) -> anyhow::Result<store::Org> {
    if let Some(o) = store.org_by_code(p, key).await? {
        return Ok(o);
    }
    if let Ok(id) = key.trim_start_matches('#').parse::<i64>() {
        return Ok(store.org_get(p, OrgId(id)).await?);
    }
    bail!("không tìm thấy tổ chức {key}")
}

async fn user(store: &dyn Store, cmd: UserCommand) -> anyhow::Result<()> {
    let p = Principal::system();
    let find_user = |name: String| async move {
        store
            .user_by_username(&p, &name)
            .await?
            .ok_or_else(|| anyhow::anyhow!("không có tài khoản {name}"))
    };
    match cmd {
        UserCommand::Add {
            username,
            name,
            member,
            password_env,
        } => {
            let username = validate::username(&username)
                .map_err(|_| anyhow::anyhow!("{}", i18n::tr(Lang::Vi, "err.bad_username")))?;
            let name = validate::name("display_name", &name, 120).map_err(|e| {
                anyhow::anyhow!("{}", i18n::tr(Lang::Vi, &format!("err.{}", e.0[0].code)))
            })?;
            let password = read_password(password_env.as_deref(), &[&username, &name])?;
            let u = store
                .user_create(
                    &Principal::system(),
                    store::NewUser {
                        username,
                        display_name: name,
                        password_hash: hash_password(&password),
                        member_id: member.map(domain::MemberId),
                    },
                )
                .await?;
            println!("Đã tạo tài khoản {} (id {}).", u.username, u.id);
        }
        UserCommand::Passwd {
            username,
            password_env,
        } => {
            let u = find_user(username).await?;
            let password = read_password(
                password_env.as_deref(),
                &[&u.user.username, &u.user.display_name],
            )?;
            store
                .user_set_password(&Principal::system(), u.user.id, &hash_password(&password))
                .await?;
            println!("Đã đổi mật khẩu của {}.", u.user.username);
        }
        UserCommand::Grant {
            username,
            role,
            org,
        } => {
            let u = find_user(username).await?;
            let role = AccessRole::parse(&role).ok_or_else(|| anyhow::anyhow!("vai trò không hợp lệ: {role} (admin, office_staff, secretary, inspector, member)"))?;
            let o = find_org(store, &Principal::system(), &org).await?;
            store
                .grant_add(
                    &Principal::system(),
                    store::NewGrant {
                        user_id: u.user.id,
                        role,
                        org_id: o.id,
                    },
                )
                .await?;
            println!(
                "Đã cấp quyền {} trên {} cho {}.",
                role.as_str(),
                o.name,
                u.user.username
            );
        }
        UserCommand::Revoke {
            username,
            role,
            org,
        } => {
            let u = find_user(username).await?;
            let role = AccessRole::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("vai trò không hợp lệ: {role}"))?;
            let o = find_org(store, &Principal::system(), &org).await?;
            let Some(g) = u.grants.iter().find(|g| g.role == role && g.org_id == o.id) else {
                bail!(
                    "tài khoản {} không có quyền {} trên {}",
                    u.user.username,
                    role.as_str(),
                    o.name
                );
            };
            store.grant_revoke(&Principal::system(), g.id).await?;
            println!(
                "Đã thu hồi quyền {} trên {} của {}.",
                role.as_str(),
                o.name,
                u.user.username
            );
        }
        UserCommand::List => {
            for u in store.user_list(&Principal::system()).await? {
                let grants: Vec<String> = u
                    .grants
                    .iter()
                    .map(|g| format!("{}@{}", g.role.as_str(), g.org_name))
                    .collect();
                println!(
                    "{:<20} {:<30} {}{}",
                    u.user.username,
                    u.user.display_name,
                    grants.join("; "),
                    if u.user.disabled { " (đã khóa)" } else { "" }
                );
            }
        }
    }
    Ok(())
}
