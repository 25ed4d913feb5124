//! A report as a party document (.docx in the layout of Hướng dẫn 36-HD/VPTW, written by
//! `partydoc`) and its tables as a workbook (.xlsx). Both are in Vietnamese whatever the
//! page's language: they are the unit's official document.

use axum::extract::{Path, State};
use axum::response::Response;
use domain::report::{DecisionKind, ReportKind, ReportSections};
use i18n::Lang;
use partydoc::{Block, PartyDoc, Signer};
use store::{ReportFacts, ReportId, ReportRecord};

use super::{facts_of, fmt_num};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::AppError;
use crate::forms::{self, today};

fn vi(key: &str) -> &'static str {
    i18n::tr(Lang::Vi, key)
}

fn date(d: &time::Date) -> String {
    domain::validate::format_date(*d)
}

/// A table of the factual part: its title, header and rows.
pub(crate) type FactTable = (&'static str, Vec<String>, Vec<Vec<String>>);

/// The tables of the factual part.
pub(crate) fn fact_tables(f: &ReportFacts) -> Vec<FactTable> {
    let s = &f.study;
    let d = &f.dashboard;
    let mut out = vec![
        (
            vi("reports.facts.study"),
            vec![
                vi("reports.col.item").to_owned(),
                vi("reports.col.figure").to_owned(),
            ],
            vec![
                vec![
                    vi("reports.facts.members_studied").to_owned(),
                    format!("{}/{} ({}%)", s.studied, s.members, s.percent()),
                ],
                vec![
                    vi("reports.facts.key_studied").to_owned(),
                    format!("{}/{}", s.key_cadres_studied, s.key_cadres),
                ],
                vec![
                    vi("reports.facts.made_up").to_owned(),
                    format!(
                        "{} ({} {})",
                        s.made_up,
                        s.makeup_sessions,
                        vi("reports.facts.sessions")
                    ),
                ],
                vec![
                    vi("reports.facts.checks").to_owned(),
                    format!("{}/{}", s.checks_passed, s.checks_taken),
                ],
                vec![
                    vi("reports.facts.reflections").to_owned(),
                    format!(
                        "{} + {} {}",
                        s.reflections_on_time,
                        s.reflections_late,
                        vi("reports.facts.late_word")
                    ),
                ],
            ],
        ),
        (
            vi("reports.facts.tasks"),
            vec![
                vi("reports.col.item").to_owned(),
                vi("reports.col.figure").to_owned(),
            ],
            vec![
                vec![
                    vi("reports.facts.tasks_total").to_owned(),
                    d.tasks_total.to_string(),
                ],
                vec![
                    vi("reports.facts.tasks_done").to_owned(),
                    d.tasks_done.to_string(),
                ],
                vec![
                    vi("reports.facts.tasks_done_period").to_owned(),
                    f.tasks_done_in_period.to_string(),
                ],
                vec![
                    vi("reports.facts.tasks_on_track").to_owned(),
                    d.tasks_on_track.to_string(),
                ],
                vec![
                    vi("reports.facts.tasks_at_risk").to_owned(),
                    d.tasks_at_risk.to_string(),
                ],
                vec![
                    vi("reports.facts.tasks_not_started").to_owned(),
                    d.tasks_not_started.to_string(),
                ],
                vec![
                    vi("reports.facts.tasks_overdue").to_owned(),
                    d.tasks_overdue.to_string(),
                ],
            ],
        ),
    ];
    if !f.overdue_tasks.is_empty() {
        out.push((
            vi("reports.facts.overdue_list"),
            vec![
                vi("reports.col.unit").to_owned(),
                vi("reports.col.task").to_owned(),
                vi("reports.col.deadline").to_owned(),
                vi("reports.col.responsible").to_owned(),
            ],
            f.overdue_tasks
                .iter()
                .map(|t| {
                    vec![
                        t.org_name.clone(),
                        t.content.clone(),
                        date(&t.deadline),
                        t.responsible.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        ));
    }
    if !f.targets.is_empty() {
        out.push((
            vi("reports.facts.targets"),
            vec![
                vi("reports.col.indicator").to_owned(),
                vi("reports.col.baseline").to_owned(),
                vi("reports.col.value").to_owned(),
                vi("reports.col.goal").to_owned(),
            ],
            f.targets
                .iter()
                .map(|t| {
                    vec![
                        format!("{} ({})", t.indicator, t.unit),
                        t.baseline.map(fmt_num).unwrap_or_else(|| "–".into()),
                        t.value.map(fmt_num).unwrap_or_else(|| "–".into()),
                        fmt_num(t.goal),
                    ]
                })
                .collect(),
        ));
    }
    out
}

/// "Huyện ủy Lục Nam" → "Lục Nam": the place written before the date.
pub(crate) fn place_of(name: &str) -> String {
    let lower = name.to_lowercase();
    for prefix in [
        "tỉnh ủy ",
        "thành ủy ",
        "huyện ủy ",
        "thị ủy ",
        "quận ủy ",
        "đảng ủy xã ",
        "đảng ủy phường ",
        "đảng ủy thị trấn ",
        "đảng ủy ",
        "chi bộ thôn ",
        "chi bộ ",
    ] {
        if lower.starts_with(prefix)
            && let Some(rest) = name.get(prefix.len()..)
        {
            return rest.trim().to_owned();
        }
    }
    name.to_owned()
}

/// The party organization line above the issuer: "Tỉnh ủy Bắc Giang" → "ĐẢNG BỘ TỈNH BẮC
/// GIANG"; "Đảng ủy xã Bảo Đài" → "ĐẢNG BỘ XÃ BẢO ĐÀI".
pub(crate) fn party_of(parent: &str) -> String {
    let lower = parent.to_lowercase();
    let rest = |n: usize| parent.get(n..).unwrap_or(parent).trim().to_owned();
    let name = if lower.starts_with("tỉnh ủy ") {
        format!("Đảng bộ tỉnh {}", rest("tỉnh ủy ".len()))
    } else if lower.starts_with("thành ủy ") {
        format!("Đảng bộ thành phố {}", rest("thành ủy ".len()))
    } else if lower.starts_with("huyện ủy ") {
        format!("Đảng bộ huyện {}", rest("huyện ủy ".len()))
    } else if lower.starts_with("đảng ủy ") {
        format!("Đảng bộ {}", rest("đảng ủy ".len()))
    } else {
        parent.to_owned()
    };
    name.to_uppercase()
}

fn text_blocks(md: &str) -> Vec<Block> {
    md.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let lines: Vec<&str> = p.lines().collect();
            if lines
                .iter()
                .all(|l| l.trim_start().starts_with("- ") || l.trim_start().starts_with("* "))
            {
                Block::Bullets(
                    lines
                        .iter()
                        .map(|l| l.trim_start()[2..].trim().to_owned())
                        .collect(),
                )
            } else {
                Block::Paragraph(p.replace('\n', " "))
            }
        })
        .collect()
}

/// The party document of a report.
pub(crate) fn party_doc(r: &ReportRecord, f: &ReportFacts, parent: Option<&str>) -> PartyDoc {
    let mut body = Vec::new();
    let period = format!("{} – {}", date(&r.period.start), date(&r.period.end));
    if let Some(c) = &r.conference {
        body.push(Block::Paragraph(i18n::fill(
            vi("reports.docx.conference"),
            &[
                ("date", &date(&c.held_on)),
                ("chair", &c.chair),
                ("present", &c.present),
                ("invited", &c.invited),
            ],
        )));
    }
    body.push(Block::Heading {
        level: 1,
        text: vi("reports.docx.results").to_owned(),
    });
    body.push(Block::Paragraph(i18n::fill(
        vi("reports.docx.scope"),
        &[
            ("unit", &f.org_name),
            ("symbol", &f.document_symbol),
            ("period", &period),
            ("as_of", &date(&f.as_of)),
        ],
    )));
    if let Some(pf) = &f.program {
        body.push(Block::Paragraph(i18n::fill(
            if pf.late {
                vi("reports.docx.program_late")
            } else {
                vi("reports.docx.program_on_time")
            },
            &[
                ("symbol", &pf.symbol.clone().unwrap_or_default()),
                ("date", &pf.issued_on.map(|d| date(&d)).unwrap_or_default()),
                ("revisions", &pf.revisions),
            ],
        )));
    } else {
        body.push(Block::Paragraph(vi("reports.docx.program_none").to_owned()));
    }
    for (title, header, rows) in fact_tables(f) {
        body.push(Block::Heading {
            level: 2,
            text: title.to_owned(),
        });
        body.push(Block::Table { header, rows });
    }
    let (n, late, reached) = f.lower_reports;
    if reached > 0 {
        body.push(Block::Paragraph(i18n::fill(
            vi("reports.docx.lower"),
            &[("n", &n), ("late", &late), ("reached", &reached)],
        )));
    }
    if let Some(i) = &f.inspection {
        body.push(Block::Heading {
            level: 2,
            text: vi("reports.facts.inspection").to_owned(),
        });
        if i.items_concluded == 0 && i.open_total == 0 {
            body.push(Block::Paragraph(
                vi("reports.facts.inspection_none").to_owned(),
            ));
        } else {
            body.push(Block::Paragraph(i18n::fill(
                vi("reports.facts.inspection_summary"),
                &[
                    ("items", &i.items_concluded),
                    ("findings", &i.findings_total),
                    ("open", &i.open_total),
                    ("overdue", &i.open_overdue),
                ],
            )));
            let mut lines: Vec<String> = i
                .findings
                .iter()
                .map(|x| {
                    i18n::fill(
                        vi("reports.docx.inspection_finding"),
                        &[
                            (
                                "kind",
                                &vi(&format!("inspection.finding.{}", x.kind.as_str())),
                            ),
                            ("unit", &x.org_name),
                            (
                                "notice",
                                &x.notice_symbol.as_deref().unwrap_or(&x.item_title),
                            ),
                            ("text", &x.text),
                        ],
                    )
                })
                .collect();
            lines.extend(i.open_recommendations.iter().map(|x| {
                let who = x
                    .responsible
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                i18n::fill(
                    vi("reports.docx.inspection_rec"),
                    &[
                        ("unit", &x.acting_org_name),
                        ("text", &x.text),
                        ("deadline", &date(&x.deadline)),
                        (
                            "state",
                            &vi(&format!("inspection.rec.{}", x.state.as_str())),
                        ),
                        ("who", &who),
                    ],
                )
            }));
            if !lines.is_empty() {
                body.push(Block::Bullets(lines));
            }
        }
    }
    for field in ReportSections::FIELDS {
        let text = r.sections.get(field);
        if text.is_empty() {
            continue;
        }
        body.push(Block::Heading {
            level: 1,
            text: vi(&format!("reports.section.{field}")).to_owned(),
        });
        body.extend(text_blocks(text));
    }
    if !r.decisions.is_empty() {
        body.push(Block::Heading {
            level: 1,
            text: vi("reports.decisions").to_owned(),
        });
        for k in DecisionKind::ALL {
            let items: Vec<String> = r
                .decisions
                .iter()
                .filter(|d| d.decision.kind == k)
                .map(|d| {
                    let mut s = d.decision.subject.clone();
                    if let Some(x) = &d.decision.reason {
                        s.push_str(&format!(" ({x})"));
                    }
                    if let Some(x) = d.decision.deadline {
                        s.push_str(&format!(" – {}", date(&x)));
                    }
                    s
                })
                .collect();
            if !items.is_empty() {
                body.push(Block::Heading {
                    level: 2,
                    text: vi(&format!("reports.decision.{}", k.as_str())).to_owned(),
                });
                body.push(Block::Bullets(items));
            }
        }
    }
    let kind = match r.kind {
        ReportKind::Periodic => vi("reports.docx.title_periodic"),
        ReportKind::Interim => vi("reports.docx.title_interim"),
        ReportKind::Final => vi("reports.docx.title_final"),
    };
    let mut recipients = Vec::new();
    if let Some(p) = parent {
        recipients.push(i18n::fill(vi("reports.docx.to_upper"), &[("upper", &p)]));
    }
    recipients.push(vi("reports.docx.archive").to_owned());
    PartyDoc {
        party: parent.map(party_of).unwrap_or_default(),
        issuer: r.org_name.to_uppercase(),
        number: r.symbol.clone().unwrap_or_else(|| format!("…-BC/{}", "…")),
        place: place_of(&r.org_name),
        date: r.submitted_on.unwrap_or_else(today),
        kind: vi("reports.docx.kind").to_owned(),
        title: i18n::fill(kind, &[("symbol", &r.document_symbol), ("period", &period)]),
        body,
        recipients,
        signer: Signer {
            on_behalf: Some(vi("reports.docx.on_behalf").to_owned()),
            position: vi("reports.docx.position").to_owned(),
            name: r
                .conference
                .as_ref()
                .map(|c| c.chair.clone())
                .unwrap_or_default(),
        },
    }
}

async fn load(
    st: &AppState,
    auth: &Auth,
    id: &str,
) -> Result<(ReportRecord, ReportFacts, Option<String>), AppError> {
    let id = ReportId(forms::id(id)?);
    let r = st.store.report(&auth.p, id).await?;
    let f = facts_of(st, &auth.p, &r).await?;
    // The parent's name, when the user may read it (for the party line and recipients).
    let parent = match st.store.org_get(&auth.p, r.org_id).await?.parent_id {
        Some(pid) => st.store.org_get(&auth.p, pid).await.ok().map(|o| o.name),
        None => None,
    };
    Ok((r, f, parent))
}

fn file_stem(r: &ReportRecord) -> String {
    format!(
        "bao-cao-{}-{}",
        r.id,
        r.symbol.as_deref().unwrap_or("du-thao").replace('/', "-")
    )
}

pub(super) async fn docx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (r, f, parent) = load(&st, &auth, &id).await?;
    let bytes =
        partydoc::to_docx(&party_doc(&r, &f, parent.as_deref())).map_err(AppError::internal)?;
    Ok(crate::files::download(
        &format!("{}.docx", file_stem(&r)),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        false,
        bytes,
    ))
}

pub(crate) fn workbook(
    r: &ReportRecord,
    f: &ReportFacts,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name(vi("reports.sheet_name"))?;
    sheet.write_with_format(
        0,
        0,
        format!("{} – {}", r.org_name, r.document_symbol),
        &bold,
    )?;
    sheet.write(
        1,
        0,
        format!("{} – {}", date(&r.period.start), date(&r.period.end)),
    )?;
    let mut row = 3u32;
    for (title, header, rows) in fact_tables(f) {
        sheet.write_with_format(row, 0, title, &bold)?;
        row += 1;
        for (c, h) in header.iter().enumerate() {
            sheet.write_with_format(row, c as u16, h, &bold)?;
        }
        row += 1;
        for cells in rows {
            for (c, v) in cells.iter().enumerate() {
                match v.parse::<f64>() {
                    Ok(n) => sheet.write(row, c as u16, n)?,
                    Err(_) => sheet.write(row, c as u16, v)?,
                };
            }
            row += 1;
        }
        row += 1;
    }
    sheet.set_column_width(0, 48)?;
    sheet.set_column_width(1, 40)?;
    wb.save_to_buffer()
}

pub(super) async fn xlsx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (r, f, _) = load(&st, &auth, &id).await?;
    let bytes = workbook(&r, &f).map_err(AppError::internal)?;
    Ok(crate::files::xlsx(
        &format!("{}.xlsx", file_stem(&r)),
        bytes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_and_party_lines() {
        assert_eq!(place_of("Huyện ủy Lục Nam"), "Lục Nam");
        assert_eq!(place_of("Đảng ủy xã Bảo Đài"), "Bảo Đài");
        assert_eq!(place_of("Tỉnh ủy Bắc Giang"), "Bắc Giang");
        assert_eq!(party_of("Tỉnh ủy Bắc Giang"), "ĐẢNG BỘ TỈNH BẮC GIANG");
        assert_eq!(party_of("Đảng ủy xã Bảo Đài"), "ĐẢNG BỘ XÃ BẢO ĐÀI");
        assert_eq!(party_of("Huyện ủy Lục Nam"), "ĐẢNG BỘ HUYỆN LỤC NAM");
    }

    #[test]
    fn markdown_paragraphs_and_lists() {
        let b = text_blocks("Đoạn một\ndòng hai.\n\n- a\n- b\n\n");
        assert_eq!(b.len(), 2);
        assert!(matches!(&b[0], Block::Paragraph(p) if p == "Đoạn một dòng hai."));
        assert!(matches!(&b[1], Block::Bullets(v) if v.len() == 2));
    }
}
