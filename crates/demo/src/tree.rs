//! Building a demo organization tree from administrative units, and loading it.

use crate::names;
use crate::units::{self, Unit, bare_name, lower_type_word};
use domain::{AccessRole, Audience, MemberId, OrgId, OrgKind, OrgPath, PositionRole, Principal};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::{HashMap, HashSet};
use store::{BulkLoad, BulkMember, BulkOrg, BulkPosition, BulkUser, MaxIds, Store};
use time::{Date, Month};

/// How much to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Profile {
    /// One provincial party organization (the default demo is Bắc Giang, code "24"):
    /// about 4,000 units and 100,000 members.
    Province { code: String },
    /// All 63 provinces of the pre-2025 data: about 270,000 units and 5.5 million members.
    Nation,
}

impl Profile {
    pub fn bac_giang() -> Profile {
        Profile::Province { code: "24".into() }
    }

    fn villages(&self) -> (usize, usize) {
        match self {
            Profile::Province { .. } => (8, 20),
            Profile::Nation => (12, 28),
        }
    }

    fn members_per_cell(&self) -> (usize, usize) {
        match self {
            Profile::Province { .. } => (12, 42),
            Profile::Nation => (10, 32),
        }
    }
}

/// A sign-in printed for the demo's users.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub role: AccessRole,
    pub org_name: String,
}

/// The one password of every demo account. Printed at start-up; for demonstration only.
pub const DEMO_PASSWORD: &str = "demo-2025-bg";

const VILLAGES: &[&str] = &[
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Trung",
    "Hạ",
    "Thượng",
    "Chợ",
    "Mới",
    "Tân Sơn",
    "Đồng Quan",
    "Hậu",
    "Tiền",
    "Núi",
    "Cầu",
    "Đình",
    "Chùa",
    "Phố",
    "An Lập",
    "Kép",
    "Đồng Cống",
    "Ngọc Lý",
    "Thanh Bình",
    "Hòa Bình",
    "Tân Lập",
    "Đồng Bông",
    "Bãi Bằng",
    "Cây Đa",
    "Văn Giang",
    "Yên Ninh",
    "Hồng Tiến",
    "Quyết Thắng",
    "Liên Sơn",
    "Trại",
    "Đồng Lạc",
];

const AGENCIES: &[&str] = &[
    "Văn phòng Tỉnh ủy",
    "Ban Tổ chức Tỉnh ủy",
    "Ban Tuyên giáo Tỉnh ủy",
    "Ủy ban Kiểm tra Tỉnh ủy",
    "Văn phòng Ủy ban nhân dân tỉnh",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Tài chính",
    "Sở Nội vụ",
    "Sở Tư pháp",
    "Sở Kế hoạch và Đầu tư",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Sở Công Thương",
    "Sở Xây dựng",
    "Sở Giao thông vận tải",
    "Sở Văn hóa, Thể thao và Du lịch",
    "Sở Tài nguyên và Môi trường",
    "Trường Chính trị tỉnh",
    "Báo {p}",
];

const AGENCY_CELLS: &[&str] = &[
    "Chi bộ Văn phòng",
    "Chi bộ Phòng Tổ chức cán bộ",
    "Chi bộ Phòng Kế hoạch - Tài chính",
    "Chi bộ Thanh tra",
    "Chi bộ Phòng Nghiệp vụ",
    "Chi bộ Trung tâm trực thuộc",
];

const ENTERPRISES: &[&str] = &[
    "Công ty Điện lực {p}",
    "Công ty Cổ phần Nước sạch {p}",
    "Công ty TNHH MTV Khai thác công trình thủy lợi {p}",
    "Bưu điện tỉnh {p}",
    "Viễn thông {p}",
    "Ngân hàng Nông nghiệp và Phát triển nông thôn chi nhánh {p}",
    "Công ty Xổ số kiến thiết {p}",
    "Công ty Cổ phần Môi trường và Dịch vụ đô thị {p}",
];

const SECURITY: &[(&str, &[&str])] = &[
    (
        "Đảng bộ Công an tỉnh",
        &[
            "Đảng bộ Phòng Cảnh sát giao thông",
            "Đảng bộ Phòng Cảnh sát hình sự",
            "Chi bộ Phòng An ninh chính trị nội bộ",
            "Chi bộ Phòng Tham mưu",
        ],
    ),
    (
        "Đảng bộ Quân sự tỉnh",
        &[
            "Đảng bộ Trung đoàn bộ binh",
            "Chi bộ Phòng Tham mưu",
            "Chi bộ Phòng Chính trị",
            "Chi bộ Phòng Hậu cần - Kỹ thuật",
        ],
    ),
];

