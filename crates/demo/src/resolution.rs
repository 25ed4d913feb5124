//! The demo's resolution: a provincial resolution on party building whose five solutions
//! are those the province itself named (DESIGN §1), with measurable targets, cascaded to
//! the district-level organizations with deadlines, and studied by some of them.

use domain::target::{Direction, Target};
use domain::{
    CascadeDeadlines, CascadeScope, DocumentNumber, DocumentType, OrgKind, Principal, ReportEvery,
    Term,
};
use store::{NewDocument, Org, Page, Store};
use time::macros::date;
use time::{Date, Duration};

/// The demo resolution's number. Tests that register their own resolution use 01-NQ/TU.
pub const NUMBER: &str = "05-NQ/TU";

const BODY: &str = "\
## I. Tình hình

Công tác học tập, quán triệt và tổ chức thực hiện nghị quyết của Đảng trong tỉnh được \
triển khai kịp thời; người đứng đầu trực tiếp quán triệt nhiều nghị quyết quan trọng. \
Tuy nhiên, chương trình hành động của một số nơi còn chung chung, sao chép của cấp trên, \
chưa sát thực tiễn, chưa rõ người chịu trách nhiệm; công tác kiểm tra, giám sát chưa \
được quan tâm đúng mức; sơ kết, tổng kết có nơi còn hình thức.

## II. Nhiệm vụ, giải pháp

1. **Nâng cao nhận thức, trách nhiệm của cấp ủy, tổ chức đảng, trước hết là bí thư, người \
đứng đầu**: trực tiếp chủ trì, quán triệt nghị quyết; ban hành kế hoạch học tập kịp thời, \
phân công rõ nhiệm vụ của từng đơn vị.
2. **Đổi mới hình thức học tập phù hợp với từng đối tượng**: cán bộ chủ chốt nghiên cứu \
chuyên sâu lý luận, điểm mới và cách vận dụng; đảng viên ở cơ sở nắm nội dung cốt lõi, \
ngắn gọn, cụ thể; ứng dụng công nghệ thông tin, trao đổi, thảo luận; sau mỗi đợt học tập \
biểu dương nơi làm tốt, phê bình nơi chưa nghiêm túc.
3. **Thường xuyên bồi dưỡng cấp ủy viên**: mở lớp bồi dưỡng lý luận chính trị, nghiệp vụ \
công tác đảng, trao đổi kinh nghiệm, nghiên cứu thực tiễn địa phương.
4. **Xây dựng chương trình hành động sát chức năng, điều kiện của từng cấp, ngành, địa \
phương**: lấy ý kiến chuyên gia, nhà khoa học, cán bộ, đảng viên và nhân dân; phát hiện, \
nhân rộng mô hình mới, điển hình tiên tiến; đưa các chỉ tiêu chủ yếu thành chỉ tiêu thi đua.
5. **Tăng cường kiểm tra, giám sát việc thực hiện nghị quyết**: chỉ rõ ưu điểm, hạn chế, bổ \
sung nhiệm vụ khi cần; phát huy vai trò giám sát, phản biện của Mặt trận Tổ quốc và các \
đoàn thể; lấy kết quả học tập, thực hiện nghị quyết làm căn cứ chủ yếu đánh giá, xếp loại \
hằng năm và cả nhiệm kỳ.

## III. Tổ chức thực hiện

Các đảng bộ trực thuộc tổ chức học tập, quán triệt và xây dựng chương trình hành động \
thực hiện Nghị quyết; định kỳ hằng quý báo cáo kết quả về Ban Thường vụ Tỉnh ủy (qua Văn \
phòng Tỉnh ủy).
";

fn target(indicator: &str, baseline: f64, value: f64, unit: &str, by: Date) -> Target {
    Target {
        indicator: indicator.into(),
        baseline: Some(baseline),
        target_value: value,
        unit: unit.into(),
        deadline: Some(by),
        direction: Direction::Increase,
        rule: domain::RollupRule::default_for(unit),
    }
}

