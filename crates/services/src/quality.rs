//! Plan assessment (issue 4): a program against the plan it implements (copied, adapted,
//! original, with the aligned passages side by side), against its sibling units'
//! programs, the "5 rõ" findings of each task and the 0–100 score. Advisory only: it
//! never blocks issuing. The web's check and program pages show [`QualityView`]; issuing
//! keeps the [`Assessment`] for dashboards ([`assess_and_save`]); `resolute rescan-plans`,
//! the demo and the benchmark assess every issued program again ([`rescan`]).
//!
//! The upper plan is the issued program of the parent unit for the same resolution when
//! the user may read it, otherwise the text of the document the program implements.

use std::sync::OnceLock;

use analysis::{Gazetteer, PlanReport, Prepared, QualityScore, TaskInput, Thresholds, Verdict};
use domain::Principal;
use domain::ProgramState;
use domain::validate::format_date;
use i18n::Lang;
use store::{Assessment, CopyVerdict, Program, Store, TaskRecord};

/// At most this many aligned passages are shown (the longest).
const MAX_PASSAGES: usize = 10;
/// Characters of context shown on each side of a passage.
const CONTEXT_CHARS: usize = 60;

/// The generic patterns (levels, headings, citations), built once per process; the names
/// of the unit's path and children are added per request.
fn base_gazetteer() -> &'static Gazetteer {
    static BASE: OnceLock<Gazetteer> = OnceLock::new();
    BASE.get_or_init(Gazetteer::new)
}

/// One side of a passage: text before, the matched text, text after.
pub struct Side {
    pub before: String,
    pub matched: String,
    pub after: String,
}

pub struct PassageView {
    pub lower: Side,
    pub upper: Side,
}

/// What the check page (and `GET /api/programs/{id}/quality`) shows.
pub struct QualityView {
    pub total: u32,
    /// Where the plan stands on the scale the pages explain (a copied plan needs redoing).
    pub band: analysis::Band,
    /// Points taken off and why, in the page's language.
    pub deductions: Vec<(String, String)>,
    /// The plan's verdict: the most severe of the comparisons with the upper plan, the
    /// unit's previous plan and the siblings' plans, and which one it comes from. `None`
    /// when the copy check was skipped (no upper text).
    pub overall: Option<OverallView>,
    /// Against the upper plan alone; `None` when the copy check was skipped.
    pub verdict: Option<Verdict>,
    pub percent: u32,
    pub reason: String,
    /// Whether the upper plan is the parent unit's program (else the document's text).
    pub upper_is_program: bool,
    pub passages: Vec<PassageView>,
    /// The findings of each task, in the order of the task table.
    pub findings: Vec<Vec<String>>,
    /// The unit's own plan of the previous period, when there is one.
    pub previous: Option<ComparisonView>,
    /// Sibling units' programs that share a real part of this one, most first.
    pub siblings: Vec<ComparisonView>,
    /// How many sibling programs were compared.
    pub compared_siblings: usize,
}

/// The overall verdict and where it comes from.
pub struct OverallView {
    pub verdict: Verdict,
    /// `None` when nothing was compared.
    pub source: Option<analysis::Source>,
    /// The sibling's unit or the previous plan's name; empty for the upper plan.
    pub name: String,
    pub percent: u32,
    pub reason: String,
}

/// Another plan compared with this one (a sibling's, or the unit's previous plan), with
/// the shared passages side by side (this plan's left, the other's right).
pub struct ComparisonView {
    pub name: String,
    pub percent: u32,
    pub verdict: Verdict,
    pub copied: bool,
    pub passages: Vec<PassageView>,
}

/// The largest char boundary at or below `i`.
fn floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn side(text: &str, (start, end): (usize, usize)) -> Side {
    let (start, end) = (floor(text, start), floor(text, end));
    let (start, end) = (start.min(end), end);
    let head = &text[..start];
    let cut = head
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS - 1)
        .map_or(0, |(i, _)| i);
    let before = if cut > 0 {
        format!("…{}", &head[cut..])
    } else {
        head.to_owned()
    };
    let tail = &text[end..];
    let after = match tail.char_indices().nth(CONTEXT_CHARS) {
        Some((i, _)) => format!("{}…", &tail[..i]),
        None => tail.to_owned(),
    };
    Side {
        before,
        matched: text[start..end].to_owned(),
        after,
    }
}