fn date(y: i32, m: u8, d: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).expect("valid month"), d).expect("valid date")
}

/// Allocates ids and collects the rows of one load.
struct Builder<'a> {
    rng: StdRng,
    profile: &'a Profile,
    next_org: i64,
    next_member: i64,
    province_code: String,
    member_seq: u32,
    load: BulkLoad,
    /// Members of each cell, in order, for choosing office holders.
    cell_members: HashMap<OrgId, Vec<MemberId>>,
    key_cadres: HashSet<MemberId>,
}

impl Builder<'_> {
    fn org(
        &mut self,
        parent: Option<(&OrgPath, OrgId)>,
        kind: OrgKind,
        name: String,
        code: Option<String>,
    ) -> (OrgId, OrgPath) {
        let id = OrgId(self.next_org);
        self.next_org += 1;
        let path = match parent {
            Some((p, _)) => p.child(id),
            None => OrgPath::root(id),
        };
        self.load.orgs.push(BulkOrg {
            id,
            parent_id: parent.map(|(_, id)| id),
            path: path.clone(),
            kind,
            code,
            name,
            valid_from: date(2020, 10, 15),
        });
        (id, path)
    }

    fn cell(&mut self, parent: (&OrgPath, OrgId), name: String) -> OrgId {
        let (id, path) = self.org(Some(parent), OrgKind::Cell, name, None);
        let (lo, hi) = self.profile.members_per_cell();
        let n = self.rng.random_range(lo..=hi);
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let mid = MemberId(self.next_member);
            self.next_member += 1;
            self.member_seq += 1;
            let g = names::gender(&mut self.rng);
            let birth_year = self.rng.random_range(1955..=2001);
            let birth = date(
                birth_year,
                self.rng.random_range(1..=12),
                self.rng.random_range(1..=28),
            );
            let joined_year = (birth_year + self.rng.random_range(19..=35)).min(2024);
            let joined = date(
                joined_year,
                self.rng.random_range(1..=12),
                self.rng.random_range(1..=28),
            );
            let since = date(
                joined_year.max(2015),
                self.rng.random_range(1..=12),
                self.rng.random_range(1..=28),
            );
            self.load.members.push(BulkMember {
                id: mid,
                cell_id: id,
                cell_path: path.clone(),
                full_name: names::full_name(&mut self.rng, g),
                gender: Some(g),
                birth_date: Some(birth),
                joined_on: Some(joined),
                audience: Audience::Member,
                card_number: Some(format!("{}{:07}", self.province_code, self.member_seq)),
                since,
            });
            ids.push(mid);
        }
        self.cell_members.insert(id, ids);
        id
    }

    fn position(&mut self, member: MemberId, org: OrgId, role: PositionRole) {
        if role.is_key_cadre() {
            self.key_cadres.insert(member);
        }
        self.load.positions.push(BulkPosition {
            member_id: member,
            org_id: org,
            role,
            from: date(2020, 10, 15),
        });
    }

    /// Gives each cell a secretary and a deputy from its own members.
    fn cell_officers(&mut self, cell: OrgId) {
        let m = self.cell_members[&cell].clone();
        self.position(m[0], cell, PositionRole::Secretary);
        self.position(m[1], cell, PositionRole::DeputySecretary);
    }

    /// Gives a committee its office holders, drawn from members of the given cells (the
    /// `slot`-th member of each, so that levels draw different people).
    fn committee(&mut self, org: OrgId, cells: &[OrgId], slot: usize, committee_size: usize) {
        let pool: Vec<MemberId> = cells
            .iter()
            .filter_map(|c| self.cell_members.get(c).and_then(|m| m.get(slot).copied()))
            .collect();
        let roles = [
            PositionRole::Secretary,
            PositionRole::DeputySecretary,
            PositionRole::Inspector,
            PositionRole::Reporter,
            PositionRole::OfficeStaff,
        ];
        for (i, m) in pool.iter().enumerate() {
            if i < roles.len() {
                self.position(*m, org, roles[i]);
            }
            if i < committee_size {
                self.position(*m, org, PositionRole::CommitteeMember);
            } else if i >= roles.len() {
                break;
            }
        }
    }

    fn grassroots_with_cells(
        &mut self,
        parent: (&OrgPath, OrgId),
        name: String,
        code: Option<String>,
        cell_names: Vec<String>,
    ) -> (OrgId, Vec<OrgId>) {
        let (gid, gpath) = self.org(Some(parent), OrgKind::Grassroots, name, code);
        let mut cells = Vec::new();
        for c in cell_names {
            let cid = self.cell((&gpath, gid), c);
            self.cell_officers(cid);
            cells.push(cid);
        }
        self.committee(gid, &cells, 2, 7);
        (gid, cells)
    }
}

