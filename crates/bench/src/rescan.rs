//! `resolute-bench rescan`: `resolute rescan-plans` (issue 4) on a province where every
//! district and every grassroots unit has issued its plan for one resolution, with texts
//! of realistic length and vocabulary (the syllables of the analysis corpus). Times the
//! program-by-program path (`rescan_each`, what the command did before) and the grouped
//! one (`rescan`), alternately, and checks that both store the same assessments.

use crate::open;
use anyhow::Context;
use domain::{
    CascadeDeadlines, CascadeScope, DocumentId, DocumentNumber, DocumentType, OrgKind, Principal,
    ProgramKind, ProgramSections, ReportEvery, TaskDraft, Term,
};
use std::collections::BTreeMap;
use std::time::Instant;
use store::{Assessment, NewDocument, NewProgram, Org, Store};

#[derive(Clone)]
pub struct Args {
    pub url: String,
    pub rounds: usize,
    pub syllables: usize,
    pub tasks: usize,
    pub measure_only: bool,
    /// Cells issue plans too (half as long).
    pub cells: bool,
    /// Time only the grouped re-scan (for a profile).
    pub grouped_only: bool,
}

const TITLE: &str = "Nghị quyết về nâng cao chất lượng chương trình hành động";

const CORPUS: &[&str] = &[
    include_str!("../../analysis/corpus/upper_province.txt"),
    include_str!("../../analysis/corpus/local_luc_nam.txt"),
    include_str!("../../analysis/corpus/local_yen_the.txt"),
    include_str!("../../analysis/corpus/local_tan_yen.txt"),
    include_str!("../../analysis/corpus/local_khoi_co_quan.txt"),
    include_str!("../../analysis/corpus/other_province_thai_nguyen.txt"),
];

fn d(y: i32, m: u8, day: u8) -> time::Date {
    time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap()
}

/// The syllables of the corpus, as written, as the generator's vocabulary.
fn vocabulary() -> Vec<&'static str> {
    let mut v: Vec<&str> = CORPUS
        .iter()
        .flat_map(|t| t.split_whitespace())
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().all(char::is_alphabetic) && !w.is_empty())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bullets of 12 to 30 syllables, about `syllables` in all.
fn bullets(vocab: &[&str], syllables: usize, rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    let mut n = 0;
    while n < syllables {
        let len = 12 + rng.below(18);
        let words: Vec<&str> = (0..len).map(|_| vocab[rng.below(vocab.len())]).collect();
        out.push(format!("- {}.", words.join(" ")));
        n += len;
    }
    out
}

/// A plan: three sections naming the unit and one of its children, and its tasks.
#[derive(Clone)]
struct Plan {
    sections: ProgramSections,
    tasks: Vec<String>,
}

fn plan(vocab: &[&str], unit: &Org, child: Option<&str>, a: &Args, rng: &mut Rng) -> Plan {
    let body = bullets(vocab, a.syllables * 3 / 4, rng);
    let (first, rest) = body.split_at(body.len() / 5);
    let tasks = (0..a.tasks)
        .map(|_| {
            let len = 10 + rng.below(15);
            let words: Vec<&str> = (0..len).map(|_| vocab[rng.below(vocab.len())]).collect();
            words.join(" ")
        })
        .collect();
    Plan {
        sections: ProgramSections {
            purpose: format!(
                "Ban Thường vụ {} ban hành kế hoạch thực hiện nghị quyết.\n\n{}",
                unit.name,
                first.join("\n")
            ),
            tasks_and_solutions: rest.join("\n"),
            organization: format!(
                "{} chủ trì, phối hợp với {} theo dõi, đôn đốc việc thực hiện.",
                unit.name,
                child.unwrap_or("các chi bộ trực thuộc")
            ),
        },
        tasks,
    }
}

