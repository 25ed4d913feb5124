//! Property-based fuzzing of every importer: whatever bytes arrive — random, a real
//! workbook cut short or with bytes flipped, a .csv of odd shapes, cells of any text — the
//! reader and the row parsers return rows or a clear refusal, never a panic, and a refusal
//! always has a message in both languages. Nothing here touches a store: the parsers are
//! pure, and applying is all or nothing (tests in web and store-tests).

use import::{ImportError, Table, attendance, members, orgs, read_table};
use proptest::prelude::*;

/// A valid members workbook to cut and corrupt.
fn workbook() -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let s = wb.add_worksheet();
    for (c, (_, h, _)) in members::COLUMNS.iter().enumerate() {
        s.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=20u32 {
        s.write_string(r, 0, format!("Nguyễn Văn {r}")).unwrap();
        s.write_string(r, 1, "Nam").unwrap();
        s.write_number(r, 2, 30000.0 + f64::from(r)).unwrap();
        s.write_string(r, 5, "#7").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

fn explained(e: &ImportError) {
    for lang in [i18n::Lang::Vi, i18n::Lang::En] {
        let m = e.messages(lang);
        assert!(
            !m.is_empty() && m.iter().all(|l| !l.trim().is_empty()),
            "{e:?}"
        );
    }
}

/// Reads and parses with every importer; refusals must explain themselves.
fn read_and_parse(bytes: &[u8]) {
    match read_table(bytes) {
        Err(e) => explained(&e),
        Ok(t) => parse_all(&t),
    }
}

fn parse_all(t: &Table) {
    if let Err(e) = members::parse(t) {
        explained(&e);
    }
    if let Err(e) = orgs::parse(t) {
        explained(&e);
    }
    if let Err(e) = attendance::parse(t) {
        explained(&e);
    }
}

fn headers(cols: &[(&'static str, &'static str, bool)]) -> Vec<String> {
    cols.iter().map(|c| c.1.to_owned()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        read_and_parse(&bytes);
    }

    #[test]
    fn random_bytes_that_look_like_a_zip(tail in prop::collection::vec(any::<u8>(), 0..4096)) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        read_and_parse(&bytes);
    }

    #[test]
    fn a_workbook_cut_short(cut in 0.0f64..1.0) {
        let wb = workbook();
        let n = (wb.len() as f64 * cut) as usize;
        read_and_parse(&wb[..n]);
    }

    #[test]
    fn a_workbook_with_bytes_flipped(flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..20)) {
        let mut wb = workbook();
        for (i, b) in flips {
            let at = i.index(wb.len());
            wb[at] ^= b | 1;
        }
        read_and_parse(&wb);
    }

    #[test]
    fn csv_of_any_shape(text in "(?s)[\\PC;,\"\\n\\r\\t ]{0,2000}") {
        read_and_parse(text.as_bytes());
    }

    #[test]
    fn csv_with_the_right_header_and_any_cells(
        which in 0usize..3,
        rows in prop::collection::vec(prop::collection::vec("[\\PC]{0,40}", 0..10), 0..30),
    ) {
        let cols = match which {
            0 => members::COLUMNS,
            1 => orgs::COLUMNS,
            _ => attendance::COLUMNS,
        };
        let t = Table { header: headers(cols), rows };
        parse_all(&t);
    }

    #[test]
    fn cells_of_the_wrong_type(
        rows in prop::collection::vec(
            prop::collection::vec(prop_oneof![
                Just(String::new()),
                "-?[0-9]{1,20}(\\.[0-9]{1,5})?",
                "[0-9]{1,2}/[0-9]{1,2}/[0-9]{1,5}",
                "#-?[0-9]{1,25}",
                "\\PC{1,300}",
                Just("1e308".to_owned()),
                Just("\u{202E}Nam".to_owned()),
            ], 8),
            1..20,
        ),
    ) {
        let t = Table { header: headers(members::COLUMNS), rows: rows.clone() };
        parse_all(&t);
        let t = Table { header: headers(orgs::COLUMNS), rows: rows.clone() };
        parse_all(&t);
        let t = Table { header: headers(attendance::COLUMNS), rows };
        parse_all(&t);
    }
}
