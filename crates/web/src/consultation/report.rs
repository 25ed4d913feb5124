//! The response report (báo cáo tiếp thu, giải trình ý kiến góp ý) of a consultation as a
//! party document (.docx, Hướng dẫn 36-HD/VPTW, docs/DOCUMENTS.md): what was asked of whom
//! over which period, the figures, then a table with each comment — where it is, who made
//! it, what it says and proposes, how it was taken in or why not, and the paragraph as
//! changed — and the one reason the rest was closed with. For the unit's office and its
//! readers; a member or an expert gets `NotFound`, as for the comments of others. A
//! public commenter's contact is never in it.

use axum::extract::{Path, State};
use axum::response::Response;
use domain::consultation::{Answer, Moderation, Viewer};
use i18n::Lang;
use partydoc::{Block, PartyDoc, Signer};
use store::{CommentSource, Consultation};

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

/// The report of a consultation on `on`; `parent` is the name of the unit above, for the
/// party line; `body` the unit's body code (`HU`, `ĐU`).
pub(crate) fn party_doc(
    c: &Consultation,
    parent: Option<&str>,
    body: Option<&str>,
    on: time::Date,
) -> PartyDoc {
    let comments: Vec<_> = c
        .comments
        .iter()
        .filter(|cm| cm.moderation != Moderation::Rejected)
        .collect();
    let count =
        |pred: &dyn Fn(&&store::Comment) -> bool| comments.iter().filter(|x| pred(x)).count();
    let by_source = |s: CommentSource| count(&|x| x.source == s);
    let by_answer = |a: Answer| count(&|x| x.answer == Some(a));
    let audiences: Vec<&str> = [
        (c.audiences.members, "consultation.report.audience_members"),
        (c.audiences.experts, "consultation.report.audience_experts"),
        (c.audiences.public, "consultation.report.audience_public"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, k)| vi(k))
    .collect();
    let mut body_blocks = vec![Block::Paragraph(i18n::fill(
        vi("consultation.report.opening"),
        &[
            ("org", &c.org_name),
            ("title", &c.title),
            ("from", &date(c.opens_on)),
            ("to", &date(c.closes_on)),
            ("audiences", &audiences.join(", ")),
        ],
    ))];
    body_blocks.push(Block::Paragraph(i18n::fill(
        vi("consultation.report.figures"),
        &[
            ("n", &comments.len()),
            ("members", &by_source(CommentSource::Member)),
            ("experts", &by_source(CommentSource::Expert)),
            ("public", &by_source(CommentSource::Public)),
            ("taken", &by_answer(Answer::TakenIn)),
            ("partly", &by_answer(Answer::PartlyTakenIn)),
            ("not", &by_answer(Answer::NotTakenIn)),
            ("closed", &by_answer(Answer::ClosedWithRest)),
        ],
    )));
    body_blocks.push(Block::Heading {
        level: 1,
        text: vi("consultation.report.table_heading").to_owned(),
    });
    if comments.is_empty() {
        body_blocks.push(Block::Paragraph(vi("consultation.report.none").to_owned()));
    } else {
        body_blocks.push(Block::Table {
            header: [
                "consultation.report.col_no",
                "consultation.report.col_where",
                "consultation.report.col_who",
                "consultation.report.col_comment",
                "consultation.report.col_answer",
                "consultation.report.col_changed",
            ]
            .into_iter()
            .map(|k| vi(k).to_owned())
            .collect(),
            rows: comments
                .iter()
                .enumerate()
                .map(|(i, cm)| {
                    let who = match (&cm.affiliation, cm.source) {
                        (Some(a), _) => format!("{}, {a}", cm.author_name),
                        (None, s) => format!(
                            "{} ({})",
                            cm.author_name,
                            vi(&format!("consultation.source.{}", s.as_str()))
                        ),
                    };
                    let mut said = cm.body.clone();
                    if let Some(p) = &cm.proposed {
                        // A table cell is one paragraph (a line break would be lost and
                        // run the two sentences together).
                        said.push_str(&format!(" {}: {p}", vi("consultation.comment.proposed")));
                    }
                    let answer = match cm.answer {
                        Some(a) => {
                            let head = vi(&format!("consultation.answer.{}", a.as_str()));
                            match &cm.answer_reason {
                                Some(r) => format!("{head}. {r}"),
                                None => head.to_owned(),
                            }
                        }
                        None => vi("consultation.report.unanswered").to_owned(),
                    };
                    vec![
                        (i + 1).to_string(),
                        super::target_label(Lang::Vi, &c.items, cm.item),
                        who,
                        said,
                        answer,
                        cm.changed_text.clone().unwrap_or_default(),
                    ]
                })
                .collect(),
        });
    }
    if let Some(r) = &c.rest_reason {
        body_blocks.push(Block::Heading {
            level: 1,
            text: vi("consultation.report.rest_heading").to_owned(),
        });
        body_blocks.push(Block::Paragraph(r.clone()));
    }
    body_blocks.push(Block::Paragraph(
        vi("consultation.report.closing").to_owned(),
    ));
    PartyDoc {
        party: parent.map(party_of).unwrap_or_default().to_uppercase(),
        issuer: c.org_name.to_uppercase(),
        number: format!("…-BC/{}", body.unwrap_or("…")),
        place: place_of(&c.org_name),
        date: on,
        kind: vi("consultation.report.kind").to_owned(),
        title: i18n::fill(vi("consultation.report.title"), &[("title", &c.title)]),
        body: body_blocks,
        recipients: vec![
            i18n::fill(
                vi("consultation.report.to_standing"),
                &[("org", &c.org_name)],
            ),
            vi("consultation.report.archive").to_owned(),
        ],
        signer: Signer {
            on_behalf: Some(vi("consultation.report.on_behalf").to_owned()),
            position: vi("consultation.report.position").to_owned(),
            name: String::new(),
        },
    }
}

/// `GET /consultations/{id}/report.docx`: the office's and the readers' download.
pub(super) async fn docx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let c = st
        .store
        .consultation(&auth.p, forms::id(&id)?, forms::today())
        .await?;
    if !matches!(c.viewer, Viewer::Office | Viewer::Reader) {
        return Err(AppError::NotFound);
    }
    let org = st.store.org_get(&auth.p, c.org_id).await?;
    let parent = match org.parent_id {
        Some(pid) => st.store.org_get(&auth.p, pid).await.ok().map(|o| o.name),
        None => None,
    };
    let body = domain::BodyCode::for_org(org.kind, None).map(|b| b.as_str().to_owned());
    let doc = party_doc(&c, parent.as_deref(), body.as_deref(), forms::today());
    let bytes = partydoc::to_docx(&doc).map_err(AppError::internal)?;
    Ok(crate::files::download(
        &format!("bao-cao-tiep-thu-giai-trinh-{}.docx", c.id),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        false,
        bytes,
    ))
}
