//! Cascades (issue 3): a document sent down a subtree with deadlines, one row per unit
//! reached, and the facts each unit records (studied, program issued, reviews, reports).
//!
//! Cascading needs `EditOrgs` on the document's issuer; recording a unit's facts (studied)
//! needs `EditPeople` on the unit.

use crate::{Page, Result};
use async_trait::async_trait;
use domain::{
    CascadeDeadlines, CascadeId, CascadeScope, DocumentId, OrgId, OrgKind, OrgPath, Principal,
    UnitFacts,
};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::{Date, OffsetDateTime};

/// One unit reached by a cascade (a `cascade_units` row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CascadeUnitId(pub i64);

impl fmt::Display for CascadeUnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What a cascade did: its id, the units it reached, and the units of the scope it
/// skipped because an earlier cascade of the same chain had reached them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CascadeSummary {
    pub id: CascadeId,
    pub reached: u64,
    pub skipped: u64,
}

/// How many units a cascade would reach, and how many of its scope have the document
/// already.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CascadePreview {
    pub reached: u64,
    pub skipped: u64,
}

/// A stored cascade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cascade {
    pub id: CascadeId,
    pub document_id: DocumentId,
    pub root_document_id: DocumentId,
    pub issuer_org_id: OrgId,
    pub scope_root_path: OrgPath,
    pub scope_kinds: Vec<OrgKind>,
    pub include_root: bool,
    pub deadlines: CascadeDeadlines,
    pub unit_count: u64,
    pub created_at: OffsetDateTime,
}

/// One unit reached by a cascade, with its deadlines and facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CascadeUnit {
    pub id: CascadeUnitId,
    pub cascade_id: CascadeId,
    pub root_document_id: DocumentId,
    pub org_id: OrgId,
    pub org_path: OrgPath,
    pub org_name: String,
    pub deadlines: CascadeDeadlines,
    /// The facts, report dates included.
    pub facts: UnitFacts,
    /// The unit's current program, once issued (its `programs` id).
    pub program_id: Option<i64>,
}

/// Cascading documents and reading the units they reached.
#[async_trait]
pub trait CascadeStore: Send + Sync + 'static {
    /// Cascades a document to the units of a scope with deadlines, set-based: one
    /// `cascade_units` row per open unit of the scope not yet reached in the document's
    /// chain, and the rollups of every ancestor initialized in the same transaction.
    async fn create_cascade(
        &self,
        p: &Principal,
        document: DocumentId,
        scope: CascadeScope,
        deadlines: CascadeDeadlines,
    ) -> Result<CascadeSummary>;

    /// What [`CascadeStore::create_cascade`] would do, with every check it makes, saving
    /// nothing: the check-your-answers page before a cascade.
    async fn preview_cascade(
        &self,
        p: &Principal,
        document: DocumentId,
        scope: CascadeScope,
        deadlines: CascadeDeadlines,
    ) -> Result<CascadePreview>;

    async fn cascade(&self, p: &Principal, id: CascadeId) -> Result<Cascade>;

    /// Cascades of a document, oldest first.
    async fn document_cascades(&self, p: &Principal, document: DocumentId) -> Result<Vec<Cascade>>;

    /// Units reached by a cascade that the principal may read, by path.
    async fn cascade_units(
        &self,
        p: &Principal,
        cascade: CascadeId,
        page: Page,
    ) -> Result<Vec<CascadeUnit>>;

    async fn cascade_unit(&self, p: &Principal, id: CascadeUnitId) -> Result<CascadeUnit>;

    /// The unit's row in a document chain, if it was reached.
    async fn cascade_unit_of(
        &self,
        p: &Principal,
        org: OrgId,
        document: DocumentId,
    ) -> Result<Option<CascadeUnit>>;

    /// Records that a unit studied the document on a day (a later call corrects the day).
    async fn record_study(
        &self,
        p: &Principal,
        unit: CascadeUnitId,
        on: Date,
    ) -> Result<CascadeUnit>;
}
