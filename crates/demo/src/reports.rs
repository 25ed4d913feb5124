//! The demo's reports and reviews (issue 13): the Lục Nam district committee's own
//! resolution, issued ten months ago and cascaded to its grassroots units and cells with
//! quarterly reports, so that the last quarter has ended; a commune and its cells report
//! that quarter (most on time, some late, one claiming "100% đảng viên đã học tập" against a
//! record that says otherwise, one copying its sibling's text, some not at all); and the
//! province holds the interim review (sơ kết) of the demo resolution with its conference
//! and decisions.

use domain::report::{Conference, Decision, DecisionKind, ReportKind, ReportSections};
use domain::{
    CascadeDeadlines, CascadeScope, DocumentId, DocumentNumber, DocumentType, OrgKind, Principal,
    ReportEvery, Term,
};
use store::{NewDocument, NewReport, Org, ReportInput, Store};
use time::{Date, Duration};

/// What the cells write: distinct local narratives.
const NARRATIVES: [&str; 6] = [
    "Chi bộ tổ chức sinh hoạt chuyên đề về xây dựng nông thôn mới kiểu mẫu; vận động các hộ \
     hiến đất mở rộng đường liên thôn, hoàn thành đoạn đường bê tông dài 350 mét trước mùa mưa. \
     Hạn chế: việc phân loại rác tại nguồn chưa đều ở xóm Đồng.",
    "Trong quý, chi bộ phân công đảng viên phụ trách từng nhóm hộ, theo dõi tiến độ trồng vải \
     sớm theo tiêu chuẩn VietGAP; 12 hộ đã được cấp mã vùng trồng. Một số đảng viên cao tuổi \
     chưa tham gia đầy đủ sinh hoạt.",
    "Chi bộ phối hợp với chi hội phụ nữ tổ chức ngày hội văn hóa dân tộc Sán Chí, giữ gìn hát \
     Sình ca; thành lập tổ hòa giải ở thôn. Việc cập nhật thông tin đảng viên đi làm ăn xa còn \
     chậm.",
    "Chi bộ rà soát 27 hộ cận nghèo, đề nghị hỗ trợ con giống cho 8 hộ; kiểm tra việc sử dụng \
     quỹ khuyến học của thôn. Kinh phí hoạt động còn hạn hẹp, nhiều việc phải vận động xã hội \
     hóa.",
    "Chi bộ trường học triển khai chuyên đề đổi mới phương pháp dạy học, 100% đảng viên đã học \
     tập, quán triệt Nghị quyết và đăng ký nêu gương. Cơ sở vật chất phòng học bộ môn còn \
     thiếu.",
    "Chi bộ khu dân cư vận động nhân dân giữ vệ sinh kênh mương, nạo vét 1,2 km kênh nội đồng \
     phục vụ vụ đông; duy trì đội thanh niên xung kích tuần tra ban đêm.",
];

fn sections(assessment: &str) -> ReportInput {
    ReportInput {
        sections: ReportSections {
            assessment: assessment.to_owned(),
            causes: "Nguyên nhân chủ quan: một số cấp ủy viên chưa sâu sát cơ sở.".into(),
            lessons: String::new(),
            proposals: "Đề nghị cấp trên hỗ trợ tài liệu sinh hoạt chuyên đề.".into(),
        },
        ..ReportInput::default()
    }
}

/// The period's start of the last quarter that ended before `today`.
fn last_quarter(today: Date) -> Date {
    let this = ReportEvery::Quarterly.period_start(today);
    ReportEvery::Quarterly.period_start(this - Duration::days(1))
}

