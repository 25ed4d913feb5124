//! Evidence files: which types are allowed, decided from the content (the magic bytes),
//! not from the name; the size limit; and the content-addressed key.
//!
//! Allowed: PDF, PNG, JPEG, GIF, WebP, Office Open XML (docx, xlsx, pptx), OpenDocument
//! (odt, ods, odp) and legacy Office (doc, xls, ppt). Everything else is refused,
//! including SVG and HTML (they can carry scripts), archives and executables.
//!
//! Zip-based documents are recognized from the names of the zip's entries, read from the
//! local file headers in the first [`SNIFF_LEN`] bytes: `word/`, `xl/` or `ppt/` parts (with
//! `[Content_Types].xml` or `_rels/.rels` present) for OOXML, the `mimetype` entry for
//! OpenDocument. When the head holds the OOXML markers but no part that tells which
//! application, the name's extension decides among docx/xlsx/pptx. Legacy Office files
//! share one container (OLE, `D0 CF 11 E0 A1 B1 1A E1`) whose application is only known
//! from its directory; the extension decides among doc/xls/ppt, and any other OLE file is
//! refused.
//!
//! The key of a file is the SHA-256 of its bytes ([`ContentKey::of`]); where the bytes are
//! kept is the blob store's business (`services::blobs`).
//!
//! Codes: `evidence_empty`, `evidence_too_large`, `evidence_type_refused`.

use crate::validate::Invalid;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest evidence file: 20 MiB.
pub const MAX_EVIDENCE_BYTES: u64 = 20 * 1024 * 1024;

/// How many leading bytes [`sniff`] looks at; pass at least this many when the file is
/// longer.
pub const SNIFF_LEN: usize = 64 * 1024;

/// The allowed types of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceType {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Webp,
    Docx,
    Xlsx,
    Pptx,
    Odt,
    Ods,
    Odp,
    Doc,
    Xls,
    Ppt,
}

impl EvidenceType {
    pub const ALL: [EvidenceType; 14] = [
        EvidenceType::Pdf,
        EvidenceType::Png,
        EvidenceType::Jpeg,
        EvidenceType::Gif,
        EvidenceType::Webp,
        EvidenceType::Docx,
        EvidenceType::Xlsx,
        EvidenceType::Pptx,
        EvidenceType::Odt,
        EvidenceType::Ods,
        EvidenceType::Odp,
        EvidenceType::Doc,
        EvidenceType::Xls,
        EvidenceType::Ppt,
    ];

    /// The stored name, which is also the usual extension.
    pub fn as_str(self) -> &'static str {
        self.extension()
    }

    pub fn parse(s: &str) -> Option<EvidenceType> {
        EvidenceType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn extension(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "pdf",
            EvidenceType::Png => "png",
            EvidenceType::Jpeg => "jpg",
            EvidenceType::Gif => "gif",
            EvidenceType::Webp => "webp",
            EvidenceType::Docx => "docx",
            EvidenceType::Xlsx => "xlsx",
            EvidenceType::Pptx => "pptx",
            EvidenceType::Odt => "odt",
            EvidenceType::Ods => "ods",
            EvidenceType::Odp => "odp",
            EvidenceType::Doc => "doc",
            EvidenceType::Xls => "xls",
            EvidenceType::Ppt => "ppt",
        }
    }

    /// The `Content-Type` to serve it with (always with `X-Content-Type-Options: nosniff`).
    pub fn mime(self) -> &'static str {
        match self {
            EvidenceType::Pdf => "application/pdf",
            EvidenceType::Png => "image/png",
            EvidenceType::Jpeg => "image/jpeg",
            EvidenceType::Gif => "image/gif",
            EvidenceType::Webp => "image/webp",
            EvidenceType::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            EvidenceType::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            EvidenceType::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            EvidenceType::Odt => "application/vnd.oasis.opendocument.text",
            EvidenceType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            EvidenceType::Odp => "application/vnd.oasis.opendocument.presentation",
            EvidenceType::Doc => "application/msword",
            EvidenceType::Xls => "application/vnd.ms-excel",
            EvidenceType::Ppt => "application/vnd.ms-powerpoint",
        }
    }

    /// Images may be shown inline; everything else is served as an attachment.
    pub fn is_image(self) -> bool {
        matches!(
            self,
            EvidenceType::Png | EvidenceType::Jpeg | EvidenceType::Gif | EvidenceType::Webp
        )
    }
}

