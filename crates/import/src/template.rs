//! The .xlsx templates users download and fill in.

use rust_xlsxwriter::{DataValidation, Format, Workbook, XlsxError};

fn write(
    columns: &[(&str, &str, bool)],
    examples: &[&[&str]],
    note: &str,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("#DDE7F0");
    let required = Format::new().set_bold().set_background_color("#F7D9A8");
    let sheet = wb.add_worksheet();
    sheet.set_name("Du lieu")?;
    for (i, (_, header, req)) in columns.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, *header, if *req { &required } else { &head })?;
        sheet.set_column_width(col, 24)?;
    }
    for (r, row) in examples.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let help = wb.add_worksheet();
    help.set_name("Huong dan")?;
    for (i, line) in note.lines().enumerate() {
        help.write_string(i as u32, 0, line)?;
    }
    help.set_column_width(0, 110)?;
    wb.save_to_buffer()
}

/// The members template, with two example rows.
pub fn members() -> Result<Vec<u8>, XlsxError> {
    write(
        crate::members::COLUMNS,
        &[
            &[
                "Nguyễn Văn An",
                "Nam",
                "05/03/1980",
                "19/05/2005",
                "24000001",
                "#12",
                "Cán bộ chủ chốt",
                "01/01/2024",
            ],
            &[
                "Thân Thị Hương",
                "Nữ",
                "12/11/1992",
                "03/02/2016",
                "24000002",
                "#12",
                "Đảng viên",
                "",
            ],
        ],
        "Mỗi dòng là một đảng viên. Cột tô cam là bắt buộc.\n\
         Ngày ghi theo dạng ngày/tháng/năm, ví dụ 05/03/1980.\n\
         Giới tính: Nam hoặc Nữ. Đối tượng: Cán bộ chủ chốt hoặc Đảng viên (để trống là Đảng viên).\n\
         Mã chi bộ: mã của chi bộ, hoặc số ID của chi bộ viết sau dấu # (xem trên trang của chi bộ).\n\
         Tệp có lỗi sẽ không được nhập dòng nào; mọi lỗi được báo kèm số dòng.",
    )
}

/// The organizations template, with example rows.
pub fn orgs() -> Result<Vec<u8>, XlsxError> {
    write(
        crate::orgs::COLUMNS,
        &[
            &[
                "24-XBS",
                "Đảng bộ xã Bảo Sơn",
                "Tổ chức cơ sở đảng",
                "218",
                "15/10/2020",
            ],
            &[
                "24-XBS-T1",
                "Chi bộ thôn Đồng Quan",
                "Chi bộ",
                "24-XBS",
                "15/10/2020",
            ],
        ],
        "Mỗi dòng là một tổ chức; tổ chức cấp trên phải có sẵn hoặc nằm ở dòng phía trên.\n\
         Loại tổ chức: Đảng bộ trực thuộc, Tổ chức cơ sở đảng, Chi bộ, Cơ quan nhà nước, Đoàn thể.\n\
         Mã tổ chức cấp trên: mã của tổ chức, hoặc số ID viết sau dấu #.\n\
         Ngày ghi theo dạng ngày/tháng/năm. Tệp có lỗi sẽ không được nhập dòng nào.",
    )
}

/// One member's line of an attendance template: (code, full name, cell, current mark).
pub struct AttendanceLine<'a> {
    pub code: String,
    pub full_name: &'a str,
    pub cell: &'a str,
    pub mark: Option<domain::AttendanceMark>,
    pub reason: Option<&'a str>,
}

