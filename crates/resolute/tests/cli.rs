//! The command line as a user runs it: the real binary, a real data folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn resolute(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_resolute"));
    c.arg("--data-dir")
        .arg(data)
        .env_remove("RESOLUTE_DATABASE_URL")
        .env("RESOLUTE_LOG", "warn");
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("the binary runs")
}

fn ok(c: &mut Command) -> String {
    let out = run(c);
    assert!(
        out.status.success(),
        "command failed: {c:?}\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("resolute-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn member_count(data: &Path) -> i64 {
    use store::Store;
    let s = store_sqlite::SqliteStore::open(&data.join("resolute.db").to_string_lossy())
        .await
        .unwrap();
    let n = s.max_ids().await.unwrap().member;
    s.close().await;
    n
}

/// Opens a live session, so that a backup has a session to leave out. The files a backup
/// must carry are the demo's own (`demo::files`: the resolution's full text attached to
/// 05-NQ/TU and a conference record kept as a task update's evidence).
async fn open_a_session(s: &dyn store::Store) {
    let later = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    assert!(s.session_create("live", b"{}", later, None).await.unwrap());
}

/// The SHA-256 of every file under the data folder's `evidence/`, by relative path.
fn file_hashes(data: &Path) -> std::collections::BTreeMap<String, String> {
    use sha2::Digest;
    let root = data.join("evidence");
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let hash = hex::encode(sha2::Sha256::digest(std::fs::read(&path).unwrap()));
                out.insert(rel, hash);
            }
        }
    }
    out
}

