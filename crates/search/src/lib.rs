//! Full-text search of what a user may see (docs/SEARCH.md).
//!
//! The engine only: a tantivy index of [`domain::search::Record`]s with a Vietnamese
//! folding analyzer ([`fold`]), written through a [`Writer`] (one at a time, 50 MB of
//! memory), searched with [`SearchIndex::search`] under a visibility filter built from
//! the searcher's grants ([`domain::search::Visibility`]), with facets by kind, year and
//! unit, and highlighted passages. It knows no database: the caller (`web::search`'s
//! indexer, `resolute reindex`) loads records from the store and feeds them in, and keeps
//! the audit log's watermark in the index's commit payload.

pub mod fold;

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use domain::search::{Kind, Reach, Record, Visibility, is_public, may_find};
use domain::{MemberId, OrgId, OrgPath, Principal};
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, Occur, Query as TQuery, QueryParser, RangeQuery, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use time::{Date, OffsetDateTime};

/// The name the analyzer is registered under.
const ANALYZER: &str = "vi_fold";
/// Bumped when the schema or the analyzer changes: the index lives in a folder of this
/// name, so a new version starts empty and is rebuilt from the database.
pub const SCHEMA_VERSION: &str = "v2";
/// The writer's memory budget: it flushes a segment to disk when its buffers reach it.
pub const WRITER_MEMORY: usize = 50_000_000;
/// The most characters of a passage.
pub const PASSAGE_CHARS: usize = 240;
/// The most results a page asks for.
pub const MAX_LIMIT: usize = 100;
/// The deepest result offset served (page × size): ranking past it is of no use to a
/// person and costs the collector memory.
pub const MAX_OFFSET: usize = 10_000;

/// How long a query's count and facets are reused for the same searcher's grants while
/// the index is unchanged (any commit makes a new searcher generation, which misses). Only
/// the passage of time changes them otherwise: a scheduled article turning public is
/// counted within this delay (its hit is listed at once).
pub const FACETS_TTL: Duration = Duration::from_secs(5);
/// Past this many kept entries the facet cache starts over.
const MAX_FACET_ENTRIES: usize = 4_096;

/// What the facet collectors count for a query: kept in [`SearchIndex`]'s facet cache.
#[derive(Debug, Clone)]
struct Facets {
    total: usize,
    kinds: Vec<(Kind, u64)>,
    years: Vec<(i32, u64)>,
    units_of: Option<OrgPath>,
    units: Vec<(OrgId, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("search index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("search index: {0}")]
    Other(String),
}

pub type Result<T> = std::result::Result<T, Error>;

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    group: Field,
    kind: Field,
    kind_name: Field,
    year: Field,
    org: Field,
    unit: Field,
    reach: Field,
    responsible: Field,
    id: Field,
    path: Field,
    day: Field,
    public_from: Field,
    parent: Field,
    title: Field,
    body: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        // "task:42": the one term that names a record, to replace or delete it.
        key: b.add_text_field("key", STRING),
        // "program:12": the whole a record is part of (`Record::group`).
        group: b.add_text_field("group", STRING),
        kind: b.add_facet_field("kind", FacetOptions::default()),
        kind_name: b.add_text_field("kind_name", STORED),
        year: b.add_facet_field("year", FacetOptions::default()),
        // The unit's path of ids as a facet (/1/17/240): a term per ancestor, so that
        // "in this subtree" is one term and the facet counts children.
        org: b.add_facet_field("org", FacetOptions::default()),
        // The unit's own id: "documents of the units above mine".
        unit: b.add_u64_field("unit", INDEXED),
        reach: b.add_text_field("reach", STRING | STORED),
        responsible: b.add_u64_field("responsible", INDEXED | STORED),
        id: b.add_i64_field("id", STORED),
        path: b.add_text_field("path", STORED),
        day: b.add_i64_field("day", STORED | FAST),
        // Unix seconds from which the record is public whatever its reach (a published
        // article's time); absent when none.
        public_from: b.add_i64_field("public_from", INDEXED | STORED | FAST),
        // The record a link goes through (a comment's consultation).
        parent: b.add_i64_field("parent", STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text),
    };
    (b.build(), fields)
}

fn key(kind: Kind, id: i64) -> String {
    format!("{}:{id}", kind.as_str())
}