/// The attendance template of one conference, one row per member of its sheet (with the
/// marks already recorded), a drop-down list of marks, and a sheet of instructions.
pub fn attendance(title: &str, lines: &[AttendanceLine<'_>]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let head = Format::new().set_bold().set_background_color("#DDE7F0");
    let required = Format::new().set_bold().set_background_color("#F7D9A8");
    let sheet = wb.add_worksheet();
    sheet.set_name("Diem danh")?;
    let mut columns: Vec<(&str, bool, f64)> = crate::attendance::COLUMNS
        .iter()
        .map(|(_, h, req)| (*h, *req, 24.0))
        .collect();
    columns[1].2 = 30.0;
    columns[3].2 = 34.0;
    columns.push(("Chi bộ", false, 30.0));
    for (i, (header, req, width)) in columns.iter().enumerate() {
        let col = i as u16;
        sheet.write_string_with_format(0, col, *header, if *req { &required } else { &head })?;
        sheet.set_column_width(col, *width)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let row = r as u32 + 1;
        sheet.write_string(row, 0, &l.code)?;
        sheet.write_string(row, 1, l.full_name)?;
        if let Some(m) = l.mark {
            sheet.write_string(row, 2, crate::attendance::mark_label(m))?;
        }
        if let Some(reason) = l.reason {
            sheet.write_string(row, 3, reason)?;
        }
        sheet.write_string(row, 4, l.cell)?;
    }
    let last = lines.len().max(1) as u32 + 200;
    let marks = DataValidation::new()
        .allow_list_strings(&["Có mặt", "Vắng có phép", "Vắng"])?
        .ignore_blank(true);
    sheet.add_data_validation(1, 2, last, 2, &marks)?;
    sheet.set_freeze_panes(1, 0)?;
    let help = wb.add_worksheet();
    help.set_name("Huong dan")?;
    let note = format!(
        "Điểm danh: {title}\n\
         Mỗi dòng là một đảng viên. Cột Điểm danh chọn một trong: Có mặt, Vắng có phép, Vắng.\n\
         Vắng có phép thì ghi lý do ở cột Lý do vắng. Dòng để trống cột Điểm danh được bỏ qua.\n\
         Mã đảng viên: số thẻ đảng viên, hoặc mã #số của hệ thống (đã điền sẵn); không có mã thì ghi đúng họ và tên.\n\
         Tệp có lỗi sẽ không được ghi dòng nào; mọi lỗi được báo kèm số dòng."
    );
    for (i, line) in note.lines().enumerate() {
        help.write_string(i as u32, 0, line)?;
    }
    help.set_column_width(0, 110)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    #[test]
    fn attendance_template_reads_back_and_parses() {
        let lines = [
            super::AttendanceLine {
                code: "#12".into(),
                full_name: "Nguyễn Văn An",
                cell: "Chi bộ thôn Đông",
                mark: Some(domain::AttendanceMark::Present),
                reason: None,
            },
            super::AttendanceLine {
                code: "24000002".into(),
                full_name: "Trần Thị Bình",
                cell: "Chi bộ thôn Đông",
                mark: None,
                reason: None,
            },
        ];
        let bytes = super::attendance("Hội nghị", &lines).unwrap();
        let t = crate::read_table(&bytes).unwrap();
        assert_eq!(
            &t.header[..4],
            &["Mã đảng viên", "Họ và tên", "Điểm danh", "Lý do vắng"]
        );
        let p = crate::attendance::parse(&t).unwrap();
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].code, "#12");
        assert_eq!(p.skipped, 1);
    }

    #[test]
    fn templates_read_back_with_their_headers() {
        for (bytes, cols) in [
            (super::members().unwrap(), crate::members::COLUMNS),
            (super::orgs().unwrap(), crate::orgs::COLUMNS),
        ] {
            let t = crate::read_table(&bytes).unwrap();
            let headers: Vec<&str> = cols.iter().map(|c| c.1).collect();
            assert_eq!(t.header, headers);
            assert_eq!(t.rows.len(), 2);
        }
    }

    #[test]
    fn member_template_examples_parse() {
        let t = crate::read_table(&super::members().unwrap()).unwrap();
        assert_eq!(crate::members::parse(&t).unwrap().len(), 2);
        let t = crate::read_table(&super::orgs().unwrap()).unwrap();
        assert_eq!(crate::orgs::parse(&t).unwrap().len(), 2);
    }
}
