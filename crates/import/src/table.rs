//! Files to rows of text.

use crate::ImportError;
use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Csv,
}

impl Format {
    /// Decides the format from the file's first bytes (a zip archive is an .xlsx), not
    /// from its name.
    pub fn sniff(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") {
            Format::Xlsx
        } else {
            Format::Csv
        }
    }
}

/// A header and rows of trimmed text cells.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The index of the column whose header folds to one of `names`.
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        let wanted: Vec<String> = names.iter().map(|n| domain::text::fold(n)).collect();
        self.header
            .iter()
            .position(|h| wanted.contains(&domain::text::fold(h)))
    }
}

/// Reads the first sheet of an .xlsx file or a .csv file (UTF-8, with or without BOM;
/// comma or semicolon separated).
pub fn read_table(bytes: &[u8]) -> Result<Table, ImportError> {
    match Format::sniff(bytes) {
        Format::Xlsx => read_xlsx(bytes),
        Format::Csv => read_csv(bytes),
    }
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => excel_date(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel date serial (days since 30/12/1899) as dd/mm/yyyy.
fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    match epoch.checked_add(time::Duration::days(serial.floor() as i64)) {
        Some(d) => domain::validate::format_date(d),
        None => serial.to_string(),
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, ImportError> {
    let mut wb: Xlsx<_> =
        Xlsx::new(Cursor::new(bytes)).map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| ImportError::Unreadable("no sheet".into()))?
        .map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .map(|r| r.iter().map(cell_text).collect())
        .unwrap_or_default();
    let rows = rows
        .map(|r| r.iter().map(cell_text).collect::<Vec<_>>())
        .collect();
    Ok(Table { header, rows })
}

fn read_csv(bytes: &[u8]) -> Result<Table, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text =
        std::str::from_utf8(bytes).map_err(|_| ImportError::Unreadable("not UTF-8".into()))?;
    let first = text.lines().next().unwrap_or("");
    let delim = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = rdr
        .headers()
        .map_err(|e| ImportError::Unreadable(e.to_string()))?
        .iter()
        .map(|s| s.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ImportError::Unreadable(e.to_string()))?;
        rows.push(rec.iter().map(|s| s.trim().to_owned()).collect());
    }
    Ok(Table { header, rows })
}