// Every facet hangs under a named top ("/o", "/k", "/y"): tantivy's facet collector
// miscounts the children of the root facet itself when their names are one byte long.
const ORG_TOP: &str = "o";
const KIND_TOP: &str = "k";
const YEAR_TOP: &str = "y";

fn top(name: &str) -> Facet {
    Facet::from_path([name])
}

fn path_facet(p: &OrgPath) -> Facet {
    node_facet(Some(p))
}

/// The org facet of a unit, or the top of the tree.
fn node_facet(p: Option<&OrgPath>) -> Facet {
    let ids = p.map(|p| p.ids()).unwrap_or_default();
    Facet::from_path(
        std::iter::once(ORG_TOP.to_owned()).chain(ids.into_iter().map(|i| i.0.to_string())),
    )
}

fn kind_facet(k: Kind) -> Facet {
    Facet::from_path([KIND_TOP, k.as_str()])
}

fn year_facet(y: i32) -> Facet {
    Facet::from_path([YEAR_TOP.to_owned(), y.to_string()])
}

/// The search index: tantivy's index, its reader and its one writer.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Option<Mutex<IndexWriter>>,
    f: Fields,
    /// Counts and facets per (searcher generation, query, grants), for `facets_ttl`.
    facets: Mutex<HashMap<String, (Facets, Instant)>>,
    facets_ttl: Duration,
}

/// What to search.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// The words typed (with or without diacritics; quotes for a phrase, `-` to exclude).
    pub text: String,
    pub kind: Option<Kind>,
    pub year: Option<i32>,
    /// Only records of this unit's subtree.
    pub within: Option<OrgPath>,
    pub offset: usize,
    pub limit: usize,
}

/// One result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: Kind,
    pub id: i64,
    pub org_path: OrgPath,
    /// The title, HTML-escaped, the matched words in `<mark>`.
    pub title_html: String,
    /// The best passage of the text, HTML-escaped, the matched words in `<mark>`; the
    /// text's beginning when only the title matched.
    pub passage_html: String,
    pub date: Option<Date>,
    pub score: f32,
    /// The record a link goes through (a comment's consultation).
    pub parent: Option<i64>,
    /// Whether anyone finds it now (a published article is linked as the public reads it).
    pub public: bool,
}

/// The answer to a [`Query`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    /// All matching records the searcher may see.
    pub total: usize,
    pub hits: Vec<Hit>,
    /// Matching records per kind ([`Kind::ALL`] order, only those with some).
    pub kinds: Vec<(Kind, u64)>,
    /// Matching records per year, newest first.
    pub years: Vec<(i32, u64)>,
    /// The unit whose children [`Results::units`] counts (none: the top of the tree).
    pub units_of: Option<OrgPath>,
    /// Matching records per child unit of `units_of`, most first.
    pub units: Vec<(OrgId, u64)>,
}

