//! Formalism signals of a report or review (issue 13), each with its evidence, never a
//! bare score:
//!
//! - text repeated from the unit's previous report, a sibling's report for the same period,
//!   or the upper level's (the `analysis` crate's copy check, with the passages);
//! - claims the record contradicts: a figure in the narrative ("100% đảng viên đã học
//!   tập", "hoàn thành 15/15 nhiệm vụ") that differs from the generated figure;
//! - last-minute updates: the share of the period's progress updates posted in the last
//!   days before the due day, against the unit's own earlier periods and its siblings';
//! - tasks reported done without evidence, or whose evidence was returned.

use analysis::claims::{self, ClaimSubject, Recorded};
use analysis::copy::Prepared;
use analysis::{Gazetteer, Source, Thresholds, Verdict};
use domain::Principal;
use serde::Serialize;
use store::{EvidenceGap, ReportFacts, ReportId, ReportPeers, ReportRecord, Store, StoreError};
use time::Date;

/// A passage shared with another text: (this report's words, the other's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharedPassage {
    pub here: String,
    pub there: String,
}

/// Text repeated from another report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopySignal {
    pub source: Source,
    /// The other unit's name (for previous: the period's start as dd/mm/yyyy).
    pub name: String,
    /// Share of this report's words found there, in percent.
    pub percent: u32,
    pub passages: Vec<SharedPassage>,
}

/// A claim the record contradicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contradiction {
    pub subject: ClaimSubject,
    /// The figure as written ("100%", "15/15").
    pub claimed: String,
    pub recorded: Recorded,
    pub passage: String,
}

/// The last-minute share, with what it is compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastMinute {
    /// Updates in the period, and those in the last days before the due day.
    pub updates: i64,
    pub last_days: i64,
    pub share: u32,
    /// The unit's own earlier periods (average share), and its siblings' this period.
    pub own_history: Option<u32>,
    pub peers: Option<u32>,
    pub flagged: bool,
}

/// Every signal of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Signals {
    pub copies: Vec<CopySignal>,
    pub contradictions: Vec<Contradiction>,
    pub last_minute: Option<LastMinute>,
    pub evidence_gaps: Vec<EvidenceGap>,
}

impl Signals {
    pub fn is_empty(&self) -> bool {
        self.copies.is_empty()
            && self.contradictions.is_empty()
            && !self.last_minute.as_ref().is_some_and(|l| l.flagged)
            && self.evidence_gaps.is_empty()
    }
}

/// Passages shown per copy signal.
const MAX_PASSAGES: usize = 5;

/// The signals of `report` with its factual part `facts` (frozen, or generated for a
/// draft) against `peers`.
pub fn signals(report: &ReportRecord, facts: &ReportFacts, peers: &ReportPeers) -> Signals {
    let text = report.sections.joined();
    Signals {
        copies: copies(&text, peers),
        contradictions: contradictions(&text, facts),
        last_minute: last_minute(facts, peers),
        evidence_gaps: facts.evidence_gaps.clone(),
    }
}

fn copies(text: &str, peers: &ReportPeers) -> Vec<CopySignal> {
    let gaz = Gazetteer::from_names(Vec::<String>::new());
    let th = Thresholds::default();
    let here = Prepared::new(text, &gaz);
    if here.content_len() < th.min_syllables {
        return Vec::new();
    }
    let others: Vec<(Source, String, String)> = peers
        .upper
        .iter()
        .map(|u| (Source::Upper, u.org_name.clone(), u.sections.joined()))
        .chain(peers.previous.iter().map(|p| {
            (
                Source::Previous,
                domain::validate::format_date(p.period.start),
                p.sections.joined(),
            )
        }))
        .chain(
            peers
                .siblings
                .iter()
                .map(|s| (Source::Sibling, s.org_name.clone(), s.sections.joined())),
        )
        .collect();
    let mut out: Vec<CopySignal> = others
        .iter()
        .filter_map(|(source, name, other)| {
            let there = Prepared::new(other, &gaz);
            let c = analysis::compare(&here, *source, name, &there, &th);
            (c.verdict == Verdict::Copied).then(|| CopySignal {
                source: *source,
                name: name.clone(),
                percent: (c.copied_fraction * 100.0).round() as u32,
                passages: c
                    .passages
                    .iter()
                    .take(MAX_PASSAGES)
                    .map(|p| SharedPassage {
                        here: p.lower_text.clone(),
                        there: p.upper_text.clone(),
                    })
                    .collect(),
            })
        })
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.percent));
    out
}

fn recorded(subject: ClaimSubject, facts: &ReportFacts) -> Recorded {
    match subject {
        ClaimSubject::MembersStudied => Recorded {
            part: facts.study.studied,
            whole: facts.study.members,
        },
        ClaimSubject::TasksDone => Recorded {
            part: facts.dashboard.tasks_done,
            whole: facts.dashboard.tasks_total,
        },
    }
}

fn contradictions(text: &str, facts: &ReportFacts) -> Vec<Contradiction> {
    claims::find_claims(text)
        .into_iter()
        .filter_map(|c| {
            let rec = recorded(c.subject, facts);
            claims::contradicts(&c.figure, &rec).then(|| Contradiction {
                subject: c.subject,
                claimed: match c.figure {
                    claims::ClaimFigure::Percent { value } => format!("{value}%"),
                    claims::ClaimFigure::Fraction { part, whole } => format!("{part}/{whole}"),
                },
                recorded: rec,
                passage: c.passage,
            })
        })
        .collect()
}

fn share(f: &ReportFacts) -> Option<u32> {
    (f.updates_in_period > 0).then(|| (f.updates_last_minute * 100 / f.updates_in_period) as u32)
}

fn average(v: &[u32]) -> Option<u32> {
    (!v.is_empty()).then(|| v.iter().sum::<u32>() / v.len() as u32)
}

fn last_minute(facts: &ReportFacts, peers: &ReportPeers) -> Option<LastMinute> {
    let share = share(facts)?;
    let own_history = average(&peers.own_last_minute);
    let sib: Vec<u32> = peers
        .siblings
        .iter()
        .filter_map(|s| s.facts.as_ref().and_then(share_of))
        .collect();
    let peers_avg = average(&sib);
    Some(LastMinute {
        updates: facts.updates_in_period,
        last_days: facts.updates_last_minute,
        share,
        own_history,
        peers: peers_avg,
        flagged: domain::report::last_minute_flag(share, own_history, peers_avg),
    })
}

fn share_of(f: &ReportFacts) -> Option<u32> {
    share(f)
}

/// How many claims of a submitted report its frozen factual part contradicts.
pub fn contradicted_claims(report: &ReportRecord) -> u32 {
    report.facts.as_ref().map_or(0, |f| {
        contradictions(&report.sections.joined(), f).len() as u32
    })
}

/// Submits a report (`ReportStore::submit_report`) and keeps how many of its claims the
/// record contradicts, for the inspection suggestions ("reports contradicted by their
/// data"). Every submission goes through here: the pages, the JSON API, the demo.
pub async fn submit(
    store: &dyn Store,
    p: &Principal,
    id: ReportId,
    today: Date,
) -> Result<ReportRecord, StoreError> {
    let r = store.submit_report(p, id, today).await?;
    store
        .keep_report_checks(p, r.id, contradicted_claims(&r))
        .await?;
    Ok(r)
}
