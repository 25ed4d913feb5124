//! Writes the sample review to a file: `cargo run -p partydoc --example sample -- out.docx 3`.
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "review.docx".into());
    let sections = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let bytes = partydoc::to_docx(&partydoc::sample::review(sections)).expect("docx");
    std::fs::write(&path, bytes).expect("write");
    println!("{path}");
}
