//! `resolute-bench study`: the figures of issue 5 (docs/BENCHMARKS.md, "Study").

use anyhow::Context;
use domain::study::{AttendanceEntry, SessionDraft, SessionForm};
use domain::{AccessRole, AttendanceMark, Audience, OrgKind, Principal};
use http_body_util::BodyExt;
use std::time::Instant;
use store::{AttendanceImportRow, NewGrant, NewMember, NewOrg, NewStudySession, NewUser, Page};
use tower::ServiceExt;

use crate::{open, report};

fn draft(title: &str, on: time::Date) -> SessionDraft {
    SessionDraft::parse(
        &SessionForm {
            title: title.into(),
            audience: "member".into(),
            format: "in_person".into(),
            held_on: domain::validate::format_date(on),
            place: "Nhà văn hóa".into(),
        },
        None,
        false,
    )
    .expect("a valid conference")
}

/// The value of `name=value` in a `Set-Cookie` header list.
fn cookie(res: &axum::http::Response<axum::body::Body>, name: &str) -> Option<String> {
    res.headers()
        .get_all(axum::http::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

pub async fn run(url: &str, iterations: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        !url.starts_with("postgres"),
        "the study benchmark runs on a SQLite file"
    );
    let store = open(url).await?;
    let p = Principal::system();
    anyhow::ensure!(
        store.org_roots(&p).await?.is_empty(),
        "the database must be empty: the scenario is built from scratch"
    );
    let password = "bench-study-2025";
    let hash = web::password::hash(password).map_err(|e| anyhow::anyhow!("{e}"))?;
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
    let doc = store
        .documents(
            &p,
            root.id,
            Page {
                offset: 0,
                limit: 50,
            },
        )
        .await?
        .into_iter()
        .find(|d| d.symbol == demo::resolution::NUMBER)
        .context("the demo resolution")?;
    let held = doc.issued_on + time::Duration::days(20);

    // A conference in every cell (set-up).
    let mut cells = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(o) = stack.pop() {
        if o.kind == OrgKind::Cell {
            cells.push(o);
        } else {
            stack.extend(store.org_children(&p, o.id, false).await?);
        }
    }
    let t = Instant::now();
    let mut rows = Vec::new();
    for c in &cells {
        let s = store
            .create_study_session(
                &p,
                c.id,
                doc.id,
                NewStudySession {
                    draft: draft("Học tập Nghị quyết 05-NQ/TU", held),
                    reporters: vec![],
                    makeup_of: None,
                },
            )
            .await?;
        for (i, m) in store.cell_members(&p, c.id).await?.iter().enumerate() {
            let mark = match i % 20 {
                7 => AttendanceMark::Excused,
                13 => AttendanceMark::Absent,
                _ => AttendanceMark::Present,
            };
            rows.push(AttendanceImportRow {
                session: s.id,
                entry: AttendanceEntry {
                    member_id: m.id,
                    mark,
                    reason: (mark == AttendanceMark::Excused).then(|| "Ốm".to_owned()),
                },
            });
        }
    }
    println!(
        "{} conferences (one per cell) in {:.1} s; {} attendance rows to import",
        cells.len(),
        t.elapsed().as_secs_f64(),
        rows.len()
    );

    // The import: every member's mark in one all-or-nothing call, rolled up.
    let n = rows.len();
    let t = Instant::now();
    let written = store.import_attendance(&p, rows).await?;
    let import = t.elapsed();
    println!(
        "attendance import ({}): {n} rows, {written} written, rolled up, in {:.2} s ({:.0} rows/s)",
        store.backend(),
        import.as_secs_f64(),
        n as f64 / import.as_secs_f64()
    );

    // The participation rollup of the province root.
    let first = store.participation(&p, root.id, doc.id).await?;
    println!(
        "root participation: {} of {} members studied ({}%), key cadres {} of {}",
        first.total().studied,
        first.members_total(),
        first.percent(),
        first.counters[0].studied,
        first.members[0]
    );
    let office = Principal {
        system: false,
        ..store
            .principal(
                store
                    .user_by_username(&p, "vanphong.tinhuy")
                    .await?
                    .context("the provincial office's account")?
                    .user
                    .id,
            )
            .await?
            .context("its principal")?
    };
    let mut times = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        let x = store.participation(&office, root.id, doc.id).await?;
        times.push(t.elapsed());
        std::hint::black_box(x);
    }
    report(
        &format!("participation of the province root ({})", store.backend()),
        times,
    );
    let mut times = Vec::with_capacity(iterations / 10);
    for _ in 0..iterations / 10 {
        let t = Instant::now();
        let x = store
            .participation_children(&office, root.id, doc.id)
            .await?;
        times.push(t.elapsed());
        std::hint::black_box(x);
    }
    report("participation of the root's children (drill-down)", times);
    let t = Instant::now();
    let differ = store.recount_study(&p).await?;
    println!(
        "recount of the study rollups in {:.2} s; {differ} member rows differed",
        t.elapsed().as_secs_f64()
    );
    anyhow::ensure!(differ == 0, "kept study rows differ from the recount");

    // The attendance screen of a 60-member cell, through the real router.
    let commune = cells[0].parent_id.context("a cell's commune")?;
    let cell = store
        .org_create(
            &p,
            NewOrg {
                parent_id: Some(commune),
                kind: OrgKind::Cell,
                name: "Chi bộ thôn Sáu Mươi".into(),
                code: Some("BENCH-60".into()),
                valid_from: time::OffsetDateTime::now_utc().date(),
            },
        )
        .await?;
    let mut sheet = Vec::new();
    for i in 0..60 {
        let m = store
            .member_create(
                &p,
                NewMember {
                    cell_id: cell.id,
                    full_name: format!("Nguyễn Thị Phương Thảo {}", i + 1),
                    gender: None,
                    birth_date: None,
                    joined_on: None,
                    audience: if i < 5 {
                        Audience::KeyCadre
                    } else {
                        Audience::Member
                    },
                    card_number: None,
                    since: time::OffsetDateTime::now_utc().date(),
                },
            )
            .await?;
        let mark = if i % 10 == 3 {
            AttendanceMark::Excused
        } else {
            AttendanceMark::Present
        };
        sheet.push(AttendanceEntry {
            member_id: m.id,
            mark,
            reason: (mark == AttendanceMark::Excused).then(|| "Đi công tác xa".to_owned()),
        });
    }
    let s = store
        .create_study_session(
            &p,
            cell.id,
            doc.id,
            NewStudySession {
                draft: draft("Học tập Nghị quyết 05-NQ/TU – chi bộ 60 đảng viên", held),
                reporters: vec![],
                makeup_of: None,
            },
        )
        .await?;
    store.record_attendance(&p, s.id, sheet).await?;
    let user = store
        .user_create(
            &p,
            NewUser {
                username: "bithu.sauMuoi".to_lowercase(),
                display_name: "Bí thư chi bộ".into(),
                password_hash: hash,
                member_id: None,
            },
        )
        .await?;
    store
        .grant_add(
            &p,
            NewGrant {
                user_id: user.id,
                role: AccessRole::Secretary,
                org_id: cell.id,
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
    // Sign in as the browser does: the form's token and cookie, then the POST.
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
    let form = format!(
        "csrf={token}&username={}&password={password}&next=",
        user.username
    );
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
    let path = format!("/study-sessions/{}", s.id);
    let mut times = Vec::with_capacity(iterations / 4);
    let mut size = 0usize;
    for _ in 0..(iterations / 4).max(10) {
        let req = axum::http::Request::get(&path)
            .header("cookie", format!("{}={session}", web::auth::SESSION_COOKIE))
            .body(axum::body::Body::empty())?;
        let t = Instant::now();
        let res = app.clone().oneshot(req).await?;
        anyhow::ensure!(res.status() == 200, "the sheet: {}", res.status());
        let body = res.into_body().collect().await?.to_bytes();
        times.push(t.elapsed());
        size = body.len();
    }
    report("attendance screen of a 60-member cell, server time", times);
    println!(
        "attendance screen of a 60-member cell: {size} bytes ({:.1} KB) of HTML, no other requests but the cached CSS and JS",
        size as f64 / 1024.0
    );
    Ok(())
}
