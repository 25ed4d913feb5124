//! The .docx opens in LibreOffice: converted to PDF, its text holds every mandatory part of
//! the layout with the Vietnamese diacritics intact.

use partydoc::sample::review as sample;
use partydoc::to_docx;

/// Collapses runs of whitespace, as `pdftotext -layout` spreads words over columns.
fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn a_report_opens_in_libreoffice_with_every_part_of_the_layout() {
    let bytes = to_docx(&sample(2)).expect("docx");
    assert!(bytes.starts_with(b"PK"), "a .docx is a zip package");
    let Some((text, _pages)) = testdb::office::docx_as_pdf_text("party .docx", &bytes) else {
        return;
    };
    let text = words(&text);
    for part in [
        "ĐẢNG BỘ TỈNH BẮC NINH",
        "HUYỆN ỦY LỤC NAM",
        "Số 12-BC/HU",
        "ĐẢNG CỘNG SẢN VIỆT NAM",
        "Lục Nam, ngày 03 tháng 12 năm 2026",
        "BÁO CÁO",
        "Sơ kết giữa nhiệm kỳ thực hiện Nghị quyết số 05-NQ/TU",
        "I- KẾT QUẢ THỰC HIỆN PHẦN 1",
        "1. Công tác học tập, quán triệt nghị quyết",
        "II- KẾT QUẢ THỰC HIỆN PHẦN 2",
        "1.234/1.250 đảng viên tham gia (98,7%)",
        "- Đảng ủy xã Cẩm Lý còn chậm tiến độ.",
        "Xã Bảo Đài",
        "Nơi nhận:",
        "- Ban Thường vụ Tỉnh ủy (để báo cáo),",
        "- Lưu Văn phòng Huyện ủy.",
        "T/M BAN THƯỜNG VỤ",
        "BÍ THƯ",
        "Nguyễn Văn Thành",
    ] {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

#[test]
fn a_twenty_page_review_converts_to_about_twenty_pages() {
    let bytes = to_docx(&sample(70)).expect("docx");
    let Some((_, pages)) = testdb::office::docx_as_pdf_text("20-page review", &bytes) else {
        return;
    };
    assert!((15..=30).contains(&pages), "{pages} pages");
}
