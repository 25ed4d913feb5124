//! `resolute-bench finish`: the figures of issues 13 and 16 (docs/BENCHMARKS.md,
//! "Reports and inspection"): the factual part of a report at the province root and at a
//! district, the formalism signals of one report against its previous one and 200
//! siblings, the .docx of a 20-page review through the real router, the inspection
//! dashboard of the province root with 2,000 recommendations, and the ranked suggestion
//! list over the province's units.

use anyhow::Context;
use domain::inspection::{AboutKind, BodyKind, FindingKind, ItemKind, TeamRole};
use domain::report::{ReportKind, ReportSections, ReportState};
use domain::{OrgKind, Principal};
use http_body_util::BodyExt;
use std::time::Instant;
use store::{
    Conclusion, NewFinding, NewInspectionProgram, NewItem, NewRecommendation, Org, Page,
    ReportInput, ReportPeers, ReportRecord,
};
use tower::ServiceExt;

use crate::{open, report};

/// Words of local report prose, mixed per sibling so that no two texts are alike.
const WORDS: &[&str] = &[
    "chi bộ",
    "đảng viên",
    "tổ chức",
    "sinh hoạt",
    "chuyên đề",
    "nông thôn mới",
    "vận động",
    "nhân dân",
    "hiến đất",
    "đường liên thôn",
    "bê tông",
    "mùa mưa",
    "phân loại rác",
    "xóm Đồng",
    "trồng vải",
    "VietGAP",
    "mã vùng trồng",
    "hộ cận nghèo",
    "con giống",
    "quỹ khuyến học",
    "kinh phí",
    "xã hội hóa",
    "kênh mương",
    "vụ đông",
    "thanh niên xung kích",
    "tuần tra",
    "hòa giải",
    "văn hóa",
    "Sán Chí",
    "Sình ca",
    "làm ăn xa",
    "cập nhật",
    "thông tin",
    "nêu gương",
    "phòng học",
    "bộ môn",
];

/// A text of `n` words, deterministic in `seed`.
fn prose(seed: u64, n: usize) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut out = String::new();
    for i in 0..n {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        if i > 0 {
            out.push(if i % 17 == 0 { '.' } else { ',' });
            out.push(' ');
        }
        out.push_str(WORDS[((x >> 33) as usize) % WORDS.len()]);
    }
    out.push('.');
    out
}

