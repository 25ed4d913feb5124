//! Benchmarks of the analysis crate (see docs/ANALYSIS.md, "Benchmarks").
//!
//! (a) One program of about 5,000 syllables against its upper program and 200 siblings of
//!     the same size: from raw texts, and with the upper program and siblings prepared once
//!     (as a server keeps them).
//! (b) A scaled-down nation-wide re-scan: 30,000 generated programs of about 800 syllables,
//!     20 siblings per parent, with planted near-duplicates; fingerprints and MinHash on two
//!     threads, then LSH grouping. The full scan runs once and prints its wall time and peak
//!     memory; criterion measures its two stages.

use std::hint::black_box;
use std::time::Instant;

use analysis::lsh::{MinHash, ScanItem, near_duplicate_groups};
use analysis::{Gazetteer, Prepared, Thresholds, check_plan, check_plan_prepared};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const CORPUS: &[&str] = &[
    include_str!("../corpus/upper_province.txt"),
    include_str!("../corpus/local_luc_nam.txt"),
    include_str!("../corpus/local_yen_the.txt"),
    include_str!("../corpus/local_tan_yen.txt"),
    include_str!("../corpus/local_khoi_co_quan.txt"),
    include_str!("../corpus/other_province_thai_nguyen.txt"),
];

/// The syllables of the corpus, as written (case kept), as the generator's vocabulary.
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

/// A program of about `syllables` syllables: bullets of 12 to 30 syllables.
fn program(vocab: &[&str], syllables: usize, rng: &mut StdRng) -> Vec<String> {
    let mut paras = Vec::new();
    let mut n = 0;
    while n < syllables {
        let len = rng.random_range(12..30);
        let words: Vec<&str> = (0..len)
            .map(|_| vocab[rng.random_range(0..vocab.len())])
            .collect();
        paras.push(format!("- {}.", words.join(" ")));
        n += len;
    }
    paras
}