/// After a round trip: every table holds as many rows as before, except the live
/// sessions, left out; every file is back with the same hash.
fn assert_round_trip(
    before: &std::collections::BTreeMap<String, i64>,
    after: &std::collections::BTreeMap<String, i64>,
    files_before: &std::collections::BTreeMap<String, String>,
    files_after: &std::collections::BTreeMap<String, String>,
) {
    assert!(before["sessions"] >= 1, "a live session before");
    assert_eq!(after["sessions"], 0, "live sessions are left out");
    let strip = |m: &std::collections::BTreeMap<String, i64>| {
        let mut m = m.clone();
        m.remove("sessions");
        m
    };
    assert_eq!(strip(before), strip(after), "every table's row count");
    assert!(before["document_attachments"] >= 1, "the demo's attachment");
    assert!(before["evidence_files"] >= 1, "the demo's evidence");
    assert!(files_before.len() >= 2, "{files_before:?}");
    assert_eq!(files_before, files_after, "every file, by hash");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_accounts_import_backup_restore_on_sqlite() {
    let dir = temp_dir("sqlite");
    let data = dir.join("data");

    let out = ok(resolute(&data).args(["demo", "--profile", "province", "--seed", "3"]));
    assert!(out.contains("vanphong.lucnam"), "{out}");
    assert!(out.contains("demo-2025-bg"), "{out}");
    // A second demo into a non-empty database is refused with a clear message.
    let again = run(resolute(&data).args(["demo"]));
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("đã có dữ liệu"));

    // The search index, rebuilt from the database: each kind counted, the time shown;
    // the index holds them all, and a second rebuild holds the same.
    let out = ok(resolute(&data).arg("reindex"));
    let count = |kind: &str| -> u64 {
        out.lines()
            .find_map(|l| {
                let mut w = l.split_whitespace();
                (w.next() == Some(kind)).then(|| w.next()?.parse().ok())?
            })
            .unwrap_or_else(|| panic!("no {kind} line: {out}"))
    };
    assert_eq!(count("member") as i64, member_count(&data).await, "{out}");
    assert!(count("document") > 0 && count("task") > 0, "{out}");
    for kind in ["program", "report", "article", "comment"] {
        count(kind);
    }
    assert!(out.contains("giây"), "{out}");
    let total: u64 = [
        "document", "program", "task", "report", "member", "article", "comment",
    ]
    .iter()
    .map(|k| count(k))
    .sum();
    let index = search::SearchIndex::open(&data.join("search")).expect("the index");
    assert_eq!(index.len(), total);
    assert!(index.watermark().is_some());
    drop(index);
    let again = ok(resolute(&data).arg("reindex"));
    assert!(
        again.contains(&format!("Tổng cộng {total} bản ghi")),
        "{again}"
    );

    ok(resolute(&data)
        .args([
            "user",
            "add",
            "tester",
            "--name",
            "Người thử",
            "--password-env",
            "PW",
        ])
        .env("PW", "mật khẩu đủ dài"));
    ok(resolute(&data).args([
        "user",
        "grant",
        "tester",
        "--role",
        "office_staff",
        "--org",
        "218",
    ]));
    let list = ok(resolute(&data).args(["user", "list"]));
    assert!(
        list.contains("tester") && list.contains("office_staff@Đảng bộ huyện Lục Nam"),
        "{list}"
    );
    let short = run(resolute(&data)
        .args(["user", "add", "weak", "--name", "X", "--password-env", "PW"])
        .env("PW", "ngắn"));
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("ít nhất 10 ký tự"));

    // A bad import reports every bad row, in Vietnamese, and saves nothing.
    let before = member_count(&data).await;
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "Họ và tên,Giới tính,Ngày sinh,Ngày vào Đảng,Số thẻ đảng viên,Mã chi bộ,Đối tượng\n\
         Nguyễn Văn Mới,Nam,01/02/1990,03/02/2015,77000001,#999999,\n\
         ,Nữ,31/02/1990,,,#1,\n",
    )
    .unwrap();
    let out = run(resolute(&data).args(["import", "members"]).arg(&bad));
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Dòng 3, cột Họ và tên"), "{err}");
    assert!(err.contains("Dòng 3, cột Ngày sinh"), "{err}");
    assert_eq!(member_count(&data).await, before, "nothing saved");

    // A good one is saved whole. Cells are addressed by `#id`.
    let cell_id = {
        use store::OrgStore;
        let s = store_sqlite::SqliteStore::open(&data.join("resolute.db").to_string_lossy())
            .await
            .unwrap();
        let p = domain::Principal::system();
        let lucnam = s.org_by_code(&p, "218").await.unwrap().unwrap();
        let commune = s
            .org_children(&p, lucnam.id, false)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.kind == domain::OrgKind::Grassroots)
            .unwrap();
        let cell = s
            .org_children(&p, commune.id, false)
            .await
            .unwrap()
            .into_iter()
            .find(|o| o.kind == domain::OrgKind::Cell)
            .unwrap();
        s.close().await;
        cell.id
    };
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        format!(
            "Họ và tên,Giới tính,Ngày sinh,Ngày vào Đảng,Số thẻ đảng viên,Mã chi bộ,Đối tượng\n\
             Nguyễn Văn Mới,Nam,01/02/1990,03/02/2015,77000001,#{cell_id},\n\
             Giáp Thị Hoa,Nữ,12/12/1995,19/05/2020,77000002,#{cell_id},Đảng viên\n"
        ),
    )
    .unwrap();
    let out = ok(resolute(&data).args(["import", "members"]).arg(&good));
    assert!(out.contains("Đã nhập 2 dòng"), "{out}");
    assert_eq!(member_count(&data).await, before + 2);

    // Backup while the data is live, restore into a new folder: the same records and
    // the same files, without the live sessions.
    let counts_before = {
        use store::Store;
        let s = store_sqlite::SqliteStore::open(&data.join("resolute.db").to_string_lossy())
            .await
            .unwrap();
        open_a_session(&s).await;
        let c = s.table_counts().await.unwrap();
        s.close().await;
        c
    };
    let backup = dir.join("backup.zip");
    let out = ok(resolute(&data).arg("backup").arg(&backup));
    assert!(out.contains("4 tệp đính kèm"), "{out}");
    let restored = dir.join("restored");
    ok(resolute(&restored).arg("restore").arg(&backup));
    assert_eq!(member_count(&restored).await, before + 2);
    let counts_after = {
        use store::Store;
        let s = store_sqlite::SqliteStore::open(&restored.join("resolute.db").to_string_lossy())
            .await
            .unwrap();
        let c = s.table_counts().await.unwrap();
        s.close().await;
        c
    };
    assert_round_trip(
        &counts_before,
        &counts_after,
        &file_hashes(&data),
        &file_hashes(&restored),
    );
    // A damaged archive is refused before anything is replaced.
    let mut bytes = std::fs::read(&backup).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0xff;
    let damaged = dir.join("damaged.zip");
    std::fs::write(&damaged, bytes).unwrap();
    let refused = run(resolute(&dir.join("fresh")).arg("restore").arg(&damaged));
    assert!(!refused.status.success());
    assert!(!dir.join("fresh").join("resolute.db").exists());
    // Restoring over existing data needs --yes.
    let again = run(resolute(&restored).arg("restore").arg(&backup));
    assert!(!again.status.success());
    ok(resolute(&restored).arg("restore").arg(&backup).arg("--yes"));

    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_import_past_the_bounds_is_refused_with_a_message_not_an_abort() {
    let dir = temp_dir("bounds");
    let data = dir.join("data");
    // 6 KB: a header in A1 and one value in XFD1048576 (the last cell of a sheet).
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "Họ và tên").unwrap();
    s.write_string(1_048_575, 16_383, "x").unwrap();
    let sheet = dir.join("xfd.xlsx");
    std::fs::write(&sheet, wb.save_to_buffer().unwrap()).unwrap();
    let out = run(resolute(&data).args(["import", "members"]).arg(&sheet));
    assert_eq!(out.status.code(), Some(1), "an error exit, not a signal");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ô XFD1048576"), "{err}");
    assert!(err.contains("Chưa nhập dòng nào"), "{err}");
    // Larger than the limit: refused from its size, before it is read.
    let big = dir.join("big.csv");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(21 * 1024 * 1024).unwrap();
    let out = run(resolute(&data)
        .args(["import", "orgs", "--english"])
        .arg(&big));
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("larger than 20 MB"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_plan_prints_a_verdict_as_json() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../analysis/corpus");
    let out = ok(Command::new(env!("CARGO_BIN_EXE_resolute"))
        .args(["check-plan", "--json", "--upper"])
        .arg(corpus.join("upper_province.txt"))
        .arg(corpus.join("lower_names_swapped.txt")));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "copied");
    assert!(v["copied_fraction"].as_f64().unwrap() > 0.6);
    assert!(!v["passages"].as_array().unwrap().is_empty());

    let out = ok(Command::new(env!("CARGO_BIN_EXE_resolute"))
        .args(["check-plan", "--json", "--upper"])
        .arg(corpus.join("upper_province.txt"))
        .arg(corpus.join("local_luc_nam.txt")));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "original");
    assert_eq!(v["overall"]["verdict"], "original");
}