impl fmt::Display for EvidenceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The lowercase extension of a file name, if any.
fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.')
        .map(|(_, e)| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
}

/// The type of a file from its first bytes (at least [`SNIFF_LEN`] of them when the file
/// is longer). `name` is only consulted where the content leaves a choice between
/// members of one family (see the module's text); it never makes a file acceptable.
pub fn sniff(head: &[u8], name: &str) -> Option<EvidenceType> {
    let ext = extension(name);
    let ext = ext.as_deref();
    if head.starts_with(b"%PDF-") {
        return Some(EvidenceType::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(EvidenceType::Png);
    }
    if head.starts_with(b"\xFF\xD8\xFF") {
        return Some(EvidenceType::Jpeg);
    }
    if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        return Some(EvidenceType::Gif);
    }
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WEBP" {
        return Some(EvidenceType::Webp);
    }
    if head.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        return match ext {
            Some("doc") => Some(EvidenceType::Doc),
            Some("xls") => Some(EvidenceType::Xls),
            Some("ppt") => Some(EvidenceType::Ppt),
            _ => None,
        };
    }
    if head.starts_with(b"PK\x03\x04") {
        return sniff_zip(head, ext);
    }
    None
}

fn sniff_zip(head: &[u8], ext: Option<&str>) -> Option<EvidenceType> {
    let entries = zip_entries(head);
    // OpenDocument: the first entry is `mimetype`, stored uncompressed, its content right
    // after the local header.
    if let Some(first) = entries.first()
        && first.name == b"mimetype"
    {
        // Only the three documents; templates, drawings and formulas are refused.
        let data = first
            .data_at
            .checked_add(first.size)
            .and_then(|end| head.get(first.data_at..end));
        return match data {
            Some(b"application/vnd.oasis.opendocument.text") => Some(EvidenceType::Odt),
            Some(b"application/vnd.oasis.opendocument.spreadsheet") => Some(EvidenceType::Ods),
            Some(b"application/vnd.oasis.opendocument.presentation") => Some(EvidenceType::Odp),
            _ => None,
        };
    }
    let has = |p: &[u8]| entries.iter().any(|e| e.name.starts_with(p));
    let ooxml = has(b"[Content_Types].xml") || has(b"_rels/.rels");
    if !ooxml {
        return None;
    }
    if has(b"word/") {
        return Some(EvidenceType::Docx);
    }
    if has(b"xl/") {
        return Some(EvidenceType::Xlsx);
    }
    if has(b"ppt/") {
        return Some(EvidenceType::Pptx);
    }
    match ext {
        Some("docx") => Some(EvidenceType::Docx),
        Some("xlsx") => Some(EvidenceType::Xlsx),
        Some("pptx") => Some(EvidenceType::Pptx),
        _ => None,
    }
}

/// One zip entry's local header.
struct ZipEntry<'a> {
    name: &'a [u8],
    /// Where the entry's data begins.
    data_at: usize,
    /// The stored (compressed) size; 0 when it is in a trailing data descriptor.
    size: usize,
}

