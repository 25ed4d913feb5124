//! The "5 rõ" checks on real tasks: task lines quoted from public plans and instructions
//! (corpus/real/tasks.json, each with its source's URL), labelled by reading for every
//! finding code. Each task is in the `tune` half (the rules were designed on it) or the
//! `heldout` half (labelled before the checks were run on it, kept out of rule design).
//! Prints precision and recall per code on each half and on all, and every disagreement, and
//! asserts the floors measured on the held-out half and on all (see docs/ANALYSIS.md).
//!
//! `cargo test -p analysis --test real_tasks -- --nocapture` prints the table.

use std::collections::BTreeMap;

use analysis::{FindingCode, Gazetteer, TaskInput, check_tasks};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/real/tasks.json");

const CODES: [FindingCode; 7] = [
    FindingCode::NoResponsible,
    FindingCode::VagueResponsible,
    FindingCode::NoDeadline,
    FindingCode::VagueDeadline,
    FindingCode::NoMeasurableOutput,
    FindingCode::VagueWording,
    FindingCode::NoLocalReference,
];

struct Labelled {
    id: u64,
    source: String,
    /// `tune` (the rules were designed on it) or `heldout` (kept out of rule design).
    split: String,
    task: TaskInput,
    labels: BTreeMap<String, bool>,
}

fn load() -> Vec<Labelled> {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FILE).expect("tasks.json")).expect("json");
    let sources = v["sources"].as_object().expect("sources");
    v["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| {
            let source = t["source"].as_str().expect("source").to_string();
            assert!(sources.contains_key(&source), "unknown source {source}");
            let labels: BTreeMap<String, bool> =
                serde_json::from_value(t["labels"].clone()).expect("labels");
            for c in CODES {
                assert!(
                    labels.contains_key(c.as_str()),
                    "task {} has no label for {}",
                    t["id"],
                    c.as_str()
                );
            }
            let split = t["split"].as_str().expect("split").to_string();
            assert!(
                split == "tune" || split == "heldout",
                "task {}: split {split}",
                t["id"]
            );
            Labelled {
                id: t["id"].as_u64().expect("id"),
                source,
                split,
                task: serde_json::from_value(t["task"].clone()).expect("task"),
                labels,
            }
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
    tn: usize,
}

impl Counts {
    fn precision(self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fp) as f64
        }
    }
    fn recall(self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            self.tp as f64 / (self.tp + self.fn_) as f64
        }
    }
}

/// Whether a text names a commune, a village or a party cell by its name (`xã Trường Xuân`,
/// `thôn Bình Lộc 2`, `Đảng bộ xã Vĩnh Trạch`).
fn names_commune_or_cell(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    words.windows(2).any(|w| {
        matches!(
            w[0].to_lowercase().as_str(),
            "xã" | "thôn" | "bản" | "ấp" | "phường" | "thị" | "trấn"
        ) && w[1].chars().next().is_some_and(char::is_uppercase)
    })
}

/// Counts per code over the tasks `keep` selects.
fn count(
    all: &[Labelled],
    reports: &[analysis::TaskReport],
    keep: impl Fn(&Labelled) -> bool,
) -> BTreeMap<&'static str, Counts> {
    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    for (l, r) in all.iter().zip(reports).filter(|(l, _)| keep(l)) {
        for c in CODES {
            let flagged = r.findings.iter().any(|f| f.code == c);
            let e = counts.entry(c.as_str()).or_default();
            match (l.labels[c.as_str()], flagged) {
                (true, true) => e.tp += 1,
                (false, true) => e.fp += 1,
                (true, false) => e.fn_ += 1,
                (false, false) => e.tn += 1,
            }
        }
    }
    counts
}

fn print_table(title: &str, n: usize, counts: &BTreeMap<&str, Counts>) {
    println!("\n{title}: {n} real tasks");
    println!("| code | applies | TP | FP | FN | TN | precision | recall |");
    println!("|---|---|---|---|---|---|---|---|");
    for c in CODES {
        let k = counts[c.as_str()];
        println!(
            "| `{}` | {} | {} | {} | {} | {} | {:.3} | {:.3} |",
            c.as_str(),
            k.tp + k.fn_,
            k.tp,
            k.fp,
            k.fn_,
            k.tn,
            k.precision(),
            k.recall()
        );
    }
}

