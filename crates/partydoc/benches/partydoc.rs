//! Writing a 20-page review as .docx (target: ≤ 200 ms, docs/BENCHMARKS.md).

use criterion::{Criterion, criterion_group, criterion_main};
use partydoc::to_docx;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    // About twenty A4 pages once laid out (checked in tests/libreoffice.rs).
    let doc = partydoc::sample::review(70);
    c.bench_function("docx_20_page_review", |b| {
        b.iter(|| to_docx(black_box(&doc)).expect("docx"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