/// Builds the rows of one province: its provincial organization, district-level
/// organizations, communes as grassroots organizations with their cells and members, the
/// agencies' and enterprises' blocs, the police and military organizations, and the state
/// bodies and mass organizations as implementing bodies.
pub fn build_province(
    province: &Unit,
    all: &[Unit],
    profile: &Profile,
    seed: u64,
    start: MaxIds,
) -> BulkLoad {
    let mut b = Builder {
        rng: StdRng::seed_from_u64(
            seed ^ province
                .code
                .parse::<u64>()
                .unwrap_or(0)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15),
        ),
        profile,
        next_org: start.org + 1,
        next_member: start.member + 1,
        province_code: province.code.clone(),
        member_seq: 0,
        load: BulkLoad {
            label: format!("demo {} seed {seed}", province.name),
            ..BulkLoad::default()
        },
        cell_members: HashMap::new(),
        key_cadres: HashSet::new(),
    };
    let pname = bare_name(province);
    let plower = lower_type_word(province);
    let (root, rpath) = b.org(
        None,
        OrgKind::Provincial,
        format!("Đảng bộ {plower}"),
        Some(province.code.clone()),
    );
    let rp = (&rpath, root);
    for (name, kind) in [
        (format!("Hội đồng nhân dân {plower}"), OrgKind::StateBody),
        (format!("Ủy ban nhân dân {plower}"), OrgKind::StateBody),
        (
            format!("Ủy ban Mặt trận Tổ quốc Việt Nam {plower}"),
            OrgKind::MassOrganization,
        ),
        (format!("Tỉnh đoàn {pname}"), OrgKind::MassOrganization),
        (
            format!("Hội Liên hiệp Phụ nữ {plower}"),
            OrgKind::MassOrganization,
        ),
        (format!("Hội Nông dân {plower}"), OrgKind::MassOrganization),
        (
            format!("Hội Cựu chiến binh {plower}"),
            OrgKind::MassOrganization,
        ),
        (
            format!("Liên đoàn Lao động {plower}"),
            OrgKind::MassOrganization,
        ),
    ] {
        b.org(Some(rp), kind, name, None);
    }

    // Agencies' bloc: its cells' members also staff the provincial committee.
    let (kcq, kcq_path) = b.org(
        Some(rp),
        OrgKind::DirectlyAffiliated,
        format!("Đảng bộ Khối các cơ quan {plower}"),
        Some(format!("{}-KCQ", province.code)),
    );
    let mut provincial_pool = Vec::new();
    for agency in AGENCIES {
        let agency = agency.replace("{p}", &pname);
        let n = b.rng.random_range(3..=AGENCY_CELLS.len());
        let cells = AGENCY_CELLS[..n].iter().map(|s| s.to_string()).collect();
        let (_, cells) =
            b.grassroots_with_cells((&kcq_path, kcq), format!("Đảng bộ {agency}"), None, cells);
        provincial_pool.extend(cells);
    }
    b.committee(kcq, &provincial_pool, 3, 9);
    b.committee(root, &provincial_pool, 4, 15);

    let (kdn, kdn_path) = b.org(
        Some(rp),
        OrgKind::DirectlyAffiliated,
        format!("Đảng bộ Khối doanh nghiệp {plower}"),
        Some(format!("{}-KDN", province.code)),
    );
    let mut kdn_cells = Vec::new();
    for e in ENTERPRISES {
        let e = e.replace("{p}", &pname);
        let n = b.rng.random_range(2..=5);
        let cells = (1..=n)
            .map(|i| format!("Chi bộ Phân xưởng số {i}"))
            .collect();
        let (_, cells) =
            b.grassroots_with_cells((&kdn_path, kdn), format!("Đảng bộ {e}"), None, cells);
        kdn_cells.extend(cells);
    }
    b.committee(kdn, &kdn_cells, 3, 9);

    for (org_name, subs) in SECURITY {
        let (sid, spath) = b.org(
            Some(rp),
            OrgKind::DirectlyAffiliated,
            format!("{org_name} {pname}"),
            None,
        );
        let mut pool = Vec::new();
        for s in subs.iter() {
            let cells = (1..=3).map(|i| format!("Chi bộ Đội {i}")).collect();
            let (_, cells) = b.grassroots_with_cells((&spath, sid), s.to_string(), None, cells);
            pool.extend(cells);
        }
        b.committee(sid, &pool, 3, 7);
    }

    // Districts and their communes.
    let mut districts: Vec<&Unit> = all
        .iter()
        .filter(|u| u.parent_code.as_deref() == Some(&province.code))
        .collect();
    districts.sort_by(|a, b| a.code.cmp(&b.code));
    let (vlo, vhi) = profile.villages();
    for d in districts {
        let dlower = lower_type_word(d);
        let (did, dpath) = b.org(
            Some(rp),
            OrgKind::DirectlyAffiliated,
            format!("Đảng bộ {dlower}"),
            Some(d.code.clone()),
        );
        let dp = (&dpath, did);
        for (name, kind) in [
            (format!("Hội đồng nhân dân {dlower}"), OrgKind::StateBody),
            (format!("Ủy ban nhân dân {dlower}"), OrgKind::StateBody),
            (
                format!("Ủy ban Mặt trận Tổ quốc Việt Nam {dlower}"),
                OrgKind::MassOrganization,
            ),
        ] {
            b.org(Some(dp), kind, name, None);
        }
        let mut communes: Vec<&Unit> = all
            .iter()
            .filter(|u| u.parent_code.as_deref() == Some(&d.code))
            .collect();
        communes.sort_by(|a, b| a.code.cmp(&b.code));
        let mut district_pool = Vec::new();
        for c in communes {
            let clower = lower_type_word(c);
            let cbare = bare_name(c);
            let urban = c.kind == "phuong" || c.kind == "thi_tran";
            let n = b.rng.random_range(vlo..=vhi);
            let mut cells: Vec<String> = if urban {
                (1..=n)
                    .map(|i| format!("Chi bộ Tổ dân phố số {i}"))
                    .collect()
            } else {
                let mut v: Vec<&str> = VILLAGES.to_vec();
                v.shuffle(&mut b.rng);
                let mut out: Vec<String> = v
                    .iter()
                    .take(n)
                    .map(|s| format!("Chi bộ thôn {s}"))
                    .collect();
                out.sort();
                out
            };
            let place = if urban { "phường" } else { "xã" };
            cells.push(format!("Chi bộ Công an {place}"));
            cells.push(format!("Chi bộ Quân sự {place}"));
            cells.push(format!("Chi bộ Trường Tiểu học {cbare}"));
            cells.push(format!("Chi bộ Trường Trung học cơ sở {cbare}"));
            cells.push("Chi bộ Trạm Y tế".to_string());
            let (_, cells) = b.grassroots_with_cells(
                dp,
                format!("Đảng bộ {clower}"),
                Some(c.code.clone()),
                cells,
            );
            district_pool.extend(cells);
        }
        b.committee(did, &district_pool, 3, 11);
    }

    for m in &mut b.load.members {
        if b.key_cadres.contains(&m.id) {
            m.audience = Audience::KeyCadre;
        }
    }
    b.load
}

