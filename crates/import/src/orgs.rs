//! Organizations from a table: one row a unit, parents before children (a parent may be
//! an existing unit or a unit of an earlier row).

use crate::members::{locate, resolve_org};
use crate::{ImportError, RowError, Table};
use domain::{OrgKind, Principal, validate};
use std::collections::HashMap;
use store::{NewOrg, Store};
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
/// before creating anything, then creates the units in file order.
pub async fn apply(
    store: &dyn Store,
    p: &Principal,
    rows: Vec<OrgRow>,
    today: Date,
) -> Result<u64, ImportError> {
    let mut errors = Vec::new();
    // code -> kind, for rows of this file
    let mut in_file: HashMap<String, OrgKind> = HashMap::new();
    let mut existing = HashMap::new();
    for r in &rows {
        if store
            .org_by_code(p, &r.code)
            .await?
            .is_some_and(|o| o.is_active())
        {
            errors.push(RowError::new(r.row, "code", "err.code_taken"));
        }
        let parent_kind = if let Some(k) = in_file.get(&r.parent) {
            Some(*k)
        } else {
            let o = resolve_org(store, p, &r.parent).await?;
            let kind = o.as_ref().filter(|o| o.is_active()).map(|o| o.kind);
            if let Some(o) = o {
                existing.insert(r.parent.clone(), o.id);
            }
            kind
        };
        match parent_kind {
            None => errors.push(RowError::new(r.row, "parent", "import.unknown_parent")),
            Some(pk) if !pk.may_contain(r.kind) => {
                errors.push(RowError::new(r.row, "kind", "err.kind_not_allowed"))
            }
            Some(_) => {}
        }
        in_file.insert(r.code.clone(), r.kind);
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    let mut created = 0;
    let mut ids = existing;
    for r in rows {
        let parent = ids[&r.parent];
        let org = store
            .org_create(
                p,
                NewOrg {
                    parent_id: Some(parent),
                    kind: r.kind,
                    name: r.name,
                    code: Some(r.code.clone()),
                    valid_from: r.valid_from.unwrap_or(today),
                },
            )
            .await?;
        ids.insert(r.code, org.id);
        created += 1;
    }
    Ok(created)
}
