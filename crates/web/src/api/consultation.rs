//! Consultation on drafts (issue 14 items 1-3): a consultation as the user sees it,
//! commenting, answering. The same store calls as the pages (`crate::consultation`);
//! opening, moderation, invitations and the report are on the pages.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use domain::consultation::{AnswerForm, CommentForm};
use serde::{Deserialize, Serialize};
use store::{Comment, Consultation};
use utoipa::{OpenApi, ToSchema};

use super::{ApiResult, body, created, id, ok};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::ErrorBody;
use crate::forms::today;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/consultations/{id}", get(consultation))
        .route("/api/consultations/{id}/comments", post(comment))
        .route("/api/consultation-comments/{id}/answer", post(answer))
}

#[derive(OpenApi)]
#[openapi(paths(consultation, comment, answer))]
pub struct Doc;

/// One numbered item of the draft as it was when the consultation opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemDto {
    pub id: i64,
    /// `paragraph` or `task`.
    pub kind: String,
    pub number: u32,
    pub heading: Option<String>,
    pub text: String,
}

/// A comment as the user may see it (`contact` for the unit's office only).
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentDto {
    pub id: i64,
    /// The item commented on; null for the whole draft.
    pub item_id: Option<i64>,
    /// `member`, `expert` or `public`.
    pub source: String,
    pub author_name: String,
    pub affiliation: Option<String>,
    pub contact: Option<String>,
    pub body: String,
    pub proposed: Option<String>,
    /// `pending`, `published` or `rejected`.
    pub moderation: String,
    pub created_at: String,
    /// `taken_in`, `partly_taken_in`, `not_taken_in`, `closed_with_rest`, or null.
    pub answer: Option<String>,
    pub answer_reason: Option<String>,
    pub changed_text: Option<String>,
    pub mine: bool,
}

impl From<&Comment> for CommentDto {
    fn from(c: &Comment) -> Self {
        CommentDto {
            id: c.id.0,
            item_id: c.item.map(|i| i.0),
            source: c.source.as_str().into(),
            author_name: c.author_name.clone(),
            affiliation: c.affiliation.clone(),
            contact: c.contact.clone(),
            body: c.body.clone(),
            proposed: c.proposed.clone(),
            moderation: c.moderation.as_str().into(),
            created_at: c
                .created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            answer: c.answer.map(|a| a.as_str().into()),
            answer_reason: c.answer_reason.clone(),
            changed_text: c.changed_text.clone(),
            mine: c.mine,
        }
    }
}

/// A consultation as the user sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationDto {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// `program`, `report` or `resolution`.
    pub kind: String,
    pub program_id: Option<i64>,
    pub title: String,
    pub questions: Vec<String>,
    pub opens_on: String,
    pub closes_on: String,
    /// `scheduled`, `open` or `closed`.
    pub phase: String,
    pub for_members: bool,
    pub for_experts: bool,
    pub for_public: bool,
    /// `office`, `reader`, `member` or `expert`: what the user is to it.
    pub viewer: String,
    pub items: Vec<ItemDto>,
    /// The office: every comment; a reader: the published ones; a member or an expert:
    /// their own.
    pub comments: Vec<CommentDto>,
    /// For the office: comments still waiting for an answer.
    pub unanswered: u32,
    pub rest_reason: Option<String>,
}

impl From<&Consultation> for ConsultationDto {
    fn from(c: &Consultation) -> Self {
        ConsultationDto {
            id: c.id.0,
            org_id: c.org_id.0,
            org_name: c.org_name.clone(),
            kind: c.kind.as_str().into(),
            program_id: c.program_id.map(|p| p.0),
            title: c.title.clone(),
            questions: c.questions.clone(),
            opens_on: c.opens_on.to_string(),
            closes_on: c.closes_on.to_string(),
            phase: c.phase.as_str().into(),
            for_members: c.audiences.members,
            for_experts: c.audiences.experts,
            for_public: c.audiences.public,
            viewer: serde_json::to_value(c.viewer)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            items: c
                .items
                .iter()
                .map(|i| ItemDto {
                    id: i.id.0,
                    kind: i.kind.as_str().into(),
                    number: i.number,
                    heading: i.heading.clone(),
                    text: i.text.clone(),
                })
                .collect(),
            comments: c.comments.iter().map(CommentDto::from).collect(),
            unanswered: c.unanswered,
            rest_reason: c.rest_reason.clone(),
        }
    }
}

/// A comment: on an item (its id) or the whole draft (null), with a proposed wording.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommentInput {
    pub item_id: Option<i64>,
    pub body: Option<String>,
    pub proposed: Option<String>,
}

/// An answer: `taken_in`, `partly_taken_in` or `not_taken_in`; the reason is required
/// unless wholly taken in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerInput {
    pub answer: Option<String>,
    pub reason: Option<String>,
    pub changed_text: Option<String>,
}

#[utoipa::path(get, path = "/api/consultations/{id}", tag = "consultation",
    params(("id" = i64, Path, description = "The consultation")),
    responses((status = 200, description = "OK", body = ConsultationDto), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or not for this user", body = ErrorBody)))]
async fn consultation(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult {
    let c = st.store.consultation(&auth.p, id(&raw)?, today()).await?;
    ok(ConsultationDto::from(&c))
}

#[utoipa::path(post, path = "/api/consultations/{id}/comments", tag = "consultation",
    params(("id" = i64, Path, description = "The consultation")),
    request_body = CommentInput,
    responses((status = 201, description = "Kept", body = CommentDto), (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
        (status = 403, description = "Not asked to comment", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "The period is not open", body = ErrorBody)))]
async fn comment(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let c = st.store.consultation(&auth.p, id(&raw)?, today()).await?;
    let input: CommentInput = body(&bytes)?;
    let ids: Vec<_> = c.items.iter().map(|i| i.id).collect();
    let draft = CommentForm {
        item: input.item_id.map(|i| i.to_string()).unwrap_or_default(),
        body: input.body.unwrap_or_default(),
        proposed: input.proposed.unwrap_or_default(),
    }
    .parse(&ids)
    .map_err(crate::error::ApiError::Invalid)?;
    let out = st.store.comment_on(&auth.p, c.id, draft, today()).await?;
    created(CommentDto::from(&out))
}

#[utoipa::path(post, path = "/api/consultation-comments/{id}/answer", tag = "consultation",
    params(("id" = i64, Path, description = "The comment")),
    request_body = AnswerInput,
    responses((status = 200, description = "Answered", body = CommentDto), (status = 400, description = "Bad input: the error names the field", body = ErrorBody),
        (status = 403, description = "Not the unit's office", body = ErrorBody), (status = 404, description = "Not found", body = ErrorBody),
        (status = 409, description = "Rejected in moderation, or the draft was issued", body = ErrorBody)))]
async fn answer(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    let cid = id(&raw)?;
    // Not found before bad input: the comment must be one the user sees.
    st.store.comment_consultation(&auth.p, cid, today()).await?;
    let input: AnswerInput = body(&bytes)?;
    let draft = AnswerForm {
        answer: input.answer.unwrap_or_default(),
        reason: input.reason.unwrap_or_default(),
        changed_text: input.changed_text.unwrap_or_default(),
    }
    .parse()
    .map_err(crate::error::ApiError::Invalid)?;
    let out = st
        .store
        .answer_comment(&auth.p, cid, draft, today())
        .await?;
    ok(CommentDto::from(&out))
}
