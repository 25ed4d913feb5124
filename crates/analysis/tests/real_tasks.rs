//! The "5 rõ" checks on real tasks: task lines quoted from public plans and instructions
//! (corpus/real/tasks.json, each with its source's URL), labelled by reading for every
//! finding code. Each task is in one of four splits: `tune` (the first rules were designed
//! on it), `heldout` (labelled before the checks were run on it and measured once in the
//! first round; the second round's rules were designed on tune and heldout together) and
//! `test2` (a new batch labelled before any check was run on it, measured once after the
//! second round; the third round's rules were designed on it too) and `test3` (a fourth
//! batch labelled before any check was run on it, measured before the third round and once
//! after it). Prints precision and recall per code on each split and on all, and every
//! disagreement, and asserts the floors measured (see docs/ANALYSIS.md).
//!
//! `cargo test -p analysis --test real_tasks -- --nocapture` prints the table.

use std::collections::BTreeMap;

use analysis::{FindingCode, Gazetteer, TaskInput, check_tasks};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/corpus/real/tasks.json");

/// The splits of the set and how each was used.
const SPLITS: [(&str, &str); 4] = [
    ("tune", "tune (rules designed on it in both rounds)"),
    (
        "heldout",
        "held-out (measured once in round one; rules designed on it in round two)",
    ),
    (
        "test2",
        "test2 (labelled before any check ran; measured once after round two)",
    ),
    (
        "test3",
        "test3 (labelled before any check ran; measured before and once after round three)",
    ),
];

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
    /// `tune`, `heldout` or `test2` (see the module's documentation).
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
                SPLITS.iter().any(|(s, _)| *s == split),
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
/// `thôn Bình Lộc 2`, `Đảng bộ xã Vĩnh Trạch`). `văn bản Ủy ban …` is a document, not a
/// village (`bản`).
fn names_commune_or_cell(s: &str) -> bool {
    let words: Vec<&str> = s.split_whitespace().collect();
    words.windows(3).any(|w| {
        matches!(
            w[1].to_lowercase().as_str(),
            "xã" | "thôn" | "bản" | "ấp" | "phường" | "thị" | "trấn"
        ) && !(w[1] == "bản" && w[0].to_lowercase() == "văn")
            && w[2].chars().next().is_some_and(char::is_uppercase)
    }) || words.first().zip(words.get(1)).is_some_and(|(a, b)| {
        matches!(
            a.to_lowercase().as_str(),
            "xã" | "thôn" | "bản" | "ấp" | "phường" | "thị" | "trấn"
        ) && b.chars().next().is_some_and(char::is_uppercase)
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

/// A code with its floors of precision and recall.
type Floor = (FindingCode, f64, f64);

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
    let size = |split: &str| all.iter().filter(|l| l.split == split).count();
    assert!(all.len() >= 360, "only {} real tasks", all.len());
    assert!(
        size("heldout") >= 60,
        "only {} held-out tasks",
        size("heldout")
    );
    assert!(size("test2") >= 80, "only {} test2 tasks", size("test2"));
    assert!(size("test3") >= 80, "only {} test3 tasks", size("test3"));
    let gaz = Gazetteer::new();
    let inputs: Vec<TaskInput> = all.iter().map(|l| l.task.clone()).collect();
    let reports = check_tasks(&inputs, &gaz);
    let per_split: Vec<_> = SPLITS
        .iter()
        .map(|(split, title)| {
            let counts = count(&all, &reports, |l| l.split == *split);
            print_table(title, size(split), &counts);
            (*split, counts)
        })
        .collect();
    let every = count(&all, &reports, |_| true);
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

    // Floors: the figures measured after the third round (docs/ANALYSIS.md). The third
    // round's vague_wording words were designed on tune, heldout and test2 (test2's row is
    // fitted) and measured on test3 once; test3's floors are that measurement. vague_wording
    // is a major finding: its precision must stay at least 0.9.
    use FindingCode::*;
    let floors: [(&str, [Floor; 7]); 5] = [
        (
            "tune",
            [
                (NoResponsible, 1.0, 1.0),
                (VagueResponsible, 1.0, 1.0),
                (NoDeadline, 0.962, 0.945),
                (VagueDeadline, 1.0, 0.75),
                (NoMeasurableOutput, 0.8, 0.923),
                (VagueWording, 1.0, 0.6),
                (NoLocalReference, 1.0, 0.973),
            ],
        ),
        (
            "heldout",
            [
                (NoResponsible, 1.0, 1.0),
                (VagueResponsible, 1.0, 1.0),
                (NoDeadline, 0.872, 0.976),
                (VagueDeadline, 0.75, 1.0),
                (NoMeasurableOutput, 0.929, 1.0),
                (VagueWording, 1.0, 0.428),
                (NoLocalReference, 0.948, 0.973),
            ],
        ),
        (
            "test2",
            [
                (NoResponsible, 1.0, 1.0),
                (VagueResponsible, 1.0, 1.0),
                (NoDeadline, 0.769, 0.909),
                (VagueDeadline, 0.5, 0.666),
                (NoMeasurableOutput, 0.759, 0.82),
                (VagueWording, 1.0, 0.354),
                (NoLocalReference, 0.942, 0.984),
            ],
        ),
        (
            "test3",
            [
                (NoResponsible, 1.0, 1.0),
                (VagueResponsible, 1.0, 1.0),
                (NoDeadline, 1.0, 1.0),
                (VagueDeadline, 1.0, 0.0),
                (NoMeasurableOutput, 0.869, 0.952),
                (VagueWording, 0.916, 0.305),
                (NoLocalReference, 1.0, 0.764),
            ],
        ),
        (
            "all",
            [
                (NoResponsible, 1.0, 1.0),
                (VagueResponsible, 1.0, 1.0),
                (NoDeadline, 0.903, 0.953),
                (VagueDeadline, 0.733, 0.578),
                (NoMeasurableOutput, 0.841, 0.923),
                (VagueWording, 0.978, 0.393),
                (NoLocalReference, 0.965, 0.96),
            ],
        ),
    ];
    for (split, codes) in floors {
        let counts = per_split
            .iter()
            .find(|(s, _)| *s == split)
            .map_or(&every, |(_, c)| c);
        for (code, p, r) in codes {
            floor(counts, split, code, p, r);
        }
    }
    let vague = every[VagueWording.as_str()];
    assert!(
        vague.precision() >= 0.9,
        "vague_wording precision {:.3} below 0.9",
        vague.precision()
    );

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
