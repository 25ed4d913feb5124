//! Keeping the search index true to the database (docs/SEARCH.md).
//!
//! [`Indexer::rebuild`] loads every searchable record from the store into an emptied
//! index and commits it with the id of the newest audit entry it had seen before it
//! started (the watermark). [`Indexer::catch_up`] then reads the audit log after the
//! watermark — every write to an official record appends an entry in its transaction —
//! asks the store what those entries change ([`store::Refresh`]) and applies it, in one
//! commit per run of entries. [`Indexer::run`] does that every [`POLL`] for as long as
//! the server runs, so a write is findable within about a second; no write path needs a
//! hook of its own.
//!
//! An audit id can become visible after a larger one (PostgreSQL allocates ids before
//! transactions commit, in any order): ids skipped over are remembered as gaps and looked
//! for again for [`GAP_WAIT`]; an entry that appears in a gap is applied then.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::Principal;
use domain::search::{Kind, Record};
use search::SearchIndex;
use store::{Refresh, Store};

/// How often the running indexer reads the audit log.
pub const POLL: Duration = Duration::from_millis(500);
/// How long a skipped audit id is waited for.
pub const GAP_WAIT: Duration = Duration::from_secs(60);
/// Records read per page in a rebuild, audit entries per run in a catch-up.
const PAGE: u32 = 5_000;
const CHANGES: u32 = 2_000;

#[derive(Debug)]
pub enum Error {
    Store(store::StoreError),
    Index(search::Error),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Store(e) => write!(f, "{e}"),
            Error::Index(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<store::StoreError> for Error {
    fn from(e: store::StoreError) -> Error {
        Error::Store(e)
    }
}

impl From<search::Error> for Error {
    fn from(e: search::Error) -> Error {
        Error::Index(e)
    }
}

/// What a rebuild loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub per_kind: Vec<(Kind, u64)>,
    pub watermark: i64,
}

impl Rebuilt {
    pub fn total(&self) -> u64 {
        self.per_kind.iter().map(|(_, n)| n).sum()
    }
}

/// Feeds one index from one store.
pub struct Indexer {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    /// Audit ids skipped over, with when they were first missed.
    gaps: BTreeMap<i64, Instant>,
}

/// Markdown bodies are indexed as their text, so that passages show no markup.
fn prepared(mut r: Record) -> Record {
    if r.body.contains(['*', '#', '[', '_', '`', '|', '>']) {
        r.body = crate::markdown::plain(&r.body);
    }
    r
}

impl Indexer {
    pub fn new(store: Arc<dyn Store>, index: Arc<SearchIndex>) -> Indexer {
        Indexer {
            store,
            index,
            gaps: BTreeMap::new(),
        }
    }

    pub fn index(&self) -> &Arc<SearchIndex> {
        &self.index
    }

    /// Empties the index and loads every record again (`resolute reindex`, a new index,
    /// a bulk load). Calls `progress` after each page with the records loaded so far.
    pub async fn rebuild(&mut self, progress: impl FnMut(u64)) -> Result<Rebuilt, Error> {
        let r = self.load_all(progress).await;
        if r.is_err() {
            // Nothing half-loaded may be committed by the next catch-up.
            self.index.writer()?.rollback()?;
        }
        r
    }

    async fn load_all(&mut self, mut progress: impl FnMut(u64)) -> Result<Rebuilt, Error> {
        let sys = Principal::system();
        let head = self.store.search_audit_head(&sys).await?;
        // The writer is taken for each step, never across an await: its guard is a
        // std mutex's; the buffered documents stay in the one IndexWriter between steps.
        self.index.writer()?.clear()?;
        let mut out = Rebuilt {
            per_kind: Vec::new(),
            watermark: head,
        };
        let mut total = 0;
        for kind in Kind::ALL {
            let mut after = i64::MIN;
            let mut n = 0u64;
            loop {
                let page = self.store.search_records(&sys, kind, after, PAGE).await?;
                let Some(last) = page.last() else { break };
                after = last.id;
                let len = page.len();
                {
                    let mut w = self.index.writer()?;
                    for r in page {
                        w.add(&prepared(r))?;
                    }
                }
                // A page is some tens of milliseconds of tokenizing: let others run.
                tokio::task::yield_now().await;
                n += len as u64;
                total += len as u64;
                progress(total);
                if len < PAGE as usize {
                    break;
                }
            }
            out.per_kind.push((kind, n));
        }
        self.index.writer()?.commit(head)?;
        self.gaps.clear();
        Ok(out)
    }