impl SearchIndex {
    /// Opens (or creates) the index under `dir` (`<data-dir>/search`). The index of
    /// another schema version is removed. When another process holds the writer, the
    /// index opens read-only ([`SearchIndex::writable`] is false).
    pub fn open(dir: &Path) -> Result<SearchIndex> {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() && entry.file_name() != SCHEMA_VERSION {
                std::fs::remove_dir_all(entry.path())?;
            }
        }
        let here = dir.join(SCHEMA_VERSION);
        std::fs::create_dir_all(&here)?;
        let (schema, f) = schema();
        let mmap = tantivy::directory::MmapDirectory::open(&here)
            .map_err(|e| Error::Other(e.to_string()))?;
        let index = Index::open_or_create(mmap, schema)?;
        Self::with(index, f)
    }

    /// An index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<SearchIndex> {
        let (schema, f) = schema();
        Self::with(Index::create_in_ram(schema), f)
    }

    fn with(index: Index, f: Fields) -> Result<SearchIndex> {
        index.tokenizers().register(ANALYZER, fold::analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = match index.writer_with_num_threads(1, WRITER_MEMORY) {
            Ok(w) => Some(Mutex::new(w)),
            Err(tantivy::TantivyError::LockFailure(..)) => {
                tracing::warn!("search index held by another process: opened read-only");
                None
            }
            Err(e) => return Err(e.into()),
        };
        Ok(SearchIndex {
            index,
            reader,
            writer,
            f,
            facets: Mutex::new(HashMap::new()),
            facets_ttl: FACETS_TTL,
        })
    }

    /// How long a query's count and facets are reused ([`FACETS_TTL`]; zero: never, as the
    /// benchmark's "before" runs).
    pub fn set_facets_ttl(&mut self, ttl: Duration) {
        self.facets_ttl = ttl;
    }

    /// Whether this process writes the index.
    pub fn writable(&self) -> bool {
        self.writer.is_some()
    }

    /// The id of the last audit entry whose changes the index holds; `None` when the
    /// index was never built (a full [`Writer::clear`] and load is due).
    pub fn watermark(&self) -> Option<i64> {
        let metas = self.index.load_metas().ok()?;
        metas.payload?.parse().ok()
    }

    /// Records in the index.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The writer (one at a time; a second caller waits).
    pub fn writer(&self) -> Result<Writer<'_>> {
        let w = self
            .writer
            .as_ref()
            .ok_or_else(|| Error::Other("opened read-only".into()))?;
        Ok(Writer {
            w: w.lock().unwrap_or_else(|e| e.into_inner()),
            ix: self,
        })
    }

    /// Searches as `who` (`None`: a visitor without an account): only what
    /// [`domain::search::may_find`] lets them find, checked again hit by hit.
    pub fn search(&self, who: Option<&Principal>, q: &Query) -> Result<Results> {
        let f = self.f;
        let text = domain::text::nfc(q.text.trim());
        let mut parser = QueryParser::for_index(&self.index, vec![f.title, f.body]);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, 2.0);
        let (words, _) = parser.parse_query_lenient(&text);
        let mut filters: Vec<Box<dyn TQuery>> = Vec::new();
        let visibility = Visibility::of(who);
        let now = OffsetDateTime::now_utc();
        if let Some(v) = &visibility {
            filters.push(self.visibility(v, now));
        }
        if let Some(k) = q.kind {
            filters.push(term(Term::from_facet(f.kind, &kind_facet(k))));
        }
        if let Some(y) = q.year {
            filters.push(term(Term::from_facet(f.year, &year_facet(y))));
        }
        if let Some(w) = &q.within {
            filters.push(term(Term::from_facet(f.org, &path_facet(w))));
        }
        let mut clauses = vec![(Occur::Must, words.box_clone())];
        if !filters.is_empty() {
            let all: Box<dyn TQuery> = Box::new(BooleanQuery::new(
                filters.into_iter().map(|q| (Occur::Must, q)).collect(),
            ));
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(all, 0.0))));
        }
        let query = BooleanQuery::new(clauses);

        let searcher = self.reader.searcher();
        let limit = q.limit.clamp(1, MAX_LIMIT);
        let offset = q.offset.min(MAX_OFFSET);
        let page = TopDocs::with_limit(limit).and_offset(offset);
        // The same query by the same grants on the same index a moment ago: its count and
        // facets again, only the page of hits is collected (the facets cost most of a broad
        // query).
        let facet_key = format!(
            "{}|{text}|{:?}|{:?}|{:?}|{visibility:?}",
            searcher.generation().generation_id(),
            q.kind,
            q.year,
            q.within
        );
        let kept = self.facets.lock().ok().and_then(|m| {
            m.get(&facet_key)
                .filter(|(_, at)| at.elapsed() < self.facets_ttl)
                .map(|(fc, _)| fc.clone())
        });
        let (facets, ranked) = match kept {
            Some(fc) => (fc, searcher.search(&query, &page.order_by_score())?),
            None => {
                let (fc, ranked) =
                    self.count_and_facets(&searcher, &query, q, visibility.as_ref(), page)?;
                if let Ok(mut m) = self.facets.lock() {
                    if m.len() >= MAX_FACET_ENTRIES {
                        m.clear();
                    }
                    m.insert(facet_key, (fc.clone(), Instant::now()));
                }
                (fc, ranked)
            }
        };
        let mut out = Results {
            total: facets.total,
            kinds: facets.kinds,
            years: facets.years,
            units_of: facets.units_of,
            units: facets.units,
            ..Results::default()
        };

        let generators = (
            self.generator(&searcher, &*words, f.title)?,
            self.generator(&searcher, &*words, f.body)?,
        );
        for (score, addr) in ranked {
            match self.hit(&searcher, addr, score, who, now, &generators)? {
                Some(h) => out.hits.push(h),
                None => tracing::error!(?addr, "search: a hit failed the visibility check"),
            }
        }
        Ok(out)
    }

    /// The count and facets of a query, with its page of hits, in one pass (then the unit
    /// facet again for each level it goes down).
    fn count_and_facets(
        &self,
        searcher: &tantivy::Searcher,
        query: &BooleanQuery,
        q: &Query,
        visibility: Option<&Visibility>,
        page: TopDocs,
    ) -> Result<(Facets, Vec<(f32, DocAddress)>)> {
        let mut kinds = FacetCollector::for_field("kind");
        kinds.add_facet(top(KIND_TOP));
        let mut years = FacetCollector::for_field("year");
        years.add_facet(top(YEAR_TOP));
        // The unit facet counts the children of the subtree searched, of the searcher's
        // one subtree, or of the top; then goes down while one child holds everything.
        let mut node = q.within.clone().or_else(|| match visibility {
            Some(v) if v.covers.len() == 1 => Some(v.covers[0].clone()),
            _ => None,
        });
        let mut units = FacetCollector::for_field("org");
        units.add_facet(node_facet(node.as_ref()));
        let ((total, ranked), (kind_counts, year_counts, unit_counts)) = searcher.search(
            query,
            &((Count, page.order_by_score()), (kinds, years, units)),
        )?;

        let mut out = Facets {
            total,
            kinds: Vec::new(),
            years: Vec::new(),
            units_of: None,
            units: Vec::new(),
        };
        out.kinds = Kind::ALL
            .into_iter()
            .filter_map(|k| {
                let n = kind_counts
                    .get(top(KIND_TOP))
                    .find(|(fc, _)| fc.to_path().last() == Some(&k.as_str()))
                    .map(|(_, n)| n)?;
                Some((k, n))
            })
            .collect();
        out.years = year_counts
            .get(top(YEAR_TOP))
            .filter_map(|(fc, n)| Some((fc.to_path().last()?.parse().ok()?, n)))
            .collect();
        out.years.sort_by_key(|y| std::cmp::Reverse(y.0));
        let mut counts = unit_counts;
        for _ in 0..4 {
            let here = node_facet(node.as_ref());
            let children: Vec<(OrgId, u64)> = counts
                .get(here)
                .filter_map(|(fc, n)| Some((OrgId(fc.to_path().last()?.parse().ok()?), n)))
                .collect();
            let only = match children.as_slice() {
                [(id, n)] if *n as usize == total && q.within.is_none() => *id,
                _ => {
                    out.units = children;
                    break;
                }
            };
            node = Some(match node {
                Some(p) => p.child(only),
                None => OrgPath::root(only),
            });
            let mut next = FacetCollector::for_field("org");
            next.add_facet(node_facet(node.as_ref()));
            counts = searcher.search(query, &next)?;
        }
        out.units.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.units_of = node;

        Ok((out, ranked))
    }

    fn generator(
        &self,
        searcher: &tantivy::Searcher,
        words: &dyn TQuery,
        field: Field,
    ) -> Result<SnippetGenerator> {
        let mut g = SnippetGenerator::create(searcher, words, field)?;
        g.set_max_num_chars(PASSAGE_CHARS);
        Ok(g)
    }

    fn hit(
        &self,
        searcher: &tantivy::Searcher,
        addr: DocAddress,
        score: f32,
        who: Option<&Principal>,
        now: OffsetDateTime,
        (titles, bodies): &(SnippetGenerator, SnippetGenerator),
    ) -> Result<Option<Hit>> {
        let f = self.f;
        let doc: TantivyDocument = searcher.doc(addr)?;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("");
        let bad = || Error::Other(format!("bad stored record at {addr:?}"));
        let path = OrgPath::parse(text(f.path)).ok_or_else(bad)?;
        let reach = Reach::parse(text(f.reach)).ok_or_else(bad)?;
        let responsible = doc
            .get_first(f.responsible)
            .and_then(|v| v.as_u64())
            .filter(|m| *m != 0)
            .map(|m| MemberId(m as i64));
        let public_from = doc
            .get_first(f.public_from)
            .and_then(|v| v.as_i64())
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
        let public = is_public(reach, public_from, now);
        if !public && !may_find(who, &path, reach, responsible) {
            return Ok(None);
        }
        let (kind, id) = self.kind_id(&doc).ok_or_else(bad)?;
        let title = text(f.title);
        let body = text(f.body);
        let title_html = highlight_all(title, titles);
        let passage = bodies.snippet(body);
        let passage_html = if passage.highlighted().is_empty() {
            escape(&beginning(body, PASSAGE_CHARS))
        } else {
            mark(&passage)
        };
        let date = doc
            .get_first(f.day)
            .and_then(|v| v.as_i64())
            .and_then(|d| Date::from_julian_day(d as i32).ok());
        Ok(Some(Hit {
            kind,
            id,
            org_path: path,
            title_html,
            passage_html,
            date,
            score,
            parent: doc.get_first(f.parent).and_then(|v| v.as_i64()),
            public,
        }))
    }

    fn kind_id(&self, doc: &TantivyDocument) -> Option<(Kind, i64)> {
        let id = doc.get_first(self.f.id)?.as_i64()?;
        let kind = Kind::parse(doc.get_first(self.f.kind_name)?.as_str()?)?;
        Some((kind, id))
    }

    /// The filter of what a searcher finds (see [`Visibility`]).
    fn visibility(&self, v: &Visibility, now: OffsetDateTime) -> Box<dyn TQuery> {
        let f = self.f;
        let reach = |r: Reach| term(Term::from_field_text(f.reach, r.as_str()));
        let in_any = |roots: &[OrgPath]| -> Box<dyn TQuery> {
            Box::new(BooleanQuery::new(
                roots
                    .iter()
                    .map(|root| {
                        (
                            Occur::Should,
                            term(Term::from_facet(f.org, &path_facet(root))),
                        )
                    })
                    .collect(),
            ))
        };
        let mut any: Vec<(Occur, Box<dyn TQuery>)> = vec![
            (Occur::Should, reach(Reach::Public)),
            // Public from a time that has come (a published article).
            (
                Occur::Should,
                Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Included(Term::from_field_i64(f.public_from, now.unix_timestamp())),
                )),
            ),
        ];
        if !v.covers.is_empty() {
            // A reader of the unit finds all but what only its office or editors see.
            any.push((
                Occur::Should,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, in_any(&v.covers)),
                    (Occur::MustNot, reach(Reach::Office)),
                    (Occur::MustNot, reach(Reach::Editors)),
                ])),
            ));
        }
        for (r, roots) in [(Reach::Office, &v.offices), (Reach::Editors, &v.editors)] {
            if !roots.is_empty() {
                any.push((
                    Occur::Should,
                    Box::new(BooleanQuery::new(vec![
                        (Occur::Must, reach(r)),
                        (Occur::Must, in_any(roots)),
                    ])),
                ));
            }
        }
        if !v.above.is_empty() {
            any.push((
                Occur::Should,
                Box::new(BooleanQuery::new(vec![
                    (
                        Occur::Must,
                        term(Term::from_field_text(f.reach, Reach::UnitOrAbove.as_str())),
                    ),
                    (
                        Occur::Must,
                        Box::new(TermSetQuery::new(
                            v.above
                                .iter()
                                .map(|o| Term::from_field_u64(f.unit, o.0 as u64)),
                        )),
                    ),
                ])),
            ));
        }
        if let Some(m) = v.responsible {
            any.push((
                Occur::Should,
                term(Term::from_field_u64(f.responsible, m.0 as u64)),
            ));
        }
        Box::new(BooleanQuery::new(any))
    }
}

