//! Exports are checked by opening them: LibreOffice (headless) converts a .docx or .xlsx to
//! PDF or CSV, and `pdftotext` (poppler) reads the PDF's text back. `scripts/test` installs
//! both. Without them a test prints a note and passes, unless `CI` is set, where it fails.

use std::path::Path;
use std::process::Command;

/// LibreOffice's binary, or `None` outside CI when it is missing (under CI: a panic that
/// names what to install).
pub fn soffice(what: &str) -> Option<&'static str> {
    let found = ["soffice", "libreoffice"].into_iter().find(|b| {
        Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            !crate::in_ci(),
            "{what}: LibreOffice (soffice) is needed to check exports; scripts/test installs it"
        );
        eprintln!("{what}: skipped, no soffice on the PATH (scripts/test installs it)");
    }
    found
}

/// Converts `file` in `dir` with LibreOffice using the filter `to` (e.g. `pdf`,
/// `csv:"Text - txt - csv (StarCalc)":44,34,76`), returning the new file's bytes.
pub fn convert(bin: &str, dir: &Path, file: &str, to: &str, ext: &str) -> Vec<u8> {
    let profile = dir.join("profile");
    let out = Command::new(bin)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--norestore", "--convert-to", to, "--outdir"])
        .arg(dir)
        .arg(dir.join(file))
        .output()
        .expect("run LibreOffice");
    assert!(
        out.status.success(),
        "LibreOffice failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    std::fs::read(dir.join(format!("{stem}.{ext}"))).unwrap_or_else(|e| {
        panic!(
            "LibreOffice wrote no {stem}.{ext} ({e}); stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The text of a PDF, read by `pdftotext -layout` (poppler-utils).
pub fn pdf_text(dir: &Path, pdf: &[u8]) -> String {
    let path = dir.join("read.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let out = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed to read PDFs; scripts/test installs it");
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).expect("pdftotext writes UTF-8")
}

/// Converts a .docx to PDF with LibreOffice and returns the PDF's text and page count, or
/// `None` when LibreOffice is missing outside CI.
pub fn docx_as_pdf_text(what: &str, docx: &[u8]) -> Option<(String, usize)> {
    let bin = soffice(what)?;
    let dir = tempfile::tempdir().expect("a scratch folder");
    std::fs::write(dir.path().join("doc.docx"), docx).expect("write the .docx");
    let pdf = convert(bin, dir.path(), "doc.docx", "pdf", "pdf");
    assert!(pdf.starts_with(b"%PDF"), "LibreOffice did not write a PDF");
    let text = pdf_text(dir.path(), &pdf);
    let pages = text.matches('\u{c}').count().max(1);
    Some((text, pages))
}
