//! `spawn_app()`: a fresh database (SQLite, or PostgreSQL with
//! `RESOLUTE_TEST_BACKEND=postgres`: see the `testdb` crate), a small seeded tree and the
//! real server on 127.0.0.1:0; and a `TestApp` with helpers to sign in and send requests.
//!
//! The tree: Tỉnh Bắc Giang → Huyện Lục Nam (district A) and Huyện Yên Thế (district B),
//! each → one commune (grassroots) → one cell → members. Accounts: `admin` (province),
//! `office.a` / `office.b` (office staff of each district), `admin.a` / `admin.b`
//! (administrators of each district), `secretary.a` (secretary of cell A) and `clerk.a`
//! (a member account in district A, the record the admin routes are tried on).

use std::sync::Arc;

use domain::{
    AccessRole, Audience, Gender, MemberId, OrgId, OrgKind, PositionRole, Principal, UserId,
};
use store::{NewGrant, NewMember, NewOrg, NewPosition, NewUser, Store};
use time::macros::date;

pub const PASSWORD: &str = "mat-khau-thu-nghiem";

/// Names that only district A's records contain: district B must never see them.
pub const A_NAMES: &[&str] = &[
    "Huyện Lục Nam",
    "Đảng bộ xã Bảo Đài",
    "Chi bộ thôn Thanh Lâm",
    "Nguyễn Văn Đức",
    "Trần Thị Hoà",
    "Cán bộ xã Bảo Đài",
];

pub struct TestApp {
    pub addr: String,
    pub store: Arc<dyn Store>,
    pub province: OrgId,
    pub district_a: OrgId,
    pub district_b: OrgId,
    pub grassroots_a: OrgId,
    pub cell_a: OrgId,
    pub cell_b: OrgId,
    pub member_a: MemberId,
    pub member_b: MemberId,
    pub position_a: i64,
    pub clerk_a: UserId,
    /// One of clerk.a's two grants (the other keeps the account in district A's scope).
    pub clerk_grant: i64,
    /// The server's data folder (evidence files), removed with the app.
    pub data: Arc<tempfile::TempDir>,
    /// The server's state (its password gate's figures).
    pub state: web::AppState,
    /// The test's database, dropped with the app.
    pub db: Arc<testdb::TestStore>,
}

/// A signed-in (or anonymous) browser: its own cookie jar, no automatic redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
    pub csrf: String,
}

