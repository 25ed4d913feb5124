//! The search engine at a million records (docs/BENCHMARKS.md, issue 14 item 6):
//! builds a province-shaped tree (Bắc Giang's real districts and communes, generated
//! cells) and 1,000,000 synthetic records through the engine's own API — members with
//! realistic names (`demo::names`), tasks, documents and portal articles with Vietnamese
//! titles and texts — indexes them from scratch into an index on disk, then times
//! searches as the people who make them: the province's office, a district's office, a
//! commune's member and a visitor without an account, with and without diacritics.
//!
//! ```sh
//! cargo run --release -p search --example million -- [--records 1000000] [--queries 2000] [--dir /tmp/x] [--settle 30] [--facets-ttl-ms 5000]
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use domain::search::{Kind, Reach, Record};
use domain::{AccessRole, Grant, MemberId, OrgId, OrgPath, Principal, UserId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use search::{Query, SearchIndex};
use time::{Date, Duration as Days, OffsetDateTime};

const VERBS: &[&str] = &[
    "Tổ chức",
    "Triển khai",
    "Quán triệt",
    "Rà soát",
    "Kiện toàn",
    "Xây dựng",
    "Nâng cao chất lượng",
    "Đẩy mạnh",
    "Tăng cường",
    "Sơ kết",
    "Kiểm tra, giám sát",
    "Tuyên truyền",
    "Hoàn thiện",
    "Bồi dưỡng",
];
const OBJECTS: &[&str] = &[
    "học tập, quán triệt Nghị quyết số 05-NQ/TU",
    "chuyển đổi số trong các cơ quan Đảng",
    "số hoá hồ sơ đảng viên",
    "sinh hoạt chi bộ định kỳ",
    "phát triển đảng viên mới",
    "công tác dân vận",
    "xây dựng nông thôn mới nâng cao",
    "phát triển kinh tế tập thể, hợp tác xã",
    "cải cách hành chính",
    "phòng, chống tham nhũng, tiêu cực",
    "học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "bảo vệ nền tảng tư tưởng của Đảng",
    "đào tạo nghề cho lao động nông thôn",
    "xoá nhà tạm, nhà dột nát cho hộ nghèo",
    "quy chế dân chủ ở cơ sở",
    "công tác cán bộ và quy hoạch cán bộ",
    "vệ sinh an toàn thực phẩm",
    "trồng vải thiều theo tiêu chuẩn VietGAP",
];
const OUTPUTS: &[&str] = &[
    "Báo cáo kết quả gửi Ban Thường vụ",
    "Kế hoạch chi tiết được ban hành",
    "100% đảng viên được quán triệt",
    "Biên bản hội nghị và danh sách tham dự",
    "Cơ sở dữ liệu được cập nhật đầy đủ",
    "Tỷ lệ hộ hài lòng đạt trên 90%",
];
const BODIES: &[&str] = &[
    "Ban Tuyên giáo",
    "Văn phòng Huyện ủy",
    "Ủy ban Kiểm tra",
    "Ban Tổ chức",
    "Ủy ban nhân dân xã",
    "Mặt trận Tổ quốc",
    "Đoàn Thanh niên",
    "Hội Nông dân",
];
const SENTENCES: &[&str] = &[
    "Cấp ủy các cấp đã tập trung lãnh đạo, chỉ đạo quyết liệt, đồng bộ các nhiệm vụ, giải pháp đề ra.",
    "Công tác tuyên truyền được đổi mới cả về nội dung và hình thức, tạo sự đồng thuận trong Nhân dân.",
    "Tỷ lệ đảng viên tham gia học tập nghị quyết đạt trên 95%, chất lượng sinh hoạt chi bộ được nâng lên.",
    "Một số chi bộ chưa xây dựng kế hoạch cụ thể, việc theo dõi, đôn đốc còn chậm.",
    "Kinh tế tiếp tục tăng trưởng khá, cơ cấu kinh tế chuyển dịch đúng hướng, đời sống Nhân dân được cải thiện.",
    "Việc ứng dụng công nghệ thông tin, chuyển đổi số trong hoạt động của các cơ quan Đảng có nhiều chuyển biến.",
    "Công tác kiểm tra, giám sát được tăng cường, kịp thời phát hiện và chấn chỉnh những hạn chế, thiếu sót.",
    "Phong trào thi đua yêu nước được phát động sâu rộng, nhiều mô hình hay, cách làm sáng tạo được nhân rộng.",
    "Nguồn lực đầu tư còn hạn chế, một số chỉ tiêu đạt thấp so với kế hoạch đề ra.",
    "Đề nghị cấp trên quan tâm hỗ trợ kinh phí, trang thiết bị cho các chi bộ thôn, tổ dân phố.",
    "Hội nghị đã thảo luận, thống nhất các giải pháp trọng tâm trong thời gian tới.",
    "Các đoàn viên, hội viên tích cực tham gia giúp đỡ hộ nghèo, gia đình chính sách.",
];
const HEADLINES: &[&str] = &[
    "Đưa nghị quyết vào cuộc sống",
    "Nâng cao chất lượng sinh hoạt chi bộ",
    "Chuyển đổi số từ cơ sở",
    "Xây dựng Đảng trong sạch, vững mạnh",
    "Chung sức xây dựng nông thôn mới",
    "Phát huy vai trò nêu gương của cán bộ, đảng viên",
    "Hội nghị sơ kết giữa nhiệm kỳ",
    "Trao Huy hiệu Đảng cho đảng viên lão thành",
];
const DOC_TYPES: &[(&str, &str)] = &[
    ("Nghị quyết", "NQ"),
    ("Chỉ thị", "CT"),
    ("Kế hoạch", "KH"),
    ("Kết luận", "KL"),
    ("Quy định", "QĐ"),
];

/// What searchers type: names, subjects and places, with and without diacritics.
const QUERIES: &[&str] = &[
    "chuyen doi so",
    "chuyển đổi số",
    "nguyen van hung",
    "Nguyễn Thị Lan",
    "tran thi huong",
    "so hoa ho so dang vien",
    "xay dung nong thon moi",
    "quán triệt nghị quyết",
    "sinh hoat chi bo",
    "kinh te tap the hop tac xa",
    "phong chong tham nhung",
    "vai thieu vietgap",
    "le van nam",
    "hoang minh duc",
    "ho ngheo",
    "\"sinh hoạt chi bộ\"",
    "cai cach hanh chinh",
    "bao dai",
    "luc nam",
    "yen the",
    "dan van",
    "nghi quyet 05-NQ/TU",
    "phat trien dang vien moi",
    "giap van",
    "than thi",
    "hoi nong dan",
    "kiem tra giam sat",
    "bồi dưỡng",
    "huy hieu dang",
    "quy che dan chu o co so",
];

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn pick<'a, R: Rng>(rng: &mut R, xs: &[&'a str]) -> &'a str {
    xs[rng.random_range(0..xs.len())]
}

