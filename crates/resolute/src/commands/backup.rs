//! `resolute backup` and `resolute restore`: one file that holds the database and the
//! uploaded files (evidence, document attachments, study materials and reflections, all
//! kept content-addressed under `<data-dir>/evidence/`), so that a restored installation
//! serves every file its records name (issue 11, defect 7).
//!
//! The file is a zip archive (docs/OPERATIONS in README "Backups"):
//!
//! - `database.sqlite` (SQLite: `VACUUM INTO`, online and consistent) or
//!   `database.pgdump` (PostgreSQL: `pg_dump --format=custom`), live sessions left out;
//! - `evidence/ab/cd/<sha-256>`: every file of the blob store, stored as is;
//! - `manifest.json`: format and version, backend, when, the migration the database is at,
//!   and the size and SHA-256 of every entry; restore checks each entry against it (and a
//!   blob's content against its name) before anything is replaced.
//!
//! The database is copied first, then the files: a file is on disk before the record that
//! names it commits, so every file the copied records name is in the archive (a file
//! uploaded meanwhile may be there too, unnamed, which is harmless).
//!
//! A plain SQLite file or pg_dump archive made by an earlier `resolute backup` is still
//! restored (the database only).

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use store::Store;

use super::{is_postgres, sqlite_path};
use crate::cli::DbArgs;

/// The name the format gives itself in its manifest.
const FORMAT: &str = "resolute-backup";
const VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const EVIDENCE: &str = "evidence";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    /// `sqlite` or `postgres`.
    backend: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: time::OffsetDateTime,
    /// The latest migration applied to the copied database.
    migration: Option<String>,
    database: Entry,
    files: Vec<Entry>,
    /// What is left out on purpose.
    excluded: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// The path inside the archive.
    path: String,
    size: u64,
    sha256: String,
}

/// A writer that hashes and counts what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Copies `from` into `to`, returning the size and SHA-256 (hex) of what was copied.
fn copy_hashed(from: &mut impl Read, to: impl Write) -> std::io::Result<(u64, String)> {
    let mut h = Hashing {
        inner: to,
        hash: Sha256::new(),
        size: 0,
    };
    std::io::copy(from, &mut h)?;
    h.flush()?;
    Ok((h.size, hex::encode(h.hash.finalize())))
}