/// Points taken off, with the decimal comma in Vietnamese: `−12,5`.
fn points(lang: Lang, p: f64) -> String {
    let text = format!("−{}", (p * 10.0).round() / 10.0);
    match lang {
        Lang::Vi => text.replace('.', ","),
        Lang::En => text,
    }
}

fn join(parts: impl IntoIterator<Item = String>) -> String {
    parts
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The plan as one text: its three sections (Markdown markup left out), then its task
/// contents.
fn plan_text(program: &Program, tasks: &[String]) -> String {
    let s = &program.sections;
    join(
        [
            crate::markdown::plain(&s.purpose),
            crate::markdown::plain(&s.tasks_and_solutions),
            crate::markdown::plain(&s.organization),
        ]
        .into_iter()
        .chain(tasks.iter().cloned()),
    )
}

fn task_input(t: &TaskRecord) -> TaskInput {
    let d = &t.draft;
    TaskInput {
        content: d.content.clone(),
        responsible: d
            .responsible
            .map(|_| t.responsible_name.clone().unwrap_or_else(|| "có".into())),
        deadline: d.deadline.map(format_date),
        output: d.expected_output.clone(),
        lead_body: d.lead_body.clone(),
    }
}

/// The upper plan's text, and whether it is the parent unit's program.
async fn upper_text(store: &dyn Store, p: &Principal, program: &Program) -> (String, bool) {
    // The parent unit's issued program for the same resolution, when readable.
    if let Ok(crumbs) = store.org_ancestors(p, program.org_id).await
        && let Some(parent) = crumbs.iter().rev().find(|c| c.id != program.org_id)
        && let Ok(versions) = store
            .unit_programs(p, parent.id, program.root_document_id)
            .await
        && let Some(up) = versions
            .iter()
            .rev()
            .find(|v| v.state == ProgramState::Issued)
    {
        let tasks: Vec<String> = store
            .program_tasks(p, up.id)
            .await
            .map(|ts| ts.into_iter().map(|t| t.draft.content).collect())
            .unwrap_or_default();
        let text = plan_text(up, &tasks);
        if !text.trim().is_empty() {
            return (text, true);
        }
    }
    let text = store
        .document(p, program.root_document_id)
        .await
        .map(|d| crate::markdown::plain(&d.body_md))
        .unwrap_or_default();
    (text, false)
}

/// How the unit's previous plan is named on the page: its title and number.
fn previous_name(program: &Program) -> String {
    match &program.symbol {
        Some(symbol) => format!("{} ({symbol})", program.title),
        None => program.title.clone(),
    }
}

/// The shared passages of a comparison, the longest [`MAX_PASSAGES`] in the order of this
/// plan; none for an original.
fn passages(
    lower: &str,
    other: &str,
    verdict: Verdict,
    found: &[analysis::Passage],
) -> Vec<PassageView> {
    if verdict == Verdict::Original {
        return Vec::new();
    }
    let mut longest: Vec<&analysis::Passage> = found.iter().collect();
    longest.sort_by_key(|p| std::cmp::Reverse(p.syllables));
    longest.truncate(MAX_PASSAGES);
    longest.sort_by_key(|p| p.lower.0);
    longest
        .into_iter()
        .map(|p| PassageView {
            lower: side(lower, p.lower),
            upper: side(other, p.upper),
        })
        .collect()
}

fn percent(fraction: f64) -> u32 {
    (fraction * 100.0).round() as u32
}

/// The names of the unit's path and children, so that swapping one place name for
/// another neither hides nor creates a copy.
async fn gazetteer(store: &dyn Store, p: &Principal, program: &Program) -> Gazetteer {
    let mut gaz = base_gazetteer().clone();
    gaz.add(&program.org_name);
    if let Ok(crumbs) = store.org_ancestors(p, program.org_id).await {
        for c in &crumbs {
            gaz.add(&c.name);
        }
    }
    if let Ok(children) = store.org_children(p, program.org_id, false).await {
        for c in &children {
            gaz.add(&c.name);
        }
    }
    gaz
}

/// The record kept for dashboards, from the copy check (`None` when skipped) and the score.
/// Shared by [`assess`] and the grouped [`rescan`], so that both store the same.
fn stored(
    plan: Option<&PlanReport>,
    score: &QualityScore,
    upper_is_program: bool,
    siblings: usize,
) -> Assessment {
    // The most severe comparison: a plan copied from a sibling or from the unit's previous
    // plan is as much a copy as one copied from above.
    let verdict = match plan.map(|r| r.overall.verdict) {
        Some(Verdict::Copied) => CopyVerdict::Copied,
        Some(Verdict::Adapted) => CopyVerdict::Adapted,
        Some(Verdict::Original) => CopyVerdict::Original,
        None => CopyVerdict::Unchecked,
    };
    Assessment {
        verdict,
        copied_fraction: plan.map_or(0.0, |r| r.overall.copied_fraction),
        score: score.total,
        upper_is_program,
        siblings: siblings as u32,
        assessed_at: time::OffsetDateTime::now_utc(),
    }
}

/// Assesses a program as `p` may read it: the view in `lang` and the record kept for
/// dashboards. The plan is compared with the plan above it (the parent unit's issued
/// program, else the document) and with the issued programs of its sibling units.
pub async fn assess(
    store: &dyn Store,
    p: &Principal,
    lang: Lang,
    program: &Program,
    tasks: &[TaskRecord],
) -> (QualityView, Assessment) {
    let gaz = gazetteer(store, p, program).await;
    let contents: Vec<String> = tasks.iter().map(|t| t.draft.content.clone()).collect();
    let lower = plan_text(program, &contents);
    let (upper, upper_is_program) = upper_text(store, p, program).await;
    let peers: Vec<(String, String)> = store
        .peer_programs(p, program.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|peer| {
            (
                peer.program.org_name.clone(),
                plan_text(&peer.program, &peer.tasks),
            )
        })
        .filter(|(_, text)| !text.trim().is_empty())
        .collect();
    let peer_refs: Vec<(&str, &str)> = peers
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let previous: Option<(String, String)> = store
        .previous_programs(p, &[program.id])
        .await
        .unwrap_or_default()
        .into_iter()
        .next()
        .map(|(_, prev)| {
            (
                previous_name(&prev.program),
                plan_text(&prev.program, &prev.tasks),
            )
        })
        .filter(|(_, text)| !text.trim().is_empty());
    let inputs: Vec<TaskInput> = tasks.iter().map(task_input).collect();
    let task_reports = analysis::check_tasks(&inputs, &gaz);
    let plan = (!upper.trim().is_empty() && !lower.trim().is_empty()).then(|| {
        analysis::check_plan_with_previous(
            &upper,
            &lower,
            previous.as_ref().map(|(_, t)| t.as_str()),
            &peer_refs,
            &gaz,
        )
    });
    let score = analysis::score_program(plan.as_ref(), &task_reports);
    let msg = |vi: &str, en: &str| match lang {
        Lang::Vi => vi.to_owned(),
        Lang::En => en.to_owned(),
    };
    let deductions = score
        .copy
        .deductions
        .iter()
        .chain(score.tasks.deductions.iter())
        .filter(|d| d.points > 0.0)
        .map(|d| (points(lang, d.points), msg(&d.message_vi, &d.message_en)))
        .collect();
    let findings = task_reports
        .iter()
        .map(|r| {
            r.findings
                .iter()
                .map(|f| msg(&f.message_vi, &f.message_en))
                .collect()
        })
        .collect();
    // Siblings whose plan holds a real share of this one (adapted or copied), most first,
    // each with its passages beside this plan's.
    let mut siblings: Vec<ComparisonView> = plan
        .iter()
        .flat_map(|r| r.siblings.iter().zip(&peers))
        .filter(|(s, _)| s.verdict != Verdict::Original)
        .map(|(s, (_, text))| ComparisonView {
            name: s.name.clone(),
            percent: percent(s.copied_fraction),
            verdict: s.verdict,
            copied: s.verdict == Verdict::Copied,
            passages: passages(&lower, text, s.verdict, &s.passages),
        })
        .collect();
    siblings.sort_by_key(|s| std::cmp::Reverse(s.percent));
    let previous_view = plan
        .as_ref()
        .and_then(|r| r.previous.as_ref().zip(previous.as_ref()))
        .map(|(c, (name, text))| ComparisonView {
            name: name.clone(),
            percent: percent(c.copied_fraction),
            verdict: c.verdict,
            copied: c.verdict == Verdict::Copied,
            passages: passages(&lower, text, c.verdict, &c.passages),
        });
    let overall = plan.as_ref().map(|r| OverallView {
        verdict: r.overall.verdict,
        source: r.overall.source,
        name: r.overall.name.clone(),
        percent: percent(r.overall.copied_fraction),
        reason: msg(&r.overall.reason_vi, &r.overall.reason_en),
    });
    let (verdict, percent, reason, passages) = match &plan {
        Some(r) => (
            Some(r.verdict),
            percent(r.copied_fraction),
            msg(&r.reason_vi, &r.reason_en),
            passages(&lower, &upper, r.verdict, &r.passages),
        ),
        None => (None, 0, String::new(), Vec::new()),
    };
    let assessment = stored(plan.as_ref(), &score, upper_is_program, peers.len());
    (
        QualityView {
            total: score.total,
            band: analysis::Band::of_plan(
                score.total,
                plan.as_ref()
                    .is_some_and(|r| r.overall.verdict == Verdict::Copied),
            ),
            deductions,
            overall,
            verdict,
            percent,
            reason,
            upper_is_program,
            passages,
            findings,
            previous: previous_view,
            siblings,
            compared_siblings: peers.len(),
        },
        assessment,
    )
}

/// Assesses a program and keeps the result for dashboards; a failure to save is logged,
/// never shown to the user (the assessment is advisory and recomputed on the next issue
/// or rescan).
pub async fn assess_and_save(
    store: &dyn Store,
    p: &Principal,
    program: &Program,
) -> Option<Assessment> {
    let tasks = store.program_tasks(p, program.id).await.ok()?;
    let (_, a) = assess(store, p, Lang::Vi, program, &tasks).await;
    match store.save_assessment(p, program.id, &a).await {
        Ok(()) => Some(a),
        Err(e) => {
            tracing::warn!(program = program.id.0, error = %e, "plan assessment not saved");
            None
        }
    }
}

/// What a rescan did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Rescan {
    pub assessed: usize,
    pub flagged: usize,
    /// Time spent reading groups and upper plans, analyzing, and saving (grouped re-scan
    /// only; the per-program path does all three per program).
    pub read: std::time::Duration,
    pub analysis: std::time::Duration,
    pub save: std::time::Duration,
}

