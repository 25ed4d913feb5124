//! Documents: a unit's documents (those it issued, and those from above that reached it),
//! one document with its targets and cascades. The same store calls as the pages
//! (`crate::documents`).

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;
use domain::{DocumentId, OrgId, Principal};
use serde::Serialize;
use store::{Document, DocumentAttachment, TargetRecord};
use utoipa::{OpenApi, ToSchema};

use super::cascades::{CascadeDto, CascadeUnitDto};
use super::{ApiResult, id, moment, ok, page};
use crate::AppState;
use crate::ctx::Auth;
use crate::error::{ApiError, ErrorBody};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/orgs/{id}/documents", get(org_documents))
        .route("/api/documents/{id}", get(document))
}

#[derive(OpenApi)]
#[openapi(paths(org_documents, document))]
pub struct Doc;

// ---- DTOs -------------------------------------------------------------------------------

/// A registered document (or an issued program's document).
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    pub id: i64,
    pub issuer_org_id: i64,
    pub issuer_name: String,
    /// `resolution`, `directive`, `conclusion`, `regulation`, `decision`, `rules`,
    /// `program`, `plan`, `guidance`, `report`, `notice`, `scheme`.
    #[schema(example = "resolution")]
    pub doc_type: String,
    /// The value of the number (`01-NQ/TU` → 1).
    pub number: u32,
    /// The number and symbol as written.
    #[schema(example = "05-NQ/HU")]
    pub symbol: String,
    #[schema(example = "2020-2025")]
    pub term: String,
    pub issued_on: time::Date,
    pub title: String,
    /// Markdown as entered (sanitize before showing it as HTML).
    pub body_md: String,
    /// The upper document it implements.
    pub parent_document_id: Option<i64>,
    /// The resolution at the top of the chain (itself for a resolution).
    pub root_document_id: i64,
    /// `in_force`, `superseded`, `expired`.
    pub status: String,
    pub superseded_by: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&Document> for DocumentDto {
    fn from(d: &Document) -> DocumentDto {
        DocumentDto {
            id: d.id.0,
            issuer_org_id: d.issuer_org_id.0,
            issuer_name: d.issuer_name.clone(),
            doc_type: d.doc_type.as_str().to_owned(),
            number: d.number,
            symbol: d.symbol.clone(),
            term: d.term.key(),
            issued_on: d.issued_on,
            title: d.title.clone(),
            body_md: d.body_md.clone(),
            parent_document_id: d.parent_document_id.map(|x| x.0),
            root_document_id: d.root_document_id.0,
            status: d.status.as_str().to_owned(),
            superseded_by: d.superseded_by.map(|x| x.0),
            created_at: moment(&d.created_at),
        }
    }
}

/// A goal or target of a document, with its latest accepted value.
#[derive(Debug, Serialize, ToSchema)]
pub struct TargetDto {
    pub id: i64,
    pub position: u32,
    #[schema(example = "Tỷ lệ chi bộ xếp loại tốt trở lên")]
    pub indicator: String,
    pub baseline: Option<f64>,
    pub target_value: f64,
    #[schema(example = "%")]
    pub unit: String,
    pub deadline: Option<time::Date>,
    /// `increase`, `decrease`, `reach`.
    pub direction: String,
    /// How the units' values add up: `sum`, `average` (weighted by members), `minimum`,
    /// `share_reached` (percent of units that reached their goal).
    pub rule: String,
    /// The roll-up of the values of the units serving the target (see `rule`).
    pub current_value: Option<f64>,
    pub current_on: Option<time::Date>,
    /// How far the current value is from baseline to target, 0..=1.
    pub progress: Option<f64>,
}

impl From<&TargetRecord> for TargetDto {
    fn from(r: &TargetRecord) -> TargetDto {
        let t = &r.target;
        TargetDto {
            id: r.id.0,
            position: r.position,
            indicator: t.indicator.clone(),
            baseline: t.baseline,
            target_value: t.target_value,
            unit: t.unit.clone(),
            deadline: t.deadline,
            direction: t.direction.as_str().to_owned(),
            rule: t.rule.as_str().to_owned(),
            current_value: r.current_value,
            current_on: r.current_on,
            progress: r.current_value.map(|v| t.progress(v)),
        }
    }
}