fn paragraph<R: Rng>(rng: &mut R, sentences: usize) -> String {
    (0..sentences)
        .map(|_| pick(rng, SENTENCES))
        .collect::<Vec<_>>()
        .join(" ")
}

struct Tree {
    province: OrgPath,
    /// (path, name) of each district.
    districts: Vec<(OrgPath, String)>,
    /// (path, name) of each commune.
    communes: Vec<(OrgPath, String)>,
    cells: Vec<OrgPath>,
}

/// Bắc Giang's districts and communes (the real list), 20 cells under each commune.
fn tree() -> Tree {
    let units = demo::units::pre_2025();
    let mut next = 1i64;
    let mut id = || {
        next += 1;
        OrgId(next)
    };
    let province = OrgPath::root(OrgId(1));
    let mut t = Tree {
        province: province.clone(),
        districts: Vec::new(),
        communes: Vec::new(),
        cells: Vec::new(),
    };
    for d in units
        .iter()
        .filter(|u| u.level == 2 && u.parent_code.as_deref() == Some("24"))
    {
        let dp = province.child(id());
        for c in units
            .iter()
            .filter(|u| u.level == 3 && u.parent_code.as_deref() == Some(d.code.as_str()))
        {
            let cp = dp.child(id());
            for _ in 0..20 {
                t.cells.push(cp.child(id()));
            }
            t.communes.push((cp, c.name.clone()));
        }
        t.districts.push((dp, d.name.clone()));
    }
    t
}

