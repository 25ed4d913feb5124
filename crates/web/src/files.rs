//! Files at the HTTP edge: the one reader of multipart uploads ([`read`]), the check that
//! turns uploaded files into files for the blob store ([`check`], [`keep`]), and the one
//! download helper ([`download`], with [`blob`] for kept files and [`xlsx`] for generated
//! workbooks). Keeping files is `services::blobs`'s business.
//!
//! Uploads are read with the larger limit of `imports::BODY_LIMIT` (`imports::is_upload`
//! lists their paths); a body over it is marked by the context middleware and read here
//! as [`UploadError::TooLarge`], so each form says so instead of a bare 413.

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::evidence::{self, ContentKey, EvidenceType};
use i18n::Lang;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use services::CheckedFile;
use store::EvidenceMeta;

use crate::AppState;
use crate::error::AppError;
use crate::forms::{FormData, FormErrors};
use crate::imports::BodyTooLarge;

/// One uploaded file: a part named `file`.
pub(crate) struct Upload {
    /// The name the browser sent (may hold folders; see [`evidence::clean_name`]).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A multipart form: its text fields and its files, in order.
#[derive(Default)]
pub(crate) struct UploadForm {
    pub fields: FormData,
    pub files: Vec<Upload>,
}

impl UploadForm {
    /// The first value of a text field, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.fields.get(name)
    }

    /// The text fields and the file of a form that takes one (the last one sent).
    pub fn into_one(mut self) -> (FormData, Option<Upload>) {
        let file = self.files.pop();
        (self.fields, file)
    }
}

/// Why an upload could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadError {
    /// The body is not a multipart form.
    NotMultipart,
    /// The body is over the upload limit.
    TooLarge,
    /// The body broke off or is malformed.
    Failed,
}

impl From<MultipartError> for UploadError {
    fn from(e: MultipartError) -> UploadError {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            UploadError::TooLarge
        } else {
            UploadError::Failed
        }
    }
}

/// Reads a multipart form. Parts named `file` are files (an empty file input, which sends
/// a part with no name and no bytes, is skipped); every other part is a text field.
pub(crate) async fn read(req: Request, st: &AppState) -> Result<UploadForm, UploadError> {
    if req.extensions().get::<BodyTooLarge>().is_some() {
        return Err(UploadError::TooLarge);
    }
    let mut mp = Multipart::from_request(req, st)
        .await
        .map_err(|_| UploadError::NotMultipart)?;
    let mut form = UploadForm::default();
    while let Some(field) = mp.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await?;
            if !(file_name.is_empty() && bytes.is_empty()) {
                form.files.push(Upload {
                    name: file_name,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field.text().await?;
            form.fields.0.push((name, text));
        }
    }
    Ok(form)
}

/// Checks uploaded files from their content for the blob store. Each refused file adds
/// `name: message` to the field `file`; the files that pass are returned.
pub(crate) fn check(lang: Lang, files: Vec<Upload>, errors: &mut FormErrors) -> Vec<CheckedFile> {
    let mut ok = Vec::with_capacity(files.len());
    for f in files {
        let name = evidence::clean_name(&f.name);
        match CheckedFile::check(&f.name, f.bytes) {
            Ok(c) => ok.push(c),
            Err(inv) => {
                for e in &inv.0 {
                    let msg = i18n::tr(lang, &format!("err.{}", e.code));
                    errors.push_text("file", &format!("{name}: {msg}"));
                }
            }
        }
    }
    ok
}

/// Keeps checked files in the blob store; what the store records of each, in order.
pub(crate) async fn keep(
    st: &AppState,
    files: Vec<CheckedFile>,
) -> Result<Vec<EvidenceMeta>, AppError> {
    st.blobs.put(files).await.map_err(AppError::internal)
}

/// A kept file as a download: its type from the content, inline for images and an
/// attachment otherwise, under [`evidence::download_name`]. The caller has checked
/// through the store that the user may read it; a blob missing on disk is a 404.
pub(crate) async fn blob(
    st: &AppState,
    key: &ContentKey,
    kind: EvidenceType,
    file_name: &str,
) -> Result<Response, AppError> {
    let bytes = st
        .blobs
        .get(key)
        .await
        .map_err(AppError::internal)?
        .ok_or(AppError::NotFound)?;
    let name = evidence::download_name(file_name, kind);
    Ok(download(&name, kind.mime(), kind.is_image(), bytes))
}

/// A generated workbook as a download.
pub(crate) fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    download(name, EvidenceType::Xlsx.mime(), false, bytes)
}

/// A download: `Content-Type` as given and never sniffed, the name in
/// `Content-Disposition` (a name that is not plain ASCII also as the UTF-8 `filename*`,
/// with an ASCII fallback), not cached.
pub(crate) fn download(name: &str, mime: &str, inline: bool, bytes: Vec<u8>) -> Response {
    let fallback = ascii_fallback(name);
    let mut disposition = format!(
        "{}; filename=\"{fallback}\"",
        if inline { "inline" } else { "attachment" }
    );
    if fallback != name {
        disposition.push_str("; filename*=UTF-8''");
        disposition.extend(utf8_percent_encode(name, ATTR_CHAR));
    }
    (
        [
            (header::CONTENT_TYPE, mime.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// The name for clients without `filename*`: printable ASCII, anything else `_`, no quote.
fn ascii_fallback(name: &str) -> String {
    name.chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What `filename*` leaves as it is (RFC 5987 `attr-char`); the rest is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_header_names() {
        let header_of = |name: &str, inline: bool| {
            download(name, "x/y", inline, Vec::new()).headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            header_of("Báo cáo (1).pdf", false),
            "attachment; filename=\"B_o c_o (1).pdf\"; filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%281%29.pdf"
        );
        assert_eq!(
            header_of("mau-nhap.xlsx", false),
            "attachment; filename=\"mau-nhap.xlsx\""
        );
        assert_eq!(
            header_of("a\"b.png", true),
            "inline; filename=\"a_b.png\"; filename*=UTF-8''a%22b.png"
        );
        let r = download("x.pdf", "application/pdf", false, Vec::new());
        assert_eq!(r.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pdf");
    }
}
