//! Files past the bounds of an import are refused with a message, before anything the size
//! of the sheet is built, and without aborting the process (issue 11, defect 1).

use import::{ImportError, Limits, TooLarge, read_table, read_table_with};
use std::io::{Read, Write};

/// A sheet with a header in A1 and one value at `(row, col)`.
fn sheet_with(row: u32, col: u16) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "Họ và tên").unwrap();
    s.write_string(row, col, "x").unwrap();
    wb.save_to_buffer().unwrap()
}

/// A members-like sheet of `rows` rows below the header.
fn sheet_of_rows(rows: u32) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "Họ và tên").unwrap();
    s.write_string(0, 1, "Mã chi bộ").unwrap();
    for r in 1..=rows {
        s.write_string(r, 0, format!("Nguyễn Văn {r}")).unwrap();
        s.write_string(r, 1, "#7").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn too_large(r: Result<import::Table, ImportError>) -> TooLarge {
    match r {
        Err(ImportError::TooLarge(t)) => t,
        Err(e) => panic!("refused, but not as too large: {e:?}"),
        Ok(t) => panic!("read {} rows", t.rows.len()),
    }
}

fn message(t: &TooLarge) -> (String, String) {
    (t.message(i18n::Lang::Vi), t.message(i18n::Lang::En))
}

#[test]
fn the_6_kb_sheet_with_a1_and_xfd1048576_is_refused_with_a_message() {
    let bytes = sheet_with(1_048_575, 16_383);
    assert!(bytes.len() < 8 * 1024, "{} bytes", bytes.len());
    let t = too_large(read_table(&bytes));
    assert_eq!(
        t,
        TooLarge::Columns {
            limit: 32,
            cell: "XFD1048576".into()
        }
    );
    let (vi, en) = message(&t);
    assert!(
        vi.contains("ô XFD1048576") && vi.contains("từ A đến AF"),
        "{vi}"
    );
    assert!(en.contains("cell XFD1048576"), "{en}");
}

#[test]
fn a_value_a_million_rows_down_is_refused_by_its_row() {
    let bytes = sheet_with(1_048_575, 0);
    let t = too_large(read_table(&bytes));
    assert_eq!(
        t,
        TooLarge::Rows {
            limit: 100_000,
            row: Some(1_048_576)
        }
    );
    let (vi, en) = message(&t);
    assert!(
        vi.contains("dòng 1.048.576") && vi.contains("100.000"),
        "{vi}"
    );
    assert!(
        en.contains("row 1,048,576") && en.contains("100,000"),
        "{en}"
    );
}

#[test]
fn rows_past_the_limit_are_refused_and_rows_up_to_it_are_read() {
    let limits = Limits {
        rows: 500,
        ..Limits::DEFAULT
    };
    let t = read_table_with(&sheet_of_rows(500), &limits).unwrap();
    assert_eq!(t.rows.len(), 500);
    assert_eq!(t.header, ["Họ và tên", "Mã chi bộ"]);
    // One row too many is refused once the header is known; far more rows are refused at
    // the first row past the limit and its allowance for title rows, while streaming.
    let t = too_large(read_table_with(&sheet_of_rows(501), &limits));
    assert_eq!(
        t,
        TooLarge::Rows {
            limit: 500,
            row: Some(502)
        }
    );
    let t = too_large(read_table_with(&sheet_of_rows(2_000), &limits));
    assert_eq!(
        t,
        TooLarge::Rows {
            limit: 500,
            row: Some(522)
        }
    );
}

#[test]
fn a_csv_of_more_rows_than_the_limit_is_refused_at_the_first_row_past_it() {
    let mut csv = String::from("Họ và tên,Mã chi bộ\n");
    for i in 0..100_005 {
        csv.push_str(&format!("Nguyễn Văn {i},#7\n"));
    }
    let t = too_large(read_table(csv.as_bytes()));
    assert_eq!(
        t,
        TooLarge::Rows {
            limit: 100_000,
            row: Some(100_002)
        }
    );
}

#[test]
fn a_csv_wider_than_the_limit_is_refused_but_trailing_separators_are_not_columns() {
    let mut csv = String::from("Họ và tên,Mã chi bộ");
    csv.push_str(&",".repeat(200));
    csv.push_str("\nNguyễn Văn A,#7");
    csv.push_str(&",".repeat(200));
    csv.push('\n');
    let t = read_table(csv.as_bytes()).unwrap();
    assert_eq!(t.header.len(), 2);
    assert_eq!(t.rows, [["Nguyễn Văn A", "#7"]]);

    let mut wide = String::from("Họ và tên\nNguyễn Văn A");
    wide.push_str(&",".repeat(40));
    wide.push_str("x\n");
    let t = too_large(read_table(wide.as_bytes()));
    assert_eq!(
        t,
        TooLarge::Columns {
            limit: 32,
            cell: "AO2".into()
        }
    );
}

#[test]
fn a_file_larger_than_the_byte_limit_is_refused_before_it_is_read() {
    let limits = Limits {
        bytes: 1000,
        ..Limits::DEFAULT
    };
    let t = too_large(read_table_with(&sheet_of_rows(200), &limits));
    assert_eq!(t, TooLarge::Bytes { limit: 1000 });
    assert!(
        message(&t).0.starts_with("Tệp lớn hơn"),
        "{}",
        message(&t).0
    );
}

/// The parts of an .xlsx archive, to write again changed.
fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            (f.name().unwrap().to_string(), data)
        })
        .collect()
}