/// Registers the resolution at the province `root`, cascades it to the district-level
/// organizations, and records the study of most of them, so dashboards show real states
/// from the first sign-in. Dates are relative to `today`: the resolution was issued two
/// months ago; the study deadline has passed (most studied in time, one in four late or
/// not yet), the programs are due in a month. Returns the number of units reached.
///
/// `password_hash` is the stored hash of the demo password, for the accounts the
/// consultation's experts and members comment with.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    today: Date,
    password_hash: &str,
) -> store::Result<u64> {
    let issued_on = today - Duration::days(60);
    // Registered on its day and cascaded three days later (the store's clock is set to
    // those days, so the cascade's date comes before its study deadline).
    let registered = store::clock::morning_of(issued_on);
    let doc = store::clock::at(
        registered,
        store.register_document(
            p,
            NewDocument {
                issuer_org_id: root.id,
                doc_type: DocumentType::Resolution,
                number: DocumentNumber::parse_for("number", DocumentType::Resolution, NUMBER)?,
                term: Term::parse("term", "2025–2030")?,
                issued_on,
                title: "Về nâng cao hiệu quả học tập, quán triệt và tổ chức thực hiện \
                        nghị quyết của Đảng"
                    .into(),
                body_md: BODY.into(),
                parent_document_id: None,
            },
        ),
    )
    .await?;
    let by = date!(2030 - 06 - 30);
    store
        .set_document_targets(
            p,
            doc.id,
            vec![
                target(
                    "Tỷ lệ đảng viên được học tập, quán triệt nghị quyết",
                    90.0,
                    100.0,
                    "%",
                    by,
                ),
                target(
                    "Tỷ lệ tổ chức cơ sở đảng có chương trình hành động sát thực tế",
                    60.0,
                    100.0,
                    "%",
                    by,
                ),
                target(
                    "Tỷ lệ cấp ủy viên cơ sở được bồi dưỡng lý luận chính trị",
                    70.0,
                    100.0,
                    "%",
                    by,
                ),
                target(
                    "Số cuộc kiểm tra, giám sát việc thực hiện nghị quyết",
                    0.0,
                    60.0,
                    "cuộc",
                    by,
                ),
            ],
        )
        .await?;
    let summary = store::clock::at(
        store::clock::morning_of(issued_on + Duration::days(3)),
        store.create_cascade(
            p,
            doc.id,
            CascadeScope {
                root: root.path.clone(),
                kinds: vec![OrgKind::DirectlyAffiliated],
                include_root: false,
            },
            CascadeDeadlines {
                study_by: issued_on + Duration::days(45),
                program_by: issued_on + Duration::days(90),
                report_every: ReportEvery::Quarterly,
                interim_review_by: Some(issued_on + Duration::days(365)),
                reports_until: None,
                grace_days: 5,
            },
        ),
    )
    .await?;
    let units = store
        .cascade_units(
            p,
            summary.id,
            Page {
                offset: 0,
                limit: 1000,
            },
        )
        .await?;
    for (i, u) in units.iter().enumerate() {
        // Most units studied in time, a few late, some not yet.
        let on = match i % 4 {
            0 | 1 => issued_on + Duration::days(20),
            2 => issued_on + Duration::days(50),
            _ => continue,
        };
        store.record_study(p, u.id, on).await?;
    }
    crate::programs::load(store, p, doc.id, BODY, &units, today, password_hash).await?;
    crate::study::load(store, p, root, doc.id, issued_on, today).await?;
    crate::inspection::load(store, p, root, doc.id, today).await?;
    crate::reports::load(store, p, root, doc.id, today).await?;
    crate::consultation::province_draft(store, p, root.id, today).await?;
    crate::portal::load(store, p, root, doc.id, today).await?;
    crate::evaluation::load(store, p, root, today).await?;
    crate::emulation::load(store, p, root, doc.id, today).await?;
    Ok(summary.reached)
}
