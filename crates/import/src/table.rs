//! Files to rows of text, within bounds.
//!
//! A spreadsheet is a zip archive of XML parts, so a few kilobytes can describe a sheet of
//! a billion cells or expand to gigabytes. Nothing here trusts what a file says about
//! itself: before calamine opens an .xlsx, [`check_archive`] inflates every part into a
//! counter (never into memory) and refuses the file when the parts together are larger
//! than [`Limits::unzipped_bytes`], and counts the shared strings, which calamine keeps in
//! memory whole. The sheet is then streamed cell by cell ([`calamine::XlsxCellReader`]),
//! never as calamine's dense `Range` (rows × columns cells: the 6 KB sheet with A1 and
//! XFD1048576 asked for 512 GB of it), and every cell's position is checked against
//! [`Limits::rows`] and [`Limits::columns`] as it arrives. A .csv is checked the same way
//! record by record.

use crate::ImportError;
use calamine::{Data, Reader, Xlsx};
use quick_xml::events::Event;
use std::io::{Cursor, Read};

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

/// How large a file an import reads. The defaults fit the largest import the benchmarks
/// ask for (100,000 members, docs/BENCHMARKS.md) with room to spare, and keep the memory
/// one import can take to a bounded fraction of what the server has (docs/SECURITY.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Size of the file itself (the web's upload limit).
    pub bytes: usize,
    /// Rows of data below the header.
    pub rows: usize,
    /// Columns of a sheet: a cell right of the last one refuses the file.
    pub columns: usize,
    /// The .xlsx archive's parts, inflated, all together.
    pub unzipped_bytes: u64,
    /// Strings in the shared-strings part (calamine keeps them all in memory).
    pub shared_strings: u64,
    /// Text kept from all cells together (a long shared string used in many cells is
    /// counted each time).
    pub text_bytes: usize,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        bytes: 20 * 1024 * 1024,
        rows: 100_000,
        columns: 32,
        unzipped_bytes: 128 * 1024 * 1024,
        shared_strings: 2_000_000,
        text_bytes: 64 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// Rows a sheet may hold above its header (a title, a date) beyond [`Limits::rows`].
const ROWS_ABOVE_HEADER: usize = 20;
/// Parts an .xlsx archive may hold (Excel writes about a dozen).
const MAX_PARTS: usize = 1_000;

/// Which bound a file went past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TooLarge {
    /// The file is larger than [`Limits::bytes`].
    Bytes { limit: usize },
    /// More rows of data than [`Limits::rows`]; `row` is the first row past it (as a
    /// spreadsheet numbers rows), when known.
    Rows { limit: usize, row: Option<u64> },
    /// A cell right of the last column read; `cell` is its reference, like `XFD1`.
    Columns { limit: usize, cell: String },
    /// The archive's parts, inflated, or the cells' text, are larger than allowed.
    Content { limit_mb: u64, rows: usize },
}

impl TooLarge {
    /// The explanation in the user's language.
    pub fn message(&self, lang: i18n::Lang) -> String {
        let num = |n: u64| group_digits(n, lang);
        match self {
            TooLarge::Bytes { limit } => i18n::fill(
                i18n::tr(lang, "import.too_large.bytes"),
                &[("mb", &(limit / (1024 * 1024)))],
            ),
            TooLarge::Rows { limit, row } => {
                let limit = num(*limit as u64);
                match row {
                    Some(r) => i18n::fill(
                        i18n::tr(lang, "import.too_large.row"),
                        &[("row", &num(*r)), ("rows", &limit)],
                    ),
                    None => {
                        i18n::fill(i18n::tr(lang, "import.too_large.rows"), &[("rows", &limit)])
                    }
                }
            }
            TooLarge::Columns { limit, cell } => i18n::fill(
                i18n::tr(lang, "import.too_large.columns"),
                &[
                    ("cell", cell),
                    ("columns", limit),
                    ("last", &column_name(limit.saturating_sub(1) as u32)),
                ],
            ),
            TooLarge::Content { limit_mb, rows } => i18n::fill(
                i18n::tr(lang, "import.too_large.content"),
                &[("mb", limit_mb), ("rows", &num(*rows as u64))],
            ),
        }
    }
}

/// 100000 as "100.000" (Vietnamese) or "100,000" (English).
fn group_digits(n: u64, lang: i18n::Lang) -> String {
    let sep = match lang {
        i18n::Lang::Vi => '.',
        i18n::Lang::En => ',',
    };
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(c);
    }
    out
}

/// A column's letters: 0 → A, 25 → Z, 26 → AA, 16383 → XFD.
pub(crate) fn column_name(mut col: u32) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// A header and rows of trimmed text cells. Rows may be shorter than the header (trailing
/// empty cells are not kept): read cells with `get`.
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
/// comma or semicolon separated), within [`Limits::DEFAULT`].
pub fn read_table(bytes: &[u8]) -> Result<Table, ImportError> {
    read_table_with(bytes, &Limits::DEFAULT)
}