/// The same plan with about `change` of its words replaced and `from` renamed `to`.
fn edited(p: &Plan, from: &str, to: &str, vocab: &[&str], change: f64, rng: &mut Rng) -> Plan {
    let mut edit = |s: &str| -> String {
        s.replace(from, to)
            .split(' ')
            .map(|w| {
                if (rng.next() % 10_000) as f64 / 10_000.0 < change {
                    vocab[rng.below(vocab.len())]
                } else {
                    w
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    Plan {
        sections: ProgramSections {
            purpose: edit(&p.sections.purpose),
            tasks_and_solutions: edit(&p.sections.tasks_and_solutions),
            organization: edit(&p.sections.organization),
        },
        tasks: p.tasks.iter().map(|t| edit(t)).collect(),
    }
}

/// A member who can answer for the unit's tasks: one of the first cell's members (as in
/// the dashboard scenario); a district's from its first grassroots unit's first cell.
async fn member_for(
    store: &dyn Store,
    p: &Principal,
    u: &Org,
) -> anyhow::Result<Option<domain::MemberId>> {
    if u.kind == OrgKind::Cell {
        return Ok(store.cell_members(p, u.id).await?.first().map(|m| m.id));
    }
    let mut units = vec![u.clone()];
    while let Some(o) = units.pop() {
        let children = store.org_children(p, o.id, false).await?;
        for c in children.iter().filter(|c| c.kind == OrgKind::Cell) {
            if let Some(m) = store.cell_members(p, c.id).await?.first() {
                return Ok(Some(m.id));
            }
        }
        if let Some(g) = children.into_iter().find(|c| c.kind == OrgKind::Grassroots) {
            units.push(g);
        }
    }
    Ok(None)
}

async fn issue(
    store: &dyn Store,
    p: &Principal,
    unit: &Org,
    doc: DocumentId,
    plan: &Plan,
) -> anyhow::Result<bool> {
    let Some(member) = member_for(store, p, unit).await? else {
        return Ok(false);
    };
    let draft = store
        .create_program_draft(
            p,
            NewProgram {
                org_id: unit.id,
                document_id: doc,
                kind: ProgramKind::Plan,
                title: "Kế hoạch thực hiện nghị quyết".into(),
            },
        )
        .await?;
    store
        .save_program_sections(p, draft.id, plan.sections.clone())
        .await?;
    let tasks = plan
        .tasks
        .iter()
        .enumerate()
        .map(|(i, content)| TaskDraft {
            content: content.clone(),
            lead_body: None,
            cooperating_bodies: vec![],
            responsible: Some(member),
            deadline: Some(d(2025, 6, 30) + time::Duration::days(30 * i as i64)),
            expected_output: Some("Báo cáo kết quả".into()),
            upper_target: None,
        })
        .collect();
    store.save_tasks(p, draft.id, tasks).await?;
    store.issue_program(p, draft.id, d(2025, 4, 10)).await?;
    Ok(true)
}

/// Builds the scenario on an empty database.
async fn setup(store: &dyn Store, a: &Args) -> anyhow::Result<()> {
    let p = Principal::system();
    let t = Instant::now();
    demo::load(
        store,
        &demo::Profile::bac_giang(),
        2025,
        &|_| String::from("x"),
        &|_, _| {},
    )
    .await?;
    println!("demo loaded in {:.1} s", t.elapsed().as_secs_f64());
    let root = store
        .org_roots(&p)
        .await?
        .into_iter()
        .find(|o| o.kind == OrgKind::Provincial)
        .context("no province")?;
    let doc = store
        .register_document(
            &p,
            NewDocument {
                issuer_org_id: root.id,
                doc_type: DocumentType::Resolution,
                number: DocumentNumber::parse("number", "09-NQ/TU")?,
                term: Term::parse("term", "2020-2025")?,
                issued_on: d(2025, 1, 15),
                title: TITLE.into(),
                body_md: CORPUS[0].into(),
                parent_document_id: None,
            },
        )
        .await?;
    store
        .create_cascade(
            &p,
            doc.id,
            CascadeScope {
                root: root.path.clone(),
                kinds: if a.cells {
                    vec![
                        OrgKind::DirectlyAffiliated,
                        OrgKind::Grassroots,
                        OrgKind::Cell,
                    ]
                } else {
                    vec![OrgKind::DirectlyAffiliated, OrgKind::Grassroots]
                },
                include_root: false,
            },
            CascadeDeadlines {
                study_by: d(2025, 3, 31),
                program_by: d(2025, 4, 30),
                report_every: ReportEvery::Quarterly,
                interim_review_by: None,
                reports_until: Some(d(2025, 12, 31)),
                grace_days: 5,
            },
        )
        .await?;
    let vocab = vocabulary();
    let t = Instant::now();
    let (mut issued, mut copies) = (0, 0);
    for district in store.org_children(&p, root.id, false).await? {
        let grassroots: Vec<Org> = store
            .org_children(&p, district.id, false)
            .await?
            .into_iter()
            .filter(|o| o.kind == OrgKind::Grassroots)
            .collect();
        if grassroots.is_empty() {
            continue;
        }
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (district.id.0 as u64).wrapping_mul(31));
        let upper = plan(&vocab, &district, Some(&grassroots[0].name), a, &mut rng);
        issued += usize::from(issue(store, &p, &district, doc.id, &upper).await?);
        let mut first: Option<(String, Plan)> = None;
        for (i, unit) in grassroots.iter().enumerate() {
            let cells = store.org_children(&p, unit.id, false).await?;
            let child = cells.first().map(|c| c.name.as_str());
            // Every 10th copies the district's plan, every 10th from the 7th a sibling's,
            // with 3 % of the words changed; the rest are their own.
            let own = match (i % 10, &first) {
                (3, _) => {
                    copies += 1;
                    edited(&upper, &district.name, &unit.name, &vocab, 0.03, &mut rng)
                }
                (7, Some((name, sib))) => {
                    copies += 1;
                    edited(sib, name, &unit.name, &vocab, 0.03, &mut rng)
                }
                _ => plan(&vocab, unit, child, a, &mut rng),
            };
            if issue(store, &p, unit, doc.id, &own).await? {
                issued += 1;
                if first.is_none() {
                    first = Some((unit.name.clone(), own.clone()));
                }
            }
            if !a.cells {
                continue;
            }
            // The cells answer their commune's plan: every 10th copies it.
            let half = Args {
                syllables: a.syllables / 2,
                tasks: a.tasks / 2 + 1,
                ..a.clone()
            };
            for (j, cell) in cells.iter().filter(|c| c.kind == OrgKind::Cell).enumerate() {
                let plan = if j % 10 == 4 {
                    copies += 1;
                    edited(&own, &unit.name, &cell.name, &vocab, 0.03, &mut rng)
                } else {
                    plan(&vocab, cell, None, &half, &mut rng)
                };
                issued += usize::from(issue(store, &p, cell, doc.id, &plan).await?);
            }
        }
    }
    println!(
        "{issued} programs issued ({copies} planted copies) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Every stored assessment but its time.
async fn stored(store: &dyn Store) -> anyhow::Result<BTreeMap<i64, Assessment>> {
    let p = Principal::system();
    let mut out = BTreeMap::new();
    for id in store.issued_programs(&p).await? {
        let mut a = store
            .assessment(&p, id)
            .await?
            .context("an issued program without assessment")?;
        a.assessed_at = time::OffsetDateTime::UNIX_EPOCH;
        out.insert(id.0, a);
    }
    Ok(out)
}

pub async fn run(a: Args) -> anyhow::Result<()> {
    let store = open(&a.url).await?;
    if !a.measure_only {
        setup(store.as_ref(), &a).await?;
    }
    let p = Principal::system();
    let groups = store.issued_program_groups(&p).await?;
    let programs: usize = groups.iter().map(|g| g.programs.len()).sum();
    let largest = groups.iter().map(|g| g.programs.len()).max().unwrap_or(0);
    println!(
        "{programs} issued programs in {} groups (largest {largest}); {} threads",
        groups.len(),
        services::quality::RESCAN_THREADS
    );
    let mut reference: Option<BTreeMap<i64, Assessment>> = None;
    for round in 1..=a.rounds {
        for grouped in [false, true] {
            if a.grouped_only && !grouped {
                continue;
            }
            let t = Instant::now();
            let r = if grouped {
                services::quality::rescan(store.as_ref(), &p).await?
            } else {
                services::quality::rescan_each(store.as_ref(), &p).await?
            };
            let el = t.elapsed().as_secs_f64();
            println!(
                "round {round} {:>7}: {} assessed, {} flagged in {el:.2} s = {:.0} programs/s{}",
                if grouped { "grouped" } else { "each" },
                r.assessed,
                r.flagged,
                r.assessed as f64 / el,
                if grouped {
                    format!(
                        " (read {:.2} s, analysis {:.2} s, save {:.2} s)",
                        r.read.as_secs_f64(),
                        r.analysis.as_secs_f64(),
                        r.save.as_secs_f64()
                    )
                } else {
                    String::new()
                }
            );
            let now = stored(store.as_ref()).await?;
            match &reference {
                None => reference = Some(now),
                Some(before) => {
                    let differ = before
                        .iter()
                        .filter(|(id, a)| now.get(id) != Some(a))
                        .count();
                    anyhow::ensure!(
                        differ == 0 && now.len() == before.len(),
                        "{differ} assessments differ"
                    );
                }
            }
        }
    }
    println!("both paths stored the same assessments");
    Ok(())
}