/// The zip entries whose local headers lie in `head`. Headers are found by their signature, so entries whose sizes are
/// in a trailing data descriptor are found too; a signature that happens to appear in
/// compressed data may add a nonsense name, which matches nothing.
fn zip_entries(head: &[u8]) -> Vec<ZipEntry<'_>> {
    const SIG: &[u8] = b"PK\x03\x04";
    let mut out = Vec::new();
    let mut i = 0;
    while i + 30 <= head.len() {
        if &head[i..i + 4] != SIG {
            i += 1;
            continue;
        }
        let size = u32::from_le_bytes([head[i + 18], head[i + 19], head[i + 20], head[i + 21]]);
        let name_len = usize::from(u16::from_le_bytes([head[i + 26], head[i + 27]]));
        let extra_len = usize::from(u16::from_le_bytes([head[i + 28], head[i + 29]]));
        let name_at = i + 30;
        let Some(name) = head.get(name_at..name_at + name_len) else {
            break;
        };
        out.push(ZipEntry {
            name,
            data_at: name_at + name_len + extra_len,
            size: usize::try_from(size).unwrap_or(usize::MAX),
        });
        i = name_at + name_len;
    }
    out
}

/// Checks an evidence file: not empty, at most [`MAX_EVIDENCE_BYTES`], and of an allowed
/// type judged from `head` (its first [`SNIFF_LEN`] bytes or all of it). Errors are
/// reported on `field`.
pub fn check(
    field: &'static str,
    name: &str,
    len: u64,
    head: &[u8],
) -> Result<EvidenceType, Invalid> {
    if len == 0 || head.is_empty() {
        return Err(Invalid::one(field, "evidence_empty"));
    }
    if len > MAX_EVIDENCE_BYTES {
        return Err(Invalid::one(field, "evidence_too_large"));
    }
    sniff(head, name).ok_or_else(|| Invalid::one(field, "evidence_type_refused"))
}

/// Checks only the size, before the upload is read in full (from `Content-Length` or
/// while streaming).
pub fn check_size(field: &'static str, len: u64) -> Result<(), Invalid> {
    if len == 0 {
        Err(Invalid::one(field, "evidence_empty"))
    } else if len > MAX_EVIDENCE_BYTES {
        Err(Invalid::one(field, "evidence_too_large"))
    } else {
        Ok(())
    }
}

/// An uploaded file's name as it is kept: without folders or control characters, at most
/// 200 characters, `minh-chung` ("evidence") when nothing is left.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let s = s.trim();
    if s.is_empty() {
        "minh-chung".into()
    } else {
        s.to_owned()
    }
}

/// The name a downloaded file gets: the uploaded name's stem with the extension of its
/// real type (`bao-cao.docx` that is really a PDF downloads as `bao-cao.pdf`), without
/// path separators or control characters, at most 120 characters.
pub fn download_name(uploaded: &str, t: EvidenceType) -> String {
    let base = uploaded.rsplit(['/', '\\']).next().unwrap_or(uploaded);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s);
    let clean: String = stem
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '/' | '\\'))
        .take(120)
        .collect();
    let clean = clean.trim();
    let stem = if clean.is_empty() {
        "minh-chung"
    } else {
        clean
    };
    format!("{stem}.{}", t.extension())
}

/// A content-addressed key: the SHA-256 of the file's bytes as 64 lowercase hex digits.
/// Identical files share one key and are stored once.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentKey(String);

impl ContentKey {
    /// The key of a file's content.
    pub fn of(bytes: &[u8]) -> ContentKey {
        use sha2::Digest;
        ContentKey::from_digest(&sha2::Sha256::digest(bytes).into())
    }

    /// The key of a SHA-256 digest.
    pub fn from_digest(digest: &[u8; 32]) -> ContentKey {
        ContentKey(hex::encode(digest))
    }

