//! A preview of the pages for development: a temporary SQLite database with a small
//! seeded tree, served on 127.0.0.1:8099.
//!
//! ```text
//! cargo run -p web --example preview                          # sign in with the form
//! cargo run -p web --example preview -- --preview-login admin # every request signed in
//! ```
//!
//! `--preview-login USER` (development only, for headless screenshots) signs USER in once
//! and adds that session's cookie to every request that has none. Accounts: admin,
//! office.a, secretary.a, member.b (answers for a task of district B's program); password `mat-khau-thu-nghiem`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{HeaderValue, Request, header};
use domain::{AccessRole, Audience, Gender, OrgId, OrgKind, PositionRole, Principal};
use store::{NewGrant, NewMember, NewOrg, NewPosition, NewUser, Store};
use time::macros::date;

const PASSWORD: &str = "mat-khau-thu-nghiem";

async fn org(s: &dyn Store, parent: Option<OrgId>, kind: OrgKind, name: &str, code: &str) -> OrgId {
    s.org_create(
        &Principal::system(),
        NewOrg {
            parent_id: parent,
            kind,
            name: name.into(),
            code: Some(code.into()),
            valid_from: date!(2020 - 01 - 01),
        },
    )
    .await
    .expect("org")
    .id
}

async fn seed(s: &dyn Store) {
    let sys = Principal::system();
    let province = org(s, None, OrgKind::Provincial, "Đảng bộ tỉnh Bắc Giang", "24").await;
    let mut first_cell = None;
    let districts = [
        (
            "Đảng bộ huyện Lục Nam",
            "217",
            ["Bảo Đài", "Bảo Sơn", "Cẩm Lý"],
        ),
        (
            "Đảng bộ huyện Yên Thế",
            "215",
            ["Đồng Kỳ", "Đồng Lạc", "Hồng Kỳ"],
        ),
        (
            "Đảng bộ thành phố Bắc Giang",
            "213",
            ["Dĩnh Kế", "Hoàng Văn Thụ", "Trần Phú"],
        ),
    ];
    let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi"];
    let middles = ["Văn", "Thị", "Đức", "Minh", "Thu", "Quang"];
    let givens = [
        "An", "Bình", "Cường", "Dung", "Hà", "Hải", "Hoa", "Hùng", "Lan", "Mai", "Nam", "Thảo",
    ];
    let mut n = 0usize;
    let mut district_a = None;
    let mut districts_seen = Vec::new();
    for (dname, dcode, communes) in districts {
        let d = org(s, Some(province), OrgKind::DirectlyAffiliated, dname, dcode).await;
        district_a.get_or_insert(d);
        districts_seen.push(d);
        for (ci, commune) in communes.iter().enumerate() {
            let g = org(
                s,
                Some(d),
                OrgKind::Grassroots,
                &format!("Đảng bộ xã {commune}"),
                &format!("{dcode}-{ci}"),
            )
            .await;
            for (k, village) in ["Thôn Đông", "Thôn Tây", "Thôn Trung"].iter().enumerate() {
                let cell = org(
                    s,
                    Some(g),
                    OrgKind::Cell,
                    &format!("Chi bộ {village}"),
                    &format!("{dcode}-{ci}-{k}"),
                )
                .await;
                first_cell.get_or_insert(cell);
                for j in 0..(4 + (n % 5)) {
                    n += 1;
                    let name = format!(
                        "{} {} {}",
                        families[n % families.len()],
                        middles[(n / 3) % middles.len()],
                        givens[(n * 7) % givens.len()]
                    );
                    let m = s
                        .member_create(
                            &sys,
                            NewMember {
                                cell_id: cell,
                                full_name: name,
                                gender: Some(if n.is_multiple_of(2) {
                                    Gender::Male
                                } else {
                                    Gender::Female
                                }),
                                birth_date: Some(
                                    date!(1975 - 01 - 01)
                                        + time::Duration::days((n * 397 % 9000) as i64),
                                ),
                                joined_on: Some(
                                    date!(2000 - 01 - 01)
                                        + time::Duration::days((n * 211 % 7000) as i64),
                                ),
                                audience: if j == 0 {
                                    Audience::KeyCadre
                                } else {
                                    Audience::Member
                                },
                                card_number: Some(format!("24.{n:06}")),
                                since: date!(2020 - 01 - 01),
                            },
                        )
                        .await
                        .expect("member");
                    if j < 2 {
                        let role = if j == 0 {
                            PositionRole::Secretary
                        } else {
                            PositionRole::DeputySecretary
                        };
                        s.position_add(
                            &sys,
                            NewPosition {
                                member_id: m.id,
                                org_id: cell,
                                role,
                                from: date!(2020 - 10 - 01),
                            },
                        )
                        .await
                        .expect("position");
                    }
                }
            }
        }
    }
    seed_programs(s, province).await;
    // A member of district B who answers for a task of its issued program.
    let first_b = s
        .subtree_members(
            &sys,
            districts_seen[1],
            store::Page {
                offset: 0,
                limit: 1,
            },
        )
        .await
        .expect("members")[0]
        .member
        .id;
    s.user_create(
        &sys,
        NewUser {
            username: "member.b".into(),
            display_name: "Đảng viên huyện Yên Thế".into(),
            password_hash: web::password::hash(PASSWORD).expect("hash"),
            member_id: Some(first_b),
        },
    )
    .await
    .expect("member account");
    let hash = web::password::hash(PASSWORD).expect("hash");
    for (username, name, role, org_id) in [
        ("admin", "Quản trị Tỉnh ủy", AccessRole::Admin, province),
        (
            "office.a",
            "Văn phòng Huyện ủy Lục Nam",
            AccessRole::OfficeStaff,
            district_a.expect("district"),
        ),
        (
            "secretary.a",
            "Bí thư Chi bộ Thôn Đông",
            AccessRole::Secretary,
            first_cell.expect("cell"),
        ),
    ] {
        let u = s
            .user_create(
                &sys,
                NewUser {
                    username: username.into(),
                    display_name: name.into(),
                    password_hash: hash.clone(),
                    member_id: None,
                },
            )
            .await
            .expect("user");
        s.grant_add(
            &sys,
            NewGrant {
                user_id: u.id,
                role,
                org_id,
            },
        )
        .await
        .expect("grant");
    }
}

