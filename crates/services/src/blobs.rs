//! The blob store: every file users upload (progress evidence, document attachments, study
//! materials, reflections) is kept here, content-addressed under `<data-dir>/evidence/`
//! at [`ContentKey::relative_path`] (`ab/cd/abcd…`). The same content is kept once; a file
//! is written to a temporary name in its folder and renamed into place, so a reader never
//! sees half a file.
//!
//! A file is checked from its content first ([`CheckedFile::check`]: not empty, not over
//! [`evidence::MAX_EVIDENCE_BYTES`], of an allowed type sniffed from its bytes); only a
//! checked file can be kept. Callers keep the files before they record them through the
//! store: a blob left by a store call that then fails is a harmless orphan. Who may read a
//! blob is decided by the store (the record that names it), never here.

use std::io::Write;
use std::path::{Path, PathBuf};

use domain::Invalid;
use domain::evidence::{self, ContentKey, EvidenceType, SNIFF_LEN};
use store::EvidenceMeta;

/// An uploaded file checked from its content, ready to keep.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    /// The uploaded name as it is kept ([`evidence::clean_name`]).
    pub name: String,
    /// The type sniffed from the content.
    pub kind: EvidenceType,
    bytes: Vec<u8>,
}

impl CheckedFile {
    /// Checks an uploaded file; problems are reported on the field `file`.
    pub fn check(name: &str, bytes: Vec<u8>) -> Result<CheckedFile, Invalid> {
        let head = &bytes[..bytes.len().min(SNIFF_LEN)];
        let kind = evidence::check("file", name, bytes.len() as u64, head)?;
        Ok(CheckedFile {
            name: evidence::clean_name(name),
            kind,
            bytes,
        })
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Files kept content-addressed under a folder (`<data-dir>/evidence`).
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    /// The blob store of a data folder: `<data_dir>/evidence/`.
    pub fn new(data_dir: &Path) -> BlobStore {
        BlobStore {
            root: data_dir.join("evidence"),
        }
    }

    /// Where a blob lives.
    pub fn path(&self, key: &ContentKey) -> PathBuf {
        self.root.join(key.relative_path())
    }

    /// Keeps one file (blocking I/O) and returns what the store records of it.
    pub fn put_blocking(&self, file: &CheckedFile) -> std::io::Result<EvidenceMeta> {
        let key = ContentKey::of(&file.bytes);
        let path = self.path(&key);
        if !path.exists() {
            write_atomically(&path, &file.bytes)?;
        }
        Ok(EvidenceMeta {
            key,
            kind: file.kind,
            size: file.bytes.len() as u64,
            original_name: file.name.clone(),
        })
    }

    /// Keeps the files on a blocking thread; what the store records of each, in order.
    pub async fn put(&self, files: Vec<CheckedFile>) -> std::io::Result<Vec<EvidenceMeta>> {
        let blobs = self.clone();
        tokio::task::spawn_blocking(move || {
            files
                .iter()
                .map(|f| blobs.put_blocking(f))
                .collect::<std::io::Result<Vec<_>>>()
        })
        .await
        .map_err(std::io::Error::other)?
    }

    /// A blob's bytes; `None` when it is not on disk (logged: the record names a file
    /// that is gone).
    pub async fn get(&self, key: &ContentKey) -> std::io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.path(key)).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!(key = %key, "blob missing on disk");
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// Writes to a temporary file in the same folder, then renames it into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or(std::io::ErrorKind::InvalidInput)?;
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{:016x}", rand::random::<u64>()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf(name: &str) -> CheckedFile {
        CheckedFile::check(name, b"%PDF-1.4 hello".to_vec()).unwrap()
    }

    #[tokio::test]
    async fn same_content_is_kept_once() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = BlobStore::new(dir.path());
        let metas = blobs
            .put(vec![pdf("bao-cao.pdf"), pdf("C:\\tmp\\ban-sao.pdf")])
            .await
            .unwrap();
        let (a, b) = (&metas[0], &metas[1]);
        assert_eq!(a.key, b.key);
        assert_eq!(a.kind, EvidenceType::Pdf);
        assert_eq!(a.size, 14);
        assert_eq!(b.original_name, "ban-sao.pdf");
        // The layout existing data folders have: <data-dir>/evidence/ab/cd/abcd…
        let path = dir
            .path()
            .join("evidence")
            .join(&a.key.as_str()[0..2])
            .join(&a.key.as_str()[2..4])
            .join(a.key.as_str());
        assert_eq!(blobs.path(&a.key), path);
        assert_eq!(std::fs::read(&path).unwrap(), b"%PDF-1.4 hello");
        let files = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(files, 1, "no temporary file is left behind");
        assert_eq!(
            blobs.get(&a.key).await.unwrap().as_deref(),
            Some(&b"%PDF-1.4 hello"[..])
        );
        let missing = ContentKey::of(b"never kept");
        assert_eq!(blobs.get(&missing).await.unwrap(), None);
    }

    #[test]
    fn files_are_checked_from_their_content() {
        let refused = CheckedFile::check("x.pdf", b"MZ\x90\0".to_vec()).unwrap_err();
        assert_eq!(refused.0[0].code, "evidence_type_refused");
        assert_eq!(refused.0[0].field, "file");
        let empty = CheckedFile::check("x.pdf", Vec::new()).unwrap_err();
        assert_eq!(empty.0[0].code, "evidence_empty");
        let png = CheckedFile::check("anh.pdf", b"\x89PNG\r\n\x1a\n....".to_vec()).unwrap();
        assert_eq!(png.kind, EvidenceType::Png);
    }
}
