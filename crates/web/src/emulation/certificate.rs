//! An award's certificate (Bằng khen, Giấy khen, Cờ thi đua, a title) as a party document
//! in the layout of Hướng dẫn 36-HD/VPTW (`partydoc`): the party organization and the
//! deciding committee top left, the decision's number under them, place and date top
//! right; the kind of award as the document's name, "Tặng …" the recipient as its summary;
//! the citation and the decision it was given by; the signer of the decision. Always in
//! Vietnamese (an official document), whatever the page's language.

use axum::extract::{Path, State};
use axum::response::Response;
use i18n::Lang;
use partydoc::{Block, PartyDoc, Signer};
use store::{Award, MovementView};

use crate::AppState;
use crate::ctx::Auth;
use crate::error::AppError;
use crate::forms;
use crate::reports::export::{party_of, place_of};

fn vi(key: &str) -> &'static str {
    i18n::tr(Lang::Vi, key)
}

/// The certificate of an award; `parent` is the deciding unit's parent's name (the party
/// organization line).
pub(crate) fn party_doc(a: &Award, parent: Option<&str>) -> PartyDoc {
    let recipient = match &a.member_name {
        Some(m) => format!("{m}, {}", a.org_name),
        None => a.org_name.clone(),
    };
    let decision = i18n::fill(
        vi("emulation.certificate.by_decision"),
        &[
            ("number", &a.decision_number),
            ("date", &domain::validate::format_date(a.signed_on)),
            ("org", &domain::committee_name(&a.deciding_org_name)),
        ],
    );
    let body = vec![
        Block::Paragraph(a.citation.clone()),
        Block::Paragraph(i18n::fill(
            vi("emulation.certificate.movement"),
            &[("title", &a.movement_title)],
        )),
        Block::Paragraph(decision),
    ];
    PartyDoc {
        party: parent
            .map(party_of)
            .unwrap_or_else(|| party_of(&a.deciding_org_name))
            .to_uppercase(),
        issuer: a.deciding_org_name.to_uppercase(),
        number: a.decision_number.clone(),
        place: place_of(&a.deciding_org_name),
        date: a.signed_on,
        kind: a.award_name.to_uppercase(),
        title: i18n::fill(vi("emulation.certificate.to"), &[("who", &recipient)]),
        body,
        recipients: vec![recipient, vi("emulation.certificate.archive").to_owned()],
        signer: Signer {
            on_behalf: Some(vi("emulation.certificate.on_behalf").to_owned()),
            position: a.signer_title.to_uppercase(),
            name: a.signer_name.clone(),
        },
    }
}

/// `GET /awards/{id}/certificate.docx`.
pub(super) async fn docx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let a = st.store.award(&auth.p, forms::id(&id)?).await?;
    let parent = match st.store.org_get(&auth.p, a.deciding_org_id).await {
        Ok(o) => match o.parent_id {
            Some(pid) => st.store.org_get(&auth.p, pid).await.ok().map(|o| o.name),
            None => None,
        },
        Err(_) => None,
    };
    let doc = party_doc(&a, parent.as_deref());
    let bytes = partydoc::to_docx(&doc).map_err(AppError::internal)?;
    Ok(crate::files::download(
        &format!(
            "giay-chung-nhan-khen-thuong-{}-{}.docx",
            a.decision_number.replace('/', "-"),
            a.id
        ),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        false,
        bytes,
    ))
}

/// The decision (Quyết định khen thưởng) of an award, with every award it made: Điều 1
/// lists them in a table, Điều 2 names who carries it out.
pub(crate) fn decision_doc(a: &Award, v: &MovementView, parent: Option<&str>) -> PartyDoc {
    let decision = v.decisions.iter().find(|d| d.id == a.decision_id);
    let rows: Vec<Vec<String>> = v
        .awards
        .iter()
        .filter(|x| x.decision_id == a.decision_id)
        .enumerate()
        .map(|(i, x)| {
            vec![
                (i + 1).to_string(),
                match &x.member_name {
                    Some(m) => format!("{m}, {}", x.org_name),
                    None => x.org_name.clone(),
                },
                x.award_name.clone(),
                x.citation.clone(),
            ]
        })
        .collect();
    let mut body = Vec::new();
    if let Some(d) = decision
        && !d.summary.is_empty()
    {
        body.push(Block::Paragraph(d.summary.clone()));
    }
    body.push(Block::Paragraph(i18n::fill(
        vi("emulation.decision_doc.article1"),
        &[("title", &v.movement.title)],
    )));
    body.push(Block::Table {
        header: vec![
            vi("emulation.decision_doc.col_no").to_owned(),
            vi("emulation.register.col_who").to_owned(),
            vi("emulation.register.col_award").to_owned(),
            vi("emulation.decision_doc.col_citation").to_owned(),
        ],
        rows,
    });
    body.push(Block::Paragraph(
        vi("emulation.decision_doc.article2").to_owned(),
    ));
    PartyDoc {
        party: parent
            .map(party_of)
            .unwrap_or_else(|| party_of(&a.deciding_org_name))
            .to_uppercase(),
        issuer: a.deciding_org_name.to_uppercase(),
        number: a.decision_number.clone(),
        place: place_of(&a.deciding_org_name),
        date: a.signed_on,
        kind: vi("emulation.decision_doc.kind").to_owned(),
        title: i18n::fill(
            vi("emulation.decision_doc.title"),
            &[("title", &v.movement.title)],
        ),
        body,
        recipients: vec![
            vi("emulation.decision_doc.recipients").to_owned(),
            vi("emulation.certificate.archive").to_owned(),
        ],
        signer: Signer {
            on_behalf: Some(vi("emulation.certificate.on_behalf").to_owned()),
            position: a.signer_title.to_uppercase(),
            name: a.signer_name.clone(),
        },
    }
}

/// `GET /awards/{id}/decision.docx`: the decision that made the award (whoever reads the
/// movement).
pub(super) async fn decision_docx(
    auth: Auth,
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let a = st.store.award(&auth.p, forms::id(&id)?).await?;
    let v = st.store.movement(&auth.p, a.movement_id).await?;
    let parent = match st.store.org_get(&auth.p, a.deciding_org_id).await {
        Ok(o) => match o.parent_id {
            Some(pid) => st.store.org_get(&auth.p, pid).await.ok().map(|o| o.name),
            None => None,
        },
        Err(_) => None,
    };
    let doc = decision_doc(&a, &v, parent.as_deref());
    let bytes = partydoc::to_docx(&doc).map_err(AppError::internal)?;
    Ok(crate::files::download(
        &format!(
            "quyet-dinh-khen-thuong-{}.docx",
            a.decision_number.replace('/', "-")
        ),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        false,
        bytes,
    ))
}