fn term(t: Term) -> Box<dyn TQuery> {
    Box::new(TermQuery::new(t, IndexRecordOption::Basic))
}

/// Adds, replaces and removes records; nothing is seen by searches before
/// [`Writer::commit`].
pub struct Writer<'a> {
    w: MutexGuard<'a, IndexWriter>,
    ix: &'a SearchIndex,
}

impl Writer<'_> {
    /// Removes every record (before a rebuild).
    pub fn clear(&mut self) -> Result<()> {
        self.w.delete_all_documents()?;
        Ok(())
    }

    /// Adds a record, replacing the one of the same kind and id.
    pub fn put(&mut self, r: &Record) -> Result<()> {
        self.remove(r.kind, r.id);
        self.add(r)
    }

    /// Adds a record known not to be in the index (a rebuild after [`Writer::clear`]).
    pub fn add(&mut self, r: &Record) -> Result<()> {
        let f = self.ix.f;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, key(r.kind, r.id));
        if let Some(g) = &r.group {
            doc.add_text(f.group, g);
        }
        doc.add_facet(f.kind, kind_facet(r.kind));
        if let Some(d) = r.date {
            doc.add_facet(f.year, year_facet(d.year()));
            doc.add_i64(f.day, i64::from(d.to_julian_day()));
        }
        doc.add_facet(f.org, path_facet(&r.org_path));
        doc.add_u64(f.unit, r.org_path.id().0 as u64);
        doc.add_text(f.reach, r.reach.as_str());
        doc.add_u64(f.responsible, r.responsible.map_or(0, |m| m.0 as u64));
        doc.add_i64(f.id, r.id);
        if let Some(t) = r.public_from {
            doc.add_i64(f.public_from, t.unix_timestamp());
        }
        if let Some(p) = r.parent {
            doc.add_i64(f.parent, p);
        }
        doc.add_text(f.path, r.org_path.as_str());
        doc.add_text(f.title, domain::text::nfc(&r.title));
        doc.add_text(f.body, domain::text::nfc(&r.body));
        doc.add_text(f.kind_name, r.kind.as_str());
        self.w.add_document(doc)?;
        Ok(())
    }

    /// Removes a record (gone, or no longer searchable).
    pub fn remove(&mut self, kind: Kind, id: i64) {
        self.w
            .delete_term(Term::from_field_text(self.ix.f.key, &key(kind, id)));
    }

    /// Drops every change since the last commit (a rebuild that failed half-way).
    pub fn rollback(mut self) -> Result<()> {
        self.w.rollback()?;
        Ok(())
    }

    /// Removes every record of a group (`Record::group`), before it is loaded again.
    pub fn remove_group(&mut self, group: &str) {
        self.w
            .delete_term(Term::from_field_text(self.ix.f.group, group));
    }

    /// Makes the changes visible and durable, with the audit log's watermark they hold.
    pub fn commit(mut self, watermark: i64) -> Result<()> {
        let mut prepared = self.w.prepare_commit()?;
        prepared.set_payload(&watermark.to_string());
        prepared.commit()?;
        self.ix.reader.reload()?;
        Ok(())
    }
}