/// Asserts a floor of precision and recall for one code.
fn floor(counts: &BTreeMap<&str, Counts>, half: &str, code: FindingCode, p: f64, r: f64) {
    let k = counts[code.as_str()];
    assert!(
        k.precision() >= p,
        "{half} {}: precision {:.3} below {p}",
        code.as_str(),
        k.precision()
    );
    assert!(
        k.recall() >= r,
        "{half} {}: recall {:.3} below {r}",
        code.as_str(),
        k.recall()
    );
}

#[test]
fn five_checks_on_real_tasks() {
    let all = load();
    let heldout = all.iter().filter(|l| l.split == "heldout").count();
    assert!(all.len() >= 160, "only {} real tasks", all.len());
    assert!(heldout >= 60, "only {heldout} held-out tasks");
    let gaz = Gazetteer::new();
    let inputs: Vec<TaskInput> = all.iter().map(|l| l.task.clone()).collect();
    let reports = check_tasks(&inputs, &gaz);
    let tune = count(&all, &reports, |l| l.split == "tune");
    let held = count(&all, &reports, |l| l.split == "heldout");
    let every = count(&all, &reports, |_| true);
    print_table("tune (rules designed on it)", all.len() - heldout, &tune);
    print_table("held-out (kept out of rule design)", heldout, &held);
    print_table("all", all.len(), &every);
    println!("\ndisagreements:");
    for (l, r) in all.iter().zip(&reports) {
        for c in CODES {
            let flagged = r.findings.iter().any(|f| f.code == c);
            let truth = l.labels[c.as_str()];
            if flagged != truth {
                println!(
                    "  {} {} task {} ({}, {}): {}",
                    if flagged { "FP" } else { "FN" },
                    c.as_str(),
                    l.id,
                    l.split,
                    l.source,
                    l.task.content
                );
            }
        }
    }

    // Floors measured on the held-out half and on all tasks (docs/ANALYSIS.md).
    // vague_wording is a major finding: it must raise no false alarm (precision 1 on both),
    // and finds a fifth of the held-out vague tasks (7 of 35; 3 before issue 15 item 4).
    let floors = [
        (
            "held-out",
            &held,
            [
                (FindingCode::NoResponsible, 1.0, 1.0),
                (FindingCode::VagueResponsible, 1.0, 1.0),
                (FindingCode::NoDeadline, 0.87, 0.97),
                (FindingCode::VagueDeadline, 0.75, 1.0),
                (FindingCode::NoMeasurableOutput, 0.79, 0.88),
                (FindingCode::VagueWording, 1.0, 0.2),
                (FindingCode::NoLocalReference, 0.94, 0.97),
            ],
        ),
        (
            "all",
            &every,
            [
                (FindingCode::NoResponsible, 1.0, 1.0),
                (FindingCode::VagueResponsible, 1.0, 1.0),
                (FindingCode::NoDeadline, 0.92, 0.95),
                (FindingCode::VagueDeadline, 0.81, 0.9),
                (FindingCode::NoMeasurableOutput, 0.79, 0.9),
                (FindingCode::VagueWording, 1.0, 0.3),
                (FindingCode::NoLocalReference, 0.97, 0.97),
            ],
        ),
    ];
    for (half, counts, codes) in floors {
        for (code, p, r) in codes {
            floor(counts, half, code, p, r);
        }
    }

    // No task that names its commune, village or cell is said not to be tied to the locality.
    for (l, r) in all.iter().zip(&reports) {
        let names = names_commune_or_cell(&l.task.content)
            || l.task
                .lead_body
                .as_deref()
                .is_some_and(names_commune_or_cell);
        if names {
            assert!(
                !r.findings
                    .iter()
                    .any(|f| f.code == FindingCode::NoLocalReference),
                "task {} names its commune or cell but is flagged: {}",
                l.id,
                l.task.content
            );
        }
    }
}
