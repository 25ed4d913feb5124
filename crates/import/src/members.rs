//! Members from a table: one row a member.

use crate::{ImportError, RowError, Table};
use domain::{Audience, Gender, OrgId, OrgPath, Principal, validate};
use store::{NewMember, Store};
use time::Date;

/// The columns of the members template: (key, Vietnamese header, required).
pub const COLUMNS: &[(&str, &str, bool)] = &[
    ("full_name", "Họ và tên", true),
    ("gender", "Giới tính", false),
    ("birth_date", "Ngày sinh", false),
    ("joined_on", "Ngày vào Đảng", false),
    ("card_number", "Số thẻ đảng viên", false),
    ("cell", "Mã chi bộ", true),
    ("audience", "Đối tượng", false),
    ("since", "Ngày chuyển sinh hoạt đến", false),
];

/// English headers are accepted too.
fn aliases(key: &str) -> &'static [&'static str] {
    match key {
        "full_name" => &["Full name", "Name"],
        "gender" => &["Gender"],
        "birth_date" => &["Date of birth", "Birth date"],
        "joined_on" => &["Joined the Party", "Joined on"],
        "card_number" => &["Party card number", "Card number"],
        "cell" => &["Cell code", "Cell"],
        "audience" => &["Audience"],
        "since" => &["In the cell since", "Since"],
        _ => &[],
    }
}

/// A row that parsed; the cell is still a reference to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub row: usize,
    pub full_name: String,
    pub gender: Option<Gender>,
    pub birth_date: Option<Date>,
    pub joined_on: Option<Date>,
    pub card_number: Option<String>,
    /// An organization code, or `#id` / a bare number for an internal id.
    pub cell: String,
    pub audience: Audience,
    pub since: Option<Date>,
}

