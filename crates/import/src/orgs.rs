//! Organizations from a table: one row a unit, parents before children (a parent may be
//! an existing unit or a unit of an earlier row).

use crate::members::{locate, resolve_org};
use crate::{ImportError, RowError, Table};
use domain::{OrgKind, OrgPath, Principal, validate};
use std::collections::HashMap;
use store::{NewOrgImport, ParentRef, Store};
use time::Date;

/// The columns of the organizations template: (key, Vietnamese header, required).
pub const COLUMNS: &[(&str, &str, bool)] = &[
    ("code", "Mã tổ chức", true),
    ("name", "Tên tổ chức", true),
    ("kind", "Loại tổ chức", true),
    ("parent", "Mã tổ chức cấp trên", true),
    ("valid_from", "Ngày thành lập", false),
];

fn aliases(key: &str) -> &'static [&'static str] {
    match key {
        "code" => &["Code"],
        "name" => &["Name"],
        "kind" => &["Kind", "Type"],
        "parent" => &["Parent code", "Parent"],
        "valid_from" => &["Established on", "Valid from"],
        _ => &[],
    }
}

/// Vietnamese (and English) labels of the kinds, as typed in a sheet.
pub fn parse_kind(s: &str) -> Option<OrgKind> {
    let f = domain::text::fold(s);
    let k = match f.as_str() {
        "dang bo tinh" | "provincial" => OrgKind::Provincial,
        "dang bo truc thuoc" | "directly affiliated" | "directly_affiliated" => {
            OrgKind::DirectlyAffiliated
        }
        "to chuc co so dang" | "co so" | "dang bo co so" | "chi bo co so" | "grassroots" => {
            OrgKind::Grassroots
        }
        "chi bo" | "cell" => OrgKind::Cell,
        "co quan nha nuoc" | "state body" | "state_body" => OrgKind::StateBody,
        "doan the" | "mat tran, doan the" | "mass organization" | "mass_organization" => {
            OrgKind::MassOrganization
        }
        _ => return None,
    };
    Some(k)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub row: usize,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub parent: String,
    pub valid_from: Option<Date>,
}

/// Checks every row; returns all rows, or every problem found.
pub fn parse(table: &Table) -> Result<Vec<OrgRow>, ImportError> {
    let idx = locate(table, COLUMNS, aliases)?;
    let get = |row: &Vec<String>, k: usize| -> String {
        idx[k].and_then(|i| row.get(i)).cloned().unwrap_or_default()
    };
    let mut out: Vec<OrgRow> = Vec::new();
    let mut errors = Vec::new();
    let mut codes: HashMap<String, usize> = HashMap::new();
    for (n, r) in table.rows.iter().enumerate() {
        let row = n + 2;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let before = errors.len();
        let code = get(r, 0).trim().to_owned();
        if code.is_empty() {
            errors.push(RowError::new(row, "code", "err.required"));
        } else if codes.insert(code.clone(), row).is_some() {
            errors.push(RowError::new(row, "code", "import.duplicate_code"));
        }
        let name = validate::name("name", &get(r, 1), 200).unwrap_or_else(|e| {
            errors.push(RowError::new(row, "name", format!("err.{}", e.0[0].code)));
            String::new()
        });
        let kind = parse_kind(&get(r, 2));
        if kind.is_none() {
            errors.push(RowError::new(row, "kind", "import.bad_kind"));
        }
        let parent = get(r, 3).trim().to_owned();
        if parent.is_empty() {
            errors.push(RowError::new(row, "parent", "err.required"));
        }
        let valid_from = validate::optional_date("valid_from", &get(r, 4)).unwrap_or_else(|_| {
            errors.push(RowError::new(row, "valid_from", "err.bad_date"));
            None
        });
        if errors.len() == before
            && let Some(kind) = kind
        {
            out.push(OrgRow {
                row,
                code,
                name,
                kind,
                parent,
                valid_from,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ImportError::Rows(errors))
    }
}

/// Resolves parents (existing units, or earlier rows of the file) and checks every rule
/// with row numbers, then creates all units in one store transaction: all or nothing.
pub async fn apply(
    store: &dyn Store,
    p: &Principal,
    rows: Vec<OrgRow>,
    today: Date,
) -> Result<u64, ImportError> {
    apply_within(store, p, None, rows, today).await
}

/// [`apply`], with every existing parent inside the subtree of `within` (the unit the
/// import was started from); a parent elsewhere is reported on its row.
pub async fn apply_within(
    store: &dyn Store,
    p: &Principal,
    within: Option<&OrgPath>,
    rows: Vec<OrgRow>,
    today: Date,
) -> Result<u64, ImportError> {
    let mut errors = Vec::new();
    // code -> (row index, kind), for rows of this file
    let mut in_file: HashMap<String, (usize, OrgKind)> = HashMap::new();
    let mut new = Vec::with_capacity(rows.len());
    for (i, r) in rows.into_iter().enumerate() {
        if store
            .org_by_code(p, &r.code)
            .await?
            .is_some_and(|o| o.is_active())
        {
            errors.push(RowError::new(r.row, "code", "err.code_taken"));
        }
        let parent = if let Some((idx, kind)) = in_file.get(&r.parent) {
            Some((ParentRef::Row(*idx), *kind))
        } else {
            match resolve_org(store, p, &r.parent).await? {
                Some(o) if o.is_active() => {
                    if within.is_some_and(|w| !w.covers(&o.path)) {
                        errors.push(RowError::new(r.row, "parent", "import.parent_outside"));
                        None
                    } else {
                        Some((ParentRef::Existing(o.id), o.kind))
                    }
                }
                _ => {
                    errors.push(RowError::new(r.row, "parent", "import.unknown_parent"));
                    None
                }
            }
        };
        if let Some((_, pk)) = parent
            && !pk.may_contain(r.kind)
        {
            errors.push(RowError::new(r.row, "kind", "err.kind_not_allowed"));
        }
        in_file.insert(r.code.clone(), (i, r.kind));
        if let Some((parent, _)) = parent {
            new.push(NewOrgImport {
                code: r.code,
                name: r.name,
                kind: r.kind,
                parent,
                valid_from: r.valid_from.unwrap_or(today),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    Ok(store.org_import(p, new).await?)
}