/// The overall verdict is the most severe comparison and names it: a local plan that is
/// original against the upper plan but repeats the unit's previous plan is "copied", from
/// the previous plan.
#[test]
fn check_plan_overall_verdict_names_the_previous_plan_it_repeats() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../analysis/corpus");
    let out = ok(Command::new(env!("CARGO_BIN_EXE_resolute"))
        .args(["check-plan", "--json", "--upper"])
        .arg(corpus.join("upper_province.txt"))
        .arg("--previous")
        .arg(corpus.join("local_luc_nam.txt"))
        .arg(corpus.join("local_luc_nam.txt")));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verdict"], "original", "against the upper plan");
    assert_eq!(v["previous"]["verdict"], "copied");
    assert_eq!(v["overall"]["verdict"], "copied");
    assert_eq!(v["overall"]["source"], "previous");

    let text = ok(Command::new(env!("CARGO_BIN_EXE_resolute"))
        .args(["check-plan", "--upper"])
        .arg(corpus.join("upper_province.txt"))
        .arg("--previous")
        .arg(corpus.join("local_luc_nam.txt"))
        .arg(corpus.join("local_luc_nam.txt")));
    assert!(
        text.contains("Kết luận chung / overall verdict: copied"),
        "{text}"
    );
    assert!(text.contains("kỳ trước / previous"), "{text}");
}

