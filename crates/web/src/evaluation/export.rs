//! A period's results as a workbook (.xlsx: one sheet for organizations, one for members)
//! and as a report (.docx, a party document in the layout of Hướng dẫn 36-HD/VPTW): the
//! counts by level, the ratings, and the signals to look at. Both read the same rankings
//! as the period's page, under the period's unit (or `?org=`), so that each reader gets
//! what they may see.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use domain::evaluation::{Level, SubjectKind};
use i18n::Lang;
use partydoc::{Block, PartyDoc, Signer};
use rust_xlsxwriter::{Workbook, XlsxError};
use store::Ranking;

use super::{level_label, row_views, score, signal_text};
use crate::AppState;
use crate::ctx::{Auth, Ctx};
use crate::error::AppError;
use crate::forms::{self, query_param};
use crate::reports::export::{party_of, place_of};

async fn rankings(
    auth: &Auth,
    st: &AppState,
    id: &str,
    query: &Option<String>,
) -> Result<(Ranking, Ranking), AppError> {
    let period = st.store.evaluation_period(&auth.p, forms::id(id)?).await?;
    let org = match query_param(query, "org").as_str() {
        "" => period.org_id,
        raw => forms::id(raw)?,
    };
    let units = st
        .store
        .evaluation_ranking(&auth.p, period.id, org, SubjectKind::Unit)
        .await?;
    let members = st
        .store
        .evaluation_ranking(&auth.p, period.id, org, SubjectKind::Member)
        .await?;
    Ok((units, members))
}

fn stem(r: &Ranking) -> String {
    format!("danh-gia-xep-loai-{}-{}", r.period.ends_on.year(), r.org_id)
}

/// The workbook.
pub(crate) fn workbook(ctx: &Ctx, rankings: [&Ranking; 2]) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    for r in rankings {
        let s = wb.add_worksheet();
        s.set_name(ctx.t(&format!("evaluation.subject.{}", r.subject.as_str())))?;
        let head = [
            "evaluation.export.stt",
            "evaluation.export.name",
            "evaluation.export.unit",
            "evaluation.export.score",
            "evaluation.export.proposed",
            "evaluation.export.self",
            "evaluation.export.assessed",
            "evaluation.export.final",
            "evaluation.export.signals",
        ];
        for (c, k) in head.iter().enumerate() {
            s.write(0, c as u16, ctx.t(k))?;
        }
        for (i, v) in row_views(ctx, &r.rows).iter().enumerate() {
            let row = i as u32 + 1;
            let lv = |l: Option<Level>| l.map(|l| level_label(ctx, l)).unwrap_or_default();
            s.write(row, 0, v.rank as u32)?;
            s.write(row, 1, &v.name)?;
            s.write(row, 2, v.unit.as_deref().unwrap_or_default())?;
            s.write(row, 3, r.rows[i].score as f64 / 10.0)?;
            s.write(row, 4, level_label(ctx, v.proposed))?;
            s.write(row, 5, lv(v.self_level))?;
            s.write(row, 6, lv(v.assessed))?;
            s.write(row, 7, lv(v.final_level))?;
            s.write(row, 8, v.signals.join(" "))?;
        }
        s.set_column_width(1, 36)?;
        s.set_column_width(2, 28)?;
        for c in 4..=7 {
            s.set_column_width(c, 26)?;
        }
    }
    wb.save_to_buffer()
}

/// `GET /evaluation-periods/{id}/xlsx`.
pub(super) async fn xlsx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let (units, members) = rankings(&auth, &st, &id, &query).await?;
    let bytes = workbook(&auth.ctx, [&units, &members]).map_err(AppError::internal)?;
    Ok(crate::files::xlsx(&format!("{}.xlsx", stem(&units)), bytes))
}

fn vi(key: &str) -> &'static str {
    i18n::tr(Lang::Vi, key)
}

