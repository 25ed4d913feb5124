//! Attendance of one study conference from a table: one row a member, with their mark.
//!
//! A member is named by their code — the party card number, or the internal id written
//! `#123` (the template fills it in) — or, without a code, by their full name when exactly
//! one member of the conference's sheet has it. A row without a mark is skipped (the
//! template lists every member of the cell, and a secretary may fill in only some).
//! [`parse`] checks every row on its own; [`apply`] resolves the members against the
//! conference's sheet and records all rows in one transaction, or none.

use crate::{ImportError, RowError, Table};
use domain::study::AttendanceEntry;
use domain::{AttendanceMark, MemberId, Principal, StudySessionId};
use store::{AttendanceImportRow, SheetRow, Store, StoreError};

/// The columns of the attendance template: (key, Vietnamese header, required).
pub const COLUMNS: &[(&str, &str, bool)] = &[
    ("member_code", "Mã đảng viên", false),
    ("full_name", "Họ và tên", false),
    ("mark", "Điểm danh", true),
    ("reason", "Lý do vắng", false),
];

/// English headers (and a few usual Vietnamese variants) are accepted too.
fn aliases(key: &str) -> &'static [&'static str] {
    match key {
        "member_code" => &[
            "Member code",
            "Code",
            "Số thẻ đảng viên",
            "Số thẻ",
            "Party card number",
            "Mã số",
        ],
        "full_name" => &["Full name", "Name", "Tên"],
        "mark" => &["Attendance", "Mark", "Có mặt/vắng", "Tình trạng"],
        "reason" => &["Reason", "Lý do"],
        _ => &[],
    }
}

/// The mark a cell holds: the Vietnamese labels, their short forms, and English.
pub fn mark_of(s: &str) -> Option<AttendanceMark> {
    match domain::text::fold(s).as_str() {
        "co mat" | "x" | "present" | "p" => Some(AttendanceMark::Present),
        "vang co phep" | "co phep" | "vang co ly do" | "excused" | "p/v" => {
            Some(AttendanceMark::Excused)
        }
        "vang" | "vang khong phep" | "vang khong ly do" | "absent" | "a" => {
            Some(AttendanceMark::Absent)
        }
        _ => None,
    }
}

/// The Vietnamese label of a mark, as the template writes it.
pub fn mark_label(m: AttendanceMark) -> &'static str {
    match m {
        AttendanceMark::Present => "Có mặt",
        AttendanceMark::Excused => "Vắng có phép",
        AttendanceMark::Absent => "Vắng",
    }
}

/// A row that parsed; the member is still a reference to resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendanceRow {
    pub row: usize,
    pub code: String,
    pub full_name: String,
    pub mark: AttendanceMark,
    pub reason: Option<String>,
}

/// The rows to record and how many were left without a mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub rows: Vec<AttendanceRow>,
    pub skipped: usize,
}