/// A file attached to a document; `download` serves it to those who may read the
/// document. Uploads go through the document page's multipart form
/// (`POST /documents/{id}/attachments`).
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentDto {
    pub id: i64,
    pub file_name: String,
    /// Judged from the content: `pdf`, `png`, `jpeg`, `docx`, …
    pub kind: String,
    pub size: u64,
    pub uploaded_by: Option<i64>,
    pub created_at: String,
    #[schema(example = "/documents/12/attachments/3")]
    pub download: String,
}

impl From<&DocumentAttachment> for AttachmentDto {
    fn from(a: &DocumentAttachment) -> AttachmentDto {
        AttachmentDto {
            id: a.id,
            file_name: a.file_name.clone(),
            kind: a.kind.as_str().to_owned(),
            size: a.size,
            uploaded_by: a.uploaded_by.map(|u| u.0),
            created_at: moment(&a.created_at),
            download: format!("/documents/{}/attachments/{}", a.document_id, a.id),
        }
    }
}

/// A document with its targets.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentWithTargets {
    pub document: DocumentDto,
    pub targets: Vec<TargetDto>,
}

/// A document from above that reached the unit, with the unit's row and state in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedDocument {
    pub document: DocumentDto,
    pub targets: Vec<TargetDto>,
    pub unit: CascadeUnitDto,
}

/// The documents of a unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgDocuments {
    pub org_id: i64,
    /// Issued by the unit, newest first (paged by `offset`/`limit`).
    pub issued: Vec<DocumentWithTargets>,
    /// From the unit's ancestors, cascaded to it, newest first.
    pub received: Vec<ReceivedDocument>,
}

/// One document: its targets, attachments and cascades.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentPage {
    pub document: DocumentDto,
    pub targets: Vec<TargetDto>,
    pub attachments: Vec<AttachmentDto>,
    /// Cascades of the document, oldest first.
    pub cascades: Vec<CascadeDto>,
}

pub(crate) async fn targets(
    st: &AppState,
    p: &Principal,
    doc: &Document,
) -> Result<Vec<TargetDto>, ApiError> {
    Ok(st
        .store
        .document_targets(p, doc.id)
        .await?
        .iter()
        .map(TargetDto::from)
        .collect())
}

// ---- Handlers ---------------------------------------------------------------------------

/// The documents of a unit.
///
/// The documents a unit issued and those from above it implements, each with its
/// targets (like the page `/orgs/{id}/documents`).
#[utoipa::path(get, path = "/api/orgs/{id}/documents", tag = "documents",
    params(("id" = i64, Path, description = "The unit"),
        ("offset" = Option<u32>, Query, description = "Skip this many issued documents (0)"),
        ("limit" = Option<u32>, Query, description = "At most this many issued documents, 1–200 (50)")),
    responses((status = 200, description = "OK", body = OrgDocuments), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn org_documents(
    auth: Auth,
    State(st): State<AppState>,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let p = &auth.p;
    let org = st.store.org_get(p, id::<OrgId>(&raw)?).await?;
    let mut issued = Vec::new();
    for doc in st.store.documents(p, org.id, page(&query, 50, 200)).await? {
        issued.push(DocumentWithTargets {
            targets: targets(&st, p, &doc).await?,
            document: DocumentDto::from(&doc),
        });
    }
    let today = crate::forms::today();
    let mut received = Vec::new();
    for i in crate::documents::implementing(&st, p, &org).await? {
        received.push(ReceivedDocument {
            targets: targets(&st, p, &i.doc).await?,
            document: DocumentDto::from(&i.doc),
            unit: CascadeUnitDto::new(&i.unit, today, None),
        });
    }
    ok(OrgDocuments {
        org_id: org.id.0,
        issued,
        received,
    })
}

/// One document, with its targets, attachments and cascades (like the page
/// `/documents/{id}`).
#[utoipa::path(get, path = "/api/documents/{id}", tag = "documents",
    params(("id" = i64, Path, description = "The document")),
    responses((status = 200, description = "OK", body = DocumentPage), (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "Not found, or outside the user's units", body = ErrorBody)))]
async fn document(auth: Auth, State(st): State<AppState>, Path(raw): Path<String>) -> ApiResult {
    let p = &auth.p;
    let doc = st.store.document(p, id::<DocumentId>(&raw)?).await?;
    let cascades = st.store.document_cascades(p, doc.id).await?;
    let attachments = st.store.document_attachments(p, doc.id).await?;
    ok(DocumentPage {
        targets: targets(&st, p, &doc).await?,
        attachments: attachments.iter().map(AttachmentDto::from).collect(),
        cascades: cascades.iter().map(CascadeDto::from).collect(),
        document: DocumentDto::from(&doc),
    })
}