/// The report as a party document, in Vietnamese (the language of party documents).
pub(crate) fn party_doc(units: &Ranking, members: &Ranking, parent: Option<&str>) -> PartyDoc {
    let ctx = Ctx {
        lang: Lang::Vi,
        ..Ctx::default()
    };
    let ctx = &ctx;
    let period = units.period.name.to_lowercase();
    let mut body = vec![Block::Paragraph(i18n::fill(
        vi("evaluation.export.intro"),
        &[("org", &units.org_name), ("period", &period)],
    ))];
    body.push(Block::Heading {
        level: 1,
        text: vi("evaluation.export.summary").to_owned(),
    });
    let lines = [units, members]
        .iter()
        .map(|r| {
            let b = r.by_level;
            i18n::fill(
                vi("evaluation.export.summary_line"),
                &[
                    (
                        "subject",
                        &vi(&format!("evaluation.subject.{}", r.subject.as_str())),
                    ),
                    ("total", &r.rows.len()),
                    ("excellent", &b[0]),
                    ("good", &b[1]),
                    ("completed", &b[2]),
                    ("not_completed", &b[3]),
                    ("undecided", &b[4]),
                ],
            )
        })
        .collect();
    body.push(Block::Bullets(lines));
    body.push(Block::Heading {
        level: 1,
        text: vi("evaluation.export.list").to_owned(),
    });
    let header = vec![
        vi("evaluation.export.stt").to_owned(),
        vi("evaluation.export.name").to_owned(),
        vi("evaluation.export.score").to_owned(),
        vi("evaluation.export.proposed").to_owned(),
        vi("evaluation.export.final").to_owned(),
    ];
    let rows = row_views(ctx, &units.rows)
        .into_iter()
        .zip(&units.rows)
        .map(|(v, r)| {
            vec![
                v.rank.to_string(),
                v.name,
                score(r.score),
                r.proposed_level.abbreviation().to_owned(),
                r.final_level
                    .map(|l| l.abbreviation().to_owned())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    body.push(Block::Table { header, rows });
    let signals: Vec<String> = units
        .body_signals
        .iter()
        .chain(&members.body_signals)
        .map(|s| signal_text(ctx, s))
        .chain(units.rows.iter().chain(&members.rows).flat_map(|r| {
            let who = r.member_name.clone().unwrap_or_else(|| r.org_name.clone());
            r.signals
                .iter()
                .map(move |s| format!("{who}: {}", signal_text(ctx, s)))
                .collect::<Vec<_>>()
        }))
        .collect();
    if !signals.is_empty() {
        body.push(Block::Heading {
            level: 1,
            text: vi("evaluation.export.signals_heading").to_owned(),
        });
        body.push(Block::Bullets(signals));
    }
    PartyDoc {
        party: parent.map(party_of).unwrap_or_default(),
        issuer: units.org_name.to_uppercase(),
        number: String::new(),
        place: place_of(&units.org_name),
        date: forms::today(),
        kind: vi("evaluation.export.kind_doc").to_owned(),
        title: i18n::fill(vi("evaluation.export.doc_title"), &[("period", &period)]),
        body,
        recipients: vec![vi("evaluation.export.archive").to_owned()],
        signer: Signer {
            on_behalf: Some(vi("evaluation.export.on_behalf").to_owned()),
            position: vi("evaluation.export.position").to_owned(),
            name: String::new(),
        },
    }
}

/// `GET /evaluation-periods/{id}/docx`.
pub(super) async fn docx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let (units, members) = rankings(&auth, &st, &id, &query).await?;
    let parent = match st.store.org_get(&auth.p, units.org_id).await?.parent_id {
        Some(pid) => st.store.org_get(&auth.p, pid).await.ok().map(|o| o.name),
        None => None,
    };
    let doc = party_doc(&units, &members, parent.as_deref());
    let bytes = partydoc::to_docx(&doc).map_err(AppError::internal)?;
    Ok(crate::files::download(
        &format!("{}.docx", stem(&units)),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        false,
        bytes,
    ))
}
