//! The demo's files: the resolution's text attached to 05-NQ/TU as a party-layout .docx,
//! a conference record kept as evidence of a Lục Nam task's update, a progress report
//! kept with a Tân Yên task's update, and the picture of
//! the portal's party-building article. A backup of the
//! demo therefore carries files, and an evidence link of the demo opens a real document.
//!
//! Generation stays pure: the files are built here and handed to `keep`, which the
//! caller backs with the blob store of its data folder.

use domain::{Principal, TaskStatus};
use partydoc::{Block, PartyDoc, Signer};
use store::{AcceptanceDecision, EvidenceMeta, Page, ProgressInput, Store};
use time::Date;

/// Keeps one file (name, bytes) and answers what the store records of it.
pub type Keep<'a> = &'a (dyn Fn(&str, Vec<u8>) -> std::io::Result<EvidenceMeta> + Sync);

/// Attaches the demo's files under the province `code`; answers how many were kept.
/// Does nothing (0) when the demo resolution or Lục Nam's program is not there.
pub async fn attach(
    store: &dyn Store,
    p: &Principal,
    code: &str,
    today: Date,
    keep: Keep<'_>,
) -> store::Result<usize> {
    let Some(root) = store.org_by_code(p, code).await? else {
        return Ok(0);
    };
    let docs = store
        .documents(
            p,
            root.id,
            Page {
                offset: 0,
                limit: 100,
            },
        )
        .await?;
    let Some(doc) = docs.iter().find(|d| d.symbol == crate::resolution::NUMBER) else {
        return Ok(0);
    };
    let mut kept = 0;

    let text = resolution_docx(&root.name, doc, keep_place(&root.name))?;
    let meta = keep(&format!("{} - toàn văn.docx", doc.symbol), text).map_err(io)?;
    store.attach_document_file(p, doc.id, meta).await?;
    kept += 1;

    let children = store.org_children(p, root.id, false).await?;
    let Some(unit) = children.iter().find(|o| o.name.contains("Lục Nam")) else {
        return Ok(kept);
    };
    let programs = store.unit_programs(p, unit.id, doc.id).await?;
    let Some(program) = programs.iter().rev().find(|pr| pr.issued_on.is_some()) else {
        return Ok(kept);
    };
    let tasks = store.program_tasks(p, program.id).await?;
    let Some(task) = tasks.first() else {
        return Ok(kept);
    };
    let record = conference_record(&unit.name, &task.draft.content, today)?;
    let meta = keep("Biên bản hội nghị quán triệt.docx", record).map_err(io)?;
    let update = store
        .post_progress(
            p,
            task.id,
            ProgressInput {
                status: TaskStatus::OnTrack,
                percent: Some(30),
                // The first task serves the unit's own target for the share of members
                // who studied (a rate in %), so the province's target of the same name
                // gets a figure from Lục Nam.
                indicator_value: task.draft.upper_target.map(|_| 92.0),
                note: Some(
                    "Đã tổ chức hội nghị quán triệt cho 92% đảng viên; biên bản kèm theo.".into(),
                ),
                evidence: vec![meta],
            },
        )
        .await?;
    store
        .decide_progress(p, update.id, AcceptanceDecision::Accept)
        .await?;
    kept += 1;
    // A progress report kept with an update of Tân Yên's (a task the demo's programs
    // leave untouched), so evidence is not one district's alone.
    if let Some(unit) = children.iter().find(|o| o.name.contains("Tân Yên")) {
        let programs = store.unit_programs(p, unit.id, doc.id).await?;
        if let Some(program) = programs.iter().rev().find(|pr| pr.issued_on.is_some()) {
            let tasks = store.program_tasks(p, program.id).await?;
            if let Some(task) = tasks.get(4) {
                let report = progress_report(&unit.name, &task.draft.content, today)?;
                let meta = keep("Báo cáo tiến độ thực hiện.docx", report).map_err(io)?;
                let update = store
                    .post_progress(
                        p,
                        task.id,
                        ProgressInput {
                            status: TaskStatus::OnTrack,
                            percent: Some(50),
                            indicator_value: None,
                            note: Some(
                                "Đã thực hiện được một nửa khối lượng; báo cáo tiến độ kèm theo."
                                    .into(),
                            ),
                            evidence: vec![meta],
                        },
                    )
                    .await?;
                store
                    .decide_progress(p, update.id, AcceptanceDecision::Accept)
                    .await?;
                kept += 1;
            }
        }
    }
    // The party-building article's picture on the portal.
    if crate::portal::attach_picture(store, p, &root, keep).await? {
        kept += 1;
    }
    Ok(kept)
}

fn io(e: std::io::Error) -> store::StoreError {
    store::StoreError::backend(format!("demo file: {e}"))
}

fn pack(doc: &PartyDoc) -> store::Result<Vec<u8>> {
    partydoc::to_docx(doc).map_err(store::StoreError::backend)
}

/// "Đảng bộ tỉnh Bắc Giang" → "Bắc Giang".
fn keep_place(name: &str) -> &str {
    name.rsplit_once("tỉnh ").map_or(name, |(_, n)| n)
}