pub(crate) async fn org(
    store: &dyn Store,
    parent: Option<OrgId>,
    kind: OrgKind,
    name: &str,
    code: &str,
) -> OrgId {
    store
        .org_create(
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
        .expect("create org")
        .id
}

pub(crate) async fn member(store: &dyn Store, cell: OrgId, name: &str, gender: Gender) -> MemberId {
    store
        .member_create(
            &Principal::system(),
            NewMember {
                cell_id: cell,
                full_name: name.into(),
                gender: Some(gender),
                birth_date: Some(date!(1980 - 05 - 17)),
                joined_on: Some(date!(2005 - 03 - 26)),
                audience: Audience::Member,
                card_number: None,
                since: date!(2020 - 01 - 01),
            },
        )
        .await
        .expect("create member")
        .id
}

async fn user(
    store: &dyn Store,
    hash: &str,
    username: &str,
    name: &str,
    grants: &[(AccessRole, OrgId)],
) -> (UserId, Vec<i64>) {
    let sys = Principal::system();
    let u = store
        .user_create(
            &sys,
            NewUser {
                username: username.into(),
                display_name: name.into(),
                password_hash: hash.into(),
                member_id: None,
            },
        )
        .await
        .expect("create user");
    let mut ids = Vec::new();
    for (role, org_id) in grants {
        let g = store
            .grant_add(
                &sys,
                NewGrant {
                    user_id: u.id,
                    role: *role,
                    org_id: *org_id,
                },
            )
            .await
            .expect("grant");
        ids.push(g.id);
    }
    (u.id, ids)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// [`spawn_app`] with settings changed by `configure` (trusted proxies, server limits).
pub async fn spawn_app_with(configure: impl FnOnce(&mut web::Config)) -> TestApp {
    let db = Arc::new(testdb::fresh_store().await);
    let store = db.store.clone();
    let s = store.as_ref();

    let province = org(s, None, OrgKind::Provincial, "Tỉnh Bắc Giang", "24").await;
    let district_a = org(
        s,
        Some(province),
        OrgKind::DirectlyAffiliated,
        "Huyện Lục Nam",
        "217",
    )
    .await;
    let district_b = org(
        s,
        Some(province),
        OrgKind::DirectlyAffiliated,
        "Huyện Yên Thế",
        "215",
    )
    .await;
    let grassroots_a = org(
        s,
        Some(district_a),
        OrgKind::Grassroots,
        "Đảng bộ xã Bảo Đài",
        "07408",
    )
    .await;
    let grassroots_b = org(
        s,
        Some(district_b),
        OrgKind::Grassroots,
        "Đảng bộ xã Đồng Kỳ",
        "07210",
    )
    .await;
    let cell_a = org(
        s,
        Some(grassroots_a),
        OrgKind::Cell,
        "Chi bộ thôn Thanh Lâm",
        "07408-01",
    )
    .await;
    let cell_b = org(
        s,
        Some(grassroots_b),
        OrgKind::Cell,
        "Chi bộ thôn Đồng Tâm",
        "07210-01",
    )
    .await;
    let member_a = member(s, cell_a, "Nguyễn Văn Đức", Gender::Male).await;
    member(s, cell_a, "Trần Thị Hoà", Gender::Female).await;
    let member_b = member(s, cell_b, "Lê Văn Bình", Gender::Male).await;
    let position_a = s
        .position_add(
            &Principal::system(),
            NewPosition {
                member_id: member_a,
                org_id: cell_a,
                role: PositionRole::Secretary,
                from: date!(2020 - 10 - 01),
            },
        )
        .await
        .expect("position")
        .id;

    let hash = web::password::hash(PASSWORD).expect("hash");
    user(
        s,
        &hash,
        "admin",
        "Quản trị tỉnh",
        &[(AccessRole::Admin, province)],
    )
    .await;
    user(
        s,
        &hash,
        "office.a",
        "Văn phòng Huyện ủy Lục Nam",
        &[(AccessRole::OfficeStaff, district_a)],
    )
    .await;
    user(
        s,
        &hash,
        "office.b",
        "Văn phòng Huyện ủy Yên Thế",
        &[(AccessRole::OfficeStaff, district_b)],
    )
    .await;
    user(
        s,
        &hash,
        "admin.a",
        "Quản trị Lục Nam",
        &[(AccessRole::Admin, district_a)],
    )
    .await;
    user(
        s,
        &hash,
        "admin.b",
        "Quản trị Yên Thế",
        &[(AccessRole::Admin, district_b)],
    )
    .await;
    user(
        s,
        &hash,
        "secretary.a",
        "Bí thư chi bộ Thanh Lâm",
        &[(AccessRole::Secretary, cell_a)],
    )
    .await;
    let (clerk_a, clerk_grants) = user(
        s,
        &hash,
        "clerk.a",
        "Cán bộ xã Bảo Đài",
        &[
            (AccessRole::Member, grassroots_a),
            (AccessRole::Member, cell_a),
        ],
    )
    .await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = format!("http://{}", listener.local_addr().expect("addr"));
    let data = Arc::new(tempfile::tempdir().expect("data folder"));
    let state = web::AppState::new(store.clone(), {
        let mut c = web::Config {
            secure_cookies: false,
            version: "test-1.2.3".into(),
            data_dir: data.path().to_path_buf(),
            ..web::Config::default()
        };
        configure(&mut c);
        c
    });
    tokio::spawn(web::serve(listener, state.clone(), std::future::pending()));

    TestApp {
        addr,
        store,
        province,
        district_a,
        district_b,
        grassroots_a,
        cell_a,
        cell_b,
        member_a,
        member_b,
        position_a,
        clerk_a,
        clerk_grant: clerk_grants[1],
        data,
        state,
        db,
    }
}

/// The sign-in form's token in a page (after the header's sign-out form, if any).
pub fn login_token(html: &str) -> String {
    let form = html.find("action=\"/login\"").expect("a sign-in form");
    hidden_csrf(&html[form..])
}

/// The value of the first `name="csrf" value="..."` in a page.
pub fn hidden_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("a csrf field") + marker.len();
    let end = html[start..].find('"').expect("end of value") + start;
    html[start..end].to_owned()
}

impl TestApp {
    pub fn browser(&self) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.addr.clone(),
            csrf: String::new(),
        }
    }

    /// Adds an account with these grants (password [`PASSWORD`]).
    pub async fn add_user(&self, username: &str, name: &str, grants: &[(AccessRole, OrgId)]) {
        let hash = web::password::hash(PASSWORD).expect("hash");
        user(self.store.as_ref(), &hash, username, name, grants).await;
    }

    /// A browser signed in as `username`.
    pub async fn signed_in(&self, username: &str) -> Browser {
        let mut b = self.browser();
        let res = b.sign_in(username, PASSWORD).await;
        assert_eq!(res.status(), 303, "sign-in of {username} should redirect");
        let me: serde_json::Value = b.get("/api/me").await.json().await.expect("json");
        b.csrf = me["csrf_token"].as_str().expect("token").to_owned();
        b
    }
}

