//! The archive (DESIGN §11, issue 13): backups of the database and the
//! blobs to a directory or an S3 bucket with a signed, time-stamped
//! manifest ([`backup`]), their verification without restoring
//! ([`verify`]) and the restore onto an empty system ([`restore`]).

pub mod backup;
pub mod export;
pub mod ltv;
pub mod manifest;
pub(crate) mod package;
pub mod restore;
pub mod seal;
pub mod verify;

pub use backup::{backup, BackupMode, BackupReport};
pub use manifest::Manifest;
pub use restore::{restore, RestoreReport};
pub use verify::{verify_backup, VerifyReport};

use kyso_store::archive::ArchiveError;

/// What can go wrong with a backup or a restore.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Blob(#[from] kyso_store::BlobError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The manifest's signature or time-stamp does not verify.
    #[error("manifest signature: {0}")]
    Seal(String),
    /// An object does not match the manifest (named).
    #[error("{0}")]
    Mismatch(String),
    /// No complete backup at the target, or not the one asked for.
    #[error("{0}")]
    NoBackup(String),
    #[error("{0}")]
    Other(String),
}

impl From<serde_json::Error> for BackupError {
    fn from(e: serde_json::Error) -> Self {
        BackupError::Archive(ArchiveError::Format(e.to_string()))
    }
}

/// Objects of one backup live under `backups/ID/`.
pub(crate) fn backup_dir(id: &str) -> String {
    format!("backups/{id}")
}

/// The manifest, written last: a backup is complete when it exists.
pub(crate) fn manifest_object(id: &str) -> String {
    format!("backups/{id}/manifest.json")
}

/// The manifest's detached CMS signature, written just before it.
pub(crate) fn signature_object(id: &str) -> String {
    format!("backups/{id}/manifest.json.p7s")
}

/// The complete backups at `target` (those with a manifest), oldest first.
pub async fn list_backups(
    target: &kyso_store::archive::target::Target,
) -> Result<Vec<String>, BackupError> {
    let mut out = Vec::new();
    for id in target.children("backups").await? {
        if target.exists(&manifest_object(&id)).await? {
            out.push(id);
        }
    }
    Ok(out)
}

/// The newest complete backup at `target`.
pub async fn latest_backup(
    target: &kyso_store::archive::target::Target,
) -> Result<Option<String>, BackupError> {
    Ok(list_backups(target).await?.pop())
}