/// Assesses again every issued program `p` may read (after the upper plan or a sibling
/// changed, or after an upgrade of the analysis): `resolute rescan-plans`, and the demo.
///
/// Group by group, the units with one parent on one document's chain: the group is read
/// at once ([`store::ProgramStore::program_group`]), the upper plan and every program's
/// text are analyzed once with the names the group shares, and each program is assessed
/// against those, on [`RESCAN_THREADS`] threads. What is stored is what [`assess`] stores
/// for each program on its own ([`rescan_each`]): a text is analyzed again with a
/// program's own names (its unit's and its children's) only when it mentions one of them
/// ([`Gazetteer::occurs_in`]), which is the only case where they change the analysis.
pub async fn rescan(store: &dyn Store, p: &Principal) -> Result<Rescan, store::StoreError> {
    let mut out = Rescan::default();
    for group in store.issued_program_groups(p).await? {
        let Some(parent) = group.parent else {
            // Root units' programs have no siblings: nothing to share.
            for id in group.programs {
                let program = store.program(p, id).await?;
                out.add(assess_and_save(store, p, &program).await.as_ref());
            }
            continue;
        };
        let t = std::time::Instant::now();
        let members = store
            .program_group(p, parent, group.root_document_id)
            .await?;
        out.read += t.elapsed();
        let assessed = assess_group(store, p, members, &mut out).await;
        let t = std::time::Instant::now();
        // One transaction for the group; if it fails, one by one so the others are kept.
        if let Err(e) = store.save_assessments(p, &assessed).await {
            tracing::warn!(error = %e, "group assessments not saved together");
            for (id, a) in &assessed {
                if let Err(e) = store.save_assessment(p, *id, a).await {
                    tracing::warn!(program = id.0, error = %e, "plan assessment not saved");
                } else {
                    out.add(Some(a));
                }
            }
        } else {
            for (_, a) in &assessed {
                out.add(Some(a));
            }
        }
        out.save += t.elapsed();
    }
    Ok(out)
}