/// Reads a file from disk like [`read_table`]; its size is checked before it is read, so a
/// command-line import of a huge file is refused as the web's is.
pub fn read_file(path: &std::path::Path) -> Result<Table, ImportError> {
    let limits = Limits::DEFAULT;
    let file = std::fs::File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    if len > limits.bytes as u64 {
        return Err(ImportError::TooLarge(TooLarge::Bytes {
            limit: limits.bytes,
        }));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // A file that grew since: read one byte past the limit, and let the check refuse it.
    file.take(limits.bytes as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    read_table_with(&bytes, &limits)
}

/// [`read_table`] within other limits.
pub fn read_table_with(bytes: &[u8], limits: &Limits) -> Result<Table, ImportError> {
    if bytes.len() > limits.bytes {
        return Err(ImportError::TooLarge(TooLarge::Bytes {
            limit: limits.bytes,
        }));
    }
    match Format::sniff(bytes) {
        Format::Xlsx => read_xlsx(bytes, limits),
        Format::Csv => read_csv(bytes, limits),
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
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel date serial (days since 30/12/1899) as dd/mm/yyyy.
fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    if !serial.is_finite() || serial.abs() > 1e7 {
        return serial.to_string();
    }
    match epoch.checked_add(time::Duration::days(serial.floor() as i64)) {
        Some(d) => domain::validate::format_date(d),
        None => serial.to_string(),
    }
}

fn unreadable(e: impl std::fmt::Display) -> ImportError {
    ImportError::Unreadable(e.to_string())
}

fn content_too_large(limits: &Limits) -> ImportError {
    ImportError::TooLarge(TooLarge::Content {
        limit_mb: limits.unzipped_bytes / (1024 * 1024),
        rows: limits.rows,
    })
}

/// Checks an .xlsx archive before calamine reads it: at most [`MAX_PARTS`] parts, their
/// declared and their real inflated sizes within [`Limits::unzipped_bytes`] together, and
/// the shared strings (their count and the count the part announces, which calamine
/// reserves memory for) within [`Limits::shared_strings`]. Inflating goes to a counter,
/// so the check itself takes a buffer's worth of memory.
pub(crate) fn check_archive(bytes: &[u8], limits: &Limits) -> Result<(), ImportError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_PARTS {
        return Err(unreadable(format!("{} parts", zip.len())));
    }
    // What the archive declares first: a file that says it is too large is refused
    // without inflating anything.
    let mut declared: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(unreadable)?;
        declared = declared.saturating_add(part.size());
    }
    if declared > limits.unzipped_bytes {
        return Err(content_too_large(limits));
    }
    // Then what it really holds: declared sizes can lie.
    let mut total: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(unreadable)?;
        let name = part
            .name()
            .map_err(unreadable)?
            .replace('\\', "/")
            .to_ascii_lowercase();
        let left = limits.unzipped_bytes.saturating_sub(total);
        if name.ends_with("sharedstrings.xml") {
            let mut counted = CountingReader {
                inner: (&mut part).take(left + 1),
                read: 0,
            };
            let r = count_shared_strings(&mut counted, limits);
            let read = counted.read;
            total = total.saturating_add(read);
            if total > limits.unzipped_bytes {
                return Err(content_too_large(limits));
            }
            r?;
            // Whatever follows the shared strings' closing tag.
            let rest = drain(&mut part, &mut buf, left.saturating_sub(read))?;
            total = total.saturating_add(rest);
        } else {
            total = total.saturating_add(drain(&mut part, &mut buf, left)?);
        }
        if total > limits.unzipped_bytes {
            return Err(content_too_large(limits));
        }
    }
    Ok(())
}

/// Reads `r` to its end or past `left` bytes, keeping nothing; the bytes read.
fn drain(r: &mut impl Read, buf: &mut [u8], left: u64) -> Result<u64, ImportError> {
    let mut n: u64 = 0;
    loop {
        let got = r.read(buf).map_err(unreadable)?;
        if got == 0 {
            return Ok(n);
        }
        n += got as u64;
        if n > left {
            return Ok(n);
        }
    }
}

struct CountingReader<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

/// Counts the `<si>` elements of a shared-strings part and checks its `uniqueCount`, as
/// calamine reads them (by local name, so `x:si` counts too).
fn count_shared_strings(r: impl Read, limits: &Limits) -> Result<(), ImportError> {
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(r));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut strings: u64 = 0;
    let too_many = || unreadable("shared strings");
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => match e.local_name().as_ref() {
                "sst" => {
                    if let Some(a) = e.try_get_attribute("uniqueCount").ok().flatten() {
                        let n = a.value.trim().parse::<u64>().ok();
                        match n {
                            Some(n) if n <= limits.shared_strings => {}
                            _ => return Err(too_many()),
                        }
                    }
                }
                "si" => {
                    strings += 1;
                    if strings > limits.shared_strings {
                        return Err(too_many());
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            // Malformed XML: calamine will say so in its own words, or the size check
            // stops a reader that was cut off at the limit.
            Err(_) => return Ok(()),
        }
    }
}