/// The whole text with every matched word marked (titles are short).
fn highlight_all(text: &str, g: &SnippetGenerator) -> String {
    let mut g2 = g.snippet(text);
    if g2.highlighted().is_empty() || g2.fragment().len() == text.len() {
        if g2.highlighted().is_empty() {
            return escape(text);
        }
        g2.set_snippet_prefix_postfix("<mark>", "</mark>");
        return g2.to_html();
    }
    // The fragment is a window of the text: mark the words of the whole title by the
    // terms the window matched.
    let words: BTreeSet<String> = g2
        .highlighted()
        .iter()
        .map(|r| fold_of(&g2.fragment()[r.clone()]))
        .collect();
    let mut analyzer: TextAnalyzer = fold::analyzer();
    let mut ranges = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(t) = stream.next() {
        if words.contains(&t.text) {
            ranges.push(t.offset_from..t.offset_to);
        }
    }
    marked(text, &ranges)
}

fn fold_of(word: &str) -> String {
    let mut out = String::new();
    fold::fold_word(&word.to_lowercase(), &mut out);
    out
}

fn mark(s: &tantivy::snippet::Snippet) -> String {
    marked(s.fragment(), s.highlighted())
}

fn marked(text: &str, ranges: &[std::ops::Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for r in ranges {
        if r.start < at {
            continue;
        }
        out.push_str(&escape(&text[at..r.start]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[r.clone()]));
        out.push_str("</mark>");
        at = r.end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

/// The first `max` characters of a text, cut at a space, with "…" when cut.
fn beginning(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end())
}

/// HTML-escapes text for an element's content or a quoted attribute.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}