    /// Parses a stored key or one from a URL: 64 hex digits, lowercased.
    pub fn parse(s: &str) -> Option<ContentKey> {
        let s = s.trim();
        (s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| ContentKey(s.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the blob lives under the evidence directory: `ab/cd/abcd…`, so that no
    /// directory holds more than 65,536 entries of the next level.
    pub fn relative_path(&self) -> String {
        format!("{}/{}/{}", &self.0[0..2], &self.0[2..4], self.0)
    }
}

impl TryFrom<String> for ContentKey {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, &'static str> {
        ContentKey::parse(&s).ok_or("a content key is 64 hex digits")
    }
}

impl From<ContentKey> for String {
    fn from(k: ContentKey) -> String {
        k.0
    }
}

impl fmt::Display for ContentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A zip local file header for `name` followed by `data`, stored.
    fn entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut v = b"PK\x03\x04".to_vec();
        v.extend([20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method, time, date
        v.extend([0; 4]); // crc
        v.extend((data.len() as u32).to_le_bytes());
        v.extend((data.len() as u32).to_le_bytes());
        v.extend((name.len() as u16).to_le_bytes());
        v.extend(0u16.to_le_bytes());
        v.extend(name.as_bytes());
        v.extend(data);
        v
    }

    fn zip(names: &[&str]) -> Vec<u8> {
        names.iter().flat_map(|n| entry(n, b"<xml/>")).collect()
    }

    fn odf(kind: &str) -> Vec<u8> {
        let mut v = entry(
            "mimetype",
            format!("application/vnd.oasis.opendocument.{kind}").as_bytes(),
        );
        v.extend(entry("content.xml", b"<x/>"));
        v
    }

    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";

    #[test]
    fn types_from_content() {
        let word = zip(&["[Content_Types].xml", "_rels/.rels", "word/document.xml"]);
        let excel = zip(&["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"]);
        let lo_ppt = zip(&["_rels/.rels", "docProps/app.xml", "ppt/presentation.xml"]);
        let ooxml_only = zip(&["[Content_Types].xml", "_rels/.rels"]);
        let plain_zip = zip(&["readme.txt", "word/not-really.xml"]);
        let cases: Vec<(&[u8], &str, Option<EvidenceType>)> = vec![
            (b"%PDF-1.7\n...", "x.docx", Some(EvidenceType::Pdf)),
            (b"\x89PNG\r\n\x1a\n....", "a.pdf", Some(EvidenceType::Png)),
            (b"\xFF\xD8\xFF\xE0..JFIF", "", Some(EvidenceType::Jpeg)),
            (b"GIF89a....", "x.gif", Some(EvidenceType::Gif)),
            (b"GIF87a....", "x", Some(EvidenceType::Gif)),
            (b"RIFF\x10\0\0\0WEBPVP8 ", "x", Some(EvidenceType::Webp)),
            (b"RIFF\x10\0\0\0WAVEfmt ", "x.webp", None),
            (&word, "bao-cao.zip", Some(EvidenceType::Docx)),
            (&excel, "bang.docx", Some(EvidenceType::Xlsx)),
            (&lo_ppt, "", Some(EvidenceType::Pptx)),
            (&ooxml_only, "x.xlsx", Some(EvidenceType::Xlsx)),
            (&ooxml_only, "x.zip", None),
            (&plain_zip, "x.docx", None),
            (OLE, "bien-ban.DOC", Some(EvidenceType::Doc)),
            (OLE, "x.xls", Some(EvidenceType::Xls)),
            (OLE, "x.ppt", Some(EvidenceType::Ppt)),
            (OLE, "x.msg", None),
            (OLE, "", None),
            (
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                "x.png",
                None,
            ),
            (b"<!DOCTYPE html><script>", "x.pdf", None),
            (b"MZ\x90\0", "x.pdf", None),
            (b" %PDF-1.4", "x.pdf", None),
            (b"%PD", "x.pdf", None),
            (b"", "x.pdf", None),
        ];
        for (head, name, want) in cases {
            assert_eq!(
                sniff(head, name),
                want,
                "{name}: {:?}",
                &head[..head.len().min(12)]
            );
        }
        assert_eq!(sniff(&odf("text"), "x.zip"), Some(EvidenceType::Odt));
        assert_eq!(sniff(&odf("spreadsheet"), ""), Some(EvidenceType::Ods));
        assert_eq!(sniff(&odf("presentation"), ""), Some(EvidenceType::Odp));
        assert_eq!(sniff(&odf("text-template"), "x.odt"), None);
        assert_eq!(sniff(&odf("graphics"), "x.odt"), None);
    }

    #[test]
    fn checks_have_codes() {
        let pdf = b"%PDF-1.7";
        assert_eq!(check("file", "a.pdf", 8, pdf).unwrap(), EvidenceType::Pdf);
        let code = |r: Result<EvidenceType, Invalid>| r.unwrap_err().0[0].code;
        assert_eq!(code(check("file", "a.pdf", 0, b"")), "evidence_empty");
        assert_eq!(
            code(check("file", "a.pdf", MAX_EVIDENCE_BYTES + 1, pdf)),
            "evidence_too_large"
        );
        assert!(check("file", "a.pdf", MAX_EVIDENCE_BYTES, pdf).is_ok());
        assert_eq!(
            code(check("file", "a.pdf", 5, b"hello")),
            "evidence_type_refused"
        );
        assert_eq!(
            check("evidence[1]", "a", 5, b"hello").unwrap_err().0[0].field,
            "evidence[1]"
        );
        assert!(check_size("f", 1).is_ok());
        assert_eq!(
            check_size("f", MAX_EVIDENCE_BYTES + 1).unwrap_err().0[0].code,
            "evidence_too_large"
        );
        assert_eq!(check_size("f", 0).unwrap_err().0[0].code, "evidence_empty");
    }

    #[test]
    fn types_have_names_and_mimes() {
        for t in EvidenceType::ALL {
            assert_eq!(EvidenceType::parse(t.as_str()), Some(t));
            assert!(t.mime().contains('/'));
        }
        assert!(EvidenceType::Png.is_image() && !EvidenceType::Pdf.is_image());
    }

    #[test]
    fn download_names() {
        assert_eq!(
            download_name("bao-cao.docx", EvidenceType::Pdf),
            "bao-cao.pdf"
        );
        assert_eq!(
            download_name("C:\\tmp\\Biên bản.PDF", EvidenceType::Pdf),
            "Biên bản.pdf"
        );
        assert_eq!(download_name("../../\"x\".png", EvidenceType::Png), "x.png");
        assert_eq!(download_name("", EvidenceType::Jpeg), "minh-chung.jpg");
    }

    #[test]
    fn content_keys() {
        let k = ContentKey::from_digest(&[0xab; 32]);
        assert_eq!(k.as_str(), "ab".repeat(32));
        assert_eq!(k.relative_path(), format!("ab/ab/{}", "ab".repeat(32)));
        assert_eq!(ContentKey::parse(&"AB".repeat(32)), Some(k));
        assert_eq!(ContentKey::parse("abc"), None);
        assert_eq!(ContentKey::parse(&"g".repeat(64)), None);
        // SHA-256 of "abc".
        assert_eq!(
            ContentKey::of(b"abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn kept_names() {
        assert_eq!(clean_name("C:\\x\\bao\u{7}.pdf"), "bao.pdf");
        assert_eq!(clean_name(" /tmp/ "), "minh-chung");
    }

    proptest! {
        #[test]
        fn sniff_never_panics(head in prop::collection::vec(any::<u8>(), 0..512), name in "\\PC{0,12}") {
            let _ = sniff(&head, &name);
        }

        #[test]
        fn zip_prefix_fuzz(tail in prop::collection::vec(any::<u8>(), 0..256)) {
            let mut head = b"PK\x03\x04".to_vec();
            head.extend(tail);
            let _ = sniff(&head, "x.docx");
        }

        #[test]
        fn digest_keys_roundtrip(d in any::<[u8; 32]>()) {
            let k = ContentKey::from_digest(&d);
            prop_assert_eq!(ContentKey::parse(k.as_str()), Some(k.clone()));
        }
    }
}