impl Browser {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// Posts a form; `csrf` is added unless the fields hold one.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if !fields.iter().any(|(k, _)| *k == "csrf") {
            form.push(("csrf", &self.csrf));
        }
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("POST")
    }

    /// Opens the sign-in form and submits it.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> reqwest::Response {
        let page = self.get("/login").await.text().await.expect("login page");
        let token = login_token(&page);
        self.client
            .post(self.url("/login"))
            .form(&[
                ("csrf", token.as_str()),
                ("username", username),
                ("password", password),
                ("next", ""),
            ])
            .send()
            .await
            .expect("POST /login")
    }
}

/// A `multipart/form-data` body: the text fields (the CSRF token first, as the page's form
/// sends it), then the file, if any, under the field name `file`.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "----resolute-test-boundary-7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Browser {
    /// Uploads a file with the import form's fields (`what`), as the page does.
    pub async fn upload(
        &self,
        path: &str,
        what: &str,
        file: Option<(&str, &[u8])>,
    ) -> reqwest::Response {
        let (content_type, body) = multipart(&[("csrf", self.csrf.as_str()), ("what", what)], file);
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST upload")
    }
}

/// Records of district A's program work, for the routes that name them.
pub struct ProgramRecords {
    pub document: domain::DocumentId,
    /// A PDF attached to the document (stored under the app's data folder).
    pub attachment: i64,
    pub cascade: domain::CascadeId,
    pub cascade_unit: store::CascadeUnitId,
    pub program: domain::ProgramId,
    /// The resolution's target (a rate the communes' targets serve).
    pub target: domain::TargetId,
}

impl TestApp {
    /// District A registers a resolution, cascades it to its grassroots organizations and
    /// the commune starts its program draft (all as the system).
    pub async fn seed_programs(&self) -> ProgramRecords {
        self.seed_programs_with_body("Nghị quyết của **Huyện Lục Nam**.")
            .await
    }

    /// [`TestApp::seed_programs`] with the resolution's text given.
    pub async fn seed_programs_with_body(&self, body_md: &str) -> ProgramRecords {
        use domain::{
            CascadeDeadlines, CascadeScope, DocumentNumber, DocumentType, ProgramKind, ReportEvery,
            Term,
        };
        let sys = Principal::system();
        let s = self.store.as_ref();
        let district = s.org_get(&sys, self.district_a).await.expect("district");
        let doc = s
            .register_document(
                &sys,
                store::NewDocument {
                    issuer_org_id: self.district_a,
                    doc_type: DocumentType::Resolution,
                    number: DocumentNumber::parse_for(
                        "number",
                        DocumentType::Resolution,
                        "05-NQ/HU",
                    )
                    .expect("number"),
                    term: Term::parse("term", "2020–2025").expect("term"),
                    issued_on: date!(2025 - 01 - 15),
                    title: "Về xây dựng Đảng bộ xã Bảo Đài trong sạch, vững mạnh".into(),
                    body_md: body_md.into(),
                    parent_document_id: None,
                },
            )
            .await
            .expect("document");
        let summary = s
            .create_cascade(
                &sys,
                doc.id,
                CascadeScope {
                    root: district.path.clone(),
                    kinds: vec![OrgKind::Grassroots],
                    include_root: false,
                },
                CascadeDeadlines {
                    study_by: date!(2025 - 02 - 15),
                    program_by: date!(2030 - 12 - 31),
                    report_every: ReportEvery::Quarterly,
                    interim_review_by: None,
                    reports_until: None,
                    grace_days: 5,
                },
            )
            .await
            .expect("cascade");
        let unit = s
            .cascade_unit_of(&sys, self.grassroots_a, doc.id)
            .await
            .expect("unit")
            .expect("reached");
        let program = s
            .create_program_draft(
                &sys,
                store::NewProgram {
                    org_id: self.grassroots_a,
                    document_id: doc.id,
                    kind: ProgramKind::ActionProgram,
                    title: "Chương trình hành động của Đảng bộ xã Bảo Đài".into(),
                },
            )
            .await
            .expect("draft");
        let pdf = keep_pdf(self.data.path(), "ban-ky.pdf");
        let attachment = s
            .attach_document_file(&sys, doc.id, pdf)
            .await
            .expect("attachment")
            .id;
        let target = s
            .set_document_targets(
                &sys,
                doc.id,
                vec![domain::Target {
                    indicator: "Tỷ lệ đảng viên được học tập nghị quyết".into(),
                    baseline: Some(80.0),
                    target_value: 100.0,
                    unit: "%".into(),
                    deadline: Some(date!(2025 - 12 - 31)),
                    direction: domain::Direction::Increase,
                    rule: domain::RollupRule::Average,
                }],
            )
            .await
            .expect("targets")[0]
            .id;
        ProgramRecords {
            document: doc.id,
            attachment,
            cascade: summary.id,
            cascade_unit: unit.id,
            program: program.id,
            target,
        }
    }
}