/// A provincial resolution with targets, cascaded to the districts (study overdue for
/// some) and to district A's communes; district A records its study and drafts its
/// program; district B issues one.
async fn seed_programs(s: &dyn Store, province: OrgId) {
    use domain::{
        CascadeDeadlines, CascadeScope, DocumentNumber, DocumentType, ProgramKind, ProgramSections,
        ReportEvery, TaskDraft, Term, target::Direction,
    };
    let sys = Principal::system();
    let root = s.org_get(&sys, province).await.expect("province");
    let doc = s
        .register_document(
            &sys,
            store::NewDocument {
                issuer_org_id: province,
                doc_type: DocumentType::Resolution,
                number: DocumentNumber::parse_for("number", DocumentType::Resolution, "01-NQ/TU")
                    .expect("number"),
                term: Term::parse("term", "2020–2025").expect("term"),
                issued_on: date!(2025 - 01 - 15),
                title: "Về nâng cao năng lực lãnh đạo, sức chiến đấu của tổ chức cơ sở đảng".into(),
                body_md: "## Mục tiêu\n\nNâng cao chất lượng sinh hoạt chi bộ, xây dựng tổ chức cơ sở đảng trong sạch, vững mạnh.\n\n## Giải pháp\n\n1. Nâng cao trách nhiệm của cấp ủy, người đứng đầu.\n2. Học tập, quán triệt theo từng đối tượng.\n3. Bồi dưỡng cấp ủy viên cơ sở.\n4. Xây dựng chương trình phù hợp từng cấp, có lấy ý kiến nhân dân.\n5. Tăng cường kiểm tra, giám sát.".into(),
                parent_document_id: None,
            },
        )
        .await
        .expect("document");
    s.set_document_targets(
        &sys,
        doc.id,
        vec![domain::Target {
            indicator: "Tỷ lệ tổ chức cơ sở đảng hoàn thành tốt nhiệm vụ trở lên".into(),
            baseline: Some(82.0),
            target_value: 90.0,
            unit: "%".into(),
            deadline: Some(date!(2025 - 12 - 31)),
            direction: Direction::Increase,
            rule: domain::RollupRule::Average,
        }],
    )
    .await
    .expect("targets");
    let deadlines = CascadeDeadlines {
        study_by: date!(2025 - 02 - 28),
        program_by: date!(2025 - 03 - 31),
        report_every: ReportEvery::Quarterly,
        interim_review_by: None,
        reports_until: None,
        grace_days: 5,
    };
    s.create_cascade(
        &sys,
        doc.id,
        CascadeScope {
            root: root.path.clone(),
            kinds: vec![OrgKind::DirectlyAffiliated],
            include_root: false,
        },
        deadlines.clone(),
    )
    .await
    .expect("cascade");
    let districts = s
        .org_children(&sys, province, false)
        .await
        .expect("districts");
    let (a, b) = (&districts[0], &districts[1]);
    s.create_cascade(
        &sys,
        doc.id,
        CascadeScope {
            root: a.path.clone(),
            kinds: vec![OrgKind::Grassroots],
            include_root: false,
        },
        CascadeDeadlines {
            study_by: date!(2030 - 03 - 31),
            program_by: date!(2030 - 06 - 30),
            ..deadlines
        },
    )
    .await
    .expect("cascade");
    for d in [a, b] {
        let unit = s
            .cascade_unit_of(&sys, d.id, doc.id)
            .await
            .expect("unit")
            .expect("reached");
        s.record_study(&sys, unit.id, date!(2025 - 02 - 20))
            .await
            .expect("study");
    }
    for (d, issue) in [(a, false), (b, true)] {
        let members = s
            .subtree_members(
                &sys,
                d.id,
                store::Page {
                    offset: 0,
                    limit: 3,
                },
            )
            .await
            .expect("members");
        let p = s
            .create_program_draft(
                &sys,
                store::NewProgram {
                    org_id: d.id,
                    document_id: doc.id,
                    kind: ProgramKind::ActionProgram,
                    title: "Chương trình hành động thực hiện Nghị quyết số 01-NQ/TU".into(),
                },
            )
            .await
            .expect("draft");
        s.save_program_sections(
            &sys,
            p.id,
            ProgramSections {
                purpose: "Quán triệt sâu sắc, tạo chuyển biến rõ nét về nhận thức và hành động."
                    .into(),
                tasks_and_solutions: if issue {
                    "Tập trung năm nhóm giải pháp của Nghị quyết.".into()
                } else {
                    String::new()
                },
                organization: if issue {
                    "Văn phòng Huyện ủy theo dõi, tổng hợp, báo cáo hằng quý.".into()
                } else {
                    String::new()
                },
            },
        )
        .await
        .expect("sections");
        let task = |i: usize, complete: bool| TaskDraft {
            content: [
                "Tổ chức học tập, quán triệt Nghị quyết đến toàn thể đảng viên",
                "Rà soát, kiện toàn cấp ủy cơ sở",
                "Sinh hoạt chuyên đề hằng quý tại các chi bộ",
            ][i]
                .into(),
            lead_body: Some("Ban Tuyên giáo Huyện ủy".into()),
            cooperating_bodies: vec!["Ban Tổ chức Huyện ủy".into()],
            responsible: complete.then(|| members[i % members.len()].member.id),
            deadline: Some(date!(2027 - 06 - 30)),
            expected_output: complete.then(|| "Báo cáo kết quả".to_owned()),
            upper_target: None,
        };
        s.save_tasks(
            &sys,
            p.id,
            vec![task(0, true), task(1, true), task(2, issue)],
        )
        .await
        .expect("tasks");
        if issue {
            s.issue_program(&sys, p.id, date!(2025 - 03 - 20))
                .await
                .expect("issue");
        }
    }
}