/// The re-scan program by program, each assessed as on issue ([`assess_and_save`]): every
/// sibling's text is analyzed again for each sibling. Kept as the reference that
/// [`rescan`] must equal, and for the benchmark.
pub async fn rescan_each(store: &dyn Store, p: &Principal) -> Result<Rescan, store::StoreError> {
    let mut out = Rescan::default();
    for id in store.issued_programs(p).await? {
        let program = store.program(p, id).await?;
        out.add(assess_and_save(store, p, &program).await.as_ref());
    }
    Ok(out)
}

impl Rescan {
    fn add(&mut self, a: Option<&Assessment>) {
        if let Some(a) = a {
            self.assessed += 1;
            self.flagged += usize::from(a.is_flagged());
        }
    }
}

/// Threads a group's analysis runs on.
pub const RESCAN_THREADS: usize = 2;

/// One program of a group, ready for the analysis (owned: it moves to a blocking thread).
struct Member {
    id: domain::ProgramId,
    /// The unit's previous plan's text, when it has one.
    previous: Option<String>,
    org_id: domain::OrgId,
    text: String,
    /// The program's own names: its unit's and its children's.
    own_names: Gazetteer,
    /// The whole gazetteer of [`gazetteer`]: the shared names plus the own ones.
    gazetteer: Gazetteer,
    tasks: Vec<TaskInput>,
}