fn day<R: Rng>(rng: &mut R) -> Date {
    Date::from_calendar_date(2021, time::Month::January, 1).unwrap()
        + Days::days(rng.random_range(0..6 * 365))
}

/// The `n`th of `total` records: 70 % members, 20 % tasks, 5 % documents, 5 % articles.
fn record<R: Rng>(rng: &mut R, t: &Tree, i: usize, total: usize) -> Record {
    let id = i as i64 + 1;
    let members = total * 70 / 100;
    let tasks = members + total * 20 / 100;
    let documents = tasks + total * 5 / 100;
    let base = Record {
        kind: Kind::Member,
        id,
        org_path: t.province.clone(),
        reach: Reach::Unit,
        responsible: None,
        title: String::new(),
        body: String::new(),
        date: None,
        group: None,
        public_from: None,
        parent: None,
    };
    if i < members {
        let g = demo::names::gender(rng);
        Record {
            org_path: t.cells[i % t.cells.len()].clone(),
            title: demo::names::full_name(rng, g),
            ..base
        }
    } else if i < tasks {
        let (commune, name) = &t.communes[rng.random_range(0..t.communes.len())];
        Record {
            kind: Kind::Task,
            org_path: commune.clone(),
            responsible: Some(MemberId(rng.random_range(1..=members as i64))),
            title: format!(
                "{} {} ở Đảng bộ {}",
                pick(rng, VERBS),
                pick(rng, OBJECTS),
                name.to_lowercase()
            ),
            body: format!("{}. {}", pick(rng, OUTPUTS), pick(rng, BODIES)),
            date: Some(day(rng)),
            group: Some(format!("program:{}", i / 20)),
            ..base
        }
    } else if i < documents {
        let (kind, code) = DOC_TYPES[rng.random_range(0..DOC_TYPES.len())];
        let (path, name) = if rng.random_bool(0.3) {
            t.districts[rng.random_range(0..t.districts.len())].clone()
        } else {
            t.communes[rng.random_range(0..t.communes.len())].clone()
        };
        let d = day(rng);
        Record {
            kind: Kind::Document,
            org_path: path,
            reach: Reach::UnitOrAbove,
            title: format!(
                "{kind} số {}-{code}/ĐU của {} về {}",
                rng.random_range(1..200),
                name,
                pick(rng, OBJECTS)
            ),
            body: paragraph(rng, 8),
            date: Some(d),
            ..base
        }
    } else {
        let (path, name) = t.districts[rng.random_range(0..t.districts.len())].clone();
        let d = day(rng);
        let published = rng.random_bool(0.9);
        let at = OffsetDateTime::new_utc(d, time::Time::from_hms(8, 0, 0).unwrap());
        Record {
            kind: Kind::Article,
            org_path: path,
            reach: Reach::Editors,
            title: format!("{}: {}", name, pick(rng, HEADLINES)),
            body: paragraph(rng, 14),
            date: Some(d),
            public_from: published.then_some(at),
            ..base
        }
    }
}

fn principal(role: AccessRole, at: &OrgPath, member: Option<i64>) -> Principal {
    Principal {
        user_id: UserId(1),
        username: "bench".into(),
        display_name: "bench".into(),
        grants: vec![Grant {
            role,
            org_id: at.id(),
            org_path: at.clone(),
        }],
        system: false,
        member_id: member.map(MemberId),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{name}: n={} p50={:.2} ms p95={:.2} ms p99={:.2} ms max={:.2} ms",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap()),
    );
}