/// The resolution's Markdown body as party-layout blocks: `## ` lines are headings, the
/// rest paragraphs (emphasis marks dropped).
fn blocks(body: &str) -> Vec<Block> {
    body.split("\n\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix("## ") {
            Some(h) => Block::Heading {
                level: 1,
                text: h.split_once(". ").map_or(h, |(_, t)| t).to_owned(),
            },
            None => Block::Paragraph(s.replace("**", "").replace('\n', " ")),
        })
        .collect()
}

fn resolution_docx(party: &str, doc: &store::Document, place: &str) -> store::Result<Vec<u8>> {
    pack(&PartyDoc {
        party: format!("ĐẢNG BỘ {}", place.to_uppercase()),
        issuer: "TỈNH ỦY".into(),
        number: doc.symbol.clone(),
        place: place.into(),
        date: doc.issued_on,
        kind: "NGHỊ QUYẾT".into(),
        title: doc.title.clone(),
        body: blocks(&doc.body_md),
        recipients: vec![
            "Các đảng bộ trực thuộc Tỉnh ủy".into(),
            format!("Lưu Văn phòng {party}"),
        ],
        signer: Signer {
            on_behalf: Some("T/M TỈNH ỦY".into()),
            position: "BÍ THƯ".into(),
            name: "Nguyễn Văn Demo".into(),
        },
    })
}

/// A district office's short progress report on one task (BÁO CÁO, party layout).
fn progress_report(unit: &str, task: &str, on: Date) -> store::Result<Vec<u8>> {
    let place = unit.rsplit_once("huyện ").map_or(unit, |(_, n)| n);
    pack(&PartyDoc {
        party: "ĐẢNG BỘ TỈNH BẮC GIANG".into(),
        issuer: format!("HUYỆN ỦY {}", place.to_uppercase()),
        number: String::new(),
        place: place.into(),
        date: on,
        kind: "BÁO CÁO".into(),
        title: "Tiến độ thực hiện nhiệm vụ của Chương trình hành động thực hiện Nghị quyết \
                số 05-NQ/TU"
            .into(),
        body: vec![
            Block::Paragraph(format!("Nhiệm vụ: {task}")),
            Block::Heading {
                level: 1,
                text: "Kết quả".into(),
            },
            Block::Bullets(vec![
                "Đã phân công cụ thể cho từng đơn vị, từng đồng chí phụ trách.".into(),
                "Khối lượng đã thực hiện: khoảng 50% kế hoạch.".into(),
            ]),
            Block::Heading {
                level: 1,
                text: "Khó khăn, đề xuất".into(),
            },
            Block::Paragraph(
                "Một số chi bộ vùng xa tổ chức chậm do thời vụ; đề nghị Văn phòng Huyện ủy \
                 đôn đốc, báo cáo Ban Thường vụ trong tháng tới."
                    .into(),
            ),
        ],
        recipients: vec!["Thường trực Huyện ủy".into(), "Lưu Văn phòng".into()],
        signer: Signer {
            on_behalf: Some("T/L BAN THƯỜNG VỤ".into()),
            position: "CHÁNH VĂN PHÒNG".into(),
            name: "Lê Văn Demo".into(),
        },
    })
}

fn conference_record(unit: &str, task: &str, on: Date) -> store::Result<Vec<u8>> {
    let place = unit.rsplit_once("huyện ").map_or(unit, |(_, n)| n);
    pack(&PartyDoc {
        party: "ĐẢNG BỘ TỈNH BẮC GIANG".into(),
        issuer: format!("HUYỆN ỦY {}", place.to_uppercase()),
        number: String::new(),
        place: place.into(),
        date: on,
        kind: "BIÊN BẢN".into(),
        title: "Hội nghị quán triệt, triển khai Nghị quyết số 05-NQ/TU".into(),
        body: vec![
            Block::Heading {
                level: 1,
                text: "Thời gian, địa điểm, thành phần".into(),
            },
            Block::Paragraph(format!(
                "Hội nghị được tổ chức tại hội trường {unit}; chủ trì: đồng chí Bí thư; \
                 dự có các đồng chí ủy viên Ban Thường vụ, bí thư các chi bộ, đảng bộ cơ sở."
            )),
            Block::Heading {
                level: 1,
                text: "Nội dung".into(),
            },
            Block::Paragraph(format!("Nhiệm vụ: {task}")),
            Block::Bullets(vec![
                "Quán triệt nội dung cốt lõi, điểm mới của Nghị quyết.".into(),
                "Thảo luận, thống nhất phân công nhiệm vụ từng đơn vị.".into(),
                "Giao Văn phòng theo dõi, tổng hợp tiến độ hằng tháng.".into(),
            ]),
            Block::Table {
                header: vec!["Thành phần".into(), "Triệu tập".into(), "Có mặt".into()],
                rows: vec![
                    vec!["Ủy viên Ban Thường vụ".into(), "9".into(), "9".into()],
                    vec![
                        "Bí thư chi bộ, đảng bộ cơ sở".into(),
                        "52".into(),
                        "50".into(),
                    ],
                ],
            },
        ],
        recipients: vec!["Thường trực Huyện ủy".into(), "Lưu Văn phòng".into()],
        signer: Signer {
            on_behalf: None,
            position: "THƯ KÝ HỘI NGHỊ".into(),
            name: "Trần Thị Demo".into(),
        },
    })
}