/// Checks every row; returns all rows, or every problem found.
pub fn parse(table: &Table) -> Result<Parsed, ImportError> {
    let idx = crate::members::locate(table, COLUMNS, aliases)?;
    if idx[0].is_none() && idx[1].is_none() {
        return Err(ImportError::MissingColumns(vec!["member_code"]));
    }
    let get = |row: &Vec<String>, k: usize| -> String {
        idx[k]
            .and_then(|i| row.get(i))
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut out = Vec::with_capacity(table.rows.len());
    let mut errors = Vec::new();
    let mut skipped = 0;
    for (n, r) in table.rows.iter().enumerate() {
        let row = n + 2;
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let code = get(r, 0);
        let full_name = get(r, 1);
        let raw_mark = get(r, 2);
        let reason = get(r, 3);
        if code.is_empty() && full_name.is_empty() {
            errors.push(RowError::new(row, "member_code", "import.att_no_member"));
            continue;
        }
        if raw_mark.is_empty() {
            if reason.is_empty() {
                skipped += 1;
            } else {
                errors.push(RowError::new(row, "mark", "err.required"));
            }
            continue;
        }
        let Some(mark) = mark_of(&raw_mark) else {
            errors.push(RowError::new(row, "mark", "import.bad_mark"));
            continue;
        };
        match AttendanceEntry::parse(MemberId(0), mark.as_str(), &reason, "mark", "reason") {
            Ok(e) => out.push(AttendanceRow {
                row,
                code,
                full_name,
                mark,
                reason: e.reason,
            }),
            Err(inv) => {
                for f in &inv.0 {
                    let col = if f.field == "reason" {
                        "reason"
                    } else {
                        "mark"
                    };
                    errors.push(RowError::new(row, col, format!("err.{}", f.code)));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Parsed { rows: out, skipped })
    } else {
        errors.sort_by_key(|e| e.row);
        Err(ImportError::Rows(errors))
    }
}

/// What an import recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Recorded {
    pub rows: usize,
    pub present: usize,
    pub excused: usize,
    pub absent: usize,
    /// Rows without a mark, left as they were.
    pub skipped: usize,
}

/// Resolves every row's member against the conference's sheet (the members who may be
/// marked there), then records all rows in one transaction. Nothing is saved unless every
/// row is good: an unknown code or name, a member outside the conference's unit (or not
/// on its sheet) and the same member twice are reported on their rows.
pub async fn apply(
    store: &dyn Store,
    p: &Principal,
    session: StudySessionId,
    parsed: Parsed,
) -> Result<Recorded, ImportError> {
    let sheet = store.attendance_sheet(p, session).await?;
    let mut errors = Vec::new();
    let mut lines = Vec::with_capacity(parsed.rows.len());
    let mut seen: std::collections::HashMap<MemberId, usize> = Default::default();
    let mut done = Recorded {
        skipped: parsed.skipped,
        ..Recorded::default()
    };
    for r in parsed.rows {
        let found = if r.code.is_empty() {
            by_name(&sheet, &r.full_name).map_err(|k| ("full_name", k))
        } else {
            by_code(store, p, &sheet, &r.code)
                .await?
                .map_err(|k| ("member_code", k))
        };
        let member = match found {
            Ok(m) => m,
            Err((col, key)) => {
                errors.push(RowError::new(r.row, col, key));
                continue;
            }
        };
        if seen.insert(member, r.row).is_some() {
            errors.push(RowError::new(r.row, "member_code", "import.att_duplicate"));
            continue;
        }
        match r.mark {
            AttendanceMark::Present => done.present += 1,
            AttendanceMark::Excused => done.excused += 1,
            AttendanceMark::Absent => done.absent += 1,
        }
        lines.push(AttendanceImportRow {
            session,
            entry: AttendanceEntry {
                member_id: member,
                mark: r.mark,
                reason: r.reason,
            },
        });
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    done.rows = lines.len();
    if lines.is_empty() {
        return Err(ImportError::Rows(vec![RowError::new(
            1,
            "",
            "import.att_nothing",
        )]));
    }
    store.import_attendance(p, lines).await?;
    Ok(done)
}

/// A member of the sheet by full name (folded), when exactly one has it.
fn by_name(sheet: &[SheetRow], name: &str) -> Result<MemberId, &'static str> {
    let want = domain::text::fold(name);
    let mut hits = sheet
        .iter()
        .filter(|s| domain::text::fold(&s.full_name) == want);
    match (hits.next(), hits.next()) {
        (Some(m), None) => Ok(m.member_id),
        (Some(_), Some(_)) => Err("import.att_ambiguous_name"),
        (None, _) => Err("import.att_unknown_member"),
    }
}

/// A member by card number or `#id` (a bare number is tried as both): on the sheet, or
/// why not — a member the user may see elsewhere is outside the conference's unit.
async fn by_code(
    store: &dyn Store,
    p: &Principal,
    sheet: &[SheetRow],
    code: &str,
) -> Result<Result<MemberId, &'static str>, ImportError> {
    if let Some(m) = sheet
        .iter()
        .find(|s| s.card_number.as_deref() == Some(code))
    {
        return Ok(Ok(m.member_id));
    }
    let Ok(id) = code.strip_prefix('#').unwrap_or(code).trim().parse::<i64>() else {
        return Ok(Err("import.att_unknown_member"));
    };
    if sheet.iter().any(|s| s.member_id.0 == id) {
        return Ok(Ok(MemberId(id)));
    }
    match store.member_get(p, MemberId(id)).await {
        Ok(_) => Ok(Err("import.att_outside")),
        Err(StoreError::NotFound) => Ok(Err("import.att_unknown_member")),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(header: &[&str], rows: &[&[&str]]) -> Table {
        Table {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|s| s.to_string()).collect())
                .collect(),
        }
    }

    #[test]
    fn marks_in_vietnamese_and_english() {
        assert_eq!(mark_of("Có mặt"), Some(AttendanceMark::Present));
        assert_eq!(mark_of("có phép"), Some(AttendanceMark::Excused));
        assert_eq!(mark_of("VẮNG CÓ LÝ DO"), Some(AttendanceMark::Excused));
        assert_eq!(mark_of("Vắng"), Some(AttendanceMark::Absent));
        assert_eq!(mark_of("absent"), Some(AttendanceMark::Absent));
        assert_eq!(mark_of("đi muộn"), None);
        for m in AttendanceMark::ALL {
            assert_eq!(mark_of(mark_label(m)), Some(m));
        }
    }

    #[test]
    fn every_bad_row_is_reported_and_blank_marks_skipped() {
        let t = table(
            &["Mã đảng viên", "Họ và tên", "Điểm danh", "Lý do vắng"],
            &[
                &["#12", "Nguyễn Văn An", "Có mặt", ""],
                &["#13", "Trần Thị Bình", "", ""],
                &["#14", "Lê Văn Cường", "đi muộn", ""],
                &["#15", "Phạm Thị Đào", "Vắng có phép", ""],
                &["", "", "Có mặt", ""],
            ],
        );
        let Err(ImportError::Rows(errs)) = parse(&t) else {
            panic!()
        };
        let got: Vec<(usize, &str, &str)> = errs
            .iter()
            .map(|e| (e.row, e.column, e.key.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (4, "mark", "import.bad_mark"),
                (5, "reason", "err.excused_needs_reason"),
                (6, "member_code", "import.att_no_member"),
            ]
        );
        let ok = table(
            &["Member code", "Attendance", "Reason"],
            &[
                &["#12", "present", ""],
                &["#13", "", ""],
                &["#14", "excused", "Ốm"],
            ],
        );
        let p = parse(&ok).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.skipped, 1);
        assert_eq!(p.rows[1].reason.as_deref(), Some("Ốm"));
    }

    #[test]
    fn a_sheet_without_member_columns_is_refused() {
        let t = table(&["Điểm danh"], &[]);
        let Err(ImportError::MissingColumns(c)) = parse(&t) else {
            panic!()
        };
        assert_eq!(c, vec!["member_code"]);
    }
}