/// A copy with about `change` of its words replaced.
fn edited(paras: &[String], vocab: &[&str], change: f64, rng: &mut StdRng) -> Vec<String> {
    paras
        .iter()
        .map(|p| {
            p.split(' ')
                .map(|w| {
                    if rng.random_bool(change) {
                        vocab[rng.random_range(0..vocab.len())]
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn bench_one_program(c: &mut Criterion) {
    let vocab = vocabulary();
    let mut rng = StdRng::seed_from_u64(1);
    let gaz = Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam"]);
    let upper_paras = program(&vocab, 5_000, &mut rng);
    // The lower program: every third paragraph of the upper one, the rest its own.
    let own = program(&vocab, 5_000, &mut rng);
    let lower_paras: Vec<String> = own
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i % 3 == 0 && i < upper_paras.len() {
                upper_paras[i].clone()
            } else {
                p.clone()
            }
        })
        .collect();
    let upper = upper_paras.join("\n");
    let lower = lower_paras.join("\n");
    let mut siblings: Vec<(String, String)> = (0..200)
        .map(|i| {
            (
                format!("sibling {i}"),
                program(&vocab, 5_000, &mut rng).join("\n"),
            )
        })
        .collect();
    // One sibling is a near-copy of the lower program, so that one is aligned.
    siblings[0].1 = edited(&lower_paras, &vocab, 0.05, &mut rng).join("\n");
    let sib_refs: Vec<(&str, &str)> = siblings
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_str()))
        .collect();
    let syllables = analysis::normalize::tokenize(&lower).len();
    eprintln!("(a) lower program: {syllables} syllables; 200 siblings");

    let mut g = c.benchmark_group("a_one_program");
    g.sample_size(10);
    g.bench_function("check_plan_from_texts_5k_vs_upper_and_200_siblings", |b| {
        b.iter(|| black_box(check_plan(&upper, &lower, &sib_refs, &gaz)))
    });
    let up = Prepared::new(&upper, &gaz);
    let sibs: Vec<(&str, Prepared<'_>)> = sib_refs
        .iter()
        .map(|(n, t)| (*n, Prepared::new(t, &gaz)))
        .collect();
    let sib_prepared: Vec<(&str, &Prepared<'_>)> = sibs.iter().map(|(n, p)| (*n, p)).collect();
    let th = Thresholds::default();
    g.bench_function("check_plan_prepared_5k_vs_upper_and_200_siblings", |b| {
        b.iter(|| {
            let low = Prepared::new(&lower, &gaz);
            black_box(check_plan_prepared(&up, &low, &sib_prepared, &th))
        })
    });
    g.finish();
}

/// A chunk of generated programs with the parent ("scope") of each.
struct Nation {
    texts: Vec<String>,
    scopes: Vec<u64>,
}

/// Programs of the full scan: 30,000 by default; `RESOLUTE_SCAN_PROGRAMS=300000` for the
/// nation-wide figure of the issue (it streams, so memory stays flat).
fn programs() -> usize {
    std::env::var("RESOLUTE_SCAN_PROGRAMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30_000)
}
const SIBLINGS_PER_PARENT: usize = 20;
/// Programs generated and fingerprinted at once: texts are dropped after each chunk, as a
/// re-scan reading programs from the store page by page would.
const CHUNK: usize = 10_000;

/// Generates `total` programs deterministically, `CHUNK` at a time, and hands each chunk
/// to `f`; returns how many near-duplicates were planted.
fn nation(vocab: &[&str], total: usize, mut f: impl FnMut(Nation)) -> usize {
    let mut rng = StdRng::seed_from_u64(7);
    let mut planted = 0;
    let mut first: Vec<String> = Vec::new();
    let mut chunk = Nation {
        texts: Vec::with_capacity(CHUNK),
        scopes: Vec::with_capacity(CHUNK),
    };
    for i in 0..total {
        let scope = (i / SIBLINGS_PER_PARENT) as u64;
        let k = i % SIBLINGS_PER_PARENT;
        let size = rng.random_range(400..1_200);
        let paras = if (1..=3).contains(&k) {
            // Three siblings in every parent copy the first one with 3% of words changed.
            planted += 1;
            edited(&first, vocab, 0.03, &mut rng)
        } else {
            program(vocab, size, &mut rng)
        };
        if k == 0 {
            first = paras.clone();
        }
        chunk.texts.push(paras.join("\n"));
        chunk.scopes.push(scope);
        if chunk.texts.len() == CHUNK {
            f(std::mem::replace(
                &mut chunk,
                Nation {
                    texts: Vec::with_capacity(CHUNK),
                    scopes: Vec::with_capacity(CHUNK),
                },
            ));
        }
    }
    if !chunk.texts.is_empty() {
        f(chunk);
    }
    planted
}

/// Fingerprints and MinHash of every text on `threads` threads. The threads take the next
/// 64 programs from a shared counter until none are left, so a thread that the machine
/// slows down (other builds) does not leave the other idle at the end of the chunk.
/// Returns the signatures in order and the CPU time the threads used.
fn signatures(
    texts: &[String],
    gaz: &Gazetteer,
    threads: usize,
) -> (Vec<MinHash>, std::time::Duration) {
    const BATCH: usize = 64;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<MinHash>> = vec![None; texts.len()];
    let mut cpu = std::time::Duration::ZERO;
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let next = &next;
                s.spawn(move || {
                    let cpu0 = thread_cpu();
                    let mut done = Vec::new();
                    loop {
                        let from = next.fetch_add(BATCH, std::sync::atomic::Ordering::Relaxed);
                        if from >= texts.len() {
                            break;
                        }
                        for (i, t) in texts.iter().enumerate().skip(from).take(BATCH) {
                            done.push((i, MinHash::of(&Prepared::new(t, gaz).fingerprints)));
                        }
                    }
                    (done, thread_cpu().saturating_sub(cpu0))
                })
            })
            .collect();
        for h in handles {
            let (done, c) = h.join().expect("signature thread");
            cpu += c;
            for (i, sig) in done {
                out[i] = Some(sig);
            }
        }
    });
    let sigs = out
        .into_iter()
        .map(|s| s.expect("every text is signed"))
        .collect();
    (sigs, cpu)
}

/// CPU time of the calling thread (Linux; zero elsewhere).
fn thread_cpu() -> std::time::Duration {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .map_or(std::time::Duration::ZERO, std::time::Duration::from_nanos)
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn bench_nation(c: &mut Criterion) {
    let vocab = vocabulary();
    let gaz = Gazetteer::from_names(["tỉnh Bắc Giang", "huyện Lục Nam"]);
    let total = programs();
    // The full scan, once: generate a chunk, fingerprint + MinHash it on 2 threads, keep
    // only the signatures; then LSH grouping over all of them.
    let (mut t_gen, mut t_sig) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    let mut t_cpu = std::time::Duration::ZERO;
    let mut syllables = 0usize;
    let mut sigs: Vec<MinHash> = Vec::with_capacity(total);
    let mut scopes: Vec<u64> = Vec::with_capacity(total);
    let mut batch: Vec<String> = Vec::new();
    let mut t = Instant::now();
    let planted = nation(&vocab, total, |chunk| {
        t_gen += t.elapsed();
        syllables += chunk
            .texts
            .iter()
            .map(|t| t.split_whitespace().count())
            .sum::<usize>();
        let t1 = Instant::now();
        let (chunk_sigs, cpu) = signatures(&chunk.texts, &gaz, 2);
        sigs.extend(chunk_sigs);
        t_sig += t1.elapsed();
        t_cpu += cpu;
        scopes.extend(&chunk.scopes);
        if batch.is_empty() {
            batch = chunk.texts[..1_000.min(chunk.texts.len())].to_vec();
        }
        t = Instant::now();
    });
    eprintln!(
        "(b) generated {} programs, {} syllables ({:.0} per program) in {:.2?} (not counted)",
        sigs.len(),
        syllables,
        syllables as f64 / sigs.len().max(1) as f64,
        t_gen
    );
    let items: Vec<ScanItem<'_>> = sigs
        .iter()
        .zip(&scopes)
        .map(|(s, &scope)| ScanItem {
            scope,
            signature: s,
        })
        .collect();
    let t2 = Instant::now();
    let (groups, stats) = near_duplicate_groups(&items, 0.5);
    let t_lsh = t2.elapsed();
    let found: usize = groups.iter().map(|g| g.members.len() - 1).sum();
    // A digest of every signature: equal digests mean the scan computed the same thing
    // (used to check that a faster implementation gives exactly the same results).
    let digest = sigs
        .iter()
        .flat_map(|s| s.0)
        .fold(0xcbf2_9ce4_8422_2325u64, |h, v| {
            (h ^ u64::from(v)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    eprintln!("(b) signature digest {digest:016x}");
    eprintln!(
        "(b) full scan of {} programs on 2 threads: fingerprints + MinHash {:.2?} (CPU time of the 2 threads {:.2?}), LSH grouping {:.2?}, total {:.2?}; {} groups, {} of {} planted copies joined a group, {} candidate pairs; peak RSS {:.0} MiB",
        sigs.len(),
        t_sig,
        t_cpu,
        t_lsh,
        t_sig + t_lsh,
        groups.len(),
        found,
        planted,
        stats.candidates,
        peak_rss_mib().unwrap_or(f64::NAN)
    );

    let mut g = c.benchmark_group("b_nation_scan");
    g.sample_size(10);
    g.bench_function("fingerprint_and_minhash_1000_programs_1_thread", |b| {
        b.iter(|| black_box(signatures(&batch, &gaz, 1).0))
    });
    g.bench_function("lsh_group_all_signatures", |b| {
        b.iter(|| black_box(near_duplicate_groups(&items, 0.5)))
    });
    g.finish();
}

criterion_group!(benches, bench_one_program, bench_nation);
criterion_main!(benches);
