//! Documents (issue 3): registered party documents with their targets and attached files.
//!
//! A document is readable by anyone who may read its issuer or a unit below it (upper
//! documents reach the lower units); registering documents, setting targets and attaching
//! files need `EditOrgs` on the issuer.

use crate::{EvidenceMeta, Page, Result};
use async_trait::async_trait;
use domain::{
    ContentKey, DocumentId, DocumentNumber, DocumentType, EvidenceType, OrgId, OrgPath, Principal,
    Target, TargetId, Term, UserId,
};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Whether a document is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentStatus {
    InForce,
    Superseded,
    Expired,
}

impl DocumentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentStatus::InForce => "in_force",
            DocumentStatus::Superseded => "superseded",
            DocumentStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<DocumentStatus> {
        [
            DocumentStatus::InForce,
            DocumentStatus::Superseded,
            DocumentStatus::Expired,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A document to register (parsed at the edge).
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    pub issuer_org_id: OrgId,
    pub doc_type: DocumentType,
    /// The symbol as written, parsed with `DocumentNumber::parse_for(doc_type)`.
    pub number: DocumentNumber,
    pub term: Term,
    pub issued_on: Date,
    pub title: String,
    /// Markdown as entered; the web sanitizes it when rendering.
    pub body_md: String,
    /// The upper document this one implements, if any.
    pub parent_document_id: Option<DocumentId>,
}

/// A registered document (or an issued program's document row).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    pub id: DocumentId,
    pub issuer_org_id: OrgId,
    pub issuer_path: OrgPath,
    pub issuer_name: String,
    pub doc_type: DocumentType,
    /// The value of the number (`01-NQ/TU` → 1).
    pub number: u32,
    /// The symbol as written: `01-NQ/TU`.
    pub symbol: String,
    pub term: Term,
    pub issued_on: Date,
    pub title: String,
    pub body_md: String,
    pub parent_document_id: Option<DocumentId>,
    /// The resolution at the top of the chain (itself for a resolution): rollups are
    /// keyed by it.
    pub root_document_id: DocumentId,
    pub status: DocumentStatus,
    pub superseded_by: Option<DocumentId>,
    pub created_at: OffsetDateTime,
}

/// A stored target of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRecord {
    pub id: TargetId,
    pub position: u32,
    pub target: Target,
    /// The roll-up of the values of the units serving the target, by its rule (see
    /// `domain::target_rollup`), and the day of the latest value in it.
    pub current_value: Option<f64>,
    pub current_on: Option<Date>,
    /// The upper target it serves (a program's own target).
    pub upper_target_id: Option<TargetId>,
    /// Units counted in `current_value`.
    pub contributors: u32,
}

/// A document's own file (the signed scan, annexes), stored content-addressed like
/// evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentAttachment {
    pub id: i64,
    pub document_id: DocumentId,
    pub key: ContentKey,
    pub kind: EvidenceType,
    /// Bytes.
    pub size: u64,
    pub file_name: String,
    /// Order in the document's list, from 0.
    pub position: u32,
    pub uploaded_by: Option<UserId>,
    pub created_at: OffsetDateTime,
}

/// At most this many attachments per document.
pub const MAX_DOCUMENT_ATTACHMENTS: usize = domain::document::MAX_ATTACHMENTS;

/// Registering and reading documents, their targets and attachments.
#[async_trait]
pub trait DocumentStore: Send + Sync + 'static {
    /// Registers a document of `issuer`. `Conflict("document_number_taken")` when the
    /// number is used in the same (issuer, type, term); `Invalid` for a symbol that does
    /// not match the type (`number`, `doc_type_mismatch`), an issue date outside the term
    /// (`issued_on`, `date_outside_term`), a missing title.
    async fn register_document(&self, p: &Principal, new: NewDocument) -> Result<Document>;

    async fn document(&self, p: &Principal, id: DocumentId) -> Result<Document>;

    /// Documents issued by a unit, newest first.
    async fn documents(&self, p: &Principal, issuer: OrgId, page: Page) -> Result<Vec<Document>>;

    /// Replaces a document's targets (checked with `Target::check` against its issue
    /// date). Rows keep their ids by position.
    async fn set_document_targets(
        &self,
        p: &Principal,
        id: DocumentId,
        targets: Vec<Target>,
    ) -> Result<Vec<TargetRecord>>;

    async fn document_targets(&self, p: &Principal, id: DocumentId) -> Result<Vec<TargetRecord>>;

    /// Attaches a file to a document, last in its list (EditOrgs on the issuer). The file
    /// is already stored content-addressed by the caller (type judged from the content);
    /// the blob row is shared with evidence. `Invalid` for an empty or too large file
    /// (`file`, `evidence_empty` / `evidence_too_large`), a name over 200 characters
    /// (`file`, `too_long`) or more than [`MAX_DOCUMENT_ATTACHMENTS`] files (`file`,
    /// `too_many_files`). Audited.
    async fn attach_document_file(
        &self,
        p: &Principal,
        document: DocumentId,
        file: EvidenceMeta,
    ) -> Result<DocumentAttachment>;

    /// A document's attachments in order (whoever may read the document).
    async fn document_attachments(
        &self,
        p: &Principal,
        document: DocumentId,
    ) -> Result<Vec<DocumentAttachment>>;
}