/// The blob store's files, as (path inside the archive, path on disk), in order. Only
/// content-addressed files (`ab/cd/<64 hex digits>`) are taken; a temporary file of an
/// upload in progress is not.
fn blob_files(data_dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let root = data_dir.join(EVIDENCE);
    let mut out = Vec::new();
    if !root.is_dir() {
        return Ok(out);
    }
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in
            std::fs::read_dir(&dir).with_context(|| format!("đọc thư mục {}", dir.display()))?
        {
            let e = e?;
            let path = e.path();
            if e.file_type()?.is_dir() {
                stack.push(path);
            } else if let Some(name) = blob_name(&root, &path) {
                out.push((name, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `evidence/ab/cd/<key>` for a content-addressed file under `root`.
fn blob_name(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<&str> = rel.iter().map(|p| p.to_str()).collect::<Option<_>>()?;
    let [a, b, key] = parts.as_slice() else {
        return None;
    };
    let key = domain::ContentKey::parse(key)?;
    (key.relative_path() == format!("{a}/{b}/{}", key.as_str()))
        .then(|| format!("{EVIDENCE}/{}", key.relative_path()))
}

/// Where an archive's blob entry goes under the data folder: only a well-formed
/// `evidence/ab/cd/<key>` is accepted (no other path, no `..`).
fn blob_target(data_dir: &Path, name: &str) -> Option<(PathBuf, domain::ContentKey)> {
    let rest = name.strip_prefix(&format!("{EVIDENCE}/"))?;
    let key = domain::ContentKey::parse(rest.rsplit('/').next()?)?;
    (key.relative_path() == rest).then(|| (data_dir.join(EVIDENCE).join(rest), key))
}

/// `resolute backup FILE`: the database and the files, in one archive.
pub async fn backup(store: &dyn Store, db: &DbArgs, file: &Path) -> anyhow::Result<()> {
    if file.exists() {
        bail!("tệp {} đã tồn tại; hãy chọn tên khác", file.display());
    }
    let partial = with_suffix(file, ".partial");
    let dump = with_suffix(file, ".database");
    let _ = std::fs::remove_file(&dump);
    let result = write_backup(store, db, file, &partial, &dump).await;
    let _ = std::fs::remove_file(&dump);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    let (files, bytes) = result?;
    println!(
        "Đã sao lưu cơ sở dữ liệu và {files} tệp đính kèm ({:.1} MB) vào {}.",
        bytes as f64 / 1e6,
        file.display()
    );
    Ok(())
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

async fn write_backup(
    store: &dyn Store,
    db: &DbArgs,
    file: &Path,
    partial: &Path,
    dump: &Path,
) -> anyhow::Result<(usize, u64)> {
    // 1. The database, first (see the module's note on order).
    let (backend, db_name) = match &db.database_url {
        Some(url) if is_postgres(url) => {
            let status = std::process::Command::new("pg_dump")
                .args([
                    "--format=custom",
                    "--no-owner",
                    "--exclude-table-data=sessions",
                    "--file",
                ])
                .arg(dump)
                .arg(url)
                .status()
                .context("không chạy được pg_dump (cài gói postgresql-client)")?;
            if !status.success() {
                bail!("pg_dump thất bại ({status})");
            }
            ("postgres", "database.pgdump")
        }
        _ => {
            store.backup_to(dump).await?;
            ("sqlite", "database.sqlite")
        }
    };
    let migration = store.migration_state().await?.latest_applied;

    // 2. The archive: the database, the files, the manifest.
    let out = std::fs::File::create_new(partial)
        .with_context(|| format!("không tạo được {}", partial.display()))?;
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
    // Files are stored as they are: evidence is mostly PDF and images, compressed already.
    let stored = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file(db_name, deflated)?;
    let (size, sha256) = copy_hashed(&mut std::fs::File::open(dump)?, &mut zip)?;
    let database = Entry {
        path: db_name.into(),
        size,
        sha256,
    };
    let mut files = Vec::new();
    let mut bytes = 0;
    for (name, path) in blob_files(&db.data_dir)? {
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            // Removed meanwhile (nothing removes blobs today): not named by the copy.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("đọc {}", path.display())),
        };
        zip.start_file(name.as_str(), stored)?;
        let (size, sha256) = copy_hashed(&mut f, &mut zip)?;
        bytes += size;
        files.push(Entry {
            path: name,
            size,
            sha256,
        });
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        backend: backend.into(),
        created_at: time::OffsetDateTime::now_utc(),
        migration,
        database,
        files,
        excluded: vec!["sessions".into()],
    };
    zip.start_file(MANIFEST, deflated)?;
    serde_json::to_writer_pretty(&mut zip, &manifest)?;
    let mut out = zip.finish()?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(partial, file)?;
    Ok((manifest.files.len(), bytes))
}

/// What kind of file a backup is, from its first bytes.
enum Kind {
    Bundle,
    Sqlite,
    PgDump,
}

fn kind_of(file: &Path) -> anyhow::Result<Kind> {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(file)?.read(&mut head)?;
    let head = &head[..n];
    Ok(if head.starts_with(b"PK\x03\x04") {
        Kind::Bundle
    } else if head.starts_with(b"SQLite format 3\0") {
        Kind::Sqlite
    } else if head.starts_with(b"PGDMP") {
        Kind::PgDump
    } else {
        bail!("{} không phải bản sao lưu của Resolute", file.display())
    })
}

/// `resolute restore FILE`: the files, then the database.
pub async fn restore(db: &DbArgs, file: &Path, yes: bool) -> anyhow::Result<()> {
    if !file.is_file() {
        bail!("không có tệp {}", file.display());
    }
    let postgres = match &db.database_url {
        Some(url) if is_postgres(url) => Some(url.as_str()),
        Some(_) => bail!("khôi phục SQLite dùng --data-dir, không dùng --database-url"),
        None => None,
    };
    // Replacing data needs --yes: always on PostgreSQL, on SQLite when there is a database.
    if postgres.is_some() && !yes {
        bail!("khôi phục sẽ thay thế dữ liệu hiện có; thêm --yes để xác nhận");
    }
    if postgres.is_none() && sqlite_path(db).exists() && !yes {
        bail!(
            "{} đã có dữ liệu; thêm --yes để thay thế (hãy dừng máy chủ trước)",
            sqlite_path(db).display()
        );
    }
    std::fs::create_dir_all(&db.data_dir)?;
    let staged = db.data_dir.join("resolute.restoring");
    let _ = std::fs::remove_file(&staged);
    let outcome = match kind_of(file)? {
        Kind::Bundle => restore_bundle(db, file, postgres, &staged),
        Kind::Sqlite if postgres.is_none() => {
            std::fs::copy(file, &staged)?;
            Ok(0)
        }
        Kind::PgDump if postgres.is_some() => {
            std::fs::copy(file, &staged)?;
            Ok(0)
        }
        _ => Err(anyhow::anyhow!(
            "{} là bản sao lưu của hệ quản trị cơ sở dữ liệu khác",
            file.display()
        )),
    };
    let files = match outcome.and_then(|files| {
        replace_database(db, postgres, &staged)?;
        Ok(files)
    }) {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_file(&staged);
            return Err(e);
        }
    };
    println!(
        "Đã khôi phục cơ sở dữ liệu và {files} tệp đính kèm từ {}.",
        file.display()
    );
    Ok(())
}

/// Checks an archive, writes its files into the blob store and its database to `staged`;
/// the number of files.
fn restore_bundle(
    db: &DbArgs,
    file: &Path,
    postgres: Option<&str>,
    staged: &Path,
) -> anyhow::Result<usize> {
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(std::fs::File::open(file)?))
        .context("tệp sao lưu hỏng (không đọc được tệp nén)")?;
    let manifest: Manifest = {
        let entry = zip
            .by_name(MANIFEST)
            .context("tệp sao lưu thiếu manifest.json")?;
        serde_json::from_reader(entry.take(16 * 1024 * 1024))
            .context("manifest.json của bản sao lưu không đọc được")?
    };
    if manifest.format != FORMAT || manifest.version != VERSION {
        bail!(
            "bản sao lưu có định dạng {} phiên bản {}, không phải {FORMAT} {VERSION}",
            manifest.format,
            manifest.version
        );
    }
    let want = if postgres.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    if manifest.backend != want {
        bail!(
            "bản sao lưu là của {}, không khôi phục được vào {want}",
            manifest.backend
        );
    }
    // Every file first, each checked before it is put in place; existing files are kept
    // (the same name is the same content).
    for e in &manifest.files {
        let (target, key) = blob_target(&db.data_dir, &e.path)
            .with_context(|| format!("tên tệp không hợp lệ trong bản sao lưu: {}", e.path))?;
        if key.as_str() != e.sha256 {
            bail!("tệp {} không khớp với mã băm của nó", e.path);
        }
        if target.exists() {
            continue;
        }
        let dir = target.parent().context("thư mục tệp")?;
        std::fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".restoring-{}", key.as_str()));
        extract_checked(&mut zip, e, &tmp)?;
        std::fs::rename(&tmp, &target)?;
    }
    extract_checked(&mut zip, &manifest.database, staged)?;
    Ok(manifest.files.len())
}

/// Writes one entry to `to`, checking its size and SHA-256 against the manifest.
fn extract_checked<R: Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    e: &Entry,
    to: &Path,
) -> anyhow::Result<()> {
    let mut entry = zip
        .by_name(&e.path)
        .with_context(|| format!("bản sao lưu thiếu {}", e.path))?;
    let out = std::fs::File::create(to)?;
    let result = copy_hashed(
        &mut (&mut entry).take(e.size + 1),
        std::io::BufWriter::new(&out),
    );
    let ok = matches!(&result, Ok((size, sha)) if *size == e.size && *sha == e.sha256);
    if !ok {
        drop(out);
        let _ = std::fs::remove_file(to);
        result.with_context(|| format!("đọc {}", e.path))?;
        bail!(
            "{} trong bản sao lưu không khớp với manifest (tệp hỏng?)",
            e.path
        );
    }
    out.sync_all()?;
    Ok(())
}

