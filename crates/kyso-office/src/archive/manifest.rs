//! The manifest of a backup: every object it consists of with its SHA-256
//! and size, and the backup it builds on. It is signed (a detached CMS
//! signature, `manifest.json.p7s`, [`super::seal`]) and written last.

use serde::{Deserialize, Serialize};

/// Format tag of a manifest.
pub const FORMAT: &str = "kyso-backup/1";

/// Full or incremental.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Full,
    Incremental,
}

/// The backup a backup builds on: its id and the SHA-256 of its manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Previous {
    pub id: String,
    pub manifest_sha256: String,
}

/// One exported table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub table: String,
    pub object: String,
    pub sha256: String,
    pub size: u64,
    pub rows: u64,
}

/// One file of the data directory (configuration, encrypted seal keys).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Path relative to the data directory, `/`-separated.
    pub path: String,
    pub object: String,
    pub sha256: String,
    pub size: u64,
}

/// One blob (kept at `blobs/sha256/XX/SHA256` in the target).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEntry {
    pub sha256: String,
    pub size: u64,
}

/// The source database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// The migrations applied, in order.
    pub migrations: Vec<String>,
}

/// A backup's manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub id: String,
    pub kind: Kind,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub previous: Option<Previous>,
    pub source: Source,
    pub tables: Vec<TableEntry>,
    pub files: Vec<FileEntry>,
    pub blobs: Vec<BlobEntry>,
    /// Blobs this run wrote to the target (the others were there).
    pub blobs_written: u64,
    pub bytes_written: u64,
}

impl Manifest {
    /// Reads a manifest, refusing other formats.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, super::BackupError> {
        let m: Manifest = serde_json::from_slice(bytes)?;
        if m.format != FORMAT {
            return Err(super::BackupError::Other(format!(
                "manifest format {} (this version reads {FORMAT})",
                m.format
            )));
        }
        Ok(m)
    }
}