fn rezip(parts: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, data) in parts {
        out.start_file(name.as_str(), opts).unwrap();
        out.write_all(data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn shared_strings_announcing_billions_of_strings_are_refused() {
    // calamine reserves memory for the count a file announces: this 5 KB file asks for
    // 96 GB of it.
    let mut p = parts(&sheet_of_rows(3));
    let ss = p
        .iter_mut()
        .find(|(n, _)| n.ends_with("sharedStrings.xml"))
        .expect("a shared strings part");
    let xml = String::from_utf8(ss.1.clone()).unwrap();
    let start = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
    let end = start + xml[start..].find('"').unwrap();
    ss.1 = format!("{}4000000000{}", &xml[..start], &xml[end..]).into_bytes();
    let bytes = rezip(&p);
    assert!(bytes.len() < 8 * 1024);
    match read_table(&bytes) {
        Err(ImportError::Unreadable(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_archive_that_inflates_past_the_limit_is_refused() {
    // 200 MB of spaces inside a cell's XML compress to a few hundred kilobytes.
    let mut p = parts(&sheet_of_rows(3));
    let sheet = p
        .iter_mut()
        .find(|(n, _)| n.ends_with("sheet1.xml"))
        .expect("a sheet part");
    let xml = String::from_utf8(sheet.1.clone()).unwrap();
    let at = xml.find("<sheetData>").unwrap();
    let padded = format!(
        "{}{}{}",
        &xml[..at],
        " ".repeat(200 * 1024 * 1024),
        &xml[at..]
    );
    sheet.1 = padded.into_bytes();
    let bytes = rezip(&p);
    assert!(bytes.len() < 2 * 1024 * 1024, "{} bytes", bytes.len());
    let t = too_large(read_table(&bytes));
    assert_eq!(
        t,
        TooLarge::Content {
            limit_mb: 128,
            rows: 100_000
        }
    );
    assert!(message(&t).0.contains("128 MB"));
}

#[test]
fn a_long_text_repeated_in_many_cells_is_bounded() {
    // One shared string of 32,000 characters (about Excel's most) in 2,200 cells: 70 MB of
    // text once copied out of a file of a few kilobytes.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    s.write_string(0, 0, "Họ và tên").unwrap();
    let long = "a".repeat(32_000);
    for r in 1..=2_200 {
        s.write_string(r, 0, &long).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let t = too_large(read_table(&bytes));
    assert!(matches!(t, TooLarge::Content { .. }), "{t:?}");
}
