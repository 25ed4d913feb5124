//! Importing organizations, members and study attendance from spreadsheets (.xlsx) and
//! .csv files.
//!
//! Reading is in two steps: [`read_table`] turns a file into rows of text cells, within
//! [`Limits`] checked before anything the size of the sheet is built (rows, columns, the
//! file's bytes and its inflated size), then
//! [`orgs::parse`] / [`members::parse`] check every row and return either all rows parsed or
//! every problem with its row number. Applying goes through the store, all or nothing.
//! [`template`] writes the .xlsx template users download.

pub mod attendance;
pub mod members;
pub mod orgs;
mod table;
pub mod template;

pub use table::{Format, Limits, Table, TooLarge, read_file, read_table, read_table_with};

use i18n::Lang;

/// One problem in one row. `row` counts as a spreadsheet shows it: the header is row 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    /// The column's header as the template names it, or "" for the whole row.
    pub column: &'static str,
    /// A text key: `import.<code>` or `err.<code>`.
    pub key: String,
}

impl RowError {
    pub fn new(row: usize, column: &'static str, key: impl Into<String>) -> RowError {
        RowError {
            row,
            column,
            key: key.into(),
        }
    }

    /// "Dòng 7, cột Ngày sinh: Ngày không hợp lệ, …"
    pub fn message(&self, lang: Lang) -> String {
        let row = i18n::fill(i18n::tr(lang, "import.row"), &[("row", &self.row)]);
        let col = if self.column.is_empty() {
            String::new()
        } else {
            format!(
                ", {} {}",
                i18n::tr(lang, "import.column"),
                i18n::tr(lang, &format!("import.col.{}", self.column))
            )
        };
        format!("{row}{col}: {}", i18n::tr(lang, &self.key))
    }
}

/// Why an import was refused.
#[derive(Debug)]
pub enum ImportError {
    /// The file could not be read as a table.
    Unreadable(String),
    /// The file is larger than an import reads (rows, columns, bytes); nothing was read
    /// past the bound.
    TooLarge(TooLarge),
    /// The header lacks required columns (their keys).
    MissingColumns(Vec<&'static str>),
    /// Rows with problems; nothing was saved.
    Rows(Vec<RowError>),
    /// The store refused or failed; nothing was saved.
    Store(store::StoreError),
}

impl ImportError {
    /// Every line of the explanation, in the user's language.
    pub fn messages(&self, lang: Lang) -> Vec<String> {
        match self {
            ImportError::Unreadable(detail) => {
                vec![format!(
                    "{} ({detail})",
                    i18n::tr(lang, "import.unreadable")
                )]
            }
            ImportError::TooLarge(t) => vec![t.message(lang)],
            ImportError::MissingColumns(cols) => cols
                .iter()
                .map(|c| {
                    i18n::fill(
                        i18n::tr(lang, "import.missing_column"),
                        &[("column", &i18n::tr(lang, &format!("import.col.{c}")))],
                    )
                })
                .collect(),
            ImportError::Rows(rows) => rows.iter().map(|r| r.message(lang)).collect(),
            ImportError::Store(e) => vec![match e {
                store::StoreError::Invalid(inv) => inv
                    .0
                    .iter()
                    .map(|f| i18n::tr(lang, &format!("err.{}", f.code)).to_string())
                    .collect::<Vec<_>>()
                    .join(" "),
                store::StoreError::Conflict(code) => i18n::tr(lang, &format!("err.{code}")).into(),
                store::StoreError::NotFound => i18n::tr(lang, "err.not_found").into(),
                store::StoreError::Forbidden => i18n::tr(lang, "err.forbidden").into(),
                other => format!("{} ({other})", i18n::tr(lang, "import.store_failed")),
            }],
        }
    }
}

impl From<store::StoreError> for ImportError {
    fn from(e: store::StoreError) -> Self {
        ImportError::Store(e)
    }
}