/// An issued task of district A's commune with one pending update carrying a PDF.
pub struct TaskRecords {
    pub program: domain::ProgramId,
    pub task: domain::TaskId,
    pub update: domain::ProgressUpdateId,
    pub evidence_file: i64,
}

/// The bytes of a small PDF.
pub const SMALL_PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Keeps [`SMALL_PDF`] in the blob store of a data folder, as an upload named `name`.
pub fn keep_pdf(data_dir: &std::path::Path, name: &str) -> store::EvidenceMeta {
    let file = services::CheckedFile::check(name, SMALL_PDF.to_vec()).expect("a PDF");
    services::BlobStore::new(data_dir)
        .put_blocking(&file)
        .expect("blob kept")
}

impl TestApp {
    /// District A registers a second resolution and cascades it to its communes; the
    /// commune of district A issues its program with one task that member A answers for
    /// (all as the system). With `update`, an update with a PDF is posted on it.
    pub async fn seed_issued_task(&self, update: bool) -> TaskRecords {
        use domain::{
            CascadeDeadlines, CascadeScope, DocumentNumber, DocumentType, ProgramKind,
            ProgramSections, ReportEvery, TaskDraft, TaskStatus, Term,
        };
        let sys = Principal::system();
        let s = self.store.as_ref();
        let district = s.org_get(&sys, self.district_a).await.expect("district");
        let doc = s
            .register_document(
                &sys,
                store::NewDocument {
                    issuer_org_id: self.district_a,
                    doc_type: DocumentType::Resolution,
                    number: DocumentNumber::parse_for(
                        "number",
                        DocumentType::Resolution,
                        "06-NQ/HU",
                    )
                    .expect("number"),
                    term: Term::parse("term", "2020–2025").expect("term"),
                    issued_on: date!(2025 - 01 - 20),
                    title: "Về chuyển đổi số trong công tác đảng".into(),
                    body_md: "Nghị quyết.".into(),
                    parent_document_id: None,
                },
            )
            .await
            .expect("document");
        s.create_cascade(
            &sys,
            doc.id,
            CascadeScope {
                root: district.path.clone(),
                kinds: vec![OrgKind::Grassroots],
                include_root: false,
            },
            CascadeDeadlines {
                study_by: date!(2025 - 02 - 15),
                program_by: date!(2030 - 12 - 31),
                report_every: ReportEvery::Quarterly,
                interim_review_by: None,
                reports_until: None,
                grace_days: 5,
            },
        )
        .await
        .expect("cascade");
        let program = s
            .create_program_draft(
                &sys,
                store::NewProgram {
                    org_id: self.grassroots_a,
                    document_id: doc.id,
                    kind: ProgramKind::ActionProgram,
                    title: "Chương trình chuyển đổi số của Đảng bộ xã Bảo Đài".into(),
                },
            )
            .await
            .expect("draft");
        s.save_program_sections(
            &sys,
            program.id,
            ProgramSections {
                purpose: "Nâng cao hiệu quả.".into(),
                tasks_and_solutions: "Số hoá hồ sơ.".into(),
                organization: "Văn phòng theo dõi.".into(),
            },
        )
        .await
        .expect("sections");
        s.save_tasks(
            &sys,
            program.id,
            vec![TaskDraft {
                content: "Số hoá hồ sơ đảng viên của Chi bộ thôn Thanh Lâm".into(),
                lead_body: Some("Văn phòng Đảng uỷ xã".into()),
                cooperating_bodies: vec![],
                responsible: Some(self.member_a),
                deadline: Some(date!(2030 - 06 - 30)),
                expected_output: Some("Hồ sơ số hoá".into()),
                upper_target: None,
            }],
        )
        .await
        .expect("tasks");
        s.issue_program(&sys, program.id, date!(2025 - 03 - 20))
            .await
            .expect("issue");
        let task = s.program_tasks(&sys, program.id).await.expect("tasks")[0].id;
        let (update, evidence_file) = if update {
            let meta = keep_pdf(self.data.path(), "bao-cao.pdf");
            let r = s
                .post_progress(
                    &sys,
                    task,
                    store::ProgressInput {
                        status: TaskStatus::OnTrack,
                        percent: Some(30),
                        indicator_value: None,
                        note: Some("Đã số hoá 30% hồ sơ.".into()),
                        evidence: vec![meta],
                    },
                )
                .await
                .expect("progress");
            (r.id, r.evidence[0].id)
        } else {
            (domain::ProgressUpdateId(0), 0)
        };
        TaskRecords {
            program: program.id,
            task,
            update,
            evidence_file,
        }
    }
}