    /// Applies what the audit log holds after the index's watermark (a rebuild if the
    /// index was never built, or when a bulk load is among the entries). Returns the
    /// number of entries read.
    pub async fn catch_up(&mut self) -> Result<usize, Error> {
        let Some(mut watermark) = self.index.watermark() else {
            self.rebuild(|_| {}).await?;
            return Ok(0);
        };
        let sys = Principal::system();
        let mut read = 0;
        // Entries that appeared in a gap.
        self.gaps.retain(|_, at| at.elapsed() < GAP_WAIT);
        if let Some((&first, _)) = self.gaps.first_key_value() {
            let back = self
                .store
                .search_changes(&sys, first - 1, CHANGES)
                .await?
                .into_iter()
                .filter(|c| self.gaps.contains_key(&c.id))
                .collect::<Vec<_>>();
            if !back.is_empty() {
                for c in &back {
                    self.gaps.remove(&c.id);
                }
                read += back.len();
                self.apply(&back, watermark).await?;
            }
        }
        loop {
            let changes = self.store.search_changes(&sys, watermark, CHANGES).await?;
            let Some(last) = changes.last() else { break };
            let mut expect = watermark + 1;
            for c in &changes {
                for gap in expect..c.id {
                    self.gaps.insert(gap, Instant::now());
                }
                expect = c.id + 1;
            }
            let last = last.id;
            read += changes.len();
            if self.apply(&changes, last).await? {
                return Ok(read);
            }
            watermark = last;
            if changes.len() < CHANGES as usize {
                break;
            }
        }
        Ok(read)
    }

    /// Applies one run of entries and commits with `watermark`; true when it rebuilt.
    async fn apply(
        &mut self,
        changes: &[store::AuditChange],
        watermark: i64,
    ) -> Result<bool, Error> {
        let sys = Principal::system();
        let refresh = self.store.search_refresh(&sys, changes).await?;
        if refresh.contains(&Refresh::Rebuild) {
            self.rebuild(|_| {}).await?;
            return Ok(true);
        }
        let mut w = self.index.writer()?;
        for r in refresh {
            match r {
                Refresh::Put(r) => w.put(&prepared(r))?,
                Refresh::Remove(kind, id) => w.remove(kind, id),
                Refresh::RemoveGroup(g) => w.remove_group(&g),
                Refresh::Rebuild => {}
            }
        }
        w.commit(watermark)?;
        Ok(false)
    }
}

/// How long a search waits for the indexer to bring the index up to date before it
/// answers from the index as it is (a rebuild may be running).
pub const FRESH_WAIT: Duration = Duration::from_secs(2);

/// The search service of a process: the index under the data folder and its indexer,
/// shared by the background loop ([`Search::run`]) and the searches, which catch up
/// first when the audit log is ahead of the index, so that a write is found by the next
/// search.
pub struct Search {
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    /// `None` when another process writes the index (it is then only read).
    indexer: Option<tokio::sync::Mutex<Indexer>>,
}

impl Search {
    /// The index under `dir` (`<data-dir>/search`), created when missing; it is built
    /// from the store by the first catch-up.
    pub fn open(store: Arc<dyn Store>, dir: &std::path::Path) -> Result<Search, Error> {
        Ok(Search::with(store, SearchIndex::open(dir)?))
    }

    /// An index in memory (tests and benchmarks).
    pub fn in_memory(store: Arc<dyn Store>) -> Result<Search, Error> {
        Ok(Search::with(store, SearchIndex::in_memory()?))
    }

    fn with(store: Arc<dyn Store>, index: SearchIndex) -> Search {
        let index = Arc::new(index);
        let indexer = index
            .writable()
            .then(|| tokio::sync::Mutex::new(Indexer::new(store.clone(), index.clone())));
        Search {
            store,
            index,
            indexer,
        }
    }

    pub fn index(&self) -> &SearchIndex {
        &self.index
    }

    /// Brings the index up to the audit log's newest entry, waiting at most
    /// [`FRESH_WAIT`] for a catch-up already running.
    pub async fn fresh(&self) -> Result<(), Error> {
        let Some(indexer) = &self.indexer else {
            return Ok(());
        };
        let head = self.store.search_audit_head(&Principal::system()).await?;
        if self.index.watermark().is_some_and(|w| w >= head) {
            return Ok(());
        }
        let Ok(mut indexer) = tokio::time::timeout(FRESH_WAIT, indexer.lock()).await else {
            return Ok(());
        };
        indexer.catch_up().await?;
        Ok(())
    }

    /// Searches as `who` after [`Search::fresh`] (whose failure is logged: the index as
    /// it is still answers).
    pub async fn query(
        &self,
        who: Option<&Principal>,
        q: &search::Query,
    ) -> Result<search::Results, Error> {
        if let Err(e) = self.fresh().await {
            tracing::error!(error = %e, "search: catching up before a search");
        }
        Ok(self.index.search(who, q)?)
    }

    /// Rebuilds the index from the store (see [`Indexer::rebuild`]).
    pub async fn rebuild(&self, progress: impl FnMut(u64)) -> Result<Rebuilt, Error> {
        match &self.indexer {
            Some(i) => i.lock().await.rebuild(progress).await,
            None => Err(Error::Index(search::Error::Other(
                "another process writes this index".into(),
            ))),
        }
    }

    /// Catches up every [`POLL`] for as long as the task runs.
    pub async fn run(self: Arc<Self>) {
        let Some(indexer) = &self.indexer else {
            return;
        };
        loop {
            let r = indexer.lock().await.catch_up().await;
            if let Err(e) = r {
                tracing::error!(error = %e, "search indexer");
            }
            tokio::time::sleep(POLL).await;
        }
    }
}