/// Segments in the index folder (one `.idx` file each).
fn segments(p: &std::path::Path) -> usize {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        segments(&e.path())
                    } else {
                        usize::from(e.path().extension().is_some_and(|x| x == "idx"))
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|rd| {
            rd.flatten()
                .map(|e| match e.metadata() {
                    Ok(m) if m.is_dir() => dir_size(&e.path()),
                    Ok(m) => m.len(),
                    Err(_) => 0,
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let total: usize = arg("--records").map_or(Ok(1_000_000), |s| s.parse())?;
    let queries: usize = arg("--queries").map_or(Ok(2000), |s| s.parse())?;
    let dir = arg("--dir").map_or_else(
        || std::env::temp_dir().join(format!("resolute-search-bench-{}", std::process::id())),
        PathBuf::from,
    );
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let t = tree();
    println!(
        "tree: {} districts, {} communes, {} cells; {total} records",
        t.districts.len(),
        t.communes.len(),
        t.cells.len()
    );

    // Generated before the clock starts: the rebuild's cost is the engine's.
    let mut rng = StdRng::seed_from_u64(14);
    let started = Instant::now();
    let records: Vec<Record> = (0..total).map(|i| record(&mut rng, &t, i, total)).collect();
    println!("generated in {:.1} s", started.elapsed().as_secs_f64());

    let mut ix = SearchIndex::open(&dir)?;
    let started = Instant::now();
    {
        let mut w = ix.writer()?;
        w.clear()?;
        for r in &records {
            w.add(r)?;
        }
        w.commit(1)?;
    }
    let took = started.elapsed();
    println!(
        "indexed {} records from scratch in {:.1} s ({:.0} records/s), {:.0} MB on disk",
        ix.len(),
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        dir_size(&dir) as f64 / 1e6
    );
    drop(records);
    // The writer merges segments in the background after a commit; a running server's
    // index is searched once they are merged. `--settle 0` searches at once.
    let settle: u64 = arg("--settle").map_or(Ok(30), |s| s.parse())?;
    println!("segments after the commit: {}", segments(&dir));
    if settle > 0 {
        std::thread::sleep(Duration::from_secs(settle));
        println!("segments {settle} s later: {}", segments(&dir));
    }

    // `--facets-ttl-ms 0`: every search computes its count and facets (before the cache).
    let facets_ttl: u64 =
        arg("--facets-ttl-ms").map_or(Ok(search::FACETS_TTL.as_millis() as u64), |s| s.parse())?;
    ix.set_facets_ttl(Duration::from_millis(facets_ttl));
    println!("facet cache: {facets_ttl} ms");
    let (district, _) = &t.districts[0];
    let (commune, _) = &t.communes[7];
    let who: Vec<(&str, Option<Principal>)> = vec![
        (
            "province office",
            Some(principal(AccessRole::OfficeStaff, &t.province, None)),
        ),
        (
            "district office",
            Some(principal(AccessRole::OfficeStaff, district, None)),
        ),
        (
            "commune member",
            Some(principal(AccessRole::Member, commune, Some(4242))),
        ),
        ("visitor", None),
    ];
    // Warm-up: the first searches load the index's files.
    for q in QUERIES {
        ix.search(who[0].1.as_ref(), &query(q))?;
    }
    let mut all = Vec::with_capacity(queries);
    let mut per: Vec<Vec<Duration>> = vec![Vec::new(); who.len()];
    let mut found = 0usize;
    let mut by_text: std::collections::BTreeMap<&str, (Vec<Duration>, usize)> = Default::default();
    for i in 0..queries {
        let w = i % who.len();
        let text = QUERIES[(i / who.len()) % QUERIES.len()];
        let q = query(text);
        let start = Instant::now();
        let res = ix.search(who[w].1.as_ref(), &q)?;
        let d = start.elapsed();
        found += res.total;
        let e = by_text.entry(text).or_default();
        e.0.push(d);
        e.1 = e.1.max(res.total);
        all.push(d);
        per[w].push(d);
    }
    report("search (all searchers)", all);
    for (w, times) in per.into_iter().enumerate() {
        report(&format!("  {}", who[w].0), times);
    }
    println!(
        "mean matches per search: {:.0}",
        found as f64 / queries as f64
    );
    // The slowest queries, by their median, with their most matches (province office).
    let mut slow: Vec<(Duration, &str, usize)> = by_text
        .into_iter()
        .map(|(q, (mut t, n))| {
            t.sort();
            (t[t.len() / 2], q, n)
        })
        .collect();
    slow.sort_by_key(|s| std::cmp::Reverse(s.0));
    for (d, q, n) in slow.iter().take(6) {
        println!(
            "  slowest: {q:?} median {:.2} ms, up to {n} matches",
            d.as_secs_f64() * 1e3
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn query(text: &str) -> Query {
    Query {
        text: text.into(),
        limit: 20,
        ..Query::default()
    }
}