/// Loads the reports and the province's review; returns how many reports were submitted.
pub async fn load(
    store: &dyn Store,
    p: &Principal,
    root: &Org,
    resolution: DocumentId,
    today: Date,
) -> store::Result<u32> {
    let Some(district) = store
        .org_children(p, root.id, false)
        .await?
        .into_iter()
        .find(|o| o.name.contains("Lục Nam"))
    else {
        return Ok(0);
    };
    let issued_on = today - Duration::days(300);
    let term = Term::candidates(issued_on)
        .last()
        .copied()
        .unwrap_or(Term::parse("term", "2025–2030")?);
    let doc = store::clock::at(
        store::clock::morning_of(issued_on),
        store.register_document(
            p,
            NewDocument {
                issuer_org_id: district.id,
                doc_type: DocumentType::Resolution,
                number: DocumentNumber::parse_for("number", DocumentType::Resolution, "09-NQ/HU")?,
                term,
                issued_on,
                title: "Về nâng cao chất lượng sinh hoạt chi bộ".into(),
                body_md: "Nâng cao chất lượng sinh hoạt chi bộ, gắn với nhiệm vụ chính trị của \
                          địa phương."
                    .into(),
                parent_document_id: None,
            },
        ),
    )
    .await?;
    store::clock::at(
        store::clock::morning_of(issued_on + Duration::days(3)),
        store.create_cascade(
            p,
            doc.id,
            CascadeScope {
                root: district.path.clone(),
                kinds: vec![OrgKind::Grassroots, OrgKind::Cell],
                include_root: false,
            },
            CascadeDeadlines {
                study_by: issued_on + Duration::days(30),
                program_by: issued_on + Duration::days(60),
                report_every: ReportEvery::Quarterly,
                interim_review_by: Some(today + Duration::days(200)),
                reports_until: None,
                grace_days: 5,
            },
        ),
    )
    .await?;
    let quarter = last_quarter(today);
    // The commune's own due day; its cells', one level under it, comes earlier
    // (bottom-up deadlines, `domain::cascade::level_grace_days`).
    let due = domain::Period::containing(ReportEvery::Quarterly, quarter, 5).due;
    let cells_due = domain::Period::containing(
        ReportEvery::Quarterly,
        quarter,
        domain::cascade::level_grace_days(5, 1),
    )
    .due;
    let mut n = 0;
    let Some(commune) = store
        .org_children(p, district.id, false)
        .await?
        .into_iter()
        .find(|o| o.kind == OrgKind::Grassroots)
    else {
        return Ok(0);
    };
    let cells: Vec<Org> = store
        .org_children(p, commune.id, false)
        .await?
        .into_iter()
        .filter(|o| o.kind == OrgKind::Cell)
        .collect();
    let mut texts: Vec<String> = Vec::new();
    for (i, cell) in cells.iter().enumerate().take(NARRATIVES.len() + 1) {
        // The seventh copies the sixth's report, the name swapped.
        let text = match NARRATIVES.get(i) {
            Some(t) => (*t).to_owned(),
            None => texts[i - 1].clone(),
        };
        texts.push(text.clone());
        // Every third reports late; the rest two days before the due day.
        let filed = if i % 3 == 2 {
            cells_due + Duration::days(9)
        } else {
            cells_due - Duration::days(2)
        };
        if filed >= today {
            continue;
        }
        let r = store
            .start_report(
                p,
                NewReport {
                    org: cell.id,
                    document: doc.id,
                    kind: ReportKind::Periodic,
                    period_start: quarter,
                    period_end: quarter,
                    today: filed,
                },
            )
            .await?;
        store.save_report(p, r.id, sections(&text)).await?;
        services::reports::submit(store, p, r.id, filed).await?;
        n += 1;
    }
    // The commune writes its own report from its cells'.
    if due - Duration::days(1) < today {
        let r = store
            .start_report(
                p,
                NewReport {
                    org: commune.id,
                    document: doc.id,
                    kind: ReportKind::Periodic,
                    period_start: quarter,
                    period_end: quarter,
                    today: due - Duration::days(1),
                },
            )
            .await?;
        store
            .save_report(
                p,
                r.id,
                sections(
                    "Đảng ủy chỉ đạo các chi bộ đổi mới nội dung sinh hoạt, gắn với phát triển \
                     kinh tế vườn đồi và giữ gìn bản sắc văn hóa các dân tộc; kiểm tra sinh \
                     hoạt của 4 chi bộ. Một số chi bộ còn sinh hoạt hình thức.",
                ),
            )
            .await?;
        services::reports::submit(store, p, r.id, due - Duration::days(1)).await?;
        n += 1;
    }
    // The province's interim review of the demo resolution.
    let review = store
        .start_report(
            p,
            NewReport {
                org: root.id,
                document: resolution,
                kind: ReportKind::Interim,
                period_start: today,
                period_end: today - Duration::days(2),
                today,
            },
        )
        .await?;
    store
        .save_report(
            p,
            review.id,
            ReportInput {
                sections: ReportSections {
                    assessment:
                        "Các đảng bộ trực thuộc đã tổ chức học tập, quán triệt Nghị quyết; \
                                 phần lớn đã xây dựng chương trình hành động. Chất lượng chương \
                                 trình chưa đều, có nơi sao chép văn bản của cấp trên."
                            .into(),
                    causes: "Một số cấp ủy chưa coi trọng việc cụ thể hóa nghị quyết sát thực tế."
                        .into(),
                    lessons: "Người đứng đầu phải trực tiếp chỉ đạo việc xây dựng chương trình."
                        .into(),
                    proposals: "Tăng cường kiểm tra, giám sát việc cụ thể hóa nghị quyết ở cơ sở."
                        .into(),
                },
                conference: Some(Conference {
                    held_on: today - Duration::days(1),
                    chair: "Nguyễn Văn Thành".into(),
                    invited: 62,
                    present: 58,
                }),
                decisions: vec![
                    Decision {
                        kind: DecisionKind::Task,
                        subject: "Rà soát, sửa đổi chương trình hành động của các đơn vị có \
                                  chương trình chưa sát thực tế"
                            .into(),
                        reason: None,
                        deadline: Some(today + Duration::days(90)),
                    },
                    Decision {
                        kind: DecisionKind::Commend,
                        subject: district.name.clone(),
                        reason: Some("Chương trình hành động sát thực tế, triển khai sớm".into()),
                        deadline: None,
                    },
                ],
            },
        )
        .await?;
    services::reports::submit(store, p, review.id, today).await?;
    Ok(n + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_last_ended_quarter() {
        assert_eq!(last_quarter(date!(2026 - 12 - 03)), date!(2026 - 07 - 01));
        assert_eq!(last_quarter(date!(2026 - 01 - 01)), date!(2025 - 10 - 01));
    }
}