fn fold_username(s: &str) -> String {
    domain::text::fold(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// The demo's accounts for one province load: an administrator, the provincial office, the
/// editor of its public portal and its inspection committee, the offices of two districts,
/// a cell secretary and a member.
pub fn demo_accounts(load: &BulkLoad) -> Vec<(DemoAccount, Option<MemberId>, OrgId)> {
    let mut out = Vec::new();
    let Some(root) = load.orgs.first() else {
        return out;
    };
    let acct = |username: String,
                display: String,
                role: AccessRole,
                org: &BulkOrg,
                member: Option<MemberId>| {
        (
            DemoAccount {
                username,
                password: DEMO_PASSWORD.to_string(),
                display_name: display,
                role,
                org_name: org.name.clone(),
            },
            member,
            org.id,
        )
    };
    out.push(acct(
        "admin".into(),
        "Quản trị hệ thống".into(),
        AccessRole::Admin,
        root,
        None,
    ));
    out.push(acct(
        "vanphong.tinhuy".into(),
        "Văn phòng Tỉnh ủy".into(),
        AccessRole::OfficeStaff,
        root,
        None,
    ));
    out.push(acct(
        "bientap.tinhuy".into(),
        "Ban Biên tập Cổng thông tin Tỉnh ủy".into(),
        AccessRole::Editor,
        root,
        None,
    ));
    out.push(acct(
        "ubkt.tinhuy".into(),
        "Ủy ban Kiểm tra Tỉnh ủy".into(),
        AccessRole::Inspector,
        root,
        None,
    ));
    let districts: Vec<&BulkOrg> = load
        .orgs
        .iter()
        .filter(|o| {
            o.kind == OrgKind::DirectlyAffiliated
                && o.parent_id == Some(root.id)
                && o.code.as_deref().is_some_and(|c| !c.contains('-'))
        })
        .collect();
    // Prefer Lục Nam and Lục Ngạn in Bắc Giang; elsewhere the first two districts.
    let mut chosen: Vec<&BulkOrg> = districts
        .iter()
        .copied()
        .filter(|d| d.name.ends_with("Lục Nam") || d.name.ends_with("Lục Ngạn"))
        .collect();
    if chosen.len() < 2 {
        chosen = districts.iter().copied().take(2).collect();
    }
    for d in &chosen {
        let short = d.name.trim_start_matches("Đảng bộ ");
        let bare = ["huyện ", "thành phố ", "thị xã ", "quận "]
            .iter()
            .find_map(|t| short.strip_prefix(t))
            .unwrap_or(short);
        let user = format!("vanphong.{}", fold_username(bare));
        // The committee of a district is the Huyện ủy, of a city the Thành ủy, of a town
        // the Thị ủy.
        let committee = [
            ("huyện ", "Huyện ủy"),
            ("thành phố ", "Thành ủy"),
            ("thị xã ", "Thị ủy"),
            ("quận ", "Quận ủy"),
        ]
        .iter()
        .find(|(t, _)| short.starts_with(t))
        .map_or("Đảng ủy", |(_, c)| c);
        out.push(acct(
            user,
            format!("Văn phòng {committee} {bare}"),
            AccessRole::OfficeStaff,
            d,
            None,
        ));
        // The Fatherland Front of the first district: it supervises one of its communes
        // in the demo (`inspection`), and signs in to see it.
        if std::ptr::eq(*d, chosen[0]) {
            out.push(acct(
                format!("mattran.{}", fold_username(bare)),
                format!("Ủy ban Mặt trận Tổ quốc Việt Nam {short}"),
                AccessRole::FatherlandFront,
                d,
                None,
            ));
        }
    }
    // A cell under the first chosen district, its secretary and one plain member.
    if let Some(d) = chosen.first()
        && let Some(cell) = load
            .orgs
            .iter()
            .find(|o| o.kind == OrgKind::Cell && d.path.covers(&o.path))
    {
        let members: Vec<&BulkMember> = load
            .members
            .iter()
            .filter(|m| m.cell_id == cell.id)
            .collect();
        let secretary = load
            .positions
            .iter()
            .find(|p| p.org_id == cell.id && p.role == PositionRole::Secretary)
            .map(|p| p.member_id);
        if let Some(s) = secretary {
            let name = members
                .iter()
                .find(|m| m.id == s)
                .map(|m| m.full_name.clone())
                .unwrap_or_default();
            out.push(acct(
                "bithu.chibo".into(),
                name,
                AccessRole::Secretary,
                cell,
                Some(s),
            ));
        }
        if let Some(m) = members.iter().rev().find(|m| Some(m.id) != secretary) {
            out.push(acct(
                "dangvien".into(),
                m.full_name.clone(),
                AccessRole::Member,
                cell,
                Some(m.id),
            ));
        }
    }
    out
}

/// Generates `profile` from `seed` and loads it through the store, one province per
/// transaction. `hash` turns a password into its stored hash; `progress` is told
/// (provinces done, provinces in all). Returns the demo accounts (province profile only).
pub async fn load(
    store: &dyn Store,
    profile: &Profile,
    seed: u64,
    hash: &(dyn Fn(&str) -> String + Sync),
    progress: &(dyn Fn(usize, usize) + Sync),
) -> store::Result<Vec<DemoAccount>> {
    let system = Principal::system();
    let all = units::pre_2025();
    let provinces: Vec<&Unit> = match profile {
        Profile::Province { code } => all
            .iter()
            .filter(|u| u.level == 1 && &u.code == code)
            .collect(),
        Profile::Nation => all.iter().filter(|u| u.level == 1).collect(),
    };
    if provinces.is_empty() {
        return Err(store::StoreError::invalid("profile", "not_found"));
    }
    let total = provinces.len();
    let mut accounts = Vec::new();
    let hashed = hash(DEMO_PASSWORD);
    for (i, p) in provinces.iter().enumerate() {
        let start = store.max_ids().await?;
        let mut load = build_province(p, &all, profile, seed, start);
        load.recount = i + 1 == total;
        if matches!(profile, Profile::Province { .. }) {
            for (a, member, org) in demo_accounts(&load) {
                load.users.push(BulkUser {
                    username: a.username.clone(),
                    display_name: a.display_name.clone(),
                    password_hash: hashed.clone(),
                    member_id: member,
                    grants: vec![(a.role, org)],
                });
                accounts.push(a);
            }
        }
        store.bulk_load(&system, load).await?;
        if matches!(profile, Profile::Province { .. }) {
            // The province's resolution on party building, cascaded to its district-level
            // organizations (the nation profile is for benchmarks and carries none).
            if let Some(root) = store.org_by_code(&system, &p.code).await? {
                let today = time::OffsetDateTime::now_utc().date();
                crate::resolution::load(store, &system, &root, today, &hashed).await?;
            }
        }
        progress(i + 1, total);
    }
    Ok(accounts)
}

/// For the nation profile: loads the provinces in order. Kept for symmetry with [`load`].
pub fn build(profile: &Profile, seed: u64) -> Vec<BulkLoad> {
    let all = units::pre_2025();
    let mut start = MaxIds::default();
    let provinces: Vec<&Unit> = match profile {
        Profile::Province { code } => all
            .iter()
            .filter(|u| u.level == 1 && &u.code == code)
            .collect(),
        Profile::Nation => all.iter().filter(|u| u.level == 1).collect(),
    };
    let mut out = Vec::new();
    for p in provinces {
        let load = build_province(p, &all, profile, seed, start);
        start.org += load.orgs.len() as i64;
        start.member += load.members.len() as i64;
        out.push(load);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::Gender;

    #[test]
    fn bac_giang_profile_has_province_scale() {
        let loads = build(&Profile::bac_giang(), 7);
        assert_eq!(loads.len(), 1);
        let l = &loads[0];
        assert_eq!(l.orgs[0].name, "Đảng bộ tỉnh Bắc Giang");
        let grassroots_communes = l
            .orgs
            .iter()
            .filter(|o| o.kind == OrgKind::Grassroots && o.code.is_some())
            .count();
        assert_eq!(grassroots_communes, 192);
        assert!((3_500..=4_500).contains(&l.orgs.len()), "{}", l.orgs.len());
        assert!(
            (80_000..=120_000).contains(&l.members.len()),
            "{}",
            l.members.len()
        );
        // Paths are consistent with parents.
        let by_id: HashMap<OrgId, &BulkOrg> = l.orgs.iter().map(|o| (o.id, o)).collect();
        for o in &l.orgs {
            if let Some(p) = o.parent_id {
                assert_eq!(by_id[&p].path.child(o.id), o.path);
                assert!(
                    by_id[&p].kind.may_contain(o.kind),
                    "{} under {}",
                    o.name,
                    by_id[&p].name
                );
            }
        }
        let cards: HashSet<_> = l.members.iter().map(|m| m.card_number.clone()).collect();
        assert_eq!(cards.len(), l.members.len());
        assert!(l.members.iter().any(|m| m.audience == Audience::KeyCadre));
        assert!(l.members.iter().any(|m| m.gender == Some(Gender::Female)));
    }

    #[test]
    fn generation_is_deterministic() {
        let a = build(&Profile::bac_giang(), 42);
        let b = build(&Profile::bac_giang(), 42);
        assert_eq!(a[0].members.len(), b[0].members.len());
        assert_eq!(a[0].members[100].full_name, b[0].members[100].full_name);
    }

    #[test]
    fn demo_accounts_cover_two_districts_a_cell_and_a_member() {
        let l = &build(&Profile::bac_giang(), 7)[0];
        let accts = demo_accounts(l);
        let names: Vec<&str> = accts.iter().map(|(a, _, _)| a.username.as_str()).collect();
        assert!(names.contains(&"admin"));
        assert!(names.contains(&"vanphong.lucnam"), "{names:?}");
        assert!(names.contains(&"vanphong.lucngan"), "{names:?}");
        assert!(names.contains(&"bithu.chibo"));
        assert!(names.contains(&"dangvien"));
    }
}