#[test]
fn check_tasks_reports_missing_parts_of_5_ro() {
    let dir = temp_dir("tasks");
    let f = dir.join("tasks.csv");
    std::fs::write(
        &f,
        "Nội dung,Người chịu trách nhiệm,Thời hạn,Sản phẩm\n\
         Tăng cường công tác lãnh đạo,,,\n\
         Mở 3 lớp bồi dưỡng lý luận chính trị cho 120 cấp ủy viên cơ sở huyện Lục Nam,Đ/c Nguyễn Văn Hùng - Trưởng Ban Tuyên giáo,30/06/2026,3 lớp; 120 học viên\n",
    )
    .unwrap();
    let out = ok(Command::new(env!("CARGO_BIN_EXE_resolute"))
        .arg("check-tasks")
        .arg("--json")
        .arg(&f));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes = |i: usize| -> Vec<String> {
        v["tasks"][i]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        codes(0).contains(&"no_responsible".to_owned()),
        "{:?}",
        codes(0)
    );
    assert!(codes(0).contains(&"no_deadline".to_owned()));
    assert!(
        !codes(1).contains(&"no_responsible".to_owned()),
        "{:?}",
        codes(1)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// PostgreSQL: `resolute backup` runs pg_dump and `resolute restore` pg_restore; a copy
/// restored into another database holds the same records. Runs when
/// RESOLUTE_TEST_POSTGRES names a server whose role may create databases (locally it is
/// skipped with a note without it; under CI it fails).
#[tokio::test(flavor = "multi_thread")]
async fn backup_and_restore_on_postgres() {
    // Without the variable: a note locally, a failure under CI (see `testdb`).
    let Some(admin) = testdb::postgres_admin_url("backup_and_restore_on_postgres") else {
        return;
    };
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
    let tag = std::process::id();
    let (a, b) = (format!("cli_backup_a_{tag}"), format!("cli_backup_b_{tag}"));
    let psql = |sql: String| {
        let out = Command::new("psql")
            .arg(&admin)
            .args(["-qc", &sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    psql(format!("CREATE DATABASE {a}"));
    psql(format!("CREATE DATABASE {b}"));
    let (url_a, url_b) = (format!("{base}/{a}"), format!("{base}/{b}"));
    let dir = temp_dir("pg");
    let pg = |url: &str| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_resolute"));
        c.arg("--database-url").arg(url).env("RESOLUTE_LOG", "warn");
        c
    };
    let (data_a, data_b) = (dir.join("data_a"), dir.join("data_b"));
    ok(pg(&url_a)
        .arg("--data-dir")
        .arg(&data_a)
        .args(["demo", "--seed", "5"]));
    let counts_before = {
        use store::Store;
        let s = store_postgres::PgStore::connect(&url_a).await.unwrap();
        open_a_session(&s).await;
        let c = s.table_counts().await.unwrap();
        s.close().await;
        c
    };
    let dump = dir.join("backup.zip");
    ok(pg(&url_a)
        .arg("--data-dir")
        .arg(&data_a)
        .arg("backup")
        .arg(&dump));
    let refused = run(pg(&url_b)
        .arg("--data-dir")
        .arg(&data_b)
        .arg("restore")
        .arg(&dump));
    assert!(
        !refused.status.success(),
        "restore without --yes is refused"
    );
    ok(pg(&url_b)
        .arg("--data-dir")
        .arg(&data_b)
        .arg("restore")
        .arg(&dump)
        .arg("--yes"));

    use store::{OrgStore, Store};
    let sa = store_postgres::PgStore::connect(&url_a).await.unwrap();
    let sb = store_postgres::PgStore::connect(&url_b).await.unwrap();
    let p = domain::Principal::system();
    let ra = sa.org_by_code(&p, "24").await.unwrap().unwrap();
    let rb = sb.org_by_code(&p, "24").await.unwrap().unwrap();
    assert_eq!(
        ra, rb,
        "the restored province is the same, counters included"
    );
    assert_eq!(sa.max_ids().await.unwrap(), sb.max_ids().await.unwrap());
    assert!(sb.migration_state().await.unwrap().is_current());
    assert_round_trip(
        &counts_before,
        &sb.table_counts().await.unwrap(),
        &file_hashes(&data_a),
        &file_hashes(&data_b),
    );
    sa.close().await;
    sb.close().await;
    psql(format!("DROP DATABASE {a} WITH (FORCE)"));
    psql(format!("DROP DATABASE {b} WITH (FORCE)"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `resolute evaluate` on a small data folder: a district, a commune, two cells and three
/// members. It sets up the year's period on the unit named by its code, computes as of the
/// day given, prints what it did, and the store holds the result; run again on the same
/// period it keeps the rows. Bad input is a message, not a panic.
#[tokio::test(flavor = "multi_thread")]
async fn evaluate_sets_up_a_period_computes_and_says_what_it_did() {
    use domain::{Audience, OrgKind, Principal};
    use store::{EvaluationStore, MemberStore, NewMember, NewOrg, OrgStore, Store};
    let dir = temp_dir("evaluate");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    let day =
        |y, m, d| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
    let sys = Principal::system();
    {
        let s = store_sqlite::SqliteStore::open(&data.join("resolute.db").to_string_lossy())
            .await
            .unwrap();
        s.migrate().await.unwrap();
        let org = |parent, kind, name: &str, code: Option<&str>| NewOrg {
            parent_id: parent,
            kind,
            name: name.into(),
            code: code.map(str::to_owned),
            valid_from: day(2020, 1, 1),
        };
        let p = s
            .org_create(
                &sys,
                org(None, OrgKind::Provincial, "Tỉnh ủy Bắc Giang", Some("24")),
            )
            .await
            .unwrap();
        let d = s
            .org_create(
                &sys,
                org(
                    Some(p.id),
                    OrgKind::DirectlyAffiliated,
                    "Huyện ủy Lục Nam",
                    Some("218"),
                ),
            )
            .await
            .unwrap();
        let g = s
            .org_create(
                &sys,
                org(Some(d.id), OrgKind::Grassroots, "Đảng ủy xã Bảo Đài", None),
            )
            .await
            .unwrap();
        for (cell, members) in [
            ("Chi bộ thôn Đông", &["Nguyễn Văn An", "Trần Thị Bình"][..]),
            ("Chi bộ thôn Tây", &["Lê Văn Cường"][..]),
        ] {
            let c = s
                .org_create(&sys, org(Some(g.id), OrgKind::Cell, cell, None))
                .await
                .unwrap();
            for name in members {
                s.member_create(
                    &sys,
                    NewMember {
                        cell_id: c.id,
                        full_name: (*name).into(),
                        gender: None,
                        birth_date: Some(day(1980, 5, 17)),
                        joined_on: Some(day(2005, 3, 2)),
                        audience: Audience::Member,
                        card_number: None,
                        since: day(2021, 1, 1),
                    },
                )
                .await
                .unwrap();
            }
        }
        s.close().await;
    }

    let out = ok(resolute(&data).args([
        "evaluate",
        "--org-code",
        "218",
        "--year",
        "2025",
        "--as-of",
        "31/12/2025",
    ]));
    // The commune and its two cells; the three members.
    assert!(
        out.contains("\"Đánh giá, xếp loại chất lượng năm 2025\": đã tính điểm đề xuất cho 3 tổ chức và 3 đảng viên (0 kết quả đã quyết định giữ nguyên)"),
        "{out}"
    );
    assert!(out.contains("giây"), "{out}");

    let s = store_sqlite::SqliteStore::open(&data.join("resolute.db").to_string_lossy())
        .await
        .unwrap();
    let lucnam = s.org_by_code(&sys, "218").await.unwrap().unwrap();
    let periods = s.evaluation_periods(&sys, lucnam.id).await.unwrap();
    assert_eq!(periods.len(), 1, "{periods:?}");
    let per = &periods[0];
    assert_eq!(
        (per.starts_on, per.ends_on, per.computed_on),
        (day(2025, 1, 1), day(2025, 12, 31), Some(day(2025, 12, 31)))
    );
    assert_eq!((per.counts.units, per.counts.members), (3, 3), "{per:?}");
    let ranking = s
        .evaluation_ranking(
            &sys,
            per.id,
            lucnam.id,
            domain::evaluation::SubjectKind::Member,
        )
        .await
        .unwrap();
    assert_eq!(ranking.rows.len(), 3);
    // Nothing in the record against them: every point.
    assert!(
        ranking.rows.iter().all(|r| r.score == 1000),
        "{:?}",
        ranking.rows
    );
    s.close().await;

    // The same period again: the rows are kept, no second period.
    let again = ok(resolute(&data).args(["evaluate", "--period", &per.id.to_string()]));
    assert!(again.contains("cho 3 tổ chức và 3 đảng viên"), "{again}");
    let s = store_sqlite::SqliteStore::open(&data.join("resolute.db").to_string_lossy())
        .await
        .unwrap();
    assert_eq!(
        s.evaluation_periods(&sys, lucnam.id).await.unwrap().len(),
        1
    );
    s.close().await;

    // Bad input: a message naming what is wrong.
    for (args, message) in [
        (
            vec!["evaluate", "--org-code", "999"],
            "không có đơn vị mã 999",
        ),
        (
            vec!["evaluate", "--org-code", "218", "--as-of", "31/02/2025"],
            "ngày không hợp lệ: 31/02/2025",
        ),
    ] {
        let out = run(resolute(&data).args(&args));
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