/// Assesses the programs of one group (see [`rescan`]); the same records as [`assess`]
/// gives each of them.
async fn assess_group(
    store: &dyn Store,
    p: &Principal,
    group: Vec<store::GroupProgram>,
    times: &mut Rescan,
) -> Vec<(domain::ProgramId, Assessment)> {
    let started = std::time::Instant::now();
    let Some(first) = group.first() else {
        return Vec::new();
    };
    // Siblings share the parent, so the ancestors' names and the upper plan.
    let mut shared = base_gazetteer().clone();
    if let Ok(crumbs) = store.org_ancestors(p, first.program.org_id).await {
        for c in &crumbs {
            shared.add(&c.name);
        }
    }
    let (upper, upper_is_program) = upper_text(store, p, &first.program).await;
    let ids: Vec<domain::ProgramId> = group.iter().map(|g| g.program.id).collect();
    let mut previous: std::collections::HashMap<domain::ProgramId, String> = store
        .previous_programs(p, &ids)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, prev)| (id, plan_text(&prev.program, &prev.tasks)))
        .filter(|(_, text)| !text.trim().is_empty())
        .collect();
    let members: Vec<Member> = group
        .into_iter()
        .map(|g| {
            let contents: Vec<String> = g.tasks.iter().map(|t| t.draft.content.clone()).collect();
            let own = std::iter::once(g.program.org_name.as_str())
                .chain(g.child_names.iter().map(String::as_str));
            let mut gazetteer = shared.clone();
            for name in own.clone() {
                gazetteer.add(name);
            }
            Member {
                id: g.program.id,
                previous: previous.remove(&g.program.id),
                org_id: g.program.org_id,
                text: plan_text(&g.program, &contents),
                own_names: Gazetteer::from_names(own),
                gazetteer,
                tasks: g.tasks.iter().map(task_input).collect(),
            }
        })
        .collect();
    times.read += started.elapsed();
    let started = std::time::Instant::now();
    let work = move || assess_prepared(&shared, &upper, upper_is_program, &members);
    let done = tokio::task::spawn_blocking(work).await;
    times.analysis += started.elapsed();
    match done {
        Ok(out) => out,
        Err(e) => {
            tracing::warn!(error = %e, "plan assessment of a group failed");
            Vec::new()
        }
    }
}

