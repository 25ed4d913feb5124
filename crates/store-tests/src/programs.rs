//! Fixtures for the programs suite (`tests/programs.rs`): a store with both the foundation
//! API and [`ProgramStore`], run on SQLite and PostgreSQL like the main suite.

use crate::{d, sys};
use domain::{CascadeDeadlines, DocumentNumber, DocumentType, OrgId, OrgKind, ReportEvery, Term};
use std::future::Future;
use std::sync::Arc;
use store::*;

/// Both halves of the storage API. (Once `ProgramStore` is a supertrait of `Store`, this
/// is just `Store`.)
pub trait FullStore: Store + ProgramStore {}
impl<T: Store + ProgramStore> FullStore for T {}

/// Runs one case on a fresh SQLite database.
pub async fn run_sqlite_full<F, Fut>(case: F)
where
    F: FnOnce(Arc<dyn FullStore>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let store: Arc<dyn FullStore> = Arc::new(
        store_sqlite::SqliteStore::temporary()
            .await
            .expect("temporary sqlite store"),
    );
    case(store).await;
}

/// Runs one case on a fresh PostgreSQL database (see [`crate::run_postgres`]).
pub async fn run_postgres_full<F, Fut>(name: &str, case: F)
where
    F: FnOnce(Arc<dyn FullStore>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    crate::on_postgres(name, |pg| case(Arc::new(pg))).await;
}

/// Like [`crate::suite!`], for cases taking `&dyn FullStore`.
#[macro_export]
macro_rules! program_suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::programs::run_sqlite_full(|s| async move { super::$case(&*s).await })
                        .await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    $crate::programs::run_postgres_full(stringify!($case), |s| async move {
                        super::$case(&*s).await
                    })
                    .await;
                }
            )*
        }
    };
}

/// A document of `issuer` whose type is the symbol's (`01-NQ/TU` is a resolution, `01-KH/HU`
/// a plan), term 2020–2025, issued 2025-01-15.
pub fn resolution(issuer: OrgId, symbol: &str) -> NewDocument {
    let number = DocumentNumber::parse("number", symbol).expect("symbol");
    let doc_type = DocumentType::for_code(number.type_code())[0];
    NewDocument {
        issuer_org_id: issuer,
        doc_type,
        number,
        term: Term::parse("term", "2020-2025").expect("term"),
        issued_on: d(2025, 1, 15),
        title: "Nghị quyết về công tác xây dựng Đảng".into(),
        body_md: "# Mục tiêu\n\nNâng cao **năng lực lãnh đạo**.".into(),
        parent_document_id: None,
    }
}

/// Study by 2025-03-31, program by 2025-04-30, quarterly reports until 2025-12-31,
/// interim review by 2025-12-31.
pub fn deadlines() -> CascadeDeadlines {
    CascadeDeadlines {
        study_by: d(2025, 3, 31),
        program_by: d(2025, 4, 30),
        report_every: ReportEvery::Quarterly,
        interim_review_by: Some(d(2025, 12, 31)),
        reports_until: Some(d(2025, 12, 31)),
        grace_days: 5,
    }
}

pub fn kinds(k: &[OrgKind]) -> Vec<OrgKind> {
    k.to_vec()
}

/// Asserts that the stored rollups of a document equal a fresh recount (and that the
/// recount found no difference).
pub async fn assert_rollups_fresh(s: &dyn FullStore, doc: domain::DocumentId) {
    let kept = s.rollups(&sys(), doc).await.expect("rollups");
    let report = s.recount_programs(&sys()).await.expect("recount");
    let fresh = s.rollups(&sys(), doc).await.expect("rollups");
    assert_eq!(kept, fresh, "rollups differ from a recount");
    assert_eq!(report.differing_rows, 0, "{report:?}");
    assert_eq!(report.fixed_items, 0, "{report:?}");
}