pub(crate) fn locate(
    table: &Table,
    columns: &[(&'static str, &str, bool)],
    aliases: fn(&str) -> &'static [&'static str],
) -> Result<Vec<Option<usize>>, ImportError> {
    let mut idx = Vec::new();
    let mut missing = Vec::new();
    for (key, vi, required) in columns {
        let mut names = vec![*vi];
        names.extend_from_slice(aliases(key));
        let i = table.column(&names);
        if i.is_none() && *required {
            missing.push(*key);
        }
        idx.push(i);
    }
    if missing.is_empty() {
        Ok(idx)
    } else {
        Err(ImportError::MissingColumns(missing))
    }
}

fn gender(s: &str) -> Option<Option<Gender>> {
    match domain::text::fold(s).as_str() {
        "" => Some(None),
        "nam" | "male" | "m" => Some(Some(Gender::Male)),
        "nu" | "female" | "f" => Some(Some(Gender::Female)),
        _ => None,
    }
}

fn audience(s: &str) -> Option<Audience> {
    match domain::text::fold(s).as_str() {
        "" | "dang vien" | "member" => Some(Audience::Member),
        "can bo chu chot" | "key cadre" | "key_cadre" => Some(Audience::KeyCadre),
        _ => None,
    }
}

/// Checks every row; returns all rows, or every problem found.
pub fn parse(table: &Table) -> Result<Vec<MemberRow>, ImportError> {
    let idx = locate(table, COLUMNS, aliases)?;
    let get = |row: &Vec<String>, k: usize| -> String {
        idx[k].and_then(|i| row.get(i)).cloned().unwrap_or_default()
    };
    let mut out = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    for (n, r) in table.rows.iter().enumerate() {
        let row = n + 2;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let before = errors.len();
        let full_name = match validate::name("full_name", &get(r, 0), 200) {
            Ok(v) => v,
            Err(e) => {
                errors.push(RowError::new(
                    row,
                    "full_name",
                    format!("err.{}", e.0[0].code),
                ));
                String::new()
            }
        };
        let g = gender(&get(r, 1)).unwrap_or_else(|| {
            errors.push(RowError::new(row, "gender", "import.bad_gender"));
            None
        });
        let mut date_col =
            |k: usize, key: &'static str| match validate::optional_date(key, &get(r, k)) {
                Ok(d) => d,
                Err(_) => {
                    errors.push(RowError::new(row, key, "err.bad_date"));
                    None
                }
            };
        let birth_date = date_col(2, "birth_date");
        let joined_on = date_col(3, "joined_on");
        let since = date_col(7, "since");
        let card = get(r, 4);
        let card_number = (!card.is_empty()).then_some(card);
        let cell = get(r, 5);
        if cell.is_empty() {
            errors.push(RowError::new(row, "cell", "err.required"));
        }
        let aud = audience(&get(r, 6)).unwrap_or_else(|| {
            errors.push(RowError::new(row, "audience", "import.bad_audience"));
            Audience::Member
        });
        if let (Some(b), Some(j)) = (birth_date, joined_on)
            && j < b
        {
            errors.push(RowError::new(
                row,
                "joined_on",
                "import.joined_before_birth",
            ));
        }
        if errors.len() == before {
            out.push(MemberRow {
                row,
                full_name,
                gender: g,
                birth_date,
                joined_on,
                card_number,
                cell,
                audience: aud,
                since,
            });
        }
    }
    // The same card number twice in one file.
    let mut seen = std::collections::HashMap::new();
    for m in &out {
        if let Some(c) = &m.card_number
            && let Some(first) = seen.insert(c.clone(), m.row)
        {
            let _ = first;
            errors.push(RowError::new(m.row, "card_number", "import.duplicate_card"));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        errors.sort_by_key(|e| e.row);
        Err(ImportError::Rows(errors))
    }
}

/// Resolves every row's cell (by code, or by `#id`), then creates all members in one
/// transaction. Nothing is saved unless every row is good.
pub async fn apply(
    store: &dyn Store,
    p: &Principal,
    rows: Vec<MemberRow>,
    today: Date,
) -> Result<u64, ImportError> {
    apply_within(store, p, None, rows, today).await
}

/// [`apply`], with every cell inside the subtree of `within` (the unit the import was
/// started from); a cell elsewhere is reported on its row.
pub async fn apply_within(
    store: &dyn Store,
    p: &Principal,
    within: Option<&OrgPath>,
    rows: Vec<MemberRow>,
    today: Date,
) -> Result<u64, ImportError> {
    let mut cache: std::collections::HashMap<String, Option<(OrgId, bool)>> = Default::default();
    let mut errors = Vec::new();
    let mut new = Vec::with_capacity(rows.len());
    for r in rows {
        let key = r.cell.trim().to_owned();
        let cell = match cache.get(&key) {
            Some(c) => *c,
            None => {
                let found = resolve_org(store, p, &key).await?;
                let found = found
                    .filter(|o| o.kind.holds_members() && o.is_active())
                    .map(|o| (o.id, within.is_none_or(|w| w.covers(&o.path))));
                cache.insert(key.clone(), found);
                found
            }
        };
        let cell_id = match cell {
            Some((id, true)) => id,
            Some((_, false)) => {
                errors.push(RowError::new(r.row, "cell", "import.cell_outside"));
                continue;
            }
            None => {
                errors.push(RowError::new(r.row, "cell", "import.unknown_cell"));
                continue;
            }
        };
        new.push(NewMember {
            cell_id,
            full_name: r.full_name,
            gender: r.gender,
            birth_date: r.birth_date,
            joined_on: r.joined_on,
            audience: r.audience,
            card_number: r.card_number,
            since: r.since.unwrap_or(today),
        });
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    Ok(store.member_import(p, new).await?)
}

/// An organization by code, or by internal id written `#123` or `123` when no code matches.
pub(crate) async fn resolve_org(
    store: &dyn Store,
    p: &Principal,
    key: &str,
) -> Result<Option<store::Org>, ImportError> {
    if key.is_empty() {
        return Ok(None);
    }
    if let Some(o) = store.org_by_code(p, key).await? {
        return Ok(Some(o));
    }
    if let Ok(id) = key.trim_start_matches('#').parse::<i64>() {
        return match store.org_get(p, OrgId(id)).await {
            Ok(o) => Ok(Some(o)),
            Err(store::StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        };
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            header: COLUMNS.iter().map(|c| c.1.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        }
    }

    #[test]
    fn good_rows_parse() {
        let t = table(&[&[
            "Nguyễn Văn An",
            "Nam",
            "05/03/1980",
            "19/05/2005",
            "24000001",
            "#12",
            "Cán bộ chủ chốt",
            "",
        ]]);
        let rows = parse(&t).unwrap();
        assert_eq!(rows[0].full_name, "Nguyễn Văn An");
        assert_eq!(rows[0].audience, Audience::KeyCadre);
        assert_eq!(rows[0].row, 2);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_number() {
        let t = table(&[
            &["", "Nam", "", "", "", "#1", "", ""],
            &[
                "Trần Thị Bình",
                "không rõ",
                "31/02/1990",
                "",
                "",
                "#1",
                "",
                "",
            ],
            &["Lê Văn Cường", "", "", "", "", "", "lãnh đạo", ""],
        ]);
        let Err(ImportError::Rows(errs)) = parse(&t) else {
            panic!()
        };
        let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column)).collect();
        assert_eq!(
            got,
            vec![
                (2, "full_name"),
                (3, "gender"),
                (3, "birth_date"),
                (4, "cell"),
                (4, "audience")
            ]
        );
        assert_eq!(
            errs[0].message(i18n::Lang::Vi),
            "Dòng 2, cột Họ và tên: Trường này là bắt buộc."
        );
    }

    #[test]
    fn missing_required_columns_are_named() {
        let t = Table {
            header: vec!["Tên".into()],
            rows: vec![],
        };
        let Err(e) = parse(&t) else { panic!() };
        let msgs = e.messages(i18n::Lang::Vi);
        assert!(msgs.iter().any(|m| m.contains("Họ và tên")), "{msgs:?}");
    }
}