fn cookie(res: &axum::http::Response<axum::body::Body>, name: &str) -> Option<String> {
    res.headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

async fn principal(store: &dyn store::Store, username: &str) -> anyhow::Result<Principal> {
    let p = Principal::system();
    let u = store
        .user_by_username(&p, username)
        .await?
        .with_context(|| format!("the demo account {username}"))?;
    Ok(Principal {
        system: false,
        ..store.principal(u.user.id).await?.context("its principal")?
    })
}

/// Bắc Giang's code: the province whose demo the figures are taken in.
const PROVINCE: &str = "24";

pub async fn run(
    url: &str,
    iterations: usize,
    nation: bool,
    measure_only: bool,
) -> anyhow::Result<()> {
    let store = open(url).await?;
    let backend = match (url.starts_with("postgres"), nation) {
        (true, false) => "PostgreSQL",
        (true, true) => "PostgreSQL, nation",
        (false, false) => "SQLite",
        (false, true) => "SQLite, nation",
    };
    let p = Principal::system();
    let today = domain::tz::local_date(time::OffsetDateTime::now_utc());
    if measure_only {
        let root = store
            .org_by_code(&p, PROVINCE)
            .await?
            .context("Bắc Giang (24): build the scenario first (without --measure-only)")?;
        return inspection_figures(store.as_ref(), &root, iterations, today, backend).await;
    }
    anyhow::ensure!(
        store.org_roots(&p).await?.is_empty(),
        "the database must be empty: the scenario is built from scratch"
    );
    let password = "bench-finish-2026";
    let hash = web::password::hash(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let t = Instant::now();
    let h = hash.clone();
    demo::load(
        store.as_ref(),
        &demo::Profile::bac_giang(),
        1,
        &move |_| h.clone(),
        &|_, _| {},
    )
    .await?;
    println!("demo loaded in {:.1} s", t.elapsed().as_secs_f64());
    if nation {
        // The other 62 provinces, as `resolute demo --profile nation` builds them (its
        // seed, one transaction each), then the tree's counters rebuilt once.
        let t = Instant::now();
        let all = demo::units::pre_2025();
        let others: Vec<_> = all
            .iter()
            .filter(|u| u.level == 1 && u.code != PROVINCE)
            .collect();
        for (i, u) in others.iter().enumerate() {
            let start = store.max_ids().await?;
            let mut load = demo::tree::build_province(u, &all, &demo::Profile::Nation, 2025, start);
            load.recount = i + 1 == others.len();
            store.bulk_load(&p, load).await?;
            if (i + 1) % 10 == 0 || i + 1 == others.len() {
                println!(
                    "  {}/{} other provinces loaded ({:.0} s)",
                    i + 1,
                    others.len(),
                    t.elapsed().as_secs_f64()
                );
            }
        }
        let ids = store.max_ids().await?;
        println!(
            "nation: up to unit id {}, member id {} in {:.1} s",
            ids.org,
            ids.member,
            t.elapsed().as_secs_f64()
        );
    }
    let root = store
        .org_by_code(&p, PROVINCE)
        .await?
        .context("no province")?;
    let lucnam = store
        .org_by_code(&p, "218")
        .await?
        .context("Lục Nam (218)")?;
    let docs = store
        .documents(
            &p,
            root.id,
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await?;
    let doc = docs
        .iter()
        .find(|d| d.symbol == demo::resolution::NUMBER)
        .context("the demo resolution")?
        .id;
    let office = principal(store.as_ref(), "vanphong.tinhuy").await?;
    let units = {
        let mut n = 0usize;
        let mut stack = vec![root.clone()];
        let mut grassroots: Vec<Org> = Vec::new();
        while let Some(o) = stack.pop() {
            n += 1;
            if o.kind == OrgKind::Grassroots {
                grassroots.push(o.clone());
            }
            if o.kind != OrgKind::Cell {
                stack.extend(store.org_children(&p, o.id, false).await?);
            }
        }
        grassroots.sort_by_key(|o| o.id);
        (n, grassroots)
    };
    println!("province: {} units, {} grassroots", units.0, units.1.len());

    // (1) The factual part: the province's interim review's period, at the root and at
    // Lục Nam.
    let root_reports = store.unit_reports(&p, root.id, doc, today).await?;
    let review = root_reports
        .reports
        .iter()
        .find(|r| r.kind == ReportKind::Interim && r.state == ReportState::Submitted)
        .context("the province's interim review (demo/src/reports.rs)")?
        .clone();
    let facts = store
        .report_facts(&office, root.id, doc, review.period, today)
        .await?;
    println!(
        "root facts: {} overdue tasks listed, {} evidence gaps, lower reports {:?}",
        facts.overdue_tasks.len(),
        facts.evidence_gaps.len(),
        facts.lower_reports
    );
    for (name, org) in [
        ("province root", root.id),
        ("district (Lục Nam)", lucnam.id),
    ] {
        let mut times = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let t = Instant::now();
            let f = store
                .report_facts(&office, org, doc, review.period, today)
                .await?;
            times.push(t.elapsed());
            std::hint::black_box(f);
        }
        report(
            &format!("factual part of the {name}'s report ({backend})"),
            times,
        );
    }

    // (2) Formalism signals: one cell's report against its previous one and 200 siblings.
    let communes = store.org_children(&p, lucnam.id, false).await?;
    let commune = communes
        .iter()
        .find(|o| o.kind == OrgKind::Grassroots)
        .context("a commune of Lục Nam")?;
    let lucnam_doc = store
        .documents(
            &p,
            lucnam.id,
            Page {
                offset: 0,
                limit: 50,
            },
        )
        .await?
        .into_iter()
        .find(|d| d.symbol == "09-NQ/HU")
        .context("Lục Nam's 09-NQ/HU")?
        .id;
    let quarter = {
        let every = domain::ReportEvery::Quarterly;
        every.period_start(every.period_start(today) - time::Duration::days(1))
    };
    let g = store
        .gathered_reports(&p, commune.id, lucnam_doc, ReportKind::Periodic, quarter)
        .await?;
    let one: ReportRecord = g.reports.first().context("a cell's report")?.clone();
    let one_facts = one.facts.clone().context("its frozen facts")?;
    let with_text = |r: &ReportRecord, seed: u64| {
        let mut r = r.clone();
        r.sections = ReportSections {
            assessment: prose(seed, 400),
            causes: prose(seed + 1, 80),
            lessons: prose(seed + 2, 60),
            proposals: prose(seed + 3, 60),
        };
        r
    };
    let subject = with_text(&one, 1);
    let mut siblings: Vec<ReportRecord> = (0..200).map(|i| with_text(&one, 100 + i * 7)).collect();
    // One sibling copied the report word for word.
    siblings[17].sections = subject.sections.clone();
    let peers = ReportPeers {
        previous: Some(with_text(&one, 2)),
        siblings,
        upper: None,
        own_last_minute: vec![10, 20, 15],
    };
    let s = services::reports::signals(&subject, &one_facts, &peers);
    println!(
        "signals: {} copied passages found, {} contradictions",
        s.copies.len(),
        s.contradictions.len()
    );
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        let s = services::reports::signals(&subject, &one_facts, &peers);
        times.push(t.elapsed());
        std::hint::black_box(s);
    }
    report(
        "formalism signals of one report vs its previous + 200 siblings (~600 words each)",
        times,
    );

    // (3) The .docx of a 20-page review, through the real router: the province's interim
    // review corrected into a draft of 24 paragraphs (≈ 62,000 characters, about 20
    // pages), its factual part read live as for any draft.
    let draft = store.correct_report(&p, review.id).await?;
    let paragraphs = |seed: u64, n: usize| {
        (0..n)
            .map(|i| prose(seed + i as u64, 235))
            .collect::<Vec<_>>()
            .join("\n\n")
    };
    let current = store.report(&p, draft.id).await?;
    store
        .save_report(
            &p,
            draft.id,
            ReportInput {
                sections: ReportSections {
                    // Each section under its 20,000-character limit.
                    assessment: paragraphs(1000, 6),
                    causes: paragraphs(2000, 6),
                    lessons: paragraphs(3000, 6),
                    proposals: paragraphs(4000, 6),
                },
                conference: current.conference.clone(),
                decisions: Vec::new(),
            },
        )
        .await?;
    let app = web::app(web::AppState::new(
        store.clone(),
        web::Config {
            data_dir: std::env::temp_dir(),
            ..web::Config::default()
        },
    ));
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::get("/login")
                .header("x-forwarded-for", "127.0.0.1")
                .body(axum::body::Body::empty())?,
        )
        .await?;
    let login_cookie = cookie(&res, web::auth::LOGIN_COOKIE).context("login cookie")?;
    let html = String::from_utf8(res.into_body().collect().await?.to_bytes().to_vec())?;
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).context("the form's token")? + marker.len();
    let token = &html[start..start + html[start..].find('"').context("end")?];
    let form = format!("csrf={token}&username=vanphong.tinhuy&password={password}&next=");
    let res = app
        .clone()
        .oneshot(
            axum::http::Request::post("/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header(
                    "cookie",
                    format!("{}={login_cookie}", web::auth::LOGIN_COOKIE),
                )
                .body(axum::body::Body::from(form))?,
        )
        .await?;
    let session = cookie(&res, web::auth::SESSION_COOKIE).context("signed in")?;
    let path = format!("/reports/{}/docx", draft.id);
    let n = (iterations / 10).max(20);
    let mut times = Vec::with_capacity(n);
    let mut size = 0;
    for _ in 0..n {
        let req = axum::http::Request::get(&path)
            .header("cookie", format!("{}={session}", web::auth::SESSION_COOKIE))
            .body(axum::body::Body::empty())?;
        let t = Instant::now();
        let res = app.clone().oneshot(req).await?;
        anyhow::ensure!(res.status() == 200, "the .docx: {}", res.status());
        let body = res.into_body().collect().await?.to_bytes();
        times.push(t.elapsed());
        size = body.len();
    }
    let words: usize = store
        .report(&p, draft.id)
        .await?
        .sections
        .joined()
        .split_whitespace()
        .count();
    report(
        &format!("DOCX of a 20-page review ({words} words), server time"),
        times,
    );
    println!("DOCX size: {:.1} KB", size as f64 / 1024.0);

    // (4) Inspection at province scale: the UBKT's program gets 200 supervisions of
    // grassroots units, each concluded with 10 recommendations (2,000 in all; deadlines
    // spread so that some are past due). They stay open: making one a task needs an issued
    // program of the grassroots unit on the chain, which the demo does not have; the
    // demo's own Lục Nam recommendations are in every state.
    let program = store
        .inspection_programs(&p, root.id)
        .await?
        .into_iter()
        .find(|x| x.body == BodyKind::InspectionCommittee && x.year == today.year())
        .context("the UBKT's program of the year")?;
    let t = Instant::now();
    let recs = supervise(
        store.as_ref(),
        program.id,
        Some(doc),
        &root,
        &units.1,
        today,
    )
    .await?;
    println!(
        "setup: 200 supervisions concluded with {recs} recommendations in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    if nation {
        // Every other province's inspection committee does the same, so that the
        // inspection tables are nation-sized and the figures are read from one province's
        // range of them.
        let t = Instant::now();
        let mut all = 0usize;
        for other in store.org_roots(&p).await? {
            if other.id == root.id || other.kind != OrgKind::Provincial || !other.is_active() {
                continue;
            }
            let program = store
                .create_inspection_program(
                    &p,
                    NewInspectionProgram {
                        org_id: other.id,
                        body: BodyKind::InspectionCommittee,
                        year: today.year(),
                        title: format!("Chương trình kiểm tra, giám sát năm {}", today.year()),
                    },
                )
                .await?;
            // Its grassroots units (the walk stops there).
            let mut grassroots: Vec<Org> = Vec::new();
            let mut stack = vec![other.clone()];
            while let Some(o) = stack.pop() {
                match o.kind {
                    OrgKind::Grassroots => grassroots.push(o),
                    OrgKind::Cell => {}
                    _ => stack.extend(store.org_children(&p, o.id, false).await?),
                }
            }
            grassroots.sort_by_key(|o| o.id);
            all += supervise(store.as_ref(), program.id, None, &other, &grassroots, today).await?;
        }
        println!(
            "setup, nation: {all} more recommendations in the other provinces in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    inspection_figures(store.as_ref(), &root, iterations, today, backend).await
}

/// 200 supervisions of the first `grassroots` units in the program `program` of the
/// province `root`, each concluded with 10 recommendations (deadlines spread so that some
/// are past due). Returns the number of recommendations.
async fn supervise(
    store: &dyn store::Store,
    program: i64,
    doc: Option<domain::DocumentId>,
    root: &Org,
    grassroots: &[Org],
    today: time::Date,
) -> anyhow::Result<usize> {
    let p = Principal::system();
    let head = store
        .subtree_members(
            &p,
            root.id,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .await?
        .first()
        .context("a member")?
        .member
        .id;
    let days = time::Duration::days;
    let mut recs = 0usize;
    let start_on = (today - days(100)).max(time::Date::from_calendar_date(
        today.year(),
        time::Month::January,
        2,
    )?);
    for (i, unit) in grassroots.iter().take(200).enumerate() {
        let item = store
            .add_inspection_item(
                &p,
                program,
                NewItem {
                    kind: Some(if i % 2 == 0 {
                        ItemKind::ThematicSupervision
                    } else {
                        ItemKind::RegularSupervision
                    }),
                    title: format!("Giám sát {}", unit.name),
                    content: "Việc thực hiện nghị quyết.".into(),
                    document_id: doc,
                    subjects: vec![(unit.id, None)],
                    team: vec![(head, TeamRole::Head)],
                    starts_on: Some(start_on),
                    ends_on: Some(today + days(30)),
                    ..NewItem::default()
                },
            )
            .await?;
        store
            .notify_inspection_item(&p, item.id, start_on, Some(start_on + days(3)))
            .await?;
        store
            .submit_self_report(
                &p,
                item.subjects[0].id,
                "Báo cáo tự kiểm tra.".into(),
                Vec::new(),
                start_on + days(2),
            )
            .await?;
        store
            .add_finding(
                &p,
                item.id,
                NewFinding {
                    subject_id: item.subjects[0].id,
                    kind: FindingKind::Shortcoming,
                    about: AboutKind::General,
                    about_id: None,
                    about_part: None,
                    text: "Chậm triển khai.".into(),
                },
            )
            .await?;
        let concluded = start_on + days(5);
        let done = store
            .conclude_inspection_item(
                &p,
                item.id,
                Conclusion {
                    concluded_on: concluded,
                    text: "Kết luận.".into(),
                    recommendations: (0..10)
                        .map(|k| NewRecommendation {
                            acting_org_id: Some(unit.id),
                            text: format!("Kiến nghị {k} của {}", unit.name),
                            deadline: Some(concluded + days(10 + 15 * k)),
                        })
                        .collect(),
                },
            )
            .await?;
        recs += done.recommendations.len();
    }
    Ok(recs)
}

/// The inspection dashboard of the province `root` for the year (the UBKT's view) and the
/// ranked suggestion list over its units, timed.
async fn inspection_figures(
    store: &dyn store::Store,
    root: &Org,
    iterations: usize,
    today: time::Date,
    backend: &str,
) -> anyhow::Result<()> {
    let ubkt = principal(store, "ubkt.tinhuy").await?;
    let d = store
        .inspection_dashboard(&ubkt, root.id, today.year(), today)
        .await?;
    println!(
        "dashboard: {} planned, {} done, {} open listed, {} overdue, coverage rows {}",
        d.planned,
        d.done,
        d.open.len(),
        d.overdue,
        d.coverage.len()
    );
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        let d = store
            .inspection_dashboard(&ubkt, root.id, today.year(), today)
            .await?;
        times.push(t.elapsed());
        std::hint::black_box(d);
    }
    report(
        &format!("inspection dashboard of the province root, 2,000+ recommendations ({backend})"),
        times,
    );
    let s = store
        .supervision_suggestions(&ubkt, root.id, today, 5000)
        .await?;
    println!("suggestions: {} units suggested", s.len());
    let n = (iterations / 10).max(20);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        let s = store
            .supervision_suggestions(&ubkt, root.id, today, 5000)
            .await?;
        times.push(t.elapsed());
        std::hint::black_box(s);
    }
    report(
        &format!("ranked suggestion list over the province's units ({backend})"),
        times,
    );
    Ok(())
}