fn read_xlsx(bytes: &[u8], limits: &Limits) -> Result<Table, ImportError> {
    check_archive(bytes, limits)?;
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let first = wb
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| unreadable("no sheet"))?;
    let mut cells = wb.worksheet_cells_reader(&first).map_err(unreadable)?;
    let mut grid = Grid::new(limits);
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let value: Data = cell.get_value().clone().into();
        if matches!(value, Data::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        grid.put(row, col, cell_text(&value))?;
    }
    grid.into_table()
}

/// The cells of a sheet as they stream in, by absolute position, each checked against the
/// limits before it is kept.
struct Grid<'a> {
    limits: &'a Limits,
    rows: Vec<Vec<String>>,
    first_row: Option<usize>,
    first_col: usize,
    text: usize,
}

impl<'a> Grid<'a> {
    fn new(limits: &'a Limits) -> Grid<'a> {
        Grid {
            limits,
            rows: Vec::new(),
            first_row: None,
            first_col: usize::MAX,
            text: 0,
        }
    }

    fn put(&mut self, row: u32, col: u32, text: String) -> Result<(), ImportError> {
        if text.is_empty() {
            return Ok(());
        }
        let (r, c) = (row as usize, col as usize);
        if c >= self.limits.columns {
            return Err(ImportError::TooLarge(TooLarge::Columns {
                limit: self.limits.columns,
                cell: format!("{}{}", column_name(col), u64::from(row) + 1),
            }));
        }
        // The header may sit below a few title rows; the exact count of data rows is
        // checked once the header is known.
        if r > self.limits.rows + ROWS_ABOVE_HEADER {
            return Err(ImportError::TooLarge(TooLarge::Rows {
                limit: self.limits.rows,
                row: Some(u64::from(row) + 1),
            }));
        }
        self.text += text.len();
        if self.text > self.limits.text_bytes {
            return Err(content_too_large(self.limits));
        }
        if self.rows.len() <= r {
            self.rows.resize_with(r + 1, Vec::new);
        }
        let cells = &mut self.rows[r];
        if cells.len() <= c {
            cells.resize_with(c + 1, String::new);
        }
        cells[c] = text;
        self.first_row = Some(self.first_row.map_or(r, |f| f.min(r)));
        self.first_col = self.first_col.min(c);
        Ok(())
    }

    /// The first non-empty row is the header; rows and columns before the first non-empty
    /// ones are left out, as calamine's ranges do.
    fn into_table(self) -> Result<Table, ImportError> {
        let Some(first_row) = self.first_row else {
            return Ok(Table::default());
        };
        let first_col = self.first_col;
        let mut rows = self.rows.into_iter().skip(first_row).map(|mut r| {
            if r.len() > first_col {
                r.drain(..first_col);
                r
            } else {
                Vec::new()
            }
        });
        let header = rows.next().unwrap_or_default();
        let rows: Vec<Vec<String>> = rows.collect();
        if rows.len() > self.limits.rows {
            return Err(ImportError::TooLarge(TooLarge::Rows {
                limit: self.limits.rows,
                row: Some((first_row + 2 + self.limits.rows) as u64),
            }));
        }
        Ok(Table { header, rows })
    }
}

fn read_csv(bytes: &[u8], limits: &Limits) -> Result<Table, ImportError> {
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
    let too_wide = |used: usize, line: u64| {
        ImportError::TooLarge(TooLarge::Columns {
            limit: limits.columns,
            cell: format!("{}{line}", column_name(used.saturating_sub(1) as u32)),
        })
    };
    // Trailing empty fields (a row of separators) are not columns.
    let used = |rec: &csv::StringRecord| {
        rec.iter()
            .enumerate()
            .filter(|(_, f)| !f.trim().is_empty())
            .last()
            .map_or(0, |(i, _)| i + 1)
    };
    let headers = rdr.headers().map_err(unreadable)?.clone();
    let width = used(&headers);
    if width > limits.columns {
        return Err(too_wide(width, 1));
    }
    let header = headers
        .iter()
        .take(width)
        .map(|s| s.trim().to_owned())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(unreadable)?;
        let line = rows.len() as u64 + 2;
        if rows.len() == limits.rows {
            return Err(ImportError::TooLarge(TooLarge::Rows {
                limit: limits.rows,
                row: Some(line),
            }));
        }
        let width = used(&rec);
        if width > limits.columns {
            return Err(too_wide(width, line));
        }
        rows.push(
            rec.iter()
                .take(width)
                .map(|s| s.trim().to_owned())
                .collect(),
        );
    }
    Ok(Table { header, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(31), "AF");
        assert_eq!(column_name(16383), "XFD");
    }

    #[test]
    fn digits_grouped_per_language() {
        assert_eq!(group_digits(100_000, i18n::Lang::Vi), "100.000");
        assert_eq!(group_digits(1_048_576, i18n::Lang::En), "1,048,576");
        assert_eq!(group_digits(999, i18n::Lang::Vi), "999");
    }
}
