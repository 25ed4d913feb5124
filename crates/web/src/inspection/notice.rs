//! The conclusion notice (thông báo kết luận) of an inspection or supervision as a party
//! document (.docx, Hướng dẫn 36-HD/VPTW, see docs/DOCUMENTS.md): who was inspected and on
//! what, what was found by kind, the conclusion, and each recommendation with the unit that
//! must act and its deadline. Available once the item is concluded, to whoever may read
//! the conclusion (the body, the team, the subject; `NotFound` to everyone else, as the
//! item page).

use axum::extract::{Path, State};
use axum::response::Response;
use domain::inspection::{BodyKind, FindingKind, TeamRole};
use i18n::Lang;
use partydoc::{Block, PartyDoc, Signer};
use store::Item;

use crate::AppState;
use crate::ctx::Auth;
use crate::error::AppError;
use crate::forms;
use crate::reports::export::{party_of, place_of};

fn vi(key: &str) -> &'static str {
    i18n::tr(Lang::Vi, key)
}

fn date(d: time::Date) -> String {
    domain::validate::format_date(d)
}

/// The notice of a concluded item; `None` before the conclusion. `parent` is the name of
/// the body's parent unit when the reader may see it (the party line of a committee's
/// notice).
pub(crate) fn party_doc(item: &Item, parent: Option<&str>) -> Option<PartyDoc> {
    let (concluded_on, conclusion, symbol) = (
        item.concluded_on?,
        item.conclusion.as_deref()?,
        item.notice_symbol.as_deref()?,
    );
    let mut body = vec![Block::Paragraph(item.content.clone())];
    body.push(Block::Heading {
        level: 1,
        text: vi("inspection.notice.scope").to_owned(),
    });
    let mut scope: Vec<String> = item
        .subjects
        .iter()
        .map(|s| match &s.member_name {
            Some(m) => format!("{}: {m}", s.org_name),
            None => s.org_name.clone(),
        })
        .collect();
    if let (Some(from), Some(to)) = (item.period_from, item.period_to) {
        scope.push(i18n::fill(
            vi("inspection.notice.period"),
            &[("from", &date(from)), ("to", &date(to))],
        ));
    }
    scope.push(i18n::fill(
        vi("inspection.notice.schedule"),
        &[("from", &date(item.starts_on)), ("to", &date(item.ends_on))],
    ));
    let team: Vec<String> = item
        .team
        .iter()
        .map(|t| {
            let role = match t.role {
                TeamRole::Head => vi("inspection.team.head"),
                TeamRole::Member => vi("inspection.team.member"),
                TeamRole::Secretary => vi("inspection.team.secretary"),
            };
            format!("{} ({role})", t.name)
        })
        .collect();
    if !team.is_empty() {
        scope.push(i18n::fill(
            vi("inspection.notice.team"),
            &[("team", &team.join(", "))],
        ));
    }
    if !item.tasks.is_empty() {
        let tasks: Vec<String> = item
            .tasks
            .iter()
            .map(|t| format!("{} ({})", t.content.trim_end_matches('.'), t.org_name))
            .collect();
        scope.push(i18n::fill(
            vi("inspection.notice.tasks"),
            &[("tasks", &tasks.join("; "))],
        ));
    }
    body.push(Block::Bullets(scope));

    if !item.findings.is_empty() {
        body.push(Block::Heading {
            level: 1,
            text: vi("inspection.notice.findings").to_owned(),
        });
        for kind in [
            FindingKind::Strength,
            FindingKind::Shortcoming,
            FindingKind::Violation,
        ] {
            let found: Vec<String> = item
                .findings
                .iter()
                .filter(|f| f.kind == kind)
                .map(|f| match &f.about_label {
                    Some(about) => format!("{} ({about})", f.text),
                    None => f.text.clone(),
                })
                .collect();
            if found.is_empty() {
                continue;
            }
            body.push(Block::Heading {
                level: 2,
                text: vi(&format!("inspection.finding.{}", kind.as_str())).to_owned(),
            });
            body.push(Block::Bullets(found));
        }
    }
    body.push(Block::Heading {
        level: 1,
        text: vi("inspection.notice.conclusion").to_owned(),
    });
    body.push(Block::Paragraph(conclusion.to_owned()));
    if !item.recommendations.is_empty() {
        body.push(Block::Heading {
            level: 1,
            text: vi("inspection.notice.recommendations").to_owned(),
        });
        body.push(Block::Table {
            header: vec![
                vi("inspection.notice.col_no").to_owned(),
                vi("inspection.notice.col_unit").to_owned(),
                vi("inspection.notice.col_text").to_owned(),
                vi("inspection.notice.col_deadline").to_owned(),
            ],
            rows: item
                .recommendations
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    vec![
                        (i + 1).to_string(),
                        r.acting_org_name.clone(),
                        r.text.clone(),
                        date(r.deadline),
                    ]
                })
                .collect(),
        });
        body.push(Block::Paragraph(
            vi("inspection.notice.follow_up").to_owned(),
        ));
    }

    // The issuing body under the unit it belongs to; who signs for it.
    let (party, issuer, on_behalf, position) = match item.body {
        BodyKind::InspectionCommittee => (
            item.org_name.to_uppercase(),
            vi("inspection.notice.issuer_ubkt").to_uppercase(),
            vi("inspection.notice.on_behalf_ubkt"),
            vi("inspection.notice.position_ubkt"),
        ),
        BodyKind::Committee => (
            parent.map(party_of).unwrap_or_default(),
            item.org_name.to_uppercase(),
            vi("inspection.notice.on_behalf_committee"),
            vi("inspection.notice.position_committee"),
        ),
        BodyKind::FatherlandFront | BodyKind::MassOrganization => (
            item.org_name.to_uppercase(),
            vi(&format!("inspection.body.{}", item.body.as_str())).to_uppercase(),
            vi("inspection.notice.on_behalf_front"),
            vi("inspection.notice.position_front"),
        ),
    };
    let mut recipients: Vec<String> = item.subjects.iter().map(|s| s.org_name.clone()).collect();
    recipients.dedup();
    recipients.push(vi("inspection.notice.archive").to_owned());
    Some(PartyDoc {
        party,
        issuer,
        number: symbol.to_owned(),
        place: place_of(&item.org_name),
        date: concluded_on,
        kind: vi("inspection.notice.kind").to_owned(),
        title: i18n::fill(vi("inspection.notice.title"), &[("title", &item.title)]),
        body,
        recipients,
        signer: Signer {
            on_behalf: Some(on_behalf.to_owned()),
            position: position.to_owned(),
            name: String::new(),
        },
    })
}

/// `GET /inspection-items/{id}/docx`: the conclusion notice; 404 before the conclusion.
pub(super) async fn docx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let item = st
        .store
        .inspection_item(&auth.p, forms::id(&id)?, forms::today())
        .await?;
    let parent = match st.store.org_get(&auth.p, item.org_id).await?.parent_id {
        Some(pid) => st.store.org_get(&auth.p, pid).await.ok().map(|o| o.name),
        None => None,
    };
    let doc = party_doc(&item, parent.as_deref()).ok_or(AppError::NotFound)?;
    let bytes = partydoc::to_docx(&doc).map_err(AppError::internal)?;
    let stem = item
        .notice_symbol
        .as_deref()
        .unwrap_or("thong-bao")
        .replace('/', "-");
    Ok(crate::files::download(
        &format!("thong-bao-ket-luan-{stem}.docx"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        false,
        bytes,
    ))
}
