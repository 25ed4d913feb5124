//! Runs every case of `corpus/expected.json`, asserts the verdicts and reports the precision
//! and recall of `copied` (run with `--nocapture` to see the table).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use analysis::{Gazetteer, Verdict, check_plan};
use serde::Deserialize;

#[derive(Deserialize)]
struct Manifest {
    gazetteer: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    upper: String,
    lower: String,
    verdict: Verdict,
    #[serde(default)]
    siblings: BTreeMap<String, Verdict>,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn corpus_verdicts_precision_and_recall() {
    let manifest: Manifest = serde_json::from_str(&read("expected.json")).unwrap();
    let gaz = Gazetteer::from_names(read(&manifest.gazetteer).lines());
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut tally = |expected: Verdict, got: Verdict| match (expected, got) {
        (Verdict::Copied, Verdict::Copied) => tp += 1,
        (_, Verdict::Copied) => fp += 1,
        (Verdict::Copied, _) => fn_ += 1,
        _ => tn += 1,
    };
    println!(
        "{:<26} {:>9} {:>9} {:>6}",
        "case", "expected", "got", "frac"
    );
    for case in &manifest.cases {
        let upper = read(&case.upper);
        let lower = read(&case.lower);
        let sib_texts: Vec<(String, String)> =
            case.siblings.keys().map(|n| (n.clone(), read(n))).collect();
        let sibs: Vec<(&str, &str)> = sib_texts
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect();
        let r = check_plan(&upper, &lower, &sibs, &gaz);
        println!(
            "{:<26} {:>9} {:>9} {:>6.3}",
            case.name,
            case.verdict.as_str(),
            r.verdict.as_str(),
            r.copied_fraction
        );
        tally(case.verdict, r.verdict);
        if r.verdict != case.verdict {
            failures.push(format!(
                "{}: expected {}, got {} ({})",
                case.name,
                case.verdict.as_str(),
                r.verdict.as_str(),
                r.reason_en
            ));
        }
        for s in &r.siblings {
            let expected = case.siblings[&s.name];
            println!(
                "  sibling {:<17} {:>9} {:>9} {:>6.3} (estimate {:.3})",
                s.name,
                expected.as_str(),
                s.verdict.as_str(),
                s.copied_fraction,
                s.containment
            );
            tally(expected, s.verdict);
            if s.verdict != expected {
                failures.push(format!(
                    "{} / sibling {}: expected {}, got {}",
                    case.name,
                    s.name,
                    expected.as_str(),
                    s.verdict.as_str()
                ));
            }
        }
        // Passages point at the original texts.
        for p in &r.passages {
            assert_eq!(&lower[p.lower.0..p.lower.1], p.lower_text);
            assert_eq!(&upper[p.upper.0..p.upper.1], p.upper_text);
        }
    }
    let precision = if tp + fp == 0 {
        1.0
    } else {
        tp as f64 / (tp + fp) as f64
    };
    let recall = if tp + fn_ == 0 {
        1.0
    } else {
        tp as f64 / (tp + fn_) as f64
    };
    println!(
        "copied: TP {tp}, FP {fp}, FN {fn_}, TN {tn}; precision {precision:.3}, recall {recall:.3}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(precision, 1.0);
    assert_eq!(recall, 1.0);
}