/// Signs `username` in against a throwaway instance and returns the session cookie.
async fn session_cookie(state: web::AppState, username: &str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(web::serve(listener, state, std::future::pending()));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("text");
    let marker = "name=\"csrf\" value=\"";
    let start = page.rfind(marker).expect("token") + marker.len();
    let token = &page[start..start + page[start..].find('"').expect("end")];
    let res = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", token),
            ("username", username),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("resolute_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt().with_env_filter("info").init();
    let login = std::env::args()
        .skip_while(|a| a != "--preview-login")
        .nth(1);
    let sqlite = store_sqlite::SqliteStore::temporary().await.expect("store");
    let store: Arc<dyn Store> = Arc::new(sqlite);
    seed(store.as_ref()).await;
    let data = std::env::temp_dir().join(format!("resolute-preview-{}", std::process::id()));
    let state = web::AppState::new(
        store,
        web::Config {
            data_dir: data,
            ..web::Config::default()
        },
    );

    let mut app = web::app(state.clone());
    if let Some(user) = login {
        let cookie = session_cookie(state, &user).await;
        println!("preview: every request is signed in as {user}");
        let value = HeaderValue::from_str(&cookie).expect("cookie");
        app = app.layer(axum::middleware::map_request(
            move |mut req: Request<axum::body::Body>| {
                let value = value.clone();
                async move {
                    if !req.headers().contains_key(header::COOKIE) {
                        req.headers_mut().insert(header::COOKIE, value);
                    }
                    req
                }
            },
        ));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8099")
        .await
        .expect("bind 8099");
    println!("preview: http://127.0.0.1:8099/");
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
    .expect("serve");
}
