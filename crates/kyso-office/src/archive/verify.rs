//! `kyso backup verify`: a backup checked without restoring it — the
//! manifest's signature and time-stamp, then every object it lists read
//! back and hashed. Each object that is missing or does not match is
//! named.

use std::path::Path;

use kyso_pki::trust::TrustStore;
use kyso_store::archive::target::{blob_object, Target};
use kyso_store::archive::ArchiveError;

use super::manifest::Manifest;
use super::seal::{verify_seal, SealCheck};
use super::{latest_backup, manifest_object, signature_object, BackupError};

/// The result of a verification.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    pub id: String,
    pub manifest: Manifest,
    pub seal: SealCheck,
    /// Objects missing or damaged, each named; empty when the backup is whole.
    pub problems: Vec<String>,
    pub objects: usize,
    pub bytes: u64,
}

/// Where [`verify_backup`] keeps the checked table and file objects:
/// `table-N` and `file-N` by their index in the manifest.
pub fn kept_table(dir: &Path, i: usize) -> std::path::PathBuf {
    dir.join(format!("table-{i}"))
}

pub fn kept_file(dir: &Path, i: usize) -> std::path::PathBuf {
    dir.join(format!("file-{i}"))
}

/// Verifies backup `id` (default: the newest complete one) at `target`
/// against `trust`. With `keep`, the tables and files are also written
/// there as they are checked (for a restore).
pub async fn verify_backup(
    target: &Target,
    id: Option<&str>,
    trust: &TrustStore,
    keep: Option<&Path>,
) -> Result<VerifyReport, BackupError> {
    let id = match id {
        Some(i) => i.to_string(),
        None => latest_backup(target).await?.ok_or_else(|| {
            BackupError::NoBackup(format!("no complete backup at {}", target.describe()))
        })?,
    };
    if id.contains('/') || id.contains("..") {
        return Err(BackupError::NoBackup(format!("bad backup id {id}")));
    }
    let bytes = target
        .get(&manifest_object(&id))
        .await
        .map_err(|_| BackupError::NoBackup(format!("backup {id} has no manifest")))?;
    let p7s = target
        .get(&signature_object(&id))
        .await
        .map_err(|_| BackupError::Seal(format!("backup {id} has no manifest signature")))?;
    let seal = verify_seal(&p7s, &bytes, trust)?;
    let manifest = Manifest::parse(&bytes)?;
    if manifest.id != id {
        return Err(BackupError::Mismatch(format!(
            "the manifest of {id} names backup {}",
            manifest.id
        )));
    }
    let mut problems = Vec::new();
    let mut objects = 0;
    let mut total = 0u64;
    let mut check = async |what: String,
                           object: &str,
                           sha256: &str,
                           size: u64,
                           keep_as: Option<std::path::PathBuf>|
           -> Result<(), BackupError> {
        objects += 1;
        match target.hash(object, keep_as.as_deref()).await {
            Ok((got, n)) if got == sha256 && n == size => total += n,
            Ok((got, n)) => problems.push(format!(
                "{what}: {object} is corrupt (SHA-256 {got}, {n} bytes; the manifest says {sha256}, {size} bytes)"
            )),
            Err(ArchiveError::Target(m)) if m.ends_with("missing") => {
                problems.push(format!("{what}: {object} is missing"))
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    };
    for (i, t) in manifest.tables.iter().enumerate() {
        let k = keep.map(|d| kept_table(d, i));
        check(
            format!("table {}", t.table),
            &t.object,
            &t.sha256,
            t.size,
            k,
        )
        .await?;
    }
    for (i, f) in manifest.files.iter().enumerate() {
        let k = keep.map(|d| kept_file(d, i));
        check(format!("file {}", f.path), &f.object, &f.sha256, f.size, k).await?;
    }
    for b in &manifest.blobs {
        let object = blob_object(&b.sha256);
        check(
            format!("blob {}", b.sha256),
            &object,
            &b.sha256,
            b.size,
            None,
        )
        .await?;
    }
    Ok(VerifyReport {
        id,
        manifest,
        seal,
        problems,
        objects,
        bytes: total,
    })
}