/// Puts the staged database in place: pg_restore, or a rename over `resolute.db`.
fn replace_database(db: &DbArgs, postgres: Option<&str>, staged: &Path) -> anyhow::Result<()> {
    match postgres {
        Some(url) => {
            let status = std::process::Command::new("pg_restore")
                .args([
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    "--dbname",
                ])
                .arg(url)
                .arg(staged)
                .status()
                .context("không chạy được pg_restore (cài gói postgresql-client)")?;
            let _ = std::fs::remove_file(staged);
            if !status.success() {
                bail!("pg_restore thất bại ({status})");
            }
        }
        None => {
            let mut head = [0u8; 16];
            std::fs::File::open(staged)?
                .read_exact(&mut head)
                .context("tệp sao lưu quá ngắn")?;
            if &head != b"SQLite format 3\0" {
                bail!("cơ sở dữ liệu trong bản sao lưu không phải SQLite");
            }
            for ext in ["-wal", "-shm"] {
                let side = db.data_dir.join(format!("resolute.db{ext}"));
                if side.exists() {
                    std::fs::remove_file(side)?;
                }
            }
            std::fs::rename(staged, sqlite_path(db))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_content_addressed_paths_are_taken_and_restored() {
        let key = domain::ContentKey::of(b"abc");
        let rel = key.relative_path();
        let data = Path::new("/data");
        let root = data.join(EVIDENCE);
        assert_eq!(
            blob_name(&root, &root.join(&rel)),
            Some(format!("evidence/{rel}"))
        );
        assert_eq!(blob_name(&root, &root.join("ba/78/.tmp-0011")), None);
        assert_eq!(
            blob_name(&root, &root.join(format!("xx/yy/{}", key.as_str()))),
            None
        );
        let (target, k) = blob_target(data, &format!("evidence/{rel}")).unwrap();
        assert_eq!((target, k), (root.join(&rel), key.clone()));
        for bad in [
            format!("evidence/../{rel}"),
            format!("evidence/ba/78/../../{}", key.as_str()),
            format!("/etc/{}", key.as_str()),
            "evidence/ba/78/passwd".to_owned(),
            format!("evidence/xx/78/{}", key.as_str()),
        ] {
            assert!(blob_target(data, &bad).is_none(), "{bad}");
        }
    }
}
