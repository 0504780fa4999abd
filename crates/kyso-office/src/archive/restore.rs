//! `kyso restore`: a verified backup onto an empty system — the blobs into
//! the blob store, the data directory's files, then every table in one
//! database transaction (SQLite or PostgreSQL, whichever the backup came
//! from). Refused when the manifest's signature or any hash does not
//! match, and when the database, the data directory or the blob store
//! already holds data. A restore interrupted before its database
//! transaction committed can be run again: a marker file in the data
//! directory names the backup being restored.

use std::collections::BTreeMap;
use std::path::Path;

use kyso_pki::trust::TrustStore;
use kyso_store::archive::target::{blob_object, Target};
use kyso_store::archive::{load, schema, ArchiveError};
use kyso_store::{BlobStore, Store};

use super::verify::{kept_file, kept_table, verify_backup};
use super::BackupError;

/// Name of the marker of a restore in progress, in the data directory.
pub const MARKER: &str = "restore-in-progress";

/// What a restore did.
#[derive(Clone, Debug)]
pub struct RestoreReport {
    pub id: String,
    pub rows: BTreeMap<String, u64>,
    pub files: usize,
    pub blobs: usize,
    pub bytes: u64,
}

/// The system restored into.
pub struct RestoreInto<'a> {
    pub store: &'a Store,
    pub blobs: &'a BlobStore,
    pub data_dir: &'a Path,
}

/// Restores backup `id` (default: the newest complete one) from `target`.
pub async fn restore(
    target: &Target,
    id: Option<&str>,
    trust: &TrustStore,
    into: &RestoreInto<'_>,
) -> Result<RestoreReport, BackupError> {
    let work = tempfile::Builder::new().prefix("kyso-restore-").tempdir()?;
    let report = verify_backup(target, id, trust, Some(work.path())).await?;
    if !report.problems.is_empty() {
        return Err(BackupError::Mismatch(format!(
            "backup {} does not match its manifest: {}",
            report.id,
            report.problems.join("; ")
        )));
    }
    let m = &report.manifest;

    // The target: empty, or the remains of an interrupted restore of this
    // very backup (its database transaction never committed).
    load::ensure_empty(into.store).await?;
    let marker = into.data_dir.join(MARKER);
    let resuming = std::fs::read_to_string(&marker).ok().as_deref() == Some(m.id.as_str());
    if !resuming {
        if let Some(f) = m
            .files
            .iter()
            .find(|f| into.data_dir.join(&f.path).exists())
        {
            return Err(ArchiveError::NotEmpty(format!(
                "the data directory already has {}",
                f.path
            ))
            .into());
        }
        if into.blobs.count().await? > 0 {
            return Err(ArchiveError::NotEmpty(format!(
                "the blob store ({}) is not empty",
                into.blobs.describe()
            ))
            .into());
        }
    }
    let here = schema::applied_migrations(into.store.connection()).await?;
    if let Some(unknown) = m.source.migrations.iter().find(|n| !here.contains(n)) {
        return Err(BackupError::Other(format!(
            "the backup was made by a newer version (migration {unknown}): restore it with that version"
        )));
    }
    std::fs::create_dir_all(into.data_dir)?;
    std::fs::write(&marker, &m.id)?;

    let mut bytes = 0u64;
    for b in &m.blobs {
        let data = target.get(&blob_object(&b.sha256)).await?;
        let put = into.blobs.put(data).await?;
        if put.sha256 != b.sha256 {
            return Err(BackupError::Mismatch(format!(
                "blob {} changed while it was restored",
                b.sha256
            )));
        }
        bytes += put.size;
    }
    for (i, f) in m.files.iter().enumerate() {
        if f.path
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        {
            return Err(BackupError::Mismatch(format!("bad file path {}", f.path)));
        }
        let to = into.data_dir.join(&f.path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let data = std::fs::read(kept_file(work.path(), i))?;
        crate::keys::write_private(&to, &data)?;
    }
    let tables: BTreeMap<String, std::path::PathBuf> = m
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.table.clone(), kept_table(work.path(), i)))
        .collect();
    let rows = load::load(into.store, &tables).await?;
    std::fs::remove_file(&marker)?;
    Ok(RestoreReport {
        id: report.id.clone(),
        rows,
        files: m.files.len(),
        blobs: m.blobs.len(),
        bytes,
    })
}