/// Runs `f(i)` for `0..n` on [`RESCAN_THREADS`] threads taking the next index from a shared
/// counter; the results in index order.
fn parallel<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = RESCAN_THREADS
        .min(std::thread::available_parallelism().map_or(1, usize::from))
        .min(n);
    if threads <= 1 {
        return (0..n).map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(usize, T)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if i >= n {
                            break done;
                        }
                        done.push((i, f(i)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("analysis thread"))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, t)| t).collect()
}

/// The CPU part of [`assess_group`]: each text prepared once with the shared names, again
/// with a program's own names only where it mentions them.
fn assess_prepared(
    shared: &Gazetteer,
    upper: &str,
    upper_is_program: bool,
    members: &[Member],
) -> Vec<(domain::ProgramId, Assessment)> {
    // Index `members.len()` is the upper plan.
    let texts: Vec<&str> = members
        .iter()
        .map(|m| m.text.as_str())
        .chain([upper])
        .collect();
    let prepared: Vec<Prepared<'_>> = parallel(texts.len(), |i| Prepared::new(texts[i], shared));
    let upper_ix = members.len();
    let thresholds = Thresholds::default();
    parallel(members.len(), |l| {
        let m = &members[l];
        // The text `i` as `assess` prepares it for this program.
        let own: Vec<Option<Prepared<'_>>> = texts
            .iter()
            .enumerate()
            .map(|(i, &text)| {
                let used = i == l || i == upper_ix || members[i].org_id != m.org_id;
                (used && m.own_names.occurs_in(&prepared[i].analyzed.tokens))
                    .then(|| Prepared::new(text, &m.gazetteer))
            })
            .collect();
        let get = |i: usize| own[i].as_ref().unwrap_or(&prepared[i]);
        let peers: Vec<(&str, &Prepared<'_>)> = (0..members.len())
            .filter(|&i| members[i].org_id != m.org_id && !members[i].text.trim().is_empty())
            .map(|i| ("", get(i)))
            .collect();
        // Prepared with the program's whole gazetteer, as `assess` prepares it.
        let previous = m
            .previous
            .as_deref()
            .map(|t| Prepared::new(t, &m.gazetteer));
        let task_reports = analysis::check_tasks(&m.tasks, &m.gazetteer);
        let plan = (!upper.trim().is_empty() && !m.text.trim().is_empty()).then(|| {
            analysis::check_plan_full(
                get(upper_ix),
                get(l),
                previous.as_ref(),
                &peers,
                &thresholds,
            )
        });
        let score = analysis::score_program(plan.as_ref(), &task_reports);
        (
            m.id,
            stored(plan.as_ref(), &score, upper_is_program, peers.len()),
        )
    })
}

#[cfg(test)]
mod tests {
    use analysis::Band;
    use store::Assessment;

    /// The dashboards flag what the page calls "needs redoing", no more and no less.
    #[test]
    fn the_flag_and_the_lowest_band_agree() {
        assert_eq!(Band::of(Assessment::FLAG_BELOW - 1), Band::NeedsRedoing);
        assert_ne!(Band::of(Assessment::FLAG_BELOW), Band::NeedsRedoing);
    }
}
